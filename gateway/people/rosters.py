"""Writing rosters: rotation patterns, crews, bulk assignment and single cells (read by `gateway.pay.rosters`).

- A pattern belongs to an office: a cycle of 1–31 days, each a shift name of the office's rule file or None (a
  rest day). A crew works one pattern from its start date; an employee is in at most one crew.
- `assign_pattern` writes the pattern's days `first`..`last` as roster cells for one employee, a crew, a
  department (and the departments below it) or a list, in one transaction, audited once (`roster.assign`);
  `set_cells` writes single cells (`roster.cells`). Cells beat the crew's pattern; a cell cleared (`clear`) is
  removed, and its day follows the crew's pattern or the employee's fixed shift again.
- Refused, with nothing written: a shift the office's rule file does not have (naming the ones it has), a cycle
  outside 1–31 days, a day outside the employee's employment or a range longer than `MAX_RANGE_DAYS`, a day of
  a month a locked pay run has paid (naming the run), an employee of another office than the pattern's.
Every function works inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.inputs import check_name
from gateway.pay.attendance import AttendanceError, office_shifts
from gateway.pay.piece_import import locked_periods
from gateway.pay.rosters import Cell, pattern_cycle
from gateway.people.departments import subtree_ids
from gateway.store import Crew, CrewMember, Department, Employee, Office, RosterEntry, RosterPattern

MAX_CYCLE = 31
MAX_RANGE_DAYS = 366


class RosterError(GatewayError):
    """A roster cannot be written as asked; the message says what, where and how to fix it."""


@dataclass(frozen=True)
class CellInput:
    employee: str  # employee code
    day: dt.date
    shift: Cell
    clear: bool = False  # remove the day's own cell instead (`shift` is then ignored)


@dataclass(frozen=True)
class Targets:
    """Whom an assignment is for: any of employee codes, a crew code, a department code (and below)."""

    employees: Sequence[str] = ()
    crew: str | None = None
    department: str | None = None


def _check_name(name: str) -> None:
    try:
        check_name(name)
    except ValueError as exc:
        raise RosterError(f"name: {exc}") from None


def find_office(session: Session, name: str) -> Office:
    office = session.scalar(select(Office).where(Office.name == name))
    if office is None:
        known = ", ".join(session.scalars(select(Office.name).order_by(Office.name)))
        raise RosterError(
            f"office {name!r} does not exist; the offices are: {known}",
            zh=f"办公地点 {name!r} 不存在；现有办公地点：{known}",
        )
    return office


def shift_names(office: Office) -> list[str]:
    try:
        return [s.name for s in office_shifts(office)]
    except AttendanceError as exc:
        raise RosterError(f"office {office.name!r}: {exc}") from None


def check_shift(office: Office, shift: Cell, where: str, known: list[str] | None = None) -> None:
    """Raise unless `shift` is None (rest) or a shift of the office's rule file; `where` says which cell."""
    known = known if known is not None else shift_names(office)
    if shift is not None and shift not in known:
        raise RosterError(
            f"{where}: shift {shift!r} does not exist in office {office.name!r}; known: {', '.join(known)}",
            zh=f"{where}：办公地点 {office.name!r} 没有班次 {shift!r}；现有班次：{', '.join(known)}",
        )


def check_cycle(office: Office, cycle: Sequence[Cell]) -> None:
    if not 1 <= len(cycle) <= MAX_CYCLE:
        raise RosterError(f"cycle: {len(cycle)} days; a pattern's cycle has 1 to {MAX_CYCLE} days")
    known = shift_names(office)
    for k, shift in enumerate(cycle, start=1):
        check_shift(office, shift, f"cycle day {k}", known)


def create_pattern(
    session: Session, actor: str, *, office: str, code: str, name: str, cycle: Sequence[Cell]
) -> RosterPattern:
    row_office = find_office(session, office)
    _check_name(name)
    check_cycle(row_office, cycle)
    if session.scalar(
        select(RosterPattern.id).where(RosterPattern.office_id == row_office.id, RosterPattern.code == code)
    ):
        raise RosterError(f"office {office!r} already has a roster pattern {code!r}; pick another code")
    row = RosterPattern(office_id=row_office.id, code=code, name=name, cycle_json=json.dumps(list(cycle)))
    session.add(row)
    session.flush()
    append_audit(session, actor, "roster_pattern.create", f"roster_pattern:{office}/{code}", None,
                 {"name": name, "cycle": list(cycle)})  # fmt: skip
    return row


