"""ADMS push access per device, rejected push lines, and piece imports as batches.

- `devices`: `push_key_sha256` (SHA-256 of the push comm key, never the key), `push_allow_from` (JSON
  list of CIDR networks), `push_handshake_from` / `push_handshake_at` (the last handshake with the
  right key: later requests carry no key and must come from that address).
- `push_rejects`: ATTLOG lines no ZKTeco record field can hold, kept aside (UNIQUE per device and line).
- `piece_batches`, and `piece_records.batch_id` (NOT NULL): every upload is a batch with its file's
  SHA-256 (UNIQUE). Records imported before this revision get one batch per earlier import (the file
  name in their `source`, and their common `imported_at`, which one import stamps on all its rows), so
  none is orphaned and a file imported twice shows up as two batches, one of which can be deleted.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LEGACY_IMPORTER = "(imported before piece batches)"
_ROW_SUFFIX = " row "


def upgrade() -> None:
    with op.batch_alter_table("devices") as table:
        table.add_column(sa.Column("push_key_sha256", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("push_allow_from", sa.Text(), nullable=True))
        table.add_column(sa.Column("push_handshake_from", sa.String(length=45), nullable=True))
        table.add_column(sa.Column("push_handshake_at", sa.DateTime(), nullable=True))
    op.create_table(
        "push_rejects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_sn", sa.String(64), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("line_length", sa.Integer(), nullable=False),
        sa.Column("line_sha256", sa.String(64), nullable=False),
        sa.Column("fields", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("device_sn", "line_sha256", name="uq_push_rejects_line"),
    )
    batches = op.create_table(
        "piece_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True, unique=True),
        sa.Column("periods", sa.String(255), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("piece_records") as table:
        table.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
    assert batches is not None
    _batch_earlier_imports(batches)
    with op.batch_alter_table("piece_records") as table:
        table.alter_column("batch_id", existing_type=sa.Integer(), nullable=False)
        table.create_foreign_key("fk_piece_records_batch", "piece_batches", ["batch_id"], ["id"])
        table.create_index("ix_piece_records_batch_id", ["batch_id"])


def _batch_earlier_imports(batches: sa.Table) -> None:
    """One batch per earlier import: records sharing a file name (their `source` less " row N") and an
    `imported_at` came from one upload."""
    connection = op.get_bind()
    records = sa.table(
        "piece_records",
        sa.column("id", sa.Integer()),
        sa.column("source", sa.String()),
        sa.column("period", sa.String()),
        sa.column("qty", sa.BigInteger()),
        sa.column("imported_at", sa.DateTime()),
        sa.column("batch_id", sa.Integer()),
    )
    groups: dict[tuple[str, datetime], list[tuple[int, str, int]]] = defaultdict(list)
    for record_id, source, period, qty, imported_at in connection.execute(
        sa.select(records.c.id, records.c.source, records.c.period, records.c.qty, records.c.imported_at)
    ):
        name = source.rsplit(_ROW_SUFFIX, 1)[0] if _ROW_SUFFIX in source else source
        groups[(name, imported_at)].append((record_id, period, qty))
    for (name, imported_at), rows in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        batch_id = connection.execute(
            batches.insert()
            .values(
                name=name,
                sha256=None,
                periods=",".join(sorted({period for _id, period, _qty in rows})),
                row_count=len(rows),
                qty=sum(qty for _id, _period, qty in rows),
                imported_by=LEGACY_IMPORTER,
                imported_at=imported_at,
            )
            .returning(batches.c.id)
        ).scalar_one()
        ids = [record_id for record_id, _period, _qty in rows]
        for start in range(0, len(ids), 500):
            connection.execute(
                records.update().where(records.c.id.in_(ids[start : start + 500])).values(batch_id=batch_id)
            )


def downgrade() -> None:
    with op.batch_alter_table("piece_records") as table:
        table.drop_index("ix_piece_records_batch_id")
        table.drop_constraint("fk_piece_records_batch", type_="foreignkey")
        table.drop_column("batch_id")
    op.drop_table("piece_batches")
    op.drop_table("push_rejects")
    with op.batch_alter_table("devices") as table:
        for column in ("push_handshake_at", "push_handshake_from", "push_allow_from", "push_key_sha256"):
            table.drop_column(column)
