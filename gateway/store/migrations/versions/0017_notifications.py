"""Notifications: the in-app inbox written with each request state change and payslip release, and the channel
deliveries (e-mail, WeCom and DingTalk group robots) the delivery worker makes and sends.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("offices.id"), nullable=True),
        sa.Column("recipient_employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=True),
        sa.Column("recipient_role", sa.String(16), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(255), nullable=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("staff_requests.id"), nullable=True),
        sa.Column("payslip_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("fanned_out_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(recipient_employee_id IS NULL) <> (recipient_role IS NULL)", name="ck_notifications_one_recipient"
        ),
        sa.CheckConstraint("recipient_role IS NULL OR recipient_role = 'hr'", name="ck_notifications_role"),
    )
    op.create_index("ix_notifications_employee", "notifications", ["recipient_employee_id", "read_at", "id"])
    op.create_index("ix_notifications_role", "notifications", ["recipient_role", "read_at", "id"])
    op.create_index(
        "ix_notifications_unfanned",
        "notifications",
        ["id"],
        sqlite_where=sa.text("fanned_out_at IS NULL"),
        postgresql_where=sa.text("fanned_out_at IS NULL"),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notifications.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("notification_id", "channel", name="uq_notification_deliveries_channel"),
        sa.CheckConstraint("channel IN ('email', 'wecom', 'dingtalk')", name="ck_notification_deliveries_channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_notification_deliveries_status"),
    )
    op.create_index("ix_notification_deliveries_due", "notification_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("notification_deliveries")
    op.drop_table("notifications")
