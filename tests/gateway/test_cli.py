"""`punchclock sync`, `db upgrade` and `serve` against simulated terminals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from gateway.access.keys import load_keys
from gateway.cli.app import app
from gateway.cli.common import shown_url
from gateway.config import load_config
from gateway.devices.sync import run_sync
from gateway.store import make_engine, session_factory
from simulators.comet_export import write_export
from simulators.zk import ZKTerminal

runner = CliRunner()


@pytest.fixture
def terminals() -> Iterator[list[ZKTerminal]]:
    sims = [ZKTerminal(users=5, records=40, seed=1), ZKTerminal(users=5, records=60, seed=2, udp=True)]
    for sim in sims:
        sim.start()
    try:
        yield sims
    finally:
        for sim in sims:
            sim.stop()


def write_config(tmp_path: Path, sims: list[ZKTerminal], interval_s: float = 60.0) -> Path:
    # serve also starts the API: bind it to a free port, not 8080, which a running demo may hold
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        api_port = probe.getsockname()[1]
    text_ = (
        f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n\n[api]\nbind = "127.0.0.1:{api_port}"\n\n'
        '[[offices]]\nname = "HQ"\ntimezone = "UTC"\ncity = "shanghai"\n'
    )
    for i, sim in enumerate(sims):
        text_ += (
            f'\n[[devices]]\nname = "gate-{i}"\nkind = "{sim.kind}"\nhost = "127.0.0.1"\nport = {sim.port}\n'
            f'office = "HQ"\ntimeout_s = 1\npoll_interval_s = {interval_s}\n'
        )
    path = tmp_path / "punchclock.toml"
    path.write_text(text_, encoding="utf-8")
    return path


def punch_count(tmp_path: Path) -> int:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM punches")).scalar_one())
    finally:
        engine.dispose()


def test_sync_prints_a_summary_and_fails_when_a_device_fails(terminals: list[ZKTerminal], tmp_path: Path) -> None:
    config = write_config(tmp_path, terminals)
    terminals[0].faults.refuse = True
    failed = runner.invoke(app, ["sync", "--config", str(config)], env={"COLUMNS": "250"})
    assert failed.exit_code == 1
    assert "gate-1" in failed.stdout and "SIMU0000002" in failed.stdout
    assert f"DeviceUnreachable: TCP device 127.0.0.1:{terminals[0].port} refused the TCP connection" in failed.stdout
    assert punch_count(tmp_path) == 60

    terminals[0].faults.refuse = False
    ok = runner.invoke(app, ["sync", "--config", str(config), "--device", "gate-0"], env={"COLUMNS": "250"})
    assert ok.exit_code == 0, ok.stdout
    assert "SIMT0000001" in ok.stdout and "SIMU0000002" not in ok.stdout
    assert punch_count(tmp_path) == 100


def test_sync_imports_a_comet_file_without_reading_a_clock_or_clearing_it(tmp_path: Path) -> None:
    export = tmp_path / "comet-2026-03.csv"
    written = write_export(export, users=6, records=90, seed=3, machine_no=7)
    before = export.read_bytes()
    config = tmp_path / "punchclock.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n\n[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\n'
        f'city = "shanghai"\n\n[[devices]]\nname = "plant-file"\nkind = "comet-csv"\nhost = "{export}"\noffice = "HQ"\n'
        "clear_after_download = true\nsync_clock = true\n",
        encoding="utf-8",
    )
    first = runner.invoke(app, ["sync", "--config", str(config)], env={"COLUMNS": "250"})
    assert first.exit_code == 0, first.stdout
    assert (
        "COMET-7" in first.stdout and "not cleared: a comet-csv source is never cleared by punchclock" in first.stdout
    )
    assert written == 90 and punch_count(tmp_path) == 90

    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        [again] = run_sync(load_config(config), session_factory(engine, keys=load_keys(tmp_path / "punchclock.key")))
        with engine.connect() as connection:
            health = connection.execute(text("SELECT sn, clock_offset_s, record_count FROM devices")).one()
    finally:
        engine.dispose()
    assert (again.error, again.read, again.new, again.duplicate) == (None, 90, 0, 90)
    assert (again.clock_offset_s, again.clock_set, again.cleared) == (None, False, False)
    assert tuple(health) == ("COMET-7", None, 90)
    assert export.read_bytes() == before and punch_count(tmp_path) == 90


def test_sync_of_an_unknown_device_names_the_known_ones(terminals: list[ZKTerminal], tmp_path: Path) -> None:
    config = write_config(tmp_path, terminals)
    result = runner.invoke(app, ["sync", "--config", str(config), "--device", "nope"])
    assert result.exit_code == 2
    assert "no device 'nope' in the config: known devices are gate-0, gate-1" in result.stderr


def test_bad_config_exits_2_with_file_key_and_reason(tmp_path: Path) -> None:
    config = tmp_path / "punchclock.toml"
    config.write_text('[[offices]]\nname = "HQ"\ntimezone = "Asia/Beijing"\ncity = "shanghai"\n', encoding="utf-8")
    result = runner.invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}: offices[0].timezone: unknown IANA time zone 'Asia/Beijing'" in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    config = tmp_path / "punchclock.toml"
    config.write_text('[database]\nurl = "sqlite:///fresh.db"\n', encoding="utf-8")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert {"punches", "devices", "quarantine", "audit_log", "badges"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_serve_finishes_the_batch_in_flight_on_sigterm(terminals: list[ZKTerminal], tmp_path: Path) -> None:
    config = write_config(tmp_path, terminals[:1], interval_s=0.2)
    # The pause holds the first batch uncommitted long enough for SIGTERM to land in it on a busy machine.
    env = dict(os.environ, PUNCHCLOCK_CRASHPOINT="ingest.before_commit", PUNCHCLOCK_CRASHPOINT_PAUSE_S="3")
    serve = subprocess.Popen(
        [str(Path(sys.executable).with_name("punchclock")), "serve", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert serve.stderr is not None
    for line in serve.stderr:
        if line.startswith("CRASHPOINT ingest.before_commit"):
            break
    # The first batch is inserted but not yet committed: SIGTERM now must still commit it.
    serve.send_signal(signal.SIGTERM)
    rest = serve.stderr.read()
    assert serve.wait(timeout=30) == 0, rest
    assert "SIGTERM: finishing the polls in flight, then exiting" in rest
    # serve's first user sync may hold the terminal when the first poll is due: that one is put off, not counted
    assert "stopped after 1 polls (0 failed" in rest
    assert punch_count(tmp_path) == 40


def test_the_console_never_shows_the_database_password() -> None:
    assert shown_url("postgresql+psycopg://punchclock:s3cret@db.plant:5432/punchclock") == (
        "postgresql+psycopg://punchclock:***@db.plant:5432/punchclock"
    )
    assert shown_url("sqlite:///punchclock.db") == "sqlite:///punchclock.db"
