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

from sqlalchemy import select
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
_LINE_FIELDS = ("position", "code", "amount_fen", "quantities_json", "rule")


def payslip_digest(key: bytes, slip: Payslip, lines: list[PayslipLine]) -> str:
    return keyed_hash(
        key,
        "payslip",
        [[getattr(slip, f) for f in _SLIP_FIELDS], [[getattr(line, f) for f in _LINE_FIELDS] for line in lines]],
    )


def payrun_digest(key: bytes, run: PayRun, slip_digests: list[tuple[int, str]]) -> str:
    """Over the run's identity, totals and every (payslip id, digest), in payslip id order."""
    content = [run.id, run.period, run.scope, run.rules_version, run.gross_total_fen, run.net_total_fen]
    return keyed_hash(key, "payrun", [content, sorted(slip_digests)])


def current_digests(session: Session, run: PayRun) -> dict[int, str]:
    """Each payslip of `run` with the digest its stored content has now (payslip id → digest)."""
    key = keys_of(session).audit_key
    slips = list(session.scalars(select(Payslip).where(Payslip.payrun_id == run.id).order_by(Payslip.id)))
    lines: dict[int, list[PayslipLine]] = {slip.id: [] for slip in slips}
    for line in session.scalars(
        select(PayslipLine)
        .join(Payslip, PayslipLine.payslip_id == Payslip.id)
        .where(Payslip.payrun_id == run.id)
        .order_by(PayslipLine.payslip_id, PayslipLine.position)
    ):
        lines[line.payslip_id].append(line)
    return {slip.id: payslip_digest(key, slip, lines[slip.id]) for slip in slips}


def bank_account_digest(key: bytes, account: BankAccount) -> str:
    return keyed_hash(
        key, "bank_account", [account.employee_id, account.bank_name, account.account_name, account.account_no]
    )
