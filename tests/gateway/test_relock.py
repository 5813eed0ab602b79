"""A site gateway keeps its PostgreSQL site lock across a lost connection (issue 17, found by the soak).

The server forgets a session advisory lock when its connection ends (a restart, `pg_terminate_backend`); the
gateway used to poll on without it, beside whoever took the site next. Here the lock's backend is terminated
under a running `Poller`: it takes the lock again before its next poll, or, when another process took the site
first, polls no more (saying who polls it) until that one lets go.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from gateway_testkit import FakeDriver, punch
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import gateway.devices.poller_lock as poller_lock_module
from gateway import config as cfg
from gateway.access.keys import KeyRing
from gateway.devices.inventory import register_config
from gateway.devices.poller import Poller, PollerStats, PollResult
from gateway.devices.poller_lock import poller_lock
from gateway.store import make_engine, session_factory

pytestmark = pytest.mark.postgres  # SQLite's flock lives with the process's descriptor: it is never lost

HOLDER = """
import sys
from gateway.devices.poller_lock import poller_lock
with poller_lock(sys.argv[1], "SH") as held:
    print("held" if held.holder is None else "refused", flush=True)
    sys.stdin.read()
"""
HOST = socket.gethostname()
OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=0)
DOOR = cfg.Device(name="door", kind="zk-tcp", host="10.0.0.5", office="HQ", poll_interval_s=0.05)
LOST = (
    "the poller lock of site SH was lost with its connection (terminating connection due to administrator "
    "command); no poll starts until it is taken again"
)
TAKEN_AGAIN = "the poller lock of site SH is taken again; polling goes on"


@pytest.fixture
def admin(pg_empty_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_empty_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(admin: Engine, test_keys: KeyRing, tmp_path: os.PathLike[str]) -> sessionmaker[Session]:
    return session_factory(admin, keys=test_keys, anchor_file=f"{tmp_path}/punchclock.anchors")


@pytest.fixture
def config(factory: sessionmaker[Session]) -> cfg.Config:
    config = cfg.Config(site="SH", offices=[OFFICE], devices=[DOOR])
    register_config(factory, config)
    return config


@pytest.fixture
def lock_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    caplog.set_level(logging.WARNING, logger=poller_lock_module.__name__)
    return lambda: [r.getMessage() for r in caplog.records if r.name == poller_lock_module.__name__]


def terminate(admin: Engine, pid: int) -> None:
    """End the poller lock connection of process `pid` as an administrator would, waiting until it is gone."""
    with admin.connect() as connection:
        ended = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                "WHERE application_name = 'punchclock poller pid=' || :pid || ' host=' || :host"
            ),
            {"pid": pid, "host": HOST},
        )
    assert ended == 1


def holders_of_the_site(url: str) -> int | None:
    """The pid a second try of site SH's lock is refused by (None: it is free)."""
    with poller_lock(url, "SH") as lock:
        return None if lock.holder is None else lock.holder.pid


def run_in_thread(poller: Poller, stop: threading.Event) -> tuple[threading.Thread, list[PollerStats]]:
    out: list[PollerStats] = []
    thread = threading.Thread(target=lambda: out.append(poller.run(stop)), daemon=True)
    thread.start()
    return thread, out


def test_a_terminated_lock_connection_is_taken_again_before_the_next_poll(
    pg_empty_url: str,
    admin: Engine,
    factory: sessionmaker[Session],
    config: cfg.Config,
    lock_log: Callable[[], list[str]],
) -> None:
    stop = threading.Event()
    refused_by: list[int | None] = []

    def on_result(result: PollResult) -> None:
        if poller.stats.polls == 0:  # after the first poll, before the second is started
            terminate(admin, os.getpid())
            assert lock_log() == []
        elif poller.stats.polls == 1:
            refused_by.append(holders_of_the_site(pg_empty_url))
            stop.set()

    with poller_lock(pg_empty_url, "SH") as lock:
        assert lock.holder is None
        poller = Poller(
            config,
            factory,
            build=lambda _d: FakeDriver("ZK1", [punch("1", "2026-03-02 09:00:00", sn="ZK1")]),
            on_result=on_result,
            lock=lock,
        )
        stats = poller.run(stop)
    assert (stats.polls, stats.failures) == (2, 0)
    assert refused_by == [os.getpid()]  # the second poll ran under the lock taken again
    assert lock_log() == [LOST, TAKEN_AGAIN]


def test_a_site_taken_by_another_gateway_meanwhile_is_polled_no_more_until_it_lets_go(
    pg_empty_url: str,
    admin: Engine,
    factory: sessionmaker[Session],
    config: cfg.Config,
    lock_log: Callable[[], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(poller_lock_module, "RETAKE_EVERY_S", 0.1)
    refusals: list[int] = []
    count_refusals = poller_lock_module._postgres_holder

    def holder(connection: object, key: int) -> poller_lock_module.LockHolder:
        refusals.append(key)
        return count_refusals(connection, key)  # type: ignore[arg-type]

    monkeypatch.setattr(poller_lock_module, "_postgres_holder", holder)
    second: list[subprocess.Popen[str]] = []

    def on_result(result: PollResult) -> None:
        if poller.stats.polls == 0:  # the first poll made: the lock is lost and another gateway takes the site
            terminate(admin, os.getpid())
            child = subprocess.Popen(
                [sys.executable, "-c", HOLDER, pg_empty_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            second.append(child)
            assert child.stdout is not None and child.stdout.readline().strip() == "held"
        else:
            stop.set()

    stop = threading.Event()
    with poller_lock(pg_empty_url, "SH") as lock:
        poller = Poller(config, factory, build=lambda _d: FakeDriver("ZK1", []), on_result=on_result, lock=lock)
        thread, out = run_in_thread(poller, stop)
        try:
            for _ in range(300):  # bounded: the refused retries come every 0.1 s
                if len(refusals) >= 5:
                    break
                time.sleep(0.05)
            assert len(refusals) >= 5
            assert poller.stats.polls == 1  # five tries at 0.1 s, a poll due every 0.05 s: none started
            child = second[0]
            with admin.connect() as connection:
                since = connection.scalar(
                    text("SELECT backend_start FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": f"punchclock poller pid={child.pid} host={HOST}"},
                )
            assert lock_log() == [
                LOST,
                f"the terminals of site SH of this database are polled by pid {child.pid} on host {HOST} since "
                f"{since.isoformat(timespec='seconds')}; this process polls no more and tries to take the lock "
                "again every 0.1 s",
            ]  # once, however often it is refused
            child.kill()  # the second gateway lets go: the first takes the site back and polls
            child.wait()
            thread.join(timeout=60)
        finally:
            stop.set()
            for child in second:
                child.kill()
                child.wait()
    assert out[0].polls == 2
    assert lock_log()[2:] == [TAKEN_AGAIN]
