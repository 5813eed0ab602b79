"""Personnel changes (转正, 调薪, 调动): the request kind `change` and its new terms.

- `ck_staff_requests_kind` admits `change`.
- `personnel_changes` (keyed by the request: the change type, the new terms as JSON in the dated-terms field
  names, the day they take effect).

As in 0023: on SQLite a CHECK constraint changes only by copying `staff_requests`, so the rows of the tables that
point at it are set aside during the copy and put back after it, ids kept.

Revision ID: 0030
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0028"
branch_labels = None
depends_on = None

_OLD_KINDS = "kind IN ('leave', 'overtime', 'correction', 'trip', 'resignation')"
_NEW_KINDS = "kind IN ('leave', 'overtime', 'correction', 'trip', 'resignation', 'change')"
# Tables whose rows point at staff_requests, children before parents.
_REFERRING = (
    "notification_deliveries",
    "notifications",
    "request_events",
    "request_attachments",
    "leave_ledger",
    "handover_items",
    "resignations",
)


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
        "personnel_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("staff_requests.id"), nullable=False, unique=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False, index=True),
        sa.Column("change_type", sa.String(16), nullable=False),
        sa.Column("terms_json", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.CheckConstraint("change_type IN ('probation', 'raise', 'transfer')", name="ck_personnel_changes_type"),
    )


def downgrade() -> None:
    op.drop_table("personnel_changes")
    gone = "(SELECT id FROM staff_requests WHERE kind = 'change')"
    op.execute(
        "DELETE FROM notification_deliveries WHERE notification_id IN "
        f"(SELECT id FROM notifications WHERE request_id IN {gone})"
    )
    for table in ("notifications", "request_events", "request_attachments"):
        op.execute(f"DELETE FROM {table} WHERE request_id IN {gone}")
    op.execute("DELETE FROM staff_requests WHERE kind = 'change'")
    _kinds(_OLD_KINDS)
