"""Money and rounding: the one place where a fen amount is rounded.

Money is int64 fen everywhere in payroll_core. Every pay line is an exact rational
``numerator / denominator`` of integers (rates are exact fractions, e.g. 21.75 = 87/4), and is
rounded exactly once, here, half up (away from zero, like ``decimal.ROUND_HALF_UP``) to a unit
named by the rule data:

``fen_half_up``  to 0.01 yuan (the default for every pay line)
``jiao_half_up`` to 0.10 yuan
``yuan_half_up`` to 1 yuan (e.g. Shanghai's housing fund, each side rounded to whole yuan)

A legal ceiling (the 20 % limit of a damages deduction) is the one amount rounded down instead,
``round_down_div``: a limit rounded up would allow a fen more than the law does.

The helpers are ``numba.njit`` so the kernels call the very same code as plain Python callers.
Range: numerators below ``INT64_EXACT_LIMIT`` (2**62, about 4.6e18); the pipeline's input limits
and the rule checks in `pay.pay_table` keep every product below it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

import numba
import numpy as np

from payroll_core.errors import PayrollCoreError

FEN_PER_YUAN: Final = 100
#: Numerators at or above this could overflow int64 inside `round_half_up_div` (it doubles them).
INT64_EXACT_LIMIT: Final = 2**62

#: Rounding modes the rule data may name, mapped to the unit they round to, in fen.
ROUNDING_UNITS_FEN: Final[dict[str, int]] = {
    "fen_half_up": 1,
    "jiao_half_up": 10,
    "yuan_half_up": 100,
}


class MoneyError(PayrollCoreError):
    """A money amount, rate or rounding mode that payroll_core cannot use exactly."""


@numba.njit(cache=True, inline="always")
def round_half_up_div(num: int, den: int) -> int:
    """``num / den`` rounded half away from zero to an integer; ``den`` must be > 0."""
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((-2 * num + den) // (2 * den))


@numba.njit(cache=True, inline="always")
def round_down_div(num: int, den: int) -> int:
    """``num / den`` rounded down to an integer (``num`` >= 0, ``den`` > 0): for ceilings the law sets."""
    return num // den


@numba.njit(cache=True, inline="always")
def round_to_unit(num: int, den: int, unit_fen: int) -> int:
    """``num / den`` fen rounded half up to a multiple of ``unit_fen`` (1, 10 or 100)."""
    return round_half_up_div(num, den * unit_fen) * unit_fen


def rounding_unit(mode: str, where: str) -> int:
    """The unit in fen for a rounding mode named in rule data; ``where`` names the data key."""
    try:
        return ROUNDING_UNITS_FEN[mode]
    except KeyError:
        known = ", ".join(ROUNDING_UNITS_FEN)
        raise MoneyError(f"{where}: unknown rounding mode {mode!r}; use one of {known}") from None


def parse_fraction(text: object, where: str, *, max_decimals: int = 6) -> Fraction:
    """An exact non-negative rate from a decimal string such as ``"0.105"`` or an integer.

    Floats are refused: ``0.1`` as a float is not one tenth, and a pay rule must be exact.
    """
    if isinstance(text, (bool, float)):
        raise MoneyError(f'{where}: {text!r} is a float; write decimal fractions as strings, e.g. "{text}"')
    if isinstance(text, int):
        value = Fraction(text)
    elif isinstance(text, str):
        body = text.strip()
        head, _, decimals = body.partition(".")
        if not body or not head.lstrip("-").isdigit() or (decimals and not decimals.isdigit()):
            raise MoneyError(f'{where}: {text!r} is not a decimal number like "1.10"')
        if len(decimals) > max_decimals:
            raise MoneyError(f"{where}: {text!r} has more than {max_decimals} decimal places")
        value = Fraction(body)
    else:
        raise MoneyError(f'{where}: expected a decimal string like "0.08", got {type(text).__name__}')
    if value < 0:
        raise MoneyError(f"{where}: {text!r} is negative; rates and coefficients are >= 0")
    return value


def yuan_to_fen(text: object, where: str) -> int:
    """Whole fen from a yuan amount in rule data (an integer or a decimal string with <= 2 places)."""
    value = parse_fraction(text, where, max_decimals=2) * FEN_PER_YUAN
    assert value.denominator == 1
    return int(value)


def as_int64_column(values: object, name: str) -> np.ndarray:
    """A contiguous int64 column; refuses float input rather than silently truncating money."""
    array = np.asarray(values)
    if array.dtype.kind == "f":
        raise MoneyError(f"column {name!r} is float ({array.dtype}); money and counts must be integers")
    if array.dtype.kind not in "iub":
        raise MoneyError(f"column {name!r} has dtype {array.dtype}; expected integers")
    return np.ascontiguousarray(array, dtype=np.int64)


def fen_to_yuan(fen: int) -> str:
    """Integer fen as yuan with exactly two decimals, e.g. 1234567 → "12345.67", -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan}.{rest:02d}"
