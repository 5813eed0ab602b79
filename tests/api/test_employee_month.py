"""GET /employees/{code}/month: an employee's month day by day, from hand-made punches and corrections (May 2026:
Labour Day holidays and a make-up Saturday), exact per day and in the summary."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.month_calendar import month_calendar
from gateway.store import Badge, Employee, Office, Punch, PunchCorrection, utcnow

SN_SH = "SH0001"


def _punch(factory: sessionmaker[Session], *stamps: datetime, pin: str = "1001") -> None:
    ingest_punches(
        factory, SN_SH, [RawPunch(SN_SH, pin, ts) for ts in stamps], source="zk-tcp", now=datetime(2026, 6, 1)
    )


def _id(factory: sessionmaker[Session], ts_local: datetime) -> int:
    with factory() as session:
        found = session.scalar(select(Punch.id).where(Punch.ts_local == ts_local))
        assert found is not None
        return found


def _correct(factory: sessionmaker[Session], action: str, punch_id: int | None, ts_utc: datetime | None) -> int:
    with factory() as session, session.begin():
        correction = PunchCorrection(
            action=action,
            employee_id=1,
            punch_id=punch_id,
            ts_utc=ts_utc,
            reason="test",
            created_by="test",
            created_at=utcnow(),
        )
        session.add(correction)
        session.flush()
        return correction.id


@pytest.fixture
def may(factory: sessionmaker[Session]) -> dict[str, int]:
    """E001's May: late, early, a missing punch, a voided, a moved and two added punches, a double tap, holiday work."""
    d = datetime
    _punch(
        factory,
        d(2026, 5, 2, 10, 0),
        d(2026, 5, 2, 15, 0),  # a statutory holiday worked: 240 minutes at 300 %
        d(2026, 5, 6, 9, 12),
        d(2026, 5, 6, 18, 0),  # late 12
        d(2026, 5, 7, 8, 50),
        d(2026, 5, 7, 17, 30),  # early 30
        d(2026, 5, 8, 8, 58),  # missing punch
        d(2026, 5, 11, 8, 55),
        d(2026, 5, 11, 12, 0),
        d(2026, 5, 11, 18, 0),  # 12:00 voided
        d(2026, 5, 12, 9, 40),
        d(2026, 5, 12, 18, 0),  # 09:40 moved to 08:59
        d(2026, 5, 14, 8, 55),
        d(2026, 5, 14, 8, 55, 40),
        d(2026, 5, 14, 18, 0),  # a double tap at 08:55:40
    )
    ids = {
        "void": _correct(factory, "void", _id(factory, d(2026, 5, 11, 12, 0)), None),
        "move": _correct(factory, "move", _id(factory, d(2026, 5, 12, 9, 40)), d(2026, 5, 12, 0, 59)),
        "add_in": _correct(factory, "add", None, d(2026, 5, 13, 1, 0)),
        "add_out": _correct(factory, "add", None, d(2026, 5, 13, 10, 0)),
    }
    return ids


def _day(month: dict[str, object], day: int) -> dict[str, object]:
    days: list[dict[str, object]] = month["days"]  # type: ignore[assignment]
    return days[day - 1]


def _times(day: dict[str, object]) -> list[tuple[object, ...]]:
    punches: list[dict[str, object]] = day["punches"]  # type: ignore[assignment]
    return [(p["time"], p["correction"], p["moved_from"], p["counted"], p["source"]) for p in punches]


