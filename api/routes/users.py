"""Users of the web app (admin) and employees' activation codes (HR).

Admins create HR, viewer and admin users with a temporary password (changed at the first login),
disable, enable and unlock them, and reset passwords. HR hands an employee a one-time activation code
(`POST /employees/{code}/activation`), with which the employee sets their own password; the code is
shown once. Passwords and codes never appear in an answer but the one that creates them, nor in the
audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import ADMINS, WRITERS, not_found, require
from api.db import read, write
from api.errors import Conflict, Unprocessable
from api.routes.employees import find_employee
from api.routing import ApiRouter
from api.schemas import PathId
from gateway.access.logins import close_all
from gateway.access.tokens import Principal
from gateway.access.users import (
    PasswordRejected,
    UserError,
    create_user,
    issue_activation,
    set_disabled,
    set_password,
    unlock,
)
from gateway.store import Employee, User, utcnow

router = ApiRouter(tags=["users"])


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    employee: str | None
    disabled: bool
    locked_until: datetime | None
    must_change_password: bool
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    role: Literal["admin", "hr", "viewer"]
    password: str = Field(min_length=1, max_length=256, description="temporary: changed at the first login")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disabled: bool | None = None
    unlock: bool | None = Field(None, description="true: clear a lock after wrong passwords")
    password: str | None = Field(None, min_length=1, max_length=256, description="a new temporary password")


class ActivationOut(BaseModel):
    employee: str
    code: str = Field(description="shown once: hand it to the employee")
    expires_at: datetime


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def _out(user: User, code: str | None) -> UserOut:
    locked = user.locked_until if user.locked_until is not None and user.locked_until > utcnow() else None
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        employee=code,
        disabled=user.disabled_at is not None,
        locked_until=_utc(locked),
        must_change_password=user.must_change_password,
        created_at=user.created_at.replace(tzinfo=UTC),
    )


@router.get("/users")
def list_users(request: Request, _who: Annotated[Principal, require(*ADMINS)]) -> list[UserOut]:
    with read(request) as session:
        rows = session.execute(
            select(User, Employee.code).outerjoin(Employee, User.employee_id == Employee.id).order_by(User.id)
        ).all()
        return [_out(user, code) for user, code in rows]


@router.post("/users", status_code=201)
def add_user(request: Request, body: UserCreate, who: Annotated[Principal, require(*ADMINS)]) -> UserOut:
    def work(session: Session) -> UserOut:
        user = create_user(
            session, who.actor, body.username, body.display_name, body.role, body.password, must_change_password=True
        )
        return _out(user, None)

    try:
        return write(request, work)
    except PasswordRejected as error:
        raise Unprocessable(f"body field password: {error}", zh=error.zh and f"密码：{error.zh}") from None
    except UserError as error:
        raise (Conflict if "taken" in str(error) else Unprocessable).of(error) from None


@router.patch("/users/{user_id}")
def edit_user(
    request: Request, user_id: PathId, body: UserUpdate, who: Annotated[Principal, require(*ADMINS)]
) -> UserOut:
    def work(session: Session) -> UserOut:
        user = session.get(User, user_id)
        if user is None:
            raise not_found(f"user {user_id}")
        if body.disabled is not None:
            set_disabled(session, user, who.actor, body.disabled)
            if body.disabled:
                close_all(session, user)
        if body.unlock:
            unlock(session, user, who.actor)
        if body.password is not None:
            set_password(session, user, who.actor, body.password, temporary=True)
            close_all(session, user)
        code = session.scalar(select(Employee.code).where(Employee.id == user.employee_id))
        return _out(user, code)

    try:
        return write(request, work)
    except PasswordRejected as error:
        raise Unprocessable(f"body field password: {error}", zh=error.zh and f"密码：{error.zh}") from None


@router.post("/employees/{code}/activation", status_code=201)
def new_activation(request: Request, code: str, who: Annotated[Principal, require(*WRITERS)]) -> ActivationOut:
    """A one-time code (valid 14 days) with which the employee sets their login's password; earlier codes end."""

    def work(session: Session) -> ActivationOut:
        employee = find_employee(session, code)
        made = issue_activation(session, employee, who.actor)
        return ActivationOut(employee=employee.code, code=made.code, expires_at=made.expires_at.replace(tzinfo=UTC))

    return write(request, work)
