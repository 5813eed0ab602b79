"""GET /dashboard served from the process's figures cache: a repeated request recomputes nothing, and each kind
of write the figures read (a punch, an approved leave, a locked run, a terms change) makes the next one
recompute, with the figures changed exactly."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from pay_testkit import full_month
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import gateway.pay.dashboard as dashboard
from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import lock_payrun, run_payroll
from gateway.store import PayRun, make_engine

DAY = "2026-03-03"  # a Tuesday, over by now: a missing out punch is an absence


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the cache ran the one-office pipeline and the trends since the last `clear()`."""
    counted: Counter[str] = Counter()

    def counting(name: str) -> Callable[..., object]:
        real = getattr(dashboard, name)

        def call(*args: object, **kwargs: object) -> object:
            counted[name] += 1
            return real(*args, **kwargs)

        return call

    for name in ("office_today", "trends"):
        monkeypatch.setattr(dashboard, name, counting(name))
    return counted


def _get(client: TestClient, headers: dict[str, str], calls: Counter[str]) -> tuple[dict, dict[str, int]]:  # type: ignore[type-arg]
    """(the response's figures by office with the trends, the pipeline calls it made)."""
    calls.clear()
    answer = client.get("/api/v1/dashboard", params={"day": DAY}, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return {"offices": {o["office"]: o for o in body["offices"]}, "trends": body["trends"]}, dict(calls)


def _punch(factory: sessionmaker[Session], pin: str, hour: int, minute: int) -> None:
    ingest_punches(
        factory, "SH0001", [RawPunch("SH0001", pin, datetime(2026, 3, 3, hour, minute))], source="zk-tcp",
        now=datetime(2026, 4, 1),
    )  # fmt: skip


def test_a_repeat_recomputes_nothing_a_punch_recomputes(client: TestClient, as_role, factory, calls) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    first, ran = _get(client, hr, calls)
    assert ran == {"office_today": 2, "trends": 1}
    assert (first["offices"]["Shanghai HQ"]["present"], first["offices"]["Shanghai HQ"]["absent"]) == (0, 1)
    again, ran = _get(client, hr, calls)
    assert (again, ran) == (first, {})
    _punch(factory, "1001", 8, 55)
    _punch(factory, "1001", 18, 0)
    after, ran = _get(client, hr, calls)
    assert ran == {"office_today": 2, "trends": 1}
    shanghai = after["offices"]["Shanghai HQ"]
    assert (shanghai["headcount"], shanghai["present"], shanghai["absent"]) == (1, 1, 0)
    assert after["offices"]["Urumqi plant"] == first["offices"]["Urumqi plant"]


def test_an_approved_leave_recomputes(client: TestClient, as_role, calls) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    before, _ran = _get(client, hr, calls)
    body = {"kind": "leave", "leave_type": "personal", "reason": "家里有事",
            "starts_at": "2026-03-03T00:00", "ends_at": "2026-03-04T00:00"}  # fmt: skip
    created = client.post("/api/v1/requests", json=body, headers=as_role("employee"))
    assert created.status_code == 201, created.text
    pending, ran = _get(client, hr, calls)  # a new request is audited, so recomputed, but changes no figure
    assert (pending, ran) == (before, {"office_today": 2, "trends": 1})
    decided = client.post("/api/v1/requests/decisions", json={"ids": [created.json()["id"]], "approve": True},
                          headers=hr)  # fmt: skip
    assert decided.status_code == 200, decided.text
    after, ran = _get(client, hr, calls)
    assert ran == {"office_today": 2, "trends": 1}
    shanghai = after["offices"]["Shanghai HQ"]
    assert (shanghai["on_leave"], shanghai["absent"]) == (1, 0)


def test_a_locked_run_recomputes_the_trends(client: TestClient, as_role, factory, calls) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    full_month(factory)
    with factory() as session, session.begin():
        run, _changes = run_payroll(session, "2026-03", "Shanghai HQ", "test")
    computed, _ran = _get(client, hr, calls)
    assert [(o["office"], o["headcount"]) for o in computed["trends"]["offices"]] == [("Shanghai HQ", [1])]
    with factory() as session, session.begin():
        lock_payrun(session, run.id, "test", WARNING_CODES)
        assert session.scalar(select(PayRun.status).where(PayRun.id == run.id)) == "locked"
    locked, ran = _get(client, hr, calls)
    assert ran == {"office_today": 2, "trends": 1}
    assert locked == computed  # locking changes no figure of a run already computed
    with factory() as session, session.begin():
        run_payroll(session, "2026-02", "Shanghai HQ", "test")
    february, ran = _get(client, hr, calls)
    assert ran == {"office_today": 2, "trends": 1}
    assert february["trends"]["months"] == ["2026-02", "2026-03"]


def test_a_terms_change_recomputes(client: TestClient, as_role, calls) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    before, _ran = _get(client, hr, calls)
    assert (before["offices"]["Shanghai HQ"]["headcount"], before["offices"]["Urumqi plant"]["headcount"]) == (1, 1)
    body = {"effective_from": "2026-03-02", "office": "Urumqi plant", "reason": "调动"}
    answer = client.post("/api/v1/employees/E001/changes", json=body, headers=hr)
    assert answer.status_code == 201, answer.text
    after, ran = _get(client, hr, calls)
    assert ran == {"office_today": 2, "trends": 1}
    assert (after["offices"]["Shanghai HQ"]["headcount"], after["offices"]["Urumqi plant"]["headcount"]) == (0, 2)


def test_the_end_of_the_day_is_part_of_the_key(factory, calls) -> None:  # type: ignore[no-untyped-def]
    """10:00 in Shanghai E001's one punch is only a missing punch; once the 3rd has ended it is an absence."""
    _punch(factory, "1001", 9, 10)
    cache = dashboard.FiguresCache()
    day = date(2026, 3, 3)
    with factory() as session:
        morning = cache.figures(session, datetime(2026, 3, 3, 2, 0), day)[0][0]
        noon = cache.figures(session, datetime(2026, 3, 3, 4, 0), day)[0][0]
        assert calls["office_today"] == 2  # Shanghai and Urumqi once: noon is the morning's entry
        night = cache.figures(session, datetime(2026, 3, 4, 2, 0), day)[0][0]
    assert morning == noon
    assert (morning.present, morning.absent, morning.missing_punch) == (1, 0, 1)
    assert (night.present, night.absent, night.missing_punch) == (0, 1, 1)


def test_requests_missing_at_once_compute_the_figures_once(factory, calls, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Eight requests arrive together after a write: one computes while the others wait, and all get its figures
    (before, each computed, eight times the work at once: the herd that held every PostgreSQL connection)."""
    _punch(factory, "1001", 9, 10)
    cache = dashboard.FiguresCache()
    counted = dashboard.office_today  # the fixture's counting wrapper
    started = threading.Barrier(8)

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.05)  # long enough that the other requests arrive while the first computes
        return counted(*args, **kwargs)

    monkeypatch.setattr(dashboard, "office_today", slow)

    def request() -> object:
        started.wait()
        with factory() as session:
            return cache.figures(session, datetime(2026, 3, 4, 2, 0), date(2026, 3, 3))

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: request(), range(8)))
    assert (calls["office_today"], calls["trends"]) == (2, 1)  # Shanghai and Urumqi, once each
    assert all(answer == answers[0] for answer in answers)


def test_requests_waiting_for_the_computation_hold_no_pooled_connection(  # type: ignore[no-untyped-def]
    db_url: str, factory, calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six cold requests on a pool of two connections (no overflow, a checkout waits at most 1 s) while the
    figures take 1.5 s to compute: every one is answered. Before, each waiter held its connection while it
    waited, so the third request found none within the second and failed (the API's 503)."""
    _punch(factory, "1001", 9, 10)
    small = make_engine(db_url, pool_size=2, pool_timeout_s=1)
    cache = dashboard.FiguresCache()
    real = dashboard.office_today  # the fixture's counting wrapper

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.75)  # two offices: 1.5 s of computation, longer than a checkout may wait
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard, "office_today", slow)

    def request() -> object:
        with Session(small) as session:
            return cache.figures(session, datetime(2026, 3, 4, 2, 0), date(2026, 3, 3))

    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: request(), range(6)))
    finally:
        small.dispose()
    assert (calls["office_today"], calls["trends"]) == (2, 1)  # computed once, by the first request
    assert all(answer == answers[0] for answer in answers)
    assert [(o.present, o.missing_punch) for o in answers[0][0]] == [(0, 1), (0, 0)]  # as the night test: out missing
