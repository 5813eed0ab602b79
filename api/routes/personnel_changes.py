"""What the personnel-change form (转正, 调薪, 调动) reads: whom a manager may submit one for, and the terms beside it.

The change itself is submitted and decided through `/requests` (kind `change`); these reads only fill the form:

- `GET /personnel-changes/team`: a manager's people (the departments they manage and those below, themselves not
  included) — the manager's 我的团队 screen. HR and admin find people on the employee list instead.
- `GET /personnel-changes/{code}/terms?day=`: the employee's terms in force on `day` for the fields a change sets
  (so the form shows 旧 beside 新), and `agreed_pay`, the regular pay agreed at onboarding that 转正 takes by default.
  HR and admin: anyone; a manager: their people (404 for anyone else, like the requests routes).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import not_found, require
from api.db import read
from api.routes.employees import find_employee
from api.routing import ApiRouter
from api.schemas import DateIn
from gateway.access.tokens import Principal
from gateway.people.departments import managed_employee_ids
from gateway.people.employee_terms import terms_as_of, today_of
from gateway.people.personnel_changes import agreed_pay
from gateway.store import Department, Employee, Office

router = ApiRouter(prefix="/personnel-changes", tags=["requests"])
#: The dated-terms fields the change form shows and sets.
FORM_FIELDS = ("pay_basis", "monthly_salary_fen", "hourly_rate_fen", "office", "department", "shift_rule")


class TeamMemberOut(BaseModel):
    code: str
    name: str
    office: str | None
    department: str | None = Field(description="department code")
    department_name: str | None


class ChangeTermsOut(BaseModel):
    employee: str
    day: date = Field(description="the terms are those in force on this day")
    terms: dict[str, Any] = Field(description="pay_basis, monthly_salary_fen, hourly_rate_fen, office, department, "
                                  "shift_rule in force on `day` (fen; office by name, department by code)")  # fmt: skip
    agreed_pay: dict[str, int] = Field(
        description="转正's default: the regular pay agreed at onboarding, in the field of its basis (empty: none)"
    )


def _reachable(session: Session, who: Principal, employee: Employee) -> bool:
    if who.role in ("admin", "hr"):
        return True
    return employee.id in managed_employee_ids(session, who.employee_id or 0)


@router.get("/team")
def team(request: Request, who: Annotated[Principal, require("manager")]) -> list[TeamMemberOut]:
    """The manager's people, by code: whom they may submit a 转正, 调薪 or 调动 for."""
    with read(request) as session:
        ids = managed_employee_ids(session, who.employee_id or 0)
        rows = session.execute(
            select(Employee.code, Employee.name, Office.name, Department.code, Department.name)
            .outerjoin(Office, Office.id == Employee.office_id)
            .outerjoin(Department, Department.id == Employee.department_id)
            .where(Employee.id.in_(ids))
            .order_by(Employee.code)
        )
        return [TeamMemberOut(code=code, name=name, office=office, department=department, department_name=dname)
                for code, name, office, department, dname in rows]  # fmt: skip


@router.get("/{code}/terms")
def change_terms_of(
    request: Request,
    code: str,
    who: Annotated[Principal, require("admin", "hr", "manager")],
    day: Annotated[DateIn | None, Query(description="the day (default: today at the employee's office)")] = None,
) -> ChangeTermsOut:
    """The employee's terms on `day` for the change form, and 转正's default pay."""
    with read(request) as session:
        employee = find_employee(session, code)
        if not _reachable(session, who, employee):
            raise not_found(f"employee {code!r}")
        on = day or today_of(session, employee)
        terms = terms_as_of(session, employee, on)
        return ChangeTermsOut(employee=code, day=on, terms={key: terms[key] for key in FORM_FIELDS},
                              agreed_pay=agreed_pay(session, employee))  # fmt: skip
