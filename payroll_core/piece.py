"""Piece-rate pay (计件工资): (quantity − rejects) × unit price × grade coefficient, per item.

Piece records are ragged (any number per employee-month), so they travel as flat item columns
plus CSR offsets: the items of row i are ``offsets[i]:offsets[i + 1]``.
Rejects are the worker-caused ones (工废), which are not paid; material-caused rejects (料废) are paid
and so belong in the good quantity. Tiered prices (超额累进): when ``quota > 0`` the units above the quota
are paid at ``unit_above_fen``. Each item is rounded once, after the grade coefficient.
"""

from __future__ import annotations

import numba

from payroll_core.money import round_half_up_div


@numba.njit(cache=True)
def piece_item_pay(
    qty: int, rejects: int, unit_fen: int, quota: int, unit_above_fen: int, coef_num: int, coef_den: int
) -> int:
    good = qty - rejects
    amount = quota * unit_fen + (good - quota) * unit_above_fen if quota > 0 and good > quota else good * unit_fen
    return round_half_up_div(amount * coef_num, coef_den)
