"""An employee's month as a calendar: per day the day type, the planned shift, the punches and the figures.

Everything comes from the attendance assembly (`gateway.pay.attendance.month_attendance` for this one
employee), so the calendar shows exactly what pay will be computed from:

- **Day type**: the office rule file's calendar — workday, rest day, statutory holiday, or make-up
  workday (调休上班, a weekend day worked instead of a holiday, from the published holiday arrangement).
- **Planned**: the shift's start and end on workdays (a flexible shift: its core hours, which lateness
  is measured against), as office wall-clock `HH:MM`; `overnight` when the end is on the next day.
- **Punches**: each raw punch of the employee and each punch a correction added, on the attendance
  day whose shift window holds it (the kernel's rule: a night shift's morning punch belongs to the
  evening before), at its office time `HH:MM`. A voided punch is shown at its raw time and a moved one
  at its corrected time (with the raw time in `moved_from`); `counted` is False for a voided punch, a
  double tap and a punch outside every shift window — the raw log is never changed.
- **Figures and status**: the kernel's facts of the day: worked, late, early-leave and overtime
  (every day type) minutes, and one status, the first that holds of: not employed, upcoming (after
  today in the office), rest, holiday, missing punch, absent, half-day absent, late, early leave, normal.
- **Summary**: the month's totals (the keys of `payroll_core.attendance.summarize`) over the days up to
  `through` (today, for the current month), so days still to come count as nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pay.attendance import AttendanceError, employee_shift, month_attendance, parse_period
from gateway.store import Employee, Office, Punch, PunchCorrection
from payroll_core.attendance import N_FACTS, Absence, Fact, summarize
from payroll_core.calendar import DayType, holiday_year
from payroll_core.errors import RuleDataError
from payroll_core.shifts import Bound, ShiftKind

DayKind = Literal["workday", "rest_day", "holiday", "makeup_workday"]
DayStatus = Literal[
    "not_employed",
    "upcoming",
    "rest",
    "holiday",
    "missing_punch",
    "absent",
    "half_day_absent",
    "late",
    "early_leave",
    "normal",
]
CorrectionMark = Literal["added", "voided", "moved"]
_DAY_KINDS: dict[int, DayKind] = {DayType.WORKDAY: "workday", DayType.RESTDAY: "rest_day", DayType.HOLIDAY: "holiday"}


@dataclass(frozen=True)
class CalendarPunch:
    time: str  # HH:MM, office time
    at: dt.datetime  # naive UTC
    punch_id: int | None  # None for a punch a correction added
    correction_id: int | None
    source: str
    correction: CorrectionMark | None
    moved_from: str | None
    counted: bool


@dataclass
class CalendarDay:
    date: dt.date
    day_type: DayKind
    planned_start: str | None
    planned_end: str | None
    overnight: bool
    punches: list[CalendarPunch] = field(default_factory=list)
    worked_minutes: int = 0
    late_minutes: int = 0
    early_minutes: int = 0
    overtime_minutes: int = 0
    status: DayStatus = "normal"
    leave: dict[str, str] = field(default_factory=dict)  # approved leave per type, in days (`leave_days`)


@dataclass(frozen=True)
class MonthCalendar:
    employee: str
    name: str
    office: str
    timezone: str
    period: str
    shift: str
    through: dt.date
    days: list[CalendarDay]
    summary: dict[str, int]
    leave_days: dict[str, str] = field(default_factory=dict)  # per type over the days up to `through`


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _status(facts: np.ndarray, kind: DayKind) -> DayStatus:
    if kind == "rest_day":
        return "rest"
    if kind == "holiday":
        return "holiday"
    if facts[Fact.MISSING_PUNCH]:
        return "missing_punch"
    if facts[Fact.ABSENCE] == Absence.FULL:
        return "absent"
    if facts[Fact.ABSENCE] == Absence.HALF:
        return "half_day_absent"
    if facts[Fact.LATE_MINUTES]:
        return "late"
    if facts[Fact.EARLY_MINUTES]:
        return "early_leave"
    return "normal"


@dataclass(frozen=True)
class _Seen:
    """A punch as attendance counts it, before it is placed on a day: times naive UTC."""

    at: dt.datetime
    punch_id: int | None
    correction_id: int | None
    source: str
    correction: CorrectionMark | None
    raw_at: dt.datetime | None  # a moved punch's raw time
    counted: bool


def _punches(session: Session, employee: Employee, low: dt.datetime, high: dt.datetime) -> list[_Seen]:
    """The employee's raw and added punches in [low, high] (naive UTC), corrections applied, in time order."""
    latest: dict[int, PunchCorrection] = {}
    added: list[PunchCorrection] = []
    for c in session.scalars(
        select(PunchCorrection).where(PunchCorrection.employee_id == employee.id).order_by(PunchCorrection.id)
    ):
        if c.action == "add":
            added.append(c)
        elif c.punch_id is not None:
            latest[c.punch_id] = c  # a later correction of the same punch counts, as in attendance
    seen: list[_Seen] = []
    for punch in session.scalars(
        select(Punch).where(Punch.employee_id == employee.id, Punch.ts_utc >= low, Punch.ts_utc <= high)
    ):
        correction = latest.get(punch.id)
        moved_to = correction.ts_utc if correction is not None and correction.action == "move" else None
        seen.append(
            _Seen(
                at=moved_to or punch.ts_utc,
                punch_id=punch.id,
                correction_id=None if correction is None else correction.id,
                source=punch.source,
                correction=None if correction is None else "moved" if moved_to else "voided",
                raw_at=punch.ts_utc if moved_to else None,
                counted=(correction is None or moved_to is not None) and not punch.is_double_tap,
            )
        )
    seen += [
        _Seen(c.ts_utc, None, c.id, "correction", "added", None, True)
        for c in added
        if c.ts_utc is not None and low <= c.ts_utc <= high
    ]
    return sorted(seen, key=lambda p: (p.at, p.punch_id or 0))


