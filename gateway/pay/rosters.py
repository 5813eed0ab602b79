"""The roster read for pay: which shift employee e works on day d, by the roster tables (`gateway.store.rosters`).

Resolution, per employee and day: the explicit roster cell (`roster_entries`: a shift name, or NULL for a rest
day), else the employee's crew's pattern from the crew's start date, ``cycle[(d - start) mod len(cycle)]`` (days
before the start are not rostered), else nothing: the employee's fixed shift (`shift_rule`) and the office
calendar decide the day, exactly as without rosters. Shift names are those of the office's rule file.
Written by `gateway.people.rosters`; this module only reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pay.id_chunks import by_id_chunks
from gateway.store import Crew, CrewMember, RosterEntry, RosterPattern

#: A rostered day: the shift's name, or None for a rest day.
Cell = str | None


@dataclass(frozen=True)
class CrewRoster:
    """A crew's pattern as resolution needs it."""

    code: str
    start: dt.date
    cycle: tuple[Cell, ...]

    def cell(self, day: dt.date) -> Cell:
        return self.cycle[(day - self.start).days % len(self.cycle)]


def pattern_cycle(pattern: RosterPattern) -> tuple[Cell, ...]:
    return tuple(json.loads(pattern.cycle_json))


def employee_crews(session: Session, employee_ids: list[int]) -> dict[int, CrewRoster]:
    """Each crew member's crew (with its pattern), by employee id."""
    rows = by_id_chunks(
        employee_ids,
        lambda ids: session.execute(
            select(CrewMember.employee_id, Crew.code, Crew.start, RosterPattern)
            .join(Crew, Crew.id == CrewMember.crew_id)
            .join(RosterPattern, RosterPattern.id == Crew.pattern_id)
            .where(CrewMember.employee_id.in_(ids))
        ),
    )
    return {employee_id: CrewRoster(code, start, pattern_cycle(p)) for employee_id, code, start, p in rows}


def resolve_roster(
    session: Session, employee_ids: list[int], first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, Cell]]:
    """The rostered days `first`..`last` per employee id; a day missing from an employee's dict (or an employee
    missing altogether) is not rostered: the fixed shift and the calendar decide it."""
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    out: dict[int, dict[dt.date, Cell]] = {}
    for employee_id, crew in employee_crews(session, employee_ids).items():
        out[employee_id] = {d: crew.cell(d) for d in days if d >= crew.start}
    for employee_id, day, shift in _entries(session, employee_ids, first, last, RosterEntry.shift):
        out.setdefault(employee_id, {})[day] = shift
    return out


def set_days(session: Session, employee_ids: list[int], first: dt.date, last: dt.date) -> dict[int, set[dt.date]]:
    """Per employee id, the days `first`..`last` that have a cell of their own (beating the crew's pattern)."""
    out: dict[int, set[dt.date]] = {}
    for employee_id, day in _entries(session, employee_ids, first, last):
        out.setdefault(employee_id, set()).add(day)
    return out


def _entries(
    session: Session, employee_ids: list[int], first: dt.date, last: dt.date, *more: Any
) -> Iterator[tuple[Any, ...]]:
    """(employee id, day, *more) of the roster cells `first`..`last` of these employees, read in id chunks."""
    return by_id_chunks(
        employee_ids,
        lambda ids: session.execute(
            select(RosterEntry.employee_id, RosterEntry.day, *more).where(
                RosterEntry.employee_id.in_(ids), RosterEntry.day >= first, RosterEntry.day <= last
            )
        ),
    )
