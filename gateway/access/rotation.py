"""Data key rotation: a new active data key, and every live sealed value re-sealed under it.

Order, so that a crash at any point leaves every value readable:

1. the key file is replaced atomically by the same keys plus the new one, made active
   (`keys.replace_key_file`): the values in the database are still sealed under older keys,
   which the new file keeps;
2. one database transaction re-seals every bank account and ID number not yet under the active key
   and appends the audit row; it commits whole or not at all, and running it again finishes an
   interrupted rotation.

Older data keys are never dropped: a locked pay run's payslips keep the sealed copies taken at
lock, which never change, and open with the key they were sealed under.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.access.integrity import BANK_ACCOUNT_ACTION, bank_account_digest
from gateway.access.keys import KeyRing, keys_of, load_keys, replace_key_file
from gateway.access.vault import BANK_ACCOUNT_NO, EMPLOYEE_ID_NUMBER, key_id_of, reveal, seal_for
from gateway.store import BankAccount, Employee


def add_data_key(path: Path) -> tuple[KeyRing, KeyRing]:
    """Step 1: the key file at `path` gains a new active data key. Returns (old ring, new ring)."""
    old = load_keys(path)
    new = old.with_new_data_key()
    replace_key_file(path, new)
    return old, new


def reseal_all(session: Session, actor: str, previous_active: str) -> dict[str, int]:
    """Step 2, in the caller's transaction: re-seal every value not under the session ring's active key
    (audited). Returns how many values of each column were re-sealed."""
    active = keys_of(session).active_id
    counts = dict.fromkeys((BANK_ACCOUNT_NO, EMPLOYEE_ID_NUMBER), 0)
    places: tuple[tuple[str, Select[Any], str, str], ...] = (
        (BANK_ACCOUNT_NO, select(BankAccount).order_by(BankAccount.employee_id), "employee_id", "account_no"),
        (
            EMPLOYEE_ID_NUMBER,
            select(Employee).where(Employee.id_number.is_not(None)).order_by(Employee.id),
            "id",
            "id_number",
        ),
    )
    resealed_accounts: list[tuple[BankAccount, str]] = []
    for column, rows, owner, attribute in places:
        for row in session.scalars(rows):
            sealed, employee_id = getattr(row, attribute), getattr(row, owner)
            if key_id_of(sealed) != active:
                plain = reveal(session, column, employee_id, sealed)
                setattr(row, attribute, seal_for(session, column, employee_id, plain))
                counts[column] += 1
                if isinstance(row, BankAccount):
                    resealed_accounts.append((row, key_id_of(sealed)))
    session.flush()
    # A re-sealed account's stored bytes changed: record its new digest, or `audit verify` would call it
    # edited outside punchclock.
    codes = dict(session.execute(select(Employee.id, Employee.code)).all())
    key = keys_of(session).audit_key
    for account, old_key in resealed_accounts:
        append_audit(
            session,
            actor,
            BANK_ACCOUNT_ACTION,
            f"employee:{codes[account.employee_id]}",
            {"key": old_key},
            {"key": active, "digest": bank_account_digest(key, account)},
        )
    append_audit(
        session, actor, "keys.rotate", "keys", {"active": previous_active}, {"active": active, "resealed": counts}
    )
    return counts
