"""User sync to terminals: a badge's card number and device privilege, and the badges written to each terminal.

`badges.card` (0 = none) and `badges.device_privilege` (`user` | `admin`) are what `gateway.devices.user_sync`
writes beside the pin and name; `device_users` keeps what was written to which terminal and when a badge was
removed from it (a leaver's access revoked), per employee.

Revision ID: 0021
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("badges") as batch:
        batch.add_column(sa.Column("card", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("device_privilege", sa.String(8), nullable=False, server_default="user"))
        batch.create_check_constraint("ck_badges_device_privilege", "device_privilege IN ('user', 'admin')")
    op.create_table(
        "device_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("devices.id"), nullable=False),
        sa.Column("pin", sa.String(32), nullable=False),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id")),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("card", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("privilege", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime()),
        sa.Column("removal_reason", sa.String(32)),
        sa.UniqueConstraint("device_id", "pin", name="uq_device_users_device_pin"),
    )
    op.create_index("ix_device_users_employee", "device_users", ["employee_id"])


def downgrade() -> None:
    op.drop_index("ix_device_users_employee", table_name="device_users")
    op.drop_table("device_users")
    with op.batch_alter_table("badges") as batch:
        batch.drop_constraint("ck_badges_device_privilege", type_="check")
        batch.drop_column("device_privilege")
        batch.drop_column("card")
