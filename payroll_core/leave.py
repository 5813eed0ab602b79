"""Leave types as rule data (`rules/leave-types.toml`) and the statutory annual-leave entitlement of a year.

Units and steps: a balance counts in the type's smallest step, an integer — `day` in days, `half_day` in half
days, `hour` in minutes (`STEPS_PER_DAY`, a day being 8 hours). Nothing here is float.

Annual leave for a year (职工带薪年休假条例 art. 3; 企业职工带薪年休假实施办法 art. 5):
- the days per full year by cumulative years of work come from the conventions' `[annual_leave] entitlement`
  (1–10 years 5, 10–20 years 10, 20+ years 15);
- a joiner or leaver gets (calendar days employed this year ÷ 365) × the days, rounded DOWN to whole days;
- a boundary (1, 10 or 20 years) reached inside the year counts from the first day of the following month
  (人社厅函〔2009〕149号 item 2 [M]): the year is split there, each part weighted by its calendar days ÷ 365,
  and the sum rounded down once.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from payroll_core.errors import PayrollCoreError
from payroll_core.rules import Conventions

LEAVE_FILE = Path(__file__).parent / "rules" / "leave-types.toml"
Unit = Literal["day", "half_day", "hour"]
STEPS_PER_DAY: dict[str, int] = {"day": 1, "half_day": 2, "hour": 8 * 60}
_PAID = ("1", "0", "sick")
_KEYS = {"name", "name_en", "paid", "unit", "rest_days_count", "attachment_required", "quota_days", "source"}


class LeaveRuleError(PayrollCoreError):
    """The leave-type file is wrong; the message names the entry and the key."""


@dataclass(frozen=True)
class LeaveType:
    code: str
    name: str  # Chinese display name
    name_en: str
    paid: str  # "1" | "0" | "sick"
    unit: str
    rest_days_count: bool
    attachment_required: bool
    quota_days: int | None  # None: no quota, or by rule ("by_service" for annual leave)
    by_service: bool
    source: str

    @property
    def steps_per_day(self) -> int:
        return STEPS_PER_DAY[self.unit]


@dataclass(frozen=True)
class LeavePolicy:
    carry_over_days: int
    carry_over_expires: str  # MM-DD


def _type(code: str, raw: dict[str, Any], where: str) -> LeaveType:
    unknown = set(raw) - _KEYS
    if unknown:
        raise LeaveRuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if raw.get("paid") not in _PAID:
        raise LeaveRuleError(f"{where}.paid: use one of {', '.join(_PAID)}")
    if raw.get("unit") not in STEPS_PER_DAY:
        raise LeaveRuleError(f"{where}.unit: use day, half_day or hour")
    quota = raw.get("quota_days")
    if quota is not None and quota != "by_service" and not (isinstance(quota, int) and quota >= 0):
        raise LeaveRuleError(f'{where}.quota_days: a whole number of days >= 0, or "by_service"')
    return LeaveType(
        code=code,
        name=str(raw["name"]),
        name_en=str(raw["name_en"]),
        paid=raw["paid"],
        unit=raw["unit"],
        rest_days_count=bool(raw["rest_days_count"]),
        attachment_required=bool(raw["attachment_required"]),
        quota_days=quota if isinstance(quota, int) else None,
        by_service=quota == "by_service",
        source=str(raw["source"]),
    )


def load_leave_types(office: str | None = None, path: Path = LEAVE_FILE) -> tuple[dict[str, LeaveType], LeavePolicy]:
    """The leave types and policy of `office` (the defaults with that office's overrides laid over them)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    base = {code: dict(raw) for code, raw in data["types"].items()}
    policy = dict(data["policy"])
    local = data.get("offices", {}).get(office, {}) if office is not None else {}
    for code, raw in local.get("types", {}).items():
        if code not in base:
            raise LeaveRuleError(f"offices.{office!r}.types.{code}: no such leave type in [types]")
        base[code].update(raw)
    policy.update(local.get("policy", {}))
    types = {code: _type(code, raw, f"types.{code}") for code, raw in base.items()}
    return types, LeavePolicy(int(policy["carry_over_days"]), str(policy["carry_over_expires"]))


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return date(start.year + years, 3, 1)


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def annual_leave_days(
    year: int, *, work_started_on: date, hired_on: date | None, left_on: date | None, conventions: Conventions
) -> int:
    """The statutory annual leave of `year` in whole days (see the module docstring for the rule)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if hired_on is not None:
        first = max(first, hired_on)
    if left_on is not None:
        last = min(last, left_on)
    if last < first:
        return 0
    # The days per year change on the first of the month after each tier's anniversary.
    changes = sorted(
        {
            _first_of_next_month(_anniversary(work_started_on, from_years))
            for from_years, _ in conventions.leave_entitlement
        }
    )
    total = Fraction(0)
    day = first
    while day <= last:
        upcoming = [c for c in changes if c > day]
        end = min(last, upcoming[0] - timedelta(days=1)) if upcoming else last
        years = sum(1 for c in changes if c <= day)  # how many tiers have started by `day`
        days_per_year = conventions.leave_entitlement[years - 1][1] if years else 0
        total += Fraction((end - day).days + 1, 365) * days_per_year
        day = end + timedelta(days=1)
    full = conventions.leave_entitlement[-1][1]
    return min(math.floor(total), full)
