"""Quarantine: stored punches that cannot count yet (unknown pin), and dismissing the ones that never will.

The usual fix is mapping the pin to an employee (`POST /employees/{code}/badges`, or many at once with
`POST /quarantine/badges/map` from the listing grouped by badge, `GET /quarantine/badges`), which resolves
its quarantined punches; dismissing is for punches nobody owns (a test tap, a visitor card), with a reason.
Both listings page by cursor (`next_cursor` → `cursor`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.auth import READERS, WRITERS, require
from api.cursor import bad_cursor, decode_cursor, encode_cursor
from api.db import read, write
from api.errors import Conflict, NotFound, Unprocessable
from api.routes.punches import punch_out
from api.routing import ApiRouter
from api.schemas import (
    Code,
    DismissIn,
    PageLimit,
    PageOffset,
    PathId,
    Pin,
    QuarantineOut,
    QuarantinePage,
    QuarantineState,
    Serial,
    UtcOut,
    _In,
)
from gateway.access.audit import append_audit
from gateway.access.tokens import Principal
from gateway.devices.quarantine import QuarantineFilter, badge_groups
from gateway.inputs import MAX_ID
from gateway.people.badges import BadgeMapError, BadgeRequest, map_badges
from gateway.store import Employee, Punch, Quarantine, utcnow

router = ApiRouter(prefix="/quarantine", tags=["quarantine"])
Cursor = Annotated[str | None, Query(max_length=400, description="next_cursor of the previous page")]


class BadgeGroupOut(BaseModel):
    """Quarantined punches of one badge number on one terminal."""

    pin: str
    device_sn: str
    device: str | None = Field(description="the terminal's name; null for a serial number no device has")
    office: str | None
    punches: int
    first_seen_at: UtcOut
    last_seen_at: UtcOut
    first_seen_local: datetime | None = Field(description="first_seen_at in the terminal's office time, with offset")
    last_seen_local: datetime | None
    sample_punch_id: int = Field(description="one of the punches (GET /punches/{id})")


class BadgeGroupPage(BaseModel):
    items: list[BadgeGroupOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class BadgeMapItem(_In):
    pin: Pin
    device_sn: Serial | None = Field(description="a badge for this terminal only; null: company-wide")
    employee: Code


class BadgeMapIn(_In):
    items: Annotated[list[BadgeMapItem], Field(min_length=1, max_length=500)]


class BadgeMappedOut(BaseModel):
    pin: str
    device_sn: str | None
    employee: str
    badge_id: int
    remapped_punches: int = Field(description="quarantined punches of this badge now given to the employee")


class BadgeMapOut(BaseModel):
    items: list[BadgeMappedOut]
    remapped_punches: int


def _after_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    [text] = decode_cursor(cursor, 1)
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise bad_cursor(cursor)
    return int(text)


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
    cursor: Cursor = None,
) -> QuarantinePage:
    """Quarantined punches, oldest first (open ones by default), `total` in all; page with `cursor`."""
    after = _after_id(cursor)
    with read(request) as session:
        query = _joined()
        if state != "all":
            query = query.where(
                Quarantine.resolved_at.is_(None) if state == "open" else Quarantine.resolved_at.is_not(None)
            )
        if device is not None:
            query = query.where(Punch.device_sn == device)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if after is not None:
            query = query.where(Quarantine.id > after)
        rows = session.execute(query.order_by(Quarantine.id).limit(limit + 1).offset(offset)).all()
        return QuarantinePage(
            items=[_out(*row) for row in rows[:limit]],
            total=total,
            next_cursor=encode_cursor(rows[limit - 1][0].id) if len(rows) > limit else None,
        )


@router.get("/badges")
def list_badge_groups(
    request: Request,
    _who: Annotated[Principal, require(*READERS)],
    state: Annotated[QuarantineFilter, Query()] = "open",
    limit: PageLimit = 100,
    cursor: Cursor = None,
) -> BadgeGroupPage:
    """Quarantined punches grouped by badge number and terminal, by pin: map each group with one
    `POST /quarantine/badges/map` item."""
    after = None
    if cursor is not None:
        pin, sn = decode_cursor(cursor, 2)
        after = (pin, sn)  # any text is a valid position: no badge has to hold it
    with read(request) as session:
        groups = badge_groups(session, state, after, limit + 1)
    items = [
        BadgeGroupOut(
            pin=g.pin,
            device_sn=g.device_sn,
            device=g.device,
            office=g.office,
            punches=g.punches,
            first_seen_at=g.first_seen_utc,
            last_seen_at=g.last_seen_utc,
            first_seen_local=g.local(g.first_seen_utc),
            last_seen_local=g.local(g.last_seen_utc),
            sample_punch_id=g.sample_punch_id,
        )
        for g in groups[:limit]
    ]
    last = groups[limit - 1] if len(groups) > limit else None
    return BadgeGroupPage(items=items, next_cursor=encode_cursor(last.pin, last.device_sn) if last else None)


@router.post("/badges/map")
def map_badge_groups(request: Request, body: BadgeMapIn, who: Annotated[Principal, require(*WRITERS)]) -> BadgeMapOut:
    """Give each badge to its employee (a badge on that terminal, or company-wide when device_sn is null) and
    re-map its quarantined punches, as `POST /employees/{code}/badges` does; all items or none (422 listing
    every item that cannot be mapped), each audited as `badge.add`."""
    requests = [BadgeRequest(item.pin, item.device_sn, item.employee) for item in body.items]

    def work(session: Session) -> BadgeMapOut:
        try:
            added = map_badges(session, requests, who.actor)
        except BadgeMapError as error:
            raise Unprocessable(
                f"no badge mapped: {len(error.problems)} of {len(requests)} item(s) cannot be; fix them and send "
                "the whole list again",
                extra={"errors": error.problems},
            ) from None
        items = [
            BadgeMappedOut(
                pin=r.pin, device_sn=r.device_sn, employee=r.employee, badge_id=a.badge.id, remapped_punches=a.remapped
            )
            for r, a in zip(requests, added, strict=True)
        ]
        return BadgeMapOut(items=items, remapped_punches=sum(a.remapped for a in added))

    return write(request, work)


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
