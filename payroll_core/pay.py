"""Time-based pay lines: base pay, proration, absence and late deductions, overtime, leave pay.

All amounts are exact rationals of int64 fen rounded once by `money.round_half_up_div`.
The pay-day divisor comes from rule data as a fraction (21.75 = 87/4), so
daily = monthly × 4 / 87, hourly = monthly × 4 / (87 × 8) = monthly / 174, and
overtime = monthly × minutes × multiplier / (174 × 60): 600,000 fen with 600 workday minutes at
3/2 gives round(600000 × 600 × 3 / 20880) = 51,724 fen.
"""

from __future__ import annotations

from fractions import Fraction

import numba
import numpy as np

from payroll_core.money import INT64_EXACT_LIMIT, round_half_up_div
from payroll_core.rules import CONTRIBUTION_ITEMS, RuleError, Rules

# Input limits: the pipeline refuses rows beyond them, which keeps every product below
# money.INT64_EXACT_LIMIT for rule data that passes `pay_table`.
MAX_FEN = 10**10  # 100 million yuan: a month's salary, allowance or base above this is a data error
MAX_PIECE_PAY_FEN = 10**11  # a row's piece pay, all records together
MAX_MINUTES = 31 * 24 * 60
MAX_DAYS = 31
MAX_LEAVE_DAYS = 366
MAX_SEVERANCE_HALF_MONTHS = 2 * 60  # sixty years of service
MAX_SHARE_DEN = 100  # a sick-pay share has at most 2 decimals (city data: "0.6", "0.75")

MONTHLY, HOURLY, PIECE = 0, 1, 2
PAY_BASES = {"monthly": MONTHLY, "hourly": HOURLY, "piece": PIECE}
BONUS_RECOMMENDED, BONUS_COMBINED, BONUS_SEPARATE = -1, 0, 1
BONUS_METHODS = {"recommended": BONUS_RECOMMENDED, "combined": BONUS_COMBINED, "separate": BONUS_SEPARATE}
UNKNOWN = -1  # a pay-table figure the city's rule data does not have for the period

# Columns of the per-city pay table (one row per city of a `Rules`).
(
    PAY_DAYS_NUM,
    PAY_DAYS_DEN,
    HOURS_PER_DAY,
    OT_WORKDAY_NUM,
    OT_WORKDAY_DEN,
    OT_RESTDAY_NUM,
    OT_RESTDAY_DEN,
    OT_HOLIDAY_NUM,
    OT_HOLIDAY_DEN,
    LATE_PRO_RATA,
    LATE_GRACE_MINUTES,
    MIN_WAGE_FEN,
    MIN_WAGE_EXCLUDES_SI_HF,
    MIN_WAGE_TOP_UP,
    LEAVE_EXTRA_NUM,
    LEAVE_EXTRA_DEN,
    HF_LEGAL_MIN_NUM,
    HF_LEGAL_MIN_DEN,
    HF_LEGAL_MAX_NUM,
    HF_LEGAL_MAX_DEN,
    MIN_WAGE_HOURLY_FEN,  # UNKNOWN when the city's data has none
    AVERAGE_WAGE_ANNUAL_FEN,  # UNKNOWN when the city's data has none
    SEVERANCE_CAP_MULTIPLE,
    SEVERANCE_CAPPED_YEARS,
    DAMAGES_SHARE_NUM,
    DAMAGES_SHARE_DEN,
    DAMAGES_CAPPED,  # 1: policy "cap", 0: "flag_only"
    PART_TIME_ITEMS,  # bit k set: contribution item k (rules.CONTRIBUTION_ITEMS order) is computed for part-time rows
    SICK_FLOOR_NUM,  # sick pay is at least this share of the minimum wage (劳部发〔1995〕309号 art. 59: 80 %)
    SICK_FLOOR_DEN,
) = range(30)
PAY_TABLE_WIDTH = 30


