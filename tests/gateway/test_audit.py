"""The audit log is a hash chain: intact chains verify, any edit or deletion is found at its row."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.audit import GENESIS_HASH, append_audit, record_audit, verify_chain
from gateway.store import AuditLog


def fill(factory: sessionmaker[Session], count: int) -> None:
    for n in range(count):
        record_audit(factory, "hr:alice", "badge.add", f"employee:E00{n}", None, {"pin": str(n)})


def test_rows_chain_from_genesis_and_verify(factory: sessionmaker[Session]) -> None:
    fill(factory, 3)
    with factory() as session:
        rows = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        assert [r.prev_hash for r in rows] == [GENESIS_HASH, rows[0].row_hash, rows[1].row_hash]
        first = rows[0]
        content = json.dumps(
            [GENESIS_HASH, first.at.isoformat(), "hr:alice", "badge.add", "employee:E000", "null", '{"pin":"0"}'],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        assert first.row_hash == hashlib.sha256(content.encode()).hexdigest()
        assert verify_chain(session) is None


def test_edited_row_is_the_first_broken_one(factory: sessionmaker[Session]) -> None:
    fill(factory, 4)
    with factory() as session, session.begin():
        session.execute(update(AuditLog).where(AuditLog.id == 2).values(after_json='{"pin":"666"}'))
    with factory() as session:
        assert verify_chain(session) == 2


def test_deleted_row_breaks_the_next_link(factory: sessionmaker[Session]) -> None:
    fill(factory, 4)
    with factory() as session, session.begin():
        session.execute(delete(AuditLog).where(AuditLog.id == 3))
    with factory() as session:
        assert verify_chain(session) == 4


def test_append_in_the_callers_transaction_rolls_back_with_it(factory: sessionmaker[Session]) -> None:
    fill(factory, 1)
    with factory() as session:
        append_audit(session, "admin", "device.delete", "device:SN1", {"sn": "SN1"}, None)
        session.rollback()
    fill(factory, 1)
    with factory() as session:
        assert session.scalars(select(AuditLog.target).order_by(AuditLog.id)).all() == [
            "employee:E000",
            "employee:E000",
        ]
        assert verify_chain(session) is None
