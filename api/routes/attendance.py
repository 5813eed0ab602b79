"""Attendance of a pay month, computed from the stored punches (and corrections) by payroll_core."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from api.auth import EVERYONE, require
from api.db import read
from api.errors import NotFound
from api.pay_errors import pay_errors
from gateway.access.tokens import Principal
from gateway.pay.attendance import month_attendance, parse_period
from gateway.store import Office

router = APIRouter(prefix="/attendance", tags=["attendance"])
PERIOD = Query(pattern=r"^\d{4}-\d{2}$", description="pay month YYYY-MM", examples=["2026-03"])


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
    period: Annotated[str, PERIOD],
    office: Annotated[str | None, Query(max_length=100, description="office name; all offices when left out")] = None,
) -> AttendanceOut:
    """Per-employee month totals; an employee token sees only its own row."""
    with read(request) as session, pay_errors():
        office_row = None
        if office is not None:
            office_row = session.scalar(select(Office).where(Office.name == office))
            if office_row is None:
                raise NotFound(f"no office named {office!r}")
        result = month_attendance(session, parse_period(period), office_row)
        names = {o.id: o.name for o in session.scalars(select(Office))}
        rows = [
            EmployeeAttendance(employee=e.code, name=e.name, office=names[e.office_id], **result.row(i))  # type: ignore[index]
            for i, e in enumerate(result.employees)
            if who.role != "employee" or e.id == who.employee_id
        ]
        return AttendanceOut(period=period, office=office, employees=rows)
