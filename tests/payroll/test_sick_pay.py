"""Sick pay from the city's rule data: Shanghai's scale by years of service, the national 80 % floor."""

from __future__ import annotations

from fractions import Fraction

import pytest

from payroll_core.rules import load_rules
from payroll_core.sick_pay import SickPayError, sick_pay_fen, sick_pay_share

BEIJING, SHANGHAI = load_rules("2026-03", ["beijing", "shanghai"]).cities


@pytest.mark.parametrize(
    ("years", "long", "share"),
    [(0, False, "0.6"), (1, False, "0.6"), (2, False, "0.7"), (7, False, "0.9"), (8, False, "1"), (30, False, "1"),
     (0, True, "0.4"), (2, True, "0.5"), (3, True, "0.6")],
)  # fmt: skip
def test_shanghai_scale_by_years_of_continuous_service(years: int, long: bool, share: str) -> None:
    assert sick_pay_share(SHANGHAI, years, beyond_six_months=long) == Fraction(share)


def test_sick_pay_is_a_day_rate_of_the_share_and_never_below_80_percent_of_the_minimum_wage() -> None:
    # 10,000 yuan, 3 years: 70 % = 7,000 a month; 5 days: 700,000 × 5 ÷ 21.75 = 160,919.54… → 160,920 fen
    assert sick_pay_fen(1_000_000, 5, SHANGHAI, service_years=3) == 160_920
    # 2,800 yuan under 2 years: 60 % = 1,680 < 80 % of 2,740 = 2,192; 219,200 × 2 ÷ 21.75 = 20,156.32… → 20,156
    assert sick_pay_fen(280_000, 2, SHANGHAI, service_years=1) == 20_156
    # beyond six months, 4 years: 60 % of 10,000 = 6,000; × 10 ÷ 21.75 = 275,862.07… → 275,862
    assert sick_pay_fen(1_000_000, 10, SHANGHAI, service_years=4, beyond_six_months=True) == 275_862
    # Beijing sets no scale: the employer's 80 % of 5,000 = 4,000 > 2,032; 400,000 × 2 ÷ 21.75 → 36,782
    assert sick_pay_fen(500_000, 2, BEIJING, employer_share=Fraction(8, 10)) == 36_782


def test_a_share_is_needed_exactly_where_the_city_has_no_scale() -> None:
    assert sick_pay_share(BEIJING, 5) is None
    with pytest.raises(SickPayError, match=r"^beijing sets no sick-pay scale in its rule data: give the employer's"):
        sick_pay_fen(500_000, 2, BEIJING)
    with pytest.raises(SickPayError, match=r"^shanghai sets its own sick-pay scale by years of service: give no"):
        sick_pay_fen(500_000, 2, SHANGHAI, employer_share=Fraction(1))
