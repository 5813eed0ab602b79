"""The office's overtime counting method, hand-checked to the minute and the fen (`gateway.pay.overtime_rule`).

These are gateway-level cases, not `tests/cases/*.yaml`: a pay case file holds the month's attendance totals, not
punches or requests, and the methods differ exactly in how punches and requests make those totals.

Shanghai HQ, shift 09:00-18:00 (lunch 12:00-13:00 unpaid), first..last punch, overtime from 60 minutes in steps
of 30. April 2026: Sun 5 April is the statutory 清明 holiday (300 %), Sat 11 and Sun 12 are rest days (200 %),
Wed 8 and Thu 9 workdays (150 %). Salary 6,960.00 yuan: hourly 6,960 ÷ 21.75 ÷ 8 = 40.00 yuan, so a minute is
100 fen at 150 %, 133⅓ fen at 200 %, 200 fen at 300 %.

| day            | punches       | request                          | kernel | hours | window | punches |
|----------------|---------------|----------------------------------|--------|-------|--------|---------|
| Wed 8 (work)   | 09:00-22:30   | 17:00-20:00 pay, approved        | 270    | 180   | 120    | 270     |
| Thu 9 (work)   | 09:00-21:00   | 18:00-21:00 pay, REJECTED        | 180    | 0     | 0      | 180     |
| Sat 11 (rest)  | 19:00-22:30   | 18:00-21:00 pay, approved        | 210    | 180   | 120    | 210     |
| Sun 12 (rest)  | 14:00-18:00   | 14:00-18:00 time off, approved   | 240    | 0 (240 in lieu, every method)   |
| Sun 5 (hol.)   | 09:00-12:00   | 08:00-11:00 pay, approved        | 180    | 180   | 120    | 180     |

Workday 17:00-20:00 inside the window counts only after the shift's end: 18:00-20:00 = 120. Sat 11 inside
18:00-21:00 is 19:00-21:00 = 120; Sun 5 inside 08:00-11:00 is 09:00-11:00 = 120.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import pytest
from gateway_testkit import seed_device
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.attendance import month_attendance, parse_period
from gateway.pay.payrun import payslips_of, run_payroll
from gateway.store import Badge, Employee, Office, StaffRequest

SN = "SN1"
DAYS = {  # day of April: (punch in, punch out), (request from, to), comp, status
    8: (("09:00", "22:30"), ("17:00", "20:00"), "pay", "approved"),
    9: (("09:00", "21:00"), ("18:00", "21:00"), "pay", "rejected"),
    11: (("19:00", "22:30"), ("18:00", "21:00"), "pay", "approved"),
    12: (("14:00", "18:00"), ("14:00", "18:00"), "time_off", "approved"),
    5: (("09:00", "12:00"), ("08:00", "11:00"), "pay", "approved"),
}


def _at(day: int, clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-04-{day:02d}T{clock}")


@pytest.fixture
def april(factory: sessionmaker[Session]) -> None:
    seed_device(factory, SN)
    with factory() as session, session.begin():
        office = session.scalars(select(Office)).one()
        employee = Employee(code="E001", name="Worker E001", office_id=office.id, pay_basis="monthly",
                            monthly_salary_fen=696_000, special_deductions_fen=0)  # fmt: skip
        session.add(employee)
        session.flush()
        session.add(Badge(pin="1", employee_id=employee.id, device_sn=None))
        for day, (_punched, (start, end), comp, status) in DAYS.items():
            starts, ends = _at(day, start), _at(day, end)
            session.add(StaffRequest(employee_id=employee.id, kind="overtime", starts_at=starts, ends_at=ends,
                                     amount=int((ends - starts).total_seconds()) // 60, comp=comp, reason="stock",
                                     status=status, steps=1, step=1, created_by="test",
                                     created_at=datetime(2026, 4, 1)))  # fmt: skip
    punches = [RawPunch(SN, "1", _at(day, clock)) for day, (punched, *_rest) in DAYS.items() for clock in punched]
    stored = ingest_punches(factory, SN, punches, source="zk-tcp", now=datetime(2026, 5, 1))
    assert stored.new == 10


# minutes (workday, rest day, holiday, in lieu), fen (150 %, 200 %, 300 %), days and minutes over 3 h a day. The
# 调休 day counts towards the limit (240 − 180 = 60: time off in lieu is still overtime worked); under "punches"
# Wed 8 (270 − 180) and Sat 11 (210 − 180) are over too. Fen: workday 100 × minutes, rest day 4,000 × 2 × minutes
# ÷ 60, holiday 200 × minutes.
EXPECTED = {
    "approved_hours": ((180, 180, 180, 240), (18_000, 24_000, 36_000), (1, 60)),
    "approved_window": ((120, 120, 120, 240), (12_000, 16_000, 24_000), (1, 60)),
    "punches": ((450, 210, 180, 240), (45_000, 28_000, 36_000), (3, 180)),
}


@pytest.mark.parametrize("method", list(EXPECTED))
def test_each_counting_method_to_the_minute_and_the_fen(
    factory: sessionmaker[Session], april: None, overtime_counting: Callable[[str], None], method: str
) -> None:
    overtime_counting(method)
    minutes, fen, (days_over, minutes_over) = EXPECTED[method]
    with factory() as session, session.begin():
        month = month_attendance(session, parse_period("2026-04"), None)
        row = month.row(0)
        keys = ("ot_workday_minutes", "ot_restday_minutes", "ot_holiday_minutes", "ot_in_lieu_minutes")
        assert tuple(row[key] for key in keys) == minutes
        assert (row["ot_days_over_limit"], row["ot_minutes_over_day_limit"]) == (days_over, minutes_over)
        assert row["ot_minutes_over_month_limit"] == 0
        run_payroll(session, "2026-04", "Shanghai HQ", "test")
        [(slip, _employee)] = payslips_of(session, 1)
        figures = json.loads(slip.figures_json)
        assert (figures["ot_workday_fen"], figures["ot_restday_fen"], figures["ot_holiday_fen"]) == fen
        assert figures["ot_pay_fen"] == sum(fen)


def test_time_off_in_lieu_is_not_paid_at_200_percent(factory: sessionmaker[Session], april: None) -> None:
    """Sun 12: 240 minutes worked on a rest day, taken as 调休: counted (the calendar shows them), not paid."""
    with factory() as session:
        month = month_attendance(session, parse_period("2026-04"), None)
        sunday = month.facts[0, 11]
        assert sunday[9] == 240  # Fact.OT_RESTDAY_MINUTES: counted overtime of the day
        assert month.row(0)["ot_restday_minutes"] == 180  # only Sat 11's approved hours are paid
        assert month.row(0)["ot_in_lieu_minutes"] == 240
