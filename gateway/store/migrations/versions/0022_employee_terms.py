"""Dated employee terms: each change of salary, pay basis, office, department, shift, SI city and base, special
deductions or employing entity is a row "from this day on", never an overwrite (`gateway.people.employee_terms`).

Every existing employee gets an opening row with their current terms, from `hired_on` (or 2000-01-01 when the
hiring day is not known), so the history starts with what the `employees` row held.

Revision ID: 0022
Revises: 0013
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0029"
branch_labels = None
depends_on = None

_OPENING = date(2000, 1, 1)


def upgrade() -> None:
    terms = op.create_table(
        "employee_terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), sa.ForeignKey("employee_terms.id"), unique=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_employee_terms_employee", "employee_terms", ["employee_id", "effective_from", "id"])
    bind = op.get_bind()
    offices: dict[int, str] = {row.id: row.name for row in bind.execute(sa.text("SELECT id, name FROM offices"))}
    rows = bind.execute(
        sa.text(
            "SELECT id, hired_on, pay_basis, monthly_salary_fen, hourly_rate_fen, office_id, shift_rule, si_city, "
            "special_deductions_fen FROM employees"
        )
    ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    opening = []
    for row in rows:
        hired = row.hired_on
        if isinstance(hired, str):  # SQLite hands a Date column back as text in a raw query
            hired = date.fromisoformat(hired)
        values = {
            "pay_basis": row.pay_basis,
            "monthly_salary_fen": row.monthly_salary_fen,
            "hourly_rate_fen": row.hourly_rate_fen,
            "office": offices.get(row.office_id),
            "shift_rule": row.shift_rule,
            "si_city": row.si_city,
            "si_base_fen": None,
            "special_deductions_fen": row.special_deductions_fen,
            "entity": None,
        }
        opening.append(
            {
                "employee_id": row.id,
                "effective_from": hired or _OPENING,
                "values_json": json.dumps(values, ensure_ascii=False, sort_keys=True),
                "reason": "terms held before dated records (migration 0022)",
                "corrects_id": None,
                "created_by": "migration 0022",
                "created_at": now,
            }
        )
    if opening:
        op.bulk_insert(terms, opening)


def downgrade() -> None:
    op.drop_index("ix_employee_terms_employee", table_name="employee_terms")
    op.drop_table("employee_terms")