def find_pattern(session: Session, office: Office, code: str) -> RosterPattern:
    row = session.scalar(select(RosterPattern).where(RosterPattern.office_id == office.id, RosterPattern.code == code))
    if row is None:
        known = ", ".join(session.scalars(select(RosterPattern.code).where(RosterPattern.office_id == office.id)))
        raise RosterError(
            f"office {office.name!r} has no roster pattern {code!r}; its patterns: {known or 'none yet'}",
            zh=f"办公地点 {office.name!r} 没有排班规律 {code!r}；现有排班规律：{known or '暂无'}",
        )
    return row


def list_patterns(session: Session, office: Office | None) -> list[tuple[RosterPattern, str]]:
    """Patterns with their office's name, by office and code."""
    query = select(RosterPattern, Office.name).join(Office, Office.id == RosterPattern.office_id)
    if office is not None:
        query = query.where(Office.id == office.id)
    return [(p, o) for p, o in session.execute(query.order_by(Office.name, RosterPattern.code))]


def _employees(session: Session, office: Office, codes: Iterable[str]) -> list[Employee]:
    wanted = list(dict.fromkeys(codes))
    found = {e.code: e for e in session.scalars(select(Employee).where(Employee.code.in_(wanted)))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise RosterError(
            f"no employee with code {', '.join(missing)}; check the codes",
            zh=f"没有工号为 {', '.join(missing)} 的员工：请检查工号",
        )
    other = [c for c in wanted if found[c].office_id != office.id]
    if other:
        raise RosterError(
            f"employee {', '.join(other)} is not in office {office.name!r}; roster them in their own office",
            zh=f"员工 {', '.join(other)} 不在办公地点 {office.name!r}：请在其所属办公地点排班",
        )
    return [found[c] for c in wanted]


def create_crew(
    session: Session, actor: str, *, office: str, code: str, name: str, pattern: str, start: dt.date,
    members: Sequence[str] = (),
) -> Crew:  # fmt: skip
    """A crew working `pattern` from `start`; `members` (employee codes) move into it from any other crew."""
    row_office = find_office(session, office)
    _check_name(name)
    found = find_pattern(session, row_office, pattern)
    if session.scalar(select(Crew.id).where(Crew.office_id == row_office.id, Crew.code == code)):
        raise RosterError(f"office {office!r} already has a crew {code!r}; pick another code")
    people = _employees(session, row_office, members)
    row = Crew(office_id=row_office.id, code=code, name=name, pattern_id=found.id, start=start)
    session.add(row)
    session.flush()
    if people:
        session.execute(delete(CrewMember).where(CrewMember.employee_id.in_([e.id for e in people])))
        session.add_all(CrewMember(employee_id=e.id, crew_id=row.id) for e in people)
    append_audit(session, actor, "crew.create", f"crew:{office}/{code}", None,
                 {"name": name, "pattern": pattern, "start": start.isoformat(), "members": list(members)})  # fmt: skip
    return row


def list_crews(session: Session, office: Office | None) -> list[tuple[Crew, str, str, list[str]]]:
    """Crews with office name, pattern code and member codes, by office and code."""
    query = (
        select(Crew, Office.name, RosterPattern.code)
        .join(Office, Office.id == Crew.office_id)
        .join(RosterPattern, RosterPattern.id == Crew.pattern_id)
    )
    if office is not None:
        query = query.where(Office.id == office.id)
    members: dict[int, list[str]] = {}
    for crew_id, employee_code in session.execute(
        select(CrewMember.crew_id, Employee.code)
        .join(Employee, Employee.id == CrewMember.employee_id)
        .order_by(Employee.code)
    ):
        members.setdefault(crew_id, []).append(employee_code)
    return [(c, o, p, members.get(c.id, [])) for c, o, p in session.execute(query.order_by(Office.name, Crew.code))]


def _refuse_locked(session: Session, days: Iterable[dt.date]) -> None:
    periods = sorted({f"{d:%Y-%m}" for d in days})
    locked = locked_periods(session, periods)
    for period in periods:
        if period in locked:
            raise RosterError(
                f"{period} is already paid in locked pay run {locked[period]}: its roster cannot change any more; "
                "roster from the next unpaid month",
                zh=f"{period} 的工资已由已锁定的工资核算 {locked[period]} 发放：已锁定的工资月份不能再改排班；"
                "请从下一个未发薪的月份开始排班",
            )


def _check_employed(employee: Employee, day: dt.date) -> None:
    if (employee.hired_on is not None and day < employee.hired_on) or (
        employee.left_on is not None and day > employee.left_on
    ):
        raise RosterError(
            f"employee {employee.code}, {day}: outside their employment ({employee.hired_on or '…'} to "
            f"{employee.left_on or '…'}); roster only days they are employed",
            zh=f"员工 {employee.code}，{day}：不在其在职期间（{employee.hired_on or '…'} 至 "
            f"{employee.left_on or '…'}）；只能为在职的日子排班",
        )


def _write(
    session: Session, cells: list[tuple[Employee, dt.date, Cell]], cleared: Sequence[tuple[Employee, dt.date]] = ()
) -> None:
    """Upsert the cells (one row per employee and day) and delete the `cleared` ones."""
    for employee, day, _shift in cells:
        _check_employed(employee, day)
    _refuse_locked(session, {day for _, day, _ in cells} | {day for _, day in cleared})
    for employee, day in cleared:
        session.execute(delete(RosterEntry).where(RosterEntry.employee_id == employee.id, RosterEntry.day == day))
    if not cells:
        return
    ids = list({e.id for e, _, _ in cells})
    days = [d for _, d, _ in cells]
    existing = {
        (r.employee_id, r.day): r
        for r in session.scalars(
            select(RosterEntry).where(
                RosterEntry.employee_id.in_(ids), RosterEntry.day >= min(days), RosterEntry.day <= max(days)
            )
        )
    }
    for employee, day, shift in cells:
        row = existing.get((employee.id, day))
        if row is None:
            row = RosterEntry(employee_id=employee.id, day=day, shift=shift)
            session.add(row)
            existing[(employee.id, day)] = row
        else:
            row.shift = shift


def set_cells(session: Session, actor: str, office: str, cells: Sequence[CellInput]) -> int:
    """Write single roster cells of `office`'s employees, all or none; the number written."""
    if not cells:
        return 0
    row_office = find_office(session, office)
    known = shift_names(row_office)
    people = {e.code: e for e in _employees(session, row_office, (c.employee for c in cells))}
    for k, cell in enumerate(cells, start=1):
        if not cell.clear:
            check_shift(row_office, cell.shift, f"cell {k} ({cell.employee}, {cell.day})", known)
    _write(
        session,
        [(people[c.employee], c.day, c.shift) for c in cells if not c.clear],
        [(people[c.employee], c.day) for c in cells if c.clear],
    )
    written = [{"employee": c.employee, "day": c.day.isoformat()} | ({"clear": True} if c.clear else {"shift": c.shift})
               for c in cells]  # fmt: skip
    append_audit(session, actor, "roster.cells", f"roster:{office}", None, written)
    return len(cells)


def _targets(session: Session, office: Office, targets: Targets) -> list[Employee]:
    codes = list(targets.employees)
    if targets.crew is not None:
        crew = session.scalar(select(Crew).where(Crew.office_id == office.id, Crew.code == targets.crew))
        if crew is None:
            raise RosterError(
                f"office {office.name!r} has no crew {targets.crew!r}",
                zh=f"办公地点 {office.name!r} 没有班组 {targets.crew!r}",
            )
        codes += session.scalars(
            select(Employee.code)
            .join(CrewMember, CrewMember.employee_id == Employee.id)
            .where(CrewMember.crew_id == crew.id)
        )
    if targets.department is not None:
        department = session.scalar(select(Department).where(Department.code == targets.department))
        if department is None or department.office_id != office.id:
            raise RosterError(
                f"office {office.name!r} has no department {targets.department!r}",
                zh=f"办公地点 {office.name!r} 没有部门 {targets.department!r}",
            )
        below = subtree_ids(session, {department.id})
        codes += session.scalars(select(Employee.code).where(Employee.department_id.in_(below)))
    if not codes:
        raise RosterError(
            "nobody to assign: name employees, a crew with members or a department with members",
            zh="没有可排班的人：请指定员工、有成员的班组或有成员的部门",
        )
    return _employees(session, office, codes)


def assign_pattern(
    session: Session, actor: str, *, office: str, pattern: str, start: dt.date, first: dt.date, last: dt.date,
    targets: Targets,
) -> int:  # fmt: skip
    """Write `pattern` (day 1 of its cycle on `start`) as the cells `first`..`last` of every target employee,
    skipping days outside an employee's employment; all or none; the number of cells written."""
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise RosterError(
            f"range {first} to {last}: give a first day on or before the last, at most {MAX_RANGE_DAYS} days",
            zh=f"日期范围 {first} 至 {last}：开始日期须不晚于结束日期，最长 {MAX_RANGE_DAYS} 天",
        )
    row_office = find_office(session, office)
    cycle = pattern_cycle(find_pattern(session, row_office, pattern))
    people = _targets(session, row_office, targets)
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    cells = [
        (e, d, cycle[(d - start).days % len(cycle)])
        for e in people
        for d in days
        if (e.hired_on is None or d >= e.hired_on) and (e.left_on is None or d <= e.left_on)
    ]
    if cells:
        _write(session, cells)
    append_audit(session, actor, "roster.assign", f"roster:{office}", None,
                 {"pattern": pattern, "start": start.isoformat(), "first": first.isoformat(),
                  "last": last.isoformat(), "employees": [e.code for e in people], "cells": len(cells)})  # fmt: skip
    return len(cells)
