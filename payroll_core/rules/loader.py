"""Load pay rule data (TOML under payroll_core/rules/) into exact, validated Python objects.

Files: ``iit-YYYY.toml`` (income tax table, the one-off bonus table, the housing-fund and severance tax
rules), ``conventions-YYYY.toml`` (21.75 pay days, overtime multipliers, late/minimum-wage/annual-leave,
housing-fund rate range, severance, damages-deduction and sick-pay conventions) and ``cities/<city>.toml``
(minimum wage monthly and hourly, social-insurance/housing-fund figures, the local average wage, each entry
valid from a month until a later entry replaces it; an optional ``[conventions]`` table overrides the
year's defaults for that city).
Rates are read as exact ``Fraction``s from decimal strings; yuan amounts become int fen. Every error
names the file and the key, so the data can be fixed without reading this code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from payroll_core.calendar import calendar_version
from payroll_core.errors import RuleDataError
from payroll_core.money import MoneyError, parse_fraction, rounding_unit, yuan_to_fen

RULES_DIR = Path(__file__).resolve().parent
CITIES_DIR = RULES_DIR / "cities"

#: Contribution items in kernel order; the housing fund is last.
CONTRIBUTION_ITEMS = ("pension", "medical", "unemployment", "injury", "maternity", "housing_fund")
SOCIAL_ITEMS = CONTRIBUTION_ITEMS[:-1]
LATE_METHODS = ("pro_rata_minutes", "none")
DAMAGES_POLICIES = ("cap", "flag_only")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class RuleError(RuleDataError):
    """Rule data that is missing, malformed or does not cover the requested pay period."""


@dataclass(frozen=True)
class ContributionItem:
    """One social-insurance or housing-fund item: base clipped to [floor, cap] × rate per side."""

    base_floor_fen: int
    base_cap_fen: int
    employee_rate: Fraction
    employer_rate: Fraction
    employee_fixed_fen: int
    employer_fixed_fen: int
    rounding: str
    unit_fen: int


@dataclass(frozen=True)
class Conventions:
    """Pay conventions in force for one city (the year's defaults plus the city's overrides)."""

    pay_days_per_month: Fraction
    hours_per_day: int
    ot_workday: Fraction
    ot_restday: Fraction
    ot_holiday: Fraction
    late_method: str
    late_grace_minutes: int
    minimum_wage_top_up: bool
    leave_extra_multiplier: Fraction
    leave_entitlement: tuple[tuple[int, int], ...]  # (from cumulative years, days per year), ascending
    hf_legal_rate_min: Fraction
    hf_legal_rate_max: Fraction
    severance_wage_cap_multiple: int
    severance_capped_years: int
    damages_max_share: Fraction
    damages_policy: str  # one of DAMAGES_POLICIES
    sick_pay_floor_share: Fraction
    sick_pay_tiers: tuple[tuple[int, Fraction], ...]  # (from years of continuous service, share of own wage)
    sick_pay_long_tiers: tuple[tuple[int, Fraction], ...]  # the same beyond six months of sick leave
    part_time_items: tuple[str, ...]  # contribution items computed for part-time (非全日制) workers


@dataclass(frozen=True)
class CityRules:
    key: str
    name: str
    minimum_wage_fen: int
    minimum_wage_excludes_si_hf: bool
    minimum_wage_from: str
    contribution_from: str
    contribution_source: str
    items: dict[str, ContributionItem]
    conventions: Conventions
    minimum_wage_hourly_fen: int | None  # part-time (非全日制) hourly minimum; None: not in the data
    average_wage_annual_fen: int | None  # local average wage (社平工资) of the previous year; None: not in the data
    average_wage_from: str | None
    average_wage_source: str


@dataclass(frozen=True)
class TaxBracket:
    upto_fen: int | None  # None: no upper bound
    rate: Fraction
    quick_deduction_fen: int


@dataclass(frozen=True)
class TaxRules:
    version: str
    basic_deduction_monthly_fen: int
    brackets: tuple[TaxBracket, ...]
    bonus_brackets: tuple[TaxBracket, ...]  # the monthly table for bonus ÷ 12
    bonus_valid_until: str  # last pay month the separate bonus taxation may be chosen
    hf_deductible_rate: Fraction
    severance_exempt_multiple: int


@dataclass(frozen=True)
class Rules:
    """Everything a pay month needs, for one period and a set of cities."""

    period: str
    tax: TaxRules
    conventions_version: str
    cities: tuple[CityRules, ...]
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({city.key: i for i, city in enumerate(self.cities)})

    @property
    def version(self) -> str:
        """The rule version a pay run records: tax, conventions, each city's entries in force and the holiday
        calendar (package version and override digest, `payroll_core.calendar.calendar_version`)."""
        parts = [self.tax.version, self.conventions_version]
        parts += [
            f"{c.key}:si@{c.contribution_from},mw@{c.minimum_wage_from}"
            + (f",aw@{c.average_wage_from}" if c.average_wage_from else "")
            for c in self.cities
        ]
        return " ".join([*parts, calendar_version()])

    def city_index(self, key: str) -> int:
        try:
            return self._index[key]
        except KeyError:
            known = ", ".join(self._index)
            raise RuleError(f"unknown city {key!r}; rule data exists for: {known}") from None


def parse_period(period: str) -> tuple[int, int]:
    match = _PERIOD.match(period) if isinstance(period, str) else None
    if not match:
        raise RuleError(f"pay period {period!r} is not of the form YYYY-MM (e.g. 2026-03)")
    return int(match.group(1)), int(match.group(2))


def available_cities() -> list[str]:
    return sorted(p.stem for p in CITIES_DIR.glob("*.toml"))


def load_rules(period: str, cities: list[str] | None = None) -> Rules:
    """Rules in force for ``period`` (``YYYY-MM``) for ``cities`` (default: every city with data)."""
    year, _ = parse_period(period)
    tax = _load_tax(RULES_DIR / f"iit-{year}.toml")
    conventions_path = RULES_DIR / f"conventions-{year}.toml"
    conventions_data = _read(conventions_path)
    keys = available_cities() if cities is None else cities
    loaded = tuple(_load_city(key, period, conventions_data, conventions_path) for key in keys)
    return Rules(
        period=period,
        tax=tax,
        conventions_version=_get(conventions_data, "version", str, conventions_path),
        cities=loaded,
    )


def contribution_day(period: str) -> int:
    """The day of the month whose terms (city, base) a month's social insurance and housing fund follow: the
    conventions file's ``[social_insurance] contribution_day`` for the period's year, default 1 (the 1st)."""
    year, _ = parse_period(period)
    path = RULES_DIR / f"conventions-{year}.toml"
    table = _get(_read(path), "social_insurance", dict, path, {})
    day = _get(table, "contribution_day", int, f"{path} [social_insurance]", 1)
    if not 1 <= day <= 28:
        raise RuleError(f"{path} [social_insurance]: contribution_day {day} must be 1..28 (a day every month has)")
    return int(day)


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise RuleError(f"{path}: no such rule file; add it (see the other files in {path.parent})")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: invalid TOML: {exc}") from None


def _get(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: object, default: Any = ...) -> Any:
    if key not in table:
        if default is not ...:
            return default
        raise RuleError(f"{where}: missing key {key!r}")
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise RuleError(f"{where}: key {key!r} must be {names}, got {value!r}")
    return value


def _fraction(table: dict[str, Any], key: str, where: object) -> Fraction:
    try:
        return parse_fraction(_get(table, key, object, where), f"{where}: {key}")
    except MoneyError as exc:
        raise RuleError(str(exc)) from None


def _fen(table: dict[str, Any], key: str, where: object, default: Any = ...) -> int:
    value = _get(table, key, object, where, default)
    try:
        return yuan_to_fen(value, f"{where}: {key}")
    except MoneyError as exc:
        raise RuleError(str(exc)) from None


def _brackets(rows: list[Any], where_prefix: str) -> tuple[TaxBracket, ...]:
    brackets: list[TaxBracket] = []
    for number, row in enumerate(rows, start=1):
        where = f"{where_prefix} {number}"
        upto = _fen(row, "upto_yuan", where, None) if "upto_yuan" in row else None
        if upto is None and number != len(rows):
            raise RuleError(f"{where}: only the last bracket may omit upto_yuan")
        if brackets and upto is not None and upto <= (brackets[-1].upto_fen or 0):
            raise RuleError(f"{where}: upto_yuan must increase from bracket to bracket")
        brackets.append(TaxBracket(upto, _fraction(row, "rate", where), _fen(row, "quick_deduction_yuan", where)))
    if not brackets or brackets[-1].upto_fen is not None:
        raise RuleError(f"{where_prefix}: the last bracket must have no upto_yuan (it is unbounded)")
    return tuple(brackets)


def _load_tax(path: Path) -> TaxRules:
    data = _read(path)
    bonus = _get(data, "bonus", dict, path)
    housing = _get(data, "housing_fund", dict, path)
    severance = _get(data, "severance", dict, path)
    valid_until = _get(bonus, "valid_until", str, f"{path} [bonus]")
    parse_period(valid_until)
    return TaxRules(
        version=_get(data, "version", str, path),
        basic_deduction_monthly_fen=_fen(data, "basic_deduction_monthly_yuan", path),
        brackets=_brackets(_get(data, "bracket", list, path), f"{path}: bracket"),
        bonus_brackets=_brackets(_get(bonus, "bracket", list, f"{path} [bonus]"), f"{path}: bonus.bracket"),
        bonus_valid_until=valid_until,
        hf_deductible_rate=_fraction(housing, "deductible_rate", f"{path} [housing_fund]"),
        severance_exempt_multiple=_get(severance, "exempt_average_wage_multiple", int, f"{path} [severance]"),
    )


def _in_force(entries: list[dict[str, Any]], period: str, where: str) -> dict[str, Any]:
    """The entry with the latest ``from`` not after ``period``."""
    dated = []
    for number, entry in enumerate(entries, start=1):
        start = _get(entry, "from", str, f"{where} {number}")
        parse_period(start)
        dated.append((start, entry))
    candidates = [item for item in dated if item[0] <= period]
    if not candidates:
        first = min(start for start, _ in dated) if dated else "none"
        raise RuleError(f"{where}: no entry in force for {period} (earliest from = {first}); add one")
    return max(candidates, key=lambda item: item[0])[1]


def _conventions(defaults: dict[str, Any], overrides: dict[str, Any], where: str) -> Conventions:
    def table(name: str) -> dict[str, Any]:
        merged = dict(_get(defaults, name, dict, where))
        merged.update(overrides.get(name, {}))
        return merged

    pay, ot, late = table("pay"), table("overtime"), table("late")
    minimum, leave = table("minimum_wage"), table("annual_leave")
    housing, severance = table("housing_fund"), table("severance")
    deductions, sick, part_time = table("deductions"), table("sick_pay"), table("part_time")
    part_time_items = tuple(_get(part_time, "contribution_items", list, f"{where} [part_time]"))
    unknown = sorted(set(part_time_items) - set(CONTRIBUTION_ITEMS))
    if unknown:
        raise RuleError(
            f"{where} [part_time]: contribution_items {unknown} unknown; use items of {', '.join(CONTRIBUTION_ITEMS)}"
        )
    policy = _get(deductions, "damages_policy", str, f"{where} [deductions]")
    if policy not in DAMAGES_POLICIES:
        raise RuleError(
            f"{where} [deductions]: damages_policy {policy!r} unknown; use one of {', '.join(DAMAGES_POLICIES)}"
        )
    method = _get(late, "method", str, f"{where} [late]")
    if method not in LATE_METHODS:
        raise RuleError(f"{where} [late]: method {method!r} unknown; use one of {', '.join(LATE_METHODS)}")
    tiers = tuple(
        (_get(t, "from_years", int, f"{where} [annual_leave]"), _get(t, "days", int, f"{where} [annual_leave]"))
        for t in _get(leave, "entitlement", list, f"{where} [annual_leave]")
    )
    return Conventions(
        pay_days_per_month=_fraction(pay, "pay_days_per_month", f"{where} [pay]"),
        hours_per_day=_get(pay, "hours_per_day", int, f"{where} [pay]"),
        ot_workday=_fraction(ot, "workday", f"{where} [overtime]"),
        ot_restday=_fraction(ot, "restday", f"{where} [overtime]"),
        ot_holiday=_fraction(ot, "holiday", f"{where} [overtime]"),
        late_method=method,
        late_grace_minutes=_get(late, "grace_minutes_per_month", int, f"{where} [late]"),
        minimum_wage_top_up=_get(minimum, "top_up", bool, f"{where} [minimum_wage]"),
        leave_extra_multiplier=_fraction(leave, "extra_multiplier", f"{where} [annual_leave]"),
        leave_entitlement=tuple(sorted(tiers)),
        hf_legal_rate_min=_fraction(housing, "legal_rate_min", f"{where} [housing_fund]"),
        hf_legal_rate_max=_fraction(housing, "legal_rate_max", f"{where} [housing_fund]"),
        severance_wage_cap_multiple=_get(severance, "wage_cap_average_multiple", int, f"{where} [severance]"),
        severance_capped_years=_get(severance, "capped_years", int, f"{where} [severance]"),
        damages_max_share=_fraction(deductions, "damages_max_share", f"{where} [deductions]"),
        damages_policy=policy,
        sick_pay_floor_share=_fraction(sick, "floor_share_of_minimum_wage", f"{where} [sick_pay]"),
        sick_pay_tiers=_sick_tiers(sick, "tiers", f"{where} [sick_pay]"),
        sick_pay_long_tiers=_sick_tiers(sick, "long_tiers", f"{where} [sick_pay]"),
        part_time_items=part_time_items,
    )


def _sick_tiers(table: dict[str, Any], key: str, where: str) -> tuple[tuple[int, Fraction], ...]:
    """Tiers ``[{from_years, share}, ...]`` in ascending order of ``from_years``, the first from 0."""
    tiers = []
    for number, tier in enumerate(_get(table, key, list, where), start=1):
        tier_where = f"{where}: {key} {number}"
        if not isinstance(tier, dict):
            raise RuleError(f'{tier_where}: expected a table {{ from_years = N, share = "0.6" }}')
        tiers.append((_get(tier, "from_years", int, tier_where), _fraction(tier, "share", tier_where)))
    if tiers and (tiers[0][0] != 0 or [t[0] for t in tiers] != sorted({t[0] for t in tiers})):
        raise RuleError(f"{where}: {key} must start at from_years = 0 and increase")
    return tuple(tiers)


def _load_city(key: str, period: str, conventions: dict[str, Any], conventions_path: Path) -> CityRules:
    path = CITIES_DIR / f"{key}.toml"
    if not path.exists():
        raise RuleError(f"unknown city {key!r}: no {path}; known cities: {', '.join(available_cities())}")
    data = _read(path)
    wage = _in_force(_get(data, "minimum_wage", list, path), period, f"{path}: minimum_wage")
    contribution = _in_force(_get(data, "contribution", list, path), period, f"{path}: contribution")
    average = _average_wage(data, period, path)
    items: dict[str, ContributionItem] = {}
    for item in CONTRIBUTION_ITEMS:
        where = f"{path}: contribution from {contribution['from']} [{item}]"
        row = _get(contribution, item, dict, f"{path}: contribution from {contribution['from']}")
        mode = _get(row, "rounding", str, where, "fen_half_up")
        floor, cap = _fen(row, "base_floor_yuan", where), _fen(row, "base_cap_yuan", where)
        if floor > cap:
            raise RuleError(f"{where}: base_floor_yuan is above base_cap_yuan")
        try:
            unit = rounding_unit(mode, f"{where}: rounding")
        except MoneyError as exc:
            raise RuleError(str(exc)) from None
        items[item] = ContributionItem(
            base_floor_fen=floor,
            base_cap_fen=cap,
            employee_rate=_fraction(row, "employee_rate", where),
            employer_rate=_fraction(row, "employer_rate", where),
            employee_fixed_fen=_fen(row, "employee_fixed_yuan", where, 0),
            employer_fixed_fen=_fen(row, "employer_fixed_yuan", where, 0),
            rounding=mode,
            unit_fen=unit,
        )
    wage_where = f"{path}: minimum_wage from {wage['from']}"
    return CityRules(
        key=key,
        name=_get(data, "name", str, path),
        minimum_wage_fen=_fen(wage, "monthly_yuan", wage_where),
        minimum_wage_hourly_fen=_fen(wage, "hourly_yuan", wage_where) if "hourly_yuan" in wage else None,
        average_wage_annual_fen=None if average is None else _fen(average, "annual_yuan", f"{path}: average_wage"),
        average_wage_from=None if average is None else average["from"],
        average_wage_source="" if average is None else _get(average, "source", str, f"{path}: average_wage", ""),
        minimum_wage_excludes_si_hf=_get(
            wage, "excludes_employee_si_hf", bool, f"{path}: minimum_wage from {wage['from']}"
        ),
        minimum_wage_from=wage["from"],
        contribution_from=contribution["from"],
        contribution_source=_get(contribution, "source", str, f"{path}: contribution", ""),
        items=items,
        conventions=_conventions(
            conventions, _get(data, "conventions", dict, path, {}), f"{conventions_path} + {path}"
        ),
    )


def _average_wage(data: dict[str, Any], period: str, path: Path) -> dict[str, Any] | None:
    """The ``[[average_wage]]`` entry in force, or None where the file has none for ``period``."""
    entries = _get(data, "average_wage", list, path, [])
    if not entries or all(_get(e, "from", str, f"{path}: average_wage") > period for e in entries):
        return None
    return _in_force(entries, period, f"{path}: average_wage")
