"""An index on `punches.received_at`, for the lock's "changed since compute" check.

The check counts the punches of the run's month received after the compute (`lock_checks._changed_since_compute`):
it starts from the few punches received since, but without an index finding them was a scan of the whole punch
table, 4,000,000 rows and more, on every lock (5 s of a 100,000-employee lock on SQLite). A plain CREATE INDEX:
no table is copied, so SQLite's guard triggers stay.

Revision ID: 0038
Revises: 0037
"""

from __future__ import annotations

from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_punches_received_at", "punches", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_punches_received_at", table_name="punches")
