"""Tables of the work punchclock does on terminals: who is talking to a terminal now (`device_leases`).

A lease row exists while one process holds a terminal for an operation (a poll, a user sync); its
`expires_at` is pushed forward by the holder while it works, so a holder that died frees the terminal
once the lease runs out, without anyone clearing a row by hand (`gateway.devices.lease`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base


class DeviceLease(Base):
    """One terminal held by one operation of one process until `expires_at` (naive UTC)."""

    __tablename__ = "device_leases"

    device_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))  # random per acquisition: only its holder renews or releases
    operation: Mapped[str] = mapped_column(String(32))
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
