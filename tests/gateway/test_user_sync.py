"""User sync against the simulators, each terminal read back with the real client (pyzk, zeep, raw ADMS)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner
from zk import ZK

from api import iclock
from drivers.base import MAX_UID, DriverError, TerminalUser, allocate_uids
from drivers.zk import ZKTcpDriver
from drivers.zk_soap import ZKSoapDriver
from gateway import config as cfg
from gateway.access.keys import load_keys
from gateway.cli.app import app as cli_app
from gateway.devices.lease import device_lease
from gateway.devices.push_commands import hand_over
from gateway.devices.user_sync import removals_of, sync_users
from gateway.store import AuditLog, Badge, Employee, Office, PushCommand, make_engine, session_factory
from simulators.zk import ZKTerminal
from simulators.zk_push import PushReport, PushTerminal
from simulators.zk_soap import ZKSoapTerminal
from tests.gateway.gateway_testkit import seed_device

OFFICE = cfg.Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai")
# 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Shanghai: the office's date is already April 1st.
APRIL_1_SHANGHAI = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
MARCH_31_SHANGHAI = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)


def employee(
    factory: sessionmaker[Session],
    code: str,
    name: str,
    pin: str,
    *,
    card: int = 0,
    privilege: str = "user",
    left_on: date | None = None,
) -> int:
    with factory() as session, session.begin():
        office = session.query(Office).filter_by(name=OFFICE.name).one()
        row = Employee(code=code, name=name, office_id=office.id, pay_basis="monthly", left_on=left_on)
        session.add(row)
        session.flush()
        session.add(Badge(pin=pin, employee_id=row.id, card=card, device_privilege=privilege))
        return row.id


def config(kind: str, port: int, encoding: str = "gbk", office: cfg.Office = OFFICE) -> cfg.Config:
    device = cfg.Device(name="door", kind=kind, host="127.0.0.1", port=port, office=office.name, encoding=encoding)
    return cfg.Config(offices=[office], devices=[device])


def pyzk_users(t: ZKTerminal, encoding: str = "gbk") -> list[tuple[str, str, int, int]]:
    conn = ZK("127.0.0.1", t.port, ommit_ping=True, force_udp=t.udp, encoding=encoding).connect()
    try:
        return sorted((u.user_id, u.name, u.card, u.privilege) for u in conn.get_users())
    finally:
        conn.disconnect()


@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_a_new_employee_is_pushed_and_read_back_with_pyzk(factory: sessionmaker[Session], udp: bool) -> None:
    seed_device(factory, sn="door")
    employee(factory, "E1", "张伟", "2001", card=123456, privilege="admin")
    employee(factory, "E2", "欧阳娜娜", "2002")
    with ZKTerminal(users=0, records=0, udp=udp, packet_gap_s=0) as t:
        [plan] = sync_users(factory, config("zk-udp" if udp else "zk-tcp", t.port), now=lambda: APRIL_1_SHANGHAI)
        assert (plan.error, plan.applied, [(c.action, c.pin) for c in plan.changes]) == (
            None,
            True,
            [("add", "2001"), ("add", "2002")],
        )
        assert pyzk_users(t) == [("2001", "张伟", 123456, 14), ("2002", "欧阳娜娜", 0, 0)]
        [again] = sync_users(factory, config("zk-udp" if udp else "zk-tcp", t.port), now=lambda: APRIL_1_SHANGHAI)
        assert again.changes == []


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_chinese_names_round_trip_in_the_terminals_encoding(factory: sessionmaker[Session], encoding: str) -> None:
    seed_device(factory, sn="door")
    employee(factory, "E1", "欧阳娜娜", "2001")
    employee(factory, "E2", "张伟" * 13, "2002")  # 26 characters: cut to the 24-byte field on a character boundary
    with ZKTerminal(users=0, records=0, packet_gap_s=0, encoding=encoding) as t:
        sync_users(factory, config("zk-tcp", t.port, encoding), now=lambda: APRIL_1_SHANGHAI)
        fitted = "张伟" * 6 if encoding == "gbk" else "张伟" * 4  # 24 bytes: 12 GBK characters, 8 UTF-8 ones
        assert pyzk_users(t, encoding) == [("2001", "欧阳娜娜", 0, 0), ("2002", fitted, 0, 0)]
        [again] = sync_users(factory, config("zk-tcp", t.port, encoding), now=lambda: APRIL_1_SHANGHAI)
        assert again.changes == []


def test_a_leaver_is_removed_the_day_after_the_last_day_and_not_before(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="door")
    stays = employee(factory, "E1", "Li Lei", "2001")
    leaver = employee(factory, "E2", "Han Meimei", "2002", left_on=date(2026, 3, 31))  # the last day worked
    with ZKTerminal(users=0, records=0, packet_gap_s=0) as t:
        sync_users(factory, config("zk-tcp", t.port), now=lambda: MARCH_31_SHANGHAI)
        assert [u[0] for u in pyzk_users(t)] == ["2001", "2002"]
        [plan] = sync_users(factory, config("zk-tcp", t.port), now=lambda: APRIL_1_SHANGHAI)
        assert [(c.action, c.pin, c.employee, c.reason) for c in plan.changes] == [("delete", "2002", "E2", "left")]
        assert [u[0] for u in pyzk_users(t)] == ["2001"]
    with factory() as session:
        removed = [(r.pin, d.name, r.removal_reason, r.removed_at is not None) for r, d in removals_of(session, leaver)]
        assert removed == [("2002", "door", "left", True)]
        assert [(r.pin, r.removed_at) for r, _ in removals_of(session, stays)] == [("2001", None)]
        audit = session.query(AuditLog).filter_by(action="terminal.user.remove").one()
        assert (audit.actor, audit.target) == ("user-sync", "device:door")


def test_an_unknown_user_is_reported_not_deleted_unless_the_office_says_so(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="door")
    employee(factory, "E1", "Li Lei", "1001")  # the simulator's first user has badge 1001 too
    with ZKTerminal(users=2, records=0, packet_gap_s=0) as t:
        [plan] = sync_users(factory, config("zk-tcp", t.port), dry_run=True, now=lambda: APRIL_1_SHANGHAI)
        assert [(c.action, c.pin) for c in plan.changes] == [("update", "1001"), ("unknown", "1002")]
        assert (plan.applied, [u.name for u in t.users]) == (False, [t.users[0].name, t.users[1].name])
        [plan] = sync_users(factory, config("zk-tcp", t.port), now=lambda: APRIL_1_SHANGHAI)
        assert [u.user_id for u in t.users] == ["1001", "1002"]
        strict = OFFICE.model_copy(update={"delete_unknown_users": True})
        [plan] = sync_users(factory, config("zk-tcp", t.port, office=strict), now=lambda: APRIL_1_SHANGHAI)
        assert [(c.action, c.pin, c.reason) for c in plan.changes] == [("delete", "1002", "unknown")]
        assert [u.user_id for u in t.users] == ["1001"]


def test_soap_push_and_removal_read_back_with_zeep(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="door")
    employee(factory, "E1", "欧阳娜娜", "3001", card=777)
    with ZKSoapTerminal(users=1, records=0, encoding="utf-8") as t:
        sync_users(factory, config("zk-soap", t.port), now=lambda: APRIL_1_SHANGHAI)
        with ZKSoapDriver("127.0.0.1", t.port) as soap:  # zeep, with the shipped WSDL
            users = sorted((u.pin, u.name, u.card, u.privilege, u.uid) for u in soap.read_users())
        assert users == [
            ("1001", t.state.users[0].name, t.state.users[0].card, t.state.users[0].privilege, 1),
            (
                "3001",
                "欧阳娜娜",
                777,
                0,
                2,
            ),
        ]
        with ZKSoapDriver("127.0.0.1", t.port) as soap:
            assert soap.delete_users(["3001", "9"]) == ["3001"]
            assert [u.pin for u in soap.read_users()] == ["1001"]


def test_adms_commands_are_queued_and_the_terminal_takes_them(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="CQZ001")
    employee(factory, "E1", "张伟", "2001", card=42, privilege="admin")
    leaver = employee(factory, "E2", "Han Meimei", "2002", left_on=date(2026, 3, 31))  # the last day worked
    push = cfg.Device(name="CQZ001", sn="CQZ001", kind="zk-push", office=OFFICE.name)
    conf = cfg.Config(offices=[OFFICE], devices=[push])
    sync_users(factory, conf, now=lambda: MARCH_31_SHANGHAI)
    assert hand_over(factory, "CQZ001") == [
        (1, "DATA UPDATE USERINFO PIN=2001\tName=张伟\tPri=14\tCard=42"),
        (2, "DATA UPDATE USERINFO PIN=2002\tName=Han Meimei\tPri=0\tCard=0"),
    ]
    [plan] = sync_users(factory, conf, now=lambda: APRIL_1_SHANGHAI)
    assert [(c.action, c.pin) for c in plan.changes] == [("delete", "2002")]
    assert hand_over(factory, "CQZ001") == [(3, "DATA DELETE USERINFO PIN=2002")]
    with factory() as session:
        assert [(r.pin, r.removal_reason) for r, _ in removals_of(session, leaver)] == [("2002", "left")]


def test_the_cli_syncs_an_adms_terminal_through_the_database_queue(tmp_path: Path) -> None:
    """`punchclock devices users sync` queues the commands in the database; a receiver in another process
    (here: an app started afterwards on the same database) hands them to the terminal, which applies them."""
    config_path = tmp_path / "punchclock.toml"
    config_path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n\n'
        '[[offices]]\nname = "Shanghai"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
        '[[devices]]\nname = "gate"\nsn = "CQZ001"\nkind = "zk-push"\noffice = "Shanghai"\n',
        encoding="utf-8",
    )
    sync = ["devices", "users", "sync", "--config", str(config_path)]
    first = CliRunner().invoke(cli_app, sync, env={"COLUMNS": "250"})
    assert (first.exit_code, first.stderr.splitlines()[-1]) == (0, "done: 0 added, 0 updated, 0 deleted, 0 unknown "
                                                                   "users reported")  # fmt: skip
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    factory = session_factory(engine, keys=load_keys(tmp_path / "punchclock.key"))
    with factory() as session, session.begin():
        office = session.query(Office).filter_by(name="Shanghai").one()
        row = Employee(code="E1", name="张伟", office_id=office.id, pay_basis="monthly")
        session.add(row)
        session.flush()
        session.add(Badge(pin="2001", employee_id=row.id, card=42))
    second = CliRunner().invoke(cli_app, sync, env={"COLUMNS": "250"})
    assert (second.exit_code, second.stderr.splitlines()[-1]) == (0, "done: 1 added, 0 updated, 0 deleted, 0 "
                                                                     "unknown users reported")  # fmt: skip
    receiver = FastAPI()
    iclock.mount(receiver, factory)
    with TestClient(receiver) as client:
        terminal = PushTerminal("http://testserver", "CQZ001", users=0, records=0, client=client, sleep=lambda _s: None)
        report = PushReport()
        terminal.handshake()
        assert terminal.poll_commands(report) == 1
    assert report.commands_run == ["DATA UPDATE USERINFO PIN=2001\tName=张伟\tPri=0\tCard=42"]
    assert (terminal.users["2001"].name, terminal.users["2001"].card) == ("张伟", 42)
    with factory() as session:
        assert [(c.state, c.return_code) for c in session.scalars(select(PushCommand))] == [("done", 0)]


def test_a_busy_terminal_is_not_touched(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="door")
    employee(factory, "E1", "Li Lei", "2001")
    with ZKTerminal(users=0, records=0, packet_gap_s=0) as t, device_lease(factory, "door", "poll"):
        [plan] = sync_users(factory, config("zk-tcp", t.port), now=lambda: APRIL_1_SHANGHAI)
        assert plan.busy and plan.error is not None
        assert plan.error.startswith("device door is busy: poll by pid ")
        assert t.users == []


def test_uids_are_reused_for_a_pin_and_never_pass_16_bits() -> None:
    assert allocate_uids({"7": 3, "8": 1}, ["7", "9", "10"], "door") == {"7": 3, "9": 2, "10": 4}
    full = {str(n): n for n in range(1, MAX_UID + 1)}
    with pytest.raises(DriverError) as caught:
        allocate_uids(full, ["new"], "door")
    assert str(caught.value) == (
        "door has no free user slot for badge new: a ZK uid is 16 bits, so a terminal numbers at most 65,535 users; "
        "delete users it no longer needs (leavers, unknown users) first"
    )


def test_the_simulator_refuses_a_user_beyond_its_capacity_like_the_firmware() -> None:
    with ZKTerminal(users=1, records=0, user_capacity=1, packet_gap_s=0) as t, ZKTcpDriver("127.0.0.1", t.port) as d:
        with pytest.raises(DriverError) as caught:
            d.write_users([TerminalUser("5", "Wang Fang")])
        assert "refused to store user 5 (uid 2): its user table may be full" in str(caught.value)
        assert [u.user_id for u in t.users] == ["1001"]


def test_the_adms_simulator_applies_user_commands() -> None:
    from simulators.zk_push import RETURN_BAD_ARGUMENT, RETURN_OK, PushTerminal

    terminal = PushTerminal("http://127.0.0.1:1", "CQZ001", users=1, client=httpx.Client())
    assert terminal._obey("DATA UPDATE USERINFO PIN=2001\tName=张伟\tPri=14\tCard=42", None) == RETURN_OK  # type: ignore[arg-type]
    assert (terminal.users["2001"].name, terminal.users["2001"].privilege, terminal.users["2001"].card) == (
        "张伟",
        14,
        42,
    )
    assert terminal._obey("DATA UPDATE USERINFO PIN=2002\tName=" + "张" * 13, None) == RETURN_BAD_ARGUMENT  # type: ignore[arg-type]
    assert terminal._obey("DATA DELETE USERINFO PIN=2001", None) == RETURN_OK  # type: ignore[arg-type]
    assert "2001" not in terminal.users