def _local(utc: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return utc.replace(tzinfo=dt.UTC).astimezone(zone)


def month_calendar(
    session: Session, employee: Employee, period_text: str, today: dt.date, now: dt.datetime | None = None
) -> MonthCalendar:
    """`employee`'s month `period_text` (see the module docstring); `today` is the office's date at `now` (naive
    UTC, default the moment of computing), as of which a day in progress only flags its missing punch."""
    period = parse_period(period_text)
    book, index = employee_shift(session, employee)  # first: it says what to do for an employee without office
    office = session.get_one(Office, employee.office_id)
    zone = ZoneInfo(office.timezone)
    shift = book.shifts[index]
    rules = book.offices[shift.office]
    days = period.days
    attendance = month_attendance(session, period, office, only=employee.id, now=now)
    try:
        bounds, types = book.day_tables([days[0] - dt.timedelta(days=1), *days])
        makeup = holiday_year(rules.holidays, period.year).makeup_workdays
    except RuleDataError as exc:  # no holiday calendar for the year yet
        raise AttendanceError(str(exc)) from None
    facts = attendance.facts[0] if attendance.employees else np.zeros((len(days), N_FACTS), dtype=np.int32)
    if not attendance.employees:  # not employed on any day of the month: nothing scheduled
        facts[:, Fact.DAY_TYPE] = DayType.RESTDAY
    employed = [
        bool(attendance.employees)
        and (employee.hired_on is None or employee.hired_on <= day)
        and (employee.left_on is None or employee.left_on >= day)
        for day in days
    ]
    through = min(days[-1], today)
    planned = shift.core if shift.kind is ShiftKind.FLEX else shift.span
    calendar: list[CalendarDay] = []
    for d, day in enumerate(days):
        kind = _DAY_KINDS[int(types[shift.office, d + 1])]
        if kind == "workday" and day in makeup:
            kind = "makeup_workday"
        works = kind in ("workday", "makeup_workday")
        row = facts[d]
        entry = CalendarDay(
            date=day,
            day_type=kind,
            planned_start=_clock(planned[0]) if works else None,
            planned_end=_clock(planned[1]) if works else None,
            overnight=works and planned[1] >= 1440,
            worked_minutes=int(row[Fact.WORKED_MINUTES]),
            late_minutes=int(row[Fact.LATE_MINUTES]),
            early_minutes=int(row[Fact.EARLY_MINUTES]),
            overtime_minutes=int(
                row[Fact.OT_WORKDAY_MINUTES] + row[Fact.OT_RESTDAY_MINUTES] + row[Fact.OT_HOLIDAY_MINUTES]
            ),
        )
        entry.status = "not_employed" if not employed[d] else "upcoming" if day > through else _status(row, kind)
        entry.leave = attendance.leave.day(0, d) if attendance.leave is not None else {}
        calendar.append(entry)
    # Each punch on the earliest day whose shift window holds it (column 0 is the day before the month);
    # read from the first window's start to the last one's end, and every punch of the month's local dates.
    start, end = bounds[index, :, Bound.WIN_START], bounds[index, :, Bound.WIN_END]
    epoch = dt.datetime(1970, 1, 1)
    first_local = dt.datetime.combine(days[0], dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)
    after_local = first_local + dt.timedelta(days=len(days))
    low = min(epoch + dt.timedelta(minutes=int(start.min())), first_local)
    high = max(epoch + dt.timedelta(minutes=int(end.max())), after_local)
    for punch in _punches(session, employee, low, high):
        local = _local(punch.at, zone)
        minute = int((punch.at - epoch).total_seconds()) // 60
        holders = np.flatnonzero((start <= minute) & (minute <= end))
        column = int(holders[0]) if holders.size else None
        if column == 0 or (column is None and (local.year, local.month) != (period.year, period.month)):
            continue  # counted on the previous month's last day, or outside this month altogether
        calendar[(column if column is not None else local.day) - 1].punches.append(
            CalendarPunch(
                time=f"{local:%H:%M}",
                at=punch.at,
                punch_id=punch.punch_id,
                correction_id=punch.correction_id,
                source=punch.source,
                correction=punch.correction,
                moved_from=None if punch.raw_at is None else f"{_local(punch.raw_at, zone):%H:%M}",
                counted=punch.counted and column is not None,
            )
        )
    counted = facts.copy()
    later = np.array([day > through for day in days])
    counted[later] = 0
    counted[later, Fact.DAY_TYPE] = DayType.RESTDAY  # days to come count as nothing, like days not employed
    summary = {key: int(values[0]) for key, values in summarize(counted[np.newaxis]).items()}
    return MonthCalendar(
        employee=employee.code,
        name=employee.name,
        office=office.name,
        timezone=office.timezone,
        period=period_text,
        shift=shift.name,
        through=through,
        days=calendar,
        summary=summary,
        leave_days=attendance.leave.days_by_type(0, max(0, (through - days[0]).days + 1)) if attendance.leave else {},
    )
