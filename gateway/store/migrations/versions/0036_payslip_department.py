"""The department on each payslip's lock snapshot (`payslips.department_name`), for the pay sheet's 部门 column.

Taken at lock with the other snapshot fields (code, name, office, bank, ID), so a locked month's pay sheet keeps
the department it was paid under after a move or a rename. Runs locked before this revision have none (their
sheets show the column empty, as before), and their digests stay as they were sealed: the digest covers the
department only where one was taken.

Plain ADD/DROP COLUMN, not a batch copy: on SQLite a table copy would drop the locked-run guard triggers of
revision 0005.

Revision ID: 0036
Revises: 0035
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payslips", sa.Column("department_name", sa.String(100), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE payslips DROP COLUMN department_name")
