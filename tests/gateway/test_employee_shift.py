"""Per-employee shifts: a day worker and a night worker of one office, judged from one ingest batch.

The Dongguan rule file (`payroll_core/rules/offices/dongguan.toml`, paired punches, overtime from
30 minutes in steps of 30):
- day   08:00-17:00, unpaid breaks 12:00-13:00 and 17:00-17:30 (before the planned overtime), 480 scheduled
- night 20:00-05:00, unpaid breaks 00:00-01:00 and 05:00-05:30, 480 scheduled; belongs to its start day
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.attendance import AttendanceError, month_attendance
from gateway.store import Badge, Device, Employee, Office
from payroll_core.attendance import Absence, Fact, Period
from payroll_core.calendar import DayType

SN = "DG0001"
MARCH = Period(2026, 3)  # 1 March 2026 is a Sunday; Dongguan rests on Sundays only and March has no holiday


def _seed(factory: sessionmaker[Session], shifts: dict[str, str | None], office_rule: str = "dongguan/day") -> None:
    """Office "Dongguan plant" on `office_rule`, one terminal, and one employee per code with its own shift_rule."""
    with factory() as s, s.begin():
        office = Office(
            name="Dongguan plant",
            timezone="Asia/Shanghai",
            city="dongguan",
            double_punch_window_s=60,
            shift_rule=office_rule,
        )
        s.add(office)
        s.flush()
        s.add(
            Device(
                name="line-1",
                sn=SN,
                kind="zk-tcp",
                host="127.0.0.1",
                port=4370,
                office_id=office.id,
                model="",
                firmware="",
                consecutive_failures=0,
            )
        )
        for pin, (code, shift_rule) in enumerate(shifts.items(), start=1):
            employee = Employee(
                code=code,
                name=f"Worker {code}",
                office_id=office.id,
                pay_basis="monthly",
                monthly_salary_fen=600_000,
                special_deductions_fen=0,
                shift_rule=shift_rule,
            )
            s.add(employee)
            s.flush()
            s.add(Badge(pin=str(pin), employee_id=employee.id, device_sn=None))


@pytest.mark.usefixtures("overtime_by_punches")  # the punches' overtime, no approval needed
def test_day_and_night_workers_of_one_office_each_get_their_own_shift(factory: sessionmaker[Session]) -> None:
    _seed(factory, {"D001": None, "N001": "night"})
    taps = [
        ("1", "2026-03-02 07:58"),
        ("1", "2026-03-02 12:01"),
        ("1", "2026-03-02 12:58"),
        ("1", "2026-03-02 20:00"),
        ("2", "2026-03-02 20:05"),
        ("2", "2026-03-03 00:02"),
        ("2", "2026-03-03 01:00"),
        ("2", "2026-03-03 08:00"),
    ]
    stored = ingest_punches(
        factory,
        SN,
        [RawPunch(SN, pin, datetime.fromisoformat(ts)) for pin, ts in taps],
        source="zk-tcp",
        now=datetime(2026, 3, 4),
    )
    assert (stored.new, stored.quarantined) == (8, 0)
    with factory() as s:
        month = month_attendance(s, MARCH, None)
    assert [e.code for e in month.employees] == ["D001", "N001"]
    absent = np.array([DayType.WORKDAY, 480, 0, 0, 0, 0, Absence.FULL, 0, 0, 0, 0, 0])
    # D001, day shift, Monday 2 March: pairs 07:58-12:01 and 12:58-20:00.
    # worked = (243 − 1 of the 12:00 break) + (422 − 2 of the break − 30 of 17:00-17:30) = 242 + 390 = 632
    # regular (inside 08:00-17:00) = (241 − 1) + (242 − 2) = 480; in before 08:00: not late; overtime
    # 17:00-20:00 less the 30-minute break = 150 (a multiple of 30)
    day = [DayType.WORKDAY, 480, 632, 480, 0, 0, Absence.NONE, 0, 150, 0, 0, 4]
    # N001, night shift of Monday 2 March: pairs 20:05-00:02 and 01:00-08:00 (Tuesday morning).
    # worked = (237 − 2 of the 00:00 break) + (420 − 30 of 05:00-05:30) = 235 + 390 = 625
    # regular (inside 20:00-05:00) = 235 + 240 = 475; late 5 (beyond the 3-minute grace, so all 5
    # count); overtime 05:00-08:00 less the 30-minute break = 150
    night = [DayType.WORKDAY, 480, 625, 475, 5, 0, Absence.NONE, 0, 150, 0, 0, 4]
    assert month.facts[0, 1].tolist() == day
    assert month.facts[1, 1].tolist() == night
    # Tuesday 3 March: neither worked (N001's Tuesday-morning punches belong to Monday's night shift)
    assert month.facts[:, 2].tolist() == [absent.tolist()] * 2
    assert month.facts[:, 0, Fact.DAY_TYPE].tolist() == [DayType.RESTDAY] * 2  # Sunday 1 March
    # 26 scheduled workdays (31 days less 5 Sundays), one worked by each
    assert {
        k: month.summary[k].tolist()
        for k in ("scheduled_days", "absent_days", "late_minutes", "ot_workday_minutes", "worked_minutes")
    } == {
        "scheduled_days": [26, 26],
        "absent_days": [25, 25],
        "late_minutes": [0, 5],
        "ot_workday_minutes": [150, 150],
        "worked_minutes": [480, 475],
    }


def test_the_office_shift_judges_both_when_nobody_has_an_own_shift(factory: sessionmaker[Session]) -> None:
    """The same night taps on the day shift: 20:05 opens no day-shift pair, so the figures really come from the
    roster."""
    _seed(factory, {"N001": None})
    taps = ["2026-03-02 20:05", "2026-03-03 00:02", "2026-03-03 01:00", "2026-03-03 08:00"]
    ingest_punches(
        factory,
        SN,
        [RawPunch(SN, "1", datetime.fromisoformat(ts)) for ts in taps],
        source="zk-tcp",
        now=datetime(2026, 3, 4),
    )
    with factory() as s:
        month = month_attendance(s, MARCH, None)
    # day-shift windows are 06:00-21:00: 20:05 falls in Monday's (one punch: missing), 08:00 in Tuesday's (missing)
    assert month.facts[0, 1, [Fact.WORKED_MINUTES, Fact.MISSING_PUNCH, Fact.PUNCHES]].tolist() == [0, 1, 1]
    assert month.facts[0, 2, [Fact.WORKED_MINUTES, Fact.MISSING_PUNCH, Fact.PUNCHES]].tolist() == [0, 1, 1]


def test_an_unknown_own_shift_names_the_employee(factory: sessionmaker[Session]) -> None:
    _seed(factory, {"D001": None, "N001": "evening", "N002": "evening"})
    with factory() as s, pytest.raises(AttendanceError) as caught:
        month_attendance(s, MARCH, None)
    assert str(caught.value) == (
        "employee N001 (Worker N001) and 1 more employee(s) of office 'Dongguan plant', shift_rule 'evening': "
        "rule file 'dongguan' has no shift 'evening'; its shifts are: day, night; correct the shift_rule, "
        "or set it to null for the office's shift"
    )


def test_a_bad_office_shift_names_the_office_even_when_an_employee_has_an_own_shift(
    factory: sessionmaker[Session],
) -> None:
    _seed(factory, {"D001": None, "N001": "night"}, office_rule="dongguan/evening")
    with factory() as s:
        with pytest.raises(AttendanceError) as caught:
            month_attendance(s, MARCH, None)
        assert str(caught.value) == (
            "office 'Dongguan plant', shift_rule 'dongguan/evening': rule file 'dongguan' has "
            "no shift 'evening'; its shifts are: day, night"
        )
    with factory() as s, s.begin():
        s.scalar(select(Employee).where(Employee.code == "D001")).shift_rule = "day"
    with factory() as s:  # nobody works the office's own shift any more, so it is not needed
        assert month_attendance(s, MARCH, None).summary["scheduled_days"].tolist() == [26, 26]
