"""Pay case files: hand-checked pay months with exact expected fen, run through the pipeline.

Format (a contract, see docs/ARCHITECTURE.md "Pay case files"): a YAML mapping with ``name``, ``period``,
``city``, ``employees`` and ``expect``; a file may hold several cases as YAML documents (``---``).
Per employee, besides the keys documented there, this runner accepts:
``attendance.employed_days`` (scheduled days employed, for joiners/leavers; default scheduled_days),
``attendance.worked_minutes`` (default worked_days × hours per day × 60), ``night_allowance_fen``,
``other_deductions_fen``, ``ytd_before.other_deductions_fen``, piece ``quota`` and ``unit_above_fen``,
and ``settlement: {last_day, cumulative_years, leave_taken_days, employed_since?, leave_base_fen?}``
or ``settlement: {leave_days_unused, leave_base_fen?}`` for a leaver's final payslip;
``opening_balance: {through, months, income_fen, si_hf_fen, special_deductions_fen, other_deductions_fen,
tax_withheld_fen}`` (what was paid before the company used punchclock, through the pay month ``through``;
added to ``ytd_before``, the locked runs after it, as the gateway does); ``part_time: true`` (非全日制);
``bonus_fen`` with ``bonus_method: recommended|combined|separate`` and ``bonus_separate_used: true``;
``severance: {hired_on, last_day, base_fen?}`` or ``severance: {half_months, base_fen?}`` (base_fen defaults
to the monthly salary); ``damages_fen``; ``leave: [{type, days | hours}]`` (approved leave on workdays of the
month: a code of ``rules/leave-types.toml``, days as a decimal string for day and half-day types, hours for hour
types) with ``service_years`` (years of continuous service, for the city's sick-pay share; default 0);
``overtime_counting: approved_hours|approved_window|punches`` (default approved_hours) with ``overtime: [{day_type:
workday|restday|holiday, punched_minutes, approved_minutes?, comp?: pay|time_off}]`` (a day's overtime as the
punches show it and as approved — under approved_window, the punched minutes inside the approved window), counted
by `payroll_core.overtime` into the ``ot_*_minutes`` inputs (then not given under ``attendance``).
Year-to-date inputs are refused naming the key: more months than the period has before it, an amount
without months, more tax than income.
Expected fields are any output column of ``pipeline.PayResult``.
Decimal fractions (grade_coef, hf_rate) must be strings: a YAML float is refused, because 1.10 read
as a float is not 1.10.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from payroll_core.columns import (
    LEAVE_MINUTES_COLUMN,
    MAX_SEGMENTS,
    OUTPUT_COLUMNS,
    SEGMENT_COLUMNS,
    EmployeeMonthColumns,
    LeaveTaken,
    PayResult,
    PieceColumns,
    SegmentColumns,
)
from payroll_core.errors import PayrollCoreError, RuleDataError
from payroll_core.leave import load_leave_types
from payroll_core.money import MoneyError, parse_fraction
from payroll_core.overtime import METHODS, count_overtime_minutes
from payroll_core.pay import BONUS_METHODS, PAY_BASES
from payroll_core.pipeline import compute
from payroll_core.rules import CityRules, Conventions, load_rules, parse_period
from payroll_core.settlement import SettlementError, service_for_severance, unused_annual_leave
from payroll_core.sick_pay import SickPayError, sick_pay_share

CASE_KEYS = {"name", "period", "city", "employees", "expect"}
EMPLOYEE_KEYS = {
    "id",
    "pay_basis",
    "monthly_salary_fen",
    "hourly_rate_fen",
    "attendance",
    "pieces",
    "allowances_fen",
    "night_allowance_fen",
    "si_base_fen",
    "hf_rate",
    "special_deductions_fen",
    "other_deductions_fen",
    "ytd_before",
    "settlement",
    "opening_balance",
    "part_time",
    "bonus_fen",
    "bonus_method",
    "bonus_separate_used",
    "severance",
    "damages_fen",
    "leave",
    "service_years",
    "overtime_counting",
    "overtime",
    "segments",
}
#: A piece of the month under its own terms (``segments:``): its first day, its rate, its share of the attendance.
SEGMENT_KEYS = {
    "from",
    "monthly_salary_fen",
    "hourly_rate_fen",
    "employed_days",
    "absent_days",
    "absent_half_days",
    "worked_days",
    "worked_minutes",
    "late_minutes",
    "ot_workday_minutes",
    "ot_restday_minutes",
    "ot_holiday_minutes",
}
_SEGMENT_TIME = (
    "employed_days",
    "absent_days",
    "absent_half_days",
    "worked_minutes",
    "late_minutes",
    "ot_workday_minutes",
    "ot_restday_minutes",
    "ot_holiday_minutes",
)
LEAVE_KEYS = {"type", "days", "hours"}
OVERTIME_DAY_KEYS = {"day_type", "punched_minutes", "approved_minutes", "comp"}
_OT_COLUMN = {"workday": "ot_workday_minutes", "restday": "ot_restday_minutes", "holiday": "ot_holiday_minutes"}
ATTENDANCE_KEYS = {
    "scheduled_days",
    "employed_days",
    "worked_days",
    "worked_minutes",
    "absent_days",
    "absent_half_days",
    "late_minutes",
    "ot_workday_minutes",
    "ot_restday_minutes",
    "ot_holiday_minutes",
}
PIECE_KEYS = {"item", "qty", "rejects", "unit_fen", "grade_coef", "quota", "unit_above_fen"}
YTD_KEYS = {"months", "income_fen", "si_hf_fen", "special_deductions_fen", "other_deductions_fen", "tax_withheld_fen"}
OPENING_KEYS = YTD_KEYS | {"through"}
SEVERANCE_KEYS = {"hired_on", "last_day", "half_months", "base_fen"}
SETTLEMENT_KEYS = {
    "last_day",
    "cumulative_years",
    "leave_taken_days",
    "employed_since",
    "leave_days_unused",
    "leave_base_fen",
}
_YTD_COLUMNS = {
    "months": "ytd_months",
    "income_fen": "ytd_income_fen",
    "si_hf_fen": "ytd_si_hf_fen",
    "special_deductions_fen": "ytd_special_deductions_fen",
    "other_deductions_fen": "ytd_other_deductions_fen",
    "tax_withheld_fen": "ytd_tax_withheld_fen",
}
_PLAIN_COLUMNS = (
    "monthly_salary_fen",
    "hourly_rate_fen",
    "allowances_fen",
    "night_allowance_fen",
    "si_base_fen",
    "special_deductions_fen",
    "other_deductions_fen",
    "bonus_fen",
    "damages_fen",
)


class CaseFileError(PayrollCoreError):
    """A case file that cannot be run; the message names the file, the case and the key."""


@dataclass(frozen=True)
class Mismatch:
    case: str
    employee: str
    field: str
    expected: int
    got: int

    def __str__(self) -> str:
        return f"{self.case}, {self.employee}, {self.field}: expected {self.expected} fen, got {self.got} fen"


@dataclass
class CaseReport:
    file: Path
    case: str
    rules_version: str
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


class _Where:
    """Builds "file, case 'name', employees[0].attendance: …" messages."""

    def __init__(self, path: Path, case: str) -> None:
        self.path, self.case = path, case

    def error(self, key: str, message: str) -> CaseFileError:
        return CaseFileError(f"{self.path}, case {self.case!r}, {key}: {message}")


def _refuse_floats(value: Any, key: str, where: _Where) -> None:
    if isinstance(value, float):
        raise where.error(key, f'{value!r} is a YAML float; write decimal fractions as strings, e.g. "{value}"')
    if isinstance(value, Mapping):
        for k, v in value.items():
            _refuse_floats(v, f"{key}.{k}" if key else str(k), where)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _refuse_floats(v, f"{key}[{i}]", where)


def _mapping(value: Any, key: str, known: set[str], where: _Where, required: Iterable[str] = ()) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise where.error(key, f"expected a mapping, got {type(value).__name__}")
    unknown = sorted(set(value) - known)
    if unknown:
        raise where.error(key, f"unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(sorted(known))}")
    for name in required:
        if name not in value:
            raise where.error(key, f"missing key {name!r}")
    return value


def _int(table: Mapping[str, Any], name: str, key: str, where: _Where, default: int | None = None) -> int:
    if name not in table:
        if default is None:
            raise where.error(key, f"missing key {name!r}")
        return default
    value = table[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(f"{key}.{name}", f"expected a whole number, got {value!r}")
    return value


def _fraction(value: Any, key: str, where: _Where) -> Fraction:
    try:
        return parse_fraction(value, key)
    except MoneyError as exc:
        raise where.error(key, str(exc).split(": ", 1)[1]) from None


def _date(value: Any, key: str, where: _Where) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise where.error(key, f"{value!r} is not a date like 2026-03-13") from None


@dataclass
class Case:
    """One validated pay month of a case file, ready for the pipeline."""

    name: str
    period: str
    city: str
    ids: list[str]
    rows: list[dict[str, int]]
    pieces: list[list[dict[str, int]]]
    expect: dict[str, dict[str, int]]
    leave: list[list[LeaveTaken]]
    segments: list[list[dict[str, int]] | None] = field(default_factory=list)


def _leave(emp: Mapping[str, Any], key: str, where: _Where, city: CityRules) -> tuple[dict[str, int], list[LeaveTaken]]:
    """The leave columns and per-type detail of ``leave:`` and ``service_years`` (see the module doc)."""
    types, _policy = load_leave_types()
    day = city.conventions.hours_per_day * 60
    taken: list[LeaveTaken] = []
    for j, item in enumerate(emp.get("leave") or []):
        l_key = f"{key}.leave[{j}]"
        item = _mapping(item, l_key, LEAVE_KEYS, where, ("type",))
        kind = types.get(str(item["type"]))
        if kind is None:
            raise where.error(f"{l_key}.type", f"{item['type']!r} is not a leave type; use one of {', '.join(types)}")
        given = "hours" if kind.unit == "hour" else "days"
        if set(item) != {"type", given}:
            raise where.error(l_key, f"{kind.name} ({kind.code}) is taken in {kind.unit}s: give {given} (only)")
        minutes = _fraction(item[given], f"{l_key}.{given}", where) * (60 if given == "hours" else day)
        if minutes.denominator != 1 or minutes <= 0:
            raise where.error(f"{l_key}.{given}", f"{item[given]!r} is not a positive whole number of minutes")
        taken.append(LeaveTaken(kind.code, kind.name, kind.paid, kind.unit, int(minutes), kind.source))
    years = _int(emp, "service_years", key, where, 0)
    try:
        share = sick_pay_share(city, years) or Fraction(0)
    except SickPayError as exc:
        raise where.error(f"{key}.service_years", str(exc)) from None
    row = {column: sum(t.minutes for t in taken if t.paid == paid) for paid, column in LEAVE_MINUTES_COLUMN.items()}
    return row | {"sick_share_num": share.numerator, "sick_share_den": share.denominator}, taken


def _overtime(emp: Mapping[str, Any], key: str, where: _Where) -> dict[str, int]:
    """The ``ot_*_minutes`` inputs of ``overtime:`` days counted by ``overtime_counting`` (see the module doc)."""
    method = emp.get("overtime_counting", "approved_hours")
    if method not in METHODS:
        raise where.error(f"{key}.overtime_counting", f"{method!r} is not one of {', '.join(METHODS)}")
    minutes = dict.fromkeys(_OT_COLUMN.values(), 0)
    for j, item in enumerate(emp["overtime"] or []):
        d_key = f"{key}.overtime[{j}]"
        item = _mapping(item, d_key, OVERTIME_DAY_KEYS, where, ("day_type", "punched_minutes"))
        if item["day_type"] not in _OT_COLUMN:
            raise where.error(f"{d_key}.day_type", f"{item['day_type']!r} is not one of {', '.join(_OT_COLUMN)}")
        comp = item.get("comp", "pay")
        if comp not in ("pay", "time_off"):
            raise where.error(f"{d_key}.comp", f"{comp!r} is not pay or time_off")
        punched = _int(item, "punched_minutes", d_key, where)
        approved = _int(item, "approved_minutes", d_key, where, 0)
        lieu_asked = approved if comp == "time_off" else 0  # 调休 is taken off what is paid under every method
        pay_asked = punched if method == "punches" else approved - lieu_asked
        paid, _in_lieu = count_overtime_minutes(np.array([punched]), np.array([pay_asked]), np.array([lieu_asked]))
        minutes[_OT_COLUMN[item["day_type"]]] += int(paid[0])
    return minutes


def _segments(
    emp: Mapping[str, Any], key: str, where: _Where, row: dict[str, int], hours_per_day: int, period: str
) -> list[dict[str, int]]:
    """``segments:`` — the month cut by dated changes (a raise on the 16th): each piece's first day (``from``, in
    date order, the first on the 1st), its rate and its attendance; the month's attendance is their sum, so those
    keys are not given under ``attendance`` (see the module doc)."""
    items = emp["segments"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_SEGMENTS:
        raise where.error(f"{key}.segments", f"expected a list of 1 to {MAX_SEGMENTS} pieces of the month")
    for name in ("leave", "overtime"):
        if name in emp:
            raise where.error(f"{key}.segments", f"give {name} per month without segments: not both (not supported)")
    year, month = parse_period(period)
    cut: list[dict[str, int]] = []
    previous: dt.date | None = None
    for j, item in enumerate(items):
        s_key = f"{key}.segments[{j}]"
        item = _mapping(item, s_key, SEGMENT_KEYS, where, ("from",))
        first = _date(item["from"], f"{s_key}.from", where)
        if (first.year, first.month) != (year, month) or (previous is None and first.day != 1):
            raise where.error(f"{s_key}.from", f"{first} must be a day of {period} (the first piece from the 1st)")
        if previous is not None and first <= previous:
            raise where.error(f"{s_key}.from", f"{first} is not after the piece before ({previous}): give date order")
        previous = first
        piece = {name: _int(item, name, s_key, where, 0) for name in _SEGMENT_TIME if name != "worked_minutes"}
        piece["worked_minutes"] = (
            _int(item, "worked_minutes", s_key, where)
            if "worked_minutes" in item
            else _int(item, "worked_days", s_key, where, 0) * hours_per_day * 60
        )
        for rate in ("monthly_salary_fen", "hourly_rate_fen"):
            piece[rate] = _int(item, rate, s_key, where, row.get(rate, 0))
        cut.append(piece | dict.fromkeys(("paid_leave_minutes", "unpaid_leave_minutes", "sick_leave_minutes"), 0))
    given = sorted(set(_SEGMENT_TIME) & set(emp["attendance"]))
    if given:
        raise where.error(f"{key}.attendance.{given[0]}", "with segments, give it per segment (the month is their sum)")
    for name in _SEGMENT_TIME:
        row[name] = sum(piece[name] for piece in cut)
    for rate in ("monthly_salary_fen", "hourly_rate_fen"):  # the month's own: the terms of the 1st (SI base)
        row.setdefault(rate, cut[0][rate])
    return cut


def _employee(
    emp: Any, i: int, where: _Where, city: CityRules, period: str
) -> tuple[str, dict[str, int], list[dict[str, int]], list[LeaveTaken], list[dict[str, int]] | None]:
    key = f"employees[{i}]"
    conventions = city.conventions
    emp = _mapping(emp, key, EMPLOYEE_KEYS, where, ("id", "pay_basis", "attendance"))
    emp_id = str(emp["id"])
    basis = emp["pay_basis"]
    if basis not in PAY_BASES:
        raise where.error(f"{key}.pay_basis", f"{basis!r} is not one of {', '.join(PAY_BASES)}")
    row = {"pay_basis": PAY_BASES[basis]}
    for name in _PLAIN_COLUMNS:
        if name in emp:
            row[name] = _int(emp, name, key, where)
    att_key = f"{key}.attendance"
    att = _mapping(emp["attendance"], att_key, ATTENDANCE_KEYS, where, ("scheduled_days",))
    for name in ATTENDANCE_KEYS - {"worked_days"}:
        if name in att:
            row[name] = _int(att, name, att_key, where)
    cut = None
    if "segments" in emp:
        cut = _segments(emp, key, where, row, conventions.hours_per_day, period)
    elif "worked_minutes" not in att:
        row["worked_minutes"] = _int(att, "worked_days", att_key, where, 0) * conventions.hours_per_day * 60
    if "hf_rate" in emp:
        rate = _fraction(emp["hf_rate"], f"{key}.hf_rate", where)
        row["hf_rate_num"], row["hf_rate_den"] = rate.numerator, rate.denominator
    if "ytd_before" in emp:
        ytd = _mapping(emp["ytd_before"], f"{key}.ytd_before", YTD_KEYS, where)
        for name, column in _YTD_COLUMNS.items():
            row[column] = _int(ytd, name, f"{key}.ytd_before", where, 0)
        _check_year_to_date(row, f"{key}.ytd_before", where, period)
    if "opening_balance" in emp:
        _add_opening_balance(emp["opening_balance"], f"{key}.opening_balance", where, row, period)
    for name in ("part_time", "bonus_separate_used"):
        if name in emp:
            if not isinstance(emp[name], bool):
                raise where.error(f"{key}.{name}", f"expected true or false, got {emp[name]!r}")
            row[name] = int(emp[name])
    if "bonus_method" in emp:
        if emp["bonus_method"] not in BONUS_METHODS:
            raise where.error(
                f"{key}.bonus_method", f"{emp['bonus_method']!r} is not one of {', '.join(BONUS_METHODS)}"
            )
        row["bonus_method"] = BONUS_METHODS[emp["bonus_method"]]
    if "severance" in emp:
        row.update(_severance(emp["severance"], f"{key}.severance", where, row))
    if "settlement" in emp:
        row.update(_settlement(emp["settlement"], f"{key}.settlement", where, row, conventions))
    leave_row, leave = _leave(emp, key, where, city)
    row.update(leave_row)
    if "overtime" in emp:
        given = sorted(set(_OT_COLUMN.values()) & set(att))
        if given:
            raise where.error(f"{key}.overtime", f"give overtime either as days here or as {given[0]}, not both")
        row.update(_overtime(emp, key, where))
    pieces = []
    for j, piece in enumerate(emp.get("pieces") or []):
        p_key = f"{key}.pieces[{j}]"
        piece = _mapping(piece, p_key, PIECE_KEYS, where, ("qty", "unit_fen"))
        coef = _fraction(piece.get("grade_coef", "1"), f"{p_key}.grade_coef", where)
        pieces.append(
            {
                "qty": _int(piece, "qty", p_key, where),
                "rejects": _int(piece, "rejects", p_key, where, 0),
                "unit_fen": _int(piece, "unit_fen", p_key, where),
                "quota": _int(piece, "quota", p_key, where, 0),
                "unit_above_fen": _int(piece, "unit_above_fen", p_key, where, 0),
                "coef_num": coef.numerator,
                "coef_den": coef.denominator,
            }
        )
    return emp_id, row, pieces, leave, cut


def _check_year_to_date(row: dict[str, int], key: str, where: _Where, period: str) -> None:
    """The year-to-date rules of `pipeline.validate_inputs`, reported against the case file's key."""
    _, month = parse_period(period)
    months = row["ytd_months"]
    if not 0 <= months <= month - 1:
        raise where.error(
            f"{key}.months", f"{months} is not 0..{month - 1}: a {period} pay month has {month - 1} months before it"
        )
    for name, column in _YTD_COLUMNS.items():
        if row[column] < 0:
            raise where.error(f"{key}.{name}", f"{row[column]} is negative; year-to-date sums are >= 0")
        if not months and row[column]:
            raise where.error(f"{key}.{name}", f"{row[column]} with months 0: nothing is paid before the first month")
    if row["ytd_tax_withheld_fen"] > row["ytd_income_fen"]:
        raise where.error(f"{key}.tax_withheld_fen", "is more than income_fen: the tax withheld is part of the income")


