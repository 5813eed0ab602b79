"""Opening balances: imported from HR's spreadsheet, all rows or none, and added to the year's later pay runs."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker
from test_payrun import seed_shanghai

from gateway.pay import id_chunks
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.opening_balances import OpeningBalanceImportError, import_opening_balances, opening_balances
from gateway.pay.payrun import PayRunInputError, compute_payrun, create_payrun, lock_payrun, payslips_of, run_payroll
from gateway.store import AuditLog, Employee, OpeningBalance
from payroll_core.columns import EmployeeMonthColumns, PieceColumns
from payroll_core.pipeline import compute
from payroll_core.rules import load_rules

HEADER = "工号,姓名,截至月份,累计月数,累计收入额,累计专项扣除,累计专项附加扣除,累计其他扣除,累计已预缴税额\n"
# Zhang Wei, paid elsewhere in January and February 2026: 6,000 a month, 630 SI + 420 HF, 2,000 special deductions.
E001_FEB = 'E001,Zhang Wei,2026-02,2,"12,000.00",2100,4000,0,0\n'


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode("utf-8")


def _import(factory: sessionmaker[Session], content: bytes, name: str = "期初.csv") -> None:
    with factory() as s, s.begin():
        import_opening_balances(s, name, content, "hr")


def test_the_first_run_of_the_year_counts_from_january(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    _import(factory, _csv(E001_FEB))
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
        [(slip, _e)] = payslips_of(s, run.id)
    ytd = {
        "ytd_months": 2,
        "ytd_income_fen": 1_200_000,
        "ytd_si_hf_fen": 210_000,
        "ytd_special_deductions_fen": 400_000,
        "ytd_other_deductions_fen": 0,
        "ytd_tax_withheld_fen": 0,
    }
    assert {k: slip.inputs[k] for k in ytd} == ytd
    inputs = EmployeeMonthColumns.build(
        1,
        city=0,
        pay_basis=0,
        monthly_salary_fen=600_000,
        special_deductions_fen=200_000,
        scheduled_days=22,
        absent_days=1,
        worked_minutes=21 * 480,
        **ytd,
    )
    assert slip.figures == compute(inputs, load_rules("2026-03", ["shanghai"]), PieceColumns.empty(1)).row(0)


def test_the_balance_and_the_locked_runs_after_it_add_up(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    _import(factory, _csv("E001,Zhang Wei,2026-01,1,6000,1050,2000,0,0\n"))
    with factory() as s, s.begin():
        february = create_payrun(s, "2026-02", "all", "hr")
        compute_payrun(s, february.id, "hr")  # no punches in February: absent all month
        lock_payrun(s, february.id, "hr", ["no_punches", "stale_terminals", "net_not_positive"])
        march, _ = run_payroll(s, "2026-03", "all", "hr")
        [(feb_slip, _e)] = payslips_of(s, february.id)
        [(slip, _e)] = payslips_of(s, march.id)
    assert slip.inputs["ytd_months"] == 2
    assert slip.inputs["ytd_income_fen"] == 600_000 + feb_slip.figures["cumulative_income_fen"]
    assert slip.inputs["ytd_si_hf_fen"] == 105_000 + feb_slip.figures["si_hf_deductible_fen"]


def test_a_run_for_a_month_the_balance_covers_is_refused(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    _import(factory, _csv("E001,Zhang Wei,2026-03,3,18000,3150,6000,0,0\n"))
    with factory() as s, s.begin():
        run = create_payrun(s, "2026-03", "all", "hr")
        with pytest.raises(
            PayRunInputError,
            match=r"^pay run 1 \(2026-03\): employee E001 has an opening balance through 2026-03: 2026-03 was paid "
            r"before punchclock; pay the months after it$",
        ):
            compute_payrun(s, run.id, "hr")


def test_every_bad_row_is_named_and_nothing_is_stored(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    content = _csv(
        "E009,Nobody,2026-02,2,100,0,0,0,0\n",
        "E001,Li Na,2026-02,2,100,0,0,0,0\n",
        "E001,Zhang Wei,2026-13,2,100,0,0,0,0\n",
        "E001,Zhang Wei,2026-02,3,100,0,0,0,0\n",
        "E001,Zhang Wei,2026-02,2,100,0,0,0,101\n",
        "E001,Zhang Wei,2026-02,2,12.345,0,0,0,0\n",
        "E001,Zhang Wei,2026-02,2,100,0,0,0,0\n",
        "E001,Zhang Wei,2026-02,2,100,0,0,0,0\n",
    )
    with factory() as s, s.begin(), pytest.raises(OpeningBalanceImportError) as refused:
        import_opening_balances(s, "期初.csv", content, "hr")
    assert [str(p) for p in refused.value.problems] == [
        "row 2, column 工号: no employee with code 'E009'",
        "row 3, column 姓名: employee E001 is 'Zhang Wei', not 'Li Na': check the row",
        "row 4, column 截至月份: '2026-13' is not a month like 2026-06 (or 202606, or a date in it)",
        "row 5, column 累计月数: 3 months through 2026-02: at most 2 (2026-02 is month 2)",
        "row 6, column 累计已预缴税额: is more than the income: the tax is a part of the income",
        "row 7, column 累计收入额: '12.345' has more than 2 decimal places",
        "row 9, column 工号: E001 2026 is in row 8 too",
    ]
    assert [p.in_chinese() for p in refused.value.problems] == [
        "第 2 行，工号：没有工号为 'E009' 的员工",
        "第 3 行，姓名：员工 E001 是 'Zhang Wei'，不是 'Li Na'：请核对这一行",
        "第 4 行，截至月份：'2026-13' 不是月份：请写成 2026-06（或 202606，或该月中的一个日期）",
        "第 5 行，累计月数：截至 2026-02 为 3 个月：最多 2 个月（2026-02 是第 2 个月）",
        "第 6 行，累计已预缴税额：大于收入额：已扣税款是收入的一部分",
        "第 7 行，累计收入额：'12.345' 不是以元为单位、最多两位小数的金额，例如 6000 或 6000.50",
        "第 9 行，工号：E001 的 2026 年也在第 8 行",
    ]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OpeningBalance)) == 0


def test_a_month_a_locked_run_paid_cannot_be_an_opening_balance(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
        lock_payrun(s, run.id, "hr", ["stale_terminals"])
    with factory() as s, s.begin(), pytest.raises(OpeningBalanceImportError) as refused:
        import_opening_balances(s, "期初.csv", _csv("E001,Zhang Wei,2026-03,3,1,0,0,0,0\n"), "hr")
    assert [str(p) for p in refused.value.problems] == [
        "row 2, column 截至月份: 2026-03 is already paid in locked pay run 1: an opening balance covers only the "
        "months paid before punchclock"
    ]


def test_a_balance_is_replaced_until_a_locked_run_used_it(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    _import(factory, _csv("E001,Zhang Wei,2026-02,2,100,0,0,0,0\n"))
    _import(factory, _csv(E001_FEB), "期初-改.csv")  # a correction before any run: replaces
    with factory() as s:
        [(balance, _e)] = opening_balances(s, 2026)
        assert (balance.income_fen, balance.source) == (1_200_000, "期初-改.csv row 2")
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
        lock_payrun(s, run.id, "hr", ["stale_terminals"])
    with factory() as s, s.begin(), pytest.raises(OpeningBalanceImportError) as refused:
        import_opening_balances(s, "期初.csv", _csv("E001,Zhang Wei,2026-02,2,1,0,0,0,0\n"), "hr")
    assert [str(p) for p in refused.value.problems] == [
        "row 2, column 工号: E001's opening balance of 2026 was used by locked pay run 1 (2026-03); it cannot be "
        "replaced"
    ]


def test_xlsx_with_numbers_and_a_date_and_the_audit_row(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["E001", "Zhang Wei", datetime(2026, 2, 28), 2, 12000.0, 2100.5, 4000, None, 12.3])
    buffer = io.BytesIO()
    book.save(buffer)
    _import(factory, buffer.getvalue(), "期初.xlsx")
    with factory() as s:
        [(balance, employee)] = opening_balances(s, 2026, "E001")
        assert (employee.code, balance.through_period, balance.months) == ("E001", "2026-02", 2)
        assert (balance.income_fen, balance.si_hf_fen, balance.special_deductions_fen) == (1_200_000, 210_050, 400_000)
        assert (balance.other_deductions_fen, balance.tax_withheld_fen) == (0, 1_230)
        row = s.scalar(select(AuditLog).where(AuditLog.action == "opening_balances.import"))
        assert row is not None and row.target == "opening_balances/2026"
        after = json.loads(row.after_json)
        assert (after["source"], after["rows"], after["replaced"], after["tax_years"]) == ("期初.xlsx", 1, 0, [2026])


def test_an_employee_hired_this_year_has_no_more_months_than_since_hired(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        s.get_one(Employee, emp_id).hired_on = date(2026, 2, 10)
    with factory() as s, s.begin(), pytest.raises(OpeningBalanceImportError) as refused:
        import_opening_balances(s, "期初.csv", _csv(E001_FEB), "hr")
    assert [str(p) for p in refused.value.problems] == [
        "row 2, column 累计月数: 2 months through 2026-02: at most 1 (hired on 2026-02-10)"
    ]


def test_unreadable_files_are_refused_whole(factory: sessionmaker[Session]) -> None:
    with factory() as s, pytest.raises(OpeningBalanceImportError) as refused:
        import_opening_balances(s, "期初.txt", b"x", "hr")
    assert [str(p) for p in refused.value.problems] == ["row 1: unsupported file type '.txt'; upload .csv or .xlsx"]
    with factory() as s, pytest.raises(OpeningBalanceImportError) as refused:
        import_opening_balances(s, "期初.csv", "工号,姓名,月份\n".encode(), "hr")
    assert [str(p) for p in refused.value.problems] == [
        "row 1: header must be 工号, 姓名, 截至月份, 累计月数, 累计收入额, 累计专项扣除, 累计专项附加扣除, "
        "累计其他扣除, 累计已预缴税额 (missing 截至月份, 累计月数, 累计收入额, 累计专项扣除, 累计已预缴税额; "
        "unknown '月份')"
    ]


def test_the_template_in_docs_imports_as_it_stands(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        s.get_one(Employee, emp_id).name = "张伟"
    template = Path(__file__).parents[2] / "docs" / "templates" / "opening_balances.csv"
    _import(factory, template.read_bytes(), template.name)
    with factory() as s:
        [(balance, _e)] = opening_balances(s, 2026, "E001")
        assert (balance.through_period, balance.months, balance.income_fen, balance.tax_withheld_fen) == (
            "2026-06",
            6,
            15_000_000,
            565_500,
        )


def test_the_checks_hold_when_the_employees_are_queried_in_chunks(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import of more employees than one statement may bind (PostgreSQL: 65,535) is checked chunk by chunk;
    here one employee a chunk, and both checks still find what the locked run paid and used."""
    monkeypatch.setattr(id_chunks, "ID_CHUNK", 1)
    seed_shanghai(factory)
    with factory() as s, s.begin():
        office = s.scalars(select(Employee.office_id).where(Employee.code == "E001")).one()
        s.add(Employee(code="E002", name="Li Na", office_id=office, pay_basis="monthly", monthly_salary_fen=800_000,
                       special_deductions_fen=0))  # fmt: skip
    _import(factory, _csv("E002,Li Na,2026-02,2,100,0,0,0,0\n"))
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
        lock_payrun(s, run.id, "hr", list(WARNING_CODES))
    statements: list[str] = []
    engine = factory.kw["bind"]
    spy = lambda _c, _cur, statement, *_rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", spy)
    with factory() as s, s.begin(), pytest.raises(OpeningBalanceImportError) as refused:
        import_opening_balances(
            s, "期初.csv", _csv("E001,Zhang Wei,2026-03,3,1,0,0,0,0\n", "E002,Li Na,2026-02,2,1,0,0,0,0\n"), "hr"
        )
    event.remove(engine, "before_cursor_execute", spy)
    balances_read = [q for q in statements if q.lstrip().startswith("SELECT opening_balances.employee_id")]
    assert len(balances_read) == 2  # one statement per chunk of one employee
    assert [str(p) for p in refused.value.problems] == [
        "row 2, column 截至月份: 2026-03 is already paid in locked pay run 1: an opening balance covers only the "
        "months paid before punchclock",
        "row 3, column 工号: E002's opening balance of 2026 was used by locked pay run 1 (2026-03); it cannot be "
        "replaced",
    ]
