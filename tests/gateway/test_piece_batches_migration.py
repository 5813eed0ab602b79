"""Migration 0007 gives every piece import made before batches existed its own batch, so no record is orphaned."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text

from gateway.store import PieceBatch, PieceRecord, make_engine, session_factory, upgrade

FIRST, SECOND = datetime(2026, 4, 1, 8, 0), datetime(2026, 4, 2, 9, 30)
LEGACY = [
    ("march.csv row 2", "2026-03", 300, FIRST),
    ("march.csv row 3", "2026-03", 50, FIRST),
    ("march.csv row 2", "2026-03", 300, SECOND),  # the same file imported twice: two batches, one deletable
    ("april.xlsx row 2", "2026-04", 7, SECOND),
]


def test_each_earlier_import_becomes_a_batch_by_file_name_and_import_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    upgrade(url, "0004")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO employees (code, name, pay_basis, special_deductions_fen) VALUES ('E001', 'W', 'piece', 0)"
            )
        )
        for source, period, qty, at in LEGACY:
            connection.execute(
                text(
                    "INSERT INTO piece_records (employee_id, period, item, qty, rejects, unit_fen, coef_num, coef_den, "
                    "grade_coef, source, imported_at) VALUES (1, :period, 'A', :qty, 0, 1, 1, 1, '1', :source, :at)"
                ),
                {"period": period, "qty": qty, "source": source, "at": at},
            )
    upgrade(url)
    with session_factory(engine)() as session:
        batches = [
            (b.id, b.name, b.sha256, b.periods, b.row_count, b.qty, b.imported_by, b.imported_at)
            for b in session.scalars(select(PieceBatch).order_by(PieceBatch.id))
        ]
        records = [r.batch_id for r in session.scalars(select(PieceRecord).order_by(PieceRecord.id))]
    engine.dispose()
    assert batches == [
        (1, "march.csv", None, "2026-03", 2, 350, "(imported before piece batches)", FIRST),
        (2, "april.xlsx", None, "2026-04", 1, 7, "(imported before piece batches)", SECOND),
        (3, "march.csv", None, "2026-03", 1, 300, "(imported before piece batches)", SECOND),
    ]
    assert records == [1, 1, 3, 2]
