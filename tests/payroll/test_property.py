"""Kernel == Decimal reference, to the fen, over thousands of generated employee-months."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payroll_core.columns import (
    MAX_SEGMENTS,
    OUTPUT_COLUMNS,
    SEGMENT_COLUMNS,
    EmployeeMonthColumns,
    PieceColumns,
    SegmentColumns,
)
from payroll_core.pipeline import compute
from payroll_core.reference.pay import pay_rows, piece_pay
from payroll_core.rules import Rules, load_rules

RULES = load_rules("2026-03")


def _variant(period: str, valid_until: str | None = None, damages_policy: str | None = None) -> Rules:
    """The rules of ``period`` with the bonus taxation ending earlier, or every city on another damages policy."""
    rules = load_rules(period)
    if valid_until is not None:
        rules = dataclasses.replace(rules, tax=dataclasses.replace(rules.tax, bonus_valid_until=valid_until))
    if damages_policy is not None:
        cities = tuple(
            dataclasses.replace(c, conventions=dataclasses.replace(c.conventions, damages_policy=damages_policy))
            for c in rules.cities
        )
        rules = dataclasses.replace(rules, cities=cities, _index={})
    return rules


# March (two months before it, the bonus projected over nine more), December (eleven before, none after), a month
# after the separate bonus taxation has ended, and damages deducted as entered ("flag_only").
PERIODS = (
    RULES,
    load_rules("2026-12"),
    _variant("2026-07", valid_until="2026-06"),
    _variant("2026-10", None, "flag_only"),
)
MAX_MIN = 31 * 24 * 60
# Extremes on purpose: zero pay, pay above every cap, all-overtime months, all-reject piece records.
money = st.one_of(st.just(0), st.integers(0, 3_000_000), st.integers(3_000_000, 10**10))
# Bonuses on both sides of every edge of the monthly bonus table (bonus ÷ 12 = 3,000, 12,000, ... yuan).
BONUS_EDGES = [12 * edge * 100 + delta for edge in (3000, 12000, 25000, 35000, 55000, 80000) for delta in (-1, 0, 1)]
bonus_amount = st.one_of(st.just(0), st.sampled_from(BONUS_EDGES), st.integers(0, 2 * 10**8), money)


@st.composite
def piece_record(draw: st.DrawFn) -> dict[str, int]:
    # Up to 4 records of at most 10**5 × 2·10**4 fen × 10 stay within the pipeline's piece-pay limit.
    qty = draw(st.one_of(st.just(0), st.just(10**5), st.integers(0, 10**5)))
    coef_den = draw(st.sampled_from([1, 10, 100, 10**4, 10**6]))
    return {
        "qty": qty,
        "rejects": draw(st.one_of(st.just(0), st.just(qty), st.integers(0, qty))),
        "unit_fen": draw(st.integers(0, 2 * 10**4)),
        "quota": draw(st.one_of(st.just(0), st.integers(0, qty + 1))),
        "unit_above_fen": draw(st.integers(0, 2 * 10**4)),
        "coef_num": draw(st.integers(0, 10 * coef_den)),
        "coef_den": coef_den,
    }


@st.composite
def leave_taken(draw: st.DrawFn, rules: Rules, row: dict[str, int]) -> dict[str, int]:
    """Paid, unpaid and sick leave filling at most the employed time not absent (often all of it), and a sick-pay
    share from none to the whole own wage."""
    day = rules.cities[row["city"]].conventions.hours_per_day * 60
    room = (2 * (row["employed_days"] - row["absent_days"]) - row["absent_half_days"]) * day // 2
    paid = draw(st.one_of(st.just(0), st.just(room), st.integers(0, room)))
    unpaid = draw(st.one_of(st.just(0), st.just(room - paid), st.integers(0, room - paid)))
    sick = draw(st.one_of(st.just(0), st.just(room - paid - unpaid), st.integers(0, room - paid - unpaid)))
    den = draw(st.sampled_from([1, 10, 20, 100]))
    return {
        "paid_leave_minutes": paid,
        "unpaid_leave_minutes": unpaid,
        "sick_leave_minutes": sick,
        "sick_share_num": draw(st.one_of(st.just(0), st.just(den), st.integers(0, den))),
        "sick_share_den": den,
    }


@st.composite
def employee_month(draw: st.DrawFn, rules: Rules) -> tuple[dict[str, int], list[dict[str, int]]]:
    scheduled = draw(st.integers(1, 31))
    employed = draw(st.one_of(st.just(scheduled), st.integers(0, scheduled)))
    hf_den = draw(st.sampled_from([0, 0, 100, 1000]))
    minutes = st.one_of(st.just(0), st.just(MAX_MIN), st.integers(0, MAX_MIN))
    city = draw(st.integers(0, len(rules.cities) - 1))
    basis = draw(st.integers(0, 2))
    months_before = int(rules.period[5:]) - 1
    ytd_months = draw(st.integers(0, months_before))
    ytd_income = draw(st.integers(0, 10**11)) if ytd_months else 0

    def ytd(high: int) -> int:
        return draw(st.integers(0, high)) if ytd_months else 0

    bonus = draw(bonus_amount)
    used = draw(st.integers(0, 1))
    # An explicit separate taxation the rules refuse (used already, or after valid_until) is tested elsewhere.
    may_separate = not used and rules.period <= rules.tax.bonus_valid_until
    with_severance = rules.cities[city].average_wage_annual_fen is not None and draw(st.booleans())
    part_time = int(basis == 1 and rules.cities[city].minimum_wage_hourly_fen is not None and draw(st.booleans()))
    row = {
        "city": city,
        "pay_basis": basis,
        "monthly_salary_fen": draw(money),
        "hourly_rate_fen": draw(st.integers(0, 10**6)),
        "scheduled_days": scheduled,
        "employed_days": employed,
        "absent_days": (absent := draw(st.integers(0, employed))),
        "absent_half_days": draw(st.integers(0, 2 * (employed - absent))),
        "worked_minutes": draw(minutes),
        "late_minutes": draw(minutes),
        "ot_workday_minutes": draw(minutes),
        "ot_restday_minutes": draw(minutes),
        "ot_holiday_minutes": draw(minutes),
        "allowances_fen": draw(money),
        "night_allowance_fen": draw(st.integers(0, 100_000)),
        "si_base_fen": draw(st.one_of(st.just(-1), money)),
        "hf_rate_num": draw(st.integers(0, hf_den)),
        "hf_rate_den": hf_den,
        "special_deductions_fen": draw(st.integers(0, 1_000_000)),
        "other_deductions_fen": draw(st.integers(0, 1_000_000)),
        "ytd_months": ytd_months,
        "ytd_income_fen": ytd_income,
        "ytd_si_hf_fen": ytd(10**8),
        "ytd_special_deductions_fen": ytd(10**7),
        "ytd_other_deductions_fen": ytd(10**7),
        "ytd_tax_withheld_fen": ytd(min(ytd_income, 10**10)),
        "leave_days_unused": draw(st.integers(0, 15)),
        "leave_base_fen": draw(money),
        "part_time": part_time,
        "bonus_fen": bonus,
        "bonus_method": draw(st.sampled_from([-1, 0, 1] if may_separate else [-1, 0])),
        "bonus_separate_used": used,
        "severance_half_months": draw(st.integers(1, 120)) if with_severance else 0,
        "severance_base_fen": draw(money),
        "damages_fen": draw(st.one_of(st.just(0), money)),
    }
    row.update(draw(leave_taken(rules, row)))
    return row, draw(st.lists(piece_record(), max_size=4))


def _columns(batch: list[tuple[dict[str, int], list[dict[str, int]]]]) -> tuple[EmployeeMonthColumns, PieceColumns]:
    rows = [row for row, _ in batch]
    inputs = EmployeeMonthColumns.build(len(rows), **{k: np.array([r[k] for r in rows]) for k in rows[0]})
    records = [item for _, items in batch for item in items]
    offsets = np.cumsum([0] + [len(items) for _, items in batch])
    keys = ("qty", "rejects", "unit_fen", "quota", "unit_above_fen", "coef_num", "coef_den")
    pieces = PieceColumns.build(offsets=offsets, **{k: np.array([r[k] for r in records], dtype=np.int64) for k in keys})
    return inputs, pieces


@st.composite
def pay_month_batch(draw: st.DrawFn) -> tuple[Rules, list[tuple[dict[str, int], list[dict[str, int]]]]]:
    rules = draw(st.sampled_from(PERIODS))
    return rules, draw(st.lists(employee_month(rules), min_size=1, max_size=120))


@settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pay_month_batch())
def test_kernel_equals_reference_to_the_fen(
    drawn: tuple[Rules, list[tuple[dict[str, int], list[dict[str, int]]]]],
) -> None:
    rules, batch = drawn
    inputs, pieces = _columns(batch)
    result = compute(inputs, rules, pieces)
    expected = pay_rows(inputs, pieces, rules, range(len(batch)))
    for i, want in enumerate(expected):
        got = {name: int(getattr(result, name)[i]) for name in OUTPUT_COLUMNS}
        assert got == {name: want[name] for name in OUTPUT_COLUMNS}, f"row {i}: {batch[i]}"
    records = [item for _, items in batch for item in items]
    assert [int(v) for v in result.piece_item_pay_fen] == [piece_pay(item) for item in records]


def test_extremes_equal_the_reference() -> None:
    """Zero pay, cap-level pay, all-overtime months, all-reject records, the largest bonus, severance and damages,
    for every city and pay basis."""
    batch = []
    for city in range(len(RULES.cities)):
        for basis in (0, 1, 2):
            for salary, minutes, si_base in ((0, 0, -1), (10**10, MAX_MIN, 10**10), (3_730_200, MAX_MIN, -1)):
                row = dict.fromkeys(
                    (
                        "hf_rate_num",
                        "hf_rate_den",
                        "special_deductions_fen",
                        "other_deductions_fen",
                        "ytd_months",
                        "ytd_income_fen",
                        "ytd_si_hf_fen",
                        "ytd_special_deductions_fen",
                        "ytd_other_deductions_fen",
                        "ytd_tax_withheld_fen",
                        "night_allowance_fen",
                    ),
                    0,
                )
                row.update(
                    city=city,
                    pay_basis=basis,
                    monthly_salary_fen=salary,
                    hourly_rate_fen=min(salary, 10**6),
                    scheduled_days=31,
                    employed_days=31,
                    absent_days=0,
                    worked_minutes=minutes,
                    late_minutes=minutes,
                    ot_workday_minutes=minutes,
                    ot_restday_minutes=minutes,
                    ot_holiday_minutes=minutes,
                    allowances_fen=salary,
                    si_base_fen=si_base,
                    leave_days_unused=15 if salary else 0,
                    leave_base_fen=salary,
                    part_time=int(basis == 1 and RULES.cities[city].minimum_wage_hourly_fen is not None),
                    bonus_fen=salary,
                    severance_half_months=120 if RULES.cities[city].average_wage_annual_fen is not None else 0,
                    severance_base_fen=salary,
                    damages_fen=salary,
                    # All of the month on leave: a third each paid, unpaid and sick at the full own wage.
                    paid_leave_minutes=31 * 160,
                    unpaid_leave_minutes=31 * 160,
                    sick_leave_minutes=31 * 160,
                    sick_share_num=1,
                    sick_share_den=1,
                )
                items = (
                    [
                        {
                            "qty": 10**5,
                            "rejects": 10**5,
                            "unit_fen": 2 * 10**4,
                            "quota": 0,
                            "unit_above_fen": 0,
                            "coef_num": 10,
                            "coef_den": 1,
                        },
                        {
                            "qty": 10**5,
                            "rejects": 0,
                            "unit_fen": 2 * 10**4,
                            "quota": 1,
                            "unit_above_fen": 2 * 10**4,
                            "coef_num": 10,
                            "coef_den": 1,
                        },
                    ]
                    if salary
                    else []
                )
                batch.append((row, items))
    inputs, pieces = _columns(batch)
    result = compute(inputs, RULES, pieces)
    for i, want in enumerate(pay_rows(inputs, pieces, RULES, range(len(batch)))):
        assert {name: int(getattr(result, name)[i]) for name in OUTPUT_COLUMNS} == {
            name: want[name] for name in OUTPUT_COLUMNS
        }


_SPLIT_DAYS = ("employed_days", "absent_days", "absent_half_days")
_SPLIT_MINUTES = tuple(name for name in SEGMENT_COLUMNS if name.endswith("_minutes"))


def _parts(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """`total` cut at random points into `parts` non-negative parts (in order)."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


