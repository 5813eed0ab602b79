"""Sick pay for days of sick leave in the medical treatment period (医疗期), from the city's rule data.

The leave types that pay it come with the leave requests (another issue); this module is the rule:

- the share of the employee's own monthly wage comes from the city's scale by years of continuous service
  (``[conventions.sick_pay] tiers`` for the first six months of sick leave, ``long_tiers`` beyond), where the
  city sets one (Shanghai); where it does not, the employer's own share is given;
- it is never below ``floor_share_of_minimum_wage`` (80 %) of the local monthly minimum wage
  (劳部发〔1995〕309号 art. 59);
- the month's amount is paid per day like every day rate: monthly ÷ 21.75 × days, rounded once.
"""

from __future__ import annotations

from fractions import Fraction

from payroll_core.errors import PayrollCoreError
from payroll_core.money import round_half_up_div
from payroll_core.rules import CityRules


class SickPayError(PayrollCoreError):
    """Sick-pay inputs the city's rule data cannot pay."""


def sick_pay_share(city: CityRules, service_years: int, *, beyond_six_months: bool = False) -> Fraction | None:
    """The city's share of the own wage for this service, or None where the city sets no scale."""
    conv = city.conventions
    tiers = conv.sick_pay_long_tiers if beyond_six_months else conv.sick_pay_tiers
    if not tiers:
        return None
    if service_years < 0:
        raise SickPayError(f"service_years {service_years} must be >= 0")
    return [share for from_years, share in tiers if service_years >= from_years][-1]


def sick_pay_fen(
    monthly_wage_fen: int,
    days: int,
    city: CityRules,
    *,
    service_years: int = 0,
    beyond_six_months: bool = False,
    employer_share: Fraction | None = None,
) -> int:
    """Sick pay for ``days`` sick days: max(wage × share, 80 % × minimum wage) ÷ 21.75 × days, fen_half_up.

    ``employer_share`` is the employer's own rule, required where the city sets no scale and refused where it does.
    """
    if monthly_wage_fen < 0 or days < 0:
        raise SickPayError(f"monthly_wage_fen ({monthly_wage_fen}) and days ({days}) must be >= 0")
    share = sick_pay_share(city, service_years, beyond_six_months=beyond_six_months)
    if share is not None and employer_share is not None:
        raise SickPayError(f"{city.key} sets its own sick-pay scale by years of service: give no employer share")
    own = share if share is not None else employer_share
    if own is None:
        raise SickPayError(f"{city.key} sets no sick-pay scale in its rule data: give the employer's own share")
    conv = city.conventions
    monthly = max(monthly_wage_fen * own, city.minimum_wage_fen * conv.sick_pay_floor_share)
    amount = monthly * days / conv.pay_days_per_month
    return round_half_up_div(amount.numerator, amount.denominator)
