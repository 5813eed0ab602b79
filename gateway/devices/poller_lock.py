"""One poller per database: `serve` polls the terminals only while it holds this advisory lock.

Two `serve` processes on one database would both poll every terminal: twice the load on the
terminals, two clock corrections, two clears racing. So polling starts only under a lock that the
operating system or the database server releases by itself when the holder dies (SIGKILL, power
cut), so no stale lock ever needs clearing by hand:

- **SQLite**: `flock` on a lock file next to the database (`punchclock.db.poller.lock`), which the
  holder fills with its pid, host and start time for the message of the next one. The file stays;
  only the kernel's lock on it counts, and the kernel drops it with the holder's last descriptor.
- **PostgreSQL**: `pg_try_advisory_lock(POLLER_LOCK_KEY)` on a dedicated connection kept for the
  process lifetime, whose `application_name` carries the holder's pid and host; the server drops
  the lock when that connection ends. Advisory locks belong to one database, as the terminals do.
- An in-memory SQLite database cannot be shared between processes: its lock is always free.

`poller_lock(url)` yields a `PollerLock`: `holder` is None when this process holds the lock (and may
poll), else who does — `refusal()` is the sentence `serve` prints before serving the API only.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

#: The advisory lock key of the poller: the bytes "pcpoller" as a signed 64-bit integer.
POLLER_LOCK_KEY = int.from_bytes(b"pcpoller", "big")
_APPLICATION_NAME = "punchclock poller pid={pid} host={host}"
_MAX_APPLICATION_NAME = 63  # PostgreSQL truncates longer names (NAMEDATALEN - 1)


@dataclass(frozen=True, slots=True)
class LockHolder:
    """The process polling the database's terminals, as far as its lock tells (None: not recorded)."""

    pid: int | None
    host: str | None
    since: datetime | None  # aware


@dataclass
class PollerLock:
    """The outcome of trying the lock: `holder` None means this process holds it."""

    holder: LockHolder | None

    def refusal(self) -> str:
        """What a process that did not get the lock says before it serves the API only."""
        holder = self.holder or LockHolder(None, None, None)
        pid = holder.pid if holder.pid is not None else "(unknown)"
        host = holder.host or "(unknown)"
        since = holder.since.isoformat(timespec="seconds") if holder.since is not None else "(unknown)"
        return (
            f"the terminals of this database are polled by pid {pid} on host {host} since {since}; "
            "this process serves the API only"
        )


def _me() -> tuple[int, str]:
    return os.getpid(), socket.gethostname()


def lock_file_path(url: str) -> Path | None:
    """The lock file of an SQLite database file (None: in memory, so no other process can open it)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(f"{database}.poller.lock")


@contextmanager
def _sqlite_lock(path: Path) -> Iterator[PollerLock]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held_elsewhere = True
        else:
            held_elsewhere = False
        if held_elsewhere:
            yield PollerLock(_read_holder(fd))
            return
        pid, host = _me()
        os.ftruncate(fd, 0)
        record = {"pid": pid, "host": host, "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.pwrite(fd, json.dumps(record).encode(), 0)
        yield PollerLock(None)
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


def _read_holder(fd: int) -> LockHolder:
    """The holder the lock file names (its fields None where the file holds nothing usable)."""
    try:
        record = json.loads(os.pread(fd, 4096, 0).decode())
        since = datetime.fromisoformat(record["since"])
        return LockHolder(int(record["pid"]), str(record["host"]), since)
    except (ValueError, KeyError, TypeError):  # written a moment ago and not yet filled in
        return LockHolder(None, None, None)


@contextmanager
def _postgres_lock(url: str) -> Iterator[PollerLock]:
    pid, host = _me()
    name = _APPLICATION_NAME.format(pid=pid, host=host)[:_MAX_APPLICATION_NAME]
    engine = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"application_name": name}
    )
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": POLLER_LOCK_KEY}):
                try:
                    yield PollerLock(None)
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": POLLER_LOCK_KEY})
            else:
                yield PollerLock(_postgres_holder(connection))
    finally:
        engine.dispose()


def _postgres_holder(connection: Connection) -> LockHolder:
    """The holder of the advisory lock, from its connection's `application_name` and start time."""
    row = connection.execute(
        text(
            "SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid = CAST(:high AS oid) AND l.objid = CAST(:low AS oid) "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": POLLER_LOCK_KEY >> 32, "low": POLLER_LOCK_KEY & 0xFFFFFFFF},
    ).first()
    if row is None:  # released between our try and this look
        return LockHolder(None, None, None)
    application_name, since = row
    pid: int | None = None
    host: str | None = None
    for part in (application_name or "").split():
        key, _, value = part.partition("=")
        if key == "pid" and value.isdigit():
            pid = int(value)
        elif key == "host":
            host = value
    return LockHolder(pid, host, since)


@contextmanager
def poller_lock(url: str) -> Iterator[PollerLock]:
    """Try the poller lock of the database at `url` and hold it, if got, until the block ends."""
    if url.startswith("postgresql"):
        with _postgres_lock(url) as lock:
            yield lock
        return
    path = lock_file_path(url)
    if path is None:
        yield PollerLock(None)
        return
    with _sqlite_lock(path) as lock:
        yield lock
