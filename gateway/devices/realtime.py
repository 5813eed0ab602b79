"""Realtime punches: one live event connection per `realtime = true` terminal (zk-tcp), in its own thread.

A punch the terminal announces (CMD_REG_EVENT, EF_ATTLOG; `drivers.zk.ZKTcpDriver.read_live`) is stored
at once through `ingest_punches`, the periodic poll's path, with the same key `(device_sn, pin, ts_local)`
and source: the next full read finds it stored and adds nothing. The poll stays the safety net: an event
missed while the link was down, or while the listener stood aside, is still in the terminal's log.

**The lease and the live socket.** A listener only reads and ACKs; it never sends a command while
another operation talks to the terminal, and it never keeps the terminal from one:

- It connects and registers under the terminal's lease (operation "realtime"), so those commands never
  interleave with a poll's or a user sync's, and releases the lease as soon as it listens.
- While listening it looks at the lease every `wait_s` (0.5 s). When any other operation holds it (a
  poll, a user sync, `punchclock sync` of another process), the listener closes its session (CMD_EXIT)
  and waits until the lease is free, then connects again. So the periodic read is never blocked, and
  the live session is closed at most `wait_s` after another operation took the terminal.
- Whether a real terminal accepts a second TCP session beside the live one is not documented in the
  public protocol description (the simulator accepts several); node-zklib's maintainer reports that
  realtime events are not delivered while another client is connected. Standing aside makes the live
  session a guest: it is back within `wait_s` of the other operation's end, and an event announced
  meanwhile is read by the poll that held the terminal or the next one.

A lost link (the terminal restarted, a cable) is reconnected with exponential backoff (`backoff_base_s`
doubling to `backoff_max_s`, jittered); the failure is logged once and the recovery once.

**Its state in the database** (`realtime_links`, one row per terminal, for `GET /devices` in any process):
"up" with `since` once registered for events, "down" with the reason (`describe(error)`) on a failure,
`last_event_at` at each stored event, and `checked_at` refreshed at least every `HEARTBEAT_S` while the
listener runs, so a row nobody refreshes tells `gateway.devices.health` that the listener is gone. Standing
aside for another operation is not a state change (the link is back within `wait_s` of its end).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import DriverError, RawPunch
from drivers.zk import ZKTcpDriver
from gateway import config as cfg
from gateway.devices.ingest import ingest_punches
from gateway.devices.lease import device_lease
from gateway.devices.poller import backoff_delay, describe
from gateway.errors import GatewayError, TerminalBusy
from gateway.store import DeviceLease, RealtimeLink, utcnow

log = logging.getLogger(__name__)

#: Seconds a listener waits for an event before it looks at the terminal's lease again.
WAIT_S = 0.5
#: A running listener refreshes its `realtime_links.checked_at` at least this often.
HEARTBEAT_S = 15.0


class LiveDriver(Protocol):
    """What a listener needs of a driver (`drivers.zk.ZKTcpDriver`)."""

    serial_number: str

    def open(self) -> None: ...

    def close(self) -> None: ...

    def start_live(self) -> None: ...

    def read_live(self, wait_s: float) -> list[RawPunch]: ...


LiveDriverFactory = Callable[[cfg.Device], LiveDriver]
Stored = Callable[[cfg.Device, Sequence[RawPunch], int], None]  # (device, punches, new): what the caller reports


def build_live_driver(device: cfg.Device) -> LiveDriver:
    return ZKTcpDriver(device.host, device.port, comm_key=device.comm_key, timeout=device.timeout_s)


class RealtimeListener:
    """The live connection of one terminal; `start(stop)` runs it in a daemon thread until `stop` is set."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        device: cfg.Device,
        office: cfg.Office,
        *,
        build: LiveDriverFactory = build_live_driver,
        wait_s: float = WAIT_S,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        future_tolerance_s: int = 300,
        on_stored: Stored | None = None,
    ) -> None:
        self.factory = factory
        self.device = device
        self.office = office
        self.build = build
        self.wait_s = wait_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.future_tolerance_s = future_tolerance_s
        self.on_stored = on_stored or (lambda device, punches, new: None)
        self.connected = threading.Event()  # set while the live session is registered (for tests and status)
        self._rng = random.Random()

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name=f"realtime-{self.device.label}", daemon=True)
        thread.start()
        return thread

    def run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            if self._held_by_another():
                stop.wait(self.wait_s)
                continue
            try:
                self._session(stop)
            except TerminalBusy:  # another operation took it between the look and the connect
                stop.wait(self.wait_s)
                continue
            except (DriverError, GatewayError) as error:
                failures += 1
                self._report("down", describe(error))
                if failures == 1:
                    log.warning("realtime %s: %s; reconnecting with backoff", self.device.label, describe(error))
                stop.wait(backoff_delay(failures, self.backoff_base_s, self.backoff_max_s, self._rng))
                continue
            except Exception as error:  # a bug must not end the listener for good: logged, retried like a failure
                failures += 1
                self._report("down", f"{type(error).__name__}: {error}")
                log.exception("realtime %s failed unexpectedly", self.device.label)
                stop.wait(backoff_delay(failures, self.backoff_base_s, self.backoff_max_s, self._rng))
                continue
            if failures:
                log.info("realtime %s: live again after %d failed attempts", self.device.label, failures)
                failures = 0

    def _session(self, stop: threading.Event) -> None:
        """One live session: connect and register under the lease, then listen until stopped or another
        operation takes the terminal (a normal return) or the link fails (raises)."""
        driver = self.build(self.device)
        try:
            with device_lease(self.factory, self.device.label, "realtime"):
                driver.open()
                self._check_serial(driver.serial_number)
                driver.start_live()
            self._report("up", None)
            self.connected.set()
            beat = utcnow()
            while not stop.is_set():
                punches = driver.read_live(self.wait_s)
                if punches:
                    self._store(driver.serial_number, punches)
                    self._report("up", None, event=True)
                    beat = utcnow()
                elif (utcnow() - beat).total_seconds() >= HEARTBEAT_S:
                    self._report("up", None)
                    beat = utcnow()
                if self._held_by_another():
                    log.debug("realtime %s: standing aside for another operation", self.device.label)
                    return
        finally:
            driver.close()
            self.connected.clear()

    def _check_serial(self, sn: str) -> None:
        if self.device.sn is not None and sn != self.device.sn:
            raise GatewayError(
                f"device {self.device.label} at {self.device.host}:{self.device.port} reports serial {sn!r} but the "
                f"config says sn = {self.device.sn!r}: fix the sn or the host in the config"
            )

    def _store(self, sn: str, punches: list[RawPunch]) -> None:
        result = ingest_punches(
            self.factory,
            sn,
            punches,
            source=self.device.kind,
            office_tz=self.office.timezone,
            double_tap_window_s=self.office.double_punch_window_s,
            future_tolerance_s=self.future_tolerance_s,
        )
        self.on_stored(self.device, punches, result.new)

    def _report(self, state: str, error: str | None, *, event: bool = False) -> None:
        """Record the link's state (`since` moves only when the state changes) and the heartbeat."""
        now = utcnow()
        with self.factory() as session, session.begin():
            link = session.get(RealtimeLink, self.device.label)
            if link is None:
                link = RealtimeLink(device_name=self.device.label, state=state, since=now, checked_at=now)
                session.add(link)
            elif link.state != state:
                link.state, link.since = state, now
            link.error = error
            link.checked_at = now
            if event:
                link.last_event_at = now

    def _held_by_another(self) -> bool:
        """Whether some operation holds the terminal's lease now (a lease that ran out holds nothing)."""
        with self.factory() as session:
            expires = session.scalar(select(DeviceLease.expires_at).where(DeviceLease.device_name == self.device.label))
        return expires is not None and expires >= utcnow()


def start_listeners(
    factory: sessionmaker[Session],
    config: cfg.Config,
    stop: threading.Event,
    *,
    build: LiveDriverFactory = build_live_driver,
    on_stored: Stored | None = None,
) -> list[RealtimeListener]:
    """A started listener for every `realtime = true` device of the config."""
    listeners = []
    for device in config.devices:
        if not device.realtime:
            continue
        listener = RealtimeListener(
            factory,
            device,
            config.office(device.office),
            build=build,
            future_tolerance_s=config.poller.future_tolerance_s,
            on_stored=on_stored,
        )
        listener.start(stop)
        listeners.append(listener)
    return listeners
