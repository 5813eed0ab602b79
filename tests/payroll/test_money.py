from fractions import Fraction

import pytest

from payroll_core.money import MoneyError, parse_fraction, round_half_up_div, round_to_unit, rounding_unit, yuan_to_fen


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (5, 10, 1),
        (4, 10, 0),
        (15, 10, 2),
        (25, 10, 3),
        (-5, 10, -1),
        (-4, 10, 0),
        (-15, 10, -2),
        (600000 * 600 * 3, 20880, 51724),
        (0, 7, 0),
        (2**61, 1, 2**61),
    ],
)
def test_round_half_up_div_rounds_half_away_from_zero(num: int, den: int, expected: int) -> None:
    assert round_half_up_div(num, den) == expected
    assert round_half_up_div.py_func(num, den) == expected


def test_round_to_unit_rounds_to_whole_yuan() -> None:
    # Shanghai housing fund: 3,730,200 fen × 7 % = 261,114 fen → 261,100; 269,000 × 7 % = 18,830 → 18,800
    assert round_to_unit(3_730_200 * 7, 100, 100) == 261_100
    assert round_to_unit(269_000 * 7, 100, 100) == 18_800
    assert round_to_unit(1_050, 1, 100) == 1_100


def test_rounding_mode_names() -> None:
    assert [rounding_unit(m, "x") for m in ("fen_half_up", "jiao_half_up", "yuan_half_up")] == [1, 10, 100]
    with pytest.raises(
        MoneyError,
        match=r"^cities/x.toml: rounding: unknown rounding mode 'yuan_up'; use one of fen_half_up, jiao_half_up, "
        r"yuan_half_up$",
    ):
        rounding_unit("yuan_up", "cities/x.toml: rounding")


def test_parse_fraction_is_exact_and_refuses_floats() -> None:
    assert parse_fraction("0.105", "k") == Fraction(21, 200)
    assert parse_fraction("21.75", "k") == Fraction(87, 4)
    assert parse_fraction(3, "k") == 3
    with pytest.raises(
        MoneyError,
        match=r"^case\.yaml: grade_coef: 1\.1 is a float; write decimal fractions as strings, e\.g\. \"1\.1\"$",
    ):
        parse_fraction(1.1, "case.yaml: grade_coef")
    with pytest.raises(MoneyError, match="more than 6 decimal places"):
        parse_fraction("0.0000001", "k")
    with pytest.raises(MoneyError, match="is negative"):
        parse_fraction("-0.5", "k")
    with pytest.raises(MoneyError, match="is not a decimal number"):
        parse_fraction("1e3", "k")


def test_yuan_to_fen() -> None:
    assert yuan_to_fen(37302, "k") == 3_730_200
    assert yuan_to_fen("4053.6", "k") == 405_360
    with pytest.raises(MoneyError, match="more than 2 decimal places"):
        yuan_to_fen("1.234", "k")
