"""Payslip documents: the JSON `GET /payslips/{id}` returns, made from the payslip's row.

A payslip computed since migration 0040 holds everything its document shows: a few numbers and four stored JSON
texts (figures, attendance, inputs, lines). `document_of` writes the document around those texts as they are
(`orjson.Fragment`: never parsed and written again), in microseconds, so the API makes it per request for drafts
and locked payslips alike and the content is stored once. A locked payslip's row never changes (database
triggers refuse it), so neither does its document.

A payslip computed before 0040 keeps its lines as `payslip_lines` rows: `build_documents` reads them for its
document. Such a payslip of a locked run has its document stored in `payslip_documents` (at lock from migration
0035 until 0040, or by `store_documents` on its first read, whose insert ignores a document another request
stored first), so it too is read once.

The document holds no role-dependent field (no bank account, no ID number), so one document serves every role
that may see the payslip; who may see it is decided by the API's query, not here.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.pay.payslip_lines import lines_fragment, older_lines
from gateway.store import RUN_LOCKED, Employee, PayRun, Payslip, PayslipDocument

#: What `document_of` reads besides the payslip's `id`, its run's `status` and `period` and its employee's `code`
#: (which the API's selects hold anyway), by these names, from payslips joined to their run and employee.
DOCUMENT_COLUMNS = (
    PayRun.id.label("run_id"),
    Payslip.employee_code,
    Payslip.employee_name,
    Employee.name,
    Payslip.gross_fen,
    Payslip.net_fen,
    Payslip.iit_fen,
    Payslip.figures_json,
    Payslip.attendance_json,
    Payslip.inputs_json,
    Payslip.lines_json,
)


def document_of(row: Any, lines: list[dict[str, Any]] | None = None) -> bytes:
    """The document of `row` (`id`, `status`, `period`, `code` and `DOCUMENT_COLUMNS`, by name); `lines` the line
    rows of a payslip without `lines_json`, as dicts."""
    locked = row.status == RUN_LOCKED
    return orjson.dumps(
        {
            "id": row.id,
            "payrun": row.run_id,
            "period": row.period,
            "status": row.status,
            # A locked payslip shows who was paid as of the lock (its snapshot), not later renames.
            "employee": row.employee_code or row.code if locked else row.code,
            "name": row.employee_name or row.name if locked else row.name,
            "gross_fen": row.gross_fen,
            "net_fen": row.net_fen,
            "iit_fen": row.iit_fen,
            "figures": orjson.Fragment(row.figures_json),
            "attendance": orjson.Fragment(row.attendance_json),
            "inputs": orjson.Fragment(row.inputs_json),
            "lines": lines if row.lines_json is None else lines_fragment(row.lines_json),
        }
    )


def build_documents(session: Session, which: ColumnElement[bool]) -> dict[int, bytes]:
    """The documents of the payslips `which` selects (a condition on `payslips`), by payslip id: one query for the
    payslips, a second for the line rows of those computed before migration 0040."""
    rows = session.execute(
        select(Payslip.id, PayRun.status, PayRun.period, Employee.code, *DOCUMENT_COLUMNS)
        .join(PayRun, Payslip.payrun_id == PayRun.id)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(which)
    ).all()
    older = older_lines(session, [row.id for row in rows if row.lines_json is None])
    return {
        row.id: document_of(row, [line.as_dict() for line in older[row.id]] if row.lines_json is None else None)
        for row in rows
    }


def store_documents(session: Session, documents: dict[int, bytes]) -> None:
    """Store locked payslips' documents; one already stored (by a concurrent first read) is kept as it is."""
    if not documents:
        return
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PayslipDocument)
    session.execute(
        statement.on_conflict_do_nothing(index_elements=["payslip_id"]),
        [{"payslip_id": payslip_id, "document": document} for payslip_id, document in documents.items()],
    )
