"""Small builders shared by the gateway tests."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from drivers.base import DeviceInfo, RawPunch, RawUser
from gateway.store import (
    Badge,
    BankAccount,
    Device,
    Employee,
    Office,
    PieceBatch,
    PieceRecord,
    Punch,
)


def seed_device(
    factory: sessionmaker[Session],
    sn: str = "SN1",
    timezone: str = "Asia/Shanghai",
    window_s: int = 60,
    office: str = "Shanghai HQ",
    clock_offset_s: int | None = None,
) -> None:
    with factory() as session, session.begin():
        office_row = session.query(Office).filter_by(name=office).one_or_none()
        if office_row is None:
            office_row = Office(
                name=office, timezone=timezone, city="shanghai", double_punch_window_s=window_s, shift_rule="standard"
            )
            session.add(office_row)
            session.flush()
        session.add(
            Device(
                name=sn,
                sn=sn,
                kind="zk-tcp",
                host="127.0.0.1",
                port=4370,
                office_id=office_row.id,
                model="",
                firmware="",
                consecutive_failures=0,
                clock_offset_s=clock_offset_s,
            )
        )


def seed_employee(
    factory: sessionmaker[Session], code: str, pin: str | None = None, device_sn: str | None = None
) -> int:
    with factory() as session, session.begin():
        employee = Employee(
            code=code, name=f"Worker {code}", pay_basis="monthly", monthly_salary_fen=600000, special_deductions_fen=0
        )
        session.add(employee)
        session.flush()
        if pin is not None:
            session.add(Badge(pin=pin, employee_id=employee.id, device_sn=device_sn))
        return employee.id


def punch(pin: str, ts: str, sn: str = "SN1", **fields: object) -> RawPunch:
    return RawPunch(device_sn=sn, pin=pin, ts_local=datetime.fromisoformat(ts), **fields)  # type: ignore[arg-type]


class FakeDriver:
    """An in-memory terminal for poller tests; the ZK simulator tests cover the real bytes."""

    has_clock = True
    clearable = True

    def __init__(
        self,
        sn: str,
        records: list[RawPunch],
        *,
        clock_offset_s: int = 0,
        error: Exception | None = None,
        grows_during_download: int = 0,
        gate: threading.Event | None = None,
    ) -> None:
        self.sn = sn
        self.records = list(records)
        self.clock_offset = timedelta(seconds=clock_offset_s)
        self.error = error
        self.grows_during_download = grows_during_download
        self.gate = gate
        self.set_times: list[datetime] = []
        self.cleared = 0

    def __enter__(self) -> FakeDriver:
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def open(self) -> None: ...

    def close(self) -> None: ...

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            serial_number=self.sn,
            model="Fake",
            firmware="1",
            user_count=3,
            user_capacity=1000,
            record_count=len(self.records),
            record_capacity=100000,
        )

    def read_users(self) -> list[RawUser]:
        return []

    def read_punches(self) -> list[RawPunch]:
        if self.gate is not None:
            self.gate.wait()
        read = list(self.records)
        for n in range(self.grows_during_download):
            self.records.append(RawPunch(self.sn, "1", datetime(2026, 3, 3, 8, 0, n)))
        return read

    def get_time(self) -> datetime:
        return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) + self.clock_offset

    def set_time(self, dt: datetime) -> None:
        self.set_times.append(dt)
        self.clock_offset = timedelta(0)

    def clear_punches(self, expected_count: int) -> int:
        held = len(self.records)
        if held == expected_count:
            self.cleared += 1
            self.records.clear()
        return held


def seed_march(session: Session) -> None:
    """Three employees of Shanghai HQ punching March 2026 (monthly, one with a bank account and an ID, one piece
    worker), as the pinned digests were computed over."""
    office = Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=60,
                    shift_rule="shanghai/office")  # fmt: skip
    session.add(office)
    session.flush()
    people = [
        Employee(code="E001", name="张伟", office_id=office.id, pay_basis="monthly", monthly_salary_fen=1_200_000,
                 special_deductions_fen=200_000, id_type="居民身份证", id_number="sealed:k1:abc"),
        Employee(code="E002", name="Li Na", office_id=office.id, pay_basis="monthly", monthly_salary_fen=600_000,
                 special_deductions_fen=0),
        Employee(code="E003", name="Wang Fang", office_id=office.id, pay_basis="piece", special_deductions_fen=0),
    ]  # fmt: skip
    session.add_all(people)
    session.flush()
    session.add(BankAccount(employee_id=people[0].id, bank_name="ICBC", account_no="sealed:k1:6222",
                            account_name="张伟"))  # fmt: skip
    batch = PieceBatch(name="march.csv", periods="2026-03", row_count=1, qty=1200, imported_by="test",
                       imported_at=datetime(2026, 4, 1))  # fmt: skip
    session.add(batch)
    session.flush()
    session.add(PieceRecord(batch_id=batch.id, employee_id=people[2].id, period="2026-03", item="LAMP-01", qty=1200,
                            rejects=15, unit_fen=350, coef_num=11, coef_den=10, grade_coef="1.1",
                            source="march.csv row 2", imported_at=datetime(2026, 4, 1)))  # fmt: skip
    for n, employee in enumerate(people):
        for day in (date(2026, 3, d) for d in range(2, 32)):
            if day.isoweekday() > 5 or day.day == 10 + n:
                continue
            for local in (
                datetime(day.year, day.month, day.day, 8, 55 + n),
                datetime(day.year, day.month, day.day, 18),
            ):
                utc = local - timedelta(hours=8)
                session.add(Punch(device_sn="SN1", pin=employee.code, ts_local=local, ts_utc=utc, source="test",
                                  received_at=utc, employee_id=employee.id))  # fmt: skip