@st.composite
def month_with_changes(
    draw: st.DrawFn, rules: Rules
) -> tuple[dict[str, int], list[dict[str, int]], list[dict[str, int]]]:
    """An employee-month cut by random change dates into 1..MAX_SEGMENTS pieces, each with its own rates.

    The change dates fall on random scheduled days: the employed days, then the absences among them, are taken
    in date order, so a piece holds the days between two changes; minutes are cut at random points."""
    row, items = draw(employee_month(rules))
    pieces = draw(st.integers(1, MAX_SEGMENTS))
    employed = row["employed_days"]
    ends = sorted(draw(st.lists(st.integers(0, employed), min_size=pieces - 1, max_size=pieces - 1))) + [employed]
    starts = [0, *ends[:-1]]
    # which employed days (0-based, in date order) are absent, then half absent
    order = draw(st.permutations(range(employed)))
    absent = set(order[: row["absent_days"]])
    free = [d for d in order if d not in absent]
    halves = row["absent_half_days"]
    half_per_day = dict.fromkeys(free, 0)
    for h in range(halves):  # at most 2 per free day
        half_per_day[free[h // 2]] += 1
    minutes = {name: _parts(draw, row[name], pieces) for name in _SPLIT_MINUTES}
    segments = []
    for k in range(pieces):
        days = range(starts[k], ends[k])
        segments.append(
            {
                "monthly_salary_fen": draw(money),
                "hourly_rate_fen": draw(st.integers(0, 10**6)),
                "employed_days": len(days),
                "absent_days": sum(d in absent for d in days),
                "absent_half_days": sum(half_per_day.get(d, 0) for d in days),
                **{name: minutes[name][k] for name in _SPLIT_MINUTES},
            }
        )
    return row, items, segments


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.sampled_from(PERIODS).flatmap(
        lambda r: st.tuples(st.just(r), st.lists(month_with_changes(r), min_size=1, max_size=60))
    )
)
def test_kernel_equals_reference_with_random_change_dates(
    drawn: tuple[Rules, list[tuple[dict[str, int], list[dict[str, int]], list[dict[str, int]]]]],
) -> None:
    """A month cut by dated changes (a raise on the 16th, a transfer on the 10th): every line is the sum over the
    pieces at each piece's rate, rounded once, in the kernel as in the Decimal reference."""
    rules, batch = drawn
    inputs, pieces = _columns([(row, items) for row, items, _ in batch])
    segments = SegmentColumns.build(
        len(batch),
        **{
            name: np.array([[s[name] for s in cut] + [0] * (MAX_SEGMENTS - len(cut)) for _, _, cut in batch])
            for name in SEGMENT_COLUMNS
        },
    )
    result = compute(inputs, rules, pieces, segments=segments)
    expected = pay_rows(inputs, pieces, rules, range(len(batch)), segments)
    for i, want in enumerate(expected):
        got = {name: int(getattr(result, name)[i]) for name in OUTPUT_COLUMNS}
        assert got == {name: want[name] for name in OUTPUT_COLUMNS}, f"row {i}: {batch[i]}"
