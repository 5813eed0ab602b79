"""Payslip receipts: when an employee first opened a locked payslip, and whether they confirmed or questioned it.

Revision ID: 0013
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payslip_receipts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("payslip_id", sa.Integer(), sa.ForeignKey("payslips.id", ondelete="CASCADE"), nullable=False),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("viewed_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("questioned_at", sa.DateTime(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("payslip_id", name="uq_payslip_receipts_payslip_id"),
    )
    op.create_index("ix_payslip_receipts_employee_id", "payslip_receipts", ["employee_id"])


def downgrade() -> None:
    op.drop_index("ix_payslip_receipts_employee_id", table_name="payslip_receipts")
    op.drop_table("payslip_receipts")
