"""Access tables: API tokens and the hash-chained audit log (see `gateway.access`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base

ROLES = ("admin", "hr", "viewer", "employee")


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
    # Past this (naive UTC) the token is refused; NULL: it never expires (config tokens never do).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    """Append-only (database triggers refuse UPDATE and DELETE), keyed hash chain of changes.

    See `gateway.access.audit`.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(255))
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
    # The row's place in the chain: 1, 2, 3, … with no gap (ids may skip on PostgreSQL), covered by row_hash.
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    # UNIQUE: two writers appending after the same row cannot both commit, so the chain never forks.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_hash: Mapped[str] = mapped_column(String(64))
