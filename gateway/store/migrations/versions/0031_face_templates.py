"""Face templates per employee, BIODATA type, No and Index, sealed (`face_templates`), for face copy.

Revision ID: 0031
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "face_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("bio_type", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Integer(), nullable=False),
        sa.Column("duress", sa.Integer(), nullable=False),
        sa.Column("major_ver", sa.String(16), nullable=False),
        sa.Column("minor_ver", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("source_device_sn", sa.String(64), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("employee_id", "bio_type", "no", "index", name="uq_face_templates_employee_type_no_index"),
    )


def downgrade() -> None:
    op.drop_table("face_templates")
