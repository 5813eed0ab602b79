"""Locked payslips' JSON documents (`payslip_documents`), served as stored bytes by the API.

One row per locked payslip: the orjson bytes of the document `GET /payslips/{id}` returns. The lock writes
them in its transaction; runs locked before this revision get theirs on first read (no backfill here, so
the migration does not depend on the application's document code). A document is written once: UPDATE
and DELETE are refused by triggers, like the locked run's own rows (a run is never deleted once locked).

Revision ID: 0035
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0033"
branch_labels = None
depends_on = None

_MESSAGE = "a payslip document is written once and never changed"
_TRIGGERS = (("payslip_documents_no_update", "UPDATE"), ("payslip_documents_no_delete", "DELETE"))


def upgrade() -> None:
    op.create_table(
        "payslip_documents",
        sa.Column("payslip_id", sa.Integer(), sa.ForeignKey("payslips.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("document", sa.LargeBinary(), nullable=False),
    )
    for statement in trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def trigger_statements(dialect: str) -> list[str]:
    """The CREATE TRIGGER statements for `dialect` (also what the tests put back after dropping them)."""
    if dialect == "postgresql":  # punchclock_refuse() comes from revision 0005
        return [
            f"CREATE TRIGGER {name} BEFORE {event} ON payslip_documents "
            f"FOR EACH ROW EXECUTE FUNCTION punchclock_refuse('{_MESSAGE}')"
            for name, event in _TRIGGERS
        ]
    return [
        f"CREATE TRIGGER {name} BEFORE {event} ON payslip_documents BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        for name, event in _TRIGGERS
    ]


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, _event in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON payslip_documents" if postgres else f"DROP TRIGGER {name}")
    op.drop_table("payslip_documents")
