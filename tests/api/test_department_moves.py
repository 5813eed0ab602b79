"""A move into a department is a dated terms record (`POST /departments/{code}/members` with `effective_from`): the
days before keep the department they had, the history shows old → new, and a locked month refuses it by name."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.lock_checks import WARNING_CODES

HISTORY = "/api/v1/employees/E001/history"


def _departments(client: TestClient, hr: dict[str, str]) -> None:
    for code in ("SH", "SH-QA"):
        body = {"office": "Shanghai HQ", "code": code, "name": f"部门 {code}"}
        assert client.post("/api/v1/departments", json=body, headers=hr).status_code == 201


def _move(client: TestClient, hr: dict[str, str], code: str, **body: Any) -> Any:
    return client.post(f"/api/v1/departments/{code}/members", json={"employees": ["E001"], **body}, headers=hr)


def _department_on(client: TestClient, hr: dict[str, str], day: str) -> str | None:
    return client.get(HISTORY, params={"as_of": day}, headers=hr).json()["terms"]["department"]


def test_a_move_is_dated_and_the_days_before_keep_their_department(client: TestClient, as_role) -> None:
    hr = as_role("hr")
    _departments(client, hr)
    assert _move(client, hr, "SH", effective_from="2026-03-01").status_code == 204
    assert _move(client, hr, "SH-QA", effective_from="2026-04-16", reason="质检部成立").status_code == 204
    assert [_department_on(client, hr, day) for day in ("2026-02-28", "2026-03-01", "2026-04-15", "2026-04-16")] == [
        None,
        "SH",
        "SH",
        "SH-QA",
    ]
    assert client.get("/api/v1/employees/E001", headers=hr).json()["department"] == "SH-QA"  # today's
    opening, pinned, into_sh, into_qa = client.get(HISTORY, headers=hr).json()["records"]
    assert (opening["superseded_by"], pinned["corrects"], pinned["values"]["department"]) == (
        pinned["id"],
        opening["id"],
        None,
    )
    assert (into_sh["effective_from"], into_sh["values"], into_sh["before"]["department"], into_sh["reason"]) == (
        "2026-03-01",
        {"department": "SH"},
        None,
        "部门调整",
    )
    assert (into_qa["values"], into_qa["before"]["department"], into_qa["reason"], into_qa["created_by"]) == (
        {"department": "SH-QA"},
        "SH",
        "质检部成立",
        "hr:hr-token",
    )
    assert into_qa["created_at"].endswith("Z")  # UTC, said so: the page shows it on the office's clock


def test_a_move_into_a_locked_month_is_refused_naming_the_run(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    _departments(client, hr)
    full_month(factory)
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{run}/compute", headers=hr).status_code == 200
    locked = client.post(f"/api/v1/payruns/{run}/lock", json={"acknowledge": list(WARNING_CODES)}, headers=hr)
    assert locked.status_code == 200, locked.text
    refused = _move(client, hr, "SH", effective_from="2026-03-20")
    assert (refused.status_code, refused.json()["detail"]) == (
        422,
        f"employee E001: a change from 2026-03-20 would alter 2026-03, which locked pay run {run} (scope "
        "'Shanghai HQ') paid; a locked run never changes: date the change in the month after 2026-03, and pay what "
        "is owed for the past as a correction in that month's run",
    )
    no_reason = _move(client, hr, "SH", effective_from="2026-04-01", reason=" ")
    assert (no_reason.status_code, no_reason.json()["detail"]) == (
        422,
        "a change of employee E001 needs a reason (e.g. 调薪 2026年度, 调动 上海→东莞)",
    )
    both = client.post("/api/v1/departments/SH/members", json={"employees": ["E001", "E002"]}, headers=hr)
    assert both.json()["detail"] == (
        "employee 'E002' works in another office than department 'SH': a department holds people of its own office"
    )
    assert client.get(HISTORY, headers=hr).json()["records"] == []  # nothing written, not even E001's part
    assert client.get("/api/v1/employees/E001", headers=hr).json()["department"] is None
    assert _move(client, hr, "SH").status_code == 204  # today: after the locked month
    assert _department_on(client, hr, "2026-03-31") is None
