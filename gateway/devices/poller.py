"""Polling terminals: one device poll (`poll_device`) and the scheduler that runs them (`Poller`).

A poll is: connect → identify (serial, counts) → measure the clock (and correct it past the drift
threshold, with an audit entry; skipped for a source without a clock, such as an export file, whose
offset stays unknown) → download the whole log (or, for a `CursorReader` such as a Hikvision terminal, the
records after the stored cursor) → `ingest_punches` (committed) → confirm every
record read is in the database → optionally clear the device → record health, watermark and cursor, all
under the terminal's lease (`gateway.devices.lease`), so no other operation talks to it meanwhile.
The device is cleared only after that confirmation, and only if it holds no more records than we
read (a punch made during the download would otherwise be wiped unread), and never when the driver
says its source is not `clearable` (an export file belongs to whoever wrote it); a crash anywhere before the
clear leaves the records on the device for the next poll, and re-storing them is a no-op.

Driver calls block, so each poll runs in a worker thread; the scheduler never waits on one device,
so a hung or broken terminal only occupies its own thread until its driver timeout fires.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import CursorReader, DeviceInfo, Driver, DriverError, driver_class
from gateway import config as cfg
from gateway.access.audit import record_audit
from gateway.devices.bus import bus_lock
from gateway.devices.crashpoints import crashpoint
from gateway.devices.ingest import ingest_punches, missing_keys
from gateway.devices.lease import device_lease
from gateway.devices.poller_lock import PollerLock
from gateway.errors import GatewayError, TerminalBusy, UnverifiedDownload
from gateway.store import Device

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (stage, done, total)
DriverFactory = Callable[[cfg.Device], Driver]
#: Seconds before the poller tries a terminal again that another operation held (a user sync, a manual sync).
BUSY_RETRY_S = 5.0


def build_driver(device: cfg.Device) -> Driver:
    """The registered driver for the device's kind, constructed the one way every driver accepts, with its kind's
    options (`cfg.Device.driver_options`); an Anviz terminal on a serial port also gets its bus's lock."""
    bus = {"bus": bus_lock(device.serial_port)} if device.kind == cfg.ANVIZ_KIND and device.serial_port else {}
    driver: Driver = driver_class(device.kind)(
        device.host, device.port, comm_key=device.comm_key, timeout=device.timeout_s, **device.driver_options(), **bus
    )
    return driver


@dataclass
class PollResult:
    device: str
    sn: str | None = None
    read: int = 0
    new: int = 0
    duplicate: int = 0
    quarantined: int = 0
    cleared: bool = False
    clock_offset_s: int | None = None
    clock_set: bool = False
    note: str = ""
    error: str | None = None
    busy: bool = False  # another operation held the terminal (`gateway.devices.lease`): not polled, not failed
    elapsed_s: float = 0.0


def describe(error: BaseException) -> str:
    """The health text for a failure: the error type (what kind of fix) and the driver's own message."""
    return f"{type(error).__name__}: {error}"


def poll_device(
    factory: sessionmaker[Session],
    device: cfg.Device,
    office: cfg.Office,
    *,
    build: DriverFactory = build_driver,
    future_tolerance_s: int = 300,
    progress: Progress | None = None,
) -> PollResult:
    """Poll one terminal once under its lease; failures are caught, written to the device's health and
    returned. A terminal busy with another operation is not polled: `busy`, and `error` says who holds it."""
    result = PollResult(device=device.label)
    started = time.perf_counter()
    try:
        with device_lease(factory, device.label, "poll"):
            _poll_held(factory, device, office, build, future_tolerance_s, progress or (lambda *_: None), result)
    except TerminalBusy as busy:  # not the terminal's failure: its health stays as it is
        result.busy, result.error = True, str(busy)
    result.elapsed_s = time.perf_counter() - started
    return result


def _poll_held(
    factory: sessionmaker[Session],
    device: cfg.Device,
    office: cfg.Office,
    build: DriverFactory,
    future_tolerance_s: int,
    progress: Progress,
    result: PollResult,
) -> None:
    """The poll under the terminal's lease: its failures are caught into `result` and the device's health."""
    try:
        _poll(factory, device, office, build, future_tolerance_s, progress, result)
    except (DriverError, GatewayError) as error:
        result.error = describe(error)
    except Exception as error:  # a bug or an unmapped library error must not stop the other devices
        log.exception("poll of %s failed unexpectedly", device.label)
        result.error = describe(error)
    if result.error is not None:
        known_sn = _record_failure(factory, device.label, result.error)
        result.sn = result.sn or device.sn or known_sn  # the summary names a failed terminal by its serial too


