"""The bank batch file (代发工资) of a pay month's locked runs, laid out by a template, and what it leaves out.

- Templates are data: ``bank_templates/*.toml`` (name, CSV encoding, 用途 text, totals label and the
  columns as header + field). Shipped: ``generic`` (账号/户名/金额/开户行/用途, UTF-8 with BOM) and
  ``generic-gbk`` (the same in GBK for older bank clients). No bank's own named layout is shipped: none
  was found with public column definitions, and a bank's layout is never invented under its name.
- Amounts are yuan with two decimals from integer fen (`fen_to_yuan` in CSV, an exact Decimal in XLSX).
  Account numbers are TEXT: a string cell with the ``@`` format in XLSX (a 19-digit number would lose its
  last digits as a number), the digits as they are in CSV.
- A file never holds a zero or negative amount, nor an employee who had no bank account when the run was
  locked: those are listed (`BankFile.excluded`, `GET /exports/{period}/bank/check`) for HR to settle
  another way; the check and the file are made by this one function, so they cannot disagree.
- The last line is the totals line: the label, the count of transfers and their sum.
- The office is chosen per file: a bank takes one batch per paying account, so ``office`` makes that
  office's file (an office paying from its own account); without it the file pays every office of the
  period's runs (a company paying all offices from one account). Only locked runs are paid, from their
  snapshots (the office as of the lock).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from gateway.access.vault import BANK_ACCOUNT_NO, reveal
from gateway.pay.exports.csv_file import write_csv
from gateway.pay.exports.neutralise import neutralise
from gateway.pay.exports.rows import ExportError, PeriodRows, SlipRow, locked_rows
from gateway.pay.exports.workbook import Column, Value, new_workbook, save, write_table
from payroll_core.money import fen_to_yuan

TEMPLATES_DIR = Path(__file__).parent / "bank_templates"
DEFAULT_TEMPLATE = "generic"
FIELDS = ("account_no", "account_name", "amount", "bank_name", "purpose", "employee")
ENCODINGS = ("utf-8-sig", "gbk")


@dataclass(frozen=True)
class BankTemplate:
    name: str
    description: str
    encoding: str
    purpose: str
    totals_label: str
    columns: list[tuple[str, str]]  # (header, field)


def bank_templates() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.toml"))


def load_template(name: str) -> BankTemplate:
    """The template `name`, checked: a known encoding, known fields, and the 账号 and 金额 fields present."""
    path = TEMPLATES_DIR / f"{name}.toml"
    if name not in bank_templates():
        raise ExportError(f"no bank template {name!r}; known templates: {', '.join(bank_templates())}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    columns = [(str(c["header"]), str(c["field"])) for c in data.get("columns", [])]
    problems = [f"unknown field {f!r} (use one of {', '.join(FIELDS)})" for _, f in columns if f not in FIELDS]
    if data.get("encoding") not in ENCODINGS:
        problems.append(f"encoding {data.get('encoding')!r} (use one of {', '.join(ENCODINGS)})")
    problems += [f"no {f} column" for f in ("account_no", "amount") if f not in {f for _, f in columns}]
    if problems:
        raise ExportError(f"bank template {path}: {'; '.join(problems)}")
    return BankTemplate(
        name,
        str(data.get("description", "")),
        str(data["encoding"]),
        str(data.get("purpose", "")),
        str(data.get("totals_label", "合计")),
        columns,
    )


@dataclass(frozen=True)
class Excluded:
    """A payslip the bank file leaves out, and why (HR pays it another way or settles the debt)."""

    employee: str
    name: str
    net_fen: int
    reason: str


@dataclass(frozen=True)
class Transfer:
    row: SlipRow
    account_no: str


@dataclass(frozen=True)
class BankBatch:
    found: PeriodRows
    transfers: list[Transfer]
    excluded: list[Excluded]

    @property
    def paid(self) -> int:
        return len(self.transfers)

    @property
    def total_fen(self) -> int:
        return sum(t.row.slip.net_fen for t in self.transfers)


def bank_batch(session: Session, period: str, office: str | None = None) -> BankBatch:
    """Who the period's bank file pays (from the locked runs' snapshots) and who it leaves out, and why."""
    found = locked_rows(session, period, office, "the bank transfer file")
    transfers: list[Transfer] = []
    excluded: list[Excluded] = []
    for r in found.rows:
        slip = r.slip
        if slip.net_fen <= 0:
            excluded.append(Excluded(r.code, r.name, slip.net_fen, "net pay is not positive"))
        elif not slip.account_no:
            excluded.append(Excluded(r.code, r.name, slip.net_fen, "no bank account when the run was locked"))
        else:
            transfers.append(Transfer(r, reveal(session, BANK_ACCOUNT_NO, slip.employee_id, slip.account_no)))
    return BankBatch(found, transfers, excluded)


def _value(transfer: Transfer, field: str, template: BankTemplate) -> str | int:
    slip = transfer.row.slip
    values: dict[str, str | int] = {
        "account_no": transfer.account_no,
        "account_name": slip.account_name or "",
        "amount": slip.net_fen,
        "bank_name": slip.bank_name or "",
        "purpose": template.purpose,
        "employee": transfer.row.code,
    }
    return values[field]


def bank_csv(batch: BankBatch, template: BankTemplate) -> bytes:
    """The CSV: every cell text (amounts as yuan with two decimals), neutralised, in the template's encoding."""
    fields = [f for _, f in template.columns]
    lines: list[list[Value]] = [[_value(t, f, template) for f in fields] for t in batch.transfers]
    lines.append(_totals(batch, template, batch.total_fen))
    cells: list[list[str | int]] = [
        [fen_to_yuan(v) if isinstance(v, int) else neutralise("" if v is None else str(v)) for v in line]
        for line in lines
    ]
    try:
        return write_csv([h for h, _ in template.columns], cells, template.encoding)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise ExportError(
            f"bank template {template.name!r} writes {template.encoding.upper()}, which has no character {bad!r} "
            f"(U+{ord(bad[0]):04X}); use a UTF-8 template ({DEFAULT_TEMPLATE}) or ask the bank for one"
        ) from None


def _totals(batch: BankBatch, template: BankTemplate, amount: Value) -> list[Value]:
    """The totals line: the label in the first column, the count beside it, the sum under 金额."""
    line: list[Value] = [""] * len(template.columns)
    line[0] = template.totals_label
    fields = [f for _, f in template.columns]
    count_at = next(k for k in range(len(fields)) if k != 0 and fields[k] != "amount")
    line[count_at] = f"{batch.paid}笔"
    line[fields.index("amount")] = amount
    return line


def bank_xlsx(batch: BankBatch, template: BankTemplate, company: str) -> bytes:
    kinds = {"amount": "yuan"}
    columns = [Column(h, h, kinds.get(f, "text")) for h, f in template.columns]  # type: ignore[arg-type]
    rows: list[list[Value]] = [[_value(t, f, template) for _, f in template.columns] for t in batch.transfers]
    office = batch.found.offices[0] if len(batch.found.offices) == 1 else ""
    title = "  ".join(
        p for p in (company, office, batch.found.period, "代发工资", f"工资单号 {batch.found.run_ids(None)}") if p
    )
    workbook = new_workbook()
    write_table(workbook, "代发工资", title, columns, rows, "zh", _totals(batch, template, batch.total_fen))
    return save(workbook)
