"""`audit verify`: the audit chain, its anchors, locked pay runs and bank accounts, checked together.

Each finding names what was done (edited, re-chained, missing, reordered, truncated, emptied, a pay
run or a bank account altered) and where, so that whoever reads it knows which rows to look at and
which backup to restore from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.anchors import anchor_file_of, read_anchors
from gateway.access.audit import Finding, walk_chain
from gateway.access.digests import same
from gateway.access.integrity import BANK_ACCOUNT_ACTION, bank_account_digest, current_digests, payrun_digest
from gateway.access.keys import keys_of
from gateway.store import RUN_LOCKED, AuditLog, BankAccount, Employee, PayRun, Payslip


@dataclass(frozen=True)
class AuditReport:
    rows: int
    legacy_rows: int
    head_seq: int
    anchors: int
    locked_runs: int
    bank_accounts: int
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_all(session: Session) -> AuditReport:
    state = walk_chain(session)
    findings = list(state.findings)
    notes: list[str] = []
    if state.legacy_rows:
        notes.append(
            f"{state.legacy_rows} rows were written before the chain was keyed (plain SHA-256); the first "
            "keyed row protects them"
        )
    anchors = _check_anchors(session, state.rows, state.head_seq, findings, notes)
    runs = _check_locked_runs(session, findings)
    accounts = _check_bank_accounts(session, findings, notes)
    return AuditReport(
        state.rows, state.legacy_rows, state.head_seq, anchors, runs, accounts, tuple(findings), tuple(notes)
    )


def _check_anchors(session: Session, rows: int, head_seq: int, findings: list[Finding], notes: list[str]) -> int:
    path = anchor_file_of(session)
    if path is None:
        notes.append("no anchor file is configured: deleted newest rows cannot be detected")
        return 0
    anchors, problems = read_anchors(path, keys_of(session).audit_key)
    findings.extend(Finding("anchor-altered", p.message) for p in problems)
    if not anchors:
        if rows:
            notes.append(f"{path} holds no anchor yet (one is written at every lock and every 100 rows)")
        return 0
    furthest = max(anchors, key=lambda a: a.seq)
    if furthest.seq > head_seq:
        if rows == 0:
            findings.append(
                Finding(
                    "emptied",
                    f"the audit log is empty, but the anchor of {furthest.at} "
                    f"({furthest.reason}) recorded {furthest.seq} rows: every row was deleted",
                )
            )
        else:
            findings.append(
                Finding(
                    "truncated",
                    f"the audit log ends at seq {head_seq}, but the anchor of "
                    f"{furthest.at} ({furthest.reason}) recorded seq {furthest.seq}: rows "
                    f"{head_seq + 1}–{furthest.seq} were deleted",
                )
            )
    hashes = dict(session.execute(select(AuditLog.seq, AuditLog.row_hash)).all())
    for anchor in anchors:
        stored = hashes.get(anchor.seq)
        if stored is not None and not same(stored, anchor.head):
            findings.append(
                Finding(
                    "re-chained",
                    f"the audit row at seq {anchor.seq} is not the one anchored at "
                    f"{anchor.at} ({anchor.reason}): the chain was rewritten",
                )
            )
    return len(anchors)


def _lock_digests(session: Session) -> dict[str, str]:
    """payrun/<id> → the digest its (newest) lock audit row recorded."""
    recorded: dict[str, str] = {}
    for target, after_json in session.execute(
        select(AuditLog.target, AuditLog.after_json).where(AuditLog.action == "payrun.lock").order_by(AuditLog.seq)
    ):
        digest = json.loads(after_json).get("digest")
        if isinstance(digest, str):
            recorded[target] = digest
    return recorded


def _check_locked_runs(session: Session, findings: list[Finding]) -> int:
    key = keys_of(session).audit_key
    recorded = _lock_digests(session)
    runs = list(session.scalars(select(PayRun).where(PayRun.status == RUN_LOCKED).order_by(PayRun.id)))
    for run in runs:
        name = f"pay run {run.id} ({run.period}, {run.scope})"
        digest = recorded.get(f"payrun/{run.id}")
        if digest is None:
            findings.append(
                Finding(
                    "payrun-altered",
                    f"{name} is locked, but no lock with a digest is in the "
                    "audit log: it was locked (or unlocked and re-locked) outside punchclock",
                )
            )
            continue
        now = current_digests(session, run)
        stored = dict(session.execute(select(Payslip.id, Payslip.digest).where(Payslip.payrun_id == run.id)).all())
        codes = dict(
            session.execute(
                select(Payslip.id, Employee.code)
                .join(Employee, Payslip.employee_id == Employee.id)
                .where(Payslip.payrun_id == run.id)
            ).all()
        )
        altered = [slip_id for slip_id, value in now.items() if not same(value, stored.get(slip_id))]
        for slip_id in altered:
            findings.append(
                Finding(
                    "payrun-altered",
                    f"payslip {slip_id} (employee {codes.get(slip_id, '?')}) of {name} was changed after the lock",
                )
            )
        if not same(payrun_digest(key, run, [(i, d or "") for i, d in stored.items()]), digest) and not altered:
            findings.append(
                Finding(
                    "payrun-altered",
                    f"{name} differs from its lock: payslips were added or removed, or its totals changed",
                )
            )
    return len(runs)


def _check_bank_accounts(session: Session, findings: list[Finding], notes: list[str]) -> int:
    key = keys_of(session).audit_key
    recorded: dict[str, dict[str, object] | None] = {}
    for target, after_json in session.execute(
        select(AuditLog.target, AuditLog.after_json)
        .where(AuditLog.action == BANK_ACCOUNT_ACTION)
        .order_by(AuditLog.seq)
    ):
        recorded[target] = json.loads(after_json)
    accounts = session.execute(select(BankAccount, Employee.code).join(Employee)).all()
    present = set()
    unrecorded = 0
    for account, code in accounts:
        target = f"employee:{code}"
        present.add(target)
        after = recorded.get(target)
        if after is None:
            findings.append(
                Finding(
                    "row-altered",
                    f"the bank account of employee {code} has no audit record: it was written outside punchclock",
                )
            )
        elif "digest" not in after:
            unrecorded += 1  # written by a version that did not record digests yet
        elif not same(str(after["digest"]), bank_account_digest(key, account)):
            findings.append(
                Finding(
                    "row-altered",
                    f"the bank account of employee {code} differs from its last "
                    "audited change: it was edited outside punchclock",
                )
            )
    if unrecorded:
        notes.append(f"{unrecorded} bank accounts were last changed before digests were recorded: not checked")
    for target, after in recorded.items():
        if target not in present and after is not None:
            findings.append(
                Finding("row-altered", f"the bank account of {target.replace(':', ' ')} was deleted outside punchclock")
            )
    return len(accounts)
