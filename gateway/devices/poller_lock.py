"""One poller per site per database, one backup taker per database: locks that die with their holder.

Two `serve` processes polling the same terminals would poll each twice: twice the load on the
terminals, two clock corrections, two clears racing. So polling starts only under a lock that the
operating system or the database server releases by itself when the holder dies (SIGKILL, power
cut), so no stale lock ever needs clearing by hand:

- **Per site**: a gateway with `site = "SH"` holds the lock of site SH (and shares the database's
  whole-database lock with the other sites' gateways); a gateway with no site polls every terminal
  and so holds the whole-database lock alone. Three site gateways share one PostgreSQL; a second SH
  gateway, or a site-less gateway beside them, is refused and told who polls.
- **Backups**: `backup_lock(url)`, one per database whichever site: the gateway holding it takes the
  scheduled backups, another gateway with `[backup] dir` is told who does and takes none.
- **SQLite**: `flock` on a lock file next to the database (`punchclock.db.poller.lock`, per site
  `punchclock.db.poller-SH.lock`, `punchclock.db.backup.lock`), which the holder fills with its pid,
  host and start time for the message of the next one. The file stays; only the kernel's lock on it
  counts, and the kernel drops it with the holder's last descriptor.
- **PostgreSQL**: `pg_try_advisory_lock(key)` (`pg_try_advisory_lock_shared` for the whole-database
  lock of a site gateway) on a dedicated connection kept for the process lifetime, whose
  `application_name` carries the holder's pid and host; the server drops the locks when that
  connection ends. Advisory locks belong to one database, as the terminals do. So `still_held()`, asked
  before each poll round, checks that connection and takes the locks again on a fresh one when the server
  ended it (a restart), or says who took them meanwhile and tries again every `RETAKE_EVERY_S`.
- An in-memory SQLite database cannot be shared between processes: its lock is always free.

`poller_lock(url, site)` yields a `PollerLock`: `holder` is None when this process holds the lock (and
may poll), else who does — `refusal()` is the sentence `serve` prints before serving the API only.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

#: The advisory lock key of the poller: the bytes "pcpoller" as a signed 64-bit integer.
POLLER_LOCK_KEY = int.from_bytes(b"pcpoller", "big")
#: The advisory lock key of the backup taker: the bytes "pcbackup".
BACKUP_LOCK_KEY = int.from_bytes(b"pcbackup", "big")
#: Seconds between tries to take again a PostgreSQL lock lost with its connection (while the server is down or
#: another process holds it).
RETAKE_EVERY_S = 5.0
log = logging.getLogger(__name__)
_APPLICATION_NAME = "punchclock {role} pid={pid} host={host}"
_RECORD_BYTES = 512  # a holder record is written padded to this, in one write, so readers never see half of it
_MAX_APPLICATION_NAME = 63  # PostgreSQL truncates longer names (NAMEDATALEN - 1)


@dataclass(frozen=True, slots=True)
class LockHolder:
    """The process polling the database's terminals, as far as its lock tells (None: not recorded)."""

    pid: int | None
    host: str | None
    since: datetime | None  # aware


@dataclass
class PollerLock:
    """The outcome of trying a lock: `holder` None means this process holds it; `subject` and `instead` make
    the sentence of a refusal (what the holder does, what this process does instead)."""

    holder: LockHolder | None
    subject: str = "the terminals of this database are polled"
    instead: str = "this process serves the API only"
    keeper: _PostgresLocks | None = field(default=None, repr=False, compare=False)

    def still_held(self) -> bool:
        """Asked before each poll round: whether this process holds the lock now. A PostgreSQL lock whose
        connection the server ended is taken again (or found taken by another process, which is logged); a
        lock file's flock lives as long as this process's descriptor, so it is never lost."""
        if self.keeper is None:
            return self.holder is None
        return self.keeper.keep()

    def held_throughout(self) -> bool:
        """Whether the lock is still held on the connection it was held on at the last `still_held()`, without a
        break: asked by a backup before it keeps its file. Never takes the lock again, because a backup that lost
        it for a moment may have run beside another taker; the next `still_held()` does."""
        if self.keeper is None:
            return self.holder is None
        return self.keeper.alive()

    def refusal(self) -> str:
        """What a process that did not get the lock says before it goes on without it."""
        holder = self.holder or LockHolder(None, None, None)
        pid = holder.pid if holder.pid is not None else "(unknown)"
        host = holder.host or "(unknown)"
        since = holder.since.isoformat(timespec="seconds") if holder.since is not None else "(unknown)"
        return f"{self.subject} by pid {pid} on host {host} since {since}; {self.instead}"


