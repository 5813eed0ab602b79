"""The simulated terminal's users and log: exact sizes, determinism, and the shapes tests rely on."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from simulators.zk_data import FIRST_PIN, UNKNOWN_PIN_BASE, generate_records, generate_users


@pytest.fixture(scope="module")
def log():
    users = generate_users(50, seed=1, layout=72)
    return users, generate_records(users, 20_000, seed=1, layout=40)


def test_exact_counts_and_badges() -> None:
    users = generate_users(50, seed=3, layout=72)
    assert len(users) == 50
    assert [u.uid for u in users] == list(range(1, 51))
    assert [u.user_id for u in users] == [str(FIRST_PIN + i) for i in range(50)]
    assert len(generate_records(users, 12_345, seed=3, layout=40)) == 12_345


def test_same_seed_same_log_other_seed_other_log(log) -> None:
    users, records = log
    assert generate_records(users, 20_000, seed=1, layout=40) == records
    assert generate_records(users, 20_000, seed=2, layout=40) != records


def test_log_is_in_time_order_without_duplicate_keys(log) -> None:
    _, records = log
    assert [r.timestamp for r in records] == sorted(r.timestamp for r in records)
    assert len({(r.user_id, r.timestamp) for r in records}) == len(records)


def test_log_has_day_and_night_shifts_double_taps_and_unknown_badges(log) -> None:
    users, records = log
    known = {u.user_id for u in users}
    unknown = {r.user_id for r in records} - known
    assert unknown and all(UNKNOWN_PIN_BASE <= int(pin) < UNKNOWN_PIN_BASE + 20 for pin in unknown)
    assert {r.punch for r in records} == {0, 1}
    assert {r.status for r in records} == {1, 4, 15}
    # night shift: a check-out between 04:00 and 06:00
    assert any(r.punch == 1 and 4 <= r.timestamp.hour < 6 for r in records)
    # lunch: check-outs around noon
    assert any(r.punch == 1 and r.timestamp.hour in (11, 12) for r in records)
    taps = [
        (a, b)
        for a, b in pairwise(records)
        if a.user_id == b.user_id and timedelta(0) < b.timestamp - a.timestamp < timedelta(seconds=10)
    ]
    assert taps


def test_workcodes_only_in_the_16_byte_layout() -> None:
    users = generate_users(10, seed=1, layout=28)
    assert {r.workcode for r in generate_records(users, 2000, seed=1, layout=40)} == {0}
    assert {r.workcode for r in generate_records(users, 2000, seed=1, layout=16)} == {0, 1, 2}


def test_28_byte_layout_names_fit_eight_bytes() -> None:
    assert all(len(u.name.encode()) <= 8 for u in generate_users(200, seed=1, layout=28))
    assert any(len(u.name.encode()) > 8 for u in generate_users(200, seed=1, layout=72))


def test_bad_sizes_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="records need at least one user: pass users >= 1"):
        generate_records([], 1, seed=1, layout=40)
    with pytest.raises(ValueError, match="users must be between 0 and 64000, got 64001"):
        generate_users(64_001, seed=1, layout=72)
