"""Keyed digests of the rows that must not change behind the application's back.

- A payslip of a locked run: its figures, inputs, attendance, snapshot and every line
  (`payslip_digest`); the run's digest covers the run's totals and every payslip digest in order
  (`payrun_digest`), and is written into the lock's audit row, which the keyed chain protects. So an
  edited `net_fen`, an edited line, a payslip deleted or slipped in are all found by `audit verify`,
  even by someone who dropped the database triggers.
- A bank account: `bank_account_digest` of the row as the application wrote it goes into the audit row
  of every change; a row that differs from its newest audit record was changed outside punchclock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from gateway.access.digests import keyed_hash
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
_READ_SLIP_FIELDS = _SLIP_FIELDS + _OPTIONAL_SLIP_FIELDS
_LINE_FIELDS = ("position", "code", "amount_fen", "quantities_json", "rule")
_CHUNK = 5_000  # payslips read and hashed at a time


def payslip_digest(key: bytes, slip: Payslip, lines: list[PayslipLine]) -> str:
    return slip_digest(
        key, [getattr(slip, f) for f in _READ_SLIP_FIELDS], [[getattr(line, f) for f in _LINE_FIELDS] for line in lines]
    )


def slip_digest(key: bytes, slip: Sequence[object], lines: Sequence[Sequence[object]]) -> str:
    """The digest of a payslip's field values in `_READ_SLIP_FIELDS` order (the optional ones only where set) and
    its lines' in `_LINE_FIELDS` order (a line row may carry more values after those: `run_contents` adds the
    payslip id)."""
    fields, optional = list(slip[: len(_SLIP_FIELDS)]), list(slip[len(_SLIP_FIELDS) : len(_READ_SLIP_FIELDS)])
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
    return {slip[0]: slip_digest(key, slip, lines) for chunk in run_contents(session, run) for slip, lines in chunk}


def run_contents(
    session: Session, run: PayRun
) -> Iterator[list[tuple[Row[*tuple[Any, ...]], list[Row[*tuple[Any, ...]]]]]]:
    """The run's payslips (`_READ_SLIP_FIELDS`, by id) each with its lines (`_LINE_FIELDS`, by position), `_CHUNK`
    payslips at a time: what `slip_digest` seals, read once for the lock's digests and documents alike.

    Read as plain rows (ORM objects for a 100,000-employee run cost more than the hashing, and holding them all
    cost gigabytes); the values are the same ones the ORM would load, so the digests are too
    (`tests/gateway/test_payrun_digest_pinned.py`).
    """
    slips, lines = Payslip.__table__.c, PayslipLine.__table__.c
    after = 0
    while True:
        chunk = session.execute(
            select(*(slips[f] for f in _READ_SLIP_FIELDS))
            .where(slips.payrun_id == run.id, slips.id > after)
            .order_by(slips.id)
            .limit(_CHUNK)
        ).all()
        if not chunk:
            return
        after = chunk[-1][0]
        held: dict[int, list[Row[*tuple[Any, ...]]]] = defaultdict(list)
        for line in session.execute(
            select(*(lines[f] for f in _LINE_FIELDS), lines.payslip_id)
            .join(Payslip.__table__, lines.payslip_id == slips.id)
            .where(slips.payrun_id == run.id, slips.id >= chunk[0][0], slips.id <= after)
            .order_by(lines.payslip_id, lines.position)
        ).all():  # fetched at once: a row at a time costs more than the hashing
            held[line.payslip_id].append(line)
        yield [(slip, held[slip[0]]) for slip in chunk]


def bank_account_digest(key: bytes, account: BankAccount) -> str:
    return keyed_hash(
        key, "bank_account", [account.employee_id, account.bank_name, account.account_name, account.account_no]
    )
