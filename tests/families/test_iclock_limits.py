"""/iclock limits: a body over the limit is refused 413 unread, a value no ZK record holds is kept aside
(never a punch, never a 500), and log lines quote a bounded part of what was pushed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import iclock
from gateway import store
from gateway.store import Device, Punch

if TYPE_CHECKING:
    from conftest import RestartableServer

SN = "CQZ7224160001"
LIMIT = 2 * 1024 * 1024  # the default [push] max_body_bytes


@pytest.fixture
def app(factory: sessionmaker[Session]) -> FastAPI:
    app = FastAPI()
    iclock.mount(app, factory)
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def stored(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as session:
        return sorted((pin, f"{ts:%Y-%m-%d %H:%M}") for pin, ts in session.execute(select(Punch.pin, Punch.ts_local)))


def attlog_lines(count: int) -> bytes:
    return b"".join(f"{1000 + n}\t2026-03-02 08:{n % 60:02d}:00\t0\t1\t0\r\n".encode() for n in range(count))


def test_an_upload_over_the_limit_is_answered_413_and_nothing_is_stored(
    app: FastAPI, client: TestClient, factory: sessionmaker[Session]
) -> None:
    body = attlog_lines(LIMIT // 30)
    assert len(body) > LIMIT
    response = client.post("/iclock/cdata", params={"SN": SN, "table": "ATTLOG", "Stamp": "200"}, content=body)
    message = (
        f"ADMS ATTLOG upload from {SN} refused unread: the body of {len(body):,} bytes is over the limit of "
        "2,097,152 bytes ([push] max_body_bytes)"
    )
    assert (response.status_code, response.text) == (413, f"ERROR: {message}")
    assert stored(factory) == []
    assert app.state.push_state.last_error == {SN: message}
    with factory() as session:
        assert session.scalar(select(Device.push_stamp).where(Device.sn == SN)) is None


def test_a_chunked_upload_over_the_limit_is_cut_off_over_real_http(
    app: FastAPI, factory: sessionmaker[Session], live_server: Callable[[FastAPI], RestartableServer]
) -> None:
    server = live_server(app)
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for _ in range(3000):  # 3 MB if nobody stopped reading
            sent.append(1)
            yield attlog_lines(30)[:1000]

    response = httpx.post(
        f"http://127.0.0.1:{server.port}/iclock/cdata", params={"SN": SN, "table": "ATTLOG"}, content=body()
    )
    assert response.status_code == 413
    assert response.text == (
        f"ERROR: ADMS ATTLOG upload from {SN} refused unread: the body without Content-Length is over the limit of "
        "2,097,152 bytes ([push] max_body_bytes)"
    )
    assert stored(factory) == []


def test_values_no_zk_record_holds_are_kept_aside_and_the_batch_is_stored_exactly_once(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    long_pin = "8" * 100_000
    body = (
        b"1001\t2026-03-02 08:00:00\t0\t1\t0\r\n"
        + f"{long_pin}\t2026-03-02 08:01:00\t0\t1\t0\r\n".encode()
        + b"1002\t0001-01-01 00:00:00\t0\t1\t0\r\n"
        + b"1003\t2026-03-02 08:02:00\t0\t1\t0\r\n"
    )
    with TestClient(app, raise_server_exceptions=False) as push:
        for _ in range(2):  # the terminal re-sends: nothing is added the second time
            response = push.post("/iclock/cdata", params={"SN": SN, "table": "ATTLOG", "Stamp": "4"}, content=body)
            assert (response.status_code, response.text) == (200, "OK: 4")
    assert stored(factory) == [("1001", "2026-03-02 08:00"), ("1003", "2026-03-02 08:02")]
    with factory() as session:
        rows = [
            (r.device_sn, r.line_number, r.line, r.line_length, r.fields, r.reason)
            for r in session.scalars(select(store.PushReject).order_by(store.PushReject.id))
        ]
        assert session.scalar(select(Device.push_stamp).where(Device.sn == SN)) == "4"
    assert rows == [
        (
            SN,
            2,
            f"{long_pin}\t2026-03-02 08:01:00\t0\t1\t0"[:1000],
            100_026,
            "PIN",
            f"ATTLOG from {SN}, line 2 {'8' * 80!r}… (100,026 characters): PIN has 100,000 characters; a ZKTeco PIN "
            "holds at most 24",
        ),
        (
            SN,
            3,
            "1002\t0001-01-01 00:00:00\t0\t1\t0",
            30,
            "time",
            f"ATTLOG from {SN}, line 3 '1002\\t0001-01-01 00:00:00\\t0\\t1\\t0': time '0001-01-01 00:00:00' is outside "
            "the years 2000-2099 a ZKTeco clock can hold: the terminal's clock was wrong when the punch was made",
        ),
    ]


def test_a_huge_garbage_line_is_refused_and_logged_only_in_part(
    app: FastAPI, factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    garbage = "x" * 1_000_000
    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as push:
        response = push.post("/iclock/cdata", params={"SN": SN, "table": "ATTLOG"}, content=garbage.encode())
    message = (
        f"refused ADMS batch: ATTLOG from {SN}, line 1 {'x' * 80!r}… (1,000,000 characters): expected "
        "PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>Status<TAB>Verify…"
    )
    assert (response.status_code, response.text) == (400, f"ERROR: {message}")
    assert [r.getMessage() for r in caplog.records if r.name == "api.iclock"] == [message]
    assert max(len(r.getMessage()) for r in caplog.records) < 1000
    assert stored(factory) == []


def test_log_lines_are_cut_with_their_length_noted() -> None:
    assert iclock.clip("y" * 10, 20) == "y" * 10
    assert iclock.clip("y" * 30, 20) == "y" * 20 + "… (30 characters)"
