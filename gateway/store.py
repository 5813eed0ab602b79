"""The gateway's SQL store: SQLAlchemy 2 models, engine and session helpers, and `upgrade` (Alembic).

Conventions every table follows:
- Money is `BigInteger` fen; no float column exists.
- `*_at` and `ts_utc` columns are naive UTC; `ts_local` / `*_ts_local` are the device's own naive wall
  clock, kept exactly as read because `(device_sn, pin, ts_local)` is the punch's idempotent key.
- The schema is owned by the Alembic migrations in `gateway/migrations`; `upgrade(url)` builds it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker, Session

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class PunchFlag(enum.IntFlag):
    """Why a stored punch deserves a second look (stored as an integer bit set in `Punch.flags`)."""

    NONE = 0
    FUTURE = 1  # later than the device's own clock allows (beyond the tolerance)
    BEFORE_FIRST_RECORD = 2  # earlier than the first record this device ever gave us (clock reset?)
    DST_AMBIGUOUS = 4  # local time occurs twice (DST fall-back); the first occurrence was taken
    DST_GAP = 8  # local time does not exist (DST spring-forward); read with the pre-transition offset


class Base(DeclarativeBase):
    pass


class Office(Base):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    city: Mapped[str] = mapped_column(String(64))
    double_punch_window_s: Mapped[int] = mapped_column(Integer, default=60)
    shift_rule: Mapped[str] = mapped_column(String(100), default="standard")


class Device(Base):
    """A terminal: its identity from config (`name`) and from the device (`sn`), plus its health."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    sn: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int] = mapped_column(Integer, default=0)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    model: Mapped[str] = mapped_column(String(100), default="")
    firmware: Mapped[str] = mapped_column(String(100), default="")
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    clock_offset_s: Mapped[int | None] = mapped_column(Integer)
    record_count: Mapped[int | None] = mapped_column(Integer)
    record_capacity: Mapped[int | None] = mapped_column(Integer)
    user_count: Mapped[int | None] = mapped_column(Integer)
    first_record_ts_local: Mapped[datetime | None] = mapped_column(DateTime)
    watermark_ts_local: Mapped[datetime | None] = mapped_column(DateTime)
    push_stamp: Mapped[str | None] = mapped_column(String(32))


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("pay_basis IN ('monthly', 'hourly', 'piece')", name="ck_employees_pay_basis"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    pay_basis: Mapped[str] = mapped_column(String(16), default="monthly")
    monthly_salary_fen: Mapped[int | None] = mapped_column(BigInteger)
    hourly_rate_fen: Mapped[int | None] = mapped_column(BigInteger)
    hired_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    si_city: Mapped[str | None] = mapped_column(String(64))
    special_deductions_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # The employee's own shift: "SHIFT" of the office's rule file or "RULES/SHIFT"; NULL = the office's
    # shift_rule. Lets day and night workers share one office (resolved in gateway.attendance).
    shift_rule: Mapped[str | None] = mapped_column(String(100))


class Badge(Base):
    """Badge pin → employee; `device_sn` set = valid on that terminal only, NULL = company-wide."""

    __tablename__ = "badges"
    __table_args__ = (UniqueConstraint("pin", "device_sn", name="uq_badges_pin_device"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pin: Mapped[str] = mapped_column(String(32))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    device_sn: Mapped[str | None] = mapped_column(String(64))


class Punch(Base):
    """One raw punch, never edited after insert (corrections live elsewhere, with a reason)."""

    __tablename__ = "punches"
    # Column order (device_sn, ts_local, pin) lets the same unique index serve the per-device time
    # range scans of ingest and verification; uniqueness itself does not depend on the order.
    __table_args__ = (
        UniqueConstraint("device_sn", "ts_local", "pin", name="uq_punches_key"),
        Index("ix_punches_employee_ts", "employee_id", "ts_utc"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_sn: Mapped[str] = mapped_column(String(64))
    pin: Mapped[str] = mapped_column(String(32))
    ts_local: Mapped[datetime] = mapped_column(DateTime)
    ts_utc: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[int] = mapped_column(Integer, default=0)
    punch_state: Mapped[int] = mapped_column(Integer, default=0)
    verify_mode: Mapped[int] = mapped_column(Integer, default=0)
    workcode: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    flags: Mapped[int] = mapped_column(Integer, default=0)
    is_double_tap: Mapped[bool] = mapped_column(Boolean, default=False)


class Quarantine(Base):
    """A stored punch that cannot count yet (unknown pin, …) until someone resolves it."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    punch_id: Mapped[int] = mapped_column(ForeignKey("punches.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    """Append-only, hash-chained log of changes (see `gateway.audit`)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(255))
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
    # UNIQUE: two writers appending after the same row cannot both commit, so the chain never forks.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_hash: Mapped[str] = mapped_column(String(64))


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    WAL lets the API read while the poller writes; the busy timeout makes concurrent writers (poller
    threads, push receiver) queue instead of failing with "database is locked". `synchronous` stays
    at SQLite's default FULL: a device is cleared right after our commit, so the commit must survive
    a power cut, not only a process crash.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> AlembicConfig:
    """The Alembic config for the migrations shipped inside this package (no alembic.ini needed)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to `revision` (default: every head, so that migrations added by
    separate features on the same parent all apply until someone merges them)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
