"""ADMS as real firmware speaks it: the command queue in the database, photos, operation logs, enrolments,
INFO answers, fdata and ping — driven by raw bytes written here and by the simulated terminal."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import iclock
from drivers.zk_push import info_command
from gateway import config as cfg
from gateway.access.keys import KeyRing
from gateway.devices.push_commands import enqueue, hand_over
from gateway.devices.push_uploads import photos_of_punch
from gateway.store import (
    Device,
    PushCommand,
    PushDeviceInfo,
    PushEnrolment,
    PushOperLog,
    PushPhoto,
    make_engine,
    session_factory,
    utcnow,
)
from simulators.zk_push import PushReport, PushTerminal

SN = "CQZ7224160001"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"


def make_app(factory: sessionmaker[Session], settings: cfg.Push | None = None) -> FastAPI:
    app = FastAPI()
    iclock.mount(app, factory, settings)
    return app


@pytest.fixture
def client(factory: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(make_app(factory), raise_server_exceptions=False) as client:
        yield client


def terminal(client: TestClient, **options: object) -> PushTerminal:
    return PushTerminal("http://testserver", SN, users=3, records=0, seed=5, client=client, sleep=lambda _s: None,
                        **options)  # type: ignore[arg-type]  # fmt: skip


def post(client: TestClient, table: str, body: bytes, path: str = "/iclock/cdata") -> tuple[int, str]:
    response = client.post(path, params={"SN": SN, "table": table, "Stamp": "9"}, content=body)
    return response.status_code, response.text


def rows(factory: sessionmaker[Session], model: type, *columns: str) -> list[tuple[object, ...]]:
    with factory() as session:
        return [tuple(getattr(r, c) for c in columns) for r in session.scalars(select(model).order_by(model.id))]


# -- the command queue ---------------------------------------------------------------------------


def test_a_restart_loses_no_queued_command(factory: sessionmaker[Session], test_keys: KeyRing) -> None:
    first = enqueue(factory, SN, "DATA UPDATE USERINFO PIN=2001\tName=张伟\tPri=0\tCard=42")
    second = enqueue(factory, SN, "DATA DELETE USERINFO PIN=2002")
    factory.kw["bind"].dispose()  # the process that queued them is gone
    engine = make_engine(str(factory.kw["bind"].url))
    restarted = session_factory(engine, keys=test_keys)
    with TestClient(make_app(restarted)) as client:
        reply = client.get("/iclock/getrequest", params={"SN": SN})
        assert (reply.status_code, reply.text) == (
            200,
            f"C:{first}:DATA UPDATE USERINFO PIN=2001\tName=张伟\tPri=0\tCard=42\nC:{second}:DATA DELETE USERINFO "
            "PIN=2002\n",
        )
        assert client.get("/iclock/getrequest", params={"SN": SN}).text == "OK"  # handed over once
        results = f"ID={first}&Return=0&CMD=DATA\nID={second}&Return=-3&CMD=DATA\n".encode()
        done = client.post("/iclock/devicecmd", params={"SN": SN}, content=results)
        assert (done.status_code, done.text) == (200, "OK")
    assert rows(restarted, PushCommand, "id", "state", "attempts", "return_code") == [
        (first, "done", 1, 0),
        (second, "failed", 1, -3),
    ]
    engine.dispose()


def test_an_unanswered_command_is_sent_again_after_the_timeout_then_failed(factory: sessionmaker[Session]) -> None:
    command_id = enqueue(factory, SN, "INFO")
    start = utcnow()
    assert hand_over(factory, SN, resend_after_s=300, max_sends=2, now=start) == [(command_id, "INFO")]
    assert hand_over(factory, SN, resend_after_s=300, max_sends=2, now=start + timedelta(seconds=299)) == []
    assert hand_over(factory, SN, resend_after_s=300, max_sends=2, now=start + timedelta(seconds=301)) == [
        (command_id, "INFO")
    ]
    assert hand_over(factory, SN, resend_after_s=300, max_sends=2, now=start + timedelta(seconds=700)) == []
    assert rows(factory, PushCommand, "state", "attempts", "result") == [("failed", 2, "no answer after 2 sends")]


def test_two_concurrent_polls_never_get_the_same_command(factory: sessionmaker[Session]) -> None:
    assert_polls_share_nothing(factory)


@pytest.mark.postgres
def test_two_concurrent_polls_never_get_the_same_command_on_postgresql(pg_empty_url: str, test_keys: KeyRing) -> None:
    engine = make_engine(pg_empty_url)
    factory = session_factory(engine, keys=test_keys)
    try:
        assert_polls_share_nothing(factory)
    finally:
        engine.dispose()


def assert_polls_share_nothing(factory: sessionmaker[Session]) -> None:
    """Four receivers polled by one terminal at once, again and again: each command is handed out exactly once."""
    queued = [enqueue(factory, SN, f"DATA DELETE USERINFO PIN={n}") for n in range(300)]
    got: list[list[int]] = [[] for _ in range(4)]
    barrier = threading.Barrier(4)

    def poll(mine: list[int]) -> None:
        barrier.wait()
        while batch := hand_over(factory, SN):
            mine.extend(command_id for command_id, _command in batch)

    threads = [threading.Thread(target=poll, args=(mine,)) for mine in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed = [command_id for mine in got for command_id in mine]
    assert sorted(handed) == queued  # every command once: none twice, none lost
    with factory() as session:
        assert set(session.scalars(select(PushCommand.state))) == {"sent"}


# -- INFO, ping -------------------------------------------------------------------------------------


def test_an_info_answer_is_stored_as_the_terminals_info_raw_bytes(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    command_id = enqueue(factory, SN, info_command())
    assert client.get("/iclock/getrequest", params={"SN": SN}).text == f"C:{command_id}:INFO\n"
    body = (
        f"ID={command_id}&Return=0&CMD=INFO\n~DeviceName=K40\nMAC=00:17:61:01:02:03\nUserCount=118\nFPCount=201\n"
        "TransactionCount=5120\nFWVersion=Ver 6.60 Apr 28 2017\nIPAddress=10.8.0.20\n"
    ).encode()
    reply = client.post("/iclock/devicecmd", params={"SN": SN}, content=body)
    assert (reply.status_code, reply.text) == (200, "OK")
    with factory() as session:
        info = session.get(PushDeviceInfo, SN)
        device = session.scalar(select(Device).where(Device.sn == SN))
        command = session.get(PushCommand, command_id)
    assert info is not None and json.loads(info.info) == {
        "~DeviceName": "K40",
        "MAC": "00:17:61:01:02:03",
        "UserCount": "118",
        "FPCount": "201",
        "TransactionCount": "5120",
        "FWVersion": "Ver 6.60 Apr 28 2017",
        "IPAddress": "10.8.0.20",
    }
    assert (device.firmware, device.user_count, device.record_count) == ("Ver 6.60 Apr 28 2017", 118, 5120)
    assert command is not None and (command.state, command.result) == ("done", body.decode().split("\n", 1)[1].strip())


def test_the_simulator_answers_info_and_pings(client: TestClient, factory: sessionmaker[Session]) -> None:
    t = terminal(client)
    enqueue(factory, SN, info_command())
    t.handshake()
    assert t.poll_commands(PushReport()) == 1
    with factory() as session:
        info = session.get(PushDeviceInfo, SN)
    assert info is not None and json.loads(info.info) == t.info()
    assert (t.ping().status_code, t.ping().text) == (200, "OK")
    stranger = client.get("/iclock/ping", params={"SN": "STRANGER1"})
    assert (stranger.status_code, stranger.text) == (403, "UNKNOWN DEVICE STRANGER1: not in the gateway config")


# -- ATTPHOTO, fdata --------------------------------------------------------------------------------


def photo_body(jpeg: bytes, name: str = "20260302080102-1001.jpg") -> bytes:
    return f"PIN={name}\nSN={SN}\nsize={len(jpeg)}\nCMD=uploadphoto".encode() + b"\x00" + jpeg


def test_an_attphoto_upload_is_stored_with_its_punch_raw_bytes(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    assert post(client, "ATTPHOTO", photo_body(JPEG)) == (200, "OK")
    assert post(client, "ATTPHOTO", photo_body(JPEG)) == (200, "OK")  # sent again: stored once
    assert rows(factory, PushPhoto, "device_sn", "file_name", "pin", "ts_local", "size", "jpeg") == [
        (SN, "20260302080102-1001.jpg", "1001", datetime(2026, 3, 2, 8, 1, 2), len(JPEG), JPEG)
    ]
    with factory() as session:
        assert [p.file_name for p in photos_of_punch(session, SN, "1001", datetime(2026, 3, 2, 8, 1, 2))] == [
            "20260302080102-1001.jpg"
        ]


def test_a_photo_posted_to_fdata_is_stored_too(client: TestClient, factory: sessionmaker[Session]) -> None:
    assert post(client, "ATTPHOTO", photo_body(JPEG, "20260302170000-1002.jpg"), "/iclock/fdata") == (200, "OK")
    assert rows(factory, PushPhoto, "pin", "ts_local") == [("1002", datetime(2026, 3, 2, 17, 0, 0))]


def test_the_simulator_uploads_a_photo(client: TestClient, factory: sessionmaker[Session]) -> None:
    reply = terminal(client).upload_photo("1003", datetime(2026, 3, 3, 7, 59, 58), JPEG)
    assert (reply.status_code, reply.text) == (200, "OK")
    assert rows(factory, PushPhoto, "file_name", "jpeg") == [("20260303075958-1003.jpg", JPEG)]


def test_an_oversize_photo_is_refused_with_413_and_nothing_is_stored(factory: sessionmaker[Session]) -> None:
    big = b"\xff\xd8" + b"\x00" * 2046 + b"\xff\xd9"
    with TestClient(make_app(factory, cfg.Push(max_photo_bytes=2048))) as client:
        status, text = post(client, "ATTPHOTO", photo_body(big))
        assert post(client, "ATTPHOTO", photo_body(big[:2048])) == (200, "OK")
    assert (status, text) == (
        413,
        f"ERROR: ATTPHOTO from {SN}: photo '20260302080102-1001.jpg' has 2,050 bytes, more than the 2,048 of "
        "[push] max_photo_bytes: raise it in the config, or lower the terminal's photo quality",
    )
    assert rows(factory, PushPhoto, "size") == [(2048,)]


def test_a_cut_photo_is_refused_so_the_terminal_sends_it_again(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    body = photo_body(JPEG)[:-10]
    assert post(client, "ATTPHOTO", body) == (
        400,
        f"ERROR: refused ADMS batch: ATTPHOTO from {SN}: photo '20260302080102-1001.jpg' says size='1037' but "
        "1,027 bytes follow: the upload was cut short",
    )
    assert rows(factory, PushPhoto, "id") == []


# -- OPERLOG, USERINFO ------------------------------------------------------------------------------


def test_operlog_lines_and_enrolments_are_stored_raw_bytes(client: TestClient, factory: sessionmaker[Session]) -> None:
    body = (
        "OPLOG 4\t0\t2026-03-02 09:15:00\t0\t0\t0\t0\n"
        "USER PIN=3001\tName=王芳\tPri=14\tPasswd=1234\tCard=5001234\tGrp=1\tTZ=0000000000000000\n"
        "FP PIN=3001\tFID=6\tSize=8\tValid=1\tTMP=ABCDEFGH\n"
    ).encode("gb18030")
    assert post(client, "OPERLOG", body) == (200, "OK: 3")
    assert post(client, "OPERLOG", body) == (200, "OK: 3")  # sent again: nothing new
    assert rows(factory, PushOperLog, "table_name", "kind", "pin", "op_code", "ts_local", "line") == [
        ("OPERLOG", "OPLOG", None, 4, datetime(2026, 3, 2, 9, 15), "OPLOG 4\t0\t2026-03-02 09:15:00\t0\t0\t0\t0"),
        (
            "OPERLOG",
            "USER",
            "3001",
            None,
            None,
            "USER PIN=3001\tName=王芳\tPri=14\tPasswd=<4 characters not kept>\tCard=5001234\tGrp=1\t"
            "TZ=0000000000000000",
        ),
        ("OPERLOG", "FP", "3001", None, None, "FP PIN=3001\tFID=6\tSize=8\tValid=1\tTMP=<8 characters not kept>"),
    ]
    assert rows(factory, PushEnrolment, "device_sn", "pin", "name", "card", "privilege", "source") == [
        (SN, "3001", "王芳", "5001234", 14, "OPERLOG")
    ]


def test_a_user_line_without_a_pin_refuses_the_upload(client: TestClient, factory: sessionmaker[Session]) -> None:
    assert post(client, "OPERLOG", b"USER Name=Nobody\tPri=0\n") == (
        400,
        f"ERROR: refused ADMS batch: OPERLOG from {SN}, line 1 'USER Name=Nobody\\tPri=0': a USER line needs a "
        "PIN of 1 to 24 characters",
    )
    assert rows(factory, PushOperLog, "id") == []


def test_the_simulator_enrols_at_the_keypad_and_uploads_userinfo(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    t = terminal(client)
    reply = t.enrol("4001", "李娜", card=777, privilege=0)
    assert (reply.status_code, reply.text) == (200, "OK: 1")
    oplog = t.upload_operlog([(30, "0", datetime(2026, 3, 2, 9, 20), "4001", "0", "0")])
    assert (oplog.status_code, oplog.text) == (200, "OK: 1")
    listed = t.upload_userinfo()
    assert (listed.status_code, listed.text) == (200, f"OK: {len(t.users)}")
    assert rows(factory, PushEnrolment, "pin", "name", "card", "source") == [
        ("4001", "李娜", "777", "USERINFO"),  # enrolled by OPERLOG, seen again in USERINFO: the latest wins
        *[(u.pin, u.name, str(u.card) if u.card else "", "USERINFO") for u in sorted(t.users.values(),
                                                                                        key=lambda u: u.pin)
          if u.pin != "4001"],
    ]  # fmt: skip
    assert rows(factory, PushOperLog, "kind", "op_code")[:2] == [("USER", None), ("OPLOG", 30)]
