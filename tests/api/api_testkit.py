"""Helpers shared by the API tests (conftest puts this folder on sys.path)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import AuditLog


def audit_rows(factory: sessionmaker[Session]) -> list[tuple[str, str, str, object, object]]:
    """(actor, action, target, before, after) of every audit row, oldest first."""
    with factory() as session:
        return [
            (r.actor, r.action, r.target, json.loads(r.before_json), json.loads(r.after_json))
            for r in session.scalars(select(AuditLog).order_by(AuditLog.id))
        ]
