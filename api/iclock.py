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
(firmware sends the key on the handshake only). Refused terminals are remembered per (serial,
address, reason) in `PushState.refused` (first/last seen, attempts; at most `MAX_REFUSED`, the
longest-quiet dropped first), which the API lists; each is logged once. The gateway never adds
devices on its own. For admitted terminals every request records `Device.last_success_at`, and the
`INFO=` health a getrequest poll may carry (firmware, user and record counts) is stored on the device.

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
`PushState.last_error[sn]` until that terminal's next batch is stored. Commands are handed out once
(at-most-once): a poll reply lost on the network loses its commands, which are only clock syncs and
re-upload requests that the caller can queue again.

The handshake URL carries the push comm key; `mount` adds a filter to uvicorn's access logger that
replaces its value with `***`, so even a server run at INFO level never logs it.

Tables other than ATTLOG (OPERLOG, ATTPHOTO, BIODATA…) are acknowledged but not stored: refusing
them would make the terminal resend them forever.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
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
)
from gateway.access.push_auth import REFUSAL_UNKNOWN, Refusal, refuse_handshake, refuse_request
from gateway.config import DEFAULT_PUSH_MAX_BODY_BYTES
from gateway.devices.ingest import IngestResult, ingest_punches
from gateway.devices.push_rejects import keep_rejected
from gateway.errors import GatewayError
from gateway.store import Device, utcnow

log = logging.getLogger(__name__)

IngestFn = Callable[..., IngestResult]
PUSH_SOURCE = "push"
MAX_REFUSED = 1000
LOG_LIMIT = 500
_KEY_IN_URL = re.compile(r"(?i)(pushcommkey=)[^&\s]*")


def clip(message: str, limit: int = LOG_LIMIT) -> str:
    """`message` cut to `limit` characters, with its full length noted when it was longer."""
    return message if len(message) <= limit else f"{message[:limit]}… ({len(message):,} characters)"


@dataclass
class RefusedTerminal:
    serial_number: str
    address: str
    reason: str  # one of gateway.access.push_auth.REFUSAL_*
    detail: str
    first_seen: datetime
    last_seen: datetime
    attempts: int = 1


