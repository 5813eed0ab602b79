"""No secret ever reaches a log line: comm keys during a sync, bearer tokens during authentication, push comm
keys during an ADMS handshake.

Every logger is captured at DEBUG (ours, uvicorn's, SQLAlchemy's, pyzk's), both for the good path and
for the failure that most tempts a developer to log the offending value (a wrong key, a wrong token).
"""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

import pytest
import uvicorn
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
from simulators.zk_push import PushGaveUp, PushTerminal

COMM_KEY = 918273  # distinctive, so a hit cannot be a record count by chance
WRONG_KEY = 564738


def _logged(caplog: pytest.LogCaptureFixture, skip: tuple[str, ...] = ()) -> str:
    """Every captured record, but those of loggers whose names start with one of `skip`."""
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith(skip) or not skip
    )


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


PUSH_KEY = "Kq7-push.secret_93"
WRONG_PUSH_KEY = "Zx4-guess.secret_15"


def test_a_push_handshake_logs_no_push_comm_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Through uvicorn with its access log on (a server run at INFO level): the handshake URL carries the key."""
    access_log = logging.getLogger("uvicorn.access")  # an earlier uvicorn in this session may have silenced it
    monkeypatch.setattr(access_log, "propagate", True)
    monkeypatch.setattr(access_log, "disabled", False)
    request.addfinalizer(lambda level=access_log.level: access_log.setLevel(level))
    access_log.setLevel(logging.NOTSET)
    config = load_config(_push_config(tmp_path))
    upgrade(config.database.url)
    factory = session_factory(make_engine(config.database.url))
    register_config(factory, config)
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(ApiSettings(session_factory=factory, config=config))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    try:
        for key in (PUSH_KEY, WRONG_PUSH_KEY):
            terminal = PushTerminal(
                f"http://127.0.0.1:{port}", "CGXH201360003", records=5, max_attempts=1, push_comm_key=key
            )
            try:
                terminal.push_all()
            except PushGaveUp:
                assert key == WRONG_PUSH_KEY
            finally:
                terminal.close()
    finally:
        server.should_exit = True
        thread.join()
    access = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert any("pushcommkey=***" in r.getMessage() for r in access), "the access log must show the handshake"
    # The simulated terminal's own HTTP client (httpx, httpcore) logs the URL it requests: that is the
    # terminal's side, which knows its key. Everything else is the gateway's.
    logged = _logged(caplog, skip=("httpx", "httpcore"))
    assert PUSH_KEY not in logged
    assert WRONG_PUSH_KEY not in logged


def _push_config(tmp_path: Path) -> Path:
    path = tmp_path / "punchclock.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "push.db"}"\n\n'
        '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
        '[[devices]]\nname = "lobby"\nkind = "zk-push"\nsn = "CGXH201360003"\noffice = "HQ"\n'
        f'push_comm_key = "{PUSH_KEY}"\n',
        encoding="utf-8",
    )
    return path


def test_a_login_logs_no_password_cookie_or_activation_code(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from gateway.access.users import create_user, issue_activation
    from gateway.store import Employee

    url = f"sqlite:///{tmp_path / 'logins.db'}"
    upgrade(url)
    factory = session_factory(make_engine(url), keys=KeyRing.generate())
    password = "Secret-Lotus-4242"
    with factory() as session, session.begin():
        create_user(session, "test", "wang.fang", "王芳", "hr", password)
        employee = Employee(code="E1", name="李雷", pay_basis="monthly", special_deductions_fen=0)
        session.add(employee)
        session.flush()
        code = issue_activation(session, employee, "test").code
    caplog.set_level(logging.DEBUG)
    client = TestClient(create_app(ApiSettings(session_factory=factory)))
    assert (
        client.post("/api/v1/session", json={"username": "wang.fang", "password": "Wrong-Lotus-4242"}).status_code
        == 401
    )
    assert client.post("/api/v1/session", json={"username": "wang.fang", "password": password}).status_code == 200
    cookie = client.cookies["pc_session"]
    csrf = client.get("/api/v1/session").json()["csrf_token"]
    activated = TestClient(client.app).post(
        "/api/v1/activation", json={"employee": "E1", "code": code, "password": password + "!"}
    )
    assert activated.status_code == 200
    logged = _logged(caplog)
    assert caplog.records
    for secret in (password, "Wrong-Lotus-4242", cookie, csrf, code):
        assert secret not in logged
