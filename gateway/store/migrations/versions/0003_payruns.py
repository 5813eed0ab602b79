"""Pay runs, payslips and lines, piece records and employees' bank accounts.

Revision ID: 0003
Revises: 0002_api
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payruns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("offices.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rules_version", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.Column("locked_by", sa.String(100), nullable=True),
        sa.Column("gross_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("net_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("last_diff_json", sa.Text(), nullable=False),
        sa.UniqueConstraint("period", "scope", name="uq_payruns_period_scope"),
        sa.CheckConstraint("status IN ('draft', 'computed', 'locked')", name="ck_payruns_status"),
    )
    op.create_table(
        "payslips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("payrun_id", sa.Integer(), sa.ForeignKey("payruns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("gross_fen", sa.BigInteger(), nullable=False),
        sa.Column("net_fen", sa.BigInteger(), nullable=False),
        sa.Column("iit_fen", sa.BigInteger(), nullable=False),
        sa.Column("figures_json", sa.Text(), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("attendance_json", sa.Text(), nullable=False),
        sa.UniqueConstraint("payrun_id", "employee_id", name="uq_payslips_run_employee"),
    )
    op.create_index("ix_payslips_payrun_id", "payslips", ["payrun_id"])
    op.create_index("ix_payslips_employee_id", "payslips", ["employee_id"])
    op.create_table(
        "payslip_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("payslip_id", sa.Integer(), sa.ForeignKey("payslips.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("quantities_json", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
    )
    op.create_index("ix_payslip_lines_payslip_id", "payslip_lines", ["payslip_id"])
    op.create_table(
        "piece_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=True),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("rejects", sa.BigInteger(), nullable=False),
        sa.Column("unit_fen", sa.BigInteger(), nullable=False),
        sa.Column("coef_num", sa.BigInteger(), nullable=False),
        sa.Column("coef_den", sa.BigInteger(), nullable=False),
        sa.Column("grade_coef", sa.String(16), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("qty >= 0 AND rejects >= 0 AND rejects <= qty", name="ck_piece_records_qty"),
        sa.CheckConstraint("coef_den >= 1", name="ck_piece_records_coef"),
    )
    op.create_index("ix_piece_records_employee_id", "piece_records", ["employee_id"])
    op.create_index("ix_piece_records_period", "piece_records", ["period"])
    op.create_table(
        "bank_accounts",
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), primary_key=True),
        sa.Column("bank_name", sa.String(100), nullable=False),
        sa.Column("account_no", sa.String(64), nullable=False),
        sa.Column("account_name", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    for table in ("bank_accounts", "piece_records", "payslip_lines", "payslips", "payruns"):
        op.drop_table(table)
