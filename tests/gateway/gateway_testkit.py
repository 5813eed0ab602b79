"""Small builders shared by the gateway tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.store import Badge, Device, Employee, Office


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
            office_row = Office(name=office, timezone=timezone, city="shanghai", double_punch_window_s=window_s, shift_rule="standard")
            session.add(office_row)
            session.flush()
        session.add(Device(name=sn, sn=sn, kind="zk-tcp", host="127.0.0.1", port=4370, office_id=office_row.id,
                           model="", firmware="", consecutive_failures=0, clock_offset_s=clock_offset_s))


def seed_employee(factory: sessionmaker[Session], code: str, pin: str | None = None, device_sn: str | None = None) -> int:
    with factory() as session, session.begin():
        employee = Employee(code=code, name=f"Worker {code}", pay_basis="monthly", monthly_salary_fen=600000,
                            special_deductions_fen=0)
        session.add(employee)
        session.flush()
        if pin is not None:
            session.add(Badge(pin=pin, employee_id=employee.id, device_sn=device_sn))
        return employee.id


def punch(pin: str, ts: str, sn: str = "SN1", **fields: object) -> RawPunch:
    return RawPunch(device_sn=sn, pin=pin, ts_local=datetime.fromisoformat(ts), **fields)  # type: ignore[arg-type]
