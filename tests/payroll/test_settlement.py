from datetime import date

import pytest

from payroll_core.rules import load_rules
from payroll_core.settlement import (
    LeaveSettlement,
    Service,
    SettlementError,
    annual_leave_entitlement,
    service_for_severance,
    unused_annual_leave,
)

CONV = load_rules("2026-03", ["shanghai"]).cities[0].conventions


@pytest.mark.parametrize(("years", "days"), [(0, 0), (1, 5), (9, 5), (10, 10), (19, 10), (20, 15), (40, 15)])
def test_entitlement_tiers(years: int, days: int) -> None:
    assert annual_leave_entitlement(years, CONV) == days


def test_accrual_floors_the_fraction_and_subtracts_taken_days() -> None:
    # 2026-01-01..2026-07-31 = 212 days; 212 ÷ 365 × 15 = 8.71 → 8; − 3 taken = 5
    assert unused_annual_leave(last_day=date(2026, 7, 31), cumulative_years=25, taken_days=3, conventions=CONV) == (
        LeaveSettlement(15, 212, 8, 3, 5)
    )


def test_joiner_of_this_year_counts_from_joining_and_overtaken_leave_is_not_clawed_back() -> None:
    # 2026-02-01..2026-05-15 = 104 days; 104 ÷ 365 × 5 = 1.42 → 1; 4 taken → 0, not −3
    assert unused_annual_leave(
        last_day=date(2026, 5, 15), cumulative_years=3, taken_days=4, conventions=CONV, employed_since=date(2026, 2, 1)
    ) == LeaveSettlement(5, 104, 1, 4, 0)


def test_impossible_dates_are_refused() -> None:
    with pytest.raises(SettlementError, match=r"^employed_since 2026-06-01 is after the last day 2026-05-15$"):
        unused_annual_leave(
            last_day=date(2026, 5, 15),
            cumulative_years=3,
            taken_days=0,
            conventions=CONV,
            employed_since=date(2026, 6, 1),
        )


@pytest.mark.parametrize(
    ("hired", "last", "service", "half_months"),
    [
        (date(2020, 3, 1), date(2026, 2, 28), Service(6, 0, 0), 12),  # six full years: six months' wage
        (date(2020, 3, 1), date(2026, 8, 31), Service(6, 6, 0), 14),  # six months more count as a year
        (date(2020, 3, 1), date(2026, 8, 30), Service(6, 5, 30), 13),  # a day short of that: half a month
        (date(2020, 3, 10), date(2026, 4, 5), Service(6, 0, 27), 13),
        (date(2026, 1, 31), date(2026, 2, 27), Service(0, 1, 0), 1),  # Jan 31 + 1 month = Feb 28
        (date(2026, 3, 2), date(2026, 3, 2), Service(0, 0, 1), 1),
    ],
)
def test_service_for_severance(hired: date, last: date, service: Service, half_months: int) -> None:
    assert service_for_severance(hired, last) == service
    assert service.half_months == half_months


def test_a_last_day_before_the_hire_date_is_refused() -> None:
    with pytest.raises(SettlementError, match=r"^the last day 2026-02-28 is before the hire date 2026-03-01$"):
        service_for_severance(date(2026, 3, 1), date(2026, 2, 28))
