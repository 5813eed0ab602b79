"""Resignations (离职申请): the request kind `resignation`, its terms and its handover checklist.

- `ck_staff_requests_kind` admits `resignation`.
- `resignations` (the last day, the termination reason HR marks) and `handover_items` (交接清单, who ticked each).

On SQLite a CHECK constraint changes only by copying the table, and dropping `staff_requests` while rows of
other tables point at it fails (foreign keys are on), so those rows are set aside during the copy and put back
after it, ids kept (as 0014 does for `users`).

Revision ID: 0023
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0024"
branch_labels = None
depends_on = None

_OLD_KINDS = "kind IN ('leave', 'overtime', 'correction', 'trip')"
_NEW_KINDS = "kind IN ('leave', 'overtime', 'correction', 'trip', 'resignation')"
# Tables whose rows point at staff_requests, children before parents (notification_deliveries point at
# notifications, so they are set aside with them).
_REFERRING = ("notification_deliveries", "notifications", "request_events", "request_attachments", "leave_ledger")


def _kinds(kinds: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table in _REFERRING:
            op.execute(f"CREATE TEMPORARY TABLE _aside_{table} AS SELECT * FROM {table}")
            op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table("staff_requests") as batch:
        batch.drop_constraint("ck_staff_requests_kind", type_="check")
        batch.create_check_constraint("ck_staff_requests_kind", kinds)
    if sqlite:
        for table in reversed(_REFERRING):
            op.execute(f"INSERT INTO {table} SELECT * FROM _aside_{table}")
            op.execute(f"DROP TABLE _aside_{table}")


def upgrade() -> None:
    _kinds(_NEW_KINDS)
    op.create_table(
        "resignations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("staff_requests.id"), nullable=False, unique=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False, index=True),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("termination", sa.String(32), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "handover_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("staff_requests.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(100), nullable=False),
        sa.Column("done_by", sa.String(100), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("request_id", "position", name="uq_handover_items_position"),
    )


def downgrade() -> None:
    op.drop_table("handover_items")
    op.drop_table("resignations")
    gone = "(SELECT id FROM staff_requests WHERE kind = 'resignation')"
    op.execute(
        "DELETE FROM notification_deliveries WHERE notification_id IN "
        f"(SELECT id FROM notifications WHERE request_id IN {gone})"
    )
    for table in ("notifications", "request_events", "request_attachments"):
        op.execute(f"DELETE FROM {table} WHERE request_id IN {gone}")
    op.execute(f"UPDATE leave_ledger SET request_id = NULL WHERE request_id IN {gone}")
    op.execute("DELETE FROM staff_requests WHERE kind = 'resignation'")
    _kinds(_OLD_KINDS)
