"""Browser login sessions: an HttpOnly cookie naming a server-side session, and the CSRF token it must send.

The cookie holds 32 random bytes; the store keeps only their SHA-256 (`login_sessions`), so a copy of
the database opens no session. Each session has its own CSRF token, which the page reads from
`GET /api/v1/session` and sends as `X-CSRF-Token` on every change; a forged cross-site request carries
the cookie but cannot know the token (SameSite=Strict stops most such requests anyway).
A session ends at logout, after `IDLE` without a request, or `LIFETIME` after login, whichever comes
first; `last_seen_at` is written at most once a `TOUCH` so that reading pages does not become a stream
of writes. Rows stay (with `ended_at`) as the login history.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.store import DriverSelect, Employee, LoginSession, Office, User, utcnow

COOKIE = "pc_session"
IDLE = timedelta(hours=2)
LIFETIME = timedelta(hours=12)
TOUCH = timedelta(minutes=1)


class SessionExpired(GatewayError):
    """The cookie names a session that ended (logout, idle or lifetime); the message says which."""


@dataclass(frozen=True)
class Opened:
    secret: str  # goes into the cookie; never stored
    row: LoginSession


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(session: Session, user: User, now: datetime | None = None) -> Opened:
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    row = LoginSession(
        secret_sha256=_digest(secret),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(row)
    session.flush()
    return Opened(secret, row)


@dataclass(frozen=True)
class OpenSession:
    """A login session found by its cookie: its row's id and CSRF token, the user it belongs to, and what the
    leaver check needs (`ensure_open_at`): the bound employee's `left_on` and office time zone. One select of
    plain values (every page's request runs it), no ORM objects."""

    id: int
    csrf_token: str
    user_id: int
    username: str
    role: str
    employee_id: int | None
    left_on: date | None
    timezone: str | None


# Built once and run by the driver (`DriverSelect`): the session by its cookie's digest, with its user, and the
# user's employee and office outer-joined.
OPEN_SESSION = DriverSelect(
    select(
        LoginSession.id,
        LoginSession.csrf_token,
        LoginSession.user_id,
        LoginSession.last_seen_at,
        LoginSession.expires_at,
        LoginSession.ended_at,
        User.username,
        User.role,
        User.employee_id,
        User.disabled_at,
        Employee.left_on,
        Office.timezone,
    )
    .join(User, LoginSession.user_id == User.id)
    .outerjoin(Employee, User.employee_id == Employee.id)
    .outerjoin(Office, Employee.office_id == Office.id)
    .where(LoginSession.secret_sha256 == bindparam("digest"))
)


def session_lookup(secret: str) -> dict[str, str]:
    """`OPEN_SESSION`'s parameters for a cookie's `secret`."""
    return {"digest": _digest(secret)}


def current_session(session: Session, secret: str, now: datetime | None = None) -> OpenSession | None:
    """The open session and its user for a cookie's secret; None if unknown; `SessionExpired` if it ended."""
    now = now or utcnow()
    found = OPEN_SESSION.first(session, session_lookup(secret))
    if found is None:
        return None
    _ensure_not_ended(found)
    if _lapsed(found, now):
        session.execute(update(LoginSession).where(LoginSession.id == found.id).values(ended_at=now))
        session.commit()
        why, why_zh = ("after 12 hours", "已满 12 小时") if now >= found.expires_at else (
            "after 2 hours without activity", "2 小时无操作")  # fmt: skip
        raise SessionExpired(f"your session ended {why}: log in again", zh=f"登录{why_zh}，会话已结束：请重新登录")
    if now - found.last_seen_at >= TOUCH:
        session.execute(update(LoginSession).where(LoginSession.id == found.id).values(last_seen_at=now))
        session.commit()
    return _open(found)


def session_without_writes(found: Any, now: datetime | None = None) -> OpenSession | None:
    """`OPEN_SESSION`'s row `found` as `current_session` would answer it, when that answer writes nothing; None
    when it would write (the session lapsed and ends now, or its `last_seen_at` is due): then call
    `current_session`. For readers without a session to write on (`api.loop_reads`); `found` must not be None."""
    now = now or utcnow()
    _ensure_not_ended(found)
    if _lapsed(found, now) or now - found.last_seen_at >= TOUCH:
        return None
    return _open(found)


def _ensure_not_ended(found: Any) -> None:
    if found.ended_at is not None or found.disabled_at is not None:
        raise SessionExpired("you were logged out: log in again", zh="您已退出登录：请重新登录")


def _lapsed(found: Any, now: datetime) -> bool:
    return bool(now >= found.expires_at or now - found.last_seen_at >= IDLE)


def _open(found: Any) -> OpenSession:
    return OpenSession(
        found.id, found.csrf_token, found.user_id, found.username, found.role, found.employee_id, found.left_on,
        found.timezone,
    )  # fmt: skip


def csrf_ok(login: OpenSession, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(login.csrf_token, sent)


def close_session(session: Session, login: OpenSession) -> None:
    session.execute(update(LoginSession).where(LoginSession.id == login.id).values(ended_at=utcnow()))


def close_all(session: Session, user: User, except_id: int | None = None) -> None:
    """End every session of `user` (a password change or reset), but `except_id` (the one that changed it)."""
    query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if except_id is not None:
        query = query.where(LoginSession.id != except_id)
    session.execute(query.values(ended_at=utcnow()))
