"""The lock checks that read the month's punches, on a crafted case with two offices whose months differ in UTC.

Shanghai's March is [02-28 16:00, 03-31 16:00) UTC, Urumqi's [02-28 18:00, 03-31 18:00): a punch in the two hours
between belongs to one office's month and not the other's, so a query that mixed up the offices' bounds, their
devices, or quarantined and resolved punches would give other counts than the exact ones below.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.lock_checks import FLAGGED_CONSECUTIVE, FLAGGED_DAMAGES, FLAGGED_HF_RATE, lock_warnings
from gateway.pay.month_inputs import set_month_input
from gateway.pay.payrun import compute_payrun, create_payrun, run_payroll
from gateway.store import Device, Employee, Office, PayRun, Payslip, Punch, Quarantine
from payroll_core.money import fen_to_yuan

LATER = datetime(2099, 1, 1)  # received after any compute


def _punch(session: Session, sn: str, pin: str, utc: datetime, *, received: datetime, employee_id: int | None) -> int:
    punch = Punch(device_sn=sn, pin=pin, ts_local=utc, ts_utc=utc, source="test", received_at=received,
                  employee_id=employee_id)  # fmt: skip
    session.add(punch)
    session.flush()
    return punch.id


def _seed(session: Session) -> dict[str, int]:
    offices = [
        Office(name="A Shanghai", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=60,
               shift_rule="shanghai/office"),
        Office(name="B Urumqi", timezone="Asia/Urumqi", city="shanghai", double_punch_window_s=60,
               shift_rule="shanghai/office"),
    ]  # fmt: skip
    session.add_all(offices)
    session.flush()
    ids = {}
    for office, sn in zip(offices, ("SNA", "SNB"), strict=True):
        session.add(Device(name=f"door {sn}", sn=sn, kind="zk_tcp", office_id=office.id))
        employee = Employee(code=f"E{sn}", name=f"Worker {sn}", office_id=office.id, pay_basis="monthly",
                            monthly_salary_fen=600_000, special_deductions_fen=0)  # fmt: skip
        session.add(employee)
        session.flush()
        ids[sn] = employee.id
        _punch(session, sn, sn, datetime(2026, 3, 2, 1), received=datetime(2026, 3, 2, 1), employee_id=employee.id)
    return ids


def _quarantine(session: Session, punch_id: int, resolved_at: datetime | None) -> None:
    session.add(Quarantine(punch_id=punch_id, reason="unknown badge", created_at=LATER, resolved_at=resolved_at))


def test_late_and_quarantined_punches_are_counted_per_office_within_its_own_month(
    factory: sessionmaker[Session],
) -> None:
    with factory() as s, s.begin():
        ids = _seed(s)
        run, _ = run_payroll(s, "2026-03", "all", "test")
        since = run.computed_at
    with factory() as s, s.begin():
        # Received after the compute: A has one punch in its month, one in B's month only (03-31 17:00 UTC)
        # and one of February; B has two in its month and one in A's month only (02-28 17:00 UTC).
        for sn, utc in (
            ("SNA", datetime(2026, 3, 10, 1)),
            ("SNA", datetime(2026, 3, 31, 17)),
            ("SNA", datetime(2026, 2, 20, 1)),
            ("SNB", datetime(2026, 3, 11, 3)),
            ("SNB", datetime(2026, 3, 31, 17)),
            ("SNB", datetime(2026, 2, 28, 17)),
        ):
            _punch(s, sn, sn, utc, received=LATER, employee_id=ids[sn])
        # Unknown badges, received before the compute: open ones inside and outside the offices' months, and a
        # resolved one.
        for sn, pin, utc, resolved in (
            ("SNA", "9999", datetime(2026, 3, 3, 1), None),
            ("SNA", "9999", datetime(2026, 3, 4, 1), None),
            ("SNA", "9999", datetime(2026, 3, 31, 17), None),
            ("SNA", "7777", datetime(2026, 3, 5, 1), LATER),
            ("SNB", "8888", datetime(2026, 2, 28, 17, 30), None),
            ("SNB", "8888", datetime(2026, 2, 28, 19), None),
        ):
            punch_id = _punch(s, sn, pin, utc, received=datetime(2026, 3, 1), employee_id=None)
            _quarantine(s, punch_id, resolved)
    with factory() as s:
        run = s.get_one(PayRun, run.id)
        assert run.computed_at == since
        warnings = {w.code: w for w in lock_warnings(s, run, datetime(2026, 4, 1))}
    assert warnings["open_quarantine"].items == [
        "A Shanghai: badge 9999 (2 punches)",
        "B Urumqi: badge 8888 (1 punches)",
    ]
    assert warnings["changed_since_compute"].items == [
        "1 punches of 2026-03 received",
        "2 punches of 2026-03 received",
        "1 quarantined punches mapped or dismissed",
    ]


def test_each_flag_warns_for_its_own_payslips_only(factory: sessionmaker[Session]) -> None:
    """The flagged payslips are picked by the database: one with each flag, and one with none, which no warning
    names; the same whether the store marked them (`lock_flags`) or not (-1, as before migration 0042), and
    none when nothing is marked, so the checks read the marked payslips only."""
    with factory() as s, s.begin():
        ids = _seed(s)
        office_id = s.get_one(Employee, ids["SNA"]).office_id
        s.add(Employee(code="EZ", name="Plain Worker", office_id=office_id, pay_basis="monthly",
                       monthly_salary_fen=600_000, special_deductions_fen=0))  # fmt: skip
        steady = Employee(code="EC", name="Steady Worker", office_id=office_id, pay_basis="monthly",
                          monthly_salary_fen=600_000, special_deductions_fen=0)  # fmt: skip
        s.add(steady)
        s.flush()
        for day in range(2, 10):  # Mon 2 – Mon 9 March, the weekend too: 8 days in a row
            for hour in (1, 10):  # 09:00 and 18:00 in Shanghai
                at = datetime(2026, 3, day, hour)
                _punch(s, "SNA", "EC", at, received=at, employee_id=steady.id)
        s.get_one(Employee, ids["SNA"]).hf_rate = "0.15"
        run = create_payrun(s, "2026-03", "all", "hr")
        set_month_input(s, run.id, "ESNB", "hr", damages_fen=200_000)
        compute_payrun(s, run.id, "hr")
    flagged = ("housing_fund_rate", "damages_over_limit", "consecutive_days")

    def warned() -> dict[str, list[str]]:
        with factory() as s:
            found = lock_warnings(s, s.get_one(PayRun, run.id), datetime(2026, 4, 1))
            return {w.code: w.items for w in found if w.code in flagged}

    with factory() as s:
        figures = s.scalars(select(Payslip).where(Payslip.employee_id == ids["SNB"])).one().figures
        marks = dict(s.execute(select(Employee.code, Payslip.lock_flags).join(Payslip)).tuples().all())
    limit = figures["damages_limit_fen"]
    expected = {
        "housing_fund_rate": ["ESNA Worker SNA"],
        "damages_over_limit": [
            f"ESNB Worker SNB (2000.00 yuan entered, at most {fen_to_yuan(limit)}, {fen_to_yuan(limit)} deducted)"
        ],
        "consecutive_days": ["EC Steady Worker (8 days in a row)"],
    }
    assert marks == {"ESNA": FLAGGED_HF_RATE, "ESNB": FLAGGED_DAMAGES, "EC": FLAGGED_CONSECUTIVE, "EZ": 0}
    assert warned() == expected
    for mark, expect in ((-1, expected), (0, {})):
        with factory() as s, s.begin():
            s.execute(update(Payslip).values(lock_flags=mark))
        assert warned() == expect


def test_the_changed_since_compute_check_finds_late_punches_by_index(engine: Engine) -> None:
    """Without `ix_punches_received_at` (migration 0038) every lock scanned the whole punch table."""
    query = (
        "EXPLAIN QUERY PLAN SELECT id FROM punches WHERE received_at > '2026-04-01'"
        if engine.dialect.name == "sqlite"
        else "EXPLAIN SELECT id FROM punches WHERE received_at > '2026-04-01'"
    )
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            connection.exec_driver_sql("SET enable_seqscan = off")  # a near-empty table: the planner may scan
        plan = " ".join(str(row) for row in connection.exec_driver_sql(query).all())
    assert "ix_punches_received_at" in plan
