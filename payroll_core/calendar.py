"""Working-day calendar: whether a date is a workday, a rest day or a statutory holiday.

Why a kept library and not our own files: China's State Council publishes the holiday arrangement
every November, including make-up workdays (调休, a Saturday or Sunday that is worked), so the
calendar cannot be derived from the weekday or the lunar calendar alone. The `chinesecalendar`
package (import `chinese_calendar`) transcribes each notice; upgrading it brings the next year.

Day types matter for overtime: work on a statutory holiday is paid at 300 %, on a rest day at
200 % (Labour Law art. 44). Off days inside a holiday range that are not statutory holidays are
shifted rest days, so they are `RESTDAY` (200 %), not `HOLIDAY`.

What the package gives and what it does not: for each year it lists every day off (`holidays`,
with the festival's name) and every make-up workday (`workdays`); its `in_lieu_days` are only the
weekdays given off in exchange for a make-up workday, so it cannot tell a statutory day from a
shifted rest day (2026-04-05, Qingming on a Sunday, is statutory; the Monday 2026-04-06 after it
is neither statutory nor "in lieu"). The statutory days therefore follow the rule of the Measures
on National Holidays as revised by State Council Decree No. 795 (13 days from 2025): 元旦 Jan 1;
春节 除夕 and 初一..初三; 清明 the solar-term day; 劳动节 May 1-2; 端午 五月初五; 中秋 八月十五;
国庆 Oct 1-3. Lunar dates come from `lunardate`, the 清明 term from `chinese_calendar`; each
derived day must be a day off that the package names with the same festival, else the year is
refused (the rule no longer fits: write the year as an override, below).

Overrides, one optional TOML file per country and year, `payroll_core/rules/holidays/<country>-<year>.toml`
(country "cn" is the only one the package knows; any other needs its files)::

    country = "cn"
    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知, 国办发明电〔2026〕N号"

    [[holiday]]                        # optional: the year's whole arrangement, as the notice gives it
    name = "春节 Spring Festival"
    off = { from = 2027-02-05, to = 2027-02-12 }     # every day off of the range, inclusive
    statutory = [2027-02-05, 2027-02-06, 2027-02-07, 2027-02-08]   # 300 % days, inside `off`
    makeup_workdays = [2027-02-14]     # weekend days worked (调休上班), outside `off`

    [[company_holiday]]                # optional: the company's own days off
    name = "厂庆 Plant anniversary"
    dates = [2027-06-08]

A file with `[[holiday]]` entries replaces the package for that year altogether (a year the
package lacks, or one it gets wrong): a notice is published whole, and mixing its days with
another transcription day by day would hide which one is in force. `[[company_holiday]]` dates
are laid on top of either source. A company holiday is a paid rest day, `RESTDAY`: the month's
pay is unchanged (it is not leave and not absence), and work on it is rest-day overtime at
200 % (art. 44(2)), because only the statutory days carry 300 % (art. 44(3)). It may turn a
make-up workday into a day off, never a statutory holiday into anything else (refused).

The pay rules version (`calendar_version`) names the package version and a digest of the
override files, so a pay run says which calendar it was computed with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, replace
from enum import IntEnum
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import chinese_calendar
from lunardate import LunarDate

from payroll_core.errors import RuleDataError

HOLIDAY_DIR = Path(__file__).parent / "rules" / "holidays"
_ROOT = Path(__file__).parent.parent
#: The first year the Decree No. 795 statutory-day rule applies to; earlier years need an override file.
DECREE_795_FROM = 2025


class DayType(IntEnum):
    """Kind of a calendar day for one office; the values are what the kernel stores."""

    WORKDAY = 0
    RESTDAY = 1
    HOLIDAY = 2


@dataclass(frozen=True)
class HolidayYear:
    """One year of a country's holiday arrangement, as in force."""

    country: str
    year: int
    source: str
    statutory: frozenset[dt.date]
    off: frozenset[dt.date]
    makeup_workdays: frozenset[dt.date]

    def day_type(self, day: dt.date, rest_weekdays: frozenset[int]) -> DayType:
        """Classify `day`; `rest_weekdays` are ISO weekday numbers (6 = Saturday)."""
        if day in self.makeup_workdays:
            return DayType.WORKDAY
        if day in self.statutory:
            return DayType.HOLIDAY
        if day in self.off or day.isoweekday() in rest_weekdays:
            return DayType.RESTDAY
        return DayType.WORKDAY


