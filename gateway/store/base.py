"""The declarative base every table shares (one metadata, one Alembic history) and the store's clock.

Conventions every table follows:
- Money is `BigInteger` fen; no float column exists.
- `*_at` and `ts_utc` columns are naive UTC; `ts_local` / `*_ts_local` are the device's own naive wall
  clock, kept exactly as read because `(device_sn, pin, ts_local)` is the punch's idempotent key.
- The schema is owned by the Alembic migrations in `gateway/store/migrations`; `upgrade(url)` builds it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def utcnow() -> datetime:
    """Now as the store keeps times: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
