"""Rosters: the month's grid per office, single cells, bulk assignment of a pattern, patterns and crews.

HR and admins write; viewers read every office; a manager reads the rows of the departments they manage (and
below). `gateway.people.rosters` holds the rules; these routes parse and map its errors to 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import READERS, WRITERS, require
from api.bodies import BodyTooLarge, read_limited
from api.db import read, write
from api.errors import Unprocessable, problem
from api.languages import wording
from api.routes.employee_sheets import _PROBLEM, _UPLOAD, _XLSX_RESPONSE, _upload, _xlsx
from api.routing import ApiRouter
from api.schemas import Code, DateIn, Name, PayMonth, _In
from gateway.access.tokens import Principal
from gateway.pay.attendance import AttendanceError, parse_period
from gateway.pay.month_calendar import DayKind
from gateway.people import rosters as service
from gateway.people.departments import managed_employee_ids
from gateway.people.office_days import office_day_kinds
from gateway.people.roster_grid import RosterGrid, month_grid
from gateway.people.roster_sheet import MAX_SHEET_BYTES, RosterSheetError, export_sheet, import_sheet
from payroll_core.attendance import Period
from payroll_core.shifts import Shift

router = ApiRouter(tags=["rosters"])

ShiftName = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")]
OfficeQuery = Annotated[str, Query(min_length=1, max_length=100)]


class ShiftOut(BaseModel):
    name: str
    start: str = Field(description="HH:MM local time")
    end: str = Field(description="HH:MM local time; at or before start: the next day")


class RosterRow(BaseModel):
    employee: str
    name: str
    department: str | None
    crew: str | None
    cells: list[str | None] = Field(description="one per day of the month: the shift's name, null for a rest day")
    own: list[bool] = Field(
        description="per day: the day has a cell of its own (set here or by an assignment), which beats the crew's "
        "pattern and the fixed shift; a cell put with clear=true removes it"
    )


class RosterOut(BaseModel):
    office: str
    period: str
    days: list[date]
    day_types: list[DayKind] = Field(description="per day, the office calendar's kind of day (the screen marks them)")
    shifts: list[ShiftOut]
    rows: list[RosterRow]
    headcount: dict[str, list[int]] = Field(description="per shift name, the employees rostered on it each day")


class CellIn(_In):
    employee: Code
    date: DateIn
    shift: ShiftName | None = Field(description="a shift of the office's rule file; null: a rest day")
    clear: bool = Field(
        False,
        description="true: remove the day's own cell, so the crew's pattern or the employee's fixed shift decides the "
        "day again (shift is then ignored)",
    )


class CellsIn(_In):
    office: Name
    cells: Annotated[list[CellIn], Field(min_length=1, max_length=20000)]


class AssignIn(_In):
    office: Name
    pattern: Code
    start: DateIn = Field(description="the day the pattern's cycle begins (its day 1)")
    first: DateIn = Field(description="first day to write")
    last: DateIn = Field(description="last day to write (at most 366 days after the first)")
    employees: Annotated[list[Code], Field(max_length=5000)] = []
    crew: Code | None = None
    department: Code | None = Field(None, description="the department and every department below it")


class Written(BaseModel):
    cells: int


class PatternIn(_In):
    office: Name
    code: Code
    name: Name
    cycle: Annotated[list[ShiftName | None], Field(min_length=1, max_length=31)] = Field(
        description="1–31 days, each a shift name of the office or null for a rest day"
    )


class PatternOut(BaseModel):
    office: str
    code: str
    name: str
    cycle: list[str | None]


class CrewIn(_In):
    office: Name
    code: Code
    name: Name
    pattern: Code
    start: DateIn
    members: Annotated[list[Code], Field(max_length=5000)] = []


class CrewOut(BaseModel):
    office: str
    code: str
    name: str
    pattern: str
    start: date
    members: list[str]


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except service.RosterError as error:
        raise Unprocessable.of(error) from None


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _shift(s: Shift) -> ShiftOut:
    return ShiftOut(name=s.name, start=_clock(s.span[0]), end=_clock(s.span[1]))


def _grid_out(grid: RosterGrid, day_types: list[DayKind]) -> RosterOut:
    return RosterOut(
        office=grid.office,
        period=f"{grid.period.year:04d}-{grid.period.month:02d}",
        days=grid.days,
        day_types=day_types,
        shifts=[_shift(s) for s in grid.shifts],
        rows=[RosterRow(**row.__dict__) for row in grid.rows],
        headcount=grid.headcount(),
    )


def _period(text: str) -> Period:
    try:
        return parse_period(text)
    except AttendanceError as exc:
        raise Unprocessable.of(exc) from None


def read_grid(session: Session, who: Principal, office: str, period: str) -> RosterGrid:
    """The grid `who` may see: everything, or for a manager the rows of their departments."""
    only = managed_employee_ids(session, who.employee_id or 0) if who.role == "manager" else None
    month = _period(period)
    with _errors():
        return month_grid(session, office, month, only)


@router.get("/rosters")
def get_roster(
    request: Request,
    who: Annotated[Principal, require(*READERS, "manager")],
    office: OfficeQuery,
    period: Annotated[PayMonth, Query()],
) -> RosterOut:
    """The month's roster of an office: one row per employee, one cell per day, and the headcount per shift."""
    with read(request) as session:
        grid = read_grid(session, who, office, period)
        with _errors():
            return _grid_out(grid, office_day_kinds(service.find_office(session, office), grid.period))


