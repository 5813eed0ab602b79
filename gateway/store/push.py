"""Tables of the ADMS receiver (`/iclock`) that every process and a restart must see.

- `push_commands`: the command queue of push terminals. A row is `queued` until a getrequest poll hands
  it over (`sent`, in the same transaction that chose it), then `done` (Return=0) or `failed` (any other
  Return, or no answer after `[push] max_sends` hand-overs). `attempts` counts hand-overs.
- `push_refusals`: terminals the receiver refused (an unknown serial number, an address outside
  `allow_from`, a missing or wrong key), one row per (serial number, address, reason).
- `push_device_info`: what a terminal answered to the `INFO` command (`key=value` lines, as JSON).
- `push_photos`: ATTPHOTO uploads (the JPEG bytes), found by (device_sn, pin, ts_local) like the punch.
- `push_operlog`: OPERLOG/USERINFO lines as received (OPLOG operation records, USER/FP lines), once each.
- `push_enrolments`: users enrolled or changed at a terminal (USER lines), the latest per (device_sn, pin).

`device_sn` is the serial number as pushed (no foreign key: rows stay readable if a device is removed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base

COMMAND_STATES = ("queued", "sent", "done", "failed")


class PushCommand(Base):
    """One command for one push terminal, from queued to its result."""

    __tablename__ = "push_commands"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sent', 'done', 'failed')", name="ck_push_commands_state"),
        Index("ix_push_commands_device_state", "device_sn", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_sn: Mapped[str] = mapped_column(String(64))
    command: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    return_code: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)  # the lines the terminal sent after its ID=…&Return=… line
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)


class PushRefusal(Base):
    """A terminal the receiver refused, per serial number, address and reason (`gateway.access.push_auth`)."""

    __tablename__ = "push_refusals"
    __table_args__ = (UniqueConstraint("serial_number", "address", "reason", name="uq_push_refusals_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(45))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    tried: Mapped[str] = mapped_column(String(200))  # its last request, e.g. "POST /iclock/cdata table=ATTLOG"
    first_seen: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class PushDeviceInfo(Base):
    """A terminal's answer to `INFO`: its `key=value` lines as a JSON object, and when it came."""

    __tablename__ = "push_device_info"

    device_sn: Mapped[str] = mapped_column(String(64), primary_key=True)
    info: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(DateTime)


class PushPhoto(Base):
    """An ATTPHOTO upload: the photo the terminal took at a punch; `(device_sn, file_name)` is UNIQUE (a
    re-sent upload adds nothing). `pin` and `ts_local` come from the file name `YYYYMMDDHHMMSS-PIN.jpg`."""

    __tablename__ = "push_photos"
    __table_args__ = (
        UniqueConstraint("device_sn", "file_name", name="uq_push_photos_file"),
        Index("ix_push_photos_punch", "device_sn", "pin", "ts_local"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_sn: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(100))
    pin: Mapped[str | None] = mapped_column(String(32))
    ts_local: Mapped[datetime | None] = mapped_column(DateTime)
    size: Mapped[int] = mapped_column(Integer)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class PushOperLog(Base):
    """One OPERLOG or USERINFO line as received; `(device_sn, line_sha256)` is UNIQUE, so a re-sent upload
    adds nothing. `kind` is the line's first word (`OPLOG`, `USER`, `FP`, …), `pin` and `ts_local` are set
    where the line names them."""

    __tablename__ = "push_operlog"
    __table_args__ = (UniqueConstraint("device_sn", "line_sha256", name="uq_push_operlog_line"),)
    LINE_KEPT = 1000

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_sn: Mapped[str] = mapped_column(String(64))
    table_name: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    pin: Mapped[str | None] = mapped_column(String(32))
    op_code: Mapped[int | None] = mapped_column(Integer)
    ts_local: Mapped[datetime | None] = mapped_column(DateTime)
    line: Mapped[str] = mapped_column(Text)
    line_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime)


class PushEnrolment(Base):
    """A user as a terminal reported enrolling or changing them (a USER line): the latest per terminal and pin."""

    __tablename__ = "push_enrolments"
    __table_args__ = (UniqueConstraint("device_sn", "pin", name="uq_push_enrolments_pin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_sn: Mapped[str] = mapped_column(String(64))
    pin: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    card: Mapped[str] = mapped_column(String(32))  # as the terminal wrote it
    privilege: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # OPERLOG | USERINFO
    first_seen: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)
