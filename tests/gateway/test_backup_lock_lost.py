"""A scheduled backup keeps its file only if it held the backup lock all along (issue 17).

The server forgets a session advisory lock when its connection ends (a restart, `pg_terminate_backend`); a
backup that went on would finish beside whichever gateway took the lock meanwhile. Here the lock's backend is
terminated after the dump and before the archive is written: the backup stops with `LOCK_LOST`, leaves no file
in the folder and no audit row, and the next one takes the lock again and is kept.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

import gateway.access.backup as backup_module
import gateway.devices.poller_lock as poller_lock_module
from gateway.access.backup import Snapshot
from gateway.access.backup_schedule import LOCK_LOST, BackupResult, ScheduledBackups
from gateway.access.keys import KeyRing
from gateway.devices.poller_lock import backup_lock
from gateway.store import AuditLog, make_engine, session_factory

pytestmark = pytest.mark.postgres  # SQLite's flock lives with the process's descriptor: it is never lost

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def terminate_backup_lock(url: str) -> None:
    """End this process's backup lock connection as an administrator would, waiting until it is gone."""
    engine = make_engine(url)
    with engine.connect() as connection:
        ended = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                "WHERE application_name = 'punchclock backup pid=' || :pid || ' host=' || :host"
            ),
            {"pid": os.getpid(), "host": socket.gethostname()},
        )
    engine.dispose()
    assert ended == 1


def test_a_backup_whose_lock_was_lost_midway_stops_and_leaves_no_file(
    pg_empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=poller_lock_module.__name__)
    folder = tmp_path / "backups"
    folder.mkdir()
    keys = KeyRing.generate()
    results: list[BackupResult] = []
    real_dump = backup_module._pg_dump

    def dump_then_lose_the_lock(url: str, dump: Path) -> Snapshot:
        snapshot = real_dump(url, dump)
        terminate_backup_lock(url)
        return snapshot

    with backup_lock(pg_empty_url) as lock:
        assert lock.holder is None
        schedule = ScheduledBackups(
            pg_empty_url, keys, folder, timedelta(hours=24), 2, results.append, retry_s=0, lock=lock
        )
        monkeypatch.setattr(backup_module, "_pg_dump", dump_then_lose_the_lock)
        lost = schedule.run_once(T0)
        assert lost.error == f"{LOCK_LOST}; retrying in 0 s"
        assert list(folder.iterdir()) == []  # no backup, no .partial, no scratch folder
        monkeypatch.undo()
        kept = schedule.run_once(T0 + timedelta(hours=1))
        assert kept.error is None
        assert [p.name for p in folder.iterdir()] == ["punchclock-20260301T030000Z.backup"]
    assert [r.getMessage() for r in caplog.records if r.name == poller_lock_module.__name__] == [
        "the backup lock was lost with its connection (terminating connection due to administrator command); no "
        "backup starts until it is taken again",
        "the backup lock is taken again; backing up goes on",
    ]
    with session_factory(make_engine(pg_empty_url))() as session:
        audited = [(r.action, r.target) for r in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert audited == [("backup.create", "backup:punchclock-20260301T030000Z.backup")]
