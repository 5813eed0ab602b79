"""Employee-month pay inputs, opening balances, and the employee's housing-fund rate and part-time flag.

- `pay_month_inputs` (UNIQUE per employee and period): the annual one-off bonus and its taxation method
  (`recommended` | `combined` | `separate`), severance with the final month (and its base, NULL = the average of
  the locked runs), a deduction for damages; who entered it, when.
- `opening_balances` (UNIQUE per employee and tax year): year-to-date figures paid before the company used
  punchclock, through `through_period`, added to the year's later pay runs.
- `employees.hf_rate` (NULL = the city's rate) and `employees.part_time` (非全日制, NOT NULL, false for
  everyone so far).

Revision ID: 0011
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employees") as table:
        table.add_column(sa.Column("hf_rate", sa.String(16), nullable=True))
        # A plain string default: SQLite then adds the column in place (a SQL expression would make Alembic copy
        # the table, and dropping the old employees table fails on the rows that reference it).
        table.add_column(sa.Column("part_time", sa.Boolean(), nullable=False, server_default="0"))
    op.create_table(
        "pay_month_inputs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False, index=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        sa.Column("bonus_method", sa.String(16), nullable=False),
        sa.Column("severance", sa.Boolean(), nullable=False),
        sa.Column("severance_base_fen", sa.BigInteger(), nullable=True),
        sa.Column("damages_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("employee_id", "period", name="uq_pay_month_inputs_employee_period"),
        sa.CheckConstraint(
            "bonus_method IN ('recommended', 'combined', 'separate')", name="ck_pay_month_inputs_bonus_method"
        ),
        sa.CheckConstraint("bonus_fen >= 0 AND damages_fen >= 0", name="ck_pay_month_inputs_amounts"),
    )
    op.create_table(
        "opening_balances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False, index=True),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("through_period", sa.String(7), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
        sa.Column("si_hf_fen", sa.BigInteger(), nullable=False),
        sa.Column("special_deductions_fen", sa.BigInteger(), nullable=False),
        sa.Column("other_deductions_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_withheld_fen", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("employee_id", "tax_year", name="uq_opening_balances_employee_year"),
        sa.CheckConstraint(
            "months >= 1 AND income_fen >= 0 AND si_hf_fen >= 0 AND special_deductions_fen >= 0"
            " AND other_deductions_fen >= 0 AND tax_withheld_fen >= 0",
            name="ck_opening_balances_amounts",
        ),
    )


def downgrade() -> None:
    op.drop_table("opening_balances")
    op.drop_table("pay_month_inputs")
    with op.batch_alter_table("employees") as table:
        table.drop_column("part_time")
        table.drop_column("hf_rate")
