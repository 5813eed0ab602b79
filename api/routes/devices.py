"""Devices: list with health, add and edit (admin), and `POST /devices/{ref}/sync` to poll one now.

A device is addressed by its serial number or, before its first contact reported one, by its name.
A push terminal's `push_comm_key` is write-only: stored as its digest, shown only as
`push_comm_key_set`, audited as "set" (see `gateway.access.push_auth`). Refused push terminals and the
pushed lines kept aside are listed under `/devices/unknown-push` and `/devices/push-rejects`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from api.auth import ADMINS, READERS, WRITERS, require
from api.db import read, write
from api.errors import BadGateway, Conflict, NotFound, Unprocessable
from api.routing import ApiRouter
from api.schemas import (
    BeforeId,
    DeviceCreate,
    DeviceHealth,
    DeviceOut,
    DeviceProblemOut,
    DeviceUpdate,
    PageLimit,
    PushRejectOut,
    RealtimeOut,
    Serial,
    SyncResult,
    UnknownTerminalOut,
)
from drivers.base import PUSH_KINDS
from gateway import config as cfg
from gateway.access.audit import append_audit
from gateway.access.push_auth import allowed_networks, set_allow_from, set_push_key
from gateway.access.tokens import Principal
from gateway.devices.health import HealthProblem, link_of, settings_for, terminal_health
from gateway.devices.poller import poll_device
from gateway.devices.push_refusals import forget_refused, list_refused
from gateway.devices.push_rejects import list_rejected
from gateway.devices.push_uploads import info_of
from gateway.store import Device, Office, utcnow

router = ApiRouter(prefix="/devices", tags=["devices"])


def device_out(request: Request, device: Device, office: str | None) -> DeviceOut:
    """The device with its health as `gateway.devices.health` judges it (the dashboard shows the same)."""
    session = object_session(device)
    link = link_of(session, device) if session is not None else None
    settings = settings_for(request.app.state.settings.config, device)
    health = terminal_health(device, settings, utcnow(), link)
    info = info_of(session, device.sn) if session is not None and device.kind in PUSH_KINDS else None
    return DeviceOut(
        name=device.name,
        sn=device.sn,
        kind=device.kind,
        host=device.host,
        port=device.port,
        office=office,
        model=device.model,
        firmware=device.firmware,
        direction=device.direction,
        push_comm_key_set=device.push_key_sha256 is not None,
        allow_from=allowed_networks(device),
        info=info[0] if info else None,
        info_reported_at=info[1] if info else None,
        health=DeviceHealth(
            state=health.state,
            problems=[problem_out(p) for p in health.problems],
            last_success_at=device.last_success_at,
            last_error=device.last_error,
            last_error_at=device.last_error_at,
            consecutive_failures=device.consecutive_failures,
            clock_offset_s=device.clock_offset_s,
            record_count=device.record_count,
            record_capacity=device.record_capacity,
            user_count=device.user_count,
            realtime=None
            if not settings.realtime
            else RealtimeOut(
                state="up" if link is not None and link.state == "up" else "down",
                since=link.since if link is not None else None,
                last_event_at=link.last_event_at if link is not None else None,
                error=link.error if link is not None else None,
            ),
        ),
    )


def problem_out(problem: HealthProblem) -> DeviceProblemOut:
    return DeviceProblemOut(code=problem.code, message=problem.message, clock_offset_s=problem.clock_offset_s)


def _find(session: Session, ref: str) -> tuple[Device, str | None]:
    row = session.execute(
        select(Device, Office.name)
        .outerjoin(Office, Device.office_id == Office.id)
        .where(or_(Device.sn == ref, Device.name == ref))
        .order_by((Device.sn == ref).desc())
    ).first()
    if row is None:
        raise NotFound(f"no device with serial number or name {ref!r}: GET /api/v1/devices lists them")
    return row[0], row[1]


def _office_id(session: Session, name: str) -> int:
    office_id = session.scalar(select(Office.id).where(Office.name == name))
    if office_id is None:
        known = ", ".join(repr(n) for n in session.scalars(select(Office.name).order_by(Office.name))) or "none"
        raise Unprocessable(f"no office named {name!r}: offices are {known} (offices come from the config file)")
    return office_id


def _check_unique(session: Session, device_id: int | None, name: str | None, sn: str | None) -> None:
    for column, value in ((Device.name, name), (Device.sn, sn)):
        if value is None:
            continue
        owner = session.scalar(select(Device.name).where(column == value, Device.id != (device_id or -1)))
        if owner is not None:
            raise Conflict(f"{column.key} {value!r} is already used by device {owner!r}: each device needs its own")


def _snapshot(device: Device, office: str | None) -> dict[str, object]:
    """What the audit log keeps of a device; a push terminal's key only as "set" or null."""
    snapshot: dict[str, object] = {
        "name": device.name,
        "sn": device.sn,
        "kind": device.kind,
        "host": device.host,
        "port": device.port,
        "office": office,
        "direction": device.direction,
    }
    if device.kind in PUSH_KINDS:
        snapshot["push_comm_key"] = "set" if device.push_key_sha256 else None
        snapshot["allow_from"] = allowed_networks(device)
    return snapshot


