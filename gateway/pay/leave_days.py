"""Approved leave in the attendance month and in the pay run's inputs (issue 12 (d)).

- Read once per month: every APPROVED `leave` request of the employees in scope overlapping the month, one
  query (`month_leave`); the leave types are the office's (`payroll_core.leave.load_leave_types`).
- Per employee, day and type, the leave's minutes on that office-local day, a day being 8 hours (480 minutes, the
  leave file's day): a `day` type counts whole days of its window, a `half_day` type halves (a window 00:00–12:00
  is half a day), an `hour` type its minutes, at most 480 a day. Rest days and holidays count only for a type
  with `rest_days_count` (maternity leave's calendar days), and days outside employment never.
- A leave day is not an absence and not late (`apply_leave`, on the kernel's facts before the month summary):
  a full day clears absence, late, early leave and a missing punch; half a day or more turns a full-day absence
  into half a day and a half-day one into none; the leave's minutes are taken off lateness, then off early leave.
  What is still absent on a day is not leave too: its leave minutes for pay are capped at the day less the
  absence left (so a day is never deducted twice).
- Pay inputs (`leave_columns`): the workday minutes by how the type is paid (`paid_leave_minutes`,
  `unpaid_leave_minutes`, `sick_leave_minutes`), the sick-pay share of the city for the employee's service, and
  the per-type detail for the payslip's LEAVE lines. Service years for sick pay are the full years since
  `hired_on` (this employer: 连续工龄) at the first day of the pay month, 0 without a hire date; a city without a
  scale by service gets share 0, i.e. the 80 % minimum-wage floor alone.

Nothing here writes; everything runs in the caller's session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pay.id_chunks import by_id_chunks
from gateway.store import Employee, Office, StaffRequest
from payroll_core.attendance import Absence, Fact, Period
from payroll_core.calendar import DayType
from payroll_core.columns import LEAVE_MINUTES_COLUMN, LeaveTaken
from payroll_core.leave import STEPS_PER_DAY, LeaveType, load_leave_types
from payroll_core.rules import Rules
from payroll_core.sick_pay import sick_pay_share

#: A leave day in minutes: the leave file's day of 8 hours (`payroll_core.leave.STEPS_PER_DAY`).
DAY_MINUTES = STEPS_PER_DAY["hour"]
_LEAVE_SUMMARY = tuple(LEAVE_MINUTES_COLUMN.values())


@dataclass(frozen=True)
class MonthLeave:
    """Approved leave of a month for the employees who have some (most have none, so only theirs is held).

    `position` maps an employee's index in `MonthAttendance.employees` to its row here; types are indexed as `codes`.
    """

    employees: int  # how many employees the month has
    codes: tuple[str, ...]
    position: dict[int, int]
    #: int64 [row, day, type]: minutes as the type counts them (rest days too where it says so)
    minutes: np.ndarray
    #: int64 [row, type]: minutes on workdays that pay counts, each day capped at what absence leaves of it
    pay_minutes: np.ndarray
    types: list[dict[str, LeaveType]]  # per row: the employee's office's leave types
    #: int64 [row, day, type]: `pay_minutes` day by day (a month cut by a raise pays each day at its rate)
    pay_by_day: np.ndarray

    def pay_minutes_by_day(self) -> dict[str, np.ndarray]:
        """The three leave-minute columns day by day: int64 [employee, day] each (`summary` summed over days)."""
        days = self.minutes.shape[1]
        rows = np.fromiter(self.position, dtype=np.int64, count=len(self.position))
        paid = np.array([[types[code].paid for code in self.codes] for types in self.types], dtype=object)
        columns = {}
        for how, column in LEAVE_MINUTES_COLUMN.items():
            values = np.zeros((self.employees, days), dtype=np.int64)
            if rows.size:
                values[rows] = np.where((paid == how)[:, None, :], self.pay_by_day, 0).sum(axis=2)
            columns[column] = values
        return columns

    def taken(self, i: int) -> list[LeaveTaken]:
        """Employee i's leave types of the month for the pay lines (types with no pay minutes left out)."""
        k = self.position.get(i)
        if k is None:
            return []
        return [
            LeaveTaken(code, kind.name, kind.paid, kind.unit, int(self.pay_minutes[k, t]), kind.source)
            for t, code in enumerate(self.codes)
            if self.pay_minutes[k, t] > 0 and (kind := self.types[k][code])
        ]

    def summary(self) -> dict[str, np.ndarray]:
        """The pay minutes by how the type is paid: the pipeline's three leave-minute columns, one row per employee."""
        rows = np.fromiter(self.position, dtype=np.int64, count=len(self.position))
        paid = np.array([[types[code].paid for code in self.codes] for types in self.types], dtype=object)
        columns = {}
        for how, column in LEAVE_MINUTES_COLUMN.items():
            values = np.zeros(self.employees, dtype=np.int64)
            if rows.size:
                values[rows] = np.where(paid == how, self.pay_minutes, 0).sum(axis=1)
            columns[column] = values
        return columns

    def days_by_type(self, i: int, days: int | None = None) -> dict[str, str]:
        """Employee i's leave per type over the month (or its first `days` days) in days of 8 hours, e.g.
        {"annual": "1.5", "personal": "0.25"}."""
        k = self.position.get(i)
        totals = self.minutes[k, :days].sum(axis=0) if k is not None else ()
        return {code: _days(int(totals[t])) for t, code in enumerate(self.codes) if k is not None and totals[t] > 0}

    def day(self, i: int, d: int) -> dict[str, str]:
        """Employee i's leave on day d of the month (0-based) per type, in days."""
        k = self.position.get(i)
        if k is None:
            return {}
        return {code: _days(int(self.minutes[k, d, t])) for t, code in enumerate(self.codes) if self.minutes[k, d, t]}