@dataclass(frozen=True, slots=True)
class _Lock:
    """One lock: its advisory key (PostgreSQL), its lock file's suffix (SQLite), whether it is taken shared,
    and the words of its refusal."""

    key: int
    suffix: str
    shared: bool
    subject: str
    instead: str

    def refused(self, holder: LockHolder) -> PollerLock:
        return PollerLock(holder, self.subject, self.instead)


_WHOLE_DATABASE = _Lock(POLLER_LOCK_KEY, ".poller.lock", False, PollerLock.subject, PollerLock.instead)


def site_lock_key(site: str) -> int:
    """A site's advisory lock key: the first 63 bits of SHA-256("pcpoller/" + site), so sites never collide
    with each other's or with the whole-database key in practice."""
    return int.from_bytes(hashlib.sha256(f"pcpoller/{site}".encode()).digest()[:8], "big") >> 1


def _poller_locks(site: str | None) -> list[_Lock]:
    """A site gateway shares the whole-database lock (so a site-less gateway, which polls every site, cannot
    start beside it) and holds its site's alone; a site-less one holds the whole-database lock alone."""
    if site is None:
        return [_WHOLE_DATABASE]
    shared = _Lock(
        POLLER_LOCK_KEY,
        ".poller.lock",
        True,
        "the terminals of every site of this database are polled (a gateway with no site)",
        PollerLock.instead,
    )
    own = _Lock(
        site_lock_key(site),
        f".poller-{site}.lock",
        False,
        f"the terminals of site {site} of this database are polled",
        PollerLock.instead,
    )
    return [shared, own]


_BACKUP = _Lock(
    BACKUP_LOCK_KEY,
    ".backup.lock",
    False,
    "backups of this database are taken",
    "this process takes none (keep [backup] dir in one gateway's config only)",
)


def _me() -> tuple[int, str]:
    return os.getpid(), socket.gethostname()


def lock_file_path(url: str, suffix: str = _WHOLE_DATABASE.suffix) -> Path | None:
    """A lock file of an SQLite database file (None: in memory, so no other process can open it)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(f"{database}{suffix}")


@contextmanager
def _sqlite_locks(database_url: str, locks: list[_Lock]) -> Iterator[PollerLock]:
    """Take `locks` in order on their files; the first refused one is reported, the ones got let go first."""
    with ExitStack() as held:
        for lock in locks:
            path = lock_file_path(database_url, lock.suffix)
            if path is None:
                break
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            held.callback(os.close, fd)  # closing the last descriptor releases the flock
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if lock.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            except BlockingIOError:
                refused = lock.refused(_read_holder(fd))
                held.close()
                yield refused
                return
            pid, host = _me()
            record = {"pid": pid, "host": host, "since": datetime.now(UTC).isoformat(timespec="seconds")}
            os.pwrite(fd, json.dumps(record).encode().ljust(_RECORD_BYTES), 0)
        yield PollerLock(None)


def _read_holder(fd: int) -> LockHolder:
    """The holder the lock file names (its fields None where the file holds nothing usable)."""
    try:
        record = json.loads(os.pread(fd, 4096, 0).decode())
        since = datetime.fromisoformat(record["since"])
        return LockHolder(int(record["pid"]), str(record["host"]), since)
    except (ValueError, KeyError, TypeError):  # written a moment ago and not yet filled in
        return LockHolder(None, None, None)


@dataclass(frozen=True, slots=True)
class _Words:
    """How the log names what a lock guards while it is lost, once it is back, and while another process holds it."""

    work: str
    going_on: str
    stopped: str


_WORDS = {
    "poller": _Words("poll", "polling", "polls no more"),
    "backup": _Words("backup", "backing up", "takes no backups"),
}


class _PostgresLocks:
    """`locks` on one dedicated connection, taken again on a fresh one when the server ended it (a restart, an
    administrator's `pg_terminate_backend`): the server dropped the locks with the connection, so a gateway that
    went on polling would poll beside whoever takes them next (issue 17, found by the soak)."""

    def __init__(self, url: str, locks: list[_Lock], role: str, what: str) -> None:
        pid, host = _me()
        name = _APPLICATION_NAME.format(role=role, pid=pid, host=host)[:_MAX_APPLICATION_NAME]
        self._engine = create_engine(
            url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"application_name": name}
        )
        self._locks = locks
        self._what = what
        self._words = _WORDS[role]
        self._connection: Connection | None = None  # set while the locks are held on it
        self._next_try = 0.0  # monotonic: when a lost lock is tried again
        self._told: LockHolder | None = None  # the holder last named in a refusal, so each is logged once

    def take(self) -> PollerLock:
        """Take every lock on a fresh connection; on a refusal every one got is let go and the connection closed."""
        connection = self._engine.connect()
        try:
            for lock in self._locks:
                function = "pg_try_advisory_lock_shared" if lock.shared else "pg_try_advisory_lock"
                if not connection.scalar(text(f"SELECT {function}(:key)"), {"key": lock.key}):
                    holder = _postgres_holder(connection, lock.key)
                    connection.execute(text("SELECT pg_advisory_unlock_all()"))
                    connection.close()
                    return lock.refused(holder)
        except BaseException:
            connection.close()  # the server dropped whatever this connection took
            raise
        self._connection = connection
        return PollerLock(None, keeper=self)

    def alive(self) -> bool:
        """Whether the locks' connection still holds them: `SELECT 1` on it; one the server ended is let go (and
        said so), so only `keep` takes the locks again."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except DBAPIError as error:
            log.warning(
                "%s was lost with its connection (%s); no %s starts until it is taken again",
                self._what,
                _first_line(error),
                self._words.work,
            )
            self._connection.close()
            self._connection = None
            return False

    def keep(self) -> bool:
        """Whether the locks are held now (`alive`); a connection the server ended is let go and the locks are
        taken again on a fresh one, at most every `RETAKE_EVERY_S` while that fails."""
        if self.alive():
            return True
        if time.monotonic() < self._next_try:
            return False
        self._next_try = time.monotonic() + RETAKE_EVERY_S
        try:
            outcome = self.take()
        except DBAPIError as error:  # the server not back yet
            log.debug("%s not taken again yet: %s", self._what, _first_line(error))
            return False
        if outcome.holder is None:
            log.warning("%s is taken again; %s goes on", self._what, self._words.going_on)
            self._told = None
            return True
        if outcome.holder != self._told:
            self._told = outcome.holder
            instead = f"this process {self._words.stopped} and tries to take the lock again every {RETAKE_EVERY_S:g} s"
            log.warning("%s", replace(outcome, instead=instead).refusal())
        return False

    def close(self) -> None:
        if self._connection is not None:
            _unlock_all(self._connection)
            self._connection.close()
        self._engine.dispose()


