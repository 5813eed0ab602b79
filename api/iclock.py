"""The ZKTeco ADMS ("iclock" PUSH) receiver: the HTTP server terminals post their punches to.

Mount with `app.include_router(iclock.router, prefix="/iclock")` and set `app.state.session_factory`
(the gateway's `sessionmaker`). The wire format and its sources are in `drivers.zk_push`.

Exactly-once: a posted ATTLOG batch is answered `OK: N` only after `gateway.devices.ingest.ingest_punches`
returned, i.e. after the transaction holding the punches committed. Any failure before that answers
HTTP 500 (never OK), so the terminal keeps the batch and sends it again; since ingest is idempotent on
`(device_sn, pin, ts_local)`, a batch that was committed but whose OK was lost is stored once. The
batch's `Stamp` is persisted on the device (`Device.push_stamp`) after the commit and handed back in
the handshake as `ATTLOGStamp`, so a rebooted terminal resumes where the database is, not before.

Who may push (`gateway.access.push_auth`): a request is refused with HTTP 403, before its body is
read, when no device has its serial number, when it comes from outside the device's `allow_from`
networks, when the handshake of a device with a push comm key carries no key or the wrong one, or
when a later request of such a device does not come from the address of its last good handshake
(firmware sends the key on the handshake only). Refused terminals are kept in the database per
(serial, address, reason) with first/last seen, attempts and what they tried
(`gateway.devices.push_refusals`, at most 1,000), which the API lists; each is logged once. The
gateway never adds devices on its own. For admitted terminals every request records
`Device.last_success_at`, and the `INFO=` health a getrequest poll may carry (firmware, user and
record counts) is stored on the device.

Limits: a body over `PushState.max_body_bytes` (`[push] max_body_bytes`) is answered 413 — at once
when its Content-Length says so, or as soon as a chunked body passes it (`api.bodies`). An ATTLOG line
holding a value no ZKTeco record can (a PIN over 24 characters, a year outside 2000-2099, …; see
`drivers.zk_push`) is kept aside in `push_rejects` with its reason (`GET /api/v1/devices/push-rejects`)
and the rest of the batch is stored: the record stays in the terminal's log for good, so refusing
the batch would stop every later punch of that terminal. Lines are kept aside before the punches are
stored and the batch is answered OK after both, idempotently, so exactly-once holds for them too.
Every message that quotes pushed data quotes a bounded part of it, and log lines are cut at
`LOG_LIMIT` characters with their full length noted.

A batch that cannot be parsed or stored is answered with an error (400/413/500), logged, and kept as
`PushState.last_error[sn]` until that terminal's next batch is stored.

Commands live in the database (`gateway.devices.push_commands`): a poll hands over queued commands and
marks them sent in one statement, so several receiver processes never hand one twice and a restart
loses none; `devicecmd` results finish them (an `INFO` answer becomes the device's info), and a command
unanswered for `[push] resend_after_s` is handed over again, at most `max_sends` times.

Other uploads (`gateway.devices.push_uploads`), also accepted at `/iclock/fdata`: ATTPHOTO photos
(answered `OK`; over `[push] max_photo_bytes` 413, nothing stored), OPERLOG and USERINFO lines with
the enrolments done at the terminal, and BIODATA lines (answered `OK: N`); their fingerprint lines are
stored as templates (`gateway.devices.templates.store_uploaded`). Queued FINGERTMP commands carry a
reference to the sealed template, opened at hand-over (`expand_for_hand_over`), and their `Return=0`
records the finger on the terminal (`note_pushed`). Other tables are acknowledged but
not stored: refusing them would make the terminal resend them forever. `GET /iclock/ping` answers `OK`.

The handshake URL carries the push comm key; `mount` adds a filter to uvicorn's access logger that
replaces its value with `***`, so even a server run at INFO level never logs it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.bodies import BodyTooLarge, read_limited
from drivers.base import DriverError
from drivers.zk_push import (
    AttlogBatch,
    CommandResult,
    PushOptions,
    accepted_reply,
    command_line,
    decode_body,
    handshake_reply,
    parse_devicecmd,
    parse_info,
    read_attlog,
    read_attphoto,
    read_operlog,
)
from gateway import config as cfg
from gateway.access.push_auth import REFUSAL_UNKNOWN, Refusal, refuse_handshake, refuse_request
from gateway.devices.ingest import IngestResult, ingest_punches
from gateway.devices.push_commands import hand_over, record_results
from gateway.devices.push_refusals import note_refused
from gateway.devices.push_rejects import keep_rejected
from gateway.devices.push_uploads import store_info, store_operlog, store_photo
from gateway.devices.templates import expand_for_hand_over, note_pushed
from gateway.errors import GatewayError
from gateway.store import Device, utcnow

log = logging.getLogger(__name__)

IngestFn = Callable[..., IngestResult]
PUSH_SOURCE = "push"
LOG_LIMIT = 500
_KEY_IN_URL = re.compile(r"(?i)(pushcommkey=)[^&\s]*")


def clip(message: str, limit: int = LOG_LIMIT) -> str:
    """`message` cut to `limit` characters, with its full length noted when it was longer."""
    return message if len(message) <= limit else f"{message[:limit]}… ({len(message):,} characters)"


@dataclass
class PushState:
    """Per-process receiver settings (`[push]`) and the last refused batch per terminal; everything that
    must survive a restart or be shared by processes (commands, refused terminals, uploads) is in the
    database (`gateway.store.push`)."""

    options: PushOptions = field(default_factory=PushOptions)
    settings: cfg.Push = field(default_factory=cfg.Push)
    last_error: dict[str, str] = field(default_factory=dict)  # serial -> why its last upload was refused

    @property
    def max_body_bytes(self) -> int:
        return self.settings.max_body_bytes


def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory = getattr(request.app.state, "session_factory", None)
    if factory is None:
        raise RuntimeError("the app has no state.session_factory: the app factory must set it before mounting /iclock")
    return factory


def get_push_state(request: Request) -> PushState:
    state = getattr(request.app.state, "push_state", None)
    if state is None:
        state = request.app.state.push_state = PushState()
    return state


def get_ingest() -> IngestFn:
    """The ingest function; a dependency so tests can make the server fail between receive and commit."""
    return ingest_punches


Factory = Annotated[sessionmaker[Session], Depends(get_session_factory)]
State = Annotated[PushState, Depends(get_push_state)]
Ingest = Annotated[IngestFn, Depends(get_ingest)]
SerialNumber = Annotated[str, Query(alias="SN", min_length=1, max_length=64)]

router = APIRouter(tags=["ADMS push (/iclock)"])


def _text(body: str, status: int = 200) -> PlainTextResponse:
    return PlainTextResponse(body, status_code=status)


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _admit(
    factory: sessionmaker[Session],
    serial_number: str,
    address: str,
    *,
    handshake_key: str | None = None,
    handshake: bool = False,
    info: str | None = None,
) -> Device | Refusal:
    """The device, admitted and its contact recorded (with `INFO=` health, and the handshake's address),
    or why it is refused; decided and recorded in one transaction."""
    with factory() as session, session.begin():
        device = session.scalar(select(Device).where(Device.sn == serial_number))
        if device is None:
            return Refusal(
                REFUSAL_UNKNOWN,
                f"no device has serial number {serial_number}: add one with that sn (config or API) to accept it",
            )
        refusal = refuse_handshake(device, handshake_key, address) if handshake else refuse_request(device, address)
        if refusal is not None:
            return refusal
        now = utcnow()
        device.last_success_at = now
        if handshake:
            device.push_handshake_from, device.push_handshake_at = address, now
        if info:
            health = parse_info(serial_number, info)
            device.firmware = health.firmware or device.firmware
            device.user_count = health.user_count
            device.record_count = health.record_count
        return device


async def _refused(
    factory: sessionmaker[Session], serial_number: str, request: Request, refusal: Refusal
) -> PlainTextResponse:
    """403, telling the terminal only the reason; the detail (networks, device name) is for the operator.
    The refusal is kept in the database (`gateway.devices.push_refusals`) and logged the first time."""
    address = _address(request)
    table = request.query_params.get("table")
    tried = f"{request.method} {request.url.path}" + (f" table={table[:32]}" if table else "")
    first = await run_in_threadpool(
        note_refused, factory, serial_number, address, refusal.reason, refusal.detail, tried
    )
    if first:
        log.warning(clip(f"refused ADMS push from SN={serial_number} at {address}: {refusal.reason}: {refusal.detail}"))
    if refusal.reason == REFUSAL_UNKNOWN:
        return _text(f"UNKNOWN DEVICE {serial_number}: not in the gateway config", 403)
    return _text(f"REFUSED {serial_number}: {refusal.reason}", 403)


def _offered_key(request: Request) -> str | None:
    """The handshake's `pushcommkey` (the firmware's spelling; other capitalisations accepted too)."""
    return next((value for name, value in request.query_params.multi_items() if name.lower() == "pushcommkey"), None)


@router.get("/cdata")
async def handshake(request: Request, sn: SerialNumber, factory: Factory, state: State) -> PlainTextResponse:
    """`GET /iclock/cdata?SN=…&options=all[&pushcommkey=…]`: tell the terminal where to resume and how to upload."""
    device = await run_in_threadpool(
        _admit, factory, sn, _address(request), handshake_key=_offered_key(request), handshake=True
    )
    if isinstance(device, Refusal):
        return await _refused(factory, sn, request, device)
    options = state.options
    if device.push_stamp:
        options = replace(options, attlog_stamp=device.push_stamp)
    return _text(handshake_reply(sn, options))


@router.post("/cdata")
@router.post("/fdata")
async def upload(
    request: Request,
    sn: SerialNumber,
    factory: Factory,
    state: State,
    ingest: Ingest,
    table: Annotated[str, Query(max_length=32)] = "ATTLOG",
    stamp: Annotated[str | None, Query(alias="Stamp", max_length=32)] = None,
) -> PlainTextResponse:
    """`POST /iclock/cdata?SN=…&table=…&Stamp=…` (or `/iclock/fdata`, where some firmware posts files):
    store the upload, then (only then) answer `OK: N` (ATTLOG, OPERLOG, USERINFO) or `OK` (ATTPHOTO)."""
    device = await run_in_threadpool(_admit, factory, sn, _address(request))
    if isinstance(device, Refusal):
        return await _refused(factory, sn, request, device)
    try:
        body = await read_limited(request, state.max_body_bytes)
    except BodyTooLarge as exc:
        return _refuse_batch(
            state, sn, f"ADMS {table} upload from {sn} refused unread: {exc} ([push] max_body_bytes)", 413
        )
    try:
        if table == "ATTPHOTO":
            return await run_in_threadpool(_store_photo, factory, state, sn, body)
        if table in ("OPERLOG", "USERINFO", "BIODATA"):
            lines = await run_in_threadpool(read_operlog, body, sn, table)
            await run_in_threadpool(store_operlog, factory, sn, table, lines)
            state.last_error.pop(sn, None)
            return _text(accepted_reply(len(lines)))
        if table != "ATTLOG":
            return _text(accepted_reply(await run_in_threadpool(_count_lines, body, f"{table} from {sn}")))
        batch = await run_in_threadpool(read_attlog, body, sn)
    except DriverError as exc:
        # The terminal will send this batch again and again until someone looks: make it visible.
        return _refuse_batch(state, sn, f"refused ADMS batch: {exc}", 400)
    try:
        await run_in_threadpool(_store, factory, ingest, sn, batch, stamp)
    except GatewayError as exc:
        return _refuse_batch(state, sn, f"ADMS batch from {sn} not stored: {exc}", 500)
    state.last_error.pop(sn, None)
    return _text(accepted_reply(batch.records))


def _store_photo(factory: sessionmaker[Session], state: PushState, sn: str, body: bytes) -> PlainTextResponse:
    """Store an ATTPHOTO upload under `[push] max_photo_bytes`; a larger photo is refused (413), nothing stored."""
    photo = read_attphoto(body, sn)
    limit = state.settings.max_photo_bytes
    if len(photo.jpeg) > limit:
        return _refuse_batch(
            state,
            sn,
            f"ATTPHOTO from {sn}: photo {photo.file_name!r} has {len(photo.jpeg):,} bytes, more than the "
            f"{limit:,} of [push] max_photo_bytes: raise it in the config, or lower the terminal's photo quality",
            413,
        )
    store_photo(factory, sn, photo)
    state.last_error.pop(sn, None)
    return _text("OK")


def _count_lines(body: bytes, what: str) -> int:
    return sum(1 for line in decode_body(body, what).splitlines() if line.strip())


def _refuse_batch(state: PushState, sn: str, message: str, status: int) -> PlainTextResponse:
    message = clip(message)
    log.error(message)
    state.last_error[sn] = message
    return _text(f"ERROR: {message}", status)


def _store(
    factory: sessionmaker[Session], ingest: IngestFn, sn: str, batch: AttlogBatch, stamp: str | None
) -> IngestResult:
    """Keep the rejected lines aside, store the punches, then the stamp: each step idempotent."""
    if batch.rejected:
        kept = keep_rejected(factory, sn, batch.rejected, utcnow())
        log.warning(
            clip(
                f"ADMS batch from {sn}: {len(batch.rejected)} line(s) kept aside ({kept} new), not stored as "
                f"punches (GET /api/v1/devices/push-rejects lists them); first: {batch.rejected[0].reason}"
            )
        )
    result = ingest(factory, sn, batch.punches, source=PUSH_SOURCE)
    if stamp:
        with factory() as session, session.begin():
            session.execute(update(Device).where(Device.sn == sn).values(push_stamp=stamp))
    return result


@router.get("/ping")
async def ping(request: Request, sn: SerialNumber, factory: Factory) -> PlainTextResponse:
    """`GET /iclock/ping?SN=…`: a terminal busy uploading tells it is alive (the handshake's `SupportPing=1`)."""
    device = await run_in_threadpool(_admit, factory, sn, _address(request))
    if isinstance(device, Refusal):
        return await _refused(factory, sn, request, device)
    return _text("OK")


@router.get("/getrequest")
async def getrequest(
    request: Request,
    sn: SerialNumber,
    factory: Factory,
    state: State,
    info: Annotated[str | None, Query(alias="INFO", max_length=500)] = None,
) -> PlainTextResponse:
    """`GET /iclock/getrequest?SN=…`: hand over queued commands (marked sent in the database first), or `OK`."""
    device = await run_in_threadpool(_admit, factory, sn, _address(request), info=info)
    if isinstance(device, Refusal):
        return await _refused(factory, sn, request, device)
    settings = state.settings
    commands = await run_in_threadpool(
        partial(hand_over, factory, sn, resend_after_s=settings.resend_after_s, max_sends=settings.max_sends)
    )
    commands = await run_in_threadpool(expand_for_hand_over, factory, commands)
    lines = [command_line(command_id, command) for command_id, command in commands]
    return _text("\n".join(lines) + "\n" if lines else "OK")


@router.post("/devicecmd")
async def devicecmd(request: Request, sn: SerialNumber, factory: Factory, state: State) -> PlainTextResponse:
    """`POST /iclock/devicecmd?SN=…`: record the terminal's command results (an INFO answer as its info)."""
    device = await run_in_threadpool(_admit, factory, sn, _address(request))
    if isinstance(device, Refusal):
        return await _refused(factory, sn, request, device)
    try:
        results = parse_devicecmd(await read_limited(request, state.max_body_bytes), sn)
    except BodyTooLarge as exc:
        return _text(clip(f"ERROR: command results from {sn} refused unread: {exc}"), 413)
    except DriverError as exc:
        return _text(clip(f"ERROR: {exc}"), 400)
    await run_in_threadpool(_record, factory, sn, results)
    return _text("OK")


def _record(factory: sessionmaker[Session], sn: str, results: list[CommandResult]) -> None:
    """Store the results; an answer to an INFO command this terminal was sent becomes its info."""
    recorded = dict(record_results(factory, sn, results))
    finished = {str(command_id) for command_id in recorded}
    note_pushed(factory, sn, [recorded[int(r.command_id)] for r in results if r.return_code == 0
                              and r.command_id in finished])  # fmt: skip
    for result in results:
        if result.command == "INFO" and result.return_code == 0 and result.command_id in finished:
            store_info(factory, sn, result.values())
        if result.return_code != 0:
            log.warning(
                clip(
                    f"terminal {sn}: command {result.command_id} ({result.command}) failed: Return={result.return_code}"
                )
            )


class RedactPushKey(logging.Filter):
    """Replaces the value of `pushcommkey=` in uvicorn access-log lines (the handshake URL carries the key)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "=" in a for a in record.args):
            record.args = tuple(_KEY_IN_URL.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def mount(app: Any, session_factory: sessionmaker[Session], settings: cfg.Push | None = None) -> None:
    """Wire the receiver into `app` at /iclock with the gateway's session factory and `[push]` settings."""
    app.state.session_factory = session_factory
    app.state.push_state = PushState(settings=settings or cfg.Push())
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactPushKey) for f in access_log.filters):
        access_log.addFilter(RedactPushKey())
    app.include_router(router, prefix="/iclock")
