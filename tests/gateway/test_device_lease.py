"""One operation per terminal at a time: the lease in the database, across threads and processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from gateway_testkit import FakeDriver, punch
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from gateway import config as cfg
from gateway.devices import poller as poller_module
from gateway.devices.inventory import register_config
from gateway.devices.lease import acquire, device_lease, release, renew
from gateway.devices.poller import Poller, PollResult, poll_device
from gateway.errors import TerminalBusy
from gateway.store import Device, DeviceLease, utcnow

OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=0)
HOST = socket.gethostname()


def lease_row(factory: sessionmaker[Session], name: str = "door") -> DeviceLease | None:
    with factory() as session:
        return session.get(DeviceLease, name)


def busy(name: str, operation: str, pid: int, row: DeviceLease) -> str:
    return (
        f"device {name} is busy: {operation} by pid {pid} on host {HOST} since "
        f"{row.acquired_at.isoformat(timespec='seconds')} UTC; one operation talks to a terminal at a time, "
        "try again when it has finished"
    )


def test_a_second_operation_is_refused_naming_the_first(factory: sessionmaker[Session]) -> None:
    with device_lease(factory, "door", "user sync"):
        row = lease_row(factory)
        assert row is not None and (row.operation, row.pid, row.host) == ("user sync", os.getpid(), HOST)
        with pytest.raises(TerminalBusy) as refused:
            acquire(factory, "door", "poll")
        assert str(refused.value) == busy("door", "user sync", os.getpid(), row)
        other = acquire(factory, "gate", "poll")  # another terminal is free
        release(factory, other)
    assert lease_row(factory) is None
    release(factory, acquire(factory, "door", "poll"))


def test_a_lease_that_ran_out_is_taken_over_and_the_old_holder_cannot_touch_it(
    factory: sessionmaker[Session],
) -> None:
    stale = acquire(factory, "door", "poll", ttl_s=-1)  # its holder died: nobody renews it
    fresh = acquire(factory, "door", "user sync")
    assert renew(factory, stale) is False
    release(factory, stale)
    row = lease_row(factory)
    assert row is not None and (row.token, row.operation) == (fresh.token, "user sync")
    assert renew(factory, fresh, ttl_s=600) is True
    row = lease_row(factory)
    assert row is not None and row.expires_at > utcnow() + timedelta(seconds=500)


def test_a_holder_that_lets_go_while_another_asks_leaves_the_lease_to_it(
    db_url: str, engine: Engine, factory: sessionmaker[Session]
) -> None:
    """On PostgreSQL the insert that finds the holder's row and the select that would name the holder read two
    snapshots: a release committed between them left no row to name (a 500 under two API processes' syncs)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite's write lock, taken by the insert, keeps the holder's release out until the answer")
    held = acquire(factory, "door", "poll")
    released: list[str] = []

    def release_before_the_select(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not released and statement.startswith("SELECT") and "device_leases" in statement:
            released.append(statement)
            release(factory, held)  # another connection, committed before the select runs

    event.listen(engine, "before_cursor_execute", release_before_the_select)
    try:
        lease = acquire(factory, "door", "user sync")
    finally:
        event.remove(engine, "before_cursor_execute", release_before_the_select)
    row = lease_row(factory)
    assert released and row is not None and (row.token, row.operation) == (lease.token, "user sync")


def test_the_holder_keeps_renewing_while_it_works(factory: sessionmaker[Session]) -> None:
    with device_lease(factory, "door", "poll", ttl_s=0.3):
        first = lease_row(factory)
        assert first is not None
        deadline = time.monotonic() + 20
        while (row := lease_row(factory)) is not None and row.expires_at == first.expires_at:
            assert time.monotonic() < deadline, "the lease was never renewed"
            time.sleep(0.02)
        assert row is not None and row.expires_at > first.expires_at and row.token == first.token


HOLDER = """
import sys
from gateway.devices.lease import acquire, device_lease
from gateway.store import make_engine, session_factory
factory = session_factory(make_engine(sys.argv[1]))
with device_lease(factory, "door", "user sync", ttl_s=float(sys.argv[2])):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def hold_in_another_process(db_url: str, ttl_s: float) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_url, str(ttl_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    assert child.stdout is not None and child.stdout.readline() == "held\n"
    return child


def test_a_lease_held_by_another_process_is_refused_until_it_ends(db_url: str, factory: sessionmaker[Session]) -> None:
    child = hold_in_another_process(db_url, 60)
    try:
        with pytest.raises(TerminalBusy) as refused:
            acquire(factory, "door", "poll")
        row = lease_row(factory)
        assert row is not None and str(refused.value) == busy("door", "user sync", child.pid, row)
    finally:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline() == "released\n"
        assert child.wait(timeout=30) == 0
    release(factory, acquire(factory, "door", "poll"))


def test_a_killed_holder_on_this_host_frees_the_terminal_at_once(db_url: str, factory: sessionmaker[Session]) -> None:
    child = hold_in_another_process(db_url, 60)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    taken = acquire(factory, "door", "poll")  # pid gone on this host: no need to wait out its 60 s
    row = lease_row(factory)
    assert row is not None and (row.token, row.pid) == (taken.token, os.getpid())
    release(factory, taken)


def test_a_holder_on_another_host_keeps_the_terminal_until_its_lease_runs_out(
    factory: sessionmaker[Session],
) -> None:
    theirs = acquire(factory, "door", "user sync")
    with factory() as session, session.begin():  # as if another machine's process held it (pid unknown here)
        session.get_one(DeviceLease, "door").host = "other-host"
    with pytest.raises(TerminalBusy):
        acquire(factory, "door", "poll")
    with factory() as session, session.begin():
        session.get_one(DeviceLease, "door").expires_at = utcnow() - timedelta(seconds=1)
    mine = acquire(factory, "door", "poll")
    assert renew(factory, theirs) is False
    release(factory, mine)


def setup(factory: sessionmaker[Session]) -> tuple[cfg.Config, cfg.Device]:
    door = cfg.Device(name="door", kind="zk-tcp", host="10.0.0.5", office="HQ")
    config = cfg.Config(offices=[OFFICE], devices=[door])
    register_config(factory, config)
    return config, door


def test_a_poll_of_a_busy_terminal_does_not_talk_to_it_and_is_no_failure(factory: sessionmaker[Session]) -> None:
    _config, door = setup(factory)
    opened: list[str] = []

    def build(device: cfg.Device) -> FakeDriver:
        opened.append(device.label)
        return FakeDriver("ZK1", [punch("1", "2026-03-02 09:00:00", sn="ZK1")])

    with device_lease(factory, "door", "user sync"):
        row = lease_row(factory)
        assert row is not None
        result = poll_device(factory, door, OFFICE, build=build)
    assert (result.busy, result.error, result.read, opened) == (
        True,
        busy("door", "user sync", os.getpid(), row),
        0,
        [],
    )
    with factory() as session:
        device = session.scalars(select(Device).where(Device.name == "door")).one()
        assert (device.consecutive_failures, device.last_error) == (0, None)
    result = poll_device(factory, door, OFFICE, build=build)
    assert (result.busy, result.error, result.new, opened) == (False, None, 1, ["door"])
    assert lease_row(factory) is None  # the poll released its lease


def test_the_poller_comes_back_soon_to_a_busy_terminal(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poller_module, "BUSY_RETRY_S", 0.05)
    config, _door = setup(factory)
    results: list[PollResult] = []
    first_done, stop = threading.Event(), threading.Event()

    def on_result(result: PollResult) -> None:
        results.append(result)
        first_done.set()
        if result.error is None:
            stop.set()

    held = acquire(factory, "door", "user sync")
    poller = Poller(config, factory, build=lambda _d: FakeDriver("ZK1", []), on_result=on_result)
    runner = threading.Thread(target=poller.run, args=(stop,))
    runner.start()
    assert first_done.wait(30)
    release(factory, held)
    runner.join(60)
    assert not runner.is_alive()
    assert [r.busy for r in results][-1] is False and results[0].busy is True
    assert all(r.busy for r in results[:-1])
    # A put-off poll is not a poll: `serve` reports it apart, so its count of polls stays true.
    assert (poller.stats.polls, poller.stats.busy, poller.stats.failures) == (1, len(results) - 1, 0)


def test_a_lease_whose_release_failed_does_not_keep_its_own_process_out(factory: sessionmaker[Session]) -> None:
    """The database went away as the poll ended (a PostgreSQL restart): the row stays, and this same process's
    next poll takes it over instead of finding the terminal busy with itself until the lease runs out."""

    def database_gone() -> Session:
        raise OSError("server closed the connection unexpectedly")

    lease = acquire(factory, "door", "poll")
    with pytest.raises(OSError):
        release(database_gone, lease)  # type: ignore[arg-type]
    assert lease_row(factory) is not None
    again = acquire(factory, "door", "poll")
    row = lease_row(factory)
    assert row is not None and row.token == again.token != lease.token
    release(factory, again)
    assert lease_row(factory) is None
