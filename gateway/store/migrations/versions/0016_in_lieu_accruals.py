"""One statutory accrual per employee, type and year — but any number of 调休 accruals from approved overtime.

The partial UNIQUE index `uq_leave_ledger_accrual` now covers only accruals without a request (the yearly
annual-leave accrual); an accrual a request wrote (time off in lieu for rest-day overtime) is one per request.

Revision ID: 0016
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def _index(where: str) -> None:
    op.create_index(
        "uq_leave_ledger_accrual",
        "leave_ledger",
        ["employee_id", "leave_type", "year"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.drop_index("uq_leave_ledger_accrual", table_name="leave_ledger")
    _index("kind = 'accrual' AND request_id IS NULL")


def downgrade() -> None:
    op.drop_index("uq_leave_ledger_accrual", table_name="leave_ledger")
    _index("kind = 'accrual'")
