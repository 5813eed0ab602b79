"""Quarantine: stored punches that cannot count yet (unknown pin), and dismissing the ones that never will.

The usual fix is mapping the pin to an employee (`POST /employees/{code}/badges`), which resolves its
quarantined punches; dismissing is for punches nobody owns (a test tap, a visitor card), with a reason.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.auth import READERS, WRITERS, require
from api.db import read, write
from api.errors import Conflict, NotFound
from api.routes.punches import punch_out
from api.schemas import DismissIn, PageLimit, PageOffset, PathId, QuarantineOut, QuarantinePage, QuarantineState
from gateway.access.audit import append_audit
from gateway.access.tokens import Principal
from gateway.store import Employee, Punch, Quarantine, utcnow

router = APIRouter(prefix="/quarantine", tags=["quarantine"])


def _out(entry: Quarantine, punch: Punch, employee_code: str | None) -> QuarantineOut:
    state: QuarantineState = (
        "open" if entry.resolved_at is None else "mapped" if punch.employee_id is not None else "dismissed"
    )
    return QuarantineOut(
        id=entry.id,
        state=state,
        reason=entry.reason,
        created_at=entry.created_at,
        resolved_at=entry.resolved_at,
        punch=punch_out(punch, employee_code),
    )


def _joined() -> Select[Quarantine, Punch, str]:
    return (
        select(Quarantine, Punch, Employee.code)
        .join(Punch, Quarantine.punch_id == Punch.id)
        .outerjoin(Employee, Punch.employee_id == Employee.id)
    )


@router.get("")
def list_quarantine(
    request: Request,
    _who: Annotated[Principal, require(*READERS)],
    state: Annotated[Literal["open", "resolved", "all"], Query()] = "open",
    device: Annotated[str | None, Query(max_length=64, description="terminal serial number")] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> QuarantinePage:
    """Quarantined punches, oldest first (open ones by default)."""
    with read(request) as session:
        query = _joined()
        if state != "all":
            query = query.where(
                Quarantine.resolved_at.is_(None) if state == "open" else Quarantine.resolved_at.is_not(None)
            )
        if device is not None:
            query = query.where(Punch.device_sn == device)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(query.order_by(Quarantine.id).limit(limit).offset(offset)).all()
        return QuarantinePage(items=[_out(*row) for row in rows], total=total)


@router.post("/{entry_id}/dismiss")
def dismiss(
    request: Request, entry_id: PathId, body: DismissIn, who: Annotated[Principal, require(*WRITERS)]
) -> QuarantineOut:
    """Close an open entry whose punch belongs to nobody; the punch stays in the raw log, unattributed."""

    def work(session: Session) -> QuarantineOut:
        row = session.execute(_joined().where(Quarantine.id == entry_id)).first()
        if row is None:
            raise NotFound(f"no quarantine entry with id {entry_id}")
        entry, punch, code = row
        if entry.resolved_at is not None:
            raise Conflict(f"quarantine entry {entry_id} was already resolved at {entry.resolved_at.isoformat()}Z")
        entry.resolved_at = utcnow()
        append_audit(
            session,
            who.actor,
            "quarantine.dismiss",
            f"punch:{punch.id}",
            {"reason": entry.reason},
            {"dismissed_because": body.reason},
        )
        return _out(entry, punch, code)

    return write(request, work)
