"""Punch direction through the gateway: the device's fixed direction or the ZK state, stored, read by attendance."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.attendance import month_attendance, parse_period
from gateway.store import Badge, Device, Employee, Office, Punch, make_engine, upgrade
from payroll_core.attendance import Absence, Fact

DAY = date(2026, 3, 2)  # a Monday, a workday in Dongguan (day shift 08:00-17:00, paired punches)


def _plant(factory: sessionmaker[Session], *devices: tuple[str, str]) -> None:
    """The Dongguan plant on its day shift, one employee with company-wide badge 7, and `devices` (sn, direction)."""
    with factory() as session, session.begin():
        office = Office(
            name="Dongguan plant", timezone="Asia/Shanghai", city="dongguan", double_punch_window_s=30,
            shift_rule="dongguan/day",
        )  # fmt: skip
        session.add(office)
        session.flush()
        for sn, direction in devices:
            session.add(
                Device(
                    name=sn, sn=sn, kind="zk-tcp", host="127.0.0.1", port=4370, office_id=office.id, model="",
                    firmware="", consecutive_failures=0, direction=direction,
                )
            )  # fmt: skip
        employee = Employee(
            code="E001", name="Worker", office_id=office.id, pay_basis="monthly", monthly_salary_fen=600_000,
            special_deductions_fen=0,
        )  # fmt: skip
        session.add(employee)
        session.flush()
        session.add(Badge(pin="7", employee_id=employee.id, device_sn=None))


def _punch(factory: sessionmaker[Session], sn: str, state: int, *times: str) -> None:
    punches = [RawPunch(sn, "7", datetime.fromisoformat(f"{DAY} {t}"), punch_state=state) for t in times]
    ingest_punches(factory, sn, punches, source="zk-tcp", now=datetime(2026, 4, 1))


def _day(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        office = session.scalar(select(Office))
        facts = month_attendance(session, parse_period("2026-03"), office).facts[0, DAY.day - 1]
    keys = (Fact.WORKED_MINUTES, Fact.REGULAR_MINUTES, Fact.MISSING_PUNCH, Fact.ABSENCE, Fact.PUNCHES)
    return {f.name.lower(): int(facts[f]) for f in keys}


def test_in_only_and_out_only_gates_pair_by_the_gate_not_the_state(factory: sessionmaker[Session]) -> None:
    # Both gates report state 0 (check-in) on every punch, as a terminal without a state key does: the gate's
    # own direction wins. In 07:55, out 12:02, out again 12:05 (3 min: not a double tap), in 12:58, out 17:01.
    # By direction: 07:55-12:02 = 247 - 2 (lunch 12:00-13:00) = 245, the 12:05 out has no in (unpaired, so 缺卡
    # and a full-day absence by default), 12:58-17:01 = 243 - 2 lunch - 1 (break 17:00-17:30) = 240: 485 worked,
    # 480 regular (08:00-12:02 = 240, 12:58-17:00 = 240). Positional pairs would give 245 + 0 (12:05-12:58 is
    # lunch) with 17:01 unpaired.
    _plant(factory, ("GATE-IN", "in"), ("GATE-OUT", "out"))
    _punch(factory, "GATE-IN", 0, "07:55:00", "12:58:00")
    _punch(factory, "GATE-OUT", 0, "12:02:00", "12:05:00", "17:01:00")
    with factory() as session:
        stored = session.execute(select(Punch.device_sn, Punch.punch_state, Punch.direction).order_by(Punch.ts_utc))
        assert [tuple(r) for r in stored] == [
            ("GATE-IN", 0, 1),
            ("GATE-OUT", 0, 2),
            ("GATE-OUT", 0, 2),
            ("GATE-IN", 0, 1),
            ("GATE-OUT", 0, 2),
        ]
    assert _day(factory) == {
        "worked_minutes": 485, "regular_minutes": 480, "missing_punch": 1, "absence": Absence.FULL, "punches": 5,
    }  # fmt: skip


def test_a_state_255_terminal_is_read_first_in_last_out(factory: sessionmaker[Session]) -> None:
    # State 255 (no state key) on 07:55, 12:02, 17:01: the day is one interval 07:55-17:01 = 546 - 60 lunch - 1
    # (break 17:00-17:01) = 485 worked, 480 regular, nothing missing. Positional pairs would leave 17:01 unpaired.
    _plant(factory, ("LINE", "auto"))
    _punch(factory, "LINE", 255, "07:55:00", "12:02:00", "17:01:00")
    with factory() as session:
        assert list(session.scalars(select(Punch.direction))) == [3, 3, 3]
    assert _day(factory) == {
        "worked_minutes": 485, "regular_minutes": 480, "missing_punch": 0, "absence": Absence.NONE, "punches": 3,
    }  # fmt: skip


def test_zk_states_give_the_direction_on_an_auto_terminal(factory: sessionmaker[Session]) -> None:
    # check-in 0, check-out 1, break-out 2, break-in 3, OT-in 4, OT-out 5, none 255, anything else: any
    _plant(factory, ("LINE", "auto"))
    for minute, state in enumerate((0, 1, 2, 3, 4, 5, 255, 7)):
        _punch(factory, "LINE", state, f"0{minute}:00:00")
    with factory() as session:
        got = session.execute(select(Punch.punch_state, Punch.direction).order_by(Punch.ts_utc))
        assert [tuple(r) for r in got] == [(0, 1), (1, 2), (2, 2), (3, 1), (4, 1), (5, 2), (255, 3), (7, 0)]


def test_migration_0033_backfills_the_direction_from_the_stored_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    upgrade(url, "0031")
    engine = make_engine(url)
    with engine.begin() as connection:
        for minute, state in enumerate((0, 1, 2, 3, 4, 5, 255, 7)):
            connection.execute(
                text(
                    "INSERT INTO punches (device_sn, pin, ts_local, ts_utc, status, punch_state, verify_mode, "
                    "workcode, source, received_at, flags, is_double_tap) "
                    "VALUES ('SN1', '7', :at, :at, 0, :state, 0, '', 'zk-tcp', :at, 0, 0)"
                ),
                {"at": datetime(2026, 3, 2, 8, minute), "state": state},
            )
    upgrade(url)
    with engine.connect() as connection:
        got = connection.execute(text("SELECT punch_state, direction FROM punches ORDER BY ts_utc")).all()
    engine.dispose()
    assert [tuple(r) for r in got] == [(0, 1), (1, 2), (2, 2), (3, 1), (4, 1), (5, 2), (255, 3), (7, 0)]
