"""Onboarding end to end through the API: submitted → approved by another HR user → user sync writes the badge to a
simulated ZK terminal (read back with pyzk) → the new hire punches on it → the terminal is polled → the pay run of
the hire month pays the prorated probation salary from the hire date, to the fen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from zk import ZK

from api.app import ApiSettings, create_app
from gateway import config as cfg
from gateway.access.tokens import issue_token
from simulators.zk import ZKTerminal
from tests.api.test_onboarding import NEW_HIRE

HQ = cfg.Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai")


@pytest.fixture
def terminal() -> Iterator[ZKTerminal]:
    with ZKTerminal(users=0, records=0, serial="SH0001", packet_gap_s=0) as sim:
        yield sim


@pytest.fixture
def hq_client(factory: sessionmaker[Session], terminal: ZKTerminal) -> Iterator[TestClient]:
    """The API with the config naming Shanghai's terminal, the simulator (user sync needs it in the config)."""
    device = cfg.Device(
        name="hq-door", sn="SH0001", kind="zk-tcp", host="127.0.0.1", port=terminal.port, office=HQ.name
    )
    settings = ApiSettings(session_factory=factory, config=cfg.Config(offices=[HQ], devices=[device]))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_a_new_hire_reaches_the_terminal_punches_and_is_paid_from_the_hire_date(
    hq_client: TestClient, as_role, factory: sessionmaker[Session], terminal: ZKTerminal
) -> None:  # type: ignore[no-untyped-def]
    client, hr, admin = hq_client, as_role("hr"), as_role("admin")
    with factory() as session, session.begin():
        _row, other = issue_token(session, "hq-approver", "hr", None, "test")
    submitted = client.post("/api/v1/onboarding", json=NEW_HIRE, headers=hr)
    assert submitted.status_code == 201, submitted.text
    decided = client.post(
        f"/api/v1/onboarding/{submitted.json()['id']}/decision",
        json={"approve": True},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["employee"], decided.json()["pin"]) == ("E003", "1003")

    synced = client.post("/api/v1/devices/hq-door/users/sync", headers=hr)
    assert synced.status_code == 200, synced.text
    assert [(c["action"], c["pin"], c["employee"]) for c in synced.json()["changes"]] == [
        ("add", "1001", "E001"),
        ("add", "1003", "E003"),
    ]
    conn = ZK("127.0.0.1", terminal.port, ommit_ping=True, encoding="gbk").connect()
    try:
        users = sorted((u.user_id, u.name) for u in conn.get_users())
    finally:
        conn.disconnect()
    assert users == [("1001", "Worker E001"), ("1003", "陈小雨")]

    assert terminal.add_punch("1003", datetime(2026, 11, 16, 8, 55))  # her first morning, at the terminal
    moved = client.patch("/api/v1/devices/SH0001", json={"port": terminal.port}, headers=admin)
    assert moved.status_code == 200, moved.text
    polled = client.post("/api/v1/devices/SH0001/sync", headers=hr)
    assert polled.status_code == 200, polled.text
    assert (polled.json()["new"], polled.json()["quarantined"]) == (1, 0)
    punches = client.get("/api/v1/punches?employee=E003", headers=hr).json()
    assert [(p["employee"], p["ts_local"]) for p in punches["items"]] == [("E003", "2026-11-16T08:55:00")]

    run = client.post("/api/v1/payruns", json={"period": "2026-11", "scope": "Shanghai HQ"}, headers=hr).json()
    computed = client.post(f"/api/v1/payruns/{run['id']}/compute", headers=hr)
    assert computed.status_code == 200, computed.text
    slips = client.get("/api/v1/payslips?period=2026-11&employee=E003", headers=hr).json()
    [slip] = slips["items"]
    detail = client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json()
    base = [(line["amount_fen"], line["quantities"]) for line in detail["lines"] if line["code"] == "BASE_PAY"]
    # November 2026 has 21 workdays, 11 of them from Monday the 16th; the probation salary 8,000.00 is paid:
    # 8,000.00 × 11 ÷ 21 = 4,190.476… → 4,190.48. (One punch and no other: her other 10 workdays are absences.)
    assert base == [(419_048, {"monthly_salary_fen": 800_000, "employed_days": 11, "scheduled_days": 21})]
    # Her 08:55 reached the pay run as 16 November's missing punch (no out yet): a full-day absence under the
    # default missing_punch = "absent" until a 补卡 is approved, so no worked day.
    assert (detail["attendance"]["worked_days"], detail["attendance"]["missing_punches"]) == (0, 1)
