"""Bulk import of piece records from CSV or XLSX: all rows or none, with a row-by-row error report.

The first row is the header; these columns are required, in any order (extra columns are refused so
a misspelt header never silently drops data):

    employee    employee code, e.g. E001
    period      the pay month, YYYY-MM, or the work date YYYY-MM-DD (its month is the pay month)
    item        the product or operation, e.g. LAMP-01
    qty         pieces made (whole number)
    rejects     pieces rejected (whole number, 0..qty)
    unit_fen    price per good piece in fen (whole number)
    grade_coef  grade coefficient as a decimal string, e.g. "1.10" (exact; at most 6 decimals)

Rows are numbered as a spreadsheet shows them (the header is row 1). CSV is read as UTF-8 (with or
without BOM) or, failing that, GB18030, which is what Excel saves on Chinese Windows. In XLSX, Excel
stores every number as a binary double: a whole number is taken as such, and a grade coefficient
typed as 1.1 is read back through its shortest decimal representation ("1.1"), which is exactly what
was typed for anything with up to 15 significant digits.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.store import RUN_LOCKED, Employee, PayRun, PieceRecord
from payroll_core.columns import MAX_PIECE_QTY, MAX_PIECE_UNIT_FEN
from payroll_core.money import MoneyError, parse_fraction

COLUMNS = ("employee", "period", "item", "qty", "rejects", "unit_fen", "grade_coef")
MAX_GRADE_COEF = 10
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a month of pieces for a large plant is well under 1 MB


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return (
            f"row {self.row}, column {self.column}: {self.message}"
            if self.column
            else f"row {self.row}: {self.message}"
        )


class PieceImportError(GatewayError):
    """The file was refused and nothing was imported; `problems` lists every bad row."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: nothing imported, {len(problems)} problem(s):\n" + "\n".join(map(str, problems)))


@dataclass(frozen=True)
class ImportResult:
    source: str
    imported: int
    periods: tuple[str, ...]
    qty: int


def read_rows(filename: str, content: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cell values) of every row, header included, by the file's extension."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise PieceImportError(filename, [RowProblem(1, "", f"not a readable XLSX workbook ({exc})")]) from None
        yield from enumerate((list(row) for row in sheet.iter_rows(values_only=True)), start=1)
    elif suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError:
                raise PieceImportError(
                    filename, [RowProblem(1, "", "the CSV is neither UTF-8 nor GB18030 text; save it as CSV UTF-8")]
                ) from None
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    else:
        raise PieceImportError(
            filename, [RowProblem(1, "", f"unsupported file type {suffix or '(none)'!r}; upload .csv or .xlsx")]
        )


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}..{high}")
    return value


def _period(value: Any) -> tuple[str, date | None]:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%Y-%m}", value
    text = str(value or "").strip()
    try:
        if len(text) == 7:
            datetime.strptime(text, "%Y-%m")
            return text, None
        day = date.fromisoformat(text)
        return f"{day:%Y-%m}", day
    except ValueError:
        raise ValueError(f"{text!r} is neither a pay month YYYY-MM nor a date YYYY-MM-DD") from None


def _coef(value: Any) -> tuple[str, int, int]:
    text = repr(value) if isinstance(value, float) else str(value or "").strip()
    try:
        fraction = parse_fraction(text, "grade_coef")
    except MoneyError as exc:
        raise ValueError(str(exc).removeprefix("grade_coef: ")) from None
    if fraction > MAX_GRADE_COEF:
        raise ValueError(f"{text} is above {MAX_GRADE_COEF}")
    return text, fraction.numerator, fraction.denominator


