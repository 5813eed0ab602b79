"""Leave: the types an employee's office has (with Chinese names), balances as sums of the ledger, and the ledger.

An employee sees only their own; a manager those of their people (404 for anyone else, like the employee rule);
HR, admin and viewer everyone's. Amounts are integers in the type's smallest step (`steps_per_day` says how
many make a day: 1 day, 2 half days, 480 minutes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import EVERYONE, ensure_visible, not_found, require
from api.db import read
from api.routes.employees import find_employee
from api.routing import ApiRouter
from gateway.access.tokens import Principal
from gateway.people.departments import managed_employee_ids
from gateway.people.leave_ledger import balances, leave_types_of
from gateway.store import Employee, LeaveEntry

router = ApiRouter(prefix="/leave", tags=["leave"])
Year = Annotated[str, Query(pattern=r"^20\d\d$", description="the leave year, e.g. 2026")]


class BalanceOut(BaseModel):
    leave_type: str = Field(description="code, e.g. annual")
    name: str = Field(description="display name, e.g. 年假")
    unit: str = Field(description="day | half_day | hour")
    year: int
    steps: int = Field(description="the balance in the unit's smallest step (a SUM of the ledger)")
    steps_per_day: int


class LedgerRowOut(BaseModel):
    id: int
    leave_type: str
    year: int
    delta: int
    kind: str = Field(description="accrual | use | expiry | adjustment | carry_over")
    request_id: int | None
    created_by: str
    reason: str
    created_at: datetime


def visible_employee(session: Session, who: Principal, code: str | None) -> Employee:
    """The employee `code` names (default: the caller's own), 404 unless the caller may see them."""
    if code is None:
        if who.employee_id is None:
            raise not_found("employee (give employee=CODE)")
        employee = session.get(Employee, who.employee_id)
        assert employee is not None
        return employee
    employee = find_employee(session, code)
    if who.role == "manager":
        if employee.id != who.employee_id and employee.id not in managed_employee_ids(session, who.employee_id or 0):
            raise not_found(f"employee {code!r}")
    else:
        ensure_visible(who, employee.id, f"employee {code!r}")
    return employee


@router.get("/balances")
def list_balances(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    year: Year,
    employee: Annotated[str | None, Query(max_length=32, description="employee code; default: your own")] = None,
) -> list[BalanceOut]:
    """An employee's balance of every leave type of their office for `year`."""
    with read(request) as session:
        row = visible_employee(session, who, employee)
        return [BalanceOut(**b.__dict__) for b in balances(session, row, int(year))]


@router.get("/ledger")
def list_ledger(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    year: Year,
    employee: Annotated[str | None, Query(max_length=32, description="employee code; default: your own")] = None,
    leave_type: Annotated[str | None, Query(max_length=32)] = None,
) -> list[LedgerRowOut]:
    """The ledger rows behind the balances, oldest first."""
    with read(request) as session:
        row = visible_employee(session, who, employee)
        if leave_type is not None and leave_type not in leave_types_of(session, row):
            raise not_found(f"leave type {leave_type!r}")
        query = select(LeaveEntry).where(LeaveEntry.employee_id == row.id, LeaveEntry.year == int(year))
        if leave_type is not None:
            query = query.where(LeaveEntry.leave_type == leave_type)
        return [
            LedgerRowOut(
                id=e.id,
                leave_type=e.leave_type,
                year=e.year,
                delta=e.delta,
                kind=e.kind,
                request_id=e.request_id,
                created_by=e.created_by,
                reason=e.reason,
                created_at=e.created_at,
            )  # fmt: skip
            for e in session.scalars(query.order_by(LeaveEntry.id))
        ]


class LeaveTypeOut(BaseModel):
    code: str = Field(description="e.g. annual; the `leave_type` of a leave request")
    name: str = Field(description="display name, e.g. 年假")
    name_en: str
    unit: str = Field(description="day | half_day | hour: the grid a request's start and end lie on")
    steps_per_day: int
    rest_days_count: bool = Field(description="rest days inside a leave count as leave days")
    attachment_required: bool = Field(description="a request needs an attachment (e.g. a doctor's note)")


@router.get("/types")
def list_leave_types(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    employee: Annotated[str | None, Query(max_length=32, description="employee code; default: your own")] = None,
) -> list[LeaveTypeOut]:
    """The leave types of the employee's office (the rule data with the office's overrides), for a request form."""
    with read(request) as session:
        row = visible_employee(session, who, employee)
        return [
            LeaveTypeOut(code=t.code, name=t.name, name_en=t.name_en, unit=t.unit, steps_per_day=t.steps_per_day,
                         rest_days_count=t.rest_days_count, attachment_required=t.attachment_required)
            for t in leave_types_of(session, row).values()
        ]  # fmt: skip
