"""Attendance of a pay month, computed from the stored punches (and corrections) by payroll_core."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from api.auth import EVERYONE, require, visible_employee_id
from api.db import read
from api.errors import NotFound
from api.pay_errors import pay_errors
from api.schemas import PayMonth
from gateway.access.tokens import Principal
from gateway.pay.attendance import month_attendance, parse_period
from gateway.store import Office

router = APIRouter(prefix="/attendance", tags=["attendance"])


class EmployeeAttendance(BaseModel):
    employee: str
    name: str
    office: str
    scheduled_days: int
    employed_days: int
    worked_days: int
    absent_days: int
    absent_half_days: int
    late_minutes: int
    early_minutes: int
    worked_minutes: int
    ot_workday_minutes: int
    ot_restday_minutes: int
    ot_holiday_minutes: int
    missing_punches: int


class AttendanceOut(BaseModel):
    period: str
    office: str | None
    employees: list[EmployeeAttendance]


@router.get("")
def get_attendance(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    period: Annotated[PayMonth, Query(description="pay month YYYY-MM")],
    office: Annotated[str | None, Query(max_length=100, description="office name; all offices when left out")] = None,
    employee: Annotated[str | None, Query(max_length=32, description="only this employee (code)")] = None,
) -> AttendanceOut:
    """Per-employee month totals. With `employee`, or for an employee token (always its own row), only that
    employee's punches are read and computed."""
    with read(request) as session, pay_errors():
        office_row = None
        if office is not None:
            office_row = session.scalar(select(Office).where(Office.name == office))
            if office_row is None:
                raise NotFound(f"no office named {office!r}")
        only = visible_employee_id(session, who, employee)
        result = month_attendance(session, parse_period(period), office_row, only=only)
        names = {o.id: o.name for o in session.scalars(select(Office))}
        rows = [
            EmployeeAttendance(employee=e.code, name=e.name, office=names[e.office_id], **result.row(i))  # type: ignore[index]
            for i, e in enumerate(result.employees)
        ]
        return AttendanceOut(period=period, office=office, employees=rows)
