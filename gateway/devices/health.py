"""What a terminal's stored health means: one state and the problems behind it, the same for every screen.

`GET /devices` and the dashboard both show `terminal_health(device, settings, now)`, so a terminal cannot
look healthy in one place and broken in the other. The rules, in order of weight:

- **failing**: the last poll failed (`consecutive_failures` > 0). Its `last_error` (written by the poller
  as `"<driver error type>: <message>"`, `gateway.devices.poller.describe`) says what kind of fix it
  needs: `AuthFailed` → `wrong_comm_key` (the comm key in the config differs from the terminal's),
  `DeviceUnreachable` → `unreachable` (power, cable, address, firewall), anything else → `poll_failed`
  (the message names it: bad bytes, a busy terminal, a serial number that does not match the config).
- **warning**: the last poll worked, but the terminal's clock is off by more than its `max_clock_drift_s`
  (`clock_drift`: punches are stored with the time the terminal stamps, so a clock 8 hours off moves every
  punch 8 hours), or a polled terminal has not been read for 3 of its poll intervals
  (`not_read_recently`: the poller is not running, or cannot reach it any more).
- **warning** too for a `realtime = true` terminal whose live connection (`realtime_links`, written by
  `gateway.devices.realtime`) is down (`realtime_down`, with the reason and since when), or whose listener
  is not running (`realtime_not_running`: no row, or one not refreshed for `LINK_STALE_S`: `serve` is not
  running or does not listen). Either way punches still arrive with each poll, only later.
- **never polled**: nothing has been read from it yet; **ok** otherwise.

Every problem present is listed, a failing terminal's stale clock included. A push terminal (ADMS) is not
polled, so it is never "not read recently" here; its `last_success_at` is its last accepted request.
The settings of a terminal added through the API and not in the config are the config defaults.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from drivers.base import PUSH_KINDS
from gateway import config as cfg
from gateway.store import Device, Office, RealtimeLink

HealthState = Literal["ok", "warning", "failing", "never polled"]
ProblemCode = Literal[
    "unreachable", "wrong_comm_key", "poll_failed", "clock_drift", "not_read_recently", "realtime_down",
    "realtime_not_running",
]  # fmt: skip
#: A polled terminal is "not read recently" once this many of its poll intervals passed without a success.
STALE_INTERVALS = 3
#: A realtime link whose listener has not refreshed it for this long belongs to no running listener.
LINK_STALE_S = 60


@dataclass(frozen=True)
class HealthProblem:
    code: ProblemCode
    message: str
    clock_offset_s: int | None = None


@dataclass(frozen=True)
class TerminalHealth:
    state: HealthState
    problems: tuple[HealthProblem, ...]


def _duration(seconds: int) -> str:
    """28800 → "8 h 0 min", 95 → "1 min 35 s", 42 → "42 s": how far off a clock is, as a person says it."""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _failure(device: Device) -> HealthProblem:
    error = device.last_error or "the last poll failed"
    kind = error.partition(":")[0]
    if kind == "AuthFailed":
        return HealthProblem(
            "wrong_comm_key",
            f"the terminal refused the comm key ({error}): set comm_key for {device.name!r} in the config to the "
            "terminal's (Menu → Comm. → Comm Key), then restart",
        )
    if kind == "DeviceUnreachable" and " does not resolve " in error:  # a name to fix, not a terminal to wait for
        return HealthProblem(
            "unreachable",
            f"the host name {device.host!r} does not resolve ({error}): correct the host of {device.name!r} "
            "(in the config, or PATCH /api/v1/devices) or use the terminal's IP address",
        )
    if kind == "DeviceUnreachable":
        return HealthProblem(
            "unreachable",
            f"no answer from {device.host}:{device.port} ({error}): check the terminal's power and network cable, "
            "its IP address (Menu → Comm. → Ethernet) and any firewall between",
        )
    return HealthProblem("poll_failed", f"the last poll failed: {error}")


def _clock(device: Device, settings: cfg.Device) -> HealthProblem | None:
    offset = device.clock_offset_s
    if offset is None or abs(offset) <= settings.max_clock_drift_s:
        return None
    direction = "fast" if offset > 0 else "slow"
    fix = (
        "the poller sets it on every poll (sync_clock = true) but it does not hold: check the terminal's time "
        "zone and daylight-saving settings and its NTP server"
        if settings.sync_clock
        else f"set sync_clock = true for {device.name!r} in the config (the poller then sets its clock), or set "
        "the date and time on the terminal (Menu → System → Date/Time)"
    )
    return HealthProblem(
        "clock_drift",
        f"the terminal's clock is {_duration(offset)} {direction} ({offset:+d} s; allowed ±{settings.max_clock_drift_s}"
        f" s), so its punches are stamped with the wrong time: {fix}",
        offset,
    )


def _stale(device: Device, settings: cfg.Device, now: datetime) -> HealthProblem | None:
    if device.kind in PUSH_KINDS or device.last_success_at is None:
        return None
    allowed = timedelta(seconds=settings.poll_interval_s * STALE_INTERVALS)
    quiet = now - device.last_success_at
    if quiet <= allowed:
        return None
    return HealthProblem(
        "not_read_recently",
        f"not read since {device.last_success_at:%Y-%m-%d %H:%M} UTC ({_duration(int(quiet.total_seconds()))} ago; "
        f"polled every {settings.poll_interval_s:g} s): check that `punchclock serve` is running and polls this "
        "terminal",
    )


def _realtime(device: Device, settings: cfg.Device, link: RealtimeLink | None, now: datetime) -> HealthProblem | None:
    if not settings.realtime:
        return None
    if link is None or now - link.checked_at > timedelta(seconds=LINK_STALE_S):
        seen = "" if link is None else f" (last seen {link.checked_at:%Y-%m-%d %H:%M:%S} UTC)"
        return HealthProblem(
            "realtime_not_running",
            f"no live connection to {device.name!r}{seen}: its realtime listener is not running — check that "
            "`punchclock serve` runs and polls (it listens beside the poller); punches still arrive with each poll",
        )
    if link.state == "down":
        return HealthProblem(
            "realtime_down",
            f"the live connection is down since {link.since:%Y-%m-%d %H:%M:%S} UTC ({link.error}); punchclock "
            "reconnects by itself, and punches still arrive with each poll meanwhile",
        )
    return None


def link_of(session: Session, device: Device) -> RealtimeLink | None:
    """The live connection's state of `device`, as its listener last wrote it (None: never listened)."""
    return session.get(RealtimeLink, device.name)


