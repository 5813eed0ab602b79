"""The digests of a locked run are pinned: a faster lock must seal exactly what the first implementation sealed.

The values below were computed by the ORM-object implementation of the lock (snapshot, `current_digests`) before
the set-based one replaced it, with a fixed audit key over fixed data, so any change to what goes into a digest,
its order or its encoding fails here (and would make `audit verify` report every older locked run as altered).
Re-pinned, deliberately, when the attendance summary a payslip seals gained the approved-overtime keys
(`ot_in_lieu_minutes` and the 3 h / 36 h limit figures) and the payslip the leave figures (leave minutes by
payment, `paid_leave_fen`, `sick_pay_fen` …), and again when it gained the working-time keys
(`consecutive_days_max` / `_over_limit`, `wts_period_minutes`, `wts_standard_minutes`, `wts_settled_minutes`, 0
for standard hours), and the run's when its rules version gained the holiday source
(`holidays:chinesecalendar-<version>+overrides-<digest>`): new data sealed, the same encoding; older runs keep
verifying because `audit verify` re-digests what each run stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.integrity import current_digests
from gateway.access.keys import KeyRing
from gateway.access.verify import verify_all
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import run_payroll
from gateway.store import BankAccount, Employee, Office, Payslip, PieceBatch, PieceRecord, Punch, session_factory

KEYS = KeyRing(b"\x01" * 32, {"k1": b"\x02" * 32}, "k1")
RUN_DIGEST = "3f6523ac3891429dddf962a851001f0000c6d1614420a15c483e27c60006b562"
SLIP_DIGESTS = {
    1: "e6909e192a3e52334a55f5ea453001f95546b263c07559702a09bdb509df2d61",
    2: "d2abe47d9b8ab129f50c62738b2f61e963b8bb9b2f4190f1037533af7e5206a0",
    3: "ebaab728fd156bcdb0772b46db409dbc1bedbcddf4d857511c044c96ce1cc377",
}


def _seed(session: Session) -> None:
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


def test_a_locked_runs_digests_are_the_pinned_ones(db_url: str) -> None:
    from gateway.store import make_engine

    factory = session_factory(make_engine(db_url), keys=KEYS)
    with factory() as session, session.begin():
        _seed(session)
    with factory() as session, session.begin():
        run, _changes = run_payroll(session, "2026-03", "all", "hr", lock=True, acknowledge=WARNING_CODES)
        run_id = run.id
    with factory() as session:
        run = session.get(type(run), run_id)
        assert run is not None
        stored = dict(session.execute(select(Payslip.id, Payslip.digest).order_by(Payslip.id)).all())
        assert (run.digest, stored) == (RUN_DIGEST, SLIP_DIGESTS)
        assert current_digests(session, run) == SLIP_DIGESTS
        # the bank account was added without its audit row; the locked run itself verifies
        assert [f.kind for f in verify_all(session).findings if f.kind.startswith("payrun")] == []
