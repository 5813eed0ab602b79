"""A migrated SQLite store with one office and one push terminal, copied per test from a template."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.keys import KeyRing
from gateway.store import Device, Office, make_engine, session_factory, upgrade

PUSH_SN = "CQZ7224160001"


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory, test_keys: KeyRing) -> Path:
    path = tmp_path_factory.mktemp("families-template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine, keys=test_keys)() as session, session.begin():
        office = Office(
            name="Dongguan plant",
            timezone="Asia/Shanghai",
            city="dongguan",
            double_punch_window_s=60,
            shift_rule="standard",
        )
        session.add(office)
        session.flush()
        session.add(Device(name="gate-1", sn=PUSH_SN, kind="zk-push", office_id=office.id, consecutive_failures=0))
    engine.dispose()
    return path


@pytest.fixture
def factory(store_template: Path, tmp_path: Path, test_keys: KeyRing) -> Iterator[sessionmaker[Session]]:
    path = tmp_path / "punchclock.db"
    shutil.copyfile(store_template, path)
    path.chmod(0o600)  # as punchclock creates its databases
    engine = make_engine(f"sqlite:///{path}")
    yield session_factory(engine, keys=test_keys)
    engine.dispose()


class RestartableServer:
    """uvicorn in a thread, stopped and started again on the same port (a gateway restart)."""

    def __init__(self, app: FastAPI, port: int) -> None:
        self.app = app
        self.port = port
        self.starts = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            self._thread.join(0.01)
        self.starts += 1

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server() -> Iterator[Callable[[FastAPI], RestartableServer]]:
    """`live_server(app)` serves `app` over real HTTP on a free port until the test ends."""
    started: list[RestartableServer] = []

    def serve(app: FastAPI) -> RestartableServer:
        server = RestartableServer(app, free_port())
        server.start()
        started.append(server)
        return server

    yield serve
    for server in started:
        server.stop()
