"""Social insurance and housing fund: each item = its base clipped to [floor, cap] × its rate.

Each side (employee, employer) of each item is rounded once, to the unit the city's rule data names
(``fen_half_up`` by default; Shanghai's housing fund rounds to the yuan), then a fixed monthly amount
is added where the city has one (Beijing's 3-yuan serious-illness mutual aid).
"""

from __future__ import annotations

from fractions import Fraction

import numba
import numpy as np

from payroll_core.money import round_to_unit
from payroll_core.rules import CONTRIBUTION_ITEMS, Rules

HOUSING_FUND = len(CONTRIBUTION_ITEMS) - 1
# Parameters of each (city, item) in the contribution table.
FLOOR, CAP, EE_NUM, EE_DEN, ER_NUM, ER_DEN, EE_FIXED, ER_FIXED, UNIT = range(9)


def contribution_table(rules: Rules) -> np.ndarray:
    """int64 table [city, item, parameter] of every contribution figure in force."""

    def pair(value: Fraction) -> tuple[int, int]:
        return value.numerator, value.denominator

    table = np.zeros((len(rules.cities), len(CONTRIBUTION_ITEMS), 9), dtype=np.int64)
    for c, city in enumerate(rules.cities):
        for j, name in enumerate(CONTRIBUTION_ITEMS):
            item = city.items[name]
            table[c, j] = (
                item.base_floor_fen,
                item.base_cap_fen,
                *pair(item.employee_rate),
                *pair(item.employer_rate),
                item.employee_fixed_fen,
                item.employer_fixed_fen,
                item.unit_fen,
            )
    return table


@numba.njit(cache=True)
def clipped_base(raw_base_fen: int, floor_fen: int, cap_fen: int) -> int:
    return min(max(raw_base_fen, floor_fen), cap_fen)


@numba.njit(cache=True)
def contribution(base_fen: int, rate_num: int, rate_den: int, unit_fen: int, fixed_fen: int) -> int:
    """One side of one item: base × rate rounded to the item's unit, plus any fixed amount."""
    return round_to_unit(base_fen * rate_num, rate_den, unit_fen) + fixed_fen
