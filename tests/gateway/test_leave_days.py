"""Approved leave in the attendance month (`gateway.pay.leave_days` through `month_attendance`): full days, half
days and hours excuse absence and lateness, an absence left on a day takes its leave off pay, rest days count only
for a type that says so, and pending or rejected requests count for nothing.

March 2026 at Shanghai HQ (09:00-18:00, lunch 12:00-13:00, workdays Mon-Fri); E001 punches 08:55-18:00 on every
workday but those named below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.attendance import month_attendance, parse_period
from gateway.store import Employee, Office, Punch, StaffRequest
from payroll_core.attendance import Absence, Fact

PUNCHED = {
    date(2026, 3, 3): ((13, 0), (18, 0)),  # the morning on annual leave: 240 minutes late without it
    date(2026, 3, 4): ((11, 0), (18, 0)),  # two hours of 事假 in the morning: 120 minutes late without it
}
NOT_PUNCHED = {date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 10), date(2026, 3, 11)}
LEAVE = [  # (type, status, starts, ends) in office wall clock
    ("annual", "approved", datetime(2026, 3, 2), datetime(2026, 3, 3)),  # a whole day
    ("annual", "approved", datetime(2026, 3, 3), datetime(2026, 3, 3, 12)),  # half a day
    ("personal", "approved", datetime(2026, 3, 4, 9), datetime(2026, 3, 4, 11)),  # 2 hours
    ("personal", "approved", datetime(2026, 3, 5, 9), datetime(2026, 3, 5, 11)),  # 2 hours of a day not come to
    ("maternity", "approved", datetime(2026, 3, 6), datetime(2026, 3, 9)),  # Fri-Sun: counts the weekend too
    ("annual", "pending", datetime(2026, 3, 10), datetime(2026, 3, 11)),
    ("sick", "rejected", datetime(2026, 3, 11), datetime(2026, 3, 12)),
]


def _seed(session: Session) -> None:
    office = Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=60,
                    shift_rule="shanghai/office")  # fmt: skip
    session.add(office)
    session.flush()
    employee = Employee(code="E001", name="张伟", office_id=office.id, pay_basis="monthly",
                        monthly_salary_fen=800_000, special_deductions_fen=0)  # fmt: skip
    # E000 sorts first and has no leave: E001's leave is found by its own row, and E000 stays absent all month
    session.add_all([employee, Employee(code="E000", name="李娜", office_id=office.id, pay_basis="monthly",
                                        monthly_salary_fen=800_000, special_deductions_fen=0)])  # fmt: skip
    session.flush()
    for n in range(31):
        day = date(2026, 3, 1) + timedelta(days=n)
        if day.isoweekday() > 5 or day in NOT_PUNCHED:
            continue
        for hour, minute in PUNCHED.get(day, ((8, 55), (18, 0))):
            local = datetime(day.year, day.month, day.day, hour, minute)
            session.add(Punch(device_sn="SN1", pin="E001", ts_local=local, ts_utc=local - timedelta(hours=8),
                              source="test", received_at=local, employee_id=employee.id))  # fmt: skip
    for kind, status, starts, ends in LEAVE:
        session.add(StaffRequest(employee_id=employee.id, kind="leave", leave_type=kind, starts_at=starts,
                                 ends_at=ends, amount=0, reason="x", status=status, steps=1, step=1,
                                 created_by="test", created_at=datetime(2026, 3, 1)))  # fmt: skip


def test_leave_excuses_the_days_it_covers_and_nothing_else(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        _seed(session)
    with factory() as session:
        month = month_attendance(session, parse_period("2026-03"), None)
    assert [e.code for e in month.employees] == ["E000", "E001"]
    assert (month.row(0)["absent_days"], month.row(0)["paid_leave_minutes"]) == (22, 0)
    facts = month.facts[1]

    def day(d: int) -> tuple[int, int, int]:
        return (
            int(facts[d - 1, Fact.ABSENCE]),
            int(facts[d - 1, Fact.LATE_MINUTES]),
            int(facts[d - 1, Fact.EARLY_MINUTES]),
        )

    assert day(2) == (Absence.NONE, 0, 0)  # a whole day of annual leave, no punch
    assert day(3) == (Absence.NONE, 0, 0)  # half a day of leave covers the morning's lateness
    assert day(4) == (Absence.NONE, 0, 0)  # 2 hours of 事假 cover 2 hours late
    assert day(5) == (Absence.FULL, 0, 0)  # 2 hours of leave do not make a day not come to less than absent
    assert day(6) == (Absence.NONE, 0, 0)  # maternity leave
    assert (day(10), day(11)) == ((Absence.FULL, 0, 0), (Absence.FULL, 0, 0))  # pending, rejected: still absent
    summary = month.row(1)
    assert (summary["absent_days"], summary["late_minutes"]) == (3, 0)
    # paid: 480 (2nd) + 240 (3rd) + 480 (Friday 6th; the weekend is no workday); unpaid: 120 (4th), the 5th's two
    # hours taken off pay by the day's absence
    assert (summary["paid_leave_minutes"], summary["unpaid_leave_minutes"], summary["sick_leave_minutes"]) == (
        1200, 120, 0)  # fmt: skip
    assert month.leave is not None
    assert (month.leave.days_by_type(0), month.leave.taken(0)) == ({}, [])
    assert month.leave.days_by_type(1) == {"annual": "1.5", "personal": "0.5", "maternity": "3"}
    assert (month.leave.day(1, 5), month.leave.day(1, 6), month.leave.day(1, 9)) == (
        {"maternity": "1"}, {"maternity": "1"}, {})  # fmt: skip
    assert [(t.code, t.paid, t.minutes) for t in month.leave.taken(1)] == [
        ("annual", "1", 720), ("personal", "0", 120), ("maternity", "1", 480)]  # fmt: skip