def _add_opening_balance(value: Any, key: str, where: _Where, row: dict[str, int], period: str) -> None:
    """What was paid through ``through`` before punchclock, added to the year-to-date sums (``ytd_before``)."""
    table = _mapping(value, key, OPENING_KEYS, where, ("through", "months"))
    through = str(table["through"])
    try:
        year, month = parse_period(through)
    except RuleDataError as exc:
        raise where.error(f"{key}.through", str(exc)) from None
    if str(year) != period[:4] or through >= period:
        raise where.error(f"{key}.through", f"{through} must be a month of {period[:4]} before {period}")
    balance = {name: _int(table, name, key, where, 0) for name in YTD_KEYS}
    if not 0 <= balance["months"] <= month:
        raise where.error(f"{key}.months", f"{balance['months']} is not 0..{month}: {through} is month {month}")
    for name, column in _YTD_COLUMNS.items():
        row[column] = row.get(column, 0) + balance[name]
    _check_year_to_date(row, f"{key} + ytd_before", where, period)


def _severance(value: Any, key: str, where: _Where, row: dict[str, int]) -> dict[str, int]:
    table = _mapping(value, key, SEVERANCE_KEYS, where)
    out = {"severance_base_fen": _int(table, "base_fen", key, where, row.get("monthly_salary_fen", 0))}
    if "half_months" in table:
        out["severance_half_months"] = _int(table, "half_months", key, where)
        return out
    for name in ("hired_on", "last_day"):
        if name not in table:
            raise where.error(key, f"missing key {name!r} (or give half_months)")
    try:
        service = service_for_severance(
            _date(table["hired_on"], f"{key}.hired_on", where), _date(table["last_day"], f"{key}.last_day", where)
        )
    except SettlementError as exc:
        raise where.error(key, str(exc)) from None
    out["severance_half_months"] = service.half_months
    return out