@dataclass(frozen=True)
class HolidayOverride:
    """One override file: the year's whole arrangement (or None) and the company's own days off."""

    country: str
    year: int
    arrangement: HolidayYear | None
    company: frozenset[dt.date]
    source: str


def _shown(path: Path) -> str:
    """`path` as an error shows it: relative to the source tree when it lies in it, never the server's layout."""
    try:
        return path.relative_to(_ROOT).as_posix()
    except ValueError:
        return str(path)


def _dates(path: str, where: str, value: Any, year: int) -> list[dt.date]:
    if not isinstance(value, list) or not all(type(v) is dt.date for v in value):
        raise RuleDataError(f"{path}: {where}: expected a list of TOML dates like [{year}-01-01], got {value!r}")
    for d in value:
        if d.year != year:
            raise RuleDataError(f"{path}: {where}: {d} is not in {year}; move it to the file for {d.year}")
    return value


def _arrangement(path: str, data: dict[str, Any], year: int) -> HolidayYear | None:
    statutory: set[dt.date] = set()
    off: set[dt.date] = set()
    makeup: set[dt.date] = set()
    entries = data.get("holiday", [])
    if not isinstance(entries, list):
        raise RuleDataError(f"{path}: `holiday` must be an array of tables, [[holiday]]")
    for i, entry in enumerate(entries):
        where = f"holiday[{i}] ({entry.get('name', '?')})"
        rng = entry.get("off")
        if not isinstance(rng, dict) or type(rng.get("from")) is not dt.date or type(rng.get("to")) is not dt.date:
            raise RuleDataError(f"{path}: {where}.off: expected {{ from = {year}-MM-DD, to = {year}-MM-DD }}")
        first, last = _dates(path, f"{where}.off", [rng["from"], rng["to"]], year)
        if last < first:
            raise RuleDataError(f"{path}: {where}.off: `to` {last} is before `from` {first}")
        days = {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}
        stat = _dates(path, f"{where}.statutory", entry.get("statutory"), year)
        for d in stat:
            if d not in days:
                raise RuleDataError(
                    f"{path}: {where}.statutory: {d} is outside off {first}..{last}; list only dates inside `off`"
                )
        mk = _dates(path, f"{where}.makeup_workdays", entry.get("makeup_workdays"), year)
        for d in mk:
            if d in days or d.isoweekday() < 6:
                raise RuleDataError(
                    f"{path}: {where}.makeup_workdays: {d} must be a Saturday or Sunday outside off {first}..{last}"
                )
        statutory.update(stat)
        off.update(days)
        makeup.update(mk)
    if not entries:
        return None
    return HolidayYear(data["country"], year, data["source"], frozenset(statutory), frozenset(off), frozenset(makeup))


def load_override(path: Path) -> HolidayOverride:
    """Read and check one override file; errors name the file, the entry and the fix."""
    shown = _shown(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleDataError(f"{shown}: not valid TOML: {exc}") from exc
    for key in ("country", "year", "source"):
        if key not in data:
            raise RuleDataError(f"{shown}: top-level key `{key}` is missing")
    if "holiday" not in data and "company_holiday" not in data:
        raise RuleDataError(f"{shown}: nothing to override; add [[holiday]] or [[company_holiday]] entries")
    year = data["year"]
    company: set[dt.date] = set()
    for i, entry in enumerate(data.get("company_holiday", [])):
        company.update(
            _dates(shown, f"company_holiday[{i}] ({entry.get('name', '?')}).dates", entry.get("dates"), year)
        )
    return HolidayOverride(data["country"], year, _arrangement(shown, data, year), frozenset(company), data["source"])


def _decree_795_days(year: int) -> dict[dt.date, chinese_calendar.Holiday]:
    """The 13 statutory days of `year` under Decree No. 795, each with the festival the package names it by."""
    h = chinese_calendar.Holiday
    new_year = LunarDate(year, 1, 1).to_solar_date()
    qingming = next(
        d for d, name in chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30)) if name == "清明"
    )
    days = {dt.date(year, 1, 1): h.new_years_day, qingming: h.tomb_sweeping_day}
    days |= {new_year + dt.timedelta(days=n): h.spring_festival for n in range(-1, 3)}
    days |= {dt.date(year, 5, n): h.labour_day for n in (1, 2)}
    days[LunarDate(year, 5, 5).to_solar_date()] = h.dragon_boat_festival
    days[LunarDate(year, 8, 15).to_solar_date()] = h.mid_autumn_festival
    days |= {dt.date(year, 10, n): h.national_day for n in (1, 2, 3)}
    return days