def _days(minutes: int) -> str:
    """Minutes as days of 8 hours for reading: "1", "1.5", "0.25", "0.2083" (100 minutes)."""
    return format(Decimal(minutes) / DAY_MINUTES, ".4g")


def _office_types(session: Session, employees: list[Employee]) -> list[dict[str, LeaveType]]:
    offices = {
        o.id: o.name for o in session.scalars(select(Office).where(Office.id.in_({e.office_id for e in employees})))
    }
    by_office = {office_id: load_leave_types(name)[0] for office_id, name in offices.items()}
    return [by_office[e.office_id] for e in employees]  # type: ignore[index]


def _covered(request: StaffRequest, day: dt.date, kind: LeaveType) -> int:
    """The request's minutes on `day` as its type counts them (see the module doc), in minutes of a leave day."""
    midnight = dt.datetime.combine(day, dt.time())
    low, high = max(request.starts_at, midnight), min(request.ends_at, midnight + dt.timedelta(days=1))
    minutes = max(0, int((high - low).total_seconds()) // 60)
    if kind.unit == "hour":
        return min(minutes, DAY_MINUTES)
    return minutes * kind.steps_per_day // 1440 * DAY_MINUTES // kind.steps_per_day


def month_leave(
    session: Session, period: Period, employees: list[Employee], facts: np.ndarray, outside: np.ndarray
) -> MonthLeave:
    """The approved leave of `employees` in `period` (one query), applied to `facts` in place (see the module doc);
    `outside` (bool [employee, day]) marks the days not counted (outside employment, or still to come)."""
    days = period.days
    index = {e.id: i for i, e in enumerate(employees)}
    first = dt.datetime.combine(days[0], dt.time())
    after = first + dt.timedelta(days=len(days))
    requests = list(
        by_id_chunks(
            index,
            lambda ids: session.scalars(
                select(StaffRequest).where(
                    StaffRequest.kind == "leave",
                    StaffRequest.status == "approved",
                    StaffRequest.employee_id.in_(ids),
                    StaffRequest.starts_at < after,
                    StaffRequest.ends_at > first,
                )
            ),
        )
    )
    position: dict[int, int] = {}
    for request in requests:
        position.setdefault(index[request.employee_id], len(position))
    rows = np.fromiter(position, dtype=np.int64, count=len(position))
    types = _office_types(session, [employees[i] for i in position]) if position else []
    codes = tuple(types[0]) if types else ()
    minutes = np.zeros((len(position), len(days), len(codes)), dtype=np.int64)
    workday = (facts[rows, :, Fact.DAY_TYPE] == DayType.WORKDAY) & ~outside[rows]
    for request in requests:
        k = position[index[request.employee_id]]
        kind = types[k].get(request.leave_type or "")
        if kind is None:  # a type since removed from the rule data: nothing to count it by
            continue
        t = codes.index(kind.code)
        for d, day in enumerate(days):
            if not outside[rows[k], d] and (workday[k, d] or kind.rest_days_count):
                minutes[k, d, t] += _covered(request, day, kind)
    np.minimum(minutes, DAY_MINUTES, out=minutes)
    held = facts[rows]  # a copy (fancy indexing): excused, then written back
    pay_by_day = _excuse(held, minutes * workday[:, :, None])
    facts[rows] = held
    return MonthLeave(len(employees), codes, position, minutes, pay_by_day.sum(axis=1), types, pay_by_day)


def _excuse(facts: np.ndarray, on_workdays: np.ndarray) -> np.ndarray:
    """Clear what leave excuses in `facts` (in place) and return the pay minutes per employee, day and type."""
    on_day = on_workdays.sum(axis=2)
    absence = facts[:, :, Fact.ABSENCE]
    full = on_day >= DAY_MINUTES
    half = (on_day >= DAY_MINUTES // 2) & ~full
    absence[full] = Absence.NONE
    absence[half] = np.maximum(absence[half] - 1, Absence.NONE)
    late = facts[:, :, Fact.LATE_MINUTES]
    excused_late = np.minimum(late, on_day)
    late -= excused_late
    early = facts[:, :, Fact.EARLY_MINUTES]
    early -= np.minimum(early, on_day - excused_late)
    facts[:, :, Fact.MISSING_PUNCH][full] = 0
    # What is still absent is not leave as well: a day's leave for pay is at most the day less its absence,
    # each type's share of the day cut down in proportion (rounded down, so the day never exceeds).
    room = np.minimum(on_day, DAY_MINUTES - absence.astype(np.int64) * (DAY_MINUTES // 2))
    capped = np.where(
        (on_day > room)[:, :, None], on_workdays * room[:, :, None] // np.maximum(on_day, 1)[:, :, None], on_workdays
    )
    by_day: np.ndarray = capped
    return by_day


def leave_columns(
    attendance_summary: dict[str, np.ndarray], employees: list[Employee], cities: list[str], rules: Rules, period: str
) -> dict[str, np.ndarray]:
    """The pay pipeline's leave input columns: the summary's minutes, and the sick-pay share per employee."""
    first = dt.date(int(period[:4]), int(period[5:7]), 1)
    shares = []
    for e, city in zip(employees, cities, strict=True):
        years = 0 if e.hired_on is None else max(0, _full_years(e.hired_on, first))
        share = sick_pay_share(rules.cities[rules.city_index(city)], years)
        shares.append(Fraction(0) if share is None else share)
    return {
        **{column: attendance_summary[column] for column in _LEAVE_SUMMARY},
        "sick_share_num": np.array([s.numerator for s in shares], dtype=np.int64),
        "sick_share_den": np.array([s.denominator for s in shares], dtype=np.int64),
    }


def _full_years(start: dt.date, day: dt.date) -> int:
    return day.year - start.year - ((day.month, day.day) < (start.month, start.day))
