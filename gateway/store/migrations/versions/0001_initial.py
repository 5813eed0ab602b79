"""Initial gateway schema: offices, devices, employees, badges, punches, quarantine, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:21:30.078392
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=False),
        sa.Column("after_json", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prev_hash"),
    )
    op.create_table(
        "offices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("double_punch_window_s", sa.Integer(), nullable=False),
        sa.Column("shift_rule", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sn", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("firmware", sa.String(length=100), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("clock_offset_s", sa.Integer(), nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=True),
        sa.Column("record_capacity", sa.Integer(), nullable=True),
        sa.Column("user_count", sa.Integer(), nullable=True),
        sa.Column("first_record_ts_local", sa.DateTime(), nullable=True),
        sa.Column("watermark_ts_local", sa.DateTime(), nullable=True),
        sa.Column("push_stamp", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("sn"),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("pay_basis", sa.String(length=16), nullable=False),
        sa.Column("monthly_salary_fen", sa.BigInteger(), nullable=True),
        sa.Column("hourly_rate_fen", sa.BigInteger(), nullable=True),
        sa.Column("hired_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("si_city", sa.String(length=64), nullable=True),
        sa.Column("special_deductions_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("pay_basis IN ('monthly', 'hourly', 'piece')", name="ck_employees_pay_basis"),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pin", sa.String(length=32), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("device_sn", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pin", "device_sn", name="uq_badges_pin_device"),
    )
    op.create_table(
        "punches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("device_sn", sa.String(length=64), nullable=False),
        sa.Column("pin", sa.String(length=32), nullable=False),
        sa.Column("ts_local", sa.DateTime(), nullable=False),
        sa.Column("ts_utc", sa.DateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("punch_state", sa.Integer(), nullable=False),
        sa.Column("verify_mode", sa.Integer(), nullable=False),
        sa.Column("workcode", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("is_double_tap", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_sn", "ts_local", "pin", name="uq_punches_key"),
    )
    with op.batch_alter_table("punches", schema=None) as batch_op:
        batch_op.create_index("ix_punches_employee_ts", ["employee_id", "ts_utc"], unique=False)

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("punch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["punch_id"],
            ["punches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("punch_id"),
    )


def downgrade() -> None:
    op.drop_table("quarantine")
    with op.batch_alter_table("punches", schema=None) as batch_op:
        batch_op.drop_index("ix_punches_employee_ts")

    op.drop_table("punches")
    op.drop_table("badges")
    op.drop_table("employees")
    op.drop_table("devices")
    op.drop_table("offices")
    op.drop_table("audit_log")
