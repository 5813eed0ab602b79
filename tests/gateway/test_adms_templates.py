"""Fingerprint templates over ADMS: uploaded by the push terminal (FP and BIODATA lines), stored sealed, copied
to a ZK terminal (read back with pyzk), and written to the push terminal through the database queue (the raw
getrequest body checked, the simulator holding the bytes). No template byte in a log line or a stored row
other than the sealed one."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import iclock
from gateway import config as cfg
from gateway.access.vault import FACE_TEMPLATE, FINGER_TEMPLATE, reveal
from gateway.devices.inventory import register_config
from gateway.devices.templates import copy_templates
from gateway.devices.user_sync import sync_users
from gateway.store import EmployeeTemplate, FaceTemplate, PushCommand, PushOperLog, TerminalFinger
from simulators.zk import ZKTerminal
from simulators.zk_push import PushReport, PushTerminal
from tests.gateway.test_templates import FINGER, NOW, OFFICE, counts, employee, pyzk_templates

SN = "CQZ7224160001"
B64 = base64.b64encode(FINGER).decode()
FACE = b"\x07face" * 300


@pytest.fixture
def client(factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = FastAPI()
    iclock.mount(app, factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def push_terminal(client: TestClient) -> PushTerminal:
    return PushTerminal("http://testserver", SN, users=3, records=0, client=client, sleep=lambda _s: None)


def config_with(*zk: ZKTerminal) -> cfg.Config:
    devices = [cfg.Device(name="lobby", kind="zk-push", sn=SN, office="HQ")]
    devices += [cfg.Device(name=f"door{i}", kind=t.kind, host="127.0.0.1", port=t.port, office="HQ")
                for i, t in enumerate(zk)]  # fmt: skip
    return cfg.Config(offices=[OFFICE], devices=devices)


def held(factory: sessionmaker[Session]) -> list[tuple[str, str, int]]:
    with factory() as session:
        rows = session.scalars(select(TerminalFinger).order_by(TerminalFinger.device_name, TerminalFinger.finger))
        return [(r.device_name, r.device_sn, r.finger) for r in rows]


def assert_no_template_text(factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture) -> None:
    """Neither the log nor any stored row but the sealed one holds the template (its base64 or a piece)."""
    assert not [r.getMessage() for r in caplog.records if B64[:24] in r.getMessage()]
    with factory() as session:
        kept = [*session.scalars(select(PushOperLog.line)), *session.scalars(select(PushCommand.command))]
    assert not [text for text in kept if B64[:24] in text]


@pytest.mark.parametrize("biodata", [False, True], ids=["FP-in-OPERLOG", "BIODATA-table"])
def test_a_finger_uploaded_by_the_push_terminal_is_stored_sealed_and_reaches_a_zk_terminal(
    factory: sessionmaker[Session], client: TestClient, caplog: pytest.LogCaptureFixture, biodata: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    with ZKTerminal(users=3, records=0, seed=2) as zk:
        config = config_with(zk)
        register_config(factory, config)
        employee_id = employee(factory, "E1002", "1002")
        lobby = push_terminal(client)
        reply = lobby.enrol_finger("1002", 6, FINGER, biodata=biodata)
        assert (reply.status_code, reply.text) == (200, "OK: 1")
        with factory() as session:
            row = session.scalars(select(EmployeeTemplate)).one()
            assert (row.employee_id, row.finger, row.valid, row.source_device_sn) == (employee_id, 6, 1, SN)
            assert row.template.startswith("pc1:") and B64[:16] not in row.template
            assert base64.b64decode(reveal(session, FINGER_TEMPLATE, employee_id, row.template)) == FINGER
        assert held(factory) == [("lobby", SN, 6)]

        copies = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in copies] == [(0, 0, 0, 0, 1, [], None), (0, 0, 0, 0, 0, [], None)]
        assert pyzk_templates(zk) == [("1002", 6, 1, FINGER)]
        assert held(factory) == [("door0", zk.serial, 6), ("lobby", SN, 6)]
        again = lobby.enrol_finger("1002", 6, FINGER, biodata=biodata)  # re-sent: nothing new
        assert (again.status_code, again.text) == (200, "OK: 1")
        with factory() as session:
            assert len(session.scalars(select(EmployeeTemplate)).all()) == 1
    assert_no_template_text(factory, caplog)


def test_a_finger_enrolled_on_zk_is_queued_for_the_push_terminal_which_takes_it(
    factory: sessionmaker[Session], client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with ZKTerminal(users=3, records=0, seed=2) as zk:
        config = config_with(zk)
        register_config(factory, config)
        employee(factory, "E1002", "1002")
        zk.enrol("1002", 6, FINGER)
        lobby = push_terminal(client)
        lobby.handshake()
        sync_users(factory, config, device="lobby")  # gives the push terminal its user first
        copies = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in copies] == [(1, 1, 0, 0, 0, [], None), (0, 0, 0, 0, 1, [], None)]
        with factory() as session:
            user, finger = session.scalars(select(PushCommand).order_by(PushCommand.id)).all()
            row_id = session.scalars(select(EmployeeTemplate.id)).one()
        assert finger.command == (
            f"DATA UPDATE FINGERTMP PIN=1002\tFID=6\tSize={len(B64)}\tValid=1\tTMP=@finger_templates:{row_id}"
        )

        assert lobby.poll_commands(PushReport()) == 2
        assert lobby.polls == [
            f"C:{user.id}:{user.command}\n"
            f"C:{finger.id}:DATA UPDATE FINGERTMP PIN=1002\tFID=6\tSize={len(B64)}\tValid=1\tTMP={B64}\n"
        ]
        assert lobby.templates() == [("1002", 6, 1, FINGER)]
        with factory() as session:
            assert [(c.state, c.return_code) for c in session.scalars(select(PushCommand))] == [("done", 0)] * 2
        assert held(factory) == [("door0", zk.serial, 6), ("lobby", SN, 6)]

        again = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in again] == [(1, 0, 0, 0, 0, [], None), (0, 0, 0, 0, 0, [], None)]
    assert_no_template_text(factory, caplog)


def test_a_finger_is_queued_once_and_waits_for_user_sync(factory: sessionmaker[Session], client: TestClient) -> None:
    with ZKTerminal(users=3, records=0, seed=2) as zk:
        config = config_with(zk)
        register_config(factory, config)
        employee(factory, "E1002", "1002")
        zk.enrol("1002", 6, FINGER)
        push_terminal(client).handshake()
        first = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert counts(first[1]) == (0, 0, 0, 0, 0, ["1002"], None)  # no user on the terminal yet
        sync_users(factory, config, device="lobby")
        queued = copy_templates(factory, config, actor="test", now=lambda: NOW)
        unanswered = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(queued[1]), counts(unanswered[1])] == [(0, 0, 0, 0, 1, [], None), (0, 0, 0, 0, 0, [], None)]


def test_an_unknown_badge_s_finger_is_not_stored_and_a_face_is_stored_sealed(
    factory: sessionmaker[Session], client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    register_config(factory, config_with())
    employee(factory, "E1002", "1002")
    lobby = push_terminal(client)
    assert lobby.enrol_finger("1003", 2, FINGER).text == "OK: 1"  # 1003 is no employee's badge
    assert lobby.upload_face("1002", FACE).text == "OK: 1"
    with factory() as session:
        assert session.scalars(select(EmployeeTemplate)).all() == []
        face = session.scalars(select(FaceTemplate)).one()
        assert (face.bio_type, face.no, face.index, face.major_ver, face.minor_ver, face.format) == (
            9,
            0,
            0,
            "39",
            "3",
            "0",
        )
        assert face.template.startswith("pc1:")
        assert base64.b64decode(reveal(session, FACE_TEMPLATE, face.employee_id, face.template)) == FACE
        assert list(session.scalars(select(PushOperLog.line).order_by(PushOperLog.id))) == [
            f"FP PIN=1003\tFID=2\tSize={len(B64)}\tValid=1\tTMP=<{len(B64)} characters not kept>",
            "BIODATA Pin=1002\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=39\tMinorVer=3\tFormat=0\t"
            f"Tmp=<{len(base64.b64encode(FACE))} characters not kept>",
        ]
    assert held(factory) == []
    messages = [r.getMessage() for r in caplog.records if r.name == "gateway.devices.push_uploads"]
    assert messages == [
        f"terminal {SN} uploaded 1 finger template(s): 0 stored, 0 differ from the stored ones, 1 of badges no "
        "current employee of its office has (not stored)",
        f"terminal {SN} uploaded 1 face template(s): 1 stored, 0 differ from the stored ones, 0 of badges no "
        "current employee of its office has (not stored)",
    ]
    assert_no_template_text(factory, caplog)


def test_a_cut_template_is_refused_without_quoting_it(
    factory: sessionmaker[Session], client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    register_config(factory, config_with())
    employee(factory, "E1002", "1002")
    line = f"FP PIN=1002\tFID=6\tSize={len(B64)}\tValid=1\tTMP={B64[:-8]}\n"
    reply = client.post("/iclock/cdata", params={"SN": SN, "table": "OPERLOG"}, content=line.encode())
    assert (reply.status_code, reply.text) == (
        400,
        f"ERROR: refused ADMS batch: OPERLOG from {SN}, line 1 'FP PIN=1002\\tFID=6\\tSize={len(B64)}\\tValid=1\\t"
        f"TMP=<{len(B64) - 8} characters not kept>': Size='{len(B64)}' but the template has {len(B64) - 8:,} base64 "
        f"characters ({len(base64.b64decode(B64[:-8])):,} bytes): the upload was cut short",
    )
    with factory() as session:
        assert session.scalars(select(EmployeeTemplate)).all() == []
    assert_no_template_text(factory, caplog)


def test_a_face_enrolled_on_one_push_terminal_reaches_the_offices_other_push_terminal_only(
    factory: sessionmaker[Session], client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Face on lobby (ADMS) → stored sealed → copied: gate (ADMS, same FaceVersion) gets `DATA UPDATE BIODATA`
    with the bytes opened at hand-over and holds them; the ZK terminal (no face writer) is never sent one."""
    caplog.set_level(logging.DEBUG)
    face64 = base64.b64encode(FACE).decode()
    with ZKTerminal(users=3, records=0, seed=2) as zk:
        config = config_with(zk)
        config = cfg.Config(
            offices=config.offices,
            devices=[*config.devices, cfg.Device(name="gate", kind="zk-push", sn="GATE0001", office="HQ")],
        )
        register_config(factory, config)
        employee(factory, "E1002", "1002")
        lobby = push_terminal(client)
        gate = PushTerminal("http://testserver", "GATE0001", users=0, records=0, client=client, sleep=lambda _s: None)
        gate.handshake()
        sync_users(factory, config, device="gate")
        assert gate.poll_commands(PushReport()) == 1  # its user first
        assert lobby.upload_face("1002", FACE).text == "OK: 1"

        copy_templates(factory, config, actor="test", now=lambda: NOW)
        with factory() as session:
            commands = [(c.device_sn, c.command) for c in session.scalars(select(PushCommand).order_by(PushCommand.id))]
            face_id = session.scalars(select(FaceTemplate.id)).one()
        face_command = (
            "DATA UPDATE BIODATA Pin=1002\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=39\tMinorVer=3\t"
            "Format=0\tTmp="
        )
        assert commands[1:] == [("GATE0001", f"{face_command}@face_templates:{face_id}")]
        assert gate.poll_commands(PushReport()) == 1
        assert gate.polls[-1].endswith(f"{face_command}{face64}\n")
        assert gate.faces() == [("1002", 0, 0, "39", FACE)]
        assert pyzk_templates(zk) == []
        again = copy_templates(factory, config, actor="test", now=lambda: NOW)
        with factory() as session:
            assert len(session.scalars(select(PushCommand)).all()) == len(commands)  # asked once
        assert [c.error for c in again] == [None] * len(again)
    assert not [r.getMessage() for r in caplog.records if face64[:24] in r.getMessage()]
    with factory() as session:
        kept = [*session.scalars(select(PushOperLog.line)), *session.scalars(select(PushCommand.command))]
    assert not [text for text in kept if face64[:24] in text]
