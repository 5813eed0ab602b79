"""Attendance kernel: punches to per-employee-day facts and a per-employee-month summary.

Public API::

    rules = load_rules([Path("payroll_core/rules/offices/shanghai.toml"), ...])
    roster = np.full(n_employees, rules.shift_index("shanghai", "office"), dtype=np.int32)
    result = compute_attendance(PunchColumns(employee, utc_minute), roster, rules, Period(2026, 3))
    result.day("late_minutes")        # int32 [n_employees, days in month]
    result.summary["ot_workday_minutes"]   # int64 [n_employees], the pay case `attendance:` keys

Inputs
- `PunchColumns`: employee index (int32, 0..n-1) and UTC minute (int64, minutes since
  1970-01-01T00:00Z). Any order: they are sorted here by (employee, minute) unless already sorted
  (checked in O(n)). Pass punches from the day before the period to the day after it, so night
  shifts at both month ends see both their punches. There is no office column: a punch is
  judged against the employee's shift in that shift office's timezone, whichever terminal took it
  (a Shanghai employee punching in Urumqi still works Shanghai hours); the terminal's office only
  matters earlier, when the gateway turns the device's local time into UTC.
- `roster`: shift index per employee (`[n]`, the same shift every day) or per employee and day
  (`[n, days + 1]`, column 0 being the last day of the previous month, whose night shift may own
  punches of the 1st). The office of the day's shift gives the timezone and the day type.
- `roster_day` (optional, int8 `[n, days + 1]`, `RosterDay`): per employee-day, whether a roster decided
  the day. CALENDAR (0, the default everywhere) keeps the office calendar's day type; SHIFT makes the day a
  WORKDAY (a Saturday too) and REST a RESTDAY (a 调休 make-up day too); a statutory holiday stays HOLIDAY
  either way (`roster_day_type`). A REST day still needs a shift index in `roster`: its window claims the
  punches of someone who comes in anyway (rest-day overtime).

Rules per employee-day (each a documented choice, mirrored by `payroll_core/reference/attendance.py`)
- Attendance day = the day a shift starts (a 20:00-08:00 shift belongs to its start day). A punch
  belongs to the earliest day whose window [start - window_before, end + window_after] holds it;
  punches outside every window are ignored.
- Double taps: inside a day, a punch less than `double_tap_minutes` after the last kept punch is
  dropped.
- Intervals: `first_last` mode makes one interval first..last punch; `pairs` pairs 1-2, 3-4, ....
  One punch (first_last) or an odd count (pairs) is a missing punch: the day is flagged, the
  unpaired punch adds no time, and late/early/absence are not judged (HR fixes the punch first).
- worked = interval minutes minus unpaid breaks; regular = worked inside the shift's span
  (flex: capped at required minutes).
- Workday (incl. 调休 make-up days): scheduled = shift minutes minus breaks (flex: required);
  no punch at all is a full-day absence; regular below `absent_below` / `half_day_below` is a
  full / half-day absence; otherwise late = first in - start (or core start) when above the grace,
  early = end (or core end) - last out when above the grace (the whole lateness counts, not the
  part beyond the grace). Overtime candidate = worked after the shift end, net of breaks there
  (flex: worked in span - required).
- Rest day / statutory holiday: scheduled 0, overtime candidate = worked, into the rest-day
  (200 %) or holiday (300 %) bucket.
- Overtime = 0 below `ot_min_minutes`, else rounded down to `ot_unit_minutes` (`round_overtime`).
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

import numba
import numpy as np
from numba import prange

from payroll_core.calendar import DayType
from payroll_core.errors import PayrollCoreError
from payroll_core.shifts import Bound, Param, PunchMode, RuleBook, ShiftKind


class AttendanceInputError(PayrollCoreError):
    """Punch columns, roster or period do not fit together; the message says which and how."""


class Absence(IntEnum):
    NONE = 0
    HALF = 1
    FULL = 2


class RosterDay(IntEnum):
    """Values of the `roster_day` array: who decides an employee-day's type."""

    CALENDAR = 0
    SHIFT = 1
    REST = 2


