"""Property: the numba kernel and the plain-Python reference agree on every fact of every employee-day."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from payroll_core.attendance import Fact, Period, PunchColumns, RosterDay, compute_attendance
from payroll_core.reference.attendance import reference_attendance, reference_summary
from payroll_core.shifts import Bound

# months with a year boundary before them, Spring Festival and 调休, both DST changes, Golden Week
MONTHS = ["2025-01", "2025-10", "2025-12", "2026-02", "2026-03", "2026-05", "2026-10"]


def random_punches(rng: np.random.Generator, roster: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Punches clustered around each day's shift start, breaks and end, with double taps and strays."""
    emp, minute = [], []
    n_emp, n_cols = roster.shape
    for e in range(n_emp):
        for d in range(n_cols):
            if rng.random() < 0.15:
                continue  # a day without punches
            b = bounds[roster[e, d], d]
            marks = [b[Bound.SPAN_START], b[Bound.SPAN_END], *b[Bound.BREAKS :][b[Bound.BREAKS :] > 0]]
            for m in marks:
                if rng.random() < 0.8:
                    t = int(m + rng.normal(0, 45))
                    emp.append(e), minute.append(t)
                    if rng.random() < 0.15:
                        emp.append(e), minute.append(t + int(rng.integers(0, 5)))  # double tap
            for _ in range(int(rng.integers(0, 3))):
                emp.append(e), minute.append(int(rng.integers(b[Bound.WIN_START] - 300, b[Bound.WIN_END] + 300)))
    return np.array(emp, dtype=np.int32), np.array(minute, dtype=np.int64)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    office=st.sampled_from(["shanghai", "dongguan", "urumqi", "berlin", "shanghai-pairs"]),
    month=st.sampled_from(MONTHS),
    n_emp=st.integers(1, 8),
)
def test_kernel_equals_reference(rules, seed, office, month, n_emp):
    rng = np.random.default_rng(seed)
    period = Period.parse(month)
    days = period.days
    own = [i for i, s in enumerate(rules.shifts) if rules.offices[s.office].name == office]
    roster = rng.choice(own, size=(n_emp, len(days) + 1)).astype(np.int32)
    bounds, _ = rules.day_tables([days[0] - (days[1] - days[0]), *days])
    emp, minute = random_punches(rng, roster, bounds)
    order = rng.permutation(emp.size)  # the kernel sorts; the reference must not care either
    result = compute_attendance(PunchColumns(emp[order], minute[order]), roster, rules, period)
    expect = reference_attendance(emp.tolist(), minute.tolist(), roster.tolist(), rules, days[0], len(days))
    for e in range(n_emp):
        for d, want in enumerate(expect[e]):
            got = {f.name.lower(): int(result.facts[e, d, f]) for f in Fact}
            assert got == want, f"employee {e}, {days[d]}, shifts {roster[e, d : d + 2]}"
        got_summary = {k: int(v[e]) for k, v in result.summary.items()}
        assert got_summary == reference_summary(expect[e])


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    office=st.sampled_from(["shanghai", "dongguan", "shanghai-pairs"]),
    month=st.sampled_from(MONTHS),
    n_emp=st.integers(1, 6),
    cycle_length=st.integers(1, 31),
)
def test_kernel_equals_reference_on_rosters(rules, seed, office, month, n_emp, cycle_length):
    """Random rotation cycles (shifts and rest days, night shifts among them) from random start offsets, some
    days left to the calendar (an employee-day no roster decides), against the reference."""
    rng = np.random.default_rng(seed)
    period = Period.parse(month)
    days = period.days
    own = [i for i, s in enumerate(rules.shifts) if rules.offices[s.office].name == office]
    cycle_shift = rng.choice(own, size=cycle_length)
    cycle_day = rng.choice([RosterDay.SHIFT, RosterDay.REST], size=cycle_length, p=[0.6, 0.4])
    offsets = rng.integers(0, cycle_length, size=n_emp)
    columns = (np.arange(len(days) + 1)[None, :] + offsets[:, None]) % cycle_length
    roster = cycle_shift[columns].astype(np.int32)
    roster_day = cycle_day[columns].astype(np.int8)
    roster_day[rng.random(roster_day.shape) < 0.1] = RosterDay.CALENDAR
    bounds, _ = rules.day_tables([days[0] - (days[1] - days[0]), *days])
    emp, minute = random_punches(rng, roster, bounds)
    result = compute_attendance(PunchColumns(emp, minute), roster, rules, period, roster_day)
    expect = reference_attendance(
        emp.tolist(), minute.tolist(), roster.tolist(), rules, days[0], len(days), roster_day.tolist()
    )
    for e in range(n_emp):
        for d, want in enumerate(expect[e]):
            got = {f.name.lower(): int(result.facts[e, d, f]) for f in Fact}
            assert got == want, f"employee {e}, {days[d]}, shifts {roster[e, d : d + 2]}, {roster_day[e, d + 1]}"
        assert {k: int(v[e]) for k, v in result.summary.items()} == reference_summary(expect[e])