def _poll(
    factory: sessionmaker[Session],
    device: cfg.Device,
    office: cfg.Office,
    build: DriverFactory,
    future_tolerance_s: int,
    progress: Progress,
    result: PollResult,
) -> None:
    zone = ZoneInfo(office.timezone)
    progress("connecting", 0, 1)
    with build(device) as driver:
        info = driver.info()
        sn = info.serial_number
        if device.sn is not None and sn != device.sn:
            raise GatewayError(
                f"device {device.label} at {device.host}:{device.port} reports serial {sn!r} but the config says "
                f"sn = {device.sn!r}: fix the sn or the host in the config"
            )
        result.sn = sn
        _bind_serial(factory, device.label, sn)
        offset: int | None = None
        if driver.has_clock:
            result.clock_offset_s = offset = _clock_offset(driver.get_time(), zone)
            if device.sync_clock and abs(offset) > device.max_clock_drift_s:
                result.clock_set = True
                result.clock_offset_s = _correct_clock(factory, driver, sn, zone, offset)
        progress("reading", 0, max(info.record_count, 1))
        cursor: str | None = None
        if isinstance(driver, CursorReader):
            punches, cursor = driver.read_punches_after(_stored_cursor(factory, device.label))
        else:
            punches = driver.read_punches()
        progress("storing", 0, max(len(punches), 1))
        stored = ingest_punches(
            factory,
            sn,
            punches,
            source=device.kind,
            office_tz=office.timezone,
            double_tap_window_s=office.double_punch_window_s,
            clock_offset_s=offset,
            future_tolerance_s=future_tolerance_s,
            progress=lambda done, total: progress("storing", done, total),
        )
        result.read, result.new, result.duplicate, result.quarantined = (
            stored.read,
            stored.new,
            stored.duplicate,
            stored.quarantined,
        )
        crashpoint("poll.before_verify")
        missing = missing_keys(factory, sn, punches)
        if missing:
            pin, ts = missing[0]
            raise UnverifiedDownload(
                f"{len(missing)} of {len(punches)} records read from {sn} are not in the database after commit "
                f"(first: pin {pin!r} at {ts}); the device was not cleared"
            )
        record_count = info.record_count
        if device.clear_after_download and punches and not driver.clearable:
            result.note = f"not cleared: a {device.kind} source is never cleared by punchclock"
        elif device.clear_after_download and punches:
            crashpoint("poll.before_clear")
            record_count = driver.clear_punches(len(punches))
            if record_count == len(punches):
                crashpoint("poll.after_clear")
                result.cleared, record_count = True, 0
            else:
                result.note = (
                    f"not cleared: the device holds {record_count} records but {len(punches)} were read "
                    "(punches made during the download); it is cleared on a later poll"
                )
    newest = max((p.ts_local for p in punches), default=None)
    _record_success(factory, device.label, info, record_count, result.clock_offset_s, newest, cursor)
    progress("done", 1, 1)


def _clock_offset(device_time: datetime, zone: ZoneInfo) -> int:
    """Device clock minus true office wall time, in whole seconds (positive: the device is fast)."""
    true_local = datetime.now(UTC).astimezone(zone).replace(tzinfo=None)
    return round((device_time - true_local).total_seconds())


def _correct_clock(factory: sessionmaker[Session], driver: Driver, sn: str, zone: ZoneInfo, offset: int) -> int:
    """Set the device clock to true office time, audit it, and return the offset measured afterwards."""
    true_local = datetime.now(UTC).astimezone(zone).replace(tzinfo=None, microsecond=0)
    driver.set_time(true_local)
    record_audit(
        factory,
        "poller",
        "device.set_time",
        f"device:{sn}",
        {"device_time": (true_local + timedelta(seconds=offset)).isoformat(), "offset_s": offset},
        {"device_time": true_local.isoformat(), "offset_s": 0},
    )
    return _clock_offset(driver.get_time(), zone)


def _bind_serial(factory: sessionmaker[Session], label: str, sn: str) -> None:
    with factory() as session, session.begin():
        owner = session.scalar(select(Device.name).where(Device.sn == sn))
        if owner is not None and owner != label:
            raise GatewayError(
                f"device {label} reports serial {sn!r}, which belongs to device {owner}: two config entries "
                "point at the same terminal; remove one"
            )
        session.execute(update(Device).where(Device.name == label).values(sn=sn))


def _stored_cursor(factory: sessionmaker[Session], label: str) -> str | None:
    """The record cursor of the device's last committed poll (`Device.push_stamp`; see `CursorReader`)."""
    with factory() as session:
        return session.scalar(select(Device.push_stamp).where(Device.name == label))


