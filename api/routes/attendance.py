"""Attendance of a pay month, computed from the stored punches (and corrections) by payroll_core."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import EVERYONE, require, visible_employee_id
from api.db import read
from api.errors import NotFound
from api.pay_errors import pay_errors
from api.routing import ApiRouter
from api.schemas import PayMonth
from gateway.access.tokens import Principal
from gateway.pay.attendance import month_attendance, parse_period
from gateway.pay.dashboard import local_today
from gateway.store import Office, utcnow

router = ApiRouter(prefix="/attendance", tags=["attendance"])


class OvertimeCounted(BaseModel):
    """What the office's overtime rule (request-policy.toml `overtime_counting`) made of the punches' overtime."""

    in_lieu_minutes: int = Field(description="rest-day overtime taken as time off in lieu (调休): counted, not paid")
    days_over_day_limit: int = Field(description="days with more than 3 hours of overtime (劳动法 art. 41)")
    minutes_over_day_limit: int = Field(description="overtime beyond 3 hours, summed over those days")
    minutes_over_month_limit: int = Field(description="the month's overtime beyond 36 hours")


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
    overtime: OvertimeCounted = Field(description="ot_*_minutes above are the paid overtime; this is the rest")
    paid_leave_minutes: int = Field(description="approved paid leave on workdays (a day is 480 minutes)")
    unpaid_leave_minutes: int = Field(description="approved unpaid leave on workdays (事假 and the like)")
    sick_leave_minutes: int = Field(description="approved sick leave on workdays")
    leave_days: dict[str, str] = Field(
        description="approved leave per leave type code, in days of 8 hours (rest days too where the type counts them)",
        examples=[{"annual": "1.5", "personal": "0.25"}],
    )
    consecutive_days_max: int = Field(
        description="the longest run of worked days in the month; more than 6 is flagged (劳动法 art. 38)"
    )
    wts_period_minutes: int = Field(
        description="comprehensive hours (综合计算工时): minutes worked so far in the period (running balance)"
    )
    wts_standard_minutes: int = Field(description="comprehensive hours: the period's standard minutes; 0 otherwise")
    wts_settled_minutes: int = Field(
        description="comprehensive hours: overtime beyond the standard settled this month (in ot_workday_minutes)"
    )
    counted_through: dt.date | None = Field(
        description="for a month in progress, the office's today: later days count as neither worked nor absent"
    )


class AttendanceOut(BaseModel):
    period: str
    office: str | None
    employees: list[EmployeeAttendance]


def _overtime(row: dict[str, int]) -> OvertimeCounted:
    return OvertimeCounted(
        in_lieu_minutes=row["ot_in_lieu_minutes"],
        days_over_day_limit=row["ot_days_over_limit"],
        minutes_over_day_limit=row["ot_minutes_over_day_limit"],
        minutes_over_month_limit=row["ot_minutes_over_month_limit"],
    )


@router.get("")
def get_attendance(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    period: Annotated[PayMonth, Query(description="pay month YYYY-MM")],
    office: Annotated[str | None, Query(max_length=100, description="office name; all offices when left out")] = None,
    employee: Annotated[str | None, Query(max_length=32, description="only this employee (code)")] = None,
) -> AttendanceOut:
    """Per-employee month totals. With `employee`, or for an employee token (always its own row), only that
    employee's punches are read and computed. A month in progress counts up to each office's today
    (`counted_through`), so the days still to come are not absences."""
    with read(request) as session, pay_errors():
        office_row = None
        if office is not None:
            office_row = session.scalar(select(Office).where(Office.name == office))
            if office_row is None:
                raise NotFound(f"no office named {office!r}")
        only = visible_employee_id(session, who, employee)
        month = parse_period(period)
        offices = list(session.scalars(select(Office)))
        now = utcnow()
        today = {o.id: local_today(o, now) for o in offices}
        in_progress = {key: day for key, day in today.items() if day <= month.days[-1]}
        result = month_attendance(session, month, office_row, only=only, through=today)
        names = {o.id: o.name for o in offices}
        rows = [
            EmployeeAttendance(
                employee=e.code,
                name=e.name,
                office=names[e.office_id],  # type: ignore[index]
                counted_through=in_progress.get(e.office_id),  # type: ignore[arg-type]
                overtime=_overtime(result.row(i)),
                **result.row(i),
                leave_days=result.leave.days_by_type(i) if result.leave is not None else {},
            )
            for i, e in enumerate(result.employees)
        ]
        return AttendanceOut(period=period, office=office, employees=rows)
