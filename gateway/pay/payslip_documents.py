"""Payslip documents: the JSON `GET /payslips/{id}` returns, built from Core rows, stored at lock.

A locked payslip never changes (database triggers refuse it), so its document is built once, in the
lock's transaction, and stored as orjson bytes in `payslip_documents`; the API returns those bytes as they
are. The document holds no role-dependent field (no bank account, no ID number), so one document serves
every role that may see the payslip; who may see it is decided by the API's query, not here. Draft and
computed payslips are built per request by the same `build_documents`, so both paths give the same JSON. The
payslip's stored JSON texts (figures, attendance, inputs, lines) go in as they are (`orjson.Fragment`), never
parsed and written again.
A run locked before migration 0035 has no documents: the API builds them on first read and stores them
with `store_documents`, whose insert ignores a document another request stored first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Row, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.access.integrity import LineContent, SlipContent
from gateway.pay.payslip_lines import lines_fragment, older_lines
from gateway.store import RUN_LOCKED, Employee, PayRun, Payslip, PayslipDocument


def build_documents(session: Session, which: ColumnElement[bool]) -> dict[int, bytes]:
    """The documents of the payslips `which` selects (a condition on `payslips`), by payslip id.

    One query for the payslips with their run and employee; a second for the lines only of payslips computed
    before their lines were one text on the row (`gateway.pay.payslip_lines`).
    """
    slips = session.execute(
        select(
            Payslip.id, PayRun.id.label("run_id"), PayRun.period, PayRun.status, Payslip.employee_code,
            Payslip.employee_name, Employee.code, Employee.name, Payslip.gross_fen, Payslip.net_fen,
            Payslip.iit_fen, Payslip.figures_json, Payslip.attendance_json, Payslip.inputs_json, Payslip.lines_json,
        )
        .join(PayRun, Payslip.payrun_id == PayRun.id)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(which)
    ).all()  # fmt: skip
    older = older_lines(session, [slip.id for slip in slips if slip.lines_json is None])
    documents = {}
    for slip in slips:
        locked = slip.status == RUN_LOCKED
        # A locked payslip shows who was paid as of the lock (its snapshot), not later renames.
        documents[slip.id] = _document(
            slip,
            slip.run_id,
            slip.period,
            slip.status,
            slip.employee_code or slip.code if locked else slip.code,
            slip.employee_name or slip.name if locked else slip.name,
            [line.as_dict() for line in older[slip.id]] if slip.lines_json is None else lines_fragment(slip.lines_json),
        )
    return documents


def _line(code: str, amount_fen: int, quantities_json: str, rule: str) -> dict[str, Any]:
    return {"code": code, "amount_fen": amount_fen, "quantities": orjson.loads(quantities_json), "rule": rule}


def _document(
    slip: Row[*tuple[Any, ...]] | SlipContent,
    run_id: int,
    period: str,
    status: str,
    employee: str | None,
    name: str | None,
    lines: list[dict[str, Any]] | orjson.Fragment,
) -> bytes:
    """One payslip's document from a row holding its id, amounts and JSON columns (by those names); `lines` the
    stored text embedded as it is, or the dicts of lines stored as rows."""
    return orjson.dumps(
        {
            "id": slip.id,
            "payrun": run_id,
            "period": period,
            "status": status,
            "employee": employee,
            "name": name,
            "gross_fen": slip.gross_fen,
            "net_fen": slip.net_fen,
            "iit_fen": slip.iit_fen,
            "figures": orjson.Fragment(slip.figures_json),  # stored JSON text, embedded as it is
            "attendance": orjson.Fragment(slip.attendance_json),
            "inputs": orjson.Fragment(slip.inputs_json),
            "lines": lines,
        }
    )


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


def store_locked_documents(
    session: Session, run: PayRun, contents: Sequence[tuple[SlipContent, Sequence[LineContent]]]
) -> None:
    """At lock, after the snapshot: the documents of `contents` (rows of `integrity.run_contents`, which the lock
    reads for the digests anyway) as the locked payslips' from now on. The snapshot holds the employees' code and
    name as of now, so they are the document's, as `build_documents` shows a locked payslip."""
    session.execute(
        insert(PayslipDocument),
        [
            {
                "payslip_id": slip.id,
                "document": _document(
                    slip,
                    run.id,
                    run.period,
                    RUN_LOCKED,
                    slip.employee_code,
                    slip.employee_name,
                    [_line(code, amount_fen, quantities, rule) for _n, code, amount_fen, quantities, rule, _s in lines]
                    if slip.lines_json is None
                    else lines_fragment(slip.lines_json),
                ),
            }
            for slip, lines in contents
        ],
    )
