"""Plain-Python twin of `payroll_core.attendance`, written from the rules, not from the kernel.

It works on timezone-aware datetimes and lists, one punch and one day at a time, so that the
property tests can hold the kernel to it on random punch sets. It shares only the loaded rule
data (`RuleBook`) and the holiday files with the kernel; every computation is its own. The rules
are the ones listed in `payroll_core/attendance.py`'s docstring.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from payroll_core.calendar import holiday_year
from payroll_core.shifts import Office, PunchMode, RuleBook, Shift, ShiftKind

UTC = dt.UTC
WORKDAY, RESTDAY, HOLIDAY = "workday", "restday", "holiday"
DAY_TYPE_CODE = {WORKDAY: 0, RESTDAY: 1, HOLIDAY: 2}


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds()) // 60


def _at(day: dt.date, minute: int, tz: ZoneInfo) -> dt.datetime:
    """Wall-clock time `minute` minutes after local midnight of `day` (may be the next day), in UTC."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _kind_of_day(day: dt.date, office: Office) -> str:
    cal = holiday_year(office.holidays, day.year)
    if day in cal.makeup_workdays:
        return WORKDAY
    if day in cal.statutory:
        return HOLIDAY
    if day in cal.off or day.isoweekday() in office.rest_weekdays:
        return RESTDAY
    return WORKDAY


def _ot(minutes: int, office: Office) -> int:
    if minutes < office.ot_min:
        return 0
    return minutes - minutes % office.ot_unit


def _clip(a: dt.datetime, b: dt.datetime, lo: dt.datetime, hi: dt.datetime) -> int:
    start, end = max(a, lo), min(b, hi)
    return _minutes(end - start) if end > start else 0


def _rostered_kind(day: dt.date, office: Office, roster_day: int) -> str:
    """A roster's day: a statutory holiday stays one; else a rostered shift is a workday, no shift a rest day."""
    kind = _kind_of_day(day, office)
    if roster_day == 0 or kind == HOLIDAY:
        return kind
    return WORKDAY if roster_day == 1 else RESTDAY


def _day_facts(
    day: dt.date, shift: Shift, office: Office, punches: list[dt.datetime], roster_day: int = 0
) -> dict[str, int]:
    tz = ZoneInfo(office.timezone)
    span = (_at(day, shift.span[0], tz), _at(day, shift.span[1], tz))
    core = (_at(day, shift.core[0], tz), _at(day, shift.core[1], tz))
    breaks = [(_at(day, a, tz), _at(day, b, tz)) for a, b in shift.breaks]

    kept: list[dt.datetime] = []
    for t in punches:
        if not kept or t - kept[-1] >= dt.timedelta(minutes=office.double_tap):
            kept.append(t)
    if office.punch_mode is PunchMode.PAIRS:
        intervals = list(zip(kept[0::2], kept[1::2], strict=False))  # an odd last punch is `missing`
        missing = len(kept) % 2
    else:
        intervals = [(kept[0], kept[-1])] if len(kept) >= 2 else []
        missing = 1 if len(kept) == 1 else 0

    worked = in_span = after_end = 0
    for a, b in intervals:
        worked += _minutes(b - a) - sum(_clip(a, b, lo, hi) for lo, hi in breaks)
        in_span += _clip(a, b, *span) - sum(_clip(a, b, max(lo, span[0]), min(hi, span[1])) for lo, hi in breaks)
        after_end += _clip(a, b, core[1], b) - sum(_clip(a, b, max(lo, core[1]), hi) for lo, hi in breaks)
    if shift.kind is ShiftKind.FLEX:
        scheduled = shift.required_minutes
        regular = min(in_span, scheduled)
        workday_ot = max(0, in_span - scheduled)
    else:
        scheduled = _minutes(span[1] - span[0]) - sum(_clip(lo, hi, *span) for lo, hi in breaks)
        regular = in_span
        workday_ot = after_end

    kind = _rostered_kind(day, office, roster_day)
    facts = {
        "day_type": DAY_TYPE_CODE[kind],
        "scheduled_minutes": 0,
        "worked_minutes": worked,
        "regular_minutes": regular,
        "late_minutes": 0,
        "early_minutes": 0,
        "absence": 0,
        "missing_punch": missing,
        "ot_workday_minutes": 0,
        "ot_restday_minutes": 0,
        "ot_holiday_minutes": 0,
        "punches": len(kept),
    }
    if kind == HOLIDAY:
        facts["ot_holiday_minutes"] = _ot(worked, office)
        return facts
    if kind == RESTDAY:
        facts["ot_restday_minutes"] = _ot(worked, office)
        return facts
    facts["scheduled_minutes"] = scheduled
    facts["ot_workday_minutes"] = _ot(workday_ot, office)
    if not kept:
        facts["absence"] = 2
    elif not missing:
        if regular < shift.absent_below:
            facts["absence"] = 2
        elif regular < shift.half_day_below:
            facts["absence"] = 1
        else:
            late = _minutes(kept[0] - core[0])
            early = _minutes(core[1] - kept[-1])
            facts["late_minutes"] = late if late > shift.late_grace else 0
            facts["early_minutes"] = early if early > shift.early_grace else 0
    return facts


