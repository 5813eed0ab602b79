"""API tables: bearer tokens (hashed) and punch corrections; the punches' time-order index for paging.

Revision ID: 0002_api
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_api"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'hr', 'viewer', 'employee')", name="ck_api_tokens_role"),
        sa.CheckConstraint("(role = 'employee') = (employee_id IS NOT NULL)", name="ck_api_tokens_employee"),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_table(
        "punch_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("punch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("ts_utc", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("action IN ('add', 'void', 'move')", name="ck_punch_corrections_action"),
        sa.CheckConstraint(
            "(action = 'add' AND punch_id IS NULL AND ts_utc IS NOT NULL)"
            " OR (action = 'void' AND punch_id IS NOT NULL AND ts_utc IS NULL)"
            " OR (action = 'move' AND punch_id IS NOT NULL AND ts_utc IS NOT NULL)",
            name="ck_punch_corrections_shape",
        ),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"]),
        sa.ForeignKeyConstraint(["punch_id"], ["punches.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_punch_corrections_employee", "punch_corrections", ["employee_id", "id"])
    op.create_index("ix_punches_ts_utc_id", "punches", ["ts_utc", "id"])


def downgrade() -> None:
    op.drop_index("ix_punches_ts_utc_id", table_name="punches")
    op.drop_index("ix_punch_corrections_employee", table_name="punch_corrections")
    op.drop_table("punch_corrections")
    op.drop_table("api_tokens")
