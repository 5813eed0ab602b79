"""A company-wide badge number belongs to one employee: a partial UNIQUE index on `badges(pin) WHERE device_sn IS
NULL`.

`UNIQUE(pin, device_sn)` does not stop two company-wide badges with one number: NULLs are distinct in a UNIQUE
constraint (SQLite and PostgreSQL alike), so two onboarding approvals at the same moment could both give the
office's next number. Both databases support partial indexes. A database that already holds such duplicates is
refused before any change, with the numbers and their employees named, so HR removes one badge of each first.

Revision ID: 0028
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0022"
branch_labels = None
depends_on = None

_DUPLICATES = sa.text(
    "SELECT b.pin, e.code FROM badges b JOIN employees e ON e.id = b.employee_id "
    "WHERE b.device_sn IS NULL AND b.pin IN "
    "(SELECT pin FROM badges WHERE device_sn IS NULL GROUP BY pin HAVING COUNT(*) > 1) ORDER BY b.pin, e.code"
)


def upgrade() -> None:
    holders: dict[str, list[str]] = {}
    for pin, code in op.get_bind().execute(_DUPLICATES):
        holders.setdefault(pin, []).append(code)
    if holders:
        named = "; ".join(f"pin {pin}: employees {', '.join(codes)}" for pin, codes in holders.items())
        raise RuntimeError(
            f"company-wide badge numbers held by more than one employee ({named}): a punch on such a badge cannot "
            "be told apart. Remove all but one badge of each number (punchclock's employee screen or DELETE "
            "/api/v1/employees/{code}/badges/{id}), then upgrade again; nothing was changed"
        )
    op.create_index(
        "uq_badges_company_pin",
        "badges",
        ["pin"],
        unique=True,
        sqlite_where=sa.text("device_sn IS NULL"),
        postgresql_where=sa.text("device_sn IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_badges_company_pin", table_name="badges")
