"""Tables the HTTP API adds to the store: API tokens and punch corrections (migration `0002_api`).

Same conventions as `gateway.store`: naive UTC `*_at` / `ts_utc` columns, the schema owned by Alembic.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store import Base, Punch

ROLES = ("admin", "hr", "viewer", "employee")


def utcnow() -> datetime:
    """Now as the store keeps times: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)

# The punch listing pages through all punches in (ts_utc, id) order; without this index every page
# of a multi-million-punch log is a full scan and sort. Declared here, next to the API that needs it.
Index("ix_punches_ts_utc_id", Punch.ts_utc, Punch.id)


class ApiToken(Base):
    """A bearer token. Only the SHA-256 of its secret is stored; `prefix` is public and names the row.

    `source` says who manages the row: `config` rows mirror `[[api.tokens]]` and follow the config
    file; `issued` rows come from `punchclock token create` or `POST /tokens`.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'hr', 'viewer', 'employee')", name="ck_api_tokens_role"),
        CheckConstraint("(role = 'employee') = (employee_id IS NOT NULL)", name="ck_api_tokens_employee"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


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