@dataclass
class PushState:
    """Per-process receiver state: limits, queued commands, their results, and refused terminals."""

    options: PushOptions = field(default_factory=PushOptions)
    max_body_bytes: int = DEFAULT_PUSH_MAX_BODY_BYTES
    refused: dict[tuple[str, str, str], RefusedTerminal] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)  # serial -> why its last upload was refused
    results: dict[str, list[CommandResult]] = field(default_factory=dict)
    _queues: dict[str, deque[str]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enqueue(self, serial_number: str, command: str) -> int:
        """Queue `command` (e.g. `drivers.zk_push.set_time_command(...)`) for the terminal's next poll."""
        with self._lock:
            command_id = next(self._ids)
            self._queues.setdefault(serial_number, deque()).append(command_line(command_id, command))
            return command_id

    def take_commands(self, serial_number: str) -> list[str]:
        with self._lock:
            queue = self._queues.pop(serial_number, deque())
            return list(queue)

    def note_refused(self, serial_number: str, address: str, refusal: Refusal) -> None:
        now = utcnow()
        key = (serial_number, address, refusal.reason)
        with self._lock:
            seen = self.refused.get(key)
            if seen is not None:
                seen.attempts += 1
                seen.last_seen, seen.detail = now, refusal.detail
                return
            if len(self.refused) >= MAX_REFUSED:
                del self.refused[min(self.refused, key=lambda k: self.refused[k].last_seen)]
            self.refused[key] = RefusedTerminal(serial_number, address, refusal.reason, refusal.detail, now, now)
        log.warning(clip(f"refused ADMS push from SN={serial_number} at {address}: {refusal.reason}: {refusal.detail}"))

    def forget_refused(self, serial_number: str) -> None:
        """Drop the refusals of this serial number (its device was just added or its access changed)."""
        with self._lock:
            for key in [k for k in self.refused if k[0] == serial_number]:
                del self.refused[key]


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


def _refused(state: PushState, serial_number: str, request: Request, refusal: Refusal) -> PlainTextResponse:
    """403, telling the terminal only the reason; the detail (networks, device name) is for the operator."""
    state.note_refused(serial_number, _address(request), refusal)
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
        return _refused(state, sn, request, device)
    options = state.options
    if device.push_stamp:
        options = replace(options, attlog_stamp=device.push_stamp)
    return _text(handshake_reply(sn, options))


@router.post("/cdata")
async def upload(
    request: Request,
    sn: SerialNumber,
    factory: Factory,
    state: State,
    ingest: Ingest,
    table: Annotated[str, Query(max_length=32)] = "ATTLOG",
    stamp: Annotated[str | None, Query(alias="Stamp", max_length=32)] = None,
) -> PlainTextResponse:
    """`POST /iclock/cdata?SN=…&table=ATTLOG&Stamp=…`: store the batch, then (only then) answer OK."""
    device = await run_in_threadpool(_admit, factory, sn, _address(request))
    if isinstance(device, Refusal):
        return _refused(state, sn, request, device)
    try:
        body = await read_limited(request, state.max_body_bytes)
    except BodyTooLarge as exc:
        return _refuse_batch(
            state, sn, f"ADMS {table} upload from {sn} refused unread: {exc} ([push] max_body_bytes)", 413
        )
    try:
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


@router.get("/getrequest")
async def getrequest(
    request: Request,
    sn: SerialNumber,
    factory: Factory,
    state: State,
    info: Annotated[str | None, Query(alias="INFO", max_length=500)] = None,
) -> PlainTextResponse:
    """`GET /iclock/getrequest?SN=…`: hand over queued commands, or `OK` when there are none."""
    device = await run_in_threadpool(_admit, factory, sn, _address(request), info=info)
    if isinstance(device, Refusal):
        return _refused(state, sn, request, device)
    commands = state.take_commands(sn)
    return _text("\n".join(commands) + "\n" if commands else "OK")


@router.post("/devicecmd")
async def devicecmd(request: Request, sn: SerialNumber, factory: Factory, state: State) -> PlainTextResponse:
    """`POST /iclock/devicecmd?SN=…`: record the terminal's command results."""
    device = await run_in_threadpool(_admit, factory, sn, _address(request))
    if isinstance(device, Refusal):
        return _refused(state, sn, request, device)
    try:
        results = parse_devicecmd(await read_limited(request, state.max_body_bytes), sn)
    except BodyTooLarge as exc:
        return _text(clip(f"ERROR: command results from {sn} refused unread: {exc}"), 413)
    except DriverError as exc:
        return _text(clip(f"ERROR: {exc}"), 400)
    state.results.setdefault(sn, []).extend(results)
    for result in results:
        if result.return_code != 0:
            log.warning(
                clip(
                    f"terminal {sn}: command {result.command_id} ({result.command}) failed: Return={result.return_code}"
                )
            )
    return _text("OK")


class RedactPushKey(logging.Filter):
    """Replaces the value of `pushcommkey=` in uvicorn access-log lines (the handshake URL carries the key)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "=" in a for a in record.args):
            record.args = tuple(_KEY_IN_URL.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def mount(app: Any, session_factory: sessionmaker[Session], max_body_bytes: int = DEFAULT_PUSH_MAX_BODY_BYTES) -> None:
    """Wire the receiver into `app` at /iclock with the gateway's session factory and body size limit."""
    app.state.session_factory = session_factory
    app.state.push_state = PushState(max_body_bytes=max_body_bytes)
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactPushKey) for f in access_log.filters):
        access_log.addFilter(RedactPushKey())
    app.include_router(router, prefix="/iclock")
