"""Builders for the pay API tests, on top of the fixture store of `conftest.py` (E001 at Shanghai HQ, pin 1001).

`full_month` gives E001 a March 2026 at the office (09:00-18:00 shift) with one absent day, so the
pay figures are small enough to check by hand (see test_exports.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.access.audit import append_audit
from gateway.access.integrity import BANK_ACCOUNT_ACTION, bank_account_digest
from gateway.access.keys import keys_of
from gateway.access.vault import BANK_ACCOUNT_NO, seal_for
from gateway.devices.ingest import ingest_punches
from gateway.store import BankAccount, Device, Employee, Quarantine

SN_SH = "SH0001"
PERIOD = "2026-03"
SCOPE = "Shanghai HQ"
SALARY_FEN = 1_234_567
ABSENT_ON = date(2026, 3, 10)
WORKDAYS = [date(2026, 3, d) for d in range(1, 32) if date(2026, 3, d).isoweekday() < 6]  # 22, no holiday


def punch_day(factory: sessionmaker[Session], day: date, pin: str = "1001") -> None:
    ingest_punches(
        factory,
        SN_SH,
        [
            RawPunch(SN_SH, pin, datetime(day.year, day.month, day.day, 8, 55)),
            RawPunch(SN_SH, pin, datetime(day.year, day.month, day.day, 18, 0)),
        ],
        source="zk-tcp",
        now=datetime(2026, 4, 1),
    )


def full_month(factory: sessionmaker[Session]) -> None:
    """E001: salary SALARY_FEN, a bank account, punches on every March workday but ABSENT_ON.

    The month is one HR could lock without a warning: the office's terminal was read after the month
    ended and the seed's unknown badge was dismissed from the quarantine.
    """
    with factory() as session, session.begin():
        employee = session.scalar(select(Employee).where(Employee.code == "E001"))
        assert employee is not None
        employee.monthly_salary_fen = SALARY_FEN
        account = BankAccount(
            employee_id=employee.id,
            bank_name="ICBC Shanghai",
            account_no=seal_for(session, BANK_ACCOUNT_NO, employee.id, "6222020000000001"),
            account_name="Worker E001",
        )
        session.add(account)
        session.flush()  # recorded as the bank-account route records it, so `audit verify` accepts it
        digest = bank_account_digest(keys_of(session).audit_key, account)
        append_audit(session, "test", BANK_ACCOUNT_ACTION, "employee:E001", None, {"digest": digest})
        session.execute(update(Device).where(Device.sn == SN_SH).values(last_success_at=datetime(2026, 4, 1, 8, 0)))
        session.execute(update(Quarantine).values(resolved_at=datetime(2026, 4, 1, 8, 0)))
    for day in WORKDAYS:
        if day != ABSENT_ON:
            punch_day(factory, day)