@pytest.mark.usefixtures("overtime_by_punches")  # the punches' overtime, no approval needed
def test_each_day_has_its_type_plan_punches_figures_and_status(
    client: TestClient, as_role, factory, may: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/employees/E001/month", params={"period": "2026-05"}, headers=as_role("hr"))
    assert response.status_code == 200, response.text
    month = response.json()
    assert {k: month[k] for k in ("employee", "office", "timezone", "period", "shift", "through")} == {
        "employee": "E001",
        "office": "Shanghai HQ",
        "timezone": "Asia/Shanghai",
        "period": "2026-05",
        "shift": "office",
        "through": "2026-05-31",
    }
    assert len(month["days"]) == 31
    summary = [
        (d["date"][-2:], d["day_type"], d["planned_start"], d["planned_end"], d["status"]) for d in month["days"][:10]
    ]
    assert summary == [
        ("01", "holiday", None, None, "holiday"),
        ("02", "holiday", None, None, "holiday"),
        ("03", "rest_day", None, None, "rest"),
        ("04", "rest_day", None, None, "rest"),
        ("05", "rest_day", None, None, "rest"),
        ("06", "workday", "09:00", "18:00", "late"),
        ("07", "workday", "09:00", "18:00", "early_leave"),
        ("08", "workday", "09:00", "18:00", "missing_punch"),
        ("09", "makeup_workday", "09:00", "18:00", "absent"),
        ("10", "rest_day", None, None, "rest"),
    ]
    figures = [
        (d["date"][-2:], d["worked_minutes"], d["late_minutes"], d["early_minutes"], d["overtime_minutes"])
        for d in month["days"]
        if d["punches"]
    ]
    assert figures == [
        ("02", 240, 0, 0, 240),  # 10:00-15:00 less the lunch hour
        ("06", 468, 12, 0, 0),
        ("07", 460, 0, 30, 0),
        ("08", 0, 0, 0, 0),
        ("11", 485, 0, 0, 0),
        ("12", 481, 0, 0, 0),
        ("13", 480, 0, 0, 0),
        ("14", 485, 0, 0, 0),
    ]
    assert _times(_day(month, 11)) == [
        ("08:55", None, None, True, "zk-tcp"),
        ("12:00", "voided", None, False, "zk-tcp"),
        ("18:00", None, None, True, "zk-tcp"),
    ]
    assert _times(_day(month, 12)) == [
        ("08:59", "moved", "09:40", True, "zk-tcp"),
        ("18:00", None, None, True, "zk-tcp"),
    ]
    assert _times(_day(month, 13)) == [
        ("09:00", "added", None, True, "correction"),
        ("18:00", "added", None, True, "correction"),
    ]
    assert _times(_day(month, 14)) == [
        ("08:55", None, None, True, "zk-tcp"),
        ("08:55", None, None, False, "zk-tcp"),
        ("18:00", None, None, True, "zk-tcp"),
    ]
    moved = _day(month, 12)["punches"][0]  # type: ignore[index]
    assert (moved["punch_id"], moved["correction_id"], moved["at"]) == (
        _id(factory, datetime(2026, 5, 12, 9, 40)),
        may["move"],
        "2026-05-12T00:59:00Z",
    )
    added = _day(month, 13)["punches"][0]  # type: ignore[index]
    assert (added["punch_id"], added["correction_id"]) == (None, may["add_in"])
    assert [d["status"] for d in month["days"][10:16]] == ["normal", "normal", "normal", "normal", "absent", "rest"]
    assert month["summary"] == {
        "scheduled_days": 19,  # May's weekdays less 1, 4 and 5 May, plus Saturday 9 May
        # 8 May (one punch, 0 minutes) is a missing punch: a full-day absence under the default missing_punch = "absent"
        "worked_days": 6,
        "absent_days": 13,
        "absent_half_days": 0,
        "late_minutes": 12,
        "early_minutes": 30,
        "ot_workday_minutes": 0,
        "ot_restday_minutes": 0,
        "ot_holiday_minutes": 240,
        "missing_punches": 1,
        "ot_days_over_limit": 1,  # the holiday's 240 minutes: 60 beyond 3 hours (劳动法 art. 41)
        "ot_minutes_over_day_limit": 60,
        "ot_minutes_over_month_limit": 0,
    }


def test_a_night_shifts_morning_punch_is_on_the_evening_it_started(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        office_id = session.scalar(select(Office.id).where(Office.name == "Shanghai HQ"))
        night = Employee(
            code="E003",
            name="Night worker",
            office_id=office_id,
            pay_basis="monthly",
            monthly_salary_fen=500_000,
            special_deductions_fen=0,
            shift_rule="dongguan/night",  # 20:00-05:00, Asia/Shanghai as the office
        )
        session.add(night)
        session.flush()
        session.add(Badge(pin="1003", employee_id=night.id, device_sn=None))
    _punch(factory, datetime(2026, 5, 6, 19, 55), datetime(2026, 5, 7, 5, 2), pin="1003")
    month = client.get("/api/v1/employees/E003/month", params={"period": "2026-05"}, headers=as_role("hr")).json()
    wednesday, thursday = _day(month, 6), _day(month, 7)
    assert (wednesday["planned_start"], wednesday["planned_end"], wednesday["overnight"]) == ("20:00", "05:00", True)
    assert _times(wednesday) == [("19:55", None, None, True, "zk-tcp"), ("05:02", None, None, True, "zk-tcp")]
    assert (wednesday["status"], thursday["punches"], thursday["status"]) == ("normal", [], "absent")


def test_days_still_to_come_are_upcoming_and_count_as_nothing(factory, may: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        employee = session.scalar(select(Employee).where(Employee.code == "E001"))
        assert employee is not None
        # as of 8 May 12:00 Shanghai: the 8th is in progress, so its missing out punch is flagged, not absent
        calendar = month_calendar(session, employee, "2026-05", date(2026, 5, 8), datetime(2026, 5, 8, 4, 0))
    assert calendar.through == date(2026, 5, 8)
    assert [d.status for d in calendar.days[7:10]] == ["missing_punch", "upcoming", "upcoming"]
    assert (calendar.summary["scheduled_days"], calendar.summary["absent_days"], calendar.summary["worked_days"]) == (
        3,
        0,
        3,
    )


def test_an_employee_sees_only_their_own_month(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    own = client.get("/api/v1/employees/E001/month", params={"period": "2026-03"}, headers=as_role("employee"))
    assert own.status_code == 200
    for code in ("E002", "E404"):
        other = client.get(f"/api/v1/employees/{code}/month", params={"period": "2026-03"}, headers=as_role("employee"))
        assert (other.status_code, other.json()["detail"]) == (404, f"employee {code!r} does not exist")
    missing = client.get("/api/v1/employees/E404/month", params={"period": "2026-03"}, headers=as_role("hr"))
    assert (missing.status_code, missing.json()["detail"]) == (404, "employee 'E404' does not exist")
    bad = client.get("/api/v1/employees/E001/month", params={"period": "2026-13"}, headers=as_role("hr"))
    assert bad.status_code == 422
