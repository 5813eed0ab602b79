"""The month's roster of an office as a grid: employees × days, each cell the shift worked or None (rest).

A rostered day (`gateway.pay.rosters`) shows its cell; a day no roster decides shows what attendance does
without a roster: the employee's fixed shift on the calendar's workdays (调休 make-up days included), None on rest
days and statutory holidays. So the grid is the roster attendance is computed from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pay.attendance import AttendanceError, fixed_shifts, office_shifts
from gateway.pay.rosters import Cell, employee_crews, resolve_roster, set_days
from gateway.people.rosters import RosterError, find_office
from gateway.store import Department, Employee
from payroll_core.attendance import Period
from payroll_core.calendar import DayType
from payroll_core.errors import RuleDataError
from payroll_core.shifts import Shift


@dataclass(frozen=True)
class GridRow:
    employee: str
    name: str
    department: str | None
    crew: str | None
    cells: list[Cell]
    own: list[bool]  # per day: a cell of its own (set singly or by an assignment) beats the crew and the fixed shift


@dataclass(frozen=True)
class RosterGrid:
    office: str
    period: Period
    shifts: list[Shift]
    rows: list[GridRow]

    @property
    def days(self) -> list[dt.date]:
        return self.period.days

    def headcount(self) -> dict[str, list[int]]:
        """Per shift name, the number of employees rostered on it each day."""
        counts = {s.name: [0] * len(self.days) for s in self.shifts}
        for row in self.rows:
            for d, cell in enumerate(row.cells):
                if cell in counts:
                    counts[cell][d] += 1
        return counts


def month_grid(session: Session, office_name: str, period: Period, only: set[int] | None = None) -> RosterGrid:
    """The grid of every employee of the office employed in `period` (with `only`: those employee ids)."""
    office = find_office(session, office_name)
    first, last = period.days[0], period.days[-1]
    query = select(Employee).where(
        Employee.office_id == office.id,
        (Employee.hired_on.is_(None)) | (Employee.hired_on <= last),
        (Employee.left_on.is_(None)) | (Employee.left_on >= first),
    )
    employees = [e for e in session.scalars(query.order_by(Employee.code)) if only is None or e.id in only]
    try:
        shifts = office_shifts(office)
        if not employees:
            return RosterGrid(office.name, period, shifts, [])
        book, fixed = fixed_shifts(office, employees)
        # day_tables' first day is the day before the period (always RESTDAY): the month starts at column 1
        types = book.day_tables([first - dt.timedelta(days=1), *period.days])[1][:, 1:]
    except (AttendanceError, RuleDataError) as exc:
        raise RosterError(f"office {office.name!r}: {exc}") from None
    cells = resolve_roster(session, [e.id for e in employees], first, last)
    crews = employee_crews(session, [e.id for e in employees])
    own = set_days(session, [e.id for e in employees], first, last)
    departments = {row.id: row.code for row in session.execute(select(Department.id, Department.code))}
    rows = []
    for i, e in enumerate(employees):
        shift = book.shifts[int(fixed[i])]
        calendar = types[shift.office]
        mine = cells.get(e.id, {})
        row = [
            mine[d] if d in mine else (shift.name if calendar[k] == DayType.WORKDAY else None)
            for k, d in enumerate(period.days)
        ]
        crew = crews.get(e.id)
        mine_set = own.get(e.id, set())
        rows.append(GridRow(e.code, e.name, departments.get(e.department_id) if e.department_id else None,
                            crew.code if crew else None, row, [d in mine_set for d in period.days]))  # fmt: skip
    return RosterGrid(office.name, period, shifts, rows)
