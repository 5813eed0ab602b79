"""Encryption at rest: employees' identity documents (`id_type`, sealed `id_number`), sealed bank account numbers.

`bank_accounts.account_no` becomes TEXT (a sealed value is longer than the 64 characters a number
needed) and every number already stored in clear is sealed, in this migration's transaction, with
the `vault` that `gateway.store.upgrade(url, vault=...)` passes in (the CLI builds it from the key
file; a migration cannot reach the key file itself). A database holding clear numbers and no vault
is refused before anything changes, so a database is never left half encrypted. Values already
sealed are left alone, so running it again after an interrupted run is harmless.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.engine import VAULT_ATTRIBUTE, Sealer

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SEALED_PREFIX = "pc1:"
_ACCOUNTS = sa.table("bank_accounts", sa.column("employee_id", sa.Integer), sa.column("account_no", sa.Text))


def upgrade() -> None:
    bind = op.get_bind()
    clear = [
        (employee_id, number)
        for employee_id, number in bind.execute(sa.select(_ACCOUNTS.c.employee_id, _ACCOUNTS.c.account_no))
        if not number.startswith(_SEALED_PREFIX)
    ]
    context = op.get_context()
    vault: Sealer | None = context.config.attributes.get(VAULT_ATTRIBUTE) if context.config is not None else None
    if vault is None and clear:
        raise RuntimeError(
            f"{len(clear)} bank account numbers are stored in clear and must be encrypted: upgrade through "
            "`punchclock db upgrade --config ...` (it reads the key file), not without keys"
        )
    # Sealed before the first schema change, so a sealing failure leaves the database as it was.
    sealed = [
        (employee_id, vault.seal(number, f"bank_accounts.account_no:{employee_id}"))
        for employee_id, number in clear
        if vault is not None
    ]
    with op.batch_alter_table("employees") as table:
        table.add_column(sa.Column("id_type", sa.String(length=32), nullable=True))
        table.add_column(sa.Column("id_number", sa.Text(), nullable=True))
    with op.batch_alter_table("bank_accounts") as table:
        table.alter_column("account_no", type_=sa.Text(), existing_type=sa.String(length=64), existing_nullable=False)
    for employee_id, value in sealed:
        bind.execute(_ACCOUNTS.update().where(_ACCOUNTS.c.employee_id == employee_id).values(account_no=value))


def downgrade() -> None:
    """Drops the identity documents; bank account numbers stay sealed (decrypting needs the keys, and a
    downgrade that wrote them back in clear would undo the point of this migration)."""
    with op.batch_alter_table("employees") as table:
        table.drop_column("id_number")
        table.drop_column("id_type")
