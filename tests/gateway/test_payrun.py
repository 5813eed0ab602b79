"""Pay run lifecycle on the store: attendance from punches, exact payslips, recompute diff, lock, YTD."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.audit import verify_chain
from gateway.access.keys import create_key_file
from gateway.access.vault import BANK_ACCOUNT_NO, seal_for
from gateway.pay.payrun import (
    Change,
    PayRunConflict,
    PayRunInputError,
    PayRunLocked,
    compute_payrun,
    create_payrun,
    lines_of,
    lock_payrun,
    payslips_of,
    run_payroll,
)
from gateway.store import AuditLog, BankAccount, Employee, Office, PieceBatch, PieceRecord, Punch, PunchCorrection
from payroll_core.columns import OUTPUT_COLUMNS, EmployeeMonthColumns, PieceColumns
from payroll_core.money import fen_to_yuan
from payroll_core.pipeline import compute
from payroll_core.rules import load_rules

MARCH = [date(2026, 3, d) for d in range(1, 32)]
WORKDAYS = [d for d in MARCH if d.isoweekday() < 6]  # March 2026 has no holiday: 22 workdays


def _add_punch(session: Session, employee_id: int, local: datetime) -> None:
    utc = local - timedelta(hours=8)  # Asia/Shanghai
    session.add(
        Punch(
            device_sn="SN1",
            pin=str(employee_id),
            ts_local=local,
            ts_utc=utc,
            source="test",
            received_at=utc,
            employee_id=employee_id,
        )
    )


def seed_shanghai(
    factory: sessionmaker[Session], *, absent_on: date | None = date(2026, 3, 10), late_on: date | None = None
) -> int:
    """One monthly employee (600,000 fen) at the Shanghai office, 09:00-18:00 every workday but `absent_on`."""
    with factory() as s, s.begin():
        office = Office(
            name="Shanghai HQ",
            timezone="Asia/Shanghai",
            city="shanghai",
            double_punch_window_s=60,
            shift_rule="shanghai/office",
        )
        s.add(office)
        s.flush()
        emp = Employee(
            code="E001",
            name="Zhang Wei",
            office_id=office.id,
            pay_basis="monthly",
            monthly_salary_fen=600_000,
            special_deductions_fen=200_000,
        )
        s.add(emp)
        s.flush()
        s.add(
            BankAccount(
                employee_id=emp.id,
                bank_name="ICBC",
                account_no=seal_for(s, BANK_ACCOUNT_NO, emp.id, "6222020200012345678"),
                account_name="Zhang Wei",
            )
        )
        for day in WORKDAYS:
            if day == absent_on:
                continue
            start = datetime(day.year, day.month, day.day, 9, 20 if day == late_on else 0)
            _add_punch(s, emp.id, start - timedelta(minutes=5))
            _add_punch(s, emp.id, start.replace(hour=18, minute=0))
        return emp.id


def _expected(**attendance: int) -> dict[str, int]:
    """The same month computed directly by payroll_core from hand-written attendance."""
    rules = load_rules("2026-03", ["shanghai"])
    inputs = EmployeeMonthColumns.build(
        1, city=0, pay_basis=0, monthly_salary_fen=600_000, special_deductions_fen=200_000, **attendance
    )
    return compute(inputs, rules, PieceColumns.empty(1)).row(0)


def test_compute_pays_the_attendance_the_punches_show(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        run = create_payrun(s, "2026-03", "all", "hr")
        assert compute_payrun(s, run.id, "hr") == []
    with factory() as s:
        [(slip, emp)] = payslips_of(s, run.id)
        assert emp.code == "E001"
        assert slip.attendance["scheduled_days"] == 22
        assert slip.attendance["absent_days"] == 1
        assert slip.attendance["worked_minutes"] == 21 * 480
        expected = _expected(scheduled_days=22, absent_days=1, worked_minutes=21 * 480)
        assert slip.figures == expected
        assert expected["absence_fen"] == 27_586  # 600000 × 1 ÷ 21.75 = 27586.2 → 27586
        assert slip.net_fen == expected["net_fen"]
        lines = lines_of(s, slip.id)
        assert [line.code for line in lines][:2] == ["BASE_PAY", "ABSENCE"]
        assert lines[1].amount_fen == -27_586
        stored = s.get(type(run), run.id)
        assert stored.status == "computed"
        assert stored.rules_version == load_rules("2026-03", ["shanghai"]).version
        assert stored.net_total_fen == expected["net_fen"]


def test_recompute_reports_each_changed_field(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        run = create_payrun(s, "2026-03", "Shanghai HQ", "hr")
        compute_payrun(s, run.id, "hr")
    with factory() as s, s.begin():
        _add_punch(s, emp_id, datetime(2026, 3, 10, 8, 58))  # the absent day turns out to be worked
        _add_punch(s, emp_id, datetime(2026, 3, 10, 18, 0))
    before = _expected(scheduled_days=22, absent_days=1, worked_minutes=21 * 480)
    after = _expected(scheduled_days=22, absent_days=0, worked_minutes=22 * 480)
    with factory() as s, s.begin():
        changes = compute_payrun(s, run.id, "hr")
    expected = [
        Change("E001", name, before[name], after[name]) for name in OUTPUT_COLUMNS if before[name] != after[name]
    ]
    assert changes == expected
    assert Change("E001", "absence_fen", 27_586, 0) in changes
    with factory() as s:
        assert json.loads(s.get(type(run), run.id).last_diff_json)[0] == {
            "employee": "E001",
            "field": expected[0].field,
            "old": expected[0].old,
            "new": expected[0].new,
        }
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "payrun.compute")) == 2


def test_locked_run_is_immutable(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr", lock=True)
    with (
        factory() as s,
        s.begin(),
        pytest.raises(
            PayRunLocked, match=r"pay run 1 \(2026-03, scope 'all'\) was locked at .* by hr; a locked run is immutable"
        ),
    ):
        compute_payrun(s, run.id, "hr")
    with factory() as s, s.begin(), pytest.raises(PayRunLocked, match="already locked"):
        lock_payrun(s, run.id, "hr")
    with factory() as s:
        assert verify_chain(s) is None
        assert [a for (a,) in s.execute(select(AuditLog.action).order_by(AuditLog.id))] == [
            "payrun.create",
            "payrun.compute",
            "payrun.lock",
        ]


def test_lock_needs_a_computed_run_and_scopes_may_not_overlap(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        run = create_payrun(s, "2026-03", "Shanghai HQ", "hr")
    with factory() as s, s.begin(), pytest.raises(PayRunConflict, match="has not been computed"):
        lock_payrun(s, run.id, "hr")
    with (
        factory() as s,
        s.begin(),
        pytest.raises(PayRunConflict, match=r"pay run 1 \(2026-03, scope 'Shanghai HQ', draft\) already covers"),
    ):
        create_payrun(s, "2026-03", "all", "hr")
    with (
        factory() as s,
        s.begin(),
        pytest.raises(
            PayRunInputError, match="scope 'Beijing' is neither 'all' nor an office name; offices: 'Shanghai HQ'"
        ),
    ):
        create_payrun(s, "2026-04", "Beijing", "hr")
    with factory() as s, s.begin(), pytest.raises(PayRunInputError, match="period '2026-13': expected YYYY-MM"):
        create_payrun(s, "2026-13", "all", "hr")


def test_missing_salary_is_named(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        s.scalar(select(Employee)).monthly_salary_fen = None
    with (
        factory() as s,
        s.begin(),
        pytest.raises(
            PayRunInputError, match=r"employee E001 \(Zhang Wei\) is paid monthly but has no monthly_salary_fen"
        ),
    ):
        run_payroll(s, "2026-03", "all", "hr")


def test_iit_year_to_date_comes_from_locked_runs_only(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory, absent_on=None)
    with factory() as s, s.begin():
        for day in [date(2026, 4, d) for d in range(1, 31)]:
            if day.isoweekday() < 6 and day not in (date(2026, 4, 6),):  # 6 April 2026: Qingming
                _add_punch(s, emp_id, datetime(2026, 4, day.day, 8, 55))
                _add_punch(s, emp_id, datetime(2026, 4, day.day, 18, 0))
    with factory() as s, s.begin():
        march, _ = run_payroll(s, "2026-03", "all", "hr")  # computed, not locked
        april, _ = run_payroll(s, "2026-04", "all", "hr")
        [(slip, _e)] = payslips_of(s, april.id)
        assert slip.inputs["ytd_months"] == 0
        lock_payrun(s, march.id, "hr")
        compute_payrun(s, april.id, "hr")
    with factory() as s:
        [(march_slip, _e)] = payslips_of(s, march.id)
        [(april_slip, _e)] = payslips_of(s, april.id)
        m = march_slip.figures
        assert april_slip.inputs["ytd_months"] == 1
        assert april_slip.inputs["ytd_income_fen"] == m["gross_fen"]
        assert april_slip.inputs["ytd_si_hf_fen"] == m["si_employee_fen"] + m["hf_employee_fen"]
        assert april_slip.inputs["ytd_special_deductions_fen"] == 200_000
        assert april_slip.inputs["ytd_tax_withheld_fen"] == m["iit_fen"]
        assert april_slip.figures["tax_cumulative_fen"] - m["iit_fen"] == april_slip.figures["iit_fen"]


def test_piece_records_are_paid(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        s.get(Employee, emp_id).pay_basis = "piece"
        batch = PieceBatch(
            name="test", periods="2026-03", row_count=1, qty=300, imported_by="hr", imported_at=datetime(2026, 4, 1)
        )
        s.add(batch)
        s.flush()
        s.add(
            PieceRecord(
                employee_id=emp_id,
                period="2026-03",
                item="LAMP-01",
                qty=300,
                rejects=4,
                unit_fen=120,
                coef_num=11,
                coef_den=10,
                grade_coef="1.10",
                source="test",
                imported_at=datetime(2026, 4, 1),
                batch_id=batch.id,
            )
        )
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
        [(slip, _e)] = payslips_of(s, run.id)
        # (300 − 4) × 120 × 1.10 = 39,072 fen
        assert slip.figures["piece_pay_fen"] == 39_072
        assert np.int64(slip.gross_fen) >= 39_072


def test_manual_corrections_count_and_the_raw_log_stays(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        for hour in (1, 10):  # 09:00 and 18:00 Shanghai on the absent day, in UTC
            s.add(
                PunchCorrection(
                    action="add",
                    employee_id=emp_id,
                    ts_utc=datetime(2026, 3, 10, hour),
                    reason="forgot badge",
                    created_by="hr",
                    created_at=datetime(2026, 4, 1),
                )
            )
        evening = s.scalar(select(Punch).where(Punch.ts_local == datetime(2026, 3, 11, 18, 0)))
        s.add(
            PunchCorrection(
                action="void",
                employee_id=emp_id,
                punch_id=evening.id,
                reason="colleague's tap",
                created_by="hr",
                created_at=datetime(2026, 4, 1),
            )
        )
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
        [(slip, _e)] = payslips_of(s, run.id)
        # 10 March: the two added punches make it a worked day (it was the one absence); 11 March: only the morning
        # punch counts, a missing punch and so a full-day absence under the default missing_punch = "absent"
        assert slip.attendance["absent_days"] == 1
        assert slip.attendance["missing_punches"] == 1
        assert s.scalar(select(func.count()).select_from(Punch)) == 42


def test_cli_payroll_run_and_export(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gateway.cli.app import app
    from gateway.store import make_engine, session_factory, upgrade

    db = tmp_path / "pay.db"
    config = tmp_path / "punchclock.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n\n[[offices]]\nname = "Shanghai HQ"\ntimezone = "Asia/Shanghai"\n'
        'city = "shanghai"\nshift_rule = "shanghai/office"\n',
        encoding="utf-8",
    )
    upgrade(f"sqlite:///{db}")
    engine = make_engine(f"sqlite:///{db}")
    seed_shanghai(session_factory(engine, keys=create_key_file(tmp_path / "punchclock.key")))
    engine.dispose()
    runner = CliRunner()
    expected = _expected(scheduled_days=22, absent_days=1, worked_minutes=21 * 480)

    ran = runner.invoke(app, ["payroll", "run", "--period", "2026-03", "--config", str(config), "--lock"])
    assert ran.exit_code == 0, ran.output
    assert "pay run 1 locked" in ran.output
    again = runner.invoke(app, ["payroll", "run", "--period", "2026-03", "--config", str(config)])
    assert again.exit_code == 2
    assert "a locked run is immutable" in again.output
    sheet = tmp_path / "sheet.csv"
    exported = runner.invoke(
        app, ["export", "--period", "2026-03", "--format", "csv", "--out", str(sheet), "--config", str(config)]
    )
    assert exported.exit_code == 0, exported.output
    row = sheet.read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    assert row[:5] == ["E001", "Zhang Wei", "Shanghai HQ", "1", "locked"]
    assert [int(v) for v in row[5:]] == [expected[name] for name in OUTPUT_COLUMNS]
    bank = runner.invoke(
        app,
        [
            "export",
            "--period",
            "2026-03",
            "--format",
            "bank",
            "--out",
            str(tmp_path / "b.csv"),
            "--config",
            str(config),
        ],
    )
    assert bank.exit_code == 0, bank.output
    assert f"1 transfers, {fen_to_yuan(expected['net_fen'])} yuan in all" in bank.output
    net = fen_to_yuan(expected["net_fen"])
    assert (tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "账号,户名,金额,开户行,用途",
        f"6222020200012345678,Zhang Wei,{net},ICBC,工资",
        f"合计,1笔,{net},,",
    ]


def test_the_month_punch_read_is_answered_by_the_covering_index_alone(engine: Engine) -> None:
    """`ix_punches_employee_ts` holds every column the pay run reads of a punch (migration 0039); SQLite's plan
    says so. (PostgreSQL plans an index-only scan only from statistics and a vacuumed table, not in a test.)"""
    (index,) = [i for i in inspect(engine).get_indexes("punches") if i["name"] == "ix_punches_employee_ts"]
    assert index["column_names"] == ["employee_id", "ts_utc", "is_double_tap", "direction"]
    if engine.dialect.name == "sqlite":
        read = (
            "SELECT employee_id, ts_utc, direction FROM punches WHERE employee_id IN (1, 2) "
            "AND ts_utc >= '2026-03-01' AND ts_utc < '2026-04-01' AND is_double_tap = 0"
        )
        with engine.connect() as connection:
            plan = " ".join(str(row) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {read}").all())
        assert "USING COVERING INDEX ix_punches_employee_ts" in plan
