"""Exports of a pay month: the pay sheet (CSV, XLSX) and the bank transfer file (CSV).

- Pay sheet: one row per payslip of every computed or locked run of the period, with the employee,
  office, run and every output column of `payroll_core.pipeline.PayResult`, in integer fen, so the
  sheet adds up to the fen and re-importing it loses nothing. The XLSX holds the same rows as numbers.
- Bank file: employee code, account holder, bank, account number and net pay in yuan with two
  decimals, formatted from integer fen (`fen_to_yuan`, no float anywhere). Only LOCKED runs can be
  paid, and every employee needs a bank account, otherwise nothing is exported and the error names
  who is missing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.pay.payrun import payslips_of
from gateway.store import RUN_DRAFT, RUN_LOCKED, BankAccount, Employee, Office, PayRun, Payslip
from payroll_core.columns import OUTPUT_COLUMNS
from payroll_core.money import FEN_PER_YUAN

PAY_SHEET_HEADER = ("employee", "name", "office", "payrun", "status", *OUTPUT_COLUMNS)
BANK_HEADER = ("employee", "account_name", "bank_name", "account_no", "amount_yuan")
FORMATS = ("csv", "xlsx", "bank")


class ExportError(GatewayError):
    """Nothing can be exported as asked; the message says what is missing."""


@dataclass(frozen=True)
class SheetRow:
    slip: Payslip
    employee: Employee
    office: str
    run: PayRun


def fen_to_yuan(fen: int) -> str:
    """Integer fen as yuan with exactly two decimals, e.g. 1234567 → "12345.67", -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan}.{rest:02d}"


def sheet_rows(session: Session, period: str) -> list[SheetRow]:
    """Payslips of every computed or locked run of `period`, by employee code."""
    runs = list(session.scalars(select(PayRun).where(PayRun.period == period, PayRun.status != RUN_DRAFT)))
    if not runs:
        raise ExportError(
            f"no computed pay run for {period}; create and compute one first (punchclock payroll run --period {period})"
        )
    offices = {o.id: o.name for o in session.scalars(select(Office))}
    rows = [
        SheetRow(slip, emp, offices.get(emp.office_id, ""), run)  # type: ignore[arg-type]
        for run in runs
        for slip, emp in payslips_of(session, run.id)
    ]
    return sorted(rows, key=lambda r: r.employee.code)


def _sheet_values(row: SheetRow) -> list[str | int]:
    figures = row.slip.figures
    return [
        row.employee.code,
        row.employee.name,
        row.office,
        row.run.id,
        row.run.status,
        *(figures[name] for name in OUTPUT_COLUMNS),
    ]


def pay_sheet_csv(session: Session, period: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PAY_SHEET_HEADER)
    writer.writerows(_sheet_values(row) for row in sheet_rows(session, period))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese names as UTF-8


def pay_sheet_xlsx(session: Session, period: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook holds one sheet
    sheet.title = f"pay {period}"
    sheet.append(list(PAY_SHEET_HEADER))
    for row in sheet_rows(session, period):
        sheet.append(_sheet_values(row))
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bank_csv(session: Session, period: str) -> bytes:
    rows = sheet_rows(session, period)
    unlocked = sorted({f"{r.run.id} ({r.run.scope}, {r.run.status})" for r in rows if r.run.status != RUN_LOCKED})
    if unlocked:
        raise ExportError(
            f"pay run(s) {', '.join(unlocked)} of {period} are not locked; review and lock them "
            "before exporting the bank transfer file"
        )
    accounts = {a.employee_id: a for a in session.scalars(select(BankAccount))}
    missing = [r.employee.code for r in rows if r.employee.id not in accounts]
    if missing:
        raise ExportError(
            f"no bank account for employee(s) {', '.join(missing)}; add their accounts, then export again"
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(BANK_HEADER)
    for r in rows:
        account = accounts[r.employee.id]
        writer.writerow(
            [r.employee.code, account.account_name, account.bank_name, account.account_no, fen_to_yuan(r.slip.net_fen)]
        )
    return buffer.getvalue().encode("utf-8-sig")


def export(session: Session, period: str, fmt: str) -> bytes:
    """The export `fmt` (one of FORMATS) of `period` as file bytes."""
    makers = {"csv": pay_sheet_csv, "xlsx": pay_sheet_xlsx, "bank": bank_csv}
    if fmt not in makers:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return makers[fmt](session, period)


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "bank": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
