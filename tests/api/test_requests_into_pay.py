"""Requests into attendance and pay, end to end through the API (the office counts `approved_hours`, the default).

E001's March 2026 (`pay_testkit.full_month`: 08:55-18:00 on every workday but Tue 10 March, salary 12,345.67 yuan).
Overtime of 180 minutes at 150 % = 1,234,567 × 1.5 × 180 ÷ (21.75 × 8 × 60) = 31,928.45 → 31,928 fen; one absent day
= 1,234,567 ÷ 21.75 = 56,761.7 → 56,762 fen.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, SN_SH, full_month
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.store import PayRun


def _request(client: TestClient, headers: dict[str, str], body: dict[str, str]) -> int:
    made = client.post("/api/v1/requests", json=body | {"reason": "month end"}, headers=headers)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _decide(client: TestClient, headers: dict[str, str], request_id: int, approve: bool) -> dict:  # type: ignore[type-arg]
    done = client.post("/api/v1/requests/decisions", json={"ids": [request_id], "approve": approve}, headers=headers)
    assert done.status_code == 200, done.text
    return done.json()[0]  # type: ignore[no-any-return]


def _payslip(client: TestClient, hr: dict[str, str]) -> dict:  # type: ignore[type-arg]
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()
    client.post(f"/api/v1/payruns/{run['id']}/compute", headers=hr)
    [slip] = client.get(f"/api/v1/payruns/{run['id']}", headers=hr).json()["payslips"]
    return client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json()  # type: ignore[no-any-return]


def test_a_rejected_overtime_request_is_not_paid(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    late = [RawPunch(SN_SH, "1001", datetime(2026, 3, day, 21, 0)) for day in (4, 5)]  # Wed 4, Thu 5: out at 21:00
    ingest_punches(factory, SN_SH, late, source="zk-tcp", now=datetime(2026, 4, 1))
    me, hr = as_role("employee"), as_role("hr")
    window = {"kind": "overtime", "comp": "pay"}
    approved = _request(client, me, window | {"starts_at": "2026-03-04T18:00", "ends_at": "2026-03-04T21:00"})
    rejected = _request(client, me, window | {"starts_at": "2026-03-05T18:00", "ends_at": "2026-03-05T21:00"})
    assert _decide(client, hr, approved, True)["status"] == "approved"
    assert _decide(client, hr, rejected, False)["status"] == "rejected"
    slip = _payslip(client, hr)
    assert (slip["attendance"]["ot_workday_minutes"], slip["attendance"]["ot_in_lieu_minutes"]) == (180, 0)
    assert (slip["figures"]["ot_workday_fen"], slip["figures"]["ot_pay_fen"]) == (31_928, 31_928)
    month = client.get(f"/api/v1/employees/E001/month?period={PERIOD}", headers=hr).json()
    shown = {d["date"]: d["overtime_minutes"] for d in month["days"] if d["date"] in ("2026-03-04", "2026-03-05")}
    assert shown == {"2026-03-04": 180, "2026-03-05": 0}


def test_an_approved_missed_punch_correction_turns_an_absent_day_into_a_worked_day(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    full_month(factory)
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: datetime(2026, 3, 12, 2, 0))  # within the 7 days
    me, hr = as_role("employee"), as_role("hr")

    def tuesday() -> dict:  # type: ignore[type-arg]
        month = client.get(f"/api/v1/employees/E001/month?period={PERIOD}", headers=me).json()
        return next(d for d in month["days"] if d["date"] == "2026-03-10")  # type: ignore[no-any-return]

    assert (tuesday()["status"], tuesday()["worked_minutes"]) == ("absent", 0)
    for at, direction in (("2026-03-10T08:55", "in"), ("2026-03-10T18:00", "out")):
        fix = _request(client, me, {"kind": "correction", "starts_at": at, "direction": direction})
        assert _decide(client, hr, fix, True)["status"] == "approved"
    assert (tuesday()["status"], tuesday()["worked_minutes"]) == ("normal", 485)  # 08:55-18:00 less lunch
    slip = _payslip(client, hr)
    assert (slip["attendance"]["absent_days"], slip["figures"]["absence_fen"]) == (0, 0)
    assert [line["code"] for line in slip["lines"]][:2] == ["BASE_PAY", "GROSS"]  # no ABSENCE line (was −56,762)


def test_a_request_for_a_month_a_locked_run_covers_is_refused_at_submission_and_at_approval(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    me, hr = as_role("employee"), as_role("hr")
    body = {"kind": "overtime", "comp": "pay", "starts_at": "2026-03-04T18:00", "ends_at": "2026-03-04T21:00"}
    pending = _request(client, me, body)
    with factory() as session, session.begin():
        run = PayRun(period=PERIOD, scope="all", status="locked", created_at=datetime(2026, 4, 2), created_by="hr")
        session.add(run)
        session.flush()
        run_id = run.id
    refused = client.post("/api/v1/requests", json=body | {"reason": "again"}, headers=me)
    message = (
        f"2026-03 is already paid in locked pay run {run_id}: a request for a locked month cannot change it; ask HR "
        "to correct it in a later month's run"
    )
    assert (refused.status_code, refused.json()["detail"]) == (422, message)
    assert _decide(client, hr, pending, True) == {"id": pending, "ok": False, "status": "pending", "step": 1,
                                                  "detail": message}  # fmt: skip
    assert client.get(f"/api/v1/requests/{pending}", headers=hr).json()["status"] == "pending"


@pytest.mark.usefixtures("overtime_by_punches")
def test_overtime_beyond_the_legal_limits_is_flagged_and_warned_of_before_the_lock(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    """Out at 22:30 on 9 workdays: 270 minutes a day, 90 beyond 3 h each; 2,430 in the month, 270 beyond 36 h."""
    full_month(factory)
    days = (2, 3, 4, 5, 6, 9, 11, 12, 13)
    late = [RawPunch(SN_SH, "1001", datetime(2026, 3, day, 22, 30)) for day in days]
    ingest_punches(factory, SN_SH, late, source="zk-tcp", now=datetime(2026, 4, 1))
    hr = as_role("hr")
    month = client.get(f"/api/v1/employees/E001/month?period={PERIOD}", headers=hr).json()
    assert [int(d["date"][-2:]) for d in month["days"] if d["overtime_over_limit"]] == list(days)
    assert {key: month["summary"][key] for key in month["summary"] if "limit" in key} == {
        "ot_days_over_limit": 9, "ot_minutes_over_day_limit": 810, "ot_minutes_over_month_limit": 270}  # fmt: skip
    [row] = client.get(f"/api/v1/attendance?period={PERIOD}&employee=E001", headers=hr).json()["employees"]
    assert (row["ot_workday_minutes"], row["overtime"]) == (2430, {
        "in_lieu_minutes": 0, "days_over_day_limit": 9, "minutes_over_day_limit": 810,
        "minutes_over_month_limit": 270})  # fmt: skip
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()
    client.post(f"/api/v1/payruns/{run['id']}/compute", headers=hr)
    refused = client.post(f"/api/v1/payruns/{run['id']}/lock", headers=hr)
    assert refused.status_code == 409
    assert refused.json()["warnings"] == [
        {
            "code": "overtime_over_limit",
            "message": "1 employee(s) with overtime beyond 3 hours a day or 36 hours a month (劳动法 art. 41): "
            "E001 Worker E001 (9 day(s) over 3 h, 13 h 30 min beyond; 40 h 30 min in the month, 4 h 30 min over 36 h)"
            "; it is paid as counted, but check the approvals and the schedule",
            "items": ["E001 Worker E001 (9 day(s) over 3 h, 13 h 30 min beyond; 40 h 30 min in the month, "
                      "4 h 30 min over 36 h)"],
        }
    ]  # fmt: skip
    locked = client.post(f"/api/v1/payruns/{run['id']}/lock", json={"acknowledge": ["overtime_over_limit"]}, headers=hr)
    assert (locked.status_code, locked.json()["status"]) == (200, "locked")
