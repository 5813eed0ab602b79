"""What a reader sees of the notifications: their own (unread first, newest first), marking them read, and —
for HR — each delivery's status per channel.

"Their own": an employee's or a manager's are the rows addressed to their employee id; HR's and admins' are
the HR team's shared inbox (`recipient_role = 'hr'`), so one of them reading a row reads it for all; a viewer
has none. A row that is not the caller's is the same "does not exist" as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select, update
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.notify.outbox import HR
from gateway.store import Notification, NotificationDelivery, Office, utcnow

HR_ROLES = ("hr", "admin")


class NotificationNotFound(GatewayError):
    """No such notification, or not the caller's (the same answer)."""


@dataclass(frozen=True)
class Reader:
    role: str
    employee_id: int | None


def _mine(reader: Reader) -> ColumnElement[bool]:
    if reader.employee_id is not None:
        return Notification.recipient_employee_id == reader.employee_id
    if reader.role in HR_ROLES:
        return Notification.recipient_role == HR
    return false()


_IS_READ = case((Notification.read_at.is_(None), 0), else_=1)


def mine(
    session: Session, reader: Reader, limit: int, after: tuple[int, int] | None = None, unread_only: bool = False
) -> list[Notification]:
    """A page of the reader's notifications, unread first, each group newest first; `after` = (read, id) of the
    previous page's last row (0 unread, 1 read)."""
    query = select(Notification).where(_mine(reader))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if after is not None:
        read, last_id = after
        query = query.where(or_(literal(read) < _IS_READ, and_(literal(read) == _IS_READ, Notification.id < last_id)))
    return list(session.scalars(query.order_by(_IS_READ, Notification.id.desc()).limit(limit)))


def unread_count(session: Session, reader: Reader) -> int:
    query = select(func.count()).select_from(Notification).where(_mine(reader), Notification.read_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_read(session: Session, reader: Reader, notification_id: int, now: datetime | None = None) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or not session.scalar(select(_mine(reader)).where(Notification.id == notification_id)):
        raise NotificationNotFound(f"notification {notification_id} does not exist")
    if row.read_at is None:
        row.read_at = now or utcnow()
        session.flush()
    return row


def mark_all_read(session: Session, reader: Reader, now: datetime | None = None) -> int:
    done = session.execute(
        update(Notification)
        .where(_mine(reader), Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def deliveries(
    session: Session, status: str | None, channel: str | None, limit: int, before_id: int | None
) -> list[tuple[NotificationDelivery, Notification, str | None]]:
    """HR's view: deliveries newest first with their notification and office name (filters optional)."""
    query = (
        select(NotificationDelivery, Notification, Office.name)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .outerjoin(Office, Office.id == Notification.office_id)
    )
    if status is not None:
        query = query.where(NotificationDelivery.status == status)
    if channel is not None:
        query = query.where(NotificationDelivery.channel == channel)
    if before_id is not None:
        query = query.where(NotificationDelivery.id < before_id)
    rows = session.execute(query.order_by(NotificationDelivery.id.desc()).limit(limit)).all()
    return [(d, n, office) for d, n, office in rows]
