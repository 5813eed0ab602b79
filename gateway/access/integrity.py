"""Keyed digests of the rows that must not change behind the application's back.

- A payslip of a locked run: its figures, inputs, attendance, snapshot and every line (`slip_digest`): since
  migration 0040 the lines' one stored text (form `payslip-v2`), before it every `payslip_lines` row. The run's
  digest covers the run's totals and every payslip digest in order (`payrun_digest`), and is written into the
  lock's audit row, which the keyed chain protects. So an
  edited `net_fen`, an edited line, a payslip deleted or slipped in are all found by `audit verify`,
  even by someone who dropped the database triggers.
- A bank account: `bank_account_digest` of the row as the application wrote it goes into the audit row
  of every change; a row that differs from its newest audit record was changed outside punchclock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import CursorResult, select
from sqlalchemy.orm import Session

from gateway.access.digests import keyed_hash, text_digest
from gateway.access.keys import keys_of
from gateway.store import BankAccount, PayRun, Payslip, PayslipLine

BANK_ACCOUNT_ACTION = "employee.bank_account"  # the audit action of every change to a bank account row

_SLIP_FIELDS = (
    "id",
    "payrun_id",
    "employee_id",
    "gross_fen",
    "net_fen",
    "iit_fen",
    "figures_json",
    "inputs_json",
    "attendance_json",
    "employee_code",
    "employee_name",
    "office_name",
    "bank_name",
    "account_name",
    "account_no",
    "id_type",
    "id_number",
)
#: Sealed only where set: runs locked before the column existed (migration 0036) keep the digests they were
#: locked with, and a run locked since seals its department like every other snapshot field.
_OPTIONAL_SLIP_FIELDS = ("department_name",)
#: Since migration 0040 a payslip holds its lines as one text, sealed with the fields (form `payslip-v2`, where the
#: department is always sealed); NULL: the lines are `payslip_lines` rows, sealed in the form before.
_LINES_FIELD = "lines_json"
_READ_SLIP_FIELDS = _SLIP_FIELDS + _OPTIONAL_SLIP_FIELDS + (_LINES_FIELD,)
#: The sealed fields the lock copies from the employee, office, department and bank account (its snapshot).
SNAPSHOT_FIELDS = _SLIP_FIELDS[_SLIP_FIELDS.index("employee_code") :] + _OPTIONAL_SLIP_FIELDS
_TEXT_FIELDS = ("figures_json", "inputs_json", "attendance_json", _LINES_FIELD)
_TEXTS_AT = [_READ_SLIP_FIELDS.index(name) for name in _TEXT_FIELDS]
_LINE_FIELDS = ("position", "code", "amount_fen", "quantities_json", "rule")
_CHUNK = 5_000  # payslips read and hashed at a time


def slip_digest(key: bytes, slip: Sequence[object], lines: Sequence[Sequence[object]]) -> str:
    """The digest of a payslip's field values in `_READ_SLIP_FIELDS` order.

    Form `payslip-v2` (the payslip holds its lines' text): every field, the JSON texts (`_TEXT_FIELDS`) by their
    SHA-256. The form before: the JSON texts as they are, the optional fields only where set, then the lines'
    values in `_LINE_FIELDS` order (a line row may carry more values after those: `run_contents` adds the
    payslip id)."""
    *fields_and_optional, lines_json = slip
    if lines_json is not None:
        values: list[Any] = list(slip)
        for at in _TEXTS_AT:
            values[at] = text_digest(values[at])
        return keyed_hash(key, "payslip-v2", values)
    fields, optional = fields_and_optional[: len(_SLIP_FIELDS)], fields_and_optional[len(_SLIP_FIELDS) :]
    sealed = fields + optional if any(value is not None for value in optional) else fields
    width = len(_LINE_FIELDS)
    return keyed_hash(key, "payslip", [sealed, [list(line[:width]) for line in lines]])


def payrun_digest(key: bytes, run: PayRun, slip_digests: list[tuple[int, str]]) -> str:
    """Over the run's identity, totals and every (payslip id, digest), in payslip id order."""
    content = [run.id, run.period, run.scope, run.rules_version, run.gross_total_fen, run.net_total_fen]
    return keyed_hash(key, "payrun", [content, sorted(slip_digests)])


def current_digests(session: Session, run: PayRun) -> dict[int, str]:
    """Each payslip of `run` with the digest its stored content has now (payslip id → digest)."""
    key = keys_of(session).audit_key
    return {slip.id: slip_digest(key, slip, lines) for chunk in run_contents(session, run) for slip, lines in chunk}


class SlipContent(NamedTuple):
    """A payslip's `_READ_SLIP_FIELDS` as `run_contents` reads them."""

    id: int
    payrun_id: int
    employee_id: int
    gross_fen: int
    net_fen: int
    iit_fen: int
    figures_json: str
    inputs_json: str
    attendance_json: str
    employee_code: str | None
    employee_name: str | None
    office_name: str | None
    bank_name: str | None
    account_name: str | None
    account_no: str | None
    id_type: str | None
    id_number: str | None
    department_name: str | None
    lines_json: str | None


assert SlipContent._fields == _READ_SLIP_FIELDS  # the order the digest seals

#: A line as `run_contents` reads it: `_LINE_FIELDS` (position, code, amount_fen, quantities_json, rule), then the
#: payslip id; a plain tuple, as the driver returns it.
LineContent = tuple[int, str, int, str, str, int]


def run_contents(session: Session, run: PayRun) -> Iterator[list[tuple[SlipContent, list[LineContent]]]]:
    """The run's payslips (`_READ_SLIP_FIELDS`, by id) each with its lines' rows (`_LINE_FIELDS`, by position; none
    for a payslip holding its lines' text), `_CHUNK` payslips at a time: what `slip_digest` seals, read once by the
    lock (snapshot and digests) and by `audit verify`.

    Read as the driver's tuples (SQLAlchemy's row objects for a 100,000-employee run's 1,700,000 lines cost as much
    as the query, ORM objects more than the hashing, and holding them all cost gigabytes); every column is a plain
    integer or text type, so the values are the ones the ORM would load, and so are the digests
    (`tests/gateway/test_payrun_digest_pinned.py`).
    """
    session.flush()  # the connection's own statements below do not flush the session
    connection = session.connection()
    slips, lines = Payslip.__table__.c, PayslipLine.__table__.c
    ids = sorted(connection.execute(select(slips.id).where(slips.payrun_id == run.id)).scalars())
    for start in range(0, len(ids), _CHUNK):
        first, last = ids[start], ids[min(start + _CHUNK, len(ids)) - 1]
        # No ORDER BY: sorting 5,000 payslips of 5 KB spills to disk on PostgreSQL, and so would a LIMIT whose
        # plan, before the new payslips have statistics, sorts every payslip of the run after `first`.
        chunk = sorted(
            SlipContent._make(row)
            for row in _driver_rows(
                connection.execute(
                    select(*(slips[f] for f in _READ_SLIP_FIELDS)).where(
                        slips.payrun_id == run.id, slips.id >= first, slips.id <= last
                    )
                )
            )
        )
        if all(slip.lines_json is not None for slip in chunk):  # computed since migration 0040: no line rows
            yield [(slip, []) for slip in chunk]
            continue
        held: dict[int, list[LineContent]] = defaultdict(list)
        for line in _driver_rows(
            connection.execute(
                select(*(lines[f] for f in _LINE_FIELDS), lines.payslip_id)
                .join(Payslip.__table__, lines.payslip_id == slips.id)
                .where(slips.payrun_id == run.id, slips.id >= first, slips.id <= last)
                .order_by(lines.payslip_id, lines.position)
            )
        ):  # fetched at once: a row at a time costs more than the hashing
            held[line[-1]].append(line)
        yield [(slip, held[slip.id]) for slip in chunk]


def _driver_rows(result: CursorResult[Any]) -> Sequence[Any]:
    """All of `result`'s rows as the driver's tuples (`result` a plain result SQLAlchemy has not read from)."""
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def bank_account_digest(key: bytes, account: BankAccount) -> str:
    return keyed_hash(
        key, "bank_account", [account.employee_id, account.bank_name, account.account_name, account.account_no]
    )
