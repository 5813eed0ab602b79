"""Final settlement for a leaver (离职结算): unused statutory annual leave, paid on the last payslip.

Everything else on the leaver's payslip is the ordinary pipeline: salary prorated by the scheduled days
employed this month (``employed_days``), overtime, pieces, SI/HF and the cumulative IIT of the month.
This module works out the unused leave days; the pipeline pays them as ``leave_pay_fen`` =
leave base ÷ 21.75 × 200 % × days. Why 200 %: the law's 300 % of the daily wage *includes* the normal pay
for those days, which the employee has already received (企业职工带薪年休假实施办法 art. 10–11) [C].
The leave base is the average monthly wage of the last 12 months excluding overtime (art. 11); callers
pass it, the case runner defaults it to the monthly salary.

Accrued days at termination (art. 12) [C]: calendar days elapsed this year at this employer ÷ 365 ×
the annual entitlement, less days already taken; the fraction of a day is not paid, and leave taken
beyond the accrual is not clawed back (so never below 0).
Severance (经济补偿, 劳动合同法 art. 47) [C via research/payroll.md B8]: one month's wage per full year of
service, a remainder of six months or more counts as a year, a shorter one as half a month
(`severance_half_months` counts in half months); the pipeline pays it from ``severance_half_months`` and
``severance_base_fen`` with the caps and the separate tax of `payroll_core.pipeline`.
Not covered: notice pay ("+1", art. 40) and double compensation for unlawful termination (art. 87).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from payroll_core.errors import PayrollCoreError
from payroll_core.rules import Conventions


class SettlementError(PayrollCoreError):
    """Settlement inputs that cannot describe a real leaver."""


@dataclass(frozen=True)
class LeaveSettlement:
    entitlement_days: int  # per full year, by cumulative years worked
    elapsed_days: int  # calendar days at this employer this year, last day included
    accrued_days: int  # floor(elapsed ÷ 365 × entitlement)
    taken_days: int
    unused_days: int


def annual_leave_entitlement(cumulative_years: int, conventions: Conventions) -> int:
    """Days per year for an employee with ``cumulative_years`` of work (0 below one year)."""
    days = 0
    for from_years, tier_days in conventions.leave_entitlement:
        if cumulative_years >= from_years:
            days = tier_days
    return days


def unused_annual_leave(
    *,
    last_day: date,
    cumulative_years: int,
    taken_days: int,
    conventions: Conventions,
    employed_since: date | None = None,
) -> LeaveSettlement:
    """The leave a leaver is paid for; ``employed_since`` matters only for a joiner of this year."""
    if cumulative_years < 0 or taken_days < 0:
        raise SettlementError(f"cumulative_years ({cumulative_years}) and taken_days ({taken_days}) must be >= 0")
    start = date(last_day.year, 1, 1)
    if employed_since is not None:
        if employed_since > last_day:
            raise SettlementError(f"employed_since {employed_since} is after the last day {last_day}")
        start = max(start, employed_since)
    elapsed = (last_day - start).days + 1
    entitlement = annual_leave_entitlement(cumulative_years, conventions)
    accrued = math.floor(Fraction(elapsed, 365) * entitlement)
    return LeaveSettlement(entitlement, elapsed, accrued, taken_days, max(0, accrued - taken_days))


@dataclass(frozen=True)
class Service:
    """Years of service for severance: full years, then the remainder in full months and days."""

    years: int
    months: int
    days: int

    @property
    def half_months(self) -> int:
        """Severance in half months of wage: 2 per full year, 2 more for a remainder of 6 months or more, 1 for less."""
        if self.months >= 6:
            return 2 * self.years + 2
        return 2 * self.years + (1 if self.months or self.days else 0)


def _add_months(day: date, months: int) -> date:
    """`day` moved by whole months; a day past the target month's end becomes its last day (Jan 31 + 1 = Feb 28)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def service_for_severance(hired_on: date, last_day: date) -> Service:
    """Service from the first day (``hired_on``) through the last day worked, both included."""
    if last_day < hired_on:
        raise SettlementError(f"the last day {last_day} is before the hire date {hired_on}")
    end = last_day + timedelta(days=1)
    months = (end.year - hired_on.year) * 12 + end.month - hired_on.month
    if _add_months(hired_on, months) > end:
        months -= 1
    days = (end - _add_months(hired_on, months)).days
    return Service(months // 12, months % 12, days)
