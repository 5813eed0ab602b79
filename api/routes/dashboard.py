"""The HR dashboard's figures in one request: today per office, terminal health, month trends per office.

Today comes from `gateway.pay.dashboard.offices_today` (the attendance kernel on each office's own date),
terminals from `gateway.devices.health` (the same state `GET /devices` shows), trends from the stored
payslips of the last six computed or locked months (`gateway.pay.dashboard.trends`). Rates are in basis
points (1/10,000), money in fen; every trend list is aligned with `trends.months`. Today and the trends are
served from the process's `gateway.pay.dashboard.FiguresCache` while their inputs are unchanged; terminals are
read every time (they are cheap and change with every poll).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import READERS, Credentials, Presented, authorize
from api.db import read_each
from api.pay_errors import pay_errors
from api.routes.devices import problem_out
from api.routing import ApiRouter
from api.schemas import DateIn, DeviceProblemOut, DeviceState, UtcOut
from gateway.devices.health import terminals_health
from gateway.pay.dashboard import FiguresCache
from gateway.store import utcnow

router = ApiRouter(prefix="/dashboard", tags=["dashboard"])


class OfficeTodayOut(BaseModel):
    office: str
    timezone: str
    date: dt.date = Field(description="the office's own date (its time zone) the figures are for")
    headcount: int = Field(description="employees employed on that date")
    present: int = Field(description="punched and not absent")
    late: int = Field(description="late beyond the shift's grace (judged once the day's punches are paired)")
    absent: int = Field(description="a workday without a punch, or with too little time for any of it to count")
    missing_punch: int = Field(description="an unpaired punch: during the day, everyone in who has not punched out")
    on_leave: int = Field(
        description="employed today with approved leave covering part of the day (not counted absent)"
    )


class TerminalOut(BaseModel):
    name: str
    sn: str | None
    office: str | None
    kind: str
    state: DeviceState
    problems: list[DeviceProblemOut]
    last_success_at: UtcOut | None


class OfficeTrendOut(BaseModel):
    office: str
    headcount: list[int] = Field(description="payslips of the month")
    late_rate_bp: list[int] = Field(description="迟到率: employees late at least once ÷ headcount, basis points")
    absence_rate_bp: list[int] = Field(description="缺勤率: absent days ÷ scheduled days while employed, basis points")
    ot_minutes_per_employee: list[int] = Field(description="overtime minutes (all day types) ÷ headcount")
    gross_fen: list[int]
    net_fen: list[int]


class TrendsOut(BaseModel):
    months: list[str] = Field(description="up to six pay months with a computed or locked run, oldest first")
    ot_limit_minutes: int = Field(description="the statutory monthly overtime limit (36 hours)")
    offices: list[OfficeTrendOut]


class DashboardOut(BaseModel):
    generated_at: UtcOut
    offices: list[OfficeTodayOut]
    terminals: list[TerminalOut]
    trends: TrendsOut


def _figures_cache(request: Request) -> FiguresCache:
    """The app's own cache (created on first use): each app, so each process and each test's app, has its own."""
    state = request.app.state
    if not hasattr(state, "dashboard_figures"):
        state.dashboard_figures = FiguresCache()
    cache: FiguresCache = state.dashboard_figures
    return cache


@router.get("", response_model=DashboardOut)
async def dashboard(
    request: Request,
    credentials: Credentials,
    day: Annotated[
        DateIn | None, Query(description="show this date in every office instead of each office's today")
    ] = None,
) -> Response:
    """Every figure of the dashboard; the body is `DashboardOut` encoded by pydantic in one pass (returning the
    model made FastAPI validate it again and encode it with the standard library's json)."""
    return await run_in_threadpool(_dashboard, request, credentials, day)


def _dashboard(request: Request, credentials: Presented, day: dt.date | None) -> Response:
    now = utcnow()
    with read_each(request) as session, pay_errors():
        authorize(request, credentials, *READERS, session=session)
        today, trend = _figures_cache(request).figures(session, now, day)
        terminals = terminals_health(session, request.app.state.settings.config, now)
    figures = DashboardOut(
        generated_at=now,
        offices=[OfficeTodayOut(**vars(office)) for office in today],
        terminals=[
            TerminalOut(
                name=row.device.name,
                sn=row.device.sn,
                office=row.office,
                kind=row.device.kind,
                state=row.health.state,
                problems=[problem_out(p) for p in row.health.problems],
                last_success_at=row.device.last_success_at,
            )
            for row in terminals
        ],
        trends=TrendsOut(
            months=trend.months,
            ot_limit_minutes=trend.ot_limit_minutes,
            offices=[OfficeTrendOut(**vars(office)) for office in trend.offices],
        ),
    )
    return Response(figures.model_dump_json(), media_type="application/json")
