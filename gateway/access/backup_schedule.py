"""Scheduled backups for `punchclock serve`: `[backup] dir`, `every`, `keep`.

Runs in its own thread, so polling and the API never wait for a backup (SQLite's online backup
reads beside the writers; pg_dump reads a snapshot). A backup is due `every` after the newest one
in the folder, so a restart does not take an extra one nor skip one. Each backup is audited
(`backup.create`) and reported; a failure is reported and retried after `retry_s` until it works.
After each success only the newest `keep` scheduled backups stay; other files in the folder (safety
backups taken by a restore, anything else) are never touched.

Under the database's backup lock (`lock`, one taker per database): each backup starts only while it is held
(`still_held`, which takes a PostgreSQL lock lost with its connection again), and is kept only if the lock was
held all along (`held_throughout`, after the dump and before the file gets its name): a PostgreSQL restart drops
the lock with its session, another gateway may have taken it meanwhile, so such a backup stops with
`LOCK_LOST` and leaves no file.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from gateway.access.backup import BackupError, audit, create_backup, summary
from gateway.access.keys import KeyRing
from gateway.errors import GatewayError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^punchclock-(\d{8}T\d{6}Z)\.backup$")
_STAMP = "%Y%m%dT%H%M%SZ"


LOCK_LOST = (
    "the backup lock was lost while this backup was taken (its database connection ended: a PostgreSQL restart, or "
    "an administrator ended the session), so another gateway may have taken backups meanwhile: this backup was not "
    "kept; the next one starts once the lock is held again"
)
NOT_HELD = "no backup taken: another process holds the backup lock of this database now (the log names it)"


class BackupLock(Protocol):
    """The backup lock as the schedule asks it (`gateway.devices.poller_lock.PollerLock`)."""

    def still_held(self) -> bool: ...

    def held_throughout(self) -> bool: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    error: str | None = None
    removed: list[Path] = field(default_factory=list)


@dataclass
class ScheduledBackups:
    url: str
    keys: KeyRing
    folder: Path
    every: timedelta
    keep: int
    on_result: Callable[[BackupResult], None]
    retry_s: float = 300.0
    now: Callable[[], datetime] = _utcnow
    lock: BackupLock | None = None  # None: no other taker can exist (a one-off backup, a test)

    def backups(self) -> list[Path]:
        """The scheduled backups in the folder, oldest first."""
        return sorted(p for p in self.folder.iterdir() if _NAME.match(p.name))

    def due_in(self, now: datetime) -> float:
        """Seconds until the next backup is due (0 when none was ever taken or it is overdue)."""
        existing = self.backups()
        if not existing:
            return 0.0
        match = _NAME.match(existing[-1].name)
        assert match is not None
        newest = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
        return max(0.0, (newest + self.every - now).total_seconds())

    def run_once(self, now: datetime) -> BackupResult:
        """Take one backup named for `now`, audit it and prune to `keep`; a failure is returned, not raised."""
        out = self.folder / f"punchclock-{now.strftime(_STAMP)}.backup"
        if self.lock is not None and not self.lock.still_held():
            return BackupResult(out, error=f"{NOT_HELD}; trying again in {self.retry_s:.0f} s")
        try:
            manifest = create_backup(self.url, out, self._guard)
            audit(self.url, self.keys, "serve", "backup.create", f"backup:{out.name}", summary(manifest))
        except (GatewayError, OSError, SQLAlchemyError) as error:
            log.error("scheduled backup to %s failed: %s", out, error)
            return BackupResult(out, error=f"{error}; retrying in {self.retry_s:.0f} s")
        removed = self.backups()[: -self.keep]
        for old in removed:
            old.unlink()
        log.info("scheduled backup written to %s; removed %d older", out, len(removed))
        return BackupResult(out, removed=removed)

    def _guard(self) -> None:
        if self.lock is not None and not self.lock.held_throughout():
            raise BackupError(LOCK_LOST)

    def run(self, stop: threading.Event) -> None:
        """Take backups when due until `stop` is set (the folder must exist)."""
        while not stop.wait(self.due_in(self.now())):
            result = self.run_once(self.now())
            self.on_result(result)
            if result.error is not None and stop.wait(self.retry_s):
                return

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="backups", daemon=True)
        thread.start()
        return thread
