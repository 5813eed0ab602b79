"""The holiday calendar: chinesecalendar + the Decree No. 795 statutory days, overrides, version, missing years."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from payroll_core.calendar import (
    DayType,
    build_holiday_year,
    calendar_version,
    holiday_year,
    load_override,
    override_digest,
)
from payroll_core.errors import RuleDataError

#: Our transcriptions of the State Council notices for 2025 and 2026, the calendar before the package.
NOTICES = Path(__file__).parent / "data" / "notices"
WEEKEND = frozenset({6, 7})
MISSING_2028 = (
    "2028 年节假日安排尚未收录：升级 chinesecalendar，或添加 payroll_core/rules/holidays/cn-2028.toml "
    "(no holiday calendar for cn 2028: upgrade chinesecalendar, or add payroll_core/rules/holidays/cn-2028.toml "
    "from the State Council notice)"
)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_package_gives_the_notices_day_types_day_by_day(year: int) -> None:
    notice = load_override(NOTICES / f"cn-{year}.toml").arrangement
    assert notice is not None
    ours = holiday_year("cn", year)
    days = [dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(366 if year % 4 == 0 else 365)]
    assert [ours.day_type(d, WEEKEND) for d in days] == [notice.day_type(d, WEEKEND) for d in days]
    assert (ours.statutory, ours.off, ours.makeup_workdays) == (notice.statutory, notice.off, notice.makeup_workdays)
    assert ours.source == "chinesecalendar 1.11.0; statutory days per Decree No. 795"


def test_a_year_nothing_covers_says_what_to_add(tmp_path: Path) -> None:
    with pytest.raises(RuleDataError) as err:
        build_holiday_year("cn", 2028, tmp_path)
    assert str(err.value) == MISSING_2028
    with pytest.raises(RuleDataError) as err:
        build_holiday_year("de", 2026, tmp_path)
    assert str(err.value) == (
        "2026 年节假日安排尚未收录：添加 payroll_core/rules/holidays/de-2026.toml "
        "(no holiday calendar for de 2026: add payroll_core/rules/holidays/de-2026.toml from the official notice)"
    )


def test_an_arrangement_in_a_file_replaces_the_package_for_its_year(tmp_path: Path) -> None:
    (tmp_path / "cn-2028.toml").write_text(
        'country = "cn"\nyear = 2028\nsource = "notice 2028"\n[[holiday]]\nname = "元旦"\n'
        "off = { from = 2028-01-01, to = 2028-01-03 }\nstatutory = [2028-01-01]\nmakeup_workdays = []\n"
    )
    (tmp_path / "cn-2026.toml").write_text(
        'country = "cn"\nyear = 2026\nsource = "corrected"\n[[holiday]]\nname = "国庆"\n'
        "off = { from = 2026-10-01, to = 2026-10-03 }\nstatutory = [2026-10-01]\nmakeup_workdays = []\n"
    )
    year_2028 = build_holiday_year("cn", 2028, tmp_path)
    assert [year_2028.day_type(dt.date(2028, 1, d), WEEKEND) for d in (1, 2, 3, 4)] == [
        DayType.HOLIDAY,
        DayType.RESTDAY,
        DayType.RESTDAY,
        DayType.WORKDAY,
    ]
    corrected = build_holiday_year("cn", 2026, tmp_path)
    assert (corrected.source, corrected.statutory, corrected.makeup_workdays) == (
        "corrected",
        frozenset({dt.date(2026, 10, 1)}),
        frozenset(),
    )
    assert corrected.day_type(dt.date(2026, 2, 17), WEEKEND) is DayType.WORKDAY  # the package's 春节 is gone


def test_a_company_holiday_is_a_paid_rest_day_on_top_of_the_package(tmp_path: Path) -> None:
    (tmp_path / "cn-2026.toml").write_text(
        'country = "cn"\nyear = 2026\nsource = "厂庆 notice"\n[[company_holiday]]\nname = "厂庆"\n'
        "dates = [2026-06-08, 2026-09-20]\n"
    )
    year = build_holiday_year("cn", 2026, tmp_path)
    assert year.day_type(dt.date(2026, 6, 8), WEEKEND) is DayType.RESTDAY  # a Monday
    assert year.day_type(dt.date(2026, 9, 20), WEEKEND) is DayType.RESTDAY  # was a make-up workday
    assert year.day_type(dt.date(2026, 10, 1), WEEKEND) is DayType.HOLIDAY  # the package's days stay
    assert year.source == "chinesecalendar 1.11.0; statutory days per Decree No. 795; company holidays: 厂庆 notice"


def test_a_company_holiday_cannot_demote_a_statutory_day(tmp_path: Path) -> None:
    (tmp_path / "cn-2026.toml").write_text(
        'country = "cn"\nyear = 2026\nsource = "s"\n[[company_holiday]]\nname = "x"\ndates = [2026-10-02]\n'
    )
    with pytest.raises(RuleDataError) as err:
        build_holiday_year("cn", 2026, tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'cn-2026.toml'}: company_holiday: 2026-10-02 is a statutory holiday already; "
        "remove it from `dates`"
    )


def test_a_file_named_for_another_year_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cn-2026.toml").write_text(
        'country = "cn"\nyear = 2027\nsource = "s"\n[[company_holiday]]\nname = "x"\ndates = [2027-06-08]\n'
    )
    with pytest.raises(RuleDataError, match=re.escape("cn-2026.toml: says country='cn' year=2027, but its name")):
        build_holiday_year("cn", 2026, tmp_path)


def test_the_version_names_the_package_and_the_overrides_digest(tmp_path: Path) -> None:
    empty = override_digest(tmp_path)
    (tmp_path / "cn-2026.toml").write_text('country = "cn"\nyear = 2026\nsource = "a"\n')
    first = override_digest(tmp_path)
    (tmp_path / "cn-2026.toml").write_text('country = "cn"\nyear = 2026\nsource = "b"\n')
    assert len({empty, first, override_digest(tmp_path)}) == 3
    assert empty == "e3b0c44298fc"  # SHA-256 of nothing: no override files shipped
    assert calendar_version() == "holidays:chinesecalendar-1.11.0+overrides-e3b0c44298fc"
