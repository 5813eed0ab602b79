"""Attendance kernel throughput: punches per second, against the plain-Python reference.

    .venv/bin/python benchmarks/attendance.py [--punches 30000000] [--sample-employees 300]

Synthetic month (2026-03) for the shipped offices: every employee on one shift of Shanghai,
Dongguan (day or night, paired punches) or Urumqi, about 4 punches a day around the shift start,
the meal break and the end, 10 % double taps, 15 % of days without punches. Input is generated
sorted by (employee, minute), so the timing is the kernel plus compute_attendance's O(n) sortedness
check and day tables; the numba compile (or cache load) is timed separately on a tiny input. The
reference runs on the first `--sample-employees` employees in the same run, and its facts are
checked equal to the kernel's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numba
import numpy as np

from payroll_core.attendance import AttendanceResult, Fact, Period, PunchColumns, _attendance_kernel, compute_attendance
from payroll_core.reference.attendance import reference_attendance
from payroll_core.shifts import Bound, load_rules

ROOT = Path(__file__).resolve().parents[1]
PERIOD = Period(2026, 3)
PUNCHES_PER_DAY = 4 * 0.85 * 1.1


def synthetic(rules, n_employees: int, rng: np.random.Generator) -> tuple[np.ndarray, PunchColumns]:
    days = PERIOD.days
    bounds, _ = rules.day_tables([days[0] - dt.timedelta(days=1), *days])
    shift_ids = np.array(
        [
            rules.shift_index(o, s)
            for o, s in [("shanghai", "office"), ("dongguan", "day"), ("dongguan", "night"), ("urumqi", "office")]
        ]
    )
    roster = rng.choice(shift_ids, size=n_employees).astype(np.int32)
    b = bounds[roster]  # [emp, day, bound]
    marks = np.stack(
        [b[..., Bound.SPAN_START], b[..., Bound.BREAKS], b[..., Bound.BREAKS + 1], b[..., Bound.SPAN_END]], axis=-1
    )  # [emp, day, 4]
    minute = marks + rng.normal(0, 15, size=marks.shape).astype(np.int64)
    keep = np.repeat(rng.random(marks.shape[:2]) >= 0.15, 4, axis=1).reshape(marks.shape)
    emp = np.broadcast_to(np.arange(n_employees, dtype=np.int32)[:, None, None], marks.shape)
    emp, minute = emp[keep], minute[keep]
    tap = rng.random(minute.size) < 0.10
    emp = np.concatenate([emp, emp[tap]])
    minute = np.concatenate([minute, minute[tap] + rng.integers(0, 2, tap.sum())])
    order = np.lexsort((minute, emp))
    return roster, PunchColumns(emp[order], minute[order])


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--punches", type=int, default=30_000_000)
    ap.add_argument("--sample-employees", type=int, default=300)
    args = ap.parse_args()
    rules = load_rules(sorted((ROOT / "payroll_core/rules/offices").glob("*.toml")))
    rng = np.random.default_rng(7)

    t0 = time.perf_counter()
    tiny_roster, tiny = synthetic(rules, 2, rng)
    compute_attendance(tiny, tiny_roster, rules, PERIOD)
    first_call = time.perf_counter() - t0
    stats = _attendance_kernel.stats
    print(
        f"numba first call (compile or cache load): {first_call:.2f} s "
        f"(cache hits {sum(stats.cache_hits.values())}, misses {sum(stats.cache_misses.values())})"
    )

    n_emp = int(args.punches / (len(PERIOD.days) + 1) / PUNCHES_PER_DAY)
    t0 = time.perf_counter()
    roster, punches = synthetic(rules, n_emp, rng)
    n = punches.employee.size
    print(
        f"generated {n:,} punches for {n_emp:,} employees x {len(PERIOD.days)} days in {time.perf_counter() - t0:.1f} s"
    )

    result: AttendanceResult | None = None

    def kernel() -> None:
        nonlocal result
        result = compute_attendance(punches, roster, rules, PERIOD)

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    one = best_of(2, kernel)
    numba.set_num_threads(threads)
    many = best_of(2, kernel)
    print(f"kernel, 1 thread : {one:.2f} s  {n / one:,.0f} punches/s")
    print(f"kernel, {threads} threads: {many:.2f} s  {n / many:,.0f} punches/s")

    k = args.sample_employees
    cut = int(np.searchsorted(punches.employee, k))
    full_roster = np.repeat(roster[:k, None], len(PERIOD.days) + 1, axis=1).tolist()
    t0 = time.perf_counter()
    expect = reference_attendance(
        punches.employee[:cut].tolist(),
        punches.utc_minute[:cut].tolist(),
        full_roster,
        rules,
        PERIOD.days[0],
        len(PERIOD.days),
    )
    ref = time.perf_counter() - t0
    assert result is not None
    got = [
        [{f.name.lower(): int(result.facts[e, d, f]) for f in Fact} for d in range(len(PERIOD.days))] for e in range(k)
    ]
    assert got == expect, "kernel and reference disagree on the sample"
    print(f"reference        : {ref:.2f} s for {cut:,} punches ({k} employees)  {cut / ref:,.0f} punches/s")
    print(
        f"ratio kernel/reference: {(n / one) / (cut / ref):,.0f}x on 1 thread, "
        f"{(n / many) / (cut / ref):,.0f}x on {threads} threads"
    )


if __name__ == "__main__":
    main()