def settings_for(config: cfg.Config, device: Device) -> cfg.Device:
    """The config's entry for `device`, or the config defaults for a terminal added through the API."""
    try:
        return config.device(device.name)
    except KeyError:
        return _api_added(device.name, device.kind)


@functools.lru_cache(maxsize=4096)
def _api_added(name: str, kind: str) -> cfg.Device:
    """The config defaults for a terminal the config does not list, validated once per (name, kind): the
    dashboard asks for every terminal on every request, and a config model is not cheap to validate."""
    return cfg.Device(name=name, kind=kind, office="")


def terminal_health(
    device: Device, settings: cfg.Device, now: datetime, link: RealtimeLink | None = None
) -> TerminalHealth:
    """The state and every problem of `device` (see the module docstring); `now` is naive UTC, like the store;
    `link` its live connection (`link_of`), for a `realtime = true` terminal."""
    failing = device.consecutive_failures > 0
    found = [
        problem
        for problem in (
            _failure(device) if failing else None,
            _clock(device, settings),
            _stale(device, settings, now),
            _realtime(device, settings, link, now),
        )
        if problem is not None
    ]
    state: HealthState
    if failing:
        state = "failing"
    elif found:
        state = "warning"
    elif device.last_success_at is None:
        state = "never polled"
    else:
        state = "ok"
    return TerminalHealth(state, tuple(found))


@dataclass(frozen=True)
class TerminalRow:
    device: Device
    office: str | None
    health: TerminalHealth


def terminals_health(session: Session, config: cfg.Config, now: datetime) -> list[TerminalRow]:
    """Every terminal with its office's name and its health, by name.

    One statement: the live links are joined, not fetched per terminal (`link_of` for each of 20 terminals
    was a tenth of a dashboard request)."""
    rows = session.execute(
        select(Device, Office.name, RealtimeLink)
        .outerjoin(Office, Device.office_id == Office.id)
        .outerjoin(RealtimeLink, RealtimeLink.device_name == Device.name)
        .order_by(Device.name)
    )
    return [
        TerminalRow(device, office, terminal_health(device, settings_for(config, device), now, link))
        for device, office, link in rows
    ]
