"""Rosters: rotation patterns, crews, crew members and per-date roster cells.

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_patterns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("offices.id"), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("cycle_json", sa.Text(), nullable=False),
        sa.UniqueConstraint("office_id", "code", name="uq_roster_patterns_office_code"),
    )
    op.create_table(
        "crews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("offices.id"), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("pattern_id", sa.Integer(), sa.ForeignKey("roster_patterns.id"), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.UniqueConstraint("office_id", "code", name="uq_crews_office_code"),
    )
    op.create_table(
        "crew_members",
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), primary_key=True),
        sa.Column("crew_id", sa.Integer(), sa.ForeignKey("crews.id"), nullable=False),
    )
    op.create_index("ix_crew_members_crew_id", "crew_members", ["crew_id"])
    op.create_table(
        "roster_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(50), nullable=True),
        sa.UniqueConstraint("employee_id", "day", name="uq_roster_entries_employee_day"),
    )
    op.create_index("ix_roster_entries_day", "roster_entries", ["day"])


def downgrade() -> None:
    op.drop_index("ix_roster_entries_day", "roster_entries")
    op.drop_table("roster_entries")
    op.drop_index("ix_crew_members_crew_id", "crew_members")
    op.drop_table("crew_members")
    op.drop_table("crews")
    op.drop_table("roster_patterns")
