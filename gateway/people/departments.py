"""Departments: a tree per office, each with a manager, and who belongs where.

- A department's parent is in the same office; a move that would put a department under itself is refused.
- The manager is an employee (whose login or token has the `manager` role); a manager sees and decides the
  requests of the people in every department they manage **and all departments below those**
  (`managed_employee_ids`), nobody else's.
- A department with sub-departments or members is not deleted: move them first.
- A move into a department (`move_employees`, `POST /departments/{code}/members`) is a dated terms record
  (`department` from a day on, `gateway.people.employee_terms.change_terms`), refused as any dated change is (a
  locked month names its run); `assign_employees` only places someone who has no dated department yet (onboarding).
Every change is audited (`department.create` / `edit` / `delete`, `employee.department`, `employee.work_start`)
in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.inputs import check_name
from gateway.people.employee_terms import TermsError, change_terms, terms_as_of, today_of
from gateway.store import Department, Employee, Office


class DepartmentError(GatewayError):
    """A department cannot be written as asked; the message says why and how to fix it."""


@dataclass(frozen=True)
class DepartmentView:
    code: str
    name: str
    office: str
    parent: str | None
    manager: str | None  # the manager's employee code
    manager_name: str | None
    members: int


def _find(session: Session, code: str) -> Department:
    row = session.scalar(select(Department).where(Department.code == code))
    if row is None:
        raise DepartmentError(f"department {code!r} does not exist")
    return row


def find_department(session: Session, code: str) -> Department | None:
    return session.scalar(select(Department).where(Department.code == code))


def _employee(session: Session, code: str) -> Employee:
    row = session.scalar(select(Employee).where(Employee.code == code))
    if row is None:
        raise DepartmentError(f"employee {code!r} does not exist")
    return row


def _describe(session: Session, row: Department) -> dict[str, object]:
    view = view_of(session, row)
    return {"code": view.code, "name": view.name, "office": view.office, "parent": view.parent,
            "manager": view.manager}  # fmt: skip


def view_of(session: Session, row: Department) -> DepartmentView:
    office = session.get(Office, row.office_id)
    parent = session.get(Department, row.parent_id) if row.parent_id is not None else None
    manager = session.get(Employee, row.manager_employee_id) if row.manager_employee_id is not None else None
    members = session.scalar(select(func.count()).select_from(Employee).where(Employee.department_id == row.id))
    return DepartmentView(
        code=row.code,
        name=row.name,
        office=office.name if office else "",
        parent=parent.code if parent else None,
        manager=manager.code if manager else None,
        manager_name=manager.name if manager else None,
        members=members or 0,
    )


def list_departments(session: Session, office: str | None = None) -> list[DepartmentView]:
    query = select(Department).join(Office, Department.office_id == Office.id).order_by(Office.name, Department.code)
    if office is not None:
        query = query.where(Office.name == office)
    return [view_of(session, row) for row in session.scalars(query)]


def _check_text(code: str, name: str) -> None:
    if not 1 <= len(code) <= 32 or any(c.isspace() for c in code):
        raise DepartmentError(f"department code {code!r}: use 1 to 32 characters without spaces, e.g. PLANT-QA")
    try:
        check_name(name)
    except ValueError as problem:
        raise DepartmentError(f"department name: {problem}") from None


def _parent(session: Session, office_id: int, parent_code: str | None) -> int | None:
    if parent_code is None:
        return None
    parent = _find(session, parent_code)
    if parent.office_id != office_id:
        raise DepartmentError(f"department {parent_code!r} is in another office: a parent must be in the same office")
    return parent.id


def create_department(
    session: Session, actor: str, *, office: str, code: str, name: str, parent: str | None = None,
    manager: str | None = None,
) -> Department:  # fmt: skip
    _check_text(code, name)
    office_row = session.scalar(select(Office).where(Office.name == office))
    if office_row is None:
        raise DepartmentError(f"no office named {office!r}")
    if find_department(session, code) is not None:
        raise DepartmentError(f"department code {code!r} is taken: choose another")
    row = Department(
        office_id=office_row.id, code=code, name=name, parent_id=_parent(session, office_row.id, parent),
        manager_employee_id=_employee(session, manager).id if manager is not None else None,
    )  # fmt: skip
    session.add(row)
    session.flush()
    append_audit(session, actor, "department.create", f"department:{code}", None, _describe(session, row))
    return row


def edit_department(
    session: Session, actor: str, code: str, *, name: str | None = None, parent: str | None = None,
    clear_parent: bool = False, manager: str | None = None, clear_manager: bool = False,
) -> Department:  # fmt: skip
    row = _find(session, code)
    before = _describe(session, row)
    if name is not None:
        _check_text(code, name)
        row.name = name
    if clear_parent:
        row.parent_id = None
    elif parent is not None:
        parent_id = _parent(session, row.office_id, parent)
        cursor: int | None = parent_id
        while cursor is not None:  # walk up from the new parent: meeting this department would make a loop
            if cursor == row.id:
                raise DepartmentError(f"department {parent!r} is {code!r} itself or below it: choose another parent")
            cursor = session.scalar(select(Department.parent_id).where(Department.id == cursor))
        row.parent_id = parent_id
    if clear_manager:
        row.manager_employee_id = None
    elif manager is not None:
        row.manager_employee_id = _employee(session, manager).id
    session.flush()
    append_audit(session, actor, "department.edit", f"department:{code}", before, _describe(session, row))
    return row


def delete_department(session: Session, actor: str, code: str) -> None:
    row = _find(session, code)
    children = session.scalar(select(func.count()).select_from(Department).where(Department.parent_id == row.id))
    members = session.scalar(select(func.count()).select_from(Employee).where(Employee.department_id == row.id))
    if children or members:
        raise DepartmentError(
            f"department {code!r} still has {children} sub-department(s) and {members} employee(s): move them first"
        )
    before = _describe(session, row)
    session.delete(row)
    session.flush()
    append_audit(session, actor, "department.delete", f"department:{code}", before, None)


def assign_employees(session: Session, actor: str, code: str | None, employee_codes: list[str]) -> None:
    """Put the employees into department `code` (None: into none); all or none, each move audited."""
    department = _find(session, code) if code is not None else None
    for employee_code in employee_codes:
        employee = _employee(session, employee_code)
        if department is not None and employee.office_id != department.office_id:
            raise DepartmentError(
                f"employee {employee_code!r} works in another office than department {code!r}: "
                "a department holds people of its own office"
            )
        before = session.scalar(select(Department.code).where(Department.id == employee.department_id))
        employee.department_id = department.id if department is not None else None
        append_audit(session, actor, "employee.department", f"employee:{employee_code}", {"department": before},
                     {"department": code})  # fmt: skip
    session.flush()


def move_employees(
    session: Session, actor: str, code: str, employee_codes: list[str], effective_from: date | None, reason: str
) -> None:
    """Move the employees into department `code` from `effective_from` on (None: from the day it is at each one's
    office, or their hiring day if they start later): one dated record each, all or none."""
    department = _find(session, code)
    office = session.get_one(Office, department.office_id).name
    for employee_code in employee_codes:
        employee = _employee(session, employee_code)
        day = effective_from or max(today_of(session, employee), employee.hired_on or date.min)
        if terms_as_of(session, employee, day)["office"] != office:
            raise DepartmentError(
                f"employee {employee_code!r} works in another office than department {code!r}: "
                "a department holds people of its own office"
            )
        try:
            change_terms(session, employee, day, {"department": code}, reason, actor)
        except TermsError as error:
            raise DepartmentError(str(error), zh=error.zh) from None


def set_work_start(session: Session, actor: str, employee_code: str, day: date | None) -> None:
    """The day the employee first began work anywhere (参加工作日期): sets the annual-leave entitlement."""
    employee = _employee(session, employee_code)
    if day is not None and employee.hired_on is not None and day > employee.hired_on:
        raise DepartmentError(
            f"work start {day} is after the hire date {employee.hired_on}: the first job anywhere began on or "
            "before this one"
        )
    before = employee.work_started_on
    employee.work_started_on = day
    session.flush()
    append_audit(session, actor, "employee.work_start", f"employee:{employee_code}", {"work_started_on": before},
                 {"work_started_on": day})  # fmt: skip


def subtree_ids(session: Session, roots: set[int]) -> set[int]:
    """`roots` and every department below them."""
    found = set(roots)
    frontier = set(roots)
    while frontier:
        frontier = set(session.scalars(select(Department.id).where(Department.parent_id.in_(frontier)))) - found
        found |= frontier
    return found


def managed_department_ids(session: Session, manager_employee_id: int) -> set[int]:
    roots = set(session.scalars(select(Department.id).where(Department.manager_employee_id == manager_employee_id)))
    return subtree_ids(session, roots)


def managed_employee_ids(session: Session, manager_employee_id: int) -> set[int]:
    """The people whose requests this manager sees and decides (not the manager's own: those go up)."""
    departments = managed_department_ids(session, manager_employee_id)
    if not departments:
        return set()
    ids = set(session.scalars(select(Employee.id).where(Employee.department_id.in_(departments))))
    return ids - {manager_employee_id}
