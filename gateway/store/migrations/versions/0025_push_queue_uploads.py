"""ADMS receiver state in the database: the push terminals' command queue, refused terminals, INFO answers,
ATTPHOTO photos, OPERLOG/USERINFO lines and the enrolments done at terminals (`gateway.store.push`).

Before this, the queue and the refused terminals lived in the memory of the process serving /iclock:
a restart lost queued commands, and no other process (the CLI's user sync) could queue any.

Revision ID: 0025
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_commands",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_sn", sa.String(64), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="queued"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("return_code", sa.Integer()),
        sa.Column("result", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("done_at", sa.DateTime()),
        sa.CheckConstraint("state IN ('queued', 'sent', 'done', 'failed')", name="ck_push_commands_state"),
    )
    op.create_index("ix_push_commands_device_state", "push_commands", ["device_sn", "state"])
    op.create_table(
        "push_refusals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("serial_number", sa.String(64), nullable=False),
        sa.Column("address", sa.String(45), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("tried", sa.String(200), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.UniqueConstraint("serial_number", "address", "reason", name="uq_push_refusals_key"),
    )
    op.create_table(
        "push_device_info",
        sa.Column("device_sn", sa.String(64), primary_key=True),
        sa.Column("info", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "push_photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_sn", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(100), nullable=False),
        sa.Column("pin", sa.String(32)),
        sa.Column("ts_local", sa.DateTime()),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("device_sn", "file_name", name="uq_push_photos_file"),
    )
    op.create_index("ix_push_photos_punch", "push_photos", ["device_sn", "pin", "ts_local"])
    op.create_table(
        "push_operlog",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_sn", sa.String(64), nullable=False),
        sa.Column("table_name", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("pin", sa.String(32)),
        sa.Column("op_code", sa.Integer()),
        sa.Column("ts_local", sa.DateTime()),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("line_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("device_sn", "line_sha256", name="uq_push_operlog_line"),
    )
    op.create_table(
        "push_enrolments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_sn", sa.String(64), nullable=False),
        sa.Column("pin", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("card", sa.String(32), nullable=False),
        sa.Column("privilege", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("device_sn", "pin", name="uq_push_enrolments_pin"),
    )


def downgrade() -> None:
    op.drop_table("push_enrolments")
    op.drop_table("push_operlog")
    op.drop_index("ix_push_photos_punch", table_name="push_photos")
    op.drop_table("push_photos")
    op.drop_table("push_device_info")
    op.drop_table("push_refusals")
    op.drop_index("ix_push_commands_device_state", table_name="push_commands")
    op.drop_table("push_commands")
