"""A payslip's explanation lines as stored, in the one place that knows their two forms.

- Runs computed since migration 0040: one JSON text on the payslip row (`payslips.lines_json`), the array the
  payslip document shows (`[{"code", "amount_fen", "quantities", "rule"}, …]`, orjson's bytes). The digest seals
  that text and the document embeds it as it is, so a line is serialized once and never parsed on the way to
  the API.
- Runs computed before it: `payslip_lines` rows, one per line, kept as they were locked (their digests seal the
  rows; `gateway.access.integrity`).

Every reader asks `stored_lines` (or, for the document, `lines_fragment`), so neither form is read anywhere else.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store import Payslip, PayslipLine
from payroll_core.lines import Line


class StoredLine(NamedTuple):
    code: str
    amount_fen: int
    quantities: dict[str, Any]
    rule: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "amount_fen": self.amount_fen, "quantities": self.quantities, "rule": self.rule}


def lines_text(lines: Sequence[Line]) -> str:
    """The stored text of a payslip's lines: orjson writes each `Line` dataclass as an object of its fields in
    order (code, amount_fen, quantities, rule), the document's form."""
    return orjson.dumps(lines).decode()


def lines_fragment(lines_json: str) -> orjson.Fragment:
    """The stored text as it goes into a payslip document: embedded, not parsed and written again."""
    return orjson.Fragment(lines_json)


def parse_lines(lines_json: str) -> list[StoredLine]:
    return [StoredLine(**line) for line in orjson.loads(lines_json)]


def stored_lines(
    session: Session, payslip_ids: Collection[int], codes: Collection[str] | None = None
) -> dict[int, list[StoredLine]]:
    """The lines of each payslip of `payslip_ids` (every id a key), each payslip's in their order; only those of
    `codes` when given."""
    found: dict[int, list[StoredLine]] = {}
    older = []
    for payslip_id, lines_json in session.execute(
        select(Payslip.id, Payslip.lines_json).where(Payslip.id.in_(list(payslip_ids)))
    ):
        if lines_json is None:
            older.append(payslip_id)
        else:
            found[payslip_id] = [line for line in parse_lines(lines_json) if codes is None or line.code in codes]
    found.update(older_lines(session, older, codes))
    return {payslip_id: found.get(payslip_id, []) for payslip_id in payslip_ids}


def older_lines(
    session: Session, payslip_ids: Iterable[int], codes: Collection[str] | None = None
) -> dict[int, list[StoredLine]]:
    """The lines of payslips computed before migration 0040, from their `payslip_lines` rows (every id a key)."""
    ids = list(payslip_ids)
    held: dict[int, list[StoredLine]] = {payslip_id: [] for payslip_id in ids}
    if not ids:
        return held
    query = select(
        PayslipLine.payslip_id, PayslipLine.code, PayslipLine.amount_fen, PayslipLine.quantities_json, PayslipLine.rule
    ).where(PayslipLine.payslip_id.in_(ids))
    if codes is not None:
        query = query.where(PayslipLine.code.in_(codes))
    for payslip_id, code, amount_fen, quantities_json, rule in session.execute(
        query.order_by(PayslipLine.payslip_id, PayslipLine.position)
    ):
        held[payslip_id].append(StoredLine(code, amount_fen, orjson.loads(quantities_json), rule))
    return held
