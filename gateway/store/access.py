"""Access tables: API tokens, users with their login sessions and activation codes, the audit log.

See `gateway.access`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base

ROLES = ("admin", "hr", "viewer", "employee", "manager")


class ApiToken(Base):
    """A bearer token. Only the SHA-256 of its secret is stored; `prefix` is public and names the row.

    `source` says who manages the row: `config` rows mirror `[[api.tokens]]` and follow the config
    file; `issued` rows come from `punchclock token create` or `POST /tokens`.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'hr', 'viewer', 'employee', 'manager')", name="ck_api_tokens_role"),
        CheckConstraint("(role IN ('employee', 'manager')) = (employee_id IS NOT NULL)", name="ck_api_tokens_employee"),
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


class User(Base):
    """A person who logs in to the web app: HR and admin staff by user name, employees by employee code.

    `password_hash` is Argon2 (pwdlib); NULL until an employee activates the login. `failed_logins`
    counts wrong passwords in a row; at the limit `locked_until` is set (`gateway.access.users`).
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'hr', 'viewer', 'employee', 'manager')", name="ck_users_role"),
        CheckConstraint("(role IN ('employee', 'manager')) = (employee_id IS NOT NULL)", name="ck_users_employee"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginSession(Base):
    """A browser's login: the cookie's secret is stored as its SHA-256 only, with the CSRF token it must send."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # absolute end, whatever the activity
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class ActivationCode(Base):
    """A one-time code HR hands an employee to set the first password; only its SHA-256 is stored.

    A code of an approved new hire (`gateway.access.activation`, migration 0024) is `LOOKUP-SECRET`: `code_sha256`
    is then the SHA-256 of `lookup:LOOKUP` (which row, nothing secret), `code_hash` the Argon2id hash (pwdlib) of
    the secret, and `failed_attempts` / `locked_until` count wrong secrets like a login's wrong passwords.
    """

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    code_hash: Mapped[str | None] = mapped_column(Text)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