class Fact(IntEnum):
    """Columns of the per-employee-day output."""

    DAY_TYPE = 0
    SCHEDULED_MINUTES = 1
    WORKED_MINUTES = 2
    REGULAR_MINUTES = 3
    LATE_MINUTES = 4
    EARLY_MINUTES = 5
    ABSENCE = 6
    MISSING_PUNCH = 7
    OT_WORKDAY_MINUTES = 8
    OT_RESTDAY_MINUTES = 9
    OT_HOLIDAY_MINUTES = 10
    PUNCHES = 11  # punches kept after double-tap collapsing


N_FACTS = len(Fact)


@dataclass(frozen=True)
class Period:
    """A pay month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        try:
            year, month = (int(x) for x in text.split("-"))
            dt.date(year, month, 1)
        except ValueError as exc:
            raise AttendanceInputError(f"period {text!r}: expected YYYY-MM, e.g. 2026-03") from exc
        return cls(year, month)

    @property
    def days(self) -> list[dt.date]:
        n = _cal.monthrange(self.year, self.month)[1]
        return [dt.date(self.year, self.month, d) for d in range(1, n + 1)]


@dataclass(frozen=True)
class PunchColumns:
    employee: np.ndarray  # int32
    utc_minute: np.ndarray  # int64 minutes since the Unix epoch, UTC


@dataclass(frozen=True)
class AttendanceResult:
    period: Period
    facts: np.ndarray  # int32 [n_employees, n_days, N_FACTS]
    summary: dict[str, np.ndarray]  # int64 [n_employees] per key, keys as in the pay case YAML

    def day(self, fact: str) -> np.ndarray:
        """One fact for every employee-day, e.g. `day("late_minutes")`: int32 [n_employees, n_days]."""
        return self.facts[:, :, Fact[fact.upper()]]


@numba.njit(cache=True, inline="always")
def round_overtime(minutes: int, minimum: int, unit: int) -> int:
    """The one overtime rounding: nothing below the minimum, else down to a whole unit."""
    if minutes < minimum:
        return 0
    return (minutes // unit) * unit


# plain ints, so that numba unifies them with the int8 calendar day type
_CALENDAR, _SHIFT = int(RosterDay.CALENDAR), int(RosterDay.SHIFT)
_WORKDAY, _RESTDAY, _HOLIDAY = int(DayType.WORKDAY), int(DayType.RESTDAY), int(DayType.HOLIDAY)


@numba.njit(cache=True, inline="always")
def roster_day_type(calendar_kind: int, roster_day: int) -> int:
    """The day type of an employee-day: the calendar's unless a roster decided it (a holiday stays a holiday)."""
    if roster_day == _CALENDAR or calendar_kind == _HOLIDAY:
        return int(calendar_kind)
    return _WORKDAY if roster_day == _SHIFT else _RESTDAY


@numba.njit(cache=True, inline="always")
def _overlap(a: int, b: int, lo: int, hi: int) -> int:
    return max(0, min(b, hi) - max(a, lo))


@numba.njit(cache=True)
def _add_interval(a: int, b: int, bnd: np.ndarray, n_breaks: int, acc: np.ndarray) -> None:
    """Add interval [a, b) to acc = (worked, in span, after the end), each net of its unpaid breaks.

    A break lies either inside the span or after the end (checked by the loader), so one
    comparison sorts it. "After the end" is measured from EARLY_REF, which is the shift end for
    fixed shifts; flex shifts do not use it.
    """
    brk = in_span = 0
    for k in range(n_breaks):
        hi = bnd[Bound.BREAKS + 2 * k + 1]
        on_break = _overlap(a, b, bnd[Bound.BREAKS + 2 * k], hi)
        brk += on_break
        if hi <= bnd[Bound.SPAN_END]:
            in_span += on_break
    acc[0] += b - a - brk
    acc[1] += _overlap(a, b, bnd[Bound.SPAN_START], bnd[Bound.SPAN_END]) - in_span
    acc[2] += max(0, b - max(a, bnd[Bound.EARLY_REF])) - (brk - in_span)


