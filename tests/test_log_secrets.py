"""No secret ever reaches a log line: comm keys during a sync, bearer tokens during authentication.

Every logger is captured at DEBUG (ours, uvicorn's, SQLAlchemy's, pyzk's), both for the good path and
for the failure that most tempts a developer to log the offending value (a wrong key, a wrong token).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from api.app import ApiSettings, create_app
from gateway.access.keys import KeyRing
from gateway.access.tokens import issue_token
from gateway.config import load_config
from gateway.devices.inventory import register_config
from gateway.devices.sync import run_sync
from gateway.store import make_engine, session_factory, upgrade
from simulators.zk import ZKTerminal

COMM_KEY = 918273  # distinctive, so a hit cannot be a record count by chance
WRONG_KEY = 564738


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def _config(tmp_path: Path, port: int, key: int) -> Path:
    path = tmp_path / "punchclock.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "logs.db"}"\n\n'
        '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
        f'[[devices]]\nname = "gate"\nkind = "zk-tcp"\nhost = "127.0.0.1"\nport = {port}\n'
        f'office = "HQ"\ncomm_key = {key}\ntimeout_s = 2\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("configured_key", [COMM_KEY, WRONG_KEY], ids=["right key", "wrong key"])
def test_a_sync_logs_no_comm_key(tmp_path: Path, caplog: pytest.LogCaptureFixture, configured_key: int) -> None:
    caplog.set_level(logging.DEBUG)
    with ZKTerminal(users=3, records=20, seed=4, comm_key=COMM_KEY) as terminal:
        config = load_config(_config(tmp_path, terminal.port, configured_key))
        upgrade(config.database.url)
        factory = session_factory(make_engine(config.database.url), keys=KeyRing.generate())
        register_config(factory, config)
        [result] = run_sync(config, factory, console=Console(quiet=True))
    assert (result.error is None) == (configured_key == COMM_KEY)
    assert caplog.records, "the sync must log something for this test to mean anything"
    logged = _logged(caplog)
    assert str(COMM_KEY) not in logged
    assert str(WRONG_KEY) not in logged


def test_authentication_logs_no_token(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    upgrade(url)
    factory = session_factory(make_engine(url), keys=KeyRing.generate())
    with factory() as session, session.begin():
        _row, secret = issue_token(session, "payroll-office", "hr", None, "test")
    caplog.set_level(logging.DEBUG)
    client = TestClient(create_app(ApiSettings(session_factory=factory)))
    assert client.get("/api/v1/devices", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    guessed = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/devices", headers={"Authorization": f"Bearer {guessed}"}).status_code == 401
    logged = _logged(caplog)
    assert caplog.records
    prefix_and_secret = secret.split("_", 2)[2]
    assert prefix_and_secret not in logged
    assert guessed.split("_", 2)[2] not in logged
