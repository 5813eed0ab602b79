"""Tables of the work punchclock does on terminals: who is talking to a terminal now (`device_leases`).

A lease row exists while one process holds a terminal for an operation (a poll, a user sync); its
`expires_at` is pushed forward by the holder while it works, so a holder that died frees the terminal
once the lease runs out, without anyone clearing a row by hand (`gateway.devices.lease`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
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


class DeviceUser(Base):
    """A badge punchclock wrote to a terminal (user sync, `gateway.devices.user_sync`), and when it was
    removed again: `removed_at` set = the badge's access on that terminal was revoked (`removal_reason`
    `left`, `badge_removed` or `unknown`). What an ADMS terminal holds is known only from these rows."""

    __tablename__ = "device_users"
    __table_args__ = (UniqueConstraint("device_id", "pin", name="uq_device_users_device_pin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    pin: Mapped[str] = mapped_column(String(32))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    name: Mapped[str] = mapped_column(String(100), default="")
    card: Mapped[int] = mapped_column(BigInteger, default=0)
    privilege: Mapped[int] = mapped_column(Integer, default=0)
    written_at: Mapped[datetime] = mapped_column(DateTime)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removal_reason: Mapped[str | None] = mapped_column(String(32))
