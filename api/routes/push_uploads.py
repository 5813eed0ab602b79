"""What ADMS terminals sent besides punches, per device: `GET /devices/{ref}/push-commands` (the command
queue and results), `/operation-log` (OPERLOG/USERINFO lines), `/enrolments` (users enrolled at the
terminal), `/photos` (ATTPHOTO photos; `/photos/{id}` the JPEG). Readers may list them; the employee's
`GET /employees/{code}/enrolments` says at which terminals their badges were enrolled by hand.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import Response
from sqlalchemy import or_, select

from api.auth import READERS, require
from api.db import read
from api.errors import NotFound
from api.routes.employees import find_employee
from api.routing import ApiRouter
from api.schemas import MAX_ID, BeforeId, PageLimit, PushCommandOut, PushEnrolmentOut, PushOperLogOut, PushPhotoOut
from gateway.access.tokens import Principal
from gateway.devices.push_commands import list_commands
from gateway.devices.push_uploads import list_enrolments, list_operlog, list_photos
from gateway.store import Badge, Device, PushEnrolment, PushPhoto

router = ApiRouter(tags=["ADMS uploads"])
Readers = Annotated[Principal, require(*READERS)]


def _serial(request: Request, ref: str) -> str:
    """The serial number of the device `ref` (serial or name); 404 when there is none."""
    with read(request) as session:
        sn = session.scalar(select(Device.sn).where(or_(Device.sn == ref, Device.name == ref)))
    if sn is None:
        raise NotFound(f"no device with serial number or name {ref!r} that has a serial number: GET /api/v1/devices")
    return sn


@router.get("/devices/{ref}/push-commands")
def push_commands(
    request: Request, ref: str, _who: Readers, limit: PageLimit = 100, before_id: BeforeId = None
) -> list[PushCommandOut]:
    """The commands queued for this ADMS terminal, newest first: queued, sent (waiting for its answer),
    done, or failed (a Return other than 0, or no answer after `[push] max_sends` hand-overs)."""
    sn = _serial(request, ref)
    with read(request) as session:
        return [
            PushCommandOut(
                id=c.id,
                command=c.command,
                state=c.state,
                attempts=c.attempts,
                return_code=c.return_code,
                result=c.result,
                created_at=c.created_at,
                sent_at=c.sent_at,
                done_at=c.done_at,
            )
            for c in list_commands(session, sn, limit, before_id)
        ]


@router.get("/devices/{ref}/operation-log")
def operation_log(
    request: Request, ref: str, _who: Readers, limit: PageLimit = 100, before_id: BeforeId = None
) -> list[PushOperLogOut]:
    """OPERLOG and USERINFO lines this terminal uploaded, newest first (passwords and templates cut out)."""
    sn = _serial(request, ref)
    with read(request) as session:
        return [
            PushOperLogOut(
                id=r.id,
                table=r.table_name,
                kind=r.kind,
                pin=r.pin,
                op_code=r.op_code,
                ts_local=r.ts_local,
                line=r.line,
                received_at=r.received_at,
            )
            for r in list_operlog(session, sn, limit, before_id)
        ]


def _enrolment_out(row: PushEnrolment, device: str | None) -> PushEnrolmentOut:
    return PushEnrolmentOut(
        device=device,
        sn=row.device_sn,
        pin=row.pin,
        name=row.name,
        card=row.card,
        privilege=row.privilege,
        source=row.source,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
    )


@router.get("/devices/{ref}/enrolments")
def enrolments(request: Request, ref: str, _who: Readers) -> list[PushEnrolmentOut]:
    """Users enrolled or changed at this terminal's keypad, as it reported them (by pin)."""
    sn = _serial(request, ref)
    with read(request) as session:
        name = session.scalar(select(Device.name).where(Device.sn == sn))
        return [_enrolment_out(row, name) for row in list_enrolments(session, sn)]


@router.get("/employees/{code}/enrolments")
def employee_enrolments(request: Request, code: str, _who: Readers) -> list[PushEnrolmentOut]:
    """The ADMS terminals where the employee's badges were enrolled at the keypad, and when."""
    with read(request) as session:
        employee_id = find_employee(session, code).id
        pins = list(session.scalars(select(Badge.pin).where(Badge.employee_id == employee_id)))
        if not pins:
            return []
        names = dict(session.execute(select(Device.sn, Device.name).where(Device.sn.is_not(None))).all())
        return [_enrolment_out(row, names.get(row.device_sn)) for row in list_enrolments(session, pins=pins)]


@router.get("/devices/{ref}/photos")
def photos(
    request: Request, ref: str, _who: Readers, limit: PageLimit = 100, before_id: BeforeId = None
) -> list[PushPhotoOut]:
    """Photos this terminal took at punches (ATTPHOTO), newest first; each is found by its pin and time."""
    sn = _serial(request, ref)
    with read(request) as session:
        return [
            PushPhotoOut(
                id=p.id, file_name=p.file_name, pin=p.pin, ts_local=p.ts_local, size=p.size, received_at=p.received_at
            )
            for p in list_photos(session, sn, limit, before_id)
        ]


@router.get(
    "/devices/{ref}/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "the JPEG as the terminal sent it"}},
)
def photo(request: Request, ref: str, photo_id: Annotated[int, Path(ge=1, le=MAX_ID)], _who: Readers) -> Response:
    sn = _serial(request, ref)
    with read(request) as session:
        row = session.scalar(select(PushPhoto).where(PushPhoto.id == photo_id, PushPhoto.device_sn == sn))
        if row is None:
            raise NotFound(f"device {ref!r} has no photo {photo_id}: GET /api/v1/devices/{ref}/photos lists them")
        return Response(row.jpeg, media_type="image/jpeg")
