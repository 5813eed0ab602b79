"""ATTLOG lines no ZKTeco record field can hold (`drivers.zk_push.RejectedLine`), kept aside exactly once.

The receiver stores them before the batch's punches and acknowledges the batch only after both, so a
batch re-sent after a crash adds nothing: `(device_sn, line_sha256)` is UNIQUE and the insert is
`ON CONFLICT DO NOTHING`, like the punches' own key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from drivers.zk_push import RejectedLine
from gateway.store import PushReject


def keep_rejected(
    factory: sessionmaker[Session], device_sn: str, rejected: Sequence[RejectedLine], received_at: datetime
) -> int:
    """Store the lines not stored yet, in one transaction; returns how many were new."""
    rows = [
        {
            "device_sn": device_sn,
            "line_number": r.line_number,
            "line": r.line[: PushReject.LINE_KEPT],
            "line_length": len(r.line),
            "line_sha256": hashlib.sha256(r.line.encode("utf-8", "surrogatepass")).hexdigest(),
            "fields": r.fields[:64],
            "reason": r.reason,
            "received_at": received_at,
        }
        for r in rejected
    ]
    with factory() as session, session.begin():
        insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
        statement = insert(PushReject).on_conflict_do_nothing(index_elements=["device_sn", "line_sha256"])
        return len(session.execute(statement.returning(PushReject.id), rows).all())


def list_rejected(session: Session, device_sn: str | None, limit: int, before_id: int | None) -> list[PushReject]:
    """Newest first; `device_sn` limits to one terminal, `before_id` pages further back."""
    query = select(PushReject).order_by(PushReject.id.desc()).limit(limit)
    if device_sn is not None:
        query = query.where(PushReject.device_sn == device_sn)
    if before_id is not None:
        query = query.where(PushReject.id < before_id)
    return list(session.scalars(query))
