"""The ZKTeco ADMS ("iclock" PUSH) receiver: the HTTP server terminals post their punches to.

Mount with `app.include_router(iclock.router, prefix="/iclock")` and set `app.state.session_factory`
(the gateway's `sessionmaker`). The wire format and its sources are in `drivers.zk_push`.

Exactly-once: a posted ATTLOG batch is answered `OK: N` only after `gateway.devices.ingest.ingest_punches`
returned, i.e. after the transaction holding the punches committed. Any failure before that answers
HTTP 500 (never OK), so the terminal keeps the batch and sends it again; since ingest is idempotent on
`(device_sn, pin, ts_local)`, a batch that was committed but whose OK was lost is stored once. The
batch's `Stamp` is persisted on the device (`Device.push_stamp`) after the commit and handed back in
the handshake as `ATTLOGStamp`, so a rebooted terminal resumes where the database is, not before.

Unknown serial numbers (no device with that `sn` in the store) are refused with HTTP 403 on every
path and remembered in `PushState.unknown` (first/last seen, attempts, address), which the API can
list; they are logged once per serial. The gateway never adds devices on its own. For known
terminals every request records `Device.last_success_at`, and the `INFO=` health a getrequest poll
may carry (firmware, user and record counts) is stored on the device.

A batch that cannot be parsed or stored is answered with an error (400/500), logged, and kept as
`PushState.last_error[sn]` until that terminal's next batch is stored. Commands are handed out once
(at-most-once): a poll reply lost on the network loses its commands, which are only clock syncs and
re-upload requests that the caller can queue again.

Tables other than ATTLOG (OPERLOG, ATTPHOTO, BIODATA…) are acknowledged but not stored: refusing
them would make the terminal resend them forever.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from drivers.base import DriverError, RawPunch
from drivers.zk_push import (
    CommandResult,
    PushOptions,
    accepted_reply,
    command_line,
    decode_body,
    handshake_reply,
    parse_attlog,
    parse_devicecmd,
    parse_info,
)
from gateway.devices.ingest import IngestResult, ingest_punches
from gateway.errors import GatewayError
from gateway.store import Device

log = logging.getLogger(__name__)

IngestFn = Callable[..., IngestResult]
PUSH_SOURCE = "push"


@dataclass
class UnknownTerminal:
    serial_number: str
    address: str
    first_seen: datetime
    last_seen: datetime
    attempts: int = 1


@dataclass
class PushState:
    """Per-process receiver state: queued commands, their results, and refused terminals."""

    options: PushOptions = field(default_factory=PushOptions)
    unknown: dict[str, UnknownTerminal] = field(default_factory=dict)
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

    def note_unknown(self, serial_number: str, address: str) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        with self._lock:
            seen = self.unknown.get(serial_number)
            if seen is None:
                self.unknown[serial_number] = UnknownTerminal(serial_number, address, now, now)
                log.warning(
                    "refused ADMS push from unknown terminal SN=%s at %s: add it to the config to accept it",
                    serial_number,
                    address,
                )
            else:
                seen.attempts += 1
                seen.last_seen = now
                seen.address = address


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


def _seen(factory: sessionmaker[Session], serial_number: str, info: str | None = None) -> Device | None:
    """The device with this serial number, its last contact recorded (and `INFO=` health, if sent)."""
    with factory() as session, session.begin():
        device = session.scalar(select(Device).where(Device.sn == serial_number))
        if device is None:
            return None
        device.last_success_at = datetime.now(UTC).replace(tzinfo=None)
        if info:
            health = parse_info(serial_number, info)
            device.firmware = health.firmware or device.firmware
            device.user_count = health.user_count
            device.record_count = health.record_count
        return device


def _refuse_unknown(state: PushState, serial_number: str, request: Request) -> PlainTextResponse:
    state.note_unknown(serial_number, request.client.host if request.client else "")
    return _text(f"UNKNOWN DEVICE {serial_number}: not in the gateway config", 403)


@router.get("/cdata")
async def handshake(request: Request, sn: SerialNumber, factory: Factory, state: State) -> PlainTextResponse:
    """`GET /iclock/cdata?SN=…&options=all`: tell the terminal where to resume and how to upload."""
    device = await run_in_threadpool(_seen, factory, sn)
    if device is None:
        return _refuse_unknown(state, sn, request)
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
    table: Annotated[str, Query()] = "ATTLOG",
    stamp: Annotated[str | None, Query(alias="Stamp", max_length=32)] = None,
) -> PlainTextResponse:
    """`POST /iclock/cdata?SN=…&table=ATTLOG&Stamp=…`: store the batch, then (only then) answer OK."""
    body = await request.body()
    device = await run_in_threadpool(_seen, factory, sn)
    if device is None:
        return _refuse_unknown(state, sn, request)
    try:
        if table != "ATTLOG":
            lines = [line for line in decode_body(body, f"{table} from {sn}").splitlines() if line.strip()]
            return _text(accepted_reply(len(lines)))
        punches = parse_attlog(body, sn)
    except DriverError as exc:
        # The terminal will send this batch again and again until someone looks: make it visible.
        return _refuse_batch(state, sn, f"refused ADMS batch: {exc}", 400)
    try:
        result = await run_in_threadpool(_store, factory, ingest, sn, punches, stamp)
    except GatewayError as exc:
        return _refuse_batch(state, sn, f"ADMS batch from {sn} not stored: {exc}", 500)
    state.last_error.pop(sn, None)
    return _text(accepted_reply(result.read))


def _refuse_batch(state: PushState, sn: str, message: str, status: int) -> PlainTextResponse:
    log.error(message)
    state.last_error[sn] = message
    return _text(f"ERROR: {message}", status)


def _store(
    factory: sessionmaker[Session], ingest: IngestFn, sn: str, punches: Sequence[RawPunch], stamp: str | None
) -> IngestResult:
    result = ingest(factory, sn, punches, source=PUSH_SOURCE)
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
    if await run_in_threadpool(_seen, factory, sn, info) is None:
        return _refuse_unknown(state, sn, request)
    commands = state.take_commands(sn)
    return _text("\n".join(commands) + "\n" if commands else "OK")


@router.post("/devicecmd")
async def devicecmd(request: Request, sn: SerialNumber, factory: Factory, state: State) -> PlainTextResponse:
    """`POST /iclock/devicecmd?SN=…`: record the terminal's command results."""
    body = await request.body()
    if await run_in_threadpool(_seen, factory, sn) is None:
        return _refuse_unknown(state, sn, request)
    try:
        results = parse_devicecmd(body, sn)
    except DriverError as exc:
        return _text(f"ERROR: {exc}", 400)
    state.results.setdefault(sn, []).extend(results)
    for result in results:
        if result.return_code != 0:
            log.warning(
                "terminal %s: command %s (%s) failed with Return=%d",
                sn,
                result.command_id,
                result.command,
                result.return_code,
            )
    return _text("OK")


def mount(app: Any, session_factory: sessionmaker[Session]) -> None:
    """Wire the receiver into `app` at /iclock with the gateway's session factory."""
    app.state.session_factory = session_factory
    app.include_router(router, prefix="/iclock")
