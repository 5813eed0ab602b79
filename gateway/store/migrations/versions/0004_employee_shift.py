"""An employee's own shift (`employees.shift_rule`), so day and night workers can share one office.

NULL keeps the office's shift. Stored as written (``SHIFT`` of the office's rule file, or
``RULES/SHIFT``); `gateway.attendance` resolves it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employees") as table:
        table.add_column(sa.Column("shift_rule", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employees") as table:
        table.drop_column("shift_rule")