def _settlement(value: Any, key: str, where: _Where, row: dict[str, int], conventions: Conventions) -> dict[str, int]:
    table = _mapping(value, key, SETTLEMENT_KEYS, where)
    out = {"leave_base_fen": _int(table, "leave_base_fen", key, where, row.get("monthly_salary_fen", 0))}
    if "leave_days_unused" in table:
        out["leave_days_unused"] = _int(table, "leave_days_unused", key, where)
        return out
    for name in ("last_day", "cumulative_years"):
        if name not in table:
            raise where.error(key, f"missing key {name!r} (or give leave_days_unused)")
    since = _date(table["employed_since"], f"{key}.employed_since", where) if "employed_since" in table else None
    try:
        leave = unused_annual_leave(
            last_day=_date(table["last_day"], f"{key}.last_day", where),
            cumulative_years=_int(table, "cumulative_years", key, where),
            taken_days=_int(table, "leave_taken_days", key, where, 0),
            conventions=conventions,
            employed_since=since,
        )
    except SettlementError as exc:
        raise where.error(key, str(exc)) from None
    out["leave_days_unused"] = leave.unused_days
    return out


def _parse(doc: Any, path: Path, number: int) -> Case:
    label = doc.get("name", f"document {number}") if isinstance(doc, Mapping) else f"document {number}"
    where = _Where(path, str(label))
    _refuse_floats(doc, "", where)
    doc = _mapping(doc, "case", CASE_KEYS, where, sorted(CASE_KEYS))
    try:
        rules = load_rules(str(doc["period"]), [str(doc["city"])])
    except RuleDataError as exc:
        raise where.error("period/city", str(exc)) from None
    employees = doc["employees"]
    if not isinstance(employees, list) or not employees:
        raise where.error("employees", "expected a non-empty list of employees")
    ids, rows, pieces, leave, segments = [], [], [], [], []
    for i, emp in enumerate(employees):
        emp_id, row, items, taken, cut = _employee(emp, i, where, rules.cities[0], str(doc["period"]))
        leave.append(taken)
        segments.append(cut)
        if emp_id in ids:
            raise where.error(f"employees[{i}].id", f"duplicate employee id {emp_id!r}")
        ids.append(emp_id)
        rows.append(row)
        pieces.append(items)
    expect = _mapping(doc["expect"], "expect", set(ids), where)
    checked: dict[str, dict[str, int]] = {}
    for emp_id, fields_ in expect.items():
        fields_ = _mapping(fields_, f"expect.{emp_id}", set(OUTPUT_COLUMNS), where)
        checked[emp_id] = {name: _int(fields_, name, f"expect.{emp_id}", where) for name in fields_}
    return Case(str(label), str(doc["period"]), str(doc["city"]), ids, rows, pieces, checked, leave, segments)


