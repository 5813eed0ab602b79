"""Individual income tax, cumulative withholding (累计预扣法, STA Announcement 2018 No. 61).

cumulative taxable = Σ income − basic deduction × months − Σ employee SI/HF
                     − Σ special additional deductions − Σ other deductions   (never below 0)
cumulative tax     = cumulative taxable × bracket rate − quick deduction, rounded half up to the fen
this month         = max(0, cumulative tax − tax already withheld this year)
A negative difference is not refunded by the employer: it waits for the annual settlement.

Taxed outside the cumulative withholding, each on its own:
- an annual one-off bonus taxed separately (财政部 税务总局公告2023年第30号): bonus × rate − quick deduction,
  the bracket of the MONTHLY table (iit file ``[bonus]``) that holds bonus ÷ 12 (`separate_bonus_tax`);
- severance above the exemption (财税〔2018〕164号 art. 5): the annual table on that excess (`cumulative_tax`).
"""

from __future__ import annotations

import numba
import numpy as np

from payroll_core.money import round_half_up_div
from payroll_core.rules import Rules, TaxBracket

UPTO, RATE_NUM, RATE_DEN, QUICK = range(4)
UNBOUNDED = -1


def tax_table(rules: Rules) -> np.ndarray:
    """int64 table [bracket, (upto fen or -1, rate num, rate den, quick deduction fen)] of the annual table."""
    return _table(rules.tax.brackets)


def bonus_table(rules: Rules) -> np.ndarray:
    """The monthly table the separately taxed bonus uses, shaped like `tax_table`."""
    return _table(rules.tax.bonus_brackets)


def _table(brackets: tuple[TaxBracket, ...]) -> np.ndarray:
    return np.array(
        [
            (
                UNBOUNDED if b.upto_fen is None else b.upto_fen,
                b.rate.numerator,
                b.rate.denominator,
                b.quick_deduction_fen,
            )
            for b in brackets
        ],
        dtype=np.int64,
    )


@numba.njit(cache=True)
def cumulative_tax(taxable_fen: int, table: np.ndarray) -> int:
    """Tax due on the cumulative taxable income, by the bracket that holds it."""
    if taxable_fen <= 0:
        return 0
    k = 0
    while table[k, UPTO] != UNBOUNDED and taxable_fen > table[k, UPTO]:
        k += 1
    return round_half_up_div(taxable_fen * table[k, RATE_NUM], table[k, RATE_DEN]) - int(table[k, QUICK])


@numba.njit(cache=True)
def separate_bonus_tax(bonus_fen: int, table: np.ndarray) -> int:
    """Tax on a bonus taxed on its own: bonus × rate − quick deduction, the bracket holding bonus ÷ 12."""
    if bonus_fen <= 0:
        return 0
    k = 0
    while table[k, UPTO] != UNBOUNDED and bonus_fen > 12 * table[k, UPTO]:
        k += 1
    return max(0, round_half_up_div(bonus_fen * table[k, RATE_NUM], table[k, RATE_DEN]) - int(table[k, QUICK]))