def reference_attendance(
    employee: list[int],
    utc_minute: list[int],
    roster: list[list[int]],
    rules: RuleBook,
    first_day: dt.date,
    n_days: int,
    roster_day: list[list[int]] | None = None,
) -> list[list[dict[str, int]]]:
    """Facts per employee, per day of the period; `roster[e]` has n_days + 1 shift indices (day before first),
    `roster_day[e]` (if given) as many codes: 0 the calendar decides, 1 a rostered shift, 2 a rostered rest day."""
    days = [first_day + dt.timedelta(days=k) for k in range(-1, n_days)]
    by_employee: dict[int, list[dt.datetime]] = {}
    for e, m in zip(employee, utc_minute, strict=True):
        by_employee.setdefault(e, []).append(dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=m))
    result = []
    for e, shifts in enumerate(roster):
        windows = []
        for day, s in zip(days, shifts, strict=True):
            shift = rules.shifts[s]
            tz = ZoneInfo(rules.offices[shift.office].timezone)
            windows.append((_at(day, shift.window[0], tz), _at(day, shift.window[1], tz)))
        claimed: list[list[dt.datetime]] = [[] for _ in days]
        for t in sorted(by_employee.get(e, [])):
            for k, (lo, hi) in enumerate(windows):
                if lo <= t <= hi:
                    claimed[k].append(t)
                    break
        row = []
        for k in range(1, len(days)):
            shift = rules.shifts[shifts[k]]
            rday = roster_day[e][k] if roster_day is not None else 0
            row.append(_day_facts(days[k], shift, rules.offices[shift.office], claimed[k], rday))
        result.append(row)
    return result


def reference_summary(days: list[dict[str, int]]) -> dict[str, int]:
    """One employee's month, in the pay case `attendance:` keys."""
    work = [d for d in days if d["day_type"] == DAY_TYPE_CODE[WORKDAY]]
    return {
        "scheduled_days": len(work),
        "worked_days": sum(1 for d in work if d["absence"] == 0),
        "absent_days": sum(1 for d in days if d["absence"] == 2),
        "absent_half_days": sum(1 for d in days if d["absence"] == 1),
        "late_minutes": sum(d["late_minutes"] for d in days),
        "early_minutes": sum(d["early_minutes"] for d in days),
        "ot_workday_minutes": sum(d["ot_workday_minutes"] for d in days),
        "ot_restday_minutes": sum(d["ot_restday_minutes"] for d in days),
        "ot_holiday_minutes": sum(d["ot_holiday_minutes"] for d in days),
        "missing_punches": sum(d["missing_punch"] for d in days),
    }
