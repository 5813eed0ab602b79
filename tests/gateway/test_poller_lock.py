"""One poller per database: a second holder is refused and told who polls; the lock dies with its holder.

Two real processes on SQLite (lock file + flock) and PostgreSQL (pg_try_advisory_lock): the holder is
a child process, SIGKILLed to show that no stale lock survives it. Then two real `punchclock serve`
processes on one database: the second serves the API only, and a third takes over once the first is
killed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from gateway.access.keys import create_key_file
from gateway.devices.poller_lock import LockHolder, PollerLock, lock_file_path, poller_lock
from simulators.comet_export import write_export

HOLDER = """
import sys
from gateway.devices.poller_lock import poller_lock
with poller_lock(sys.argv[1]) as lock:
    print("held" if lock.holder is None else "refused", flush=True)
    sys.stdin.read()
"""
PUNCHCLOCK = str(Path(sys.executable).with_name("punchclock"))
# rich wraps at the terminal width, 80 columns in a pipe: keep each message on one line
WIDE = dict(os.environ, COLUMNS="400")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'punchclock.db'}"
    result: str = request.getfixturevalue("pg_empty_url")
    return result


def free_lock(url: str) -> bool:
    """Whether this process can take the lock right now (it lets go at once)."""
    with poller_lock(url) as lock:
        return lock.holder is None


def wait_until_free(url: str) -> bool:
    """The server notices a killed client's closed socket within moments; bounded, never a fixed sleep."""
    for _ in range(100):
        if free_lock(url):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def holder(url: str) -> Iterator[subprocess.Popen[str]]:
    """A child process holding the lock of `url` until killed."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    yield child
    child.kill()
    child.wait()


def test_a_second_process_is_told_who_polls_and_the_lock_dies_with_its_holder(
    url: str, holder: subprocess.Popen[str]
) -> None:
    with poller_lock(url) as lock:
        assert lock.holder is not None
        assert (lock.holder.pid, lock.holder.host) == (holder.pid, socket.gethostname())
        assert lock.holder.since is not None
        assert datetime.now(UTC) - timedelta(minutes=1) < lock.holder.since <= datetime.now(UTC)
        assert lock.refusal() == (
            f"the terminals of this database are polled by pid {holder.pid} on host {socket.gethostname()} since "
            f"{lock.holder.since.isoformat(timespec='seconds')}; this process serves the API only"
        )
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert wait_until_free(url)


def test_the_lock_is_held_until_the_block_ends(url: str) -> None:
    with poller_lock(url) as first:
        assert first.holder is None
        assert not free_lock(url)  # a second holder in this process is refused too (its own descriptor/connection)
    assert free_lock(url)


def test_the_sqlite_lock_file_lies_next_to_the_database(tmp_path: Path) -> None:
    assert lock_file_path(f"sqlite:///{tmp_path / 'site.db'}") == tmp_path / "site.db.poller.lock"
    assert lock_file_path("sqlite://") is None  # in memory: no other process can open it, so always free
    assert free_lock("sqlite://")


def test_a_holder_that_recorded_nothing_yet_is_named_unknown() -> None:
    """A lock file taken a moment ago and not yet filled in (or a lock holder PostgreSQL no longer lists)."""
    assert PollerLock(LockHolder(None, None, None)).refusal() == (
        "the terminals of this database are polled by pid (unknown) on host (unknown) since (unknown); "
        "this process serves the API only"
    )


def _config(tmp_path: Path, url: str, name: str) -> tuple[Path, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    export = tmp_path / "comet.csv"
    if not export.exists():
        write_export(export, users=3, records=12, seed=5)
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n\n[api]\nbind = "127.0.0.1:{port}"\n\n'
        '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
        f'[[devices]]\nname = "plant-file"\nkind = "comet-csv"\nhost = "{export}"\noffice = "HQ"\n'
        "poll_interval_s = 3600\n",
        encoding="utf-8",
    )
    return path, port


def _serve(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PUNCHCLOCK, "serve", "--config", str(config)],
        env=WIDE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _line_starting(process: subprocess.Popen[str], prefix: str) -> str:
    """The first line of the process's stderr starting with `prefix`; a process that never says it is killed
    after a minute, so a missing line fails the test instead of hanging it."""
    assert process.stderr is not None
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    seen = []
    try:
        for line in process.stderr:
            if line.startswith(prefix):
                return line.strip()
            seen.append(line)
    finally:
        watchdog.cancel()
    raise AssertionError(f"no line starting {prefix!r} in: {''.join(seen)}")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    assert process.stderr is not None
    rest = process.stderr.read()
    assert process.wait(timeout=30) == 0, rest
    return rest


@pytest.mark.slow
def test_a_second_serve_serves_the_api_only_and_a_third_takes_over(url: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / "punchclock.key")  # the PostgreSQL database exists already: it needs its key file
    first_config, _ = _config(tmp_path, url, "first")
    second_config, second_port = _config(tmp_path, url, "second")
    third_config, _ = _config(tmp_path, url, "third")
    first = _serve(first_config)
    try:
        shown = make_url(url).render_as_string(hide_password=True)  # never the database password
        assert _line_starting(first, "polling 1 devices into ") == f"polling 1 devices into {shown}"
        assert _line_starting(first, "plant-file (COMET-1): read 12, new 12")
        second = _serve(second_config)
        try:
            refusal = _line_starting(second, "the terminals of this database are polled by ")
            assert refusal.startswith(
                f"the terminals of this database are polled by pid {first.pid} on host {socket.gethostname()} since "
            )
            assert refusal.endswith("; this process serves the API only")
            assert httpx.get(f"http://127.0.0.1:{second_port}/health").json() == {"status": "ok"}
        finally:
            assert "stopped after 0 polls (0 failed)" in _stop(second)
    finally:
        first.kill()
        first.wait()
    assert wait_until_free(url)
    third = _serve(third_config)
    try:
        assert _line_starting(third, "polling 1 devices into ")
        assert _line_starting(third, "plant-file (COMET-1): read 12, new 0")  # the first one stored them
    finally:
        assert "stopped after 1 polls (0 failed)" in _stop(third)


@pytest.mark.postgres
def test_a_lock_whose_connection_the_server_dropped_is_let_go_without_an_error(pg_empty_url: str) -> None:
    """A PostgreSQL restart ends the lock's connection (and the lock with it): found by the soak (issue 17), `serve`
    then died at SIGTERM with a traceback from `pg_advisory_unlock_all()` on the dead connection, exit code 1."""
    from sqlalchemy import text

    from gateway.store import make_engine

    engine = make_engine(pg_empty_url)
    try:
        with poller_lock(pg_empty_url) as lock:
            assert lock.holder is None
            with engine.connect() as admin:
                ended = admin.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name LIKE 'punchclock poller pid=' || :pid || ' %'"
                    ),
                    {"pid": os.getpid()},
                )
            assert ended == 1
    finally:
        engine.dispose()
    assert free_lock(pg_empty_url)