def pay_table(rules: Rules) -> np.ndarray:
    """The city conventions and minimum wages as an int64 table the kernels index by city."""

    def pair(value: Fraction) -> tuple[int, int]:
        return value.numerator, value.denominator

    rows = []
    for city in rules.cities:
        conv = city.conventions
        _check_exact(
            city.key,
            conv.pay_days_per_month,
            conv.hours_per_day,
            (conv.ot_workday, conv.ot_restday, conv.ot_holiday),
            conv.leave_extra_multiplier,
            conv.sick_pay_floor_share,
        )
        rows.append(
            (
                *pair(conv.pay_days_per_month),
                conv.hours_per_day,
                *pair(conv.ot_workday),
                *pair(conv.ot_restday),
                *pair(conv.ot_holiday),
                int(conv.late_method == "pro_rata_minutes"),
                conv.late_grace_minutes,
                city.minimum_wage_fen,
                int(city.minimum_wage_excludes_si_hf),
                int(conv.minimum_wage_top_up),
                *pair(conv.leave_extra_multiplier),
                *pair(conv.hf_legal_rate_min),
                *pair(conv.hf_legal_rate_max),
                UNKNOWN if city.minimum_wage_hourly_fen is None else city.minimum_wage_hourly_fen,
                UNKNOWN if city.average_wage_annual_fen is None else city.average_wage_annual_fen,
                conv.severance_wage_cap_multiple,
                conv.severance_capped_years,
                *pair(conv.damages_max_share),
                int(conv.damages_policy == "cap"),
                sum(1 << k for k, item in enumerate(CONTRIBUTION_ITEMS) if item in conv.part_time_items),
                *pair(conv.sick_pay_floor_share),
            )
        )
    return np.array(rows, dtype=np.int64).reshape(len(rows), PAY_TABLE_WIDTH)


def _check_exact(
    city: str,
    pay_days: Fraction,
    hours_per_day: int,
    overtime: tuple[Fraction, ...],
    leave: Fraction,
    sick_floor: Fraction,
) -> None:
    """Refuse rule figures so fine-grained that a pay line at the input limits would overflow int64."""
    worst = [MAX_FEN * MAX_LEAVE_DAYS * leave.numerator * pay_days.denominator]
    # Sick pay: the own wage × a share of at most MAX_SHARE_DEN, and the minimum wage × the floor share, per minute.
    worst.append(MAX_FEN * MAX_MINUTES * max(MAX_SHARE_DEN, sick_floor.numerator) * pay_days.denominator)
    for mult in overtime:
        worst.append(MAX_FEN * MAX_MINUTES * mult.numerator * pay_days.denominator)
        worst.append(MAX_PIECE_PAY_FEN * MAX_MINUTES * abs(mult.numerator - mult.denominator))
    worst.append(pay_days.numerator * hours_per_day * 60 * max(m.denominator for m in overtime))
    if max(worst) >= INT64_EXACT_LIMIT or hours_per_day < 1 or pay_days <= 0 or sick_floor.denominator > MAX_SHARE_DEN:
        raise RuleError(
            f"{city}: pay_days_per_month {pay_days}, hours_per_day {hours_per_day}, overtime multipliers and the "
            f"leave multiplier and the sick-pay floor share must be positive with at most 2 decimals for exact int64 "
            "pay lines"
        )


@numba.njit(cache=True)
def prorated(monthly_fen: int, employed_days: int, scheduled_days: int) -> int:
    """Monthly salary × scheduled days employed ÷ scheduled days of the month (joiners, leavers)."""
    return round_half_up_div(monthly_fen * employed_days, scheduled_days)


@numba.njit(cache=True)
def per_pay_day(monthly_fen: int, days: int, mult_num: int, mult_den: int, pay_days_num: int, pay_days_den: int) -> int:
    """Monthly ÷ 21.75 × days × multiplier: absence deduction (×1) and unused-leave pay (×2)."""
    return round_half_up_div(monthly_fen * days * mult_num * pay_days_den, pay_days_num * mult_den)


@numba.njit(cache=True)
def per_pay_minute(
    monthly_fen: int,
    minutes: int,
    mult_num: int,
    mult_den: int,
    pay_days_num: int,
    pay_days_den: int,
    hours_per_day: int,
) -> int:
    """Monthly ÷ 21.75 ÷ 8 ÷ 60 × minutes × multiplier: overtime and late deductions of salaried staff."""
    return round_half_up_div(
        monthly_fen * minutes * mult_num * pay_days_den,
        pay_days_num * hours_per_day * 60 * mult_den,
    )


@numba.njit(cache=True)
def hourly_amount(hourly_fen: int, minutes: int, mult_num: int, mult_den: int) -> int:
    """Hourly rate × minutes ÷ 60 × multiplier: hourly workers' base pay (×1) and overtime."""
    return round_half_up_div(hourly_fen * minutes * mult_num, 60 * mult_den)


@numba.njit(cache=True)
def piece_overtime_premium(
    piece_pay_fen: int, ot_minutes: int, total_minutes: int, mult_num: int, mult_den: int
) -> int:
    """The premium (multiplier − 1) on the share of piece pay earned in overtime.

    Piece pay already pays overtime output at 100 % of the unit price; the law asks for 150/200/300 %
    of the unit price on it (工资支付暂行规定 art. 13). Output per minute is taken as uniform over
    the month, so the overtime share of piece pay is ot_minutes ÷ total minutes worked.
    """
    if total_minutes <= 0:
        return 0
    return round_half_up_div(piece_pay_fen * ot_minutes * (mult_num - mult_den), total_minutes * mult_den)
