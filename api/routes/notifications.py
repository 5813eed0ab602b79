"""The caller's notifications (in-app inbox) and, for HR and admin, how each channel delivery went.

Employees and managers get the rows addressed to them; HR and admin share the HR team's inbox; a viewer has
none. Someone else's notification is 404, like a missing one. Times are UTC with the offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import EVERYONE, WRITERS, not_found, require
from api.cursor import bad_cursor, decode_cursor, encode_cursor
from api.db import read, write
from api.routing import ApiRouter
from api.schemas import BeforeId, PageLimit, PathId
from gateway.access.tokens import Principal
from gateway.notify import inbox
from gateway.store import Notification

router = ApiRouter(prefix="/notifications", tags=["notifications"])
Kind = Literal[
    "request_submitted", "request_step", "request_approved", "request_rejected", "request_withdrawn",
    "payslip_released",
]  # fmt: skip


class NotificationOut(BaseModel):
    id: int
    kind: Kind
    title: str
    body: str
    link: str | None = Field(description="the web app's route for it, e.g. /my/payslips/7")
    request_id: int | None
    payslip_id: int | None
    created_at: str = Field(description="UTC, ISO with offset")
    read_at: str | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread: int = Field(description="the caller's unread notifications in all")
    next_cursor: str | None


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int = Field(description="notifications marked read by this call")


class DeliveryOut(BaseModel):
    id: int
    notification_id: int
    kind: Kind
    title: str
    office: str | None
    channel: Literal["email", "wecom", "dingtalk"]
    status: Literal["pending", "sent", "failed"]
    attempts: int
    last_error: str | None = Field(description="why the last attempt failed (never a secret)")
    next_attempt_at: str | None = Field(description="pending: when it is tried next (UTC)")
    last_attempt_at: str | None
    sent_at: str | None


def _utc(value: datetime | None) -> str | None:
    return value.replace(tzinfo=UTC).isoformat() if value is not None else None


def _out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id, kind=row.kind, title=row.title, body=row.body, link=row.link,  # type: ignore[arg-type]
        request_id=row.request_id, payslip_id=row.payslip_id, created_at=_utc(row.created_at) or "",
        read_at=_utc(row.read_at),
    )  # fmt: skip


def _reader(who: Principal) -> inbox.Reader:
    return inbox.Reader(who.role, who.employee_id)


def _after(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    read_flag, last_id = decode_cursor(cursor, 2)
    if read_flag not in ("0", "1") or not last_id.isdigit():
        raise bad_cursor(cursor)
    return int(read_flag), int(last_id)


@router.get("")
def list_notifications(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    limit: PageLimit = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")] = None,
    unread_only: bool = False,
) -> NotificationPage:
    """The caller's notifications: unread first, then read, each newest first."""
    reader = _reader(who)
    with read(request) as session:
        rows = inbox.mine(session, reader, limit + 1, _after(cursor), unread_only)
        unread = inbox.unread_count(session, reader)
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(0 if last.read_at is None else 1, last.id) if last is not None else None
    return NotificationPage(items=[_out(r) for r in rows[:limit]], unread=unread, next_cursor=next_cursor)


@router.get("/unread-count")
def unread_count(request: Request, who: Annotated[Principal, require(*EVERYONE)]) -> UnreadOut:
    """How many of the caller's notifications are unread (the bell's number)."""
    with read(request) as session:
        return UnreadOut(unread=inbox.unread_count(session, _reader(who)))


@router.post("/read-all")
def mark_all_read(request: Request, who: Annotated[Principal, require(*EVERYONE)]) -> MarkedOut:
    """Mark every unread notification of the caller read."""
    return MarkedOut(marked=write(request, lambda session: inbox.mark_all_read(session, _reader(who))))


@router.get("/deliveries")
def list_deliveries(
    request: Request,
    who: Annotated[Principal, require(*WRITERS)],
    status: Literal["pending", "sent", "failed"] | None = None,
    channel: Literal["email", "wecom", "dingtalk"] | None = None,
    limit: PageLimit = 100,
    before_id: BeforeId = None,
) -> list[DeliveryOut]:
    """HR and admin: each channel delivery (e-mail, WeCom, DingTalk), newest first, with its status and last error."""
    with read(request) as session:
        rows = inbox.deliveries(session, status, channel, limit, before_id)
    return [
        DeliveryOut.model_validate(
            {
                "id": d.id,
                "notification_id": n.id,
                "kind": n.kind,
                "title": n.title,
                "office": office,
                "channel": d.channel,
                "status": d.status,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "next_attempt_at": _utc(d.next_attempt_at) if d.status == "pending" else None,
                "last_attempt_at": _utc(d.last_attempt_at),
                "sent_at": _utc(d.sent_at),
            }
        )  # fmt: skip
        for d, n, office in rows
    ]


@router.post("/{notification_id}/read")
def mark_read(
    request: Request, who: Annotated[Principal, require(*EVERYONE)], notification_id: PathId
) -> NotificationOut:
    """Mark one of the caller's notifications read (again: no change)."""

    def work(session: Session) -> NotificationOut:
        try:
            return _out(inbox.mark_read(session, _reader(who), notification_id))
        except inbox.NotificationNotFound:
            raise not_found(f"notification {notification_id}") from None

    return write(request, work)