def load_cases(path: Path) -> list[Case]:
    """Every case in a file, validated; a malformed file raises `CaseFileError` naming file, case, key."""
    try:
        docs = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CaseFileError(f"{path}: invalid YAML: {exc}") from None
    if not docs:
        raise CaseFileError(f"{path}: no case in the file")
    return [_parse(doc, path, number) for number, doc in enumerate(docs, start=1)]


def result_of(case: Case, path: Path) -> PayResult:
    """The pipeline's result for a case (errors from the pipeline name the case file)."""
    rules = load_rules(case.period, [case.city])
    n = len(case.rows)
    columns = {
        name: np.array([row.get(name, _default(name, row)) for row in case.rows], dtype=np.int64)
        for name in {k for row in case.rows for k in row}
    }
    inputs = EmployeeMonthColumns.build(n, city=0, **columns)
    records = [item for items in case.pieces for item in items]
    offsets = np.cumsum([0] + [len(items) for items in case.pieces])
    piece_columns = {
        k: np.array([r[k] for r in records], dtype=np.int64)
        for k in ("qty", "rejects", "unit_fen", "quota", "unit_above_fen", "coef_num", "coef_den")
    }
    try:
        pieces = PieceColumns.build(offsets=offsets, **piece_columns)
        return compute(inputs, rules, pieces, ids=case.ids, leave=case.leave, segments=_segment_columns(case, inputs))
    except PayrollCoreError as exc:
        raise _Where(path, case.name).error("employees", str(exc)) from None


