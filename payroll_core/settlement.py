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
Not covered: severance (经济补偿, Labor Contract Law art. 47), notice pay, and the separate tax treatment
of severance; those need their own inputs and rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
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