@router.put("/rosters/cells")
def put_cells(request: Request, body: CellsIn, who: Annotated[Principal, require(*WRITERS)]) -> Written:
    """Set single roster cells (all or none); a cell beats the crew's pattern."""
    cells = [service.CellInput(c.employee, c.date, c.shift, c.clear) for c in body.cells]

    def work(session: Session) -> Written:
        with _errors():
            return Written(cells=service.set_cells(session, who.actor, body.office, cells))

    return write(request, work)


@router.post("/rosters/assign")
def assign(request: Request, body: AssignIn, who: Annotated[Principal, require(*WRITERS)]) -> Written:
    """Write a pattern's days first..last for employees, a crew and/or a department, in one transaction."""
    targets = service.Targets(tuple(body.employees), body.crew, body.department)

    def work(session: Session) -> Written:
        with _errors():
            return Written(
                cells=service.assign_pattern(
                    session,
                    who.actor,
                    office=body.office,
                    pattern=body.pattern,
                    start=body.start,
                    first=body.first,
                    last=body.last,
                    targets=targets,
                )  # fmt: skip
            )

    return write(request, work)


@router.get("/roster-patterns")
def get_patterns(
    request: Request,
    who: Annotated[Principal, require(*READERS, "manager")],
    office: Annotated[str | None, Query(max_length=100)] = None,
) -> list[PatternOut]:
    """Rotation patterns, by office and code."""
    with read(request) as session, _errors():
        found = service.find_office(session, office) if office is not None else None
        return [
            PatternOut(office=o, code=p.code, name=p.name, cycle=list(service.pattern_cycle(p)))
            for p, o in service.list_patterns(session, found)
        ]


@router.post("/roster-patterns", status_code=201)
def post_pattern(request: Request, body: PatternIn, who: Annotated[Principal, require(*WRITERS)]) -> PatternOut:
    """A new rotation pattern of an office."""

    def work(session: Session) -> PatternOut:
        with _errors():
            row = service.create_pattern(
                session, who.actor, office=body.office, code=body.code, name=body.name, cycle=body.cycle
            )
            return PatternOut(office=body.office, code=row.code, name=row.name, cycle=list(service.pattern_cycle(row)))

    return write(request, work)


@router.get("/crews")
def get_crews(
    request: Request,
    who: Annotated[Principal, require(*READERS, "manager")],
    office: Annotated[str | None, Query(max_length=100)] = None,
) -> list[CrewOut]:
    """Crews with their pattern, start date and members, by office and code."""
    with read(request) as session, _errors():
        found = service.find_office(session, office) if office is not None else None
        return [
            CrewOut(office=o, code=c.code, name=c.name, pattern=p, start=c.start, members=members)
            for c, o, p, members in service.list_crews(session, found)
        ]


@router.post("/crews", status_code=201)
def post_crew(request: Request, body: CrewIn, who: Annotated[Principal, require(*WRITERS)]) -> CrewOut:
    """A new crew working a pattern from a start date; its members leave any other crew."""

    def work(session: Session) -> CrewOut:
        with _errors():
            row = service.create_crew(
                session, who.actor, office=body.office, code=body.code, name=body.name, pattern=body.pattern,
                start=body.start, members=body.members,
            )  # fmt: skip
            return CrewOut(office=body.office, code=row.code, name=row.name, pattern=body.pattern, start=row.start,
                           members=list(dict.fromkeys(body.members)))  # fmt: skip

    return write(request, work)


@router.get("/rosters.xlsx", response_class=Response, responses=_XLSX_RESPONSE)
def get_roster_sheet(
    request: Request,
    _who: Annotated[Principal, require(*WRITERS)],
    office: OfficeQuery,
    period: Annotated[PayMonth, Query()],
) -> Response:
    """The month's roster as an Excel grid (工号 姓名 部门 班组, then 1日 … with the weekday below; empty = 休)."""
    month = _period(period)
    with read(request) as session, _errors():
        return _xlsx(export_sheet(session, office, month), f"roster-{period}.xlsx")


@router.post(
    "/rosters/import",
    response_model=Written,
    openapi_extra=_UPLOAD,
    responses={413: {"description": "File too large", **_PROBLEM}},
)
async def import_roster_sheet(
    request: Request,
    who: Annotated[Principal, require(*WRITERS)],
    office: OfficeQuery,
    period: Annotated[PayMonth, Query()],
) -> Written | JSONResponse:
    """Write the edited cells of an exported roster sheet, all or none; a refusal lists every bad cell in `errors`."""
    try:
        body = await read_limited(request, MAX_SHEET_BYTES)
    except BodyTooLarge as exc:
        return problem(413, "File too large", f"{exc}: a roster sheet is at most {MAX_SHEET_BYTES:,} bytes", request)
    _source, content = await _upload(request, body)
    month = _period(period)

    def run() -> int:
        return write(request, lambda session: import_sheet(session, who.actor, office, month, content))

    try:
        return Written(cells=await run_in_threadpool(run))
    except RosterSheetError as exc:
        detail, language = wording(
            request,
            f"nothing imported, {len(exc.problems)} problem(s): fix every cell listed in errors and upload again",
            f"未导入任何排班，共 {len(exc.problems)} 处问题：请改正 errors 所列的每个单元格后重新上传",
        )
        return problem(422, "Roster sheet refused", detail, request, language=language, errors=exc.problems)
    except service.RosterError as exc:
        raise Unprocessable.of(exc) from None
