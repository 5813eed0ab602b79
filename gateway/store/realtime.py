"""The live event connection of each `realtime = true` terminal, as its listener last reported it.

One row per terminal name (`gateway.devices.realtime` writes it; `GET /devices` reads it), so any process
serving the API shows the link of the process that listens. `checked_at` is the listener's heartbeat: a
row it stopped refreshing belongs to a listener that is gone (the serve process stopped).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base


class RealtimeLink(Base):
    """State "up" (registered for events) or "down" (reconnecting: `error` says why) since `since`."""

    __tablename__ = "realtime_links"

    device_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(8))
    since: Mapped[datetime] = mapped_column(DateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime)