def parse_piece_file(session: Session, filename: str, content: bytes) -> list[PieceRecord]:
    """Every row as a PieceRecord (not added to the session), or PieceImportError listing every problem."""
    rows = read_rows(filename, content)
    problems: list[RowProblem] = []
    header_row = next(rows, None)
    if header_row is None:
        raise PieceImportError(
            filename, [RowProblem(1, "", f"the file is empty; the first row must be the header {', '.join(COLUMNS)}")]
        )
    header = [str(v or "").strip().lower() for v in header_row[1]]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        faults = [
            f"missing {', '.join(missing)}" if missing else "",
            f"unknown {', '.join(map(repr, extra))}" if extra else "",
            "a column appears twice" if len(set(header)) != len(header) else "",
        ]
        detail = "; ".join(fault for fault in faults if fault)
        raise PieceImportError(
            filename, [RowProblem(1, "", f"header must name the columns {', '.join(COLUMNS)} ({detail})")]
        )
    position = {name: header.index(name) for name in COLUMNS}
    employees = {e.code: e.id for e in session.scalars(select(Employee))}
    locked = {r.period: r.id for r in session.scalars(select(PayRun).where(PayRun.status == RUN_LOCKED))}
    now = datetime.now(UTC).replace(tzinfo=None)
    records = []
    for number, values in rows:
        if _blank(values):
            continue
        cell = {name: values[i] if i < len(values) else None for name, i in position.items()}
        parsed: dict[str, Any] = {}
        checks = {
            "employee": lambda v: _employee(v, employees),
            "period": _period,
            "item": _item,
            "qty": lambda v: _whole(v, 0, MAX_PIECE_QTY),
            "rejects": lambda v: _whole(v, 0, MAX_PIECE_QTY),
            "unit_fen": lambda v: _whole(v, 0, MAX_PIECE_UNIT_FEN),
            "grade_coef": _coef,
        }
        for name, check in checks.items():
            try:
                parsed[name] = check(cell[name])
            except ValueError as exc:
                problems.append(RowProblem(number, name, str(exc)))
        if "qty" in parsed and "rejects" in parsed and parsed["rejects"] > parsed["qty"]:
            problems.append(
                RowProblem(number, "rejects", f"{parsed['rejects']} rejects exceed the qty of {parsed['qty']}")
            )
        if "period" in parsed and parsed["period"][0] in locked:
            period = parsed["period"][0]
            problems.append(
                RowProblem(
                    number,
                    "period",
                    f"{period} is already paid in locked pay run {locked[period]}; enter these pieces in a later month",
                )
            )
        if len(parsed) == len(checks) and not problems:
            period, work_date = parsed["period"]
            text, num, den = parsed["grade_coef"]
            records.append(
                PieceRecord(
                    employee_id=parsed["employee"],
                    period=period,
                    work_date=work_date,
                    item=parsed["item"],
                    qty=parsed["qty"],
                    rejects=parsed["rejects"],
                    unit_fen=parsed["unit_fen"],
                    coef_num=num,
                    coef_den=den,
                    grade_coef=text,
                    source=f"{PurePath(filename).name} row {number}"[:255],
                    imported_at=now,
                )
            )
    if problems:
        raise PieceImportError(filename, problems)
    if not records:
        raise PieceImportError(filename, [RowProblem(2, "", "no data rows below the header")])
    return records


def _employee(value: Any, employees: dict[str, int]) -> int:
    code = str(value or "").strip()
    if code not in employees:
        raise ValueError(f"no employee with code {code!r}; add the employee first or fix the code")
    return employees[code]


def _item(value: Any) -> str:
    item = str(value or "").strip()
    if not item or len(item) > 64:
        raise ValueError(f"{item!r}: the item must be 1 to 64 characters")
    return item


def import_piece_file(session: Session, filename: str, content: bytes, actor: str) -> ImportResult:
    """Validate every row, then add them all with one audit row (the caller commits); nothing on any error."""
    records = parse_piece_file(session, filename, content)
    session.add_all(records)
    session.flush()
    result = ImportResult(
        PurePath(filename).name, len(records), tuple(sorted({r.period for r in records})), sum(r.qty for r in records)
    )
    append_audit(
        session,
        actor,
        "piece_records.import",
        result.source,
        None,
        {
            "rows": result.imported,
            "periods": list(result.periods),
            "qty": result.qty,
            "ids": [records[0].id, records[-1].id],
        },
    )
    return result
