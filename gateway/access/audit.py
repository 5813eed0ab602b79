"""Append-only, hash-chained audit log.

Row n stores `prev_hash` = row n-1's `row_hash` and `row_hash` = SHA-256 over its own content and
`prev_hash`, so editing or deleting any row breaks every later link and `verify_chain` finds the
first broken row. `prev_hash` is UNIQUE, so two concurrent appenders cannot both extend the same row:
the loser's commit fails with IntegrityError and `record_audit` retries it on a fresh chain head.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import AuditLog

GENESIS_HASH = "0" * 64
_APPEND_ATTEMPTS = 10


def _canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces, so the same content always hashes the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _row_hash(prev_hash: str, at: datetime, actor: str, action: str, target: str, before: str, after: str) -> str:
    content = _canonical([prev_hash, at.isoformat(), actor, action, target, before, after])
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def append_audit(session: Session, actor: str, action: str, target: str, before: Any, after: Any) -> AuditLog:
    """Add one audit row to `session` (the caller commits, together with the change it records)."""
    head = session.scalar(select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1))
    prev_hash = head or GENESIS_HASH
    at = datetime.now(UTC).replace(tzinfo=None)
    before_json, after_json = _canonical(before), _canonical(after)
    row = AuditLog(
        at=at,
        actor=actor,
        action=action,
        target=target,
        before_json=before_json,
        after_json=after_json,
        prev_hash=prev_hash,
        row_hash=_row_hash(prev_hash, at, actor, action, target, before_json, after_json),
    )
    session.add(row)
    session.flush()
    return row


def record_audit(factory: sessionmaker[Session], actor: str, action: str, target: str, before: Any, after: Any) -> None:
    """Append and commit one audit row on its own, retrying when a concurrent writer took the chain head."""
    for attempt in range(_APPEND_ATTEMPTS):
        with factory() as session:
            try:
                append_audit(session, actor, action, target, before, after)
                session.commit()
                return
            except IntegrityError:
                session.rollback()
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise


def verify_chain(session: Session) -> int | None:
    """The id of the first row whose link or content does not check out, or None when the chain is intact."""
    expected_prev = GENESIS_HASH
    for row in session.scalars(select(AuditLog).order_by(AuditLog.id)).yield_per(1000):
        recomputed = _row_hash(
            row.prev_hash, row.at, row.actor, row.action, row.target, row.before_json, row.after_json
        )
        if row.prev_hash != expected_prev or row.row_hash != recomputed:
            return row.id
        expected_prev = row.row_hash
    return None
