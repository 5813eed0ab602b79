"""Working-time systems on the kernel's per-day facts (`gateway.pay.working_time`), hand-checked.

Comprehensive hours over 2026 Q3 (quarter standard 62 working days × 480 = 29,760 min, 人社部发〔2025〕2号; the
synthetic facts mark no day a holiday, so the holiday rule is tested on its own below): July 150 h (9,000 min) and
August 200 h (12,000 min) pay no overtime and show the running balance; September 10,000 min brings the quarter to
31,000 min: 31,000 − 29,760 = 1,240 min beyond the standard, settled on 30 September at the workday rate (150 %).
Its rest-day work is part of the hours, never 200 %.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gateway.pay.overtime_rule import consecutive_columns
from gateway.pay.working_time import WorkingTime, apply_working_time, opening_span, period_of, system_problem
from payroll_core.attendance import N_FACTS, Fact
from payroll_core.calendar import DayType
from payroll_core.rules.loader import RULES_DIR
from payroll_core.shifts import load_rules

COMPREHENSIVE = WorkingTime("comprehensive", "quarter")


def _month(year: int, month: int) -> list[dt.date]:
    day, days = dt.date(year, month, 1), []
    while day.month == month:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def _facts(days: list[dt.date], worked: dict[int, int], holidays: tuple[int, ...] = ()) -> np.ndarray:
    """One employee's month: weekends rest days, `holidays` (days of the month) holidays, `worked` minutes by day."""
    facts = np.zeros((1, len(days), N_FACTS), dtype=np.int32)
    for k, day in enumerate(days):
        kind = DayType.HOLIDAY if day.day in holidays else DayType.RESTDAY if day.weekday() >= 5 else DayType.WORKDAY
        facts[0, k, Fact.DAY_TYPE] = kind
        facts[0, k, Fact.WORKED_MINUTES] = worked.get(day.day, 0)
    return facts


def _spread(days: list[dt.date], total: int) -> dict[int, int]:
    """`total` minutes over the month's days, 600 a day from the 1st (rest days included), the rest on the last."""
    out, left = {}, total
    for day in days:
        out[day.day] = min(600, left)
        left -= out[day.day]
    out[days[-1].day] += left
    return out


def _summary(paid: np.ndarray, facts: np.ndarray) -> dict[str, np.ndarray]:
    kind = facts[:, :, Fact.DAY_TYPE]
    return {
        "ot_workday_minutes": np.where(kind == DayType.WORKDAY, paid, 0).sum(axis=1),
        "ot_restday_minutes": np.where(kind == DayType.RESTDAY, paid, 0).sum(axis=1),
        "ot_holiday_minutes": np.where(kind == DayType.HOLIDAY, paid, 0).sum(axis=1),
        "ot_days_over_limit": np.array([1]),
        "ot_minutes_over_day_limit": np.array([60]),
        "ot_minutes_over_month_limit": np.array([0]),
    }


def _apply(wt: WorkingTime, days: list[dt.date], facts: np.ndarray, paid: np.ndarray, before: int, pay: bool = False):  # type: ignore[no-untyped-def]
    return apply_working_time([wt], [pay], days, facts, _summary(paid, facts), paid, np.array([before]))


@pytest.mark.parametrize(
    ("month", "before", "worked", "figures"),
    [
        (7, 0, 9000, (0, 0, 9000, 29760, 0)),
        (8, 9000, 12000, (0, 0, 21000, 29760, 0)),
        (9, 21000, 10000, (1240, 0, 31000, 29760, 1240)),
    ],
)
def test_comprehensive_hours_over_a_quarter_settle_in_its_last_month_at_the_workday_rate(
    month: int, before: int, worked: int, figures: tuple[int, int, int, int, int]
) -> None:
    days = _month(2026, month)
    facts = _facts(days, _spread(days, worked))
    paid = np.where(facts[:, :, Fact.DAY_TYPE] == DayType.RESTDAY, 120, 0).astype(np.int64)  # the rule's rest-day OT
    result = _apply(COMPREHENSIVE, days, facts, paid, before)
    keys = ("ot_workday_minutes", "ot_restday_minutes", "wts_period_minutes", "wts_standard_minutes")
    assert (*(int(result.summary[k][0]) for k in keys), int(result.summary["wts_settled_minutes"][0])) == figures
    assert int(result.paid.sum()) == 0  # nothing at 200 %
    assert result.settled[0].tolist() == [0] * (len(days) - 1) + [figures[4]]  # on 30 September


