"""An employee's month as a calendar (`gateway.pay.month_calendar`): per day the day type, the planned shift,
the punches with their corrections, the figures and a status. HR corrects a punch with the existing
`POST /api/v1/punches/corrections`; the raw punch is never edited."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, get_args

from fastapi import Query, Request
from pydantic import BaseModel, Field

from api.auth import EVERYONE, require
from api.db import read
from api.pay_errors import pay_errors
from api.routes.leave import visible_employee
from api.routing import ApiRouter
from api.schemas import PayMonth, UtcOut
from gateway.access.tokens import Principal
from gateway.pay.dashboard import local_today
from gateway.pay.month_calendar import CorrectionMark, DayKind, DayStatus, month_calendar
from gateway.pay.overtime_rule import calendar_limits
from gateway.store import Office, utcnow

router = ApiRouter(prefix="/employees", tags=["employees"])
_STATUSES = ", ".join(get_args(DayStatus))


class CalendarPunchOut(BaseModel):
    time: str = Field(description="HH:MM in the office's time zone", examples=["08:55"])
    at: UtcOut
    punch_id: int | None = Field(description="the raw punch; null for a punch a correction added")
    correction_id: int | None
    source: str = Field(description="the terminal kind that reported it, or 'correction'")
    correction: CorrectionMark | None = Field(description="added, voided or moved by a correction; null: as punched")
    moved_from: str | None = Field(description="a moved punch's raw time, HH:MM")
    counted: bool = Field(description="False: voided, a double tap, or outside every shift window")


class CalendarDayOut(BaseModel):
    date: dt.date
    day_type: DayKind
    planned_start: str | None = Field(description="HH:MM on workdays (a flexible shift: its core hours)")
    planned_end: str | None
    overnight: bool = Field(description="the planned end is on the next day")
    punches: list[CalendarPunchOut]
    worked_minutes: int
    late_minutes: int
    early_minutes: int
    overtime_minutes: int = Field(
        description="workday, rest day and holiday overtime of the day as the office's overtime rule counts it "
        "(approved requests; time off in lieu included)"
    )
    overtime_over_limit: bool = Field(description="more than 3 hours of overtime on the day (劳动法 art. 41)")
    status: DayStatus = Field(description=f"one of {_STATUSES}")
    leave: dict[str, str] = Field(
        description="approved leave on the day per leave type code, in days of 8 hours (a decimal string)",
        examples=[{"annual": "0.5"}],
    )


class MonthCalendarOut(BaseModel):
    employee: str
    name: str
    office: str
    timezone: str
    period: str
    shift: str
    through: dt.date = Field(description="the summary counts the days up to this one (today, in the current month)")
    days: list[CalendarDayOut]
    summary: dict[str, int] = Field(
        description="scheduled_days, worked_days, absent_days, absent_half_days, late_minutes, early_minutes, "
        "ot_workday_minutes, ot_restday_minutes, ot_holiday_minutes, missing_punches (overtime counted, time off in "
        "lieu included); ot_days_over_limit, ot_minutes_over_day_limit (beyond 3 hours a day), "
        "ot_minutes_over_month_limit (beyond 36 hours), 劳动法 art. 41"
    )
    leave_days: dict[str, str] = Field(
        description="approved leave per leave type code over the days up to `through`, in days of 8 hours",
        examples=[{"annual": "1", "personal": "0.25"}],
    )


@router.get("/{code}/month")
def employee_month(
    request: Request,
    code: str,
    who: Annotated[Principal, require(*EVERYONE)],
    period: Annotated[PayMonth, Query(description="pay month YYYY-MM")],
) -> MonthCalendarOut:
    """The employee's month day by day. An employee sees only their own, a manager also their people's (the
    calendar beside a request in the approval inbox); 404 for anyone else."""
    with read(request) as session, pay_errors():
        employee = visible_employee(session, who, code)
        office = session.get(Office, employee.office_id) if employee.office_id is not None else None
        now = utcnow()
        today = local_today(office, now) if office is not None else dt.date.max
        calendar = month_calendar(session, employee, period, today, now)
    counted = [day.overtime_minutes if day.date <= calendar.through else 0 for day in calendar.days]
    over, limits = calendar_limits(calendar.office, counted)
    return MonthCalendarOut(
        **{key: value for key, value in vars(calendar).items() if key not in ("days", "summary")},
        summary=calendar.summary | limits,
        days=[
            CalendarDayOut(
                **{key: value for key, value in vars(day).items() if key != "punches"},
                punches=[CalendarPunchOut(**vars(p)) for p in day.punches],
                overtime_over_limit=over[n],
            )
            for n, day in enumerate(calendar.days)
        ],
    )
