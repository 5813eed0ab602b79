"""Which fingers each terminal holds (`terminal_fingers`) and the realtime links' state (`realtime_links`).

Revision ID: 0029
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "terminal_fingers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_name", sa.String(100), nullable=False),
        sa.Column("device_sn", sa.String(64), nullable=False),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("finger", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("device_name", "employee_id", "finger", name="uq_terminal_fingers_device_employee_finger"),
    )
    op.create_table(
        "realtime_links",
        sa.Column("device_name", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("realtime_links")
    op.drop_table("terminal_fingers")
