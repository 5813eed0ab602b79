"""Encryption at rest of single text values (bank account numbers, ID numbers) with AES-256-GCM.

A sealed value is one ASCII string, `pc1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`:

- `pc1` names this format; `<key id>` the data key of the key file it was sealed with
  (`gateway.access.keys`), so a value sealed before a key rotation still opens after it;
- the nonce is 96 random bits, fresh for every value (AES-GCM's own recommendation; at 2^-32
  collision odds per key that allows far more values than a gateway ever seals);
- the associated data is `pc1:<key id>:<context>`, where the context names the value's place:
  `context_for("bank_accounts.account_no", employee_id)`. A ciphertext edited, or copied to another
  employee's row or to another column, therefore does not open: `VaultError` names the place and
  says the database was altered.

The context depends only on the column the value was first written to and the employee, never on
the row that holds a copy: a payslip that snapshots an employee's sealed bank account at lock keeps
the sealed string as it is and opens it with `context_for(BANK_ACCOUNT_NO, employee_id)`.

What is sealed, and why only that: `bank_accounts.account_no` and `employees.id_number` (the numbers
that let someone move money or impersonate a person). Names, banks and pay figures stay plain: the
name is on every payslip and attendance sheet anyway, and pay figures must stay queryable.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from gateway.access.keys import KeyRing, KeysError, keys_of
from gateway.errors import GatewayError

PREFIX = "pc1"
NONCE_BYTES = 12
BANK_ACCOUNT_NO = "bank_accounts.account_no"
EMPLOYEE_ID_NUMBER = "employees.id_number"
FINGER_TEMPLATE = "finger_templates.template"  # base64 of a fingerprint template (gateway.devices.templates)
ONBOARDING_ID_NUMBER = "onboardings.id_number"  # a new hire's, bound to the application's id
FACE_TEMPLATE = "face_templates.template"  # base64 of a face template (gateway.devices.templates)
SEALED_COLUMNS = (BANK_ACCOUNT_NO, EMPLOYEE_ID_NUMBER, FINGER_TEMPLATE, ONBOARDING_ID_NUMBER, FACE_TEMPLATE)


class VaultError(GatewayError):
    """A sealed value cannot be opened (altered, moved, or sealed under a key the key file lacks)."""


def context_for(column: str, employee_id: int) -> str:
    """The place a value belongs to, bound into its ciphertext: `"bank_accounts.account_no:17"`."""
    if column not in SEALED_COLUMNS:
        raise ValueError(f"{column!r} is not an encrypted column (those are {', '.join(SEALED_COLUMNS)})")
    return f"{column}:{employee_id}"


def _place(context: str) -> str:
    column, _, employee_id = context.rpartition(":")
    return f"{column} of employee id {employee_id}"


def _aad(key_id: str, context: str) -> bytes:
    return f"{PREFIX}:{key_id}:{context}".encode()


def is_sealed(value: str) -> bool:
    return value.startswith(f"{PREFIX}:")


def key_id_of(sealed: str) -> str:
    """The data key id a sealed value names (`""` for a value that is not sealed)."""
    prefix, _, rest = sealed.partition(":")
    return rest.partition(":")[0] if prefix == PREFIX else ""


def seal(ring: KeyRing, plaintext: str, context: str) -> str:
    """`plaintext` encrypted under the ring's active data key, bound to `context`."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.active_key).encrypt(nonce, plaintext.encode("utf-8"), _aad(ring.active_id, context))
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{PREFIX}:{ring.active_id}:{body}"


def unseal(ring: KeyRing, sealed: str, context: str) -> str:
    """The plaintext of `sealed`, or `VaultError` naming the place when it does not open."""
    prefix, key_id, body = (sealed.split(":", 2) + ["", ""])[:3]
    if prefix != PREFIX or not key_id or not body:
        raise VaultError(
            f"{_place(context)} is not an encrypted value (it does not start with {PREFIX}:<key id>:): the "
            "database was altered outside punchclock; enter the value again through the API"
        )
    try:
        key = ring.data_key(key_id)
    except KeysError as error:
        raise VaultError(
            f"{_place(context)} was encrypted with data key {key_id!r}, which this process does not have: {error} "
            "(after `punchclock keys rotate`, restart every running punchclock)"
        ) from None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if len(raw) <= NONCE_BYTES:
            raise ValueError("too short")
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id, context))
    except (InvalidTag, ValueError, binascii.Error):
        raise VaultError(
            f"{_place(context)} does not decrypt: the stored value was edited, or copied from another row or "
            "column, so the database was altered; restore it from a backup or enter the value again"
        ) from None
    return plain.decode("utf-8")


@dataclass(frozen=True)
class Vault:
    """`seal` and `unseal` bound to one key ring: what `gateway.store.upgrade(url, vault=...)` takes."""

    ring: KeyRing

    def seal(self, plaintext: str, context: str) -> str:
        return seal(self.ring, plaintext, context)

    def unseal(self, sealed: str, context: str) -> str:
        return unseal(self.ring, sealed, context)


def seal_for(session: Session, column: str, employee_id: int, plaintext: str) -> str:
    """`seal` with the session's key ring, for the value of `column` belonging to `employee_id`."""
    return seal(keys_of(session), plaintext, context_for(column, employee_id))


def reveal(session: Session, column: str, employee_id: int, sealed: str) -> str:
    """`unseal` with the session's key ring: the plaintext of `column` (or of a copy of it) for `employee_id`."""
    return unseal(keys_of(session), sealed, context_for(column, employee_id))


def mask(number: str) -> str:
    """`"**** 6890"`: the last four characters only, as bank statements print an account."""
    return f"**** {number[-4:]}"
