"""A piece file read as the import reads it, stored nowhere: the rows, totals per employee and the row report.

HR uploads a file, looks at what it holds — which rows passed, every problem of the others, each
employee's pieces and rejects, whether the very same file was imported before — and only then imports
it. The parser and every check are the import's own (`gateway.pay.piece_import.check_piece_rows`), so
a preview without problems imports exactly as shown, unless the store changes in between.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.inputs import RowProblem
from gateway.pay.piece_import import (
    PieceImportError,
    check_piece_rows,
    file_digest,
    locked_periods,
)
from gateway.store import Employee, PieceBatch

#: Rows returned in full; the totals always cover the whole file.
SHOWN_ROWS = 1000


@dataclass(frozen=True)
class PreviewRow:
    row: int
    employee: str
    period: str
    work_date: date | None
    item: str
    qty: int
    rejects: int
    unit_fen: int
    grade_coef: str


@dataclass
class EmployeeTotal:
    employee: str
    name: str
    rows: int = 0
    qty: int = 0
    rejects: int = 0


@dataclass(frozen=True)
class PiecePreview:
    source: str
    sha256: str
    rows_read: int  # rows that passed every check
    rows: list[PreviewRow]  # the first SHOWN_ROWS of them
    totals: list[EmployeeTotal]  # per employee, by code
    periods: list[str]
    problems: list[RowProblem]
    duplicate_of: PieceBatch | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)


def preview_piece_file(session: Session, filename: str, content: bytes) -> PiecePreview:
    """Read and check `content` as `prepare_import` would, and report instead of raising (read-only)."""
    source = PurePath(filename).name
    digest = file_digest(content)
    duplicate = session.scalar(select(PieceBatch).where(PieceBatch.sha256 == digest))
    employees = dict(session.execute(select(Employee.code, Employee.id)).all())
    try:
        rows, problems = check_piece_rows(filename, content, employees, locked_periods(session))
    except PieceImportError as refused:  # unreadable file or wrong header: nothing below it was read
        rows, problems = [], refused.problems
    codes = {employee_id: code for code, employee_id in employees.items()}
    names = dict(session.execute(select(Employee.code, Employee.name)).all())
    totals: dict[str, EmployeeTotal] = {}
    shown: list[PreviewRow] = []
    per_period: defaultdict[str, int] = defaultdict(int)
    for number, employee_id, period, work_date, item, qty, rejects, unit_fen, _num, _den, coef, _source in rows:
        code = codes[employee_id]
        total = totals.setdefault(code, EmployeeTotal(code, names[code]))
        total.rows, total.qty, total.rejects = total.rows + 1, total.qty + qty, total.rejects + rejects
        per_period[period] += 1
        if len(shown) < SHOWN_ROWS:
            shown.append(PreviewRow(number, code, period, work_date, item, qty, rejects, unit_fen, coef))
    notes = []
    if duplicate is not None:
        at = f"{duplicate.imported_at:%Y-%m-%d %H:%M} UTC"
        notes.append(
            (
                f"the same file (SHA-256 {digest}) was imported as piece batch {duplicate.id} ({duplicate.name!r}) "
                f"at {at}: importing it again is refused; delete that batch first",
                f"同一文件（SHA-256 {digest}）已于 {at} 导入为计件批次 {duplicate.id}（{duplicate.name!r}）："
                "不能再次导入；如需重新导入，请先删除该批次",
            )
        )
    if not rows and not problems:
        problems = [RowProblem(2, "", "no data rows below the header", "表头下面没有数据行")]
    return PiecePreview(
        source=source,
        sha256=digest,
        rows_read=len(rows),
        rows=shown,
        totals=[totals[code] for code in sorted(totals)],
        periods=sorted(per_period),
        problems=problems,
        duplicate_of=duplicate,
        notes=notes,
    )