def _first_line(error: DBAPIError) -> str:
    """The driver's first line (psycopg's run on with hints): enough to tell a restart from a terminated backend."""
    lines = str(error.orig).strip().splitlines()
    return lines[0] if lines else type(error.orig).__name__


@contextmanager
def _postgres_locks(url: str, locks: list[_Lock], role: str, what: str) -> Iterator[PollerLock]:
    """Take `locks` in order on one dedicated connection, kept (and taken again if lost) until the block ends."""
    held = _PostgresLocks(url, locks, role, what)
    try:
        yield held.take()
    finally:
        held.close()


def _unlock_all(connection: Connection) -> None:
    """Let go of every lock taken on `connection`; one the server ended (a restart) took its locks with it."""
    try:
        connection.execute(text("SELECT pg_advisory_unlock_all()"))
    except OperationalError as error:
        log.warning("the poller lock's connection was already closed by the server: %s", error.orig)


def _postgres_holder(connection: Connection, key: int) -> LockHolder:
    """A holder of the advisory lock `key`, from its connection's `application_name` and start time."""
    row = connection.execute(
        text(
            "SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid = CAST(:high AS oid) AND l.objid = CAST(:low AS oid) "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY a.backend_start LIMIT 1"
        ),
        {"high": key >> 32, "low": key & 0xFFFFFFFF},
    ).first()
    if row is None:  # released between our try and this look
        return LockHolder(None, None, None)
    application_name, since = row
    pid: int | None = None
    host: str | None = None
    for part in (application_name or "").split():
        key_name, _, value = part.partition("=")
        if key_name == "pid" and value.isdigit():
            pid = int(value)
        elif key_name == "host":
            host = value
    return LockHolder(pid, host, since)


@contextmanager
def _locks(url: str, locks: list[_Lock], role: str, what: str) -> Iterator[PollerLock]:
    if url.startswith("postgresql"):
        with _postgres_locks(url, locks, role, what) as lock:
            yield lock
    else:
        with _sqlite_locks(url, locks) as lock:
            yield lock


@contextmanager
def poller_lock(url: str, site: str | None = None) -> Iterator[PollerLock]:
    """Try the poller lock of `site` (None: of every terminal) in the database at `url` and hold it, if got,
    until the block ends."""
    what = "the poller lock" if site is None else f"the poller lock of site {site}"
    with _locks(url, _poller_locks(site), "poller", what) as lock:
        yield lock


@contextmanager
def backup_lock(url: str) -> Iterator[PollerLock]:
    """Try the database's backup lock and hold it, if got, until the block ends: one backup taker per database."""
    with _locks(url, [_BACKUP], "backup", "the backup lock") as lock:
        yield lock