def _check_push_access(device: Device) -> None:
    if device.kind not in PUSH_KINDS and (device.push_key_sha256 or device.push_allow_from):
        raise Unprocessable(
            f"push_comm_key and allow_from are for push terminals (kind zk-push); {device.name!r} is a "
            f"{device.kind} device, which is polled (its key is comm_key, in the config file)"
        )


@router.get("")
def list_devices(request: Request, _who: Annotated[Principal, require(*READERS)]) -> list[DeviceOut]:
    """Every device with its health: last success and error, clock offset, fill level."""
    with read(request) as session:
        rows = session.execute(
            select(Device, Office.name).outerjoin(Office, Device.office_id == Office.id).order_by(Device.name)
        )
        return [device_out(request, device, office) for device, office in rows]


@router.get("/unknown-push")
def unknown_push_terminals(request: Request, _who: Annotated[Principal, require(*READERS)]) -> list[UnknownTerminalOut]:
    """ADMS terminals the receiver refused, per serial number, address and `reason`: an unknown serial number
    (add a device with that `sn`), an address outside its `allow_from`, a missing or wrong push comm key, or
    a request from an address that did not shake hands with the key. Kept in the database (every process,
    across restarts) until a device with that serial number is added or edited."""
    with read(request) as session:
        return [
            UnknownTerminalOut(
                serial_number=t.serial_number,
                address=t.address,
                first_seen=t.first_seen,
                last_seen=t.last_seen,
                attempts=t.attempts,
                reason=t.reason,
                detail=t.detail,
                tried=t.tried,
            )
            for t in list_refused(session)
        ]


@router.get("/push-rejects")
def push_rejects(
    request: Request,
    _who: Annotated[Principal, require(*READERS)],
    limit: PageLimit = 100,
    before_id: BeforeId = None,
    device_sn: Annotated[Serial | None, Query(description="only this terminal")] = None,
) -> list[PushRejectOut]:
    """Pushed ATTLOG lines holding a value no ZKTeco record can hold (a PIN over 24 characters, a year outside
    2000-2099, …), newest first: acknowledged so the terminal moves on, kept here, never stored as punches.
    Add a punch correction for a real punch among them."""
    with read(request) as session:
        return [
            PushRejectOut(
                id=r.id,
                device_sn=r.device_sn,
                line_number=r.line_number,
                line=r.line,
                line_length=r.line_length,
                fields=r.fields,
                reason=r.reason,
                received_at=r.received_at,
            )
            for r in list_rejected(session, device_sn, limit, before_id)
        ]


@router.get("/{ref}")
def get_device(request: Request, ref: str, _who: Annotated[Principal, require(*READERS)]) -> DeviceOut:
    with read(request) as session:
        return device_out(request, *_find(session, ref))


