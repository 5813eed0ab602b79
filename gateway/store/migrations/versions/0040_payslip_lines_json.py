"""A payslip's explanation lines as one JSON text on its own row (`payslips.lines_json`).

Until now every line was a `payslip_lines` row: a 100,000-employee month stored 1,700,000 rows, each with its
rule text, read them back at lock for the digests and the documents, and joined them again for every payslip
shown. A run computed since this revision stores its lines once, as the JSON array the payslip document shows
(`gateway.pay.payslip_lines`), and seals that text in the payslip's digest (`gateway.access.integrity`, the
`payslip-v2` form). Runs computed before it keep their `payslip_lines` rows and `lines_json` NULL, and keep
verifying by the digest form they were locked with; a draft of before is stored in the new form when it is
computed again.

Plain ADD/DROP COLUMN, not a batch copy: on SQLite a table copy would drop the locked-run guard triggers of
revision 0005.

Revision ID: 0040
Revises: 0039
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payslips", sa.Column("lines_json", sa.Text(), nullable=True))


def downgrade() -> None:
    """Refused while a payslip holds its lines as text: dropping the column would lose them (and fail the digests
    of the runs locked with them)."""
    if op.get_bind().execute(sa.text("SELECT 1 FROM payslips WHERE lines_json IS NOT NULL LIMIT 1")).first():
        raise RuntimeError(
            "payslips computed since revision 0040 hold their lines in payslips.lines_json; downgrading would lose "
            "them. Restore a backup taken before the upgrade instead."
        )
    op.execute("ALTER TABLE payslips DROP COLUMN lines_json")