@numba.njit(cache=True, parallel=True)
def _attendance_kernel(
    lo: np.ndarray,
    hi: np.ndarray,
    minute: np.ndarray,
    roster: np.ndarray,
    roster_day: np.ndarray,
    bounds: np.ndarray,
    params: np.ndarray,
    day_type: np.ndarray,
    out: np.ndarray,
) -> None:
    """Employees in parallel; per employee one forward pass over its punches and days (`lo..hi`)."""
    n_days = roster.shape[1]
    for e in prange(roster.shape[0]):
        acc = np.zeros(3, dtype=np.int64)
        p = lo[e]
        for d in range(n_days):
            s = roster[e, d]
            bnd = bounds[s, d]
            prm = params[s]
            while p < hi[e] and minute[p] < bnd[Bound.WIN_START]:
                p += 1
            acc[:] = 0
            tap = prm[Param.DOUBLE_TAP]
            pairs = prm[Param.MODE] == PunchMode.PAIRS
            nb = prm[Param.N_BREAKS]
            count = 0
            first = last = opened = 0
            while p < hi[e] and minute[p] <= bnd[Bound.WIN_END]:
                t = minute[p]
                p += 1
                if count and t - last < tap:
                    continue
                if count == 0:
                    first = t
                if pairs:
                    if count % 2:
                        _add_interval(opened, t, bnd, nb, acc)
                    else:
                        opened = t
                count += 1
                last = t
            if d == 0:
                continue  # the day before the period only claims its punches
            if not pairs and count >= 2:
                _add_interval(first, last, bnd, nb, acc)
            missing = count % 2 if pairs else int(count == 1)
            row = out[e, d - 1]
            kind = roster_day_type(day_type[prm[Param.OFFICE], d], roster_day[e, d])
            worked = acc[0]
            regular = acc[1]
            if prm[Param.KIND] == ShiftKind.FLEX:
                regular = min(regular, bnd[Bound.SCHEDULED])
            row[Fact.DAY_TYPE] = kind
            row[Fact.WORKED_MINUTES] = worked
            row[Fact.REGULAR_MINUTES] = regular
            row[Fact.MISSING_PUNCH] = missing
            row[Fact.PUNCHES] = count
            if kind != DayType.WORKDAY:
                ot = round_overtime(worked, prm[Param.OT_MIN], prm[Param.OT_UNIT])
                row[Fact.OT_HOLIDAY_MINUTES if kind == DayType.HOLIDAY else Fact.OT_RESTDAY_MINUTES] = ot
                continue
            row[Fact.SCHEDULED_MINUTES] = bnd[Bound.SCHEDULED]
            cand = max(0, acc[1] - bnd[Bound.SCHEDULED]) if prm[Param.KIND] == ShiftKind.FLEX else acc[2]
            row[Fact.OT_WORKDAY_MINUTES] = round_overtime(cand, prm[Param.OT_MIN], prm[Param.OT_UNIT])
            if count == 0 or (not missing and regular < prm[Param.ABSENT_BELOW]):
                row[Fact.ABSENCE] = Absence.FULL
            elif not missing and regular < prm[Param.HALF_BELOW]:
                row[Fact.ABSENCE] = Absence.HALF
            elif not missing:
                late = first - bnd[Bound.LATE_REF]
                if late > prm[Param.LATE_GRACE]:
                    row[Fact.LATE_MINUTES] = late
                early = bnd[Bound.EARLY_REF] - last
                if early > prm[Param.EARLY_GRACE]:
                    row[Fact.EARLY_MINUTES] = early


@numba.njit(cache=True)
def _is_sorted(employee: np.ndarray, minute: np.ndarray) -> bool:
    for i in range(1, employee.size):
        if employee[i] < employee[i - 1] or (employee[i] == employee[i - 1] and minute[i] < minute[i - 1]):
            return False
    return True