def test_the_quarter_is_found_from_any_of_its_days() -> None:
    assert period_of("quarter", dt.date(2026, 8, 15)) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert opening_span("quarter", dt.date(2026, 9, 1)) == (dt.date(2026, 7, 1), dt.date(2026, 8, 31))
    assert opening_span("quarter", dt.date(2026, 7, 1)) is None
    assert period_of("week", dt.date(2026, 10, 1)) == (dt.date(2026, 9, 28), dt.date(2026, 10, 4))


def test_comprehensive_hours_pay_national_day_at_300_in_its_own_month_outside_the_period_hours() -> None:
    days = _month(2026, 10)
    facts = _facts(days, {1: 480, 12: 600}, holidays=(1, 2, 3, 4, 5, 6, 7))
    paid = np.zeros((1, len(days)), dtype=np.int64)
    paid[0, 0] = 480  # the overtime rule's holiday minutes of 1 October
    result = _apply(COMPREHENSIVE, days, facts, paid, 0)
    assert (int(result.summary["ot_holiday_minutes"][0]), int(result.summary["wts_period_minutes"][0])) == (480, 600)
    assert int(result.paid[0, 0]) == 480


@pytest.mark.parametrize(("policy", "holiday_minutes"), [(False, 0), (True, 480)])
def test_a_flexible_hours_employee_working_on_national_day(policy: bool, holiday_minutes: int) -> None:
    days = _month(2026, 10)
    facts = _facts(days, {1: 480, 10: 600}, holidays=(1, 2, 3, 4, 5, 6, 7))
    paid = np.zeros((1, len(days)), dtype=np.int64)
    paid[0, 0], paid[0, 9] = 480, 600  # 1 October (holiday), 10 October (a Saturday: rest day)
    result = _apply(WorkingTime("flexible"), days, facts, paid, 0, pay=policy)
    summary = {k: int(v[0]) for k, v in result.summary.items() if k.startswith("ot_")}
    assert summary == {
        "ot_workday_minutes": 0,
        "ot_restday_minutes": 0,
        "ot_holiday_minutes": holiday_minutes,
        "ot_days_over_limit": 0,
        "ot_minutes_over_day_limit": 0,
        "ot_minutes_over_month_limit": 0,
    }
    assert int(result.paid.sum()) == holiday_minutes


def test_standard_hours_are_untouched() -> None:
    days = _month(2026, 9)
    facts = _facts(days, _spread(days, 12000))
    paid = np.full((1, len(days)), 30, dtype=np.int64)
    given = _summary(paid, facts)
    result = apply_working_time([WorkingTime("standard")], [False], days, facts, given, paid, np.array([0]))
    assert {k: v.tolist() for k, v in result.summary.items() if k in given} == {k: v.tolist() for k, v in given.items()}
    assert (result.paid == paid).all() and not result.settled.any()


def test_seven_worked_days_in_a_row_are_one_day_over_the_limit() -> None:
    days = _month(2026, 9)
    facts = _facts(days, dict.fromkeys((1, 2, 3, 4, 5, 6, 7, 9, 10), 480))
    assert {k: v.tolist() for k, v in consecutive_columns(facts).items()} == {
        "consecutive_days_max": [7],
        "consecutive_days_over_limit": [1],
    }


def test_the_working_time_terms_are_refused_with_the_fix() -> None:
    assert str(system_problem("comprehensive", None, "沪人社综字〔2026〕1号")) == (
        "comprehensive hours (综合计算工时) need wts_period, the settlement period the labour bureau approved: "
        "one of week, month, quarter, year"
    )
    assert str(system_problem("flexible", None, None)) == (
        "flexible hours need wts_approval_no, the labour bureau's approval number (审批文号, e.g. "
        "沪人社综字〔2026〕123号): a comprehensive or flexible system without approval is standard hours in law"
    )
    assert str(system_problem("standard", "month", None)) == (
        "wts_period 'month' is for comprehensive hours only: set it to null for standard hours"
    )
    assert system_problem("comprehensive", "month", "沪人社综字〔2026〕1号") is None
    refused = system_problem("flexible", None, None)
    assert refused is not None and refused.zh == (
        "不定时工作制需要 wts_approval_no，即劳动部门的审批文号（例如 沪人社综字〔2026〕123号）："
        "未经审批的综合计算工时或不定时工作制，在法律上按标准工时处理"
    )