@router.post("", status_code=201)
def add_device(request: Request, body: DeviceCreate, who: Annotated[Principal, require(*ADMINS)]) -> DeviceOut:
    """Add a terminal. ADMS push terminals need `sn`: the receiver only accepts serial numbers it knows."""

    def work(session: Session) -> DeviceOut:
        _check_unique(session, None, body.name, body.sn)
        device = Device(
            name=body.name,
            sn=body.sn,
            kind=body.kind,
            host=body.host,
            port=body.port,
            office_id=_office_id(session, body.office),
            direction=body.direction,
            model="",
            firmware="",
            consecutive_failures=0,
        )
        set_push_key(device, body.push_comm_key)
        set_allow_from(device, body.allow_from)
        _check_push_access(device)
        session.add(device)
        session.flush()
        if body.sn is not None:  # the receiver accepts it from now on
            forget_refused(session, body.sn)
        append_audit(session, who.actor, "device.add", f"device:{body.name}", None, _snapshot(device, body.office))
        return device_out(request, device, body.office)

    return write(request, work)


@router.patch("/{ref}")
def edit_device(
    request: Request, ref: str, body: DeviceUpdate, who: Annotated[Principal, require(*ADMINS)]
) -> DeviceOut:
    """Change the given fields. A device listed in the config file is reset from it on the next `serve` start."""
    changes = body.model_dump(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise Unprocessable("a device field cannot be set to null: leave it out to keep its value")

    def work(session: Session) -> DeviceOut:
        device, office = _find(session, ref)
        before = _snapshot(device, office)
        _check_unique(session, device.id, changes.get("name"), changes.get("sn"))
        if "office" in changes:
            device.office_id, office = _office_id(session, changes["office"]), changes["office"]
        for key in ("name", "sn", "kind", "host", "port", "direction"):
            if key in changes:
                setattr(device, key, changes[key])
        if "push_comm_key" in changes:
            set_push_key(device, changes["push_comm_key"] or None)
        if "allow_from" in changes:
            set_allow_from(device, changes["allow_from"])
        _check_push_access(device)
        session.flush()
        if device.sn is not None:  # its access may have changed: earlier refusals no longer say much
            forget_refused(session, device.sn)
        append_audit(session, who.actor, "device.edit", f"device:{device.name}", before, _snapshot(device, office))
        return device_out(request, device, office)

    return write(request, work)


@router.post("/{ref}/sync")
def sync_device(request: Request, ref: str, _who: Annotated[Principal, require(*WRITERS)]) -> SyncResult:
    """Poll this device once now (download, store, verify; clear and clock-set only as its config says).

    Runs in a worker thread through the same `gateway.devices.poller.poll_device` the poller uses; a device
    that fails answers 502 with the driver's reason (also recorded in its health), one busy with another
    operation (the poller, a user sync; `gateway.devices.lease`) answers 409 naming it.
    """
    settings = request.app.state.settings
    with read(request) as session:
        device, office_name = _find(session, ref)
        office = session.scalar(select(Office).where(Office.id == device.office_id))
    if office is None:
        raise Conflict(
            f"device {device.name!r} has no office, so its clock's time zone is unknown: set its office first"
        )
    if device.kind in PUSH_KINDS:
        raise Conflict(f"device {device.name!r} pushes its punches (ADMS); it cannot be polled")
    if not device.host:
        raise Conflict(f"device {device.name!r} has no host: set it with PATCH /api/v1/devices/{ref}")
    try:
        device_cfg = settings.config.device(device.name)
    except KeyError:  # added through the API: polled with default options and comm key 0
        device_cfg = cfg.Device(
            name=device.name, sn=device.sn, kind=device.kind, host=device.host, port=device.port, office=office.name
        )
    office_cfg = cfg.Office(
        name=office.name,
        timezone=office.timezone,
        city=office.city,
        double_punch_window_s=office.double_punch_window_s,
        shift_rule=office.shift_rule,
    )
    result = poll_device(
        request.app.state.session_factory,
        device_cfg,
        office_cfg,
        build=settings.build_driver,
        future_tolerance_s=settings.config.poller.future_tolerance_s,
    )
    if result.busy:
        raise Conflict(f"{result.error}")
    if result.error is not None:
        raise BadGateway(f"polling {device.name} ({device.host}:{device.port}) failed: {result.error}")
    return SyncResult(
        device=result.device,
        sn=result.sn,
        read=result.read,
        new=result.new,
        duplicate=result.duplicate,
        quarantined=result.quarantined,
        cleared=result.cleared,
        clock_offset_s=result.clock_offset_s,
        clock_set=result.clock_set,
        note=result.note,
    )
