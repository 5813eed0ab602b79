"""Hand-checked rostered attendance: a 4-crew 12-hour rotation across a month end, and night shifts around a
statutory holiday. Every expected figure is worked out in the comment.

Dongguan plant (`rules/offices/dongguan.toml`, paired punches, overtime in 30-minute units from 30):
- day 08:00-17:00, lunch 12:00-13:00 and dinner 17:00-17:30 unpaid, planned overtime to 20:00;
- night 20:00-05:00, meal 00:00-01:00 and 05:00-05:30 unpaid, planned overtime to 08:00.
In 07:55 / out 20:05 (or 19:55 / 08:05 for a night): 730 minutes - 90 on breaks = 640 worked; regular inside the
span 540 - 60 = 480 (= scheduled, no lateness: in before the start); after the end 185 - 30 = 155 → 150 overtime.

The classic 4-crew rotation (四班两倒 as 2 days, 2 nights, 4 off): the cycle D D N N O O O O, crews A-D two days
apart, so every day exactly one crew is on days and one on nights. Cycle positions (0-based) on 31 March 2026:
A 3 (N), B 1 (D), C 7 (O), D 5 (O); one day later each is one further.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from payroll_core.attendance import AttendanceResult, Period, PunchColumns, RosterDay, compute_attendance
from payroll_core.shifts import RuleBook

from .conftest import day_facts, expected, utc_minute

SH = "Asia/Shanghai"
WORKDAY, RESTDAY, HOLIDAY = 0, 1, 2
CYCLE = ["day", "day", "night", "night", None, None, None, None]
ON_31_MARCH = {"A": 3, "B": 1, "C": 7, "D": 5}
SHIFT_12H = {"scheduled_minutes": 480, "worked_minutes": 640, "regular_minutes": 480, "ot_workday_minutes": 150}


def rostered(
    rules: RuleBook, period: Period, cells: list[list[str | None]], punches: list[tuple[int, str]]
) -> AttendanceResult:
    """Run the kernel on per-day roster cells (the day before the month first): a shift name or None (rest, in the
    day shift's window)."""

    def index(cell: str | None) -> int:
        return rules.shift_index("dongguan", cell or "day")

    roster = np.array([[index(c) for c in row] for row in cells], dtype=np.int32)
    kind = np.array([[RosterDay.REST if c is None else RosterDay.SHIFT for c in row] for row in cells], dtype=np.int8)
    columns = PunchColumns(
        np.array([e for e, _ in punches], dtype=np.int32), np.array([utc_minute(t) for _, t in punches], dtype=np.int64)
    )
    return compute_attendance(columns, roster, rules, period, kind)


def four_crews(first: dt.date, days: int) -> list[list[str | None]]:
    """Crews A-D's cells from `first` (the column before the month) for `days` columns."""
    start = (first - dt.date(2026, 3, 31)).days
    return [[CYCLE[(ON_31_MARCH[c] + start + k) % 8] for k in range(days)] for c in "ABCD"]


def test_four_crew_rotation_across_the_month_end(rules: RuleBook) -> None:
    punches = [
        (0, f"2026-03-31 19:55 {SH}"), (0, f"2026-04-01 08:05 {SH}"),  # A: night of 31 March
        (1, f"2026-03-31 07:55 {SH}"), (1, f"2026-03-31 20:05 {SH}"),  # B: day of 31 March
        (1, f"2026-04-01 19:55 {SH}"), (1, f"2026-04-02 08:05 {SH}"),  # B: night of 1 April
        (2, f"2026-04-01 07:55 {SH}"), (2, f"2026-04-01 20:05 {SH}"),  # C: day of 1 April
        (3, f"2026-04-01 08:00 {SH}"), (3, f"2026-04-01 12:00 {SH}"),  # D: off, comes in 08:00-12:00 anyway
    ]  # fmt: skip
    march = rostered(rules, Period(2026, 3), four_crews(dt.date(2026, 2, 28), 32), punches)
    # 31 March: A's night (in 19:55, out 08:05 on 1 April) and B's day are both the 31st's 12-hour shifts
    assert day_facts(march, 0, "2026-03-31") == expected(WORKDAY, **SHIFT_12H, punches=2)
    assert day_facts(march, 1, "2026-03-31") == expected(WORKDAY, **SHIFT_12H, punches=2)
    april = rostered(rules, Period(2026, 4), four_crews(dt.date(2026, 3, 31), 31), punches)
    # 1 April: A is off and its 08:05 punch belongs to 31 March's night (column 0): a rest day without punches,
    # not a 5-minute rest-day shift. B's night and C's day are the 1st's; D's 4 hours off are rest-day overtime:
    # 08:00-12:00 = 240 minutes (lunch starts at 12:00), all inside the day span, 8 whole units of 30.
    assert day_facts(april, 0, "2026-04-01") == expected(RESTDAY)
    assert day_facts(april, 1, "2026-04-01") == expected(WORKDAY, **SHIFT_12H, punches=2)
    assert day_facts(april, 2, "2026-04-01") == expected(WORKDAY, **SHIFT_12H, punches=2)
    assert day_facts(april, 3, "2026-04-01") == expected(
        RESTDAY, worked_minutes=240, regular_minutes=240, ot_restday_minutes=240, punches=2
    )
    # The roster, not the weekday, decides: on Saturday 4 April (a Qingming day off, not statutory) D is on days,
    # a workday with no punch: a full-day absence; on Sunday 5 April (statutory) A is on days: a holiday, no absence.
    assert day_facts(april, 3, "2026-04-04") == expected(WORKDAY, scheduled_minutes=480, absence=2)
    assert day_facts(april, 0, "2026-04-05") == expected(HOLIDAY)
    # A's month: from position 4 on 1 April, on 5-8, 13-16, 21-24 and 29-30 April = 14 days, of which 5 April
    # (statutory) is a holiday: 13 scheduled days.
    assert int(april.summary["scheduled_days"][0]) == 13


def test_night_shift_on_the_eve_of_national_day(rules: RuleBook) -> None:
    """The attendance day is the shift's start day: the hours after midnight on 1 October belong to the night of
    30 September (a workday), so they are regular time and workday overtime (150 %), not holiday work (300 %).
    The night of 1 October (statutory) is all holiday overtime: 640 worked → 630 (whole units of 30)."""
    punches = [
        (0, f"2026-09-30 19:55 {SH}"), (0, f"2026-10-01 08:05 {SH}"),
        (1, f"2026-10-01 19:55 {SH}"), (1, f"2026-10-02 08:05 {SH}"),
    ]  # fmt: skip
    september = rostered(rules, Period(2026, 9), [[None] * 29 + ["night"] * 2, ["night"] * 31], punches)
    assert day_facts(september, 0, "2026-09-30") == expected(WORKDAY, **SHIFT_12H, punches=2)
    october = rostered(rules, Period(2026, 10), [["night"] * 32] * 2, punches)
    assert day_facts(october, 0, "2026-10-01") == expected(HOLIDAY)  # its 08:05 punch is 30 September's
    assert day_facts(october, 1, "2026-10-01") == expected(HOLIDAY, worked_minutes=640, regular_minutes=480,
                                                            ot_holiday_minutes=630, punches=2)  # fmt: skip
