"""Punch direction: `devices.direction` (auto | in | out) and `punches.direction`, backfilled from punch_state.

Revision ID: 0033
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0034"
branch_labels = None
depends_on = None

# ZK punch states → payroll_core.attendance.Direction (1 in, 2 out, 3 none, 0 any), as gateway.devices.normalize
_BACKFILL = (
    "UPDATE punches SET direction = CASE punch_state WHEN 0 THEN 1 WHEN 3 THEN 1 WHEN 4 THEN 1 "
    "WHEN 1 THEN 2 WHEN 2 THEN 2 WHEN 5 THEN 2 WHEN 255 THEN 3 ELSE 0 END"
)


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("direction", sa.String(8), nullable=False, server_default="auto"))
    with op.batch_alter_table("punches") as batch:
        batch.add_column(sa.Column("direction", sa.SmallInteger(), nullable=False, server_default="0"))
    op.execute(_BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("punches") as batch:
        batch.drop_column("direction")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("direction")
