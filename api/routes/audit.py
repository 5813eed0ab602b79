"""The audit log: newest entries first, and a check of its hash chain."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import select

from api.auth import WRITERS, require
from api.db import read
from api.routing import ApiRouter
from api.schemas import AuditFinding, AuditOut, AuditVerify, BeforeId, PageLimit
from gateway.access.tokens import Principal
from gateway.access.verify import verify_all
from gateway.store import AuditLog

router = ApiRouter(prefix="/audit", tags=["audit"])


@router.get("")
def list_audit(
    request: Request,
    _who: Annotated[Principal, require(*WRITERS)],
    target: Annotated[str | None, Query(max_length=255, description="e.g. employee:E001 or device:SN1")] = None,
    limit: PageLimit = 100,
    before_id: BeforeId = None,
) -> list[AuditOut]:
    with read(request) as session:
        query = select(AuditLog)
        if target is not None:
            query = query.where(AuditLog.target == target)
        if before_id is not None:
            query = query.where(AuditLog.id < before_id)
        return [
            AuditOut(
                id=row.id,
                at=row.at,
                actor=row.actor,
                action=row.action,
                target=row.target,
                before=json.loads(row.before_json),
                after=json.loads(row.after_json),
                prev_hash=row.prev_hash,
                row_hash=row.row_hash,
            )
            for row in session.scalars(query.order_by(AuditLog.id.desc()).limit(limit))
        ]


@router.get("/verify")
def verify(request: Request, _who: Annotated[Principal, require(*WRITERS)]) -> AuditVerify:
    """Check the keyed chain, its anchors, every locked pay run and bank account; name each finding."""
    with read(request) as session:
        report = verify_all(session)
    return AuditVerify(
        intact=report.intact,
        first_broken_id=next((f.row_id for f in report.findings if f.row_id is not None), None),
        rows=report.rows,
        head_seq=report.head_seq,
        anchors=report.anchors,
        locked_runs=report.locked_runs,
        bank_accounts=report.bank_accounts,
        findings=[AuditFinding(kind=f.kind, message=f.message, row_id=f.row_id) for f in report.findings],
        notes=list(report.notes),
    )
