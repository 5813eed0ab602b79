"""Exports of a pay month: the pay sheet (CSV, XLSX) and the bank transfer file (CSV).

- Pay sheet: one row per payslip of every computed or locked run of the period, with the employee,
  office, run and every output column of `payroll_core.columns.PayResult`, in integer fen, so the
  sheet adds up to the fen and re-importing it loses nothing. The XLSX holds the same rows as numbers.
- Bank file: employee code, account holder, bank, account number and net pay in yuan with two
  decimals, formatted from integer fen (`fen_to_yuan`, no float anywhere). Only LOCKED runs can be
  paid. A row is never written for zero or negative net pay, nor for an employee who had no bank
  account when the run was locked: those are listed for HR (`bank_check`) to settle another way.
- A locked run is exported from its snapshot (name, office, bank account as of the lock), never from
  the employee's or bank account's rows as they are now, so a locked month's files never change.
- Every text cell starting with =, +, -, @, a tab or a carriage return is neutralised with a leading
  apostrophe (the OWASP rule against spreadsheet formula injection), and XLSX text cells are written
  as strings, never as formulas.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.vault import BANK_ACCOUNT_NO, reveal
from gateway.errors import GatewayError
from gateway.pay.payrun import payslips_of
from gateway.store import RUN_DRAFT, RUN_LOCKED, Employee, Office, PayRun, Payslip
from payroll_core.columns import OUTPUT_COLUMNS
from payroll_core.money import fen_to_yuan

PAY_SHEET_HEADER = ("employee", "name", "office", "payrun", "status", *OUTPUT_COLUMNS)
BANK_HEADER = ("employee", "account_name", "bank_name", "account_no", "amount_yuan")
FORMATS = ("csv", "xlsx", "bank")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(GatewayError):
    """Nothing can be exported as asked; the message says what is missing."""


def neutralise(text: str) -> str:
    """`text` safe for a spreadsheet cell: a leading apostrophe if it could start a formula (OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class SheetRow:
    slip: Payslip
    employee: Employee
    office: str
    run: PayRun

    # A locked run shows its snapshot; a computed one the employee as they are now.
    @property
    def code(self) -> str:
        return self.slip.employee_code or "" if self.run.status == RUN_LOCKED else self.employee.code

    @property
    def name(self) -> str:
        return self.slip.employee_name or "" if self.run.status == RUN_LOCKED else self.employee.name

    @property
    def office_name(self) -> str:
        return self.slip.office_name or "" if self.run.status == RUN_LOCKED else self.office


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
    return sorted(rows, key=lambda r: r.code)


def _sheet_values(row: SheetRow) -> list[str | int]:
    figures = row.slip.figures
    return [
        neutralise(row.code),
        neutralise(row.name),
        neutralise(row.office_name),
        row.run.id,
        row.run.status,
        *(figures[name] for name in OUTPUT_COLUMNS),
    ]


def _csv(header: tuple[str, ...], rows: list[list[str | int]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese names as UTF-8


def pay_sheet_csv(session: Session, period: str) -> bytes:
    return _csv(PAY_SHEET_HEADER, [_sheet_values(row) for row in sheet_rows(session, period)])


def pay_sheet_xlsx(session: Session, period: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook holds one sheet
    sheet.title = f"pay {period}"
    sheet.append(list(PAY_SHEET_HEADER))
    for row in sheet_rows(session, period):
        sheet.append(_sheet_values(row))
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a value, never a formula, whatever it starts with
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Excluded:
    """A payslip the bank file leaves out, and why (HR pays it another way or settles the debt)."""

    employee: str
    name: str
    net_fen: int
    reason: str


@dataclass(frozen=True)
class BankFile:
    content: bytes
    paid: int
    total_fen: int
    excluded: list[Excluded]


def bank_file(session: Session, period: str) -> BankFile:
    """The transfer file of the period's locked runs, from their snapshots, and what it leaves out."""
    rows = sheet_rows(session, period)
    unlocked = sorted({f"{r.run.id} ({r.run.scope}, {r.run.status})" for r in rows if r.run.status != RUN_LOCKED})
    if unlocked:
        raise ExportError(
            f"pay run(s) {', '.join(unlocked)} of {period} are not locked; review and lock them "
            "before exporting the bank transfer file"
        )
    lines: list[list[str | int]] = []
    excluded: list[Excluded] = []
    for r in rows:
        slip = r.slip
        if slip.net_fen <= 0:
            excluded.append(Excluded(r.code, r.name, slip.net_fen, "net pay is not positive"))
        elif not slip.account_no:
            excluded.append(Excluded(r.code, r.name, slip.net_fen, "no bank account when the run was locked"))
        else:
            lines.append(
                [
                    neutralise(r.code),
                    neutralise(slip.account_name or ""),
                    neutralise(slip.bank_name or ""),
                    neutralise(reveal(session, BANK_ACCOUNT_NO, slip.employee_id, slip.account_no)),
                    fen_to_yuan(slip.net_fen),
                ]
            )
    total = sum(r.slip.net_fen for r in rows if r.slip.net_fen > 0 and r.slip.account_no)
    return BankFile(_csv(BANK_HEADER, lines), len(lines), total, excluded)


def export(session: Session, period: str, fmt: str) -> bytes:
    """The export `fmt` (one of FORMATS) of `period` as file bytes."""
    if fmt == "bank":
        return bank_file(session, period).content
    makers = {"csv": pay_sheet_csv, "xlsx": pay_sheet_xlsx}
    if fmt not in makers:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return makers[fmt](session, period)


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "bank": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