def _segment_columns(case: Case, inputs: EmployeeMonthColumns) -> SegmentColumns | None:
    """The cases' pieces of the month as kernel columns; an employee without ``segments`` is one piece."""
    if not any(case.segments):
        return None
    width = max(len(cut) for cut in case.segments if cut)
    single = SegmentColumns.single(inputs)
    columns = {}
    for name in SEGMENT_COLUMNS:
        column = np.zeros((len(case.rows), width), dtype=np.int64)
        for i, cut in enumerate(case.segments):
            if cut:
                column[i, : len(cut)] = [piece[name] for piece in cut]
            else:
                column[i, 0] = getattr(single, name)[i, 0]
        columns[name] = column
    return SegmentColumns.build(len(case.rows), **columns)


def _run(case: Case, path: Path) -> CaseReport:
    result = result_of(case, path)
    report = CaseReport(path, case.name, result.rules_version)
    for i, emp_id in enumerate(case.ids):
        for name, expected in case.expect.get(emp_id, {}).items():
            got = int(getattr(result, name)[i])
            report.checked += 1
            if got != expected:
                report.mismatches.append(Mismatch(case.name, emp_id, name, expected, got))
    return report


def _default(name: str, row: dict[str, int]) -> int:
    """Per-row default of a column some other employee of the case sets."""
    if name == "employed_days":
        return row["scheduled_days"]
    if name == "si_base_fen":
        return -1
    if name == "bonus_method":
        return BONUS_METHODS["recommended"]
    if name == "sick_share_den":
        return 1
    return 0


def run_file(path: Path) -> list[CaseReport]:
    return [_run(case, path) for case in load_cases(path)]


def run_files(paths: Iterable[Path]) -> Iterator[CaseReport]:
    for path in paths:
        yield from run_file(Path(path))