def _record_success(
    factory: sessionmaker[Session],
    label: str,
    info: DeviceInfo,
    record_count: int,
    offset: int | None,
    newest: datetime | None,
    cursor: str | None = None,
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with factory() as session, session.begin():
        row = session.scalars(select(Device).where(Device.name == label)).one()
        row.last_success_at, row.consecutive_failures = now, 0
        row.model, row.firmware = info.model, info.firmware
        row.record_count, row.record_capacity, row.user_count = record_count, info.record_capacity, info.user_count
        row.clock_offset_s = offset
        if newest is not None and (row.watermark_ts_local is None or newest > row.watermark_ts_local):
            row.watermark_ts_local = newest
        if cursor is not None:  # advanced only here: after the records it covers are committed and confirmed
            row.push_stamp = cursor


def _record_failure(factory: sessionmaker[Session], label: str, message: str) -> str | None:
    """Write the failure into the device's health; returns the serial the store knows for it (None: none yet)."""
    with factory() as session, session.begin():
        session.execute(
            update(Device)
            .where(Device.name == label)
            .values(
                last_error=message,
                last_error_at=datetime.now(UTC).replace(tzinfo=None),
                consecutive_failures=Device.consecutive_failures + 1,
            )
        )
        return session.scalar(select(Device.sn).where(Device.name == label))


def backoff_delay(failures: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Seconds to wait after `failures` consecutive failures: base·2^(n−1) capped, jittered to 50–100 %
    so that terminals that failed together (a switch reboot) do not all retry in the same instant."""
    return min(cap_s, base_s * 2 ** (failures - 1)) * rng.uniform(0.5, 1.0)


@dataclass
class PollerStats:
    polls: int = 0
    failures: int = 0
    busy: int = 0  # polls not made because another operation (a user sync) held the terminal
    max_lag_s: float = 0.0  # how late a poll started after it was due (scheduler or worker saturation)
    results: dict[str, PollResult] = field(default_factory=dict)


class Poller:
    """Poll every configured device on its own schedule until `stop` is set.

    When stopped, no new poll starts and the polls in flight finish (their batch commits) before
    `run` returns, which is what `serve` relies on for a clean SIGTERM. With the site's `lock`, every round
    that would start a poll first asks `lock.still_held()`: while it is not held no poll starts (those in
    flight finish), and the slots missed meanwhile are skipped, not caught up.
    """

    def __init__(
        self,
        config: cfg.Config,
        factory: sessionmaker[Session],
        *,
        build: DriverFactory = build_driver,
        rng: random.Random | None = None,
        on_result: Callable[[PollResult], None] | None = None,
        lock: PollerLock | None = None,
    ) -> None:
        self.config = config
        self.site_lock = lock
        self.factory = factory
        self.build = build
        self.rng = rng or random.Random()
        self.on_result = on_result
        self.stats = PollerStats()
        self._lock = threading.Lock()

    def run(self, stop: threading.Event) -> PollerStats:
        devices = {d.label: d for d in self.config.polled_devices}
        if not devices:
            return self.stats
        # Spread the first polls over each device's interval so that a site's terminals are not all
        # polled in the same instant forever after (each next poll is due one interval after the last).
        start = time.monotonic()
        due = {label: start + d.poll_interval_s * i / len(devices) for i, (label, d) in enumerate(devices.items())}
        failures = dict.fromkeys(devices, 0)
        in_flight: dict[Future[PollResult], tuple[str, float]] = {}
        workers = min(self.config.poller.max_workers, len(devices))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
            while not stop.is_set():
                now = time.monotonic()
                busy = {label for label, _ in in_flight.values()}
                ready = [label for label, when in due.items() if when <= now and label not in busy]
                held = not ready or self.site_lock is None or self.site_lock.still_held()
                for label in ready if held else ():
                    in_flight[pool.submit(self._poll, devices[label], due[label])] = (label, due[label])
                    due[label] = float("inf")
                next_due = min(due.values())
                timeout = max(0.0, min(next_due - time.monotonic(), 0.2)) if held else 0.2
                done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED) if in_flight else (set(), None)
                if not in_flight:
                    stop.wait(timeout)
                for future in done:
                    label, was_due = in_flight.pop(future)
                    due[label] = self._next_due(devices[label], future.result(), was_due, failures)
            for future, (label, was_due) in in_flight.items():  # the polls in flight finish and are counted
                self._next_due(devices[label], future.result(), was_due, failures)
        return self.stats

    def _poll(self, device: cfg.Device, was_due: float) -> PollResult:
        """Runs in a worker: the lag is measured here, so a saturated pool shows up as lag too."""
        lag = time.monotonic() - was_due
        with self._lock:
            self.stats.max_lag_s = max(self.stats.max_lag_s, lag)
        try:
            return poll_device(
                self.factory,
                device,
                self.config.office(device.office),
                build=self.build,
                future_tolerance_s=self.config.poller.future_tolerance_s,
            )
        except Exception as error:  # the database away (a restart) under the lease or the health write
            log.exception("poll of %s failed outside the terminal's own errors", device.label)
            return PollResult(device=device.label, sn=device.sn, error=describe(error))

    def _next_due(self, device: cfg.Device, result: PollResult, was_due: float, failures: dict[str, int]) -> float:
        self.stats.results[device.label] = result
        if self.on_result is not None:
            self.on_result(result)
        if result.busy:  # another operation has the terminal: not a poll; try again soon, with no backoff
            self.stats.busy += 1
            return time.monotonic() + min(device.poll_interval_s, BUSY_RETRY_S)
        self.stats.polls += 1
        if result.error is None:
            failures[device.label] = 0
            # on the device's own grid, so polls never drift; slots missed (the lock not held) are skipped
            missed = max(0, math.ceil((time.monotonic() - was_due) / device.poll_interval_s) - 1)
            return was_due + (missed + 1) * device.poll_interval_s
        self.stats.failures += 1
        failures[device.label] += 1
        poller = self.config.poller
        return time.monotonic() + backoff_delay(
            failures[device.label], poller.backoff_base_s, poller.backoff_max_s, self.rng
        )