SHANGHAI = load_rules([RULES_DIR / "offices" / "shanghai.toml"]).offices[0]


def test_the_3_hour_day_flag_is_averaged_away_and_the_36_hour_flag_is_on_the_settled_overtime_per_month() -> None:
    """September settles 21,000 + 15,760 − 29,760 = 7,000 min for the quarter: 7,000 ÷ 3 months > 36 h; over by
    7,000 − 3 × 2,160 = 520 min. The overtime rule's own day flag (1 day, 60 min) does not apply (劳部发〔1994〕503号
    art. 5: the day's hours are averaged over the period)."""
    days = _month(2026, 9)
    facts = _facts(days, _spread(days, 15760))
    result = _apply(COMPREHENSIVE, days, facts, np.zeros((1, len(days)), dtype=np.int64), 21000)
    limits = ("wts_settled_minutes", "ot_days_over_limit", "ot_minutes_over_day_limit", "ot_minutes_over_month_limit")
    assert [int(result.summary[k][0]) for k in limits] == [7000, 0, 0, 520]


def test_the_months_before_the_settlement_have_no_limit_flag() -> None:
    days = _month(2026, 8)
    facts = _facts(days, _spread(days, 18000))
    result = _apply(COMPREHENSIVE, days, facts, np.zeros((1, len(days)), dtype=np.int64), 18000)
    keys = ("wts_period_minutes", "ot_days_over_limit", "ot_minutes_over_day_limit", "ot_minutes_over_month_limit")
    assert [int(result.summary[k][0]) for k in keys] == [36000, 0, 0, 0]  # the rule's 1 day, 60 min dropped


def test_someone_hired_inside_the_quarter_has_its_working_days_in_employment_as_the_standard() -> None:
    """Hired Mon 17 August: Q3 in employment is 17 August - 30 September. Working days by the 2026 calendar: August
    17-21, 24-28, 31 = 11; September 1-4, 7-11, 14-18 = 14, Sun 20 (调休 workday) = 1, 21-24 = 4 (Fri 25 is 中秋),
    28-30 = 3: 22; 33 × 480 = 15,840 min. 4,000 worked in August + 12,000 in September = 16,000: 160 settled."""
    hired = WorkingTime("comprehensive", "quarter", hired_on=dt.date(2026, 8, 17), calendar=SHANGHAI)
    days = _month(2026, 9)
    facts = _facts(days, _spread(days, 12000))
    result = _apply(hired, days, facts, np.zeros((1, len(days)), dtype=np.int64), 4000)
    keys = ("wts_period_minutes", "wts_standard_minutes", "wts_settled_minutes")
    assert [int(result.summary[k][0]) for k in keys] == [16000, 15840, 160]


def test_a_leavers_quarter_ends_and_settles_on_the_day_they_leave() -> None:
    """Left Fri 14 August: Q3 in employment is 1 July - 14 August, July's 23 working days + August 3-7, 10-14 = 33;
    33 × 480 = 15,840 min. 9,000 worked in July + 7,000 in August = 16,000: 160 settled on 14 August."""
    leaver = WorkingTime("comprehensive", "quarter", left_on=dt.date(2026, 8, 14), calendar=SHANGHAI)
    days = _month(2026, 8)
    facts = _facts(days, dict.fromkeys(range(1, 15), 500))  # 14 × 500 = 7,000
    result = _apply(leaver, days, facts, np.zeros((1, len(days)), dtype=np.int64), 9000)
    assert [int(result.summary[k][0]) for k in ("wts_standard_minutes", "wts_settled_minutes")] == [15840, 160]
    assert int(result.settled[0, 13]) == 160


def test_approved_paid_leave_counts_into_the_period_hours() -> None:
    """21,000 before September, 8,000 worked in it and two days of paid (annual) leave, 2 × 480: 29,960 − 29,760 =
    200 settled. The leave minutes are the leave-days machinery's paid ones (unpaid and sick leave are not given)."""
    days = _month(2026, 9)
    facts = _facts(days, _spread(days, 8000))
    leave = np.zeros((1, len(days)), dtype=np.int64)
    leave[0, 28], leave[0, 29] = 480, 480
    zero = np.zeros((1, len(days)), dtype=np.int64)
    result = apply_working_time(
        [COMPREHENSIVE], [False], days, facts, _summary(zero, facts), zero, np.array([21000]), leave
    )
    assert [int(result.summary[k][0]) for k in ("wts_period_minutes", "wts_settled_minutes")] == [29960, 200]
