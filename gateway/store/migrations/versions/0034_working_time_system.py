"""An employee's working-time system (工时制度) as dated terms, mirrored into `employees` like the shift.

- `employees.working_time_system`: standard (标准工时), comprehensive (综合计算工时) or flexible (不定时); existing
  rows are standard, so nobody's pay moves.
- `employees.wts_period`: the comprehensive-hours settlement period (week, month, quarter, year); NULL otherwise.
- `employees.wts_approval_no`: the labour bureau's approval number (审批文号) of a comprehensive or flexible system.

Which combinations are allowed is checked where terms are written (`gateway.people.employee_terms`), not here:
a dated record can set the system and its period on one day, and the row only mirrors today's terms.

Revision ID: 0034
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employees") as table:
        table.add_column(sa.Column("working_time_system", sa.String(16), nullable=False, server_default="standard"))
        table.add_column(sa.Column("wts_period", sa.String(8), nullable=True))
        table.add_column(sa.Column("wts_approval_no", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employees") as table:
        table.drop_column("wts_approval_no")
        table.drop_column("wts_period")
        table.drop_column("working_time_system")
