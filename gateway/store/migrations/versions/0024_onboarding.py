"""Onboarding (入职申请): new hires submitted by an office and approved by HQ, and activation codes hashed by pwdlib.

`onboardings` holds a new hire before they are an employee, `onboarding_events` its history; `activation_codes`
gains `code_hash` (Argon2id of a `LOOKUP-SECRET` code's secret), `failed_attempts` and `locked_until`.
`depends_on` 0014: `onboardings.department_id` refers to `departments`, created there.

Revision ID: 0024
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0026"
branch_labels = None
depends_on = ("0014",)


def upgrade() -> None:
    op.create_table(
        "onboardings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("offices.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id")),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.String(100), nullable=False),
        sa.Column("hired_on", sa.Date(), nullable=False),
        sa.Column("pay_basis", sa.String(16), nullable=False),
        sa.Column("monthly_salary_fen", sa.BigInteger()),
        sa.Column("hourly_rate_fen", sa.BigInteger()),
        sa.Column("probation_months", sa.Integer(), nullable=False),
        sa.Column("probation_salary_fen", sa.BigInteger()),
        sa.Column("shift_rule", sa.String(100)),
        sa.Column("id_type", sa.String(32), nullable=False),
        sa.Column("id_number", sa.Text(), nullable=False),
        sa.Column("id_digest", sa.String(64), nullable=False),
        sa.Column("mobile", sa.String(20)),
        sa.Column("email", sa.String(320)),
        sa.Column("employee_code", sa.String(32)),
        sa.Column("pin", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime()),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id")),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="ck_onboardings_status"),
        sa.CheckConstraint("pay_basis IN ('monthly', 'hourly', 'piece')", name="ck_onboardings_pay_basis"),
        sa.CheckConstraint("probation_months BETWEEN 0 AND 6", name="ck_onboardings_probation"),
    )
    op.create_index("ix_onboardings_status", "onboardings", ["status", "id"])
    op.create_index(
        "uq_onboardings_pending_id",
        "onboardings",
        ["id_digest"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "onboarding_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("onboarding_id", sa.Integer(), sa.ForeignKey("onboardings.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_index("ix_onboarding_events_onboarding_id", "onboarding_events", ["onboarding_id"])
    with op.batch_alter_table("activation_codes") as batch:
        batch.add_column(sa.Column("code_hash", sa.Text()))
        batch.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime()))


def downgrade() -> None:
    with op.batch_alter_table("activation_codes") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_attempts")
        batch.drop_column("code_hash")
    op.drop_index("ix_onboarding_events_onboarding_id", table_name="onboarding_events")
    op.drop_table("onboarding_events")
    op.drop_index("uq_onboardings_pending_id", table_name="onboardings")
    op.drop_index("ix_onboardings_status", table_name="onboardings")
    op.drop_table("onboardings")
