"""Pay pipeline throughput: 1,000,000 employee-months through `payroll_core.pipeline.compute`.

Prints employee-months per second for the full pipeline (input validation + the fused numba kernel),
the Decimal reference's rate on a sample of the same rows (checked equal to the fen), their ratio, and
the kernel's first-call time separately (compilation, or loading numba's cache on later runs).
Run: .venv/bin/python benchmarks/payroll.py [rows]
"""

from __future__ import annotations

import sys
import time

import numba
import numpy as np

from payroll_core.columns import OUTPUT_COLUMNS, EmployeeMonthColumns, PieceColumns
from payroll_core.pay import HOURLY, MONTHLY, PIECE
from payroll_core.pipeline import _pay_kernel, compute, validate_inputs
from payroll_core.reference.pay import pay_rows
from payroll_core.rules import Rules, load_rules

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
SAMPLE = 5_000
REPEATS = 3


def workload(rules: Rules, n: int, seed: int = 2026) -> tuple[EmployeeMonthColumns, PieceColumns]:
    """A plant-like mix: 60 % monthly, 15 % hourly, 25 % piece workers with 1–3 piece records each; a December
    month, so up to 11 months before it; 30 % with an annual bonus, 1 % leaving with severance (in the cities with
    an average wage), 2 % with a damages deduction."""
    n_cities = len(rules.cities)
    rng = np.random.default_rng(seed)
    basis = rng.choice([MONTHLY, HOURLY, PIECE], size=n, p=[0.6, 0.15, 0.25])
    scheduled = rng.integers(19, 24, size=n)
    employed = np.where(rng.random(n) < 0.05, rng.integers(0, scheduled + 1), scheduled)
    absent = np.where(rng.random(n) < 0.1, rng.integers(0, employed + 1), 0)
    ytd_months = rng.integers(0, 12, size=n)
    city = rng.integers(0, n_cities, size=n)
    has_average = np.array([c.average_wage_annual_fen is not None for c in rules.cities])[city]
    inputs = EmployeeMonthColumns.build(
        n,
        city=city,
        pay_basis=basis,
        monthly_salary_fen=rng.integers(200_000, 5_000_000, size=n),
        hourly_rate_fen=rng.integers(2_000, 8_000, size=n),
        scheduled_days=scheduled,
        employed_days=employed,
        absent_days=absent,
        worked_minutes=(employed - absent) * 480,
        late_minutes=np.where(rng.random(n) < 0.2, rng.integers(0, 120, size=n), 0),
        ot_workday_minutes=rng.integers(0, 2_400, size=n),
        ot_restday_minutes=np.where(rng.random(n) < 0.4, rng.integers(0, 1_920, size=n), 0),
        ot_holiday_minutes=np.where(rng.random(n) < 0.1, rng.integers(0, 960, size=n), 0),
        allowances_fen=rng.integers(0, 50_000, size=n),
        special_deductions_fen=rng.choice([0, 100_000, 200_000, 350_000], size=n),
        ytd_months=ytd_months,
        ytd_income_fen=ytd_months * rng.integers(200_000, 5_000_000, size=n),
        ytd_si_hf_fen=ytd_months * 80_000,
        ytd_tax_withheld_fen=ytd_months * rng.integers(0, 50_000, size=n),
        bonus_fen=np.where(rng.random(n) < 0.3, rng.integers(100_000, 20_000_000, size=n), 0),
        severance_half_months=np.where(has_average & (rng.random(n) < 0.01), rng.integers(1, 40, size=n), 0),
        severance_base_fen=rng.integers(200_000, 8_000_000, size=n),
        damages_fen=np.where(rng.random(n) < 0.02, rng.integers(0, 200_000, size=n), 0),
    )
    counts = np.where(basis == PIECE, rng.integers(1, 4, size=n), 0)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    m = int(offsets[-1])
    qty = rng.integers(100, 6_000, size=m)
    pieces = PieceColumns.build(
        offsets=offsets,
        qty=qty,
        rejects=rng.integers(0, 50, size=m),
        unit_fen=rng.integers(20, 400, size=m),
        quota=np.where(rng.random(m) < 0.3, qty // 2, 0),
        unit_above_fen=rng.integers(20, 500, size=m),
        coef_num=rng.integers(90, 130, size=m),
        coef_den=np.full(m, 100),
    )
    return inputs, pieces


def main() -> None:
    rules = load_rules("2026-12")
    inputs, pieces = workload(rules, ROWS)
    print(
        f"payroll pipeline: {ROWS:,} employee-months, {len(pieces.qty):,} piece records, "
        f"{numba.get_num_threads()} numba threads, rules {rules.version.split()[0]}"
    )

    small_in, small_pieces = workload(rules, 10, seed=1)
    started = time.perf_counter()
    compute(small_in, rules, small_pieces)
    first = time.perf_counter() - started
    stats = _pay_kernel.stats
    source = "loaded from numba's cache" if stats.cache_hits else "compiled (cache=True keeps it off the next run)"
    print(f"  first call (10 rows): {first:.2f} s, kernel {source}")

    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = compute(inputs, rules, pieces)
        best = min(best, time.perf_counter() - started)
    rate = ROWS / best
    started = time.perf_counter()
    validate_inputs(inputs, pieces, rules, None)
    checks = time.perf_counter() - started
    print(
        f"  pipeline: {best:.3f} s best of {REPEATS} -> {rate:,.0f} employee-months/s "
        f"(of which input validation {checks:.3f} s)"
    )

    sample = np.random.default_rng(7).choice(ROWS, size=min(SAMPLE, ROWS), replace=False)
    started = time.perf_counter()
    expected = pay_rows(inputs, pieces, rules, sample.tolist())
    ref_time = time.perf_counter() - started
    ref_rate = len(sample) / ref_time
    for i, want in zip(sample, expected, strict=True):
        got = {name: int(getattr(result, name)[i]) for name in OUTPUT_COLUMNS}
        if got != {name: want[name] for name in OUTPUT_COLUMNS}:
            raise SystemExit(f"row {i}: kernel and Decimal reference differ")
    print(
        f"  Decimal reference: {len(sample):,} rows in {ref_time:.2f} s -> {ref_rate:,.0f} employee-months/s "
        f"(all equal to the fen)"
    )
    print(f"  ratio pipeline / reference: {rate / ref_rate:,.0f}x")


if __name__ == "__main__":
    main()