def _check_columns(punches: PunchColumns, roster: np.ndarray, rules: RuleBook, n_days: int) -> np.ndarray:
    emp, minute = punches.employee, punches.utc_minute
    if emp.dtype != np.int32 or minute.dtype != np.int64 or emp.shape != minute.shape or emp.ndim != 1:
        raise AttendanceInputError(
            f"punches: employee must be int32 and utc_minute int64 of one length; got "
            f"{emp.dtype}{emp.shape} and {minute.dtype}{minute.shape}"
        )
    n_emp = roster.shape[0]
    if roster.ndim == 1:
        roster = np.repeat(roster[:, None], n_days + 1, axis=1)
    if roster.ndim != 2 or roster.shape[1] != n_days + 1:
        raise AttendanceInputError(
            f"roster: shape {roster.shape}; expected [n_employees] or "
            f"[n_employees, {n_days + 1}] (the previous month's last day, then each day)"
        )
    if roster.size and (roster.min() < 0 or roster.max() >= len(rules.shifts)):
        raise AttendanceInputError(
            f"roster: shift indices must be 0..{len(rules.shifts) - 1} "
            f"(use RuleBook.shift_index); got {roster.min()}..{roster.max()}"
        )
    office = np.array([s.office for s in rules.shifts], dtype=np.int32)[roster]
    moved = np.flatnonzero((office != office[:, :1]).any(axis=1))
    if moved.size:
        e = int(moved[0])
        d = int(np.flatnonzero(office[e] != office[e, 0])[0])
        raise AttendanceInputError(
            f"roster: employee {e} changes office on column {d}; an employee's shifts in "
            "one period must all belong to one office (split the period at a transfer)"
        )
    if emp.size and (emp.min() < 0 or emp.max() >= n_emp):
        bad = int(np.flatnonzero((emp < 0) | (emp >= n_emp))[0])
        raise AttendanceInputError(f"punches: row {bad} has employee {emp[bad]}, outside the roster's 0..{n_emp - 1}")
    return np.ascontiguousarray(roster, dtype=np.int32)


def compute_attendance(
    punches: PunchColumns,
    roster: np.ndarray,
    rules: RuleBook,
    period: Period,
    roster_day: np.ndarray | None = None,
) -> AttendanceResult:
    """Per-employee-day facts and the monthly summary; see the module docstring for every rule."""
    days = period.days
    roster = _check_columns(punches, np.asarray(roster), rules, len(days))
    if roster_day is None:
        roster_day = np.zeros(roster.shape, dtype=np.int8)
    elif roster_day.shape != roster.shape or roster_day.dtype != np.int8:
        raise AttendanceInputError(
            f"roster_day: {roster_day.dtype}{roster_day.shape}; "
            f"expected int8{roster.shape}, one RosterDay per roster cell"
        )
    emp, minute = punches.employee, punches.utc_minute
    if not _is_sorted(emp, minute):
        order = np.lexsort((minute, emp))
        emp, minute = emp[order], minute[order]
    n_emp = roster.shape[0]
    hi = np.searchsorted(emp, np.arange(n_emp, dtype=np.int32), side="right")
    lo = np.concatenate(([0], hi[:-1])) if n_emp else hi
    bounds, day_type = rules.day_tables([days[0] - dt.timedelta(days=1), *days])
    out = np.zeros((n_emp, len(days), N_FACTS), dtype=np.int32)
    _attendance_kernel(lo, hi, minute, roster, roster_day, bounds, rules.params(), day_type, out)
    return AttendanceResult(period, out, summarize(out))


def summarize(facts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-employee month totals, named as the `attendance:` keys of the pay case YAML.

    scheduled_days = worked_days + absent_days + absent_half_days (a half-day absence is neither
    worked nor absent; the pay side deducts half a day for each).
    """
    workday = facts[:, :, Fact.DAY_TYPE] == DayType.WORKDAY
    absence = facts[:, :, Fact.ABSENCE]

    def total(f: Fact) -> np.ndarray:
        summed: np.ndarray = facts[:, :, f].sum(axis=1, dtype=np.int64)
        return summed

    def days(mask: np.ndarray) -> np.ndarray:
        counted: np.ndarray = mask.sum(axis=1, dtype=np.int64)
        return counted

    return {
        "scheduled_days": days(workday),
        "worked_days": days(workday & (absence == Absence.NONE)),
        "absent_days": days(absence == Absence.FULL),
        "absent_half_days": days(absence == Absence.HALF),
        "late_minutes": total(Fact.LATE_MINUTES),
        "early_minutes": total(Fact.EARLY_MINUTES),
        "ot_workday_minutes": total(Fact.OT_WORKDAY_MINUTES),
        "ot_restday_minutes": total(Fact.OT_RESTDAY_MINUTES),
        "ot_holiday_minutes": total(Fact.OT_HOLIDAY_MINUTES),
        "missing_punches": total(Fact.MISSING_PUNCH),
    }
