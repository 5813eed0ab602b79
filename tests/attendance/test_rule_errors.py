"""Bad rule data and bad inputs fail with the file, the key and the fix."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from payroll_core.attendance import AttendanceInputError, Period, PunchColumns, compute_attendance
from payroll_core.calendar import DayType, holiday_year, load_override
from payroll_core.errors import RuleDataError
from payroll_core.shifts import load_rules

GOOD = """
[office]
name = "x"
timezone = "Asia/Shanghai"

[shifts.day]
kind = "fixed"
start = "09:00"
end = "18:00"
breaks = [{ from = "12:00", to = "13:00" }]
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules([path]), path


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('start = "09:00"', 'start = "9:00"', "[shifts.day].start: '9:00' is not a 24-hour HH:MM time like \"09:00\""),
        (
            'kind = "fixed"',
            'kind = "fixed"\nlate_grace = 5',
            "[shifts.day].late_grace: unknown key; allowed: absent_below_minutes, breaks, core, early_grace_minutes, "
            "end, half_day_below_minutes, kind, late_grace_minutes, required_minutes, start, window_after_minutes, "
            "window_before_minutes",
        ),
        (
            '"Asia/Shanghai"',
            '"Asia/Shangai"',
            "[office].timezone: 'Asia/Shangai' is not an IANA timezone name; use e.g. \"Asia/Shanghai\"",
        ),
        (
            'to = "13:00"',
            'to = "19:00"',
            "[shifts.day].breaks[0]: must lie inside start..end or end..end + window_after_minutes, in order, "
            "without overlapping",
        ),
        ('kind = "fixed"', 'kind = "flex"', "[shifts.day].core: missing"),
        (
            'kind = "fixed"',
            'kind = "fixed"\nrequired_minutes = 480',
            '[shifts.day].required_minutes: only a flex shift has this; remove it or set kind = "flex"',
        ),
        ('kind = "fixed"', 'kind = "shifty"', "[shifts.day].kind: 'shifty' is not one of fixed, flex"),
        (
            'kind = "fixed"',
            'kind = "fixed"\nlate_grace_minutes = -5',
            "[shifts.day].late_grace_minutes: -5 is not a whole number of minutes >= 0",
        ),
    ],
)
def test_invalid_shift_data_names_file_key_and_reason(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(RuleDataError) as err:
        load(tmp_path, GOOD.replace(old, new))
    assert str(err.value) == f"{tmp_path / 'office.toml'}: {message}"


def test_ot_unit_zero_and_far_apart_windows_are_rejected(tmp_path):
    with pytest.raises(
        RuleDataError, match=re.escape("[attendance].ot_unit_minutes: must be at least 1 (1 = no rounding)")
    ):
        load(tmp_path, GOOD + "[attendance]\not_unit_minutes = 0\n")
    late_shift = '\n[shifts.late]\nkind = "fixed"\nstart = "23:30"\nend = "07:30"\nwindow_before_minutes = 0\n'
    with pytest.raises(
        RuleDataError, match=re.escape("[attendance].missing_punch: 'absence' is not one of absent, worked, flag")
    ):
        load(tmp_path, GOOD + '[attendance]\nmissing_punch = "absence"\n')
    with pytest.raises(RuleDataError, match=re.escape("punch windows start 1410 minutes apart")):
        load(tmp_path, GOOD.replace('kind = "fixed"', 'kind = "fixed"\nwindow_before_minutes = 540') + late_shift)


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    with pytest.raises(RuleDataError, match=re.escape(f"{tmp_path / 'office.toml'}: not valid TOML: ")):
        load(tmp_path, GOOD + "[shifts.day\n")


def test_missing_holiday_year_says_which_file_to_add(tmp_path):
    rules, _ = load(tmp_path, GOOD)
    with pytest.raises(RuleDataError) as err:
        compute_attendance(
            PunchColumns(np.zeros(0, np.int32), np.zeros(0, np.int64)), np.zeros(1, np.int32), rules, Period(2028, 1)
        )
    assert str(err.value) == (
        "2028 年节假日安排尚未收录：升级 chinesecalendar，或添加 payroll_core/rules/holidays/cn-2028.toml "
        "(no holiday calendar for cn 2028: upgrade chinesecalendar, or add payroll_core/rules/holidays/cn-2028.toml "
        "from the State Council notice)"
    )


def test_holiday_file_checks(tmp_path):
    path = tmp_path / "cn-2026.toml"
    path.write_text(
        'country = "cn"\nyear = 2026\nsource = "t"\n[[holiday]]\nname = "h"\n'
        "off = { from = 2026-10-01, to = 2026-10-07 }\nstatutory = [2026-10-08]\nmakeup_workdays = []\n"
    )
    with pytest.raises(RuleDataError) as err:
        load_override(path)
    assert str(err.value) == (
        f"{path}: holiday[0] (h).statutory: 2026-10-08 is outside off 2026-10-01..2026-10-07; "
        "list only dates inside `off`"
    )


def test_shipped_calendars_count_thirteen_statutory_days():
    # Decree 795: 13 statutory holiday days a year from 2025; make-up days as in the two notices.
    assert len(holiday_year("cn", 2025).statutory) == 13
    assert len(holiday_year("cn", 2026).statutory) == 13
    assert len(holiday_year("cn", 2025).makeup_workdays) == 5
    assert len(holiday_year("cn", 2026).makeup_workdays) == 6


@pytest.mark.parametrize(
    "day, kind",
    [
        ("2025-01-26", DayType.WORKDAY),  # Sunday worked before Spring Festival
        ("2025-10-06", DayType.HOLIDAY),  # Mid-Autumn inside Golden Week
        ("2025-10-08", DayType.RESTDAY),  # off, but not a statutory day
        ("2026-02-15", DayType.RESTDAY),  # 腊月二十八: first day off, not statutory
        ("2026-02-16", DayType.HOLIDAY),  # 除夕
        ("2026-04-05", DayType.HOLIDAY),  # Qingming falls on a Sunday
        ("2026-04-06", DayType.RESTDAY),  # the Monday off that goes with it
        ("2026-09-20", DayType.WORKDAY),  # Sunday worked before Mid-Autumn
        ("2026-03-04", DayType.WORKDAY),
        ("2026-03-07", DayType.RESTDAY),
    ],
)
def test_day_types_from_the_notices(day, kind):
    d = dt.date.fromisoformat(day)
    assert holiday_year("cn", d.year).day_type(d, frozenset({6, 7})) is kind


def test_bad_inputs(tmp_path):
    rules, _ = load(tmp_path, GOOD)
    p = PunchColumns(np.array([0, 3], np.int32), np.array([1, 2], np.int64))
    with pytest.raises(
        AttendanceInputError, match=re.escape("punches: row 1 has employee 3, outside the roster's 0..1")
    ):
        compute_attendance(p, np.zeros(2, np.int32), rules, Period(2026, 3))
    with pytest.raises(
        AttendanceInputError, match=re.escape("roster: shape (2, 5); expected [n_employees] or [n_employees, 32]")
    ):
        compute_attendance(p, np.zeros((2, 5), np.int32), rules, Period(2026, 3))
    bad = PunchColumns(np.array([0], np.int64), np.array([1], np.int64))
    with pytest.raises(AttendanceInputError, match="employee must be int32 and utc_minute int64"):
        compute_attendance(bad, np.zeros(2, np.int32), rules, Period(2026, 3))
    with pytest.raises(AttendanceInputError, match=re.escape("period '2026-13': expected YYYY-MM, e.g. 2026-03")):
        Period.parse("2026-13")


def test_roster_must_keep_an_employee_in_one_office(rules):
    roster = np.full((1, 32), rules.shift_index("shanghai", "office"), np.int32)
    roster[0, 10] = rules.shift_index("urumqi", "office")
    with pytest.raises(AttendanceInputError, match=re.escape("roster: employee 0 changes office on column 10")):
        compute_attendance(PunchColumns(np.zeros(0, np.int32), np.zeros(0, np.int64)), roster, rules, Period(2026, 3))
