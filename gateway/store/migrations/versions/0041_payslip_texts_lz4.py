"""PostgreSQL: the payslips' JSON texts and documents compressed with LZ4 instead of pglz.

Every payslip holds four JSON texts (figures, inputs, attendance, lines: about 5 KB) and its locked document
(about 5.5 KB); PostgreSQL compresses values that make a row longer than 2 KB. With the default pglz, compressing
a 100,000-employee run's texts took the server about 1.7 s of CPU for the payslips and as much again for the
documents; LZ4 halves that at nearly the same size (measured: 100,000 payslips' texts copied in 3.63 s with pglz,
1.94 s with LZ4; 437 MB against 452 MB; read back alike). Values stored before keep their compression and read as
before; only new values use LZ4.

Only where the server was built with LZ4 (it lists `lz4` among `default_toast_compression`'s values, as Debian's
and the official images do); elsewhere, and on SQLite, nothing changes.

Revision ID: 0041
Revises: 0040
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("payslips", "figures_json"),
    ("payslips", "inputs_json"),
    ("payslips", "attendance_json"),
    ("payslips", "lines_json"),
    ("payslip_documents", "document"),
)


def _set(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    methods = bind.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar_one()
    if "lz4" not in methods:
        return
    for table, column in _COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("default")
