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
from dataclasses import dataclass

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
    entries = by_id_chunks(
        employee_ids,
        lambda ids: session.execute(
            select(RosterEntry.employee_id, RosterEntry.day, RosterEntry.shift).where(
                RosterEntry.employee_id.in_(ids), RosterEntry.day >= first, RosterEntry.day <= last
            )
        ),
    )
    for employee_id, day, shift in entries:
        out.setdefault(employee_id, {})[day] = shift
    return out
