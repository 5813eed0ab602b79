"""Template copy against the simulators, each terminal read back with pyzk's own `get_templates`."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime

import pytest
import zeep
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from zk import ZK

from drivers.zk_soap import NS, WSDL_PATH
from gateway import config as cfg
from gateway.access.vault import FINGER_TEMPLATE, reveal
from gateway.devices.inventory import register_config
from gateway.devices.lease import device_lease
from gateway.devices.templates import TemplateCopy, copy_templates
from gateway.store import AuditLog, Badge, Employee, EmployeeTemplate, Office
from simulators.zk import ZKTerminal
from simulators.zk_soap import ZKSoapTerminal

OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
FINGER = bytes(range(256)) * 3 + b"\x00\x01tail"  # 773 opaque bytes: a real ZKFinger 10 template is ~500-1600


def employee(factory: sessionmaker[Session], code: str, pin: str, left_on: date | None = None) -> int:
    with factory() as session, session.begin():
        office = session.scalars(select(Office).where(Office.name == "HQ")).one()
        row = Employee(code=code, name=code, office_id=office.id, pay_basis="monthly", left_on=left_on)
        session.add(row)
        session.flush()
        session.add(Badge(pin=pin, employee_id=row.id))
        return row.id


def setup(factory: sessionmaker[Session], *terminals: ZKTerminal) -> cfg.Config:
    devices = [
        cfg.Device(name=f"door{i}", kind=t.kind, host="127.0.0.1", port=t.port, office="HQ")
        for i, t in enumerate(terminals)
    ]
    config = cfg.Config(offices=[OFFICE], devices=devices)
    register_config(factory, config)
    return config


def pyzk_templates(t: ZKTerminal) -> list[tuple[str, int, int, bytes]]:
    conn = ZK("127.0.0.1", t.port, ommit_ping=True, force_udp=t.udp, encoding=t.encoding).connect()
    try:
        pin_of = {u.uid: u.user_id for u in conn.get_users()}
        return sorted((pin_of[f.uid], f.fid, f.valid, f.template) for f in conn.get_templates())
    finally:
        conn.disconnect()


def counts(copy: TemplateCopy) -> tuple[int, int, int, int, int, list[str], str | None]:
    return copy.read, copy.stored, copy.differs, copy.unknown, copy.written, copy.no_user, copy.error


@pytest.mark.parametrize("udp", [False, True], ids=["tcp-to-tcp", "tcp-to-udp"])
def test_a_finger_enrolled_on_one_terminal_is_written_to_the_others(factory: sessionmaker[Session], udp: bool) -> None:
    with ZKTerminal(users=3, records=0) as a, ZKTerminal(users=2, records=0, seed=2, udp=udp) as b:
        config = setup(factory, a, b)
        ids = {pin: employee(factory, f"E{pin}", pin) for pin in ("1001", "1002")}
        a.enrol("1002", 6, FINGER)
        a.enrol("1003", 1, b"not an employee's")  # a technician's finger: not stored, not copied
        assert pyzk_templates(b) == []

        first = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in first] == [(2, 1, 0, 1, 0, [], None), (0, 0, 0, 0, 1, [], None)]
        assert pyzk_templates(b) == [("1002", 6, 1, FINGER)]

        with factory() as session:
            row = session.scalars(select(EmployeeTemplate)).one()
            assert (row.employee_id, row.finger, row.valid, row.source_device_sn) == (ids["1002"], 6, 1, a.serial)
            assert row.template.startswith("pc1:") and base64.b64encode(FINGER).decode()[:16] not in row.template
            assert base64.b64decode(reveal(session, FINGER_TEMPLATE, row.employee_id, row.template)) == FINGER
            audit = session.scalars(select(AuditLog).where(AuditLog.action == "terminal.templates.write")).one()
            assert (audit.target, json.loads(audit.after_json)) == ("device:door1", {"fingers": ["1002:6"]})

        again = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in again] == [(2, 0, 0, 1, 0, [], None), (1, 0, 0, 0, 0, [], None)]


def test_a_badge_the_terminal_lacks_waits_and_a_busy_terminal_is_reported(factory: sessionmaker[Session]) -> None:
    with ZKTerminal(users=3, records=0) as a, ZKTerminal(users=1, records=0, seed=2) as b:
        config = setup(factory, a, b)
        employee(factory, "E1003", "1003")
        a.enrol("1003", 2, FINGER)
        copies = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in copies] == [(1, 1, 0, 0, 0, [], None), (0, 0, 0, 0, 0, ["1003"], None)]
        assert pyzk_templates(b) == []
        with device_lease(factory, "door1", "user sync"):
            busy = copy_templates(factory, config, actor="test", now=lambda: NOW)[1]
        assert busy.error is not None and busy.error.startswith("TerminalBusy: device door1 is busy: user sync by pid")


def test_a_leaver_s_finger_is_not_copied(factory: sessionmaker[Session]) -> None:
    with ZKTerminal(users=2, records=0) as a, ZKTerminal(users=2, records=0, seed=2) as b:
        config = setup(factory, a, b)
        employee(factory, "E1001", "1001", left_on=date(2026, 3, 2))  # the office's date at NOW: left today
        a.enrol("1001", 0, FINGER)
        copies = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in copies] == [(1, 0, 0, 1, 0, [], None), (0, 0, 0, 0, 0, [], None)]
        assert pyzk_templates(b) == []


def soap_device(name: str, t: ZKSoapTerminal) -> cfg.Device:
    return cfg.Device(name=name, kind="zk-soap", host="127.0.0.1", port=t.port, office="HQ")


def zeep_templates(t: ZKSoapTerminal) -> list[tuple[str, int, int, bytes]]:
    """The terminal's fingers as plain zeep reads them (the shipped WSDL, none of the driver's code)."""
    client = zeep.Client(str(WSDL_PATH))
    service = client.create_service(f"{{{NS}}}ZKTerminalBinding", f"http://127.0.0.1:{t.port}/iWsService")
    reply = service.GetUserTemplate(ArgComKey="0", Arg={"PIN": "All"})
    rows = reply if isinstance(reply, list) else (reply.Row or []) if reply is not None else []
    return sorted((r.PIN, int(r.FingerID), int(r.Valid), base64.b64decode(r.Template)) for r in rows)


def test_a_finger_enrolled_on_a_zk_terminal_reaches_a_soap_one_and_back(factory: sessionmaker[Session]) -> None:
    with (
        ZKTerminal(users=3, records=0) as zk_a,
        ZKSoapTerminal(users=3, records=0, seed=2) as soap,
        ZKTerminal(users=3, records=0, seed=3, udp=True) as zk_b,
    ):
        config = cfg.Config(
            offices=[OFFICE],
            devices=[
                cfg.Device(name="door0", kind="zk-tcp", host="127.0.0.1", port=zk_a.port, office="HQ"),
                soap_device("door1", soap),
                cfg.Device(name="door2", kind="zk-udp", host="127.0.0.1", port=zk_b.port, office="HQ"),
            ],
        )
        register_config(factory, config)
        for pin in ("1001", "1002", "1003"):
            employee(factory, f"E{pin}", pin)
        zk_a.enrol("1002", 6, FINGER)
        soap.enrol("1003", 3, FINGER[::-1])  # enrolled at the SOAP terminal

        copies = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in copies] == [
            (1, 1, 0, 0, 1, [], None),
            (1, 1, 0, 0, 1, [], None),
            (0, 0, 0, 0, 2, [], None),
        ]
        assert zeep_templates(soap) == [("1002", 6, 1, FINGER), ("1003", 3, 1, FINGER[::-1])]
        assert pyzk_templates(zk_a) == [("1002", 6, 1, FINGER), ("1003", 3, 1, FINGER[::-1])]
        assert pyzk_templates(zk_b) == [("1002", 6, 1, FINGER), ("1003", 3, 1, FINGER[::-1])]
        assert copies[1].sn == soap.state.serial_number

        again = copy_templates(factory, config, actor="test", now=lambda: NOW)
        assert [counts(c) for c in again] == [(2, 0, 0, 0, 0, [], None)] * 3


@pytest.mark.parametrize("copy_on", [True, False], ids=["copy_templates", "copy_off"])
def test_serve_s_pass_adds_the_user_then_copies_the_finger(factory: sessionmaker[Session], copy_on: bool) -> None:
    """`serve`'s scheduled pass: user sync puts the badge on the new terminal, the copy its finger — no command run."""
    from gateway.cli.devices import user_sync_pass

    with ZKTerminal(users=1, records=0) as a, ZKTerminal(users=0, records=0, seed=2) as b:
        config = setup(factory, a, b).model_copy(update={"user_sync": cfg.UserSync(copy_templates=copy_on)})
        employee(factory, "E1001", "1001")
        a.enrol("1001", 4, FINGER)
        user_sync_pass(config, factory)
        assert [u.user_id for u in b.users] == ["1001"]
        assert pyzk_templates(b) == ([("1001", 4, 1, FINGER)] if copy_on else [])
