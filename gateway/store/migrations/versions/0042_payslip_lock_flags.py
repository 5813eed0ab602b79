"""The lock's checks a payslip trips, marked when it is computed (`payslips.lock_flags`), with a small index.

The lock warns of a housing-fund rate outside 5–12 %, damages above the legal limit, overtime beyond 3 h a day or
36 h a month and more than 6 days worked in a row: four conditions on the payslip's figures and attendance JSON.
Testing them in SQL parsed every payslip's JSON three times (3.8 s of a 100,000-employee lock on PostgreSQL, 1.3 s
on SQLite). The store now writes the bits of the checks each payslip trips (`gateway.pay.lock_checks.lock_flags`,
from the same computed columns the JSON holds), and the checks read the JSON of the marked payslips only, by the
partial index `ix_payslips_marked` (the run's payslips with `lock_flags <> 0`: few).

Existing payslips get -1 (every bit): the checks read their JSON as before. The column is not sealed in the
digest: it only chooses which payslips the checks read; the warning itself still comes from the JSON. Plain ADD
COLUMN (no table copy on SQLite, which would drop the guard triggers of revision 0005; no rewrite on PostgreSQL).

Revision ID: 0042
Revises: 0041
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payslips", sa.Column("lock_flags", sa.Integer(), nullable=False, server_default="-1"))
    op.create_index(
        "ix_payslips_marked",
        "payslips",
        ["payrun_id"],
        sqlite_where=sa.text("lock_flags <> 0"),
        postgresql_where=sa.text("lock_flags <> 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_payslips_marked", table_name="payslips")
    op.execute("ALTER TABLE payslips DROP COLUMN lock_flags")
