"""Terminals the ADMS receiver refused, kept in the database (`push_refusals`) so every process lists them.

One row per (serial number, address, reason): first and last seen, attempts, the operator's detail and
what the terminal last tried (`POST /iclock/cdata table=ATTLOG`). The count and times are decided in the
database (`INSERT … ON CONFLICT DO UPDATE SET attempts = attempts + 1`), so concurrent receivers count
every attempt. At most `MAX_REFUSED` rows are kept: a new one drops the longest-quiet first, so a flood
of made-up serial numbers cannot grow the table without bound. Adding or editing a device forgets its
refusals (`forget_refused`, in the caller's transaction).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import PushRefusal, utcnow

MAX_REFUSED = 1000


def note_refused(
    factory: sessionmaker[Session], serial_number: str, address: str, reason: str, detail: str, tried: str
) -> bool:
    """Record one refused request; True when this (serial, address, reason) is new (log it then, once)."""
    now = utcnow()
    values = {
        "serial_number": serial_number[:64],
        "address": address[:45],
        "reason": reason[:64],
        "detail": detail,
        "tried": tried[:200],
        "first_seen": now,
        "last_seen": now,
        "attempts": 1,
    }
    with factory() as session, session.begin():
        insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
        statement = insert(PushRefusal).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["serial_number", "address", "reason"],
            set_={
                "attempts": PushRefusal.attempts + 1,
                "last_seen": now,
                "detail": statement.excluded.detail,
                "tried": statement.excluded.tried,
            },
        )
        attempts = session.execute(statement.returning(PushRefusal.attempts)).scalar_one()
        if attempts == 1:
            surplus = (session.scalar(select(func.count()).select_from(PushRefusal)) or 0) - MAX_REFUSED
            if surplus > 0:
                oldest = select(PushRefusal.id).order_by(PushRefusal.last_seen, PushRefusal.id).limit(surplus)
                session.execute(delete(PushRefusal).where(PushRefusal.id.in_(oldest.scalar_subquery())))
    return attempts == 1


def list_refused(session: Session) -> list[PushRefusal]:
    order = (PushRefusal.serial_number, PushRefusal.address, PushRefusal.reason)
    return list(session.scalars(select(PushRefusal).order_by(*order)))


def forget_refused(session: Session, serial_number: str) -> None:
    """Drop the refusals of this serial number (its device was just added or its access changed)."""
    session.execute(delete(PushRefusal).where(PushRefusal.serial_number == serial_number))
