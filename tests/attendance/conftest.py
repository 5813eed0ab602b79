"""Fixtures for attendance tests: the shipped office rules plus test-only offices, and a runner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from payroll_core.attendance import AttendanceResult, Fact, Period, PunchColumns, compute_attendance
from payroll_core.shifts import RuleBook, load_rules

ROOT = Path(__file__).resolve().parents[2]
OFFICE_FILES = sorted((ROOT / "payroll_core/rules/offices").glob("*.toml")) + sorted(
    (Path(__file__).parent / "data").glob("*.toml")
)


@pytest.fixture(scope="session")
def rules() -> RuleBook:
    return load_rules(OFFICE_FILES)


def utc_minute(text: str) -> int:
    """'2026-03-02 09:07 Asia/Shanghai' or '2026-03-02T01:07Z' -> minutes since the epoch."""
    stamp, _, zone = text.rpartition(" ")
    if "/" in zone:
        when = dt.datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(zone))
    else:
        when = dt.datetime.fromisoformat(text)
    return int(when.timestamp()) // 60


Run = Callable[..., AttendanceResult]


@pytest.fixture(scope="session")
def run(rules: RuleBook) -> Run:
    """run("2026-03", ["shanghai/office"], [(0, "2026-03-02 09:00 Asia/Shanghai"), ...])."""

    def _run(
        period: str,
        roster: list[str | list[str]],
        punches: list[tuple[int, str]],
        direction: list[int] | None = None,
        as_of: str | None = None,
    ) -> AttendanceResult:
        def idx(name: str) -> int:
            return rules.shift_index(*name.split("/"))

        shifts = np.array([[idx(n) for n in r] if isinstance(r, list) else idx(r) for r in roster], dtype=np.int32)
        cols = PunchColumns(
            np.array([e for e, _ in punches], dtype=np.int32),
            np.array([utc_minute(t) for _, t in punches], dtype=np.int64),
            None if direction is None else np.array(direction, dtype=np.int8),
        )
        moment = None if as_of is None else utc_minute(as_of)
        return compute_attendance(cols, shifts, rules, Period.parse(period), as_of=moment)

    return _run


def day_facts(result: AttendanceResult, employee: int, date: str) -> dict[str, int]:
    """All facts of one employee-day, by lower-case fact name, for exact comparison."""
    index = (dt.date.fromisoformat(date) - result.period.days[0]).days
    return {f.name.lower(): int(result.facts[employee, index, f]) for f in Fact}


def expected(day_type: int = 0, **values: int) -> dict[str, int]:
    """An expected employee-day: every fact not named is 0."""
    return {f.name.lower(): values.pop(f.name.lower(), 0) for f in Fact} | {"day_type": day_type} | values


@pytest.fixture(scope="session")
def day() -> Callable[[AttendanceResult, int, str], dict[str, int]]:
    return day_facts


@pytest.fixture(scope="session")
def facts() -> Callable[..., dict[str, int]]:
    return expected
