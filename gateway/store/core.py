"""Core tables: offices, terminals, employees and their badges, punches, quarantine, punch corrections, and
pushed lines kept aside (`push_rejects`).

The raw punch log is never edited: a correction is its own row, applied on top by attendance.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base


class PunchFlag(enum.IntFlag):
    """Why a stored punch deserves a second look (stored as an integer bit set in `Punch.flags`)."""

    NONE = 0
    FUTURE = 1  # later than the device's own clock allows (beyond the tolerance)
    BEFORE_FIRST_RECORD = 2  # earlier than the first record this device ever gave us (clock reset?)
    DST_AMBIGUOUS = 4  # local time occurs twice (DST fall-back); the first occurrence was taken
    DST_GAP = 8  # local time does not exist (DST spring-forward); read with the pre-transition offset


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
    # ADMS push access (gateway.access.push_auth): the SHA-256 of the terminal's push comm key (never the
    # key), the networks it may push from (a JSON list of CIDR strings; NULL = anywhere), and the address
    # and time of its last handshake with the right key (later requests carry no key; they must come from there).
    push_key_sha256: Mapped[str | None] = mapped_column(String(64))
    push_allow_from: Mapped[str | None] = mapped_column(Text)
    push_handshake_from: Mapped[str | None] = mapped_column(String(45))
    push_handshake_at: Mapped[datetime | None] = mapped_column(DateTime)
    # "auto": each punch's direction from its ZK state; "in" / "out": an in-only / out-only gate, whatever the state
    direction: Mapped[str] = mapped_column(String(8), default="auto", server_default="auto")


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (CheckConstraint("pay_basis IN ('monthly', 'hourly', 'piece')", name="ck_employees_pay_basis"),)

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
    # shift_rule. Lets day and night workers share one office (resolved in gateway.pay.attendance).
    shift_rule: Mapped[str | None] = mapped_column(String(100))
    # The identity document for tax filing (证件类型 / 证件号码): the type in clear, the number sealed by
    # gateway.access.vault (AES-256-GCM, "pc1:<key id>:…"); both NULL or both set (migration 0006).
    id_type: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(Text)
    # The employee's own housing-fund rate, both sides (a decimal string such as "0.12"); NULL = the city's rate.
    hf_rate: Mapped[str | None] = mapped_column(String(16))
    # Part-time hourly worker (非全日制): paid against the city's hourly minimum wage (migration 0011).
    part_time: Mapped[bool] = mapped_column(Boolean, default=False)
    # The employee's department (gateway.people.departments; NULL = none yet) and the day they first began work
    # anywhere (参加工作日期), which sets the annual-leave entitlement (migration 0014).
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", use_alter=True, name="fk_employees_department_id")
    )
    work_started_on: Mapped[date | None] = mapped_column(Date)
    # The working-time system (工时制度: standard, comprehensive, flexible), its settlement period (comprehensive
    # only) and the labour bureau's approval number: dated terms mirrored here (migration 0034,
    # gateway.pay.working_time).
    working_time_system: Mapped[str] = mapped_column(String(16), default="standard", server_default="standard")
    wts_period: Mapped[str | None] = mapped_column(String(8))
    wts_approval_no: Mapped[str | None] = mapped_column(String(100))


class Badge(Base):
    """Badge pin → employee; `device_sn` set = valid on that terminal only, NULL = company-wide."""

    __tablename__ = "badges"
    __table_args__ = (
        UniqueConstraint("pin", "device_sn", name="uq_badges_pin_device"),
        CheckConstraint("device_privilege IN ('user', 'admin')", name="ck_badges_device_privilege"),
        # NULLs are distinct in the constraint above: a company-wide number is unique by this one (migration 0028).
        Index(
            "uq_badges_company_pin",
            "pin",
            unique=True,
            sqlite_where=text("device_sn IS NULL"),
            postgresql_where=text("device_sn IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pin: Mapped[str] = mapped_column(String(32))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    device_sn: Mapped[str | None] = mapped_column(String(64))
    # What user sync writes to the terminals with this badge (migration 0021): the card number (0 = none)
    # and the device privilege, `user` or `admin` (may open the terminal's menu).
    card: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    device_privilege: Mapped[str] = mapped_column(String(8), default="user", server_default="user")


class Punch(Base):
    """One raw punch, never edited after insert (corrections live elsewhere, with a reason)."""

    __tablename__ = "punches"
    # Column order (device_sn, ts_local, pin) lets the same unique index serve the per-device time
    # range scans of ingest and verification; uniqueness itself does not depend on the order.
    __table_args__ = (
        UniqueConstraint("device_sn", "ts_local", "pin", name="uq_punches_key"),
        # Covering the pay run's read of a month's punches: the index alone answers it (migration 0039).
        Index("ix_punches_employee_ts", "employee_id", "ts_utc", "is_double_tap", "direction"),
        # The punch listing pages through all punches in (ts_utc, id) order; without this index every
        # page of a multi-million-punch log is a full scan and sort.
        Index("ix_punches_ts_utc_id", "ts_utc", "id"),
        # The lock's "changed since compute" check starts from the punches received since (migration 0038).
        Index("ix_punches_received_at", "received_at"),
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
    # payroll_core.attendance.Direction (0 any, 1 in, 2 out, 3 none), from punch_state and the device's direction
    direction: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class Quarantine(Base):
    """A stored punch that cannot count yet (unknown pin, …) until someone resolves it."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    punch_id: Mapped[int] = mapped_column(ForeignKey("punches.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class PunchCorrection(Base):
    """A manual correction of an employee's punches; the raw punch it concerns is never edited.

    `add`: a punch the terminal missed (`ts_utc`, no `punch_id`); `void`: the raw punch `punch_id`
    does not count; `move`: the raw punch `punch_id` counts at `ts_utc` instead. Attendance applies
    corrections on top of the raw log, so the raw log stays exactly what the terminals reported.
    """

    __tablename__ = "punch_corrections"
    __table_args__ = (
        CheckConstraint("action IN ('add', 'void', 'move')", name="ck_punch_corrections_action"),
        CheckConstraint(
            "(action = 'add' AND punch_id IS NULL AND ts_utc IS NOT NULL)"
            " OR (action = 'void' AND punch_id IS NOT NULL AND ts_utc IS NULL)"
            " OR (action = 'move' AND punch_id IS NOT NULL AND ts_utc IS NOT NULL)",
            name="ck_punch_corrections_shape",
        ),
        Index("ix_punch_corrections_employee", "employee_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(8))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    punch_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("punches.id"))
    ts_utc: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PushReject(Base):
    """An ADMS ATTLOG line holding a value no ZKTeco record can hold, kept aside instead of stored as a punch.

    Such a record stays in the terminal's log for good, so it is acknowledged (the terminal moves on)
    and kept here for people to see; `(device_sn, line_sha256)` is UNIQUE, so a re-sent batch adds
    nothing. `line` keeps the first `LINE_KEPT` characters, `line_length` the full length.
    """

    __tablename__ = "push_rejects"
    __table_args__ = (UniqueConstraint("device_sn", "line_sha256", name="uq_push_rejects_line"),)
    LINE_KEPT = 1000

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_sn: Mapped[str] = mapped_column(String(64))
    line_number: Mapped[int] = mapped_column(Integer)
    line: Mapped[str] = mapped_column(Text)
    line_length: Mapped[int] = mapped_column(Integer)
    line_sha256: Mapped[str] = mapped_column(String(64))
    fields: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class EmployeeTerms(Base):
    """One dated change of an employee's terms: "from `effective_from` on, these fields are these values".

    Never edited: a raise, a transfer or an entity change is a new row; a correction of a row is a new row
    whose `corrects_id` names it (the corrected row stays, superseded, with who wrote it and why). The terms
    on a day are the fold, in date order, of the rows in force from on or before it (`gateway.people.
    employee_terms`); `values_json` holds only the fields the row sets (the employee's first row all of them).
    The `employees` columns mirror the terms in force today, written in the same transaction (migration 0022).
    """

    __tablename__ = "employee_terms"
    __table_args__ = (Index("ix_employee_terms_employee", "employee_id", "effective_from", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    values_json: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("employee_terms.id"), unique=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
