"""The quarantine seen by badge: one group per (pin, terminal) of quarantined punches, for mapping in one go.

Unknown badges arrive by the hundred when a terminal is connected before its badges are entered; HR maps
each pin once (`gateway.people.badges`), so the listing groups the punches by pin and terminal with their
count, first and last time (UTC and the terminal's office time) and one punch to look at. Groups are
ordered by (pin, device serial) and paged by that key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gateway.store import Device, Office, Punch, Quarantine

QuarantineFilter = Literal["open", "resolved", "all"]


@dataclass(frozen=True)
class BadgeGroup:
    pin: str
    device_sn: str
    device: str | None  # the terminal's name; None for a serial no device row has
    office: str | None
    timezone: str | None
    punches: int
    first_seen_utc: datetime  # naive UTC, as stored
    last_seen_utc: datetime
    sample_punch_id: int

    def local(self, utc: datetime) -> datetime | None:
        """`utc` in the terminal's office time (with its offset), or None when the office is unknown."""
        return None if self.timezone is None else utc.replace(tzinfo=UTC).astimezone(ZoneInfo(self.timezone))


def badge_groups(
    session: Session, state: QuarantineFilter, after: tuple[str, str] | None, limit: int
) -> list[BadgeGroup]:
    """Up to `limit` groups of quarantined punches in `state`, after the (pin, device_sn) key `after`."""
    query = select(
        Punch.pin, Punch.device_sn, func.count(), func.min(Punch.ts_utc), func.max(Punch.ts_utc), func.min(Punch.id)
    ).join(Quarantine, Quarantine.punch_id == Punch.id)
    if state != "all":
        query = query.where(
            Quarantine.resolved_at.is_(None) if state == "open" else Quarantine.resolved_at.is_not(None)
        )
    if after is not None:
        pin, sn = after
        query = query.where(or_(Punch.pin > pin, and_(Punch.pin == pin, Punch.device_sn > sn)))
    rows = session.execute(
        query.group_by(Punch.pin, Punch.device_sn).order_by(Punch.pin, Punch.device_sn).limit(limit)
    ).all()
    terminals: dict[str | None, tuple[str | None, str | None, str | None]] = {
        sn: (name, office, zone)
        for sn, name, office, zone in session.execute(
            select(Device.sn, Device.name, Office.name, Office.timezone)
            .outerjoin(Office, Device.office_id == Office.id)
            .where(Device.sn.in_({row[1] for row in rows}))
        ).all()
    }
    groups = []
    for pin, sn, count, first, last, sample in rows:
        name, office, zone = terminals.get(sn, (None, None, None))
        groups.append(BadgeGroup(pin, sn, name, office, zone, count, first, last, sample))
    return groups
