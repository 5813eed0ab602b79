"""Logging in and out of the web app: `POST /session` sets the `pc_session` cookie, `GET /session` says who.

The cookie is HttpOnly, SameSite=Strict and, under HTTPS, Secure; the page reads the session's CSRF
token from `GET /session` and sends it as `X-CSRF-Token` with every change (`api.auth`). A wrong user
name and a wrong password answer the same 401; the fifth wrong password in a row locks the login for
15 minutes (423, `locked_until`). A leaver's login closes `[people] leaver_login_grace_days` after the last
day: the right password then answers 403 saying since when and whom to ask. Employees open their login once
with HR's activation code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import leaver_grace_days, logged_in, session_principal
from api.db import factory
from api.errors import Forbidden, Locked, Unauthorized, Unprocessable
from api.routing import ApiRouter
from gateway.access.leaver_logins import LoginClosed, ensure_open
from gateway.access.logins import COOKIE, LIFETIME, OpenSession, close_all, close_session, open_session
from gateway.access.tokens import Principal
from gateway.access.users import (
    ActivationLocked,
    ActivationRefused,
    LoginLocked,
    LoginRefused,
    PasswordRejected,
    activate,
    activate_with_code,
    change_password,
    log_in,
)
from gateway.notify.outbox import USED, forget_welcome_code
from gateway.store import Employee, LoginSession, User

router = ApiRouter(tags=["session"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, description="user name, or the employee code")
    password: str = Field(min_length=1, max_length=256)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class ActivationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee: str = Field(min_length=1, max_length=32, description="the employee code")
    code: str = Field(min_length=1, max_length=32, description="the activation code HR handed out")
    password: str = Field(min_length=1, max_length=256, description="the new password")


class CodeActivationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, description="the activation code of the welcome message")
    password: str = Field(min_length=1, max_length=256, description="the new password")


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    employee: str | None = Field(description="the employee code of an employee login")
    left_on: date | None = Field(None, description="an employee login's last day (the menu then offers 我的离职结算)")
    csrf_token: str = Field(description="send as X-CSRF-Token with every change")
    expires_at: datetime = Field(description="the session ends then at the latest (2 hours idle end it sooner)")
    must_change_password: bool


def _me(session: Session, user: User, row: LoginSession) -> Me:
    employee = session.get(Employee, user.employee_id) if user.employee_id else None
    return Me(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        employee=employee.code if employee else None,
        left_on=employee.left_on if employee else None,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at.replace(tzinfo=UTC),
        must_change_password=user.must_change_password,
    )


def _set_cookie(request: Request, response: Response, secret: str) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _ensure_open(request: Request, session: Session, user: User) -> None:
    """403 for a leaver past the grace period (nothing of the request is kept: no session, no used code)."""
    try:
        ensure_open(session, user.employee_id, leaver_grace_days(request))
    except LoginClosed as closed:
        raise Forbidden.of(closed) from None


def _refused(error: LoginRefused | LoginLocked) -> Exception:
    if isinstance(error, LoginLocked):
        return Locked.of(error, extra={"locked_until": error.until.replace(tzinfo=UTC).isoformat()})
    return Unauthorized(str(error), zh=error.zh)


@router.post(
    "/session",
    responses={
        401: {"description": "wrong user name or password"},
        403: {"description": "a leaver's login, closed after the grace period"},
        423: {"description": "locked"},
    },
)
def login(request: Request, body: LoginIn, response: Response) -> Me:
    """Log in; sets the session cookie and answers who is logged in, with the CSRF token."""
    with factory(request)() as session:
        try:
            user = log_in(session, body.username, body.password)
        except (LoginRefused, LoginLocked) as error:
            session.commit()  # the failure counts, though the request fails
            raise _refused(error) from None
        _ensure_open(request, session, user)
        opened = open_session(session, user)
        me = _me(session, user, opened.row)
        session.commit()
    _set_cookie(request, response, opened.secret)
    return me


@router.get("/session", responses={401: {"description": "not logged in, or the session ended"}})
def whoami(request: Request, found: Annotated[tuple[Principal, OpenSession], Depends(logged_in)]) -> Me:
    with factory(request)() as session:
        row = session.get(LoginSession, found[1].id)
        assert row is not None
        user = session.get(User, row.user_id)
        assert user is not None
        return _me(session, user, row)


@router.delete("/session", status_code=204)
def logout(request: Request, response: Response) -> None:
    found = session_principal(request)
    if found is not None:
        with factory(request)() as session, session.begin():
            close_session(session, found[1])
    response.delete_cookie(COOKIE, path="/")


@router.post("/session/password", status_code=204)
def new_password(
    request: Request, found: Annotated[tuple[Principal, OpenSession], Depends(logged_in)], body: PasswordIn
) -> None:
    """Change one's own password (the current one is checked like a login); other sessions are logged out."""
    with factory(request)() as session:
        user = session.get(User, found[1].user_id)
        assert user is not None
        try:
            change_password(session, user, body.current_password, body.new_password)
        except LoginLocked as error:
            session.commit()
            raise _refused(error) from None
        except LoginRefused:
            session.commit()  # counts as a wrong password
            raise Forbidden(
                "the current password is wrong: the password was not changed", zh="当前密码错误：密码未修改"
            ) from None
        except PasswordRejected as error:
            raise Unprocessable.of(error) from None
        close_all(session, user, except_id=found[1].id)
        session.commit()


@router.post("/activation", responses={401: {"description": "no open activation matches"}})
def activation(request: Request, body: ActivationIn, response: Response) -> Me:
    """An employee's first login: set a password with HR's one-time code; logs in."""
    with factory(request)() as session:
        try:
            user = activate(session, body.employee, body.code, body.password)
        except ActivationRefused as error:
            raise Unauthorized.of(error) from None
        except PasswordRejected as error:
            raise Unprocessable.of(error) from None
        _ensure_open(request, session, user)
        forget_welcome_code(session, USED, employee_id=user.employee_id)  # the code opens nothing any more
        opened = open_session(session, user)
        me = _me(session, user, opened.row)
        session.commit()
    _set_cookie(request, response, opened.secret)
    return me


@router.post(
    "/session/activate",
    responses={401: {"description": "wrong, used or expired code"}, 423: {"description": "code locked"}},
)
def activate_welcome(request: Request, body: CodeActivationIn, response: Response) -> Me:
    """A new hire's first login: the code of the welcome message and a new password; logs in.

    Wrong tries count like wrong passwords: the fifth in a row locks the code for 15 minutes (423)."""
    with factory(request)() as session:
        try:
            user = activate_with_code(session, body.code, body.password)
        except ActivationLocked as error:
            session.commit()  # the failure counts, though the request fails
            raise Locked.of(error, extra={"locked_until": error.until.replace(tzinfo=UTC).isoformat()}) from None
        except ActivationRefused as error:
            session.commit()
            raise Unauthorized.of(error) from None
        except PasswordRejected as error:
            raise Unprocessable.of(error) from None
        _ensure_open(request, session, user)
        forget_welcome_code(session, USED, employee_id=user.employee_id)  # the code opens nothing any more
        opened = open_session(session, user)
        me = _me(session, user, opened.row)
        session.commit()
    _set_cookie(request, response, opened.secret)
    return me
