"""Punches: the raw log, filtered and paginated, and manual corrections (the raw punch is never edited).

Pages are keyset-paginated on (ts_utc, id), so page 1,000 of a 3-million-punch log costs what page 1 does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from api.auth import EVERYONE, WRITERS, ensure_visible, not_found, require, visible_employee_id
from api.cursor import bad_cursor, decode_cursor, encode_cursor
from api.db import read, write
from api.errors import Conflict, NotFound, Unprocessable
from api.routes.employees import find_employee
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
from gateway.store import Device, Employee, Office, Punch, PunchCorrection, PunchFlag

router = APIRouter(prefix="/punches", tags=["punches"])
_FLAG_NAMES = [(flag, flag.name.lower()) for flag in PunchFlag if flag and flag.name]


def punch_out(punch: Punch, employee_code: str | None) -> PunchOut:
    return PunchOut(
        id=punch.id,
        device_sn=punch.device_sn,
        pin=punch.pin,
        employee=employee_code,
        ts_local=punch.ts_local,
        ts_utc=punch.ts_utc,
        status=punch.status,
        punch_state=punch.punch_state,
        verify_mode=punch.verify_mode,
        workcode=punch.workcode,
        source=punch.source,
        flags=[name for flag, name in _FLAG_NAMES if punch.flags & flag],
        is_double_tap=punch.is_double_tap,
        received_at=punch.received_at,
    )


def _encode_cursor(punch: Punch) -> str:
    return encode_cursor(punch.ts_utc.isoformat(), punch.id)


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    ts, text_id = decode_cursor(cursor, 2)
    try:
        punch_id = int(text_id)
        if not 1 <= punch_id <= MAX_ID:  # an edited cursor: no punch has that id
            raise ValueError(text_id)
        return datetime.fromisoformat(ts), punch_id
    except ValueError:
        raise bad_cursor(cursor) from None


@router.get("")
def list_punches(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    employee: Annotated[str | None, Query(max_length=32, description="employee code")] = None,
    office: Annotated[str | None, Query(max_length=100, description="punches on this office's terminals")] = None,
    device: Annotated[str | None, Query(max_length=64, description="terminal serial number")] = None,
    start: Annotated[AwareIn | None, Query(description="from this time (inclusive), with offset")] = None,
    end: Annotated[AwareIn | None, Query(description="before this time (exclusive), with offset")] = None,
    limit: PageLimit = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")] = None,
) -> PunchPage:
    """Raw punches in time order. An employee token sees only its own."""
    with read(request) as session:
        query: Select[Punch, str] = select(Punch, Employee.code).outerjoin(Employee, Punch.employee_id == Employee.id)
        employee_id = visible_employee_id(session, who, employee)
        if employee_id is not None:
            query = query.where(Punch.employee_id == employee_id)
        if office is not None:
            office_id = session.scalar(select(Office.id).where(Office.name == office))
            if office_id is None:
                raise NotFound(f"no office named {office!r}")
            query = query.where(Punch.device_sn.in_(select(Device.sn).where(Device.office_id == office_id)))
        if device is not None:
            query = query.where(Punch.device_sn == device)
        if start is not None:
            query = query.where(Punch.ts_utc >= start.replace(tzinfo=None))
        if end is not None:
            query = query.where(Punch.ts_utc < end.replace(tzinfo=None))
        if cursor is not None:
            ts, last_id = _decode_cursor(cursor)
            query = query.where(or_(Punch.ts_utc > ts, and_(Punch.ts_utc == ts, Punch.id > last_id)))
        rows = session.execute(query.order_by(Punch.ts_utc, Punch.id).limit(limit + 1)).all()
        items = [punch_out(punch, code) for punch, code in rows[:limit]]
        return PunchPage(items=items, next_cursor=_encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None)


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
