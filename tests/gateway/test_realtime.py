"""Realtime punches end to end: simulator punch → live connection → database, beside the periodic poll."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway import config as cfg
from gateway.devices.health import link_of, terminal_health
from gateway.devices.inventory import register_config
from gateway.devices.lease import device_lease
from gateway.devices.poller import poll_device
from gateway.devices.realtime import RealtimeListener
from gateway.store import Device, Punch, RealtimeLink, utcnow
from simulators.zk import ZKTerminal

OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=0)
AT = datetime(2026, 3, 2, 8, 1, 2)


def setup(factory: sessionmaker[Session], t: ZKTerminal) -> cfg.Device:
    device = cfg.Device(name="door", kind="zk-tcp", host="127.0.0.1", port=t.port, office="HQ", realtime=True)
    register_config(factory, cfg.Config(offices=[OFFICE], devices=[device]))
    return device


def stored(factory: sessionmaker[Session], sn: str) -> list[tuple[str, datetime, int, int]]:
    with factory() as session:
        rows = session.scalars(select(Punch).where(Punch.device_sn == sn).order_by(Punch.ts_local))
        return [(p.pin, p.ts_local, p.punch_state, p.verify_mode) for p in rows]


def wait_for(condition: object, limit_s: float) -> float:
    """Seconds until `condition()` held, polled every 20 ms; fails past `limit_s`."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - started < limit_s, f"not within {limit_s} s"
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def live(factory: sessionmaker[Session]) -> Iterator[tuple[ZKTerminal, RealtimeListener]]:
    stop = threading.Event()
    with ZKTerminal(users=3, records=5) as t:
        listener = RealtimeListener(factory, setup(factory, t), OFFICE, wait_s=0.1, backoff_base_s=0.05)
        thread = listener.start(stop)
        wait_for(listener.connected.is_set, 10)
        yield t, listener
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def test_a_punch_reaches_the_database_within_2_s_and_the_next_full_read_adds_nothing(
    factory: sessionmaker[Session], live: tuple[ZKTerminal, RealtimeListener]
) -> None:
    t, listener = live
    started = time.monotonic()
    assert t.punch("1002", AT, state=1, verify=15) == 1
    wait_for(lambda: stored(factory, t.serial) == [("1002", AT, 1, 15)], 2.0 - (time.monotonic() - started))

    result = poll_device(factory, listener.device, OFFICE)
    assert (result.error, result.busy, result.read, result.new, result.duplicate) == (None, False, 6, 5, 1)
    assert len(stored(factory, t.serial)) == 6
    wait_for(listener.connected.is_set, 10)  # back live after standing aside for the poll
    again = poll_device(factory, listener.device, OFFICE)
    assert (again.read, again.new, again.duplicate) == (6, 0, 6)


def test_the_listener_stands_aside_while_another_operation_holds_the_terminal(
    factory: sessionmaker[Session], live: tuple[ZKTerminal, RealtimeListener]
) -> None:
    t, listener = live
    with device_lease(factory, "door", "user sync"):
        wait_for(lambda: not listener.connected.is_set(), 2)
        assert t.punch("1001", AT, ack_timeout=0.2) == 0  # no live session: in the log only
    wait_for(listener.connected.is_set, 10)
    assert stored(factory, t.serial) == []  # the poll is the safety net for it
    later = AT.replace(minute=30)
    assert t.punch("1003", later) == 1
    wait_for(lambda: stored(factory, t.serial) == [("1003", later, 0, 1)], 2)


def test_the_live_thread_survives_a_simulator_restart(
    factory: sessionmaker[Session], live: tuple[ZKTerminal, RealtimeListener]
) -> None:
    t, listener = live
    t.stop()
    wait_for(lambda: not listener.connected.is_set(), 5)
    t.start()  # the same port again
    wait_for(listener.connected.is_set, 10)
    assert t.punch("1001", AT) == 1
    wait_for(lambda: stored(factory, t.serial) == [("1001", AT, 0, 1)], 2)


def test_realtime_is_refused_for_other_kinds(tmp_path: Path) -> None:
    path = tmp_path / "punchclock.toml"
    path.write_text(
        '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
        '[[devices]]\nname = "door"\nkind = "zk-udp"\nhost = "10.0.0.5"\noffice = "HQ"\nrealtime = true\n',
        encoding="utf-8",
    )
    with pytest.raises(cfg.ConfigError) as error:
        cfg.load_config(path)
    assert str(error.value) == (
        f"{path}: devices[0].realtime: only for zk-tcp terminals (live events over the binary protocol's TCP link); "
        "a zk-udp device is read by its periodic poll or push: remove `realtime = true`"
    )


def link_health(factory: sessionmaker[Session], device: cfg.Device) -> tuple[str, list[tuple[str, str]]]:
    with factory() as session:
        row = session.scalars(select(Device).where(Device.name == device.name)).one()
        health = terminal_health(row, device, utcnow(), link_of(session, row))
        return health.state, [(p.code, p.message) for p in health.problems]


def test_the_live_link_s_state_is_recorded_and_judged(
    factory: sessionmaker[Session], live: tuple[ZKTerminal, RealtimeListener]
) -> None:
    t, listener = live
    with factory() as session:
        link = session.get(RealtimeLink, "door")
        assert link is not None and (link.state, link.error, link.last_event_at) == ("up", None, None)
    assert link_health(factory, listener.device) == ("never polled", [])
    assert t.punch("1002", AT) == 1
    wait_for(lambda: stored(factory, t.serial) != [], 2)

    def event_noted() -> bool:  # the link row is written just after the punch's own transaction
        with factory() as session:
            link = session.get(RealtimeLink, "door")
            return link is not None and link.last_event_at is not None and link.state == "up"

    wait_for(event_noted, 2)
    t.stop()
    wait_for(lambda: link_health(factory, listener.device)[0] == "warning", 5)
    [(code, message)] = link_health(factory, listener.device)[1]
    assert code == "realtime_down"
    assert message.startswith("the live connection is down since ") and "DeviceUnreachable: " in message
    assert message.endswith("punchclock reconnects by itself, and punches still arrive with each poll meanwhile")
    t.start()
    wait_for(lambda: link_health(factory, listener.device) == ("never polled", []), 10)


def test_a_realtime_terminal_nobody_listens_to_is_a_warning(factory: sessionmaker[Session]) -> None:
    device = cfg.Device(name="door", kind="zk-tcp", host="127.0.0.1", port=1, office="HQ", realtime=True)
    register_config(factory, cfg.Config(offices=[OFFICE], devices=[device]))
    assert link_health(factory, device) == (
        "warning",
        [
            (
                "realtime_not_running",
                "no live connection to 'door': its realtime listener is not running — check that `punchclock serve` "
                "runs and polls (it listens beside the poller); punches still arrive with each poll",
            )
        ],
    )
    assert link_health(factory, device.model_copy(update={"realtime": False})) == ("never polled", [])
