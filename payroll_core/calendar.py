"""Working-day calendar: whether a date is a workday, a rest day or a statutory holiday.

Why data and not an algorithm: China's State Council publishes the holiday arrangement every
November, including make-up workdays (调休, a Saturday or Sunday that is worked), so the calendar
cannot be derived from the weekday or the lunar calendar alone. Each year is one TOML file,
`payroll_core/rules/holidays/<country>-<year>.toml`, citing its notice.

Day types matter for overtime: work on a statutory holiday is paid at 300 %, on a rest day at
200 % (Labour Law art. 44). Off days inside a holiday range that are not statutory holidays are
shifted rest days, so they are `RESTDAY` (200 %), not `HOLIDAY`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any

from payroll_core.errors import RuleDataError

HOLIDAY_DIR = Path(__file__).parent / "rules" / "holidays"


class DayType(IntEnum):
    """Kind of a calendar day for one office; the values are what the kernel stores."""

    WORKDAY = 0
    RESTDAY = 1
    HOLIDAY = 2


@dataclass(frozen=True)
class HolidayYear:
    """One year of a country's holiday arrangement, as published."""

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


def _dates(path: Path, where: str, value: Any, year: int) -> list[dt.date]:
    if not isinstance(value, list) or not all(type(v) is dt.date for v in value):
        raise RuleDataError(f"{path}: {where}: expected a list of TOML dates like [{year}-01-01], got {value!r}")
    for d in value:
        if d.year != year:
            raise RuleDataError(f"{path}: {where}: {d} is not in {year}; move it to the file for {d.year}")
    return value


def load_holiday_year(path: Path) -> HolidayYear:
    """Read and check one holiday file; errors name the file, the entry and the fix."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleDataError(f"{path}: not valid TOML: {exc}") from exc
    for key in ("country", "year", "source", "holiday"):
        if key not in data:
            raise RuleDataError(f"{path}: top-level key `{key}` is missing")
    year = data["year"]
    statutory: set[dt.date] = set()
    off: set[dt.date] = set()
    makeup: set[dt.date] = set()
    for i, entry in enumerate(data["holiday"]):
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
    return HolidayYear(data["country"], year, data["source"], frozenset(statutory), frozenset(off), frozenset(makeup))


@cache
def holiday_year(country: str, year: int) -> HolidayYear:
    """The shipped calendar for `country` and `year`, or an error saying which file to add."""
    path = HOLIDAY_DIR / f"{country}-{year}.toml"
    if not path.is_file():
        raise RuleDataError(
            f"{path}: no holiday calendar for {country} {year}; add this file from the "
            f"official notice (see {country}-2026.toml for the layout)"
        )
    cal = load_holiday_year(path)
    if (cal.country, cal.year) != (country, year):
        raise RuleDataError(f"{path}: says country={cal.country!r} year={cal.year}, but its name says {country}-{year}")
    return cal