def _from_package(year: int) -> HolidayYear | None:
    """China's `year` from the package plus the Decree No. 795 statutory days, or None when not covered."""
    named = {d: name for d, name in chinese_calendar.holidays.items() if d.year == year}
    if not named or year < DECREE_795_FROM:
        return None
    package = f"chinesecalendar {version('chinesecalendar')}"
    for day, festival in _decree_795_days(year).items():
        if named.get(day) != festival.value:
            raise RuleDataError(
                f"{package}: {day} ({festival.chinese}) is a statutory day under Decree No. 795, but the package "
                f"has it as {named.get(day, 'not a day off')!r}; add payroll_core/rules/holidays/cn-{year}.toml "
                "with the notice's dates (see payroll_core/calendar.py for the layout)"
            )
    return HolidayYear(
        "cn",
        year,
        f"{package}; statutory days per Decree No. 795",
        frozenset(_decree_795_days(year)),
        frozenset(named),
        frozenset(d for d in chinese_calendar.workdays if d.year == year),
    )


def _missing(country: str, year: int) -> RuleDataError:
    path = f"payroll_core/rules/holidays/{country}-{year}.toml"
    if country == "cn":
        return RuleDataError(
            f"{year} 年节假日安排尚未收录：升级 chinesecalendar，或添加 {path} "
            f"(no holiday calendar for cn {year}: upgrade chinesecalendar, or add {path} from the State Council notice)"
        )
    return RuleDataError(
        f"{year} 年节假日安排尚未收录：添加 {path} "
        f"(no holiday calendar for {country} {year}: add {path} from the official notice)"
    )


def build_holiday_year(country: str, year: int, directory: Path) -> HolidayYear:
    """`country`'s `year` from the override file in `directory` if it has the arrangement, else the package,
    with the file's company holidays on top; an error saying what to add when neither covers the year."""
    path = directory / f"{country}-{year}.toml"
    override = load_override(path) if path.is_file() else None
    if override is not None and (override.country, override.year) != (country, year):
        raise RuleDataError(
            f"{_shown(path)}: says country={override.country!r} year={override.year}, "
            f"but its name says {country}-{year}"
        )
    base = override.arrangement if override is not None else None
    if base is None and country == "cn":
        base = _from_package(year)
    if base is None:
        raise _missing(country, year)
    if override is None or not override.company:
        return base
    clash = sorted(override.company & base.statutory)
    if clash:
        raise RuleDataError(
            f"{_shown(path)}: company_holiday: {clash[0]} is a statutory holiday already; remove it from `dates`"
        )
    return replace(
        base,
        source=f"{base.source}; company holidays: {override.source}",
        off=base.off | override.company,
        makeup_workdays=base.makeup_workdays - override.company,
    )


@cache
def holiday_year(country: str, year: int) -> HolidayYear:
    """The calendar in force for `country` and `year` (see the module docstring)."""
    return build_holiday_year(country, year, HOLIDAY_DIR)


def override_digest(directory: Path) -> str:
    """The first 12 hex digits of SHA-256 over the override files' names and bytes, in name order."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.toml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@cache
def calendar_version() -> str:
    """What a pay run records of the calendar: the package version and the override files' digest."""
    return f"holidays:chinesecalendar-{version('chinesecalendar')}+overrides-{override_digest(HOLIDAY_DIR)}"
