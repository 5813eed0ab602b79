"""The audit log: newest entries first, and a check of its hash chain."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from api.auth import WRITERS, require
from api.db import read
from api.schemas import AuditOut, AuditVerify, BeforeId, PageLimit
from gateway.access.audit import verify_chain
from gateway.access.tokens import Principal
from gateway.store import AuditLog

router = APIRouter(prefix="/audit", tags=["audit"])


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
    """Recompute every row's hash and link; names the first row that was edited or follows a deleted one."""
    with read(request) as session:
        broken = verify_chain(session)
    return AuditVerify(intact=broken is None, first_broken_id=broken)
