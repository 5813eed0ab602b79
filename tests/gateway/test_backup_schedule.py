"""Scheduled backups (`[backup] dir`, `every`, `keep`): when one is due, retention, audit, failures, and serve."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.access.backup_schedule import BackupResult, ScheduledBackups
from gateway.access.keys import KeyRing
from gateway.config import load_config
from gateway.errors import ConfigError
from gateway.store import AuditLog, make_engine, session_factory, upgrade

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _schedule(tmp_path: Path, results: list[BackupResult], url: str | None = None) -> ScheduledBackups:
    folder = tmp_path / "backups"
    folder.mkdir(exist_ok=True)
    db = url or f"sqlite:///{tmp_path / 'pc.db'}"
    return ScheduledBackups(db, KeyRing.generate(), folder, timedelta(hours=24), 2, results.append, retry_s=0)


def test_due_after_every_since_the_newest_and_only_keep_stay(tmp_path: Path) -> None:
    upgrade(f"sqlite:///{tmp_path / 'pc.db'}")
    schedule = _schedule(tmp_path, [])
    (schedule.folder / "notes.txt").write_text("not a backup", encoding="utf-8")
    assert schedule.due_in(T0) == 0.0
    for day in range(3):
        result = schedule.run_once(T0 + timedelta(days=day))
        assert result.error is None
    assert [p.name for p in result.removed] == ["punchclock-20260301T020000Z.backup"]
    assert sorted(p.name for p in schedule.folder.iterdir()) == [
        "notes.txt",
        "punchclock-20260302T020000Z.backup",
        "punchclock-20260303T020000Z.backup",
    ]
    assert schedule.due_in(T0 + timedelta(days=2, hours=6)) == 18 * 3600.0
    assert schedule.due_in(T0 + timedelta(days=4)) == 0.0
    with session_factory(make_engine(f"sqlite:///{tmp_path / 'pc.db'}"))() as session:
        rows = [(r.actor, r.action, r.target) for r in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert rows == [
        ("serve", "backup.create", "backup:punchclock-20260301T020000Z.backup"),
        ("serve", "backup.create", "backup:punchclock-20260302T020000Z.backup"),
        ("serve", "backup.create", "backup:punchclock-20260303T020000Z.backup"),
    ]


def test_a_failure_is_reported_and_retried(tmp_path: Path) -> None:
    results: list[BackupResult] = []
    schedule = _schedule(tmp_path, results)  # no database file yet: every attempt fails
    stop = threading.Event()

    def report(result: BackupResult) -> None:
        results.append(result)
        if len(results) == 2:
            stop.set()

    schedule.on_result = report
    schedule.run(stop)
    assert [r.error for r in results] == [
        f"there is no SQLite database at sqlite:///{tmp_path / 'pc.db'}: check [database] url; retrying in 0 s"
    ] * 2
    assert list(schedule.folder.iterdir()) == []


def test_serve_takes_a_backup_at_start_when_none_is_recent(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "punchclock.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///pc.db"\n\n[api]\nbind = "127.0.0.1:{port}"\n\n'
        '[backup]\ndir = "backups"\nevery = "24h"\nkeep = 3\n',
        encoding="utf-8",
    )
    serve = subprocess.Popen(
        [str(Path(sys.executable).with_name("punchclock")), "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert serve.stderr is not None
    try:
        lines = []
        deadline = time.monotonic() + 60
        for line in serve.stderr:
            lines.append(line)
            if line.startswith("backup written to") or time.monotonic() > deadline:
                break
        [written] = [line for line in lines if line.startswith("backup written to")]
    finally:
        os.kill(serve.pid, signal.SIGTERM)
        serve.communicate(timeout=30)
    [backup] = list((tmp_path / "backups").iterdir())
    assert written == f"backup written to {backup}\n"
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "backups").stat().st_mode & 0o777) == "0o700"


def test_backup_settings_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "punchclock.toml"
    config.write_text('[backup]\ndir = "b"\nevery = "1w"\nkeep = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert str(error.value).splitlines() == [
        f"{config}: backup.every: every = '1w' is not an interval: write a whole number and m, h or d, e.g. \"24h\"",
        f"{config}: backup.keep: Input should be greater than or equal to 1 (got 0)",
    ]
    config.write_text('[backup]\ndir = "b"\nevery = "90m"\n', encoding="utf-8")
    loaded = load_config(config).backup
    assert (loaded.dir, loaded.every_s, loaded.keep) == (str(tmp_path / "b"), 5400, 14)
