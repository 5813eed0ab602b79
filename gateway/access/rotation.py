"""Data key rotation: a new active data key, and every live sealed value re-sealed under it.

Order, so that a crash at any point leaves every value readable:

1. the key file is replaced atomically by the same keys plus the new one, made active
   (`keys.replace_key_file`): the values in the database are still sealed under older keys,
   which the new file keeps;
2. one database transaction re-seals every value of every sealed column (`vault.SEALED_COLUMNS`: bank
   accounts, employees' and new hires' ID numbers, fingerprint templates) not yet under the active key
   and appends the audit row; it commits whole or not at all, and running it again finishes an
   interrupted rotation. Each column is found through `SEALED_PLACES` (its row type, the attribute holding
   the value and the one its context is bound to): a column added to `SEALED_COLUMNS` without a place
   makes rotation fail loudly instead of leaving its values under an old key.

Older data keys are never dropped: a locked pay run's payslips keep the sealed copies taken at
lock, which never change, and open with the key they were sealed under.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import not_, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.access.integrity import BANK_ACCOUNT_ACTION, bank_account_digest
from gateway.access.keys import KeyRing, keys_of, load_keys, replace_key_file
from gateway.access.vault import (
    BANK_ACCOUNT_NO,
    EMPLOYEE_ID_NUMBER,
    FACE_TEMPLATE,
    FINGER_TEMPLATE,
    ONBOARDING_ID_NUMBER,
    PREFIX,
    SEALED_COLUMNS,
    key_id_of,
    reveal,
    seal_for,
)  # fmt: skip
from gateway.store import BankAccount, Employee, EmployeeTemplate, FaceTemplate, Onboarding


@dataclass(frozen=True)
class SealedPlace:
    """Where a sealed column lives: its row type, the attribute holding the sealed value, the attribute whose id
    its context is bound to (`vault.context_for(column, id)`), and how people count its values."""

    model: type[Any]
    value: str
    owner: str
    label: str


SEALED_PLACES: dict[str, SealedPlace] = {
    BANK_ACCOUNT_NO: SealedPlace(BankAccount, "account_no", "employee_id", "bank account numbers"),
    EMPLOYEE_ID_NUMBER: SealedPlace(Employee, "id_number", "id", "ID numbers"),
    FINGER_TEMPLATE: SealedPlace(EmployeeTemplate, "template", "employee_id", "fingerprint templates"),
    ONBOARDING_ID_NUMBER: SealedPlace(Onboarding, "id_number", "id", "new hires' ID numbers"),
    FACE_TEMPLATE: SealedPlace(FaceTemplate, "template", "employee_id", "face templates"),
}


def add_data_key(path: Path) -> tuple[KeyRing, KeyRing]:
    """Step 1: the key file at `path` gains a new active data key. Returns (old ring, new ring)."""
    old = load_keys(path)
    new = old.with_new_data_key()
    replace_key_file(path, new)
    return old, new


def _reseal_column(session: Session, column: str, active: str) -> list[tuple[Any, str]]:
    """Re-seal `column`'s values not under the `active` key; the rows changed, each with its former key id."""
    place = SEALED_PLACES[column]
    stored = getattr(place.model, place.value)
    rows = select(place.model).where(stored.is_not(None), not_(stored.startswith(f"{PREFIX}:{active}:")))
    changed = []
    for row in session.scalars(rows.order_by(getattr(place.model, place.owner))):
        sealed, owner = getattr(row, place.value), getattr(row, place.owner)
        setattr(row, place.value, seal_for(session, column, owner, reveal(session, column, owner, sealed)))
        changed.append((row, key_id_of(sealed)))
    return changed


def reseal_all(session: Session, actor: str, previous_active: str) -> dict[str, int]:
    """Step 2, in the caller's transaction: re-seal every value of every sealed column not under the session
    ring's active key (audited). Returns how many values of each column were re-sealed."""
    active = keys_of(session).active_id
    changed = {column: _reseal_column(session, column, active) for column in SEALED_COLUMNS}
    session.flush()
    # A re-sealed account's stored bytes changed: record its new digest, or `audit verify` would call it
    # edited outside punchclock.
    codes = dict(session.execute(select(Employee.id, Employee.code)).all())
    key = keys_of(session).audit_key
    for account, old_key in changed[BANK_ACCOUNT_NO]:
        append_audit(
            session,
            actor,
            BANK_ACCOUNT_ACTION,
            f"employee:{codes[account.employee_id]}",
            {"key": old_key},
            {"key": active, "digest": bank_account_digest(key, account)},
        )
    counts = {column: len(rows) for column, rows in changed.items()}
    append_audit(
        session, actor, "keys.rotate", "keys", {"active": previous_active}, {"active": active, "resealed": counts}
    )
    return counts


def resealed_text(counts: dict[str, int]) -> str:
    """`1 bank account numbers, 1 ID numbers, 0 fingerprint templates and 0 new hires' ID numbers`."""
    parts = [f"{counts[column]} {SEALED_PLACES[column].label}" for column in SEALED_COLUMNS]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
