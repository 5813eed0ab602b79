"""Punches: the raw log, filtered and paginated, and manual corrections (the raw punch is never edited).

Pages are keyset-paginated on (ts_utc, id), so page 1,000 of a 3-million-punch log costs what page 1 does.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import DateTime, Integer, Select, bindparam, select, tuple_
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import (
    EVERYONE,
    WRITERS,
    Credentials,
    Presented,
    authorize,
    authorize_on_loop,
    authorized_rows,
    ensure_visible,
    not_found,
    own_employee_id,
    require,
    visible_employee_id,
    visible_employee_id_on_loop,
)
from api.cursor import bad_cursor, decode_cursor, encode_cursor
from api.db import read, read_each, write
from api.errors import Conflict, NotFound, Unprocessable
from api.loop_reads import OffLoop, loop_reads
from api.routes.employees import find_employee
from api.routing import ApiRouter
from api.schemas import (
    AwareIn,
    BeforeId,
    CorrectionIn,
    CorrectionOut,
    PageLimit,
    PathId,
    PunchOut,
    PunchPage,
)
from gateway.access.tokens import Principal
from gateway.inputs import MAX_ID
from gateway.people.punch_corrections import record_correction
from gateway.store import Device, DriverSelect, Employee, Office, Punch, PunchCorrection, PunchFlag

router = ApiRouter(prefix="/punches", tags=["punches"])
_FLAG_NAMES = [(int(flag), flag.name.lower()) for flag in PunchFlag if flag and flag.name]


@functools.cache
def flag_names(flags: int) -> tuple[str, ...]:
    """The names of the bits set in `flags`, lowercase; cached per value (a page repeats a handful of values,
    and an `IntFlag` test per bit and row cost more than the rest of the row)."""
    return tuple(name for bit, name in _FLAG_NAMES if flags & bit)


# What a punch page shows, in `PunchOut`'s field order: the listing selects only these columns.
_COLUMNS = (
    Punch.id, Punch.device_sn, Punch.pin, Employee.code, Punch.ts_local, Punch.ts_utc, Punch.status,
    Punch.punch_state, Punch.verify_mode, Punch.workcode, Punch.source, Punch.flags, Punch.is_double_tap,
    Punch.received_at,
)  # fmt: skip


def punch_fields(*values: Any) -> dict[str, object]:
    """`PunchOut`'s fields from one row of `_COLUMNS` (positionally: a row unpacks in C, where reading its 14
    columns by name cost more than the rest of the request), times made UTC-aware so orjson (`OPT_UTC_Z`)
    writes what pydantic writes."""
    (id_, device_sn, pin, code, ts_local, ts_utc, status, punch_state, verify_mode, workcode, source, flags,
     is_double_tap, received_at) = values  # fmt: skip
    return {
        "id": id_, "device_sn": device_sn, "pin": pin, "employee": code, "ts_local": ts_local,
        "ts_utc": ts_utc.replace(tzinfo=UTC), "status": status, "punch_state": punch_state,
        "verify_mode": verify_mode, "workcode": workcode, "source": source, "flags": flag_names(flags),
        "is_double_tap": is_double_tap, "received_at": received_at.replace(tzinfo=UTC),
    }  # fmt: skip


def punch_out(punch: Punch, employee_code: str | None) -> PunchOut:
    values = [employee_code if column is Employee.code else getattr(punch, column.key) for column in _COLUMNS]
    return PunchOut(**punch_fields(*values))  # type: ignore[arg-type]


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    ts, text_id = decode_cursor(cursor, 2)
    try:
        punch_id = int(text_id)
        if not 1 <= punch_id <= MAX_ID:  # an edited cursor: no punch has that id
            raise ValueError(text_id)
        return datetime.fromisoformat(ts), punch_id
    except ValueError:
        raise bad_cursor(cursor) from None


_ORDER = (Punch.ts_utc.asc(), Punch.id.asc())


@functools.cache
def _page_statement(given: frozenset[str]) -> Select[*tuple[Any, ...]]:
    """The page select for the filters `given` (names of `list_punches`'s bound parameters), built once per set of
    filters: building it per request cost as much as running it."""
    return _filtered(given).order_by(*_ORDER)


def _filtered(given: frozenset[str]) -> Select[*tuple[Any, ...]]:
    """The page select without its order."""
    query: Select[*tuple[Any, ...]] = select(*_COLUMNS).outerjoin(Employee, Punch.employee_id == Employee.id)
    if "employee_id" in given:
        query = query.where(Punch.employee_id == bindparam("employee_id"))
    if "office_id" in given:
        query = query.where(Punch.device_sn.in_(select(Device.sn).where(Device.office_id == bindparam("office_id"))))
    if "device" in given:
        query = query.where(Punch.device_sn == bindparam("device"))
    if "start" in given:
        query = query.where(Punch.ts_utc >= bindparam("start"))
    if "end" in given:
        query = query.where(Punch.ts_utc < bindparam("end"))
    if "cursor_ts" in given:
        # A row-value comparison: PostgreSQL seeks ix_punches_ts_utc_id to the cursor with it, where the
        # equivalent OR scanned from `start` and filtered.
        after = tuple_(bindparam("cursor_ts", type_=DateTime()), bindparam("cursor_id", type_=Integer()))
        query = query.where(tuple_(Punch.ts_utc, Punch.id) > after)
    return query.limit(bindparam("limit", type_=Integer()))


class PunchFilters(BaseModel):
    """`GET /punches`'s query: one model validated at once (FastAPI validated the seven parameters one by one,
    a third of the request's CPU)."""

    employee: str | None = Field(None, max_length=32, description="employee code")
    office: str | None = Field(None, max_length=100, description="punches on this office's terminals")
    device: str | None = Field(None, max_length=64, description="terminal serial number")
    start: AwareIn | None = Field(None, description="from this time (inclusive), with offset")
    end: AwareIn | None = Field(None, description="before this time (exclusive), with offset")
    limit: int = Field(100, ge=1, le=1000, description="at most this many rows")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page")


@router.get("", response_model=PunchPage)
async def list_punches(request: Request, credentials: Credentials, query: Annotated[PunchFilters, Query()]) -> Response:
    """Raw punches in time order. An employee token sees only its own.

    The hot listing: a select of the returned columns only, rows straight to orjson (no ORM objects, no
    pydantic per punch), read on the event loop where it can be (`api.loop_reads`); `PunchPage` documents the body.
    """
    try:
        async with loop_reads(request) as reads:
            if query.employee is None and query.office is None:  # the page needs only the caller: one statement
                _who, rows = await authorized_rows(
                    request, credentials, reads, EVERYONE, lambda who: _loop_page(query, own_employee_id(who), None)
                )
                return _page_response(rows, query.limit)
            who = await authorize_on_loop(request, credentials, reads, *EVERYONE)
            employee_id = await visible_employee_id_on_loop(reads, who, query.employee)
            office = None if query.office is None else await reads.first(_OFFICE_ID, {"name": query.office})
            return _page_response(await reads.all(*_loop_page(query, employee_id, office)), query.limit)
    except OffLoop:
        return await run_in_threadpool(_list_punches, request, credentials, query)


def _list_punches(request: Request, credentials: Presented, query: PunchFilters) -> Response:
    with read_each(request) as session:
        who = authorize(request, credentials, *EVERYONE, session=session)
        employee_id = visible_employee_id(session, who, query.employee)
        office = None if query.office is None else _OFFICE_ID.first(session, {"name": query.office})
        bound = _page_params(query, employee_id, office)
        rows = session.connection().execute(_page_statement(frozenset(bound)), bound).all()
    return _page_response(rows, query.limit)


_OFFICE_ID = DriverSelect(select(Office.id).where(Office.name == bindparam("name")))


@functools.cache
def _loop_page_statement(given: frozenset[str]) -> DriverSelect:
    """`_page_statement` for the event loop's reads. The pool path keeps the Core statement: there, SQLAlchemy's
    compiled row handling loaded a page's SQLite datetimes faster than `DriverSelect`'s loop over the rows."""
    return DriverSelect(_filtered(given), _ORDER)


def _loop_page(query: PunchFilters, employee_id: int | None, office: Any) -> tuple[DriverSelect, dict[str, object]]:
    bound = _page_params(query, employee_id, office)
    return _loop_page_statement(frozenset(bound)), bound


def _page_params(query: PunchFilters, employee_id: int | None, office: Any) -> dict[str, object]:
    """The page statement's bound parameters (`limit` + 1 rows: the last says whether a next page exists);
    `office`: `_OFFICE_ID`'s row for the `office` filter (None: not found, 404)."""
    if query.office is not None and office is None:
        raise NotFound(f"no office named {query.office!r}")
    params: dict[str, object] = {"limit": query.limit + 1, "employee_id": employee_id, "device": query.device}
    params["office_id"] = None if office is None else office.id
    params["start"] = query.start.replace(tzinfo=None) if query.start is not None else None
    params["end"] = query.end.replace(tzinfo=None) if query.end is not None else None
    if query.cursor is not None:
        params["cursor_ts"], params["cursor_id"] = _decode_cursor(query.cursor)
    return {name: value for name, value in params.items() if value is not None}


def _page_response(rows: Sequence[Any], limit: int) -> Response:
    last = rows[limit - 1] if len(rows) > limit else None
    page = {
        "items": [punch_fields(*row) for row in rows[:limit]],
        "next_cursor": encode_cursor(last.ts_utc.isoformat(), last.id) if last is not None else None,
    }
    return Response(orjson.dumps(page, option=orjson.OPT_UTC_Z), media_type="application/json")


def _correction_out(correction: PunchCorrection, employee_code: str) -> CorrectionOut:
    return CorrectionOut(
        id=correction.id,
        action=correction.action,
        employee=employee_code,
        punch_id=correction.punch_id,
        ts_utc=correction.ts_utc,
        reason=correction.reason,
        created_by=correction.created_by,
        created_at=correction.created_at,
    )


@router.get("/corrections")
def list_corrections(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    employee: Annotated[str | None, Query(max_length=32, description="employee code")] = None,
    limit: PageLimit = 100,
    before_id: BeforeId = None,
) -> list[CorrectionOut]:
    """Corrections, newest first. An employee token sees only its own."""
    with read(request) as session:
        query = select(PunchCorrection, Employee.code).join(Employee, PunchCorrection.employee_id == Employee.id)
        employee_id = visible_employee_id(session, who, employee)
        if employee_id is not None:
            query = query.where(PunchCorrection.employee_id == employee_id)
        if before_id is not None:
            query = query.where(PunchCorrection.id < before_id)
        rows = session.execute(query.order_by(PunchCorrection.id.desc()).limit(limit)).all()
        return [_correction_out(c, code) for c, code in rows]


@router.post("/corrections", status_code=201)
def correct_punch(request: Request, body: CorrectionIn, who: Annotated[Principal, require(*WRITERS)]) -> CorrectionOut:
    """Record a correction with its reason: add a missed punch, void one, or move one to another time."""

    def work(session: Session) -> CorrectionOut:
        punch = None
        if body.punch_id is not None:
            punch = session.get(Punch, body.punch_id)
            if punch is None:
                raise not_found(f"punch {body.punch_id}")
            if punch.employee_id is None:
                raise Conflict(
                    f"punch {punch.id} (pin {punch.pin!r} on {punch.device_sn}) belongs to no employee yet: "
                    "map its badge first (POST /api/v1/employees/{code}/badges), then correct it"
                )
            employee = session.get(Employee, punch.employee_id)
            assert employee is not None
            if body.employee is not None and body.employee != employee.code:
                raise Unprocessable(
                    f"punch {punch.id} belongs to employee {employee.code!r}, not {body.employee!r}: "
                    "omit employee or give the punch's own"
                )
        else:
            assert body.employee is not None
            employee = find_employee(session, body.employee)
        ts_utc = body.ts_utc.replace(tzinfo=None) if body.ts_utc is not None else None
        before = punch_out(punch, employee.code).model_dump(mode="json") if punch is not None else None
        correction = record_correction(
            session, who.actor, employee, action=body.action, punch_id=body.punch_id, ts_utc=ts_utc,
            reason=body.reason, before=before,
        )  # fmt: skip
        return _correction_out(correction, employee.code)

    return write(request, work)


@router.get("/{punch_id}")
def get_punch(request: Request, punch_id: PathId, who: Annotated[Principal, require(*EVERYONE)]) -> PunchOut:
    with read(request) as session:
        row = session.execute(
            select(Punch, Employee.code)
            .outerjoin(Employee, Punch.employee_id == Employee.id)
            .where(Punch.id == punch_id)
        ).first()
        ensure_visible(who, row[0].employee_id if row else None, f"punch {punch_id}")
        if row is None:
            raise not_found(f"punch {punch_id}")
        return punch_out(row[0], row[1])
