"""API tokens (admin only): list, issue (the secret is shown once, with an optional expiry), revoke.

Config-file tokens (`source` "config") are listed but not revoked here: 409, remove them from
`[[api.tokens]]` and restart (see `gateway.access.tokens`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import ADMINS, require
from api.db import read, write
from api.errors import Conflict, NotFound, Unprocessable
from api.routing import ApiRouter
from api.schemas import PathId, TokenCreate, TokenCreated, TokenOut
from gateway.access.tokens import (
    Principal,
    TokenError,
    TokenFromConfig,
    TokenNameTaken,
    issue_token,
    parse_expiry,
    revoke_token,
)
from gateway.store import ApiToken, Employee, utcnow

router = ApiRouter(prefix="/tokens", tags=["tokens"])


def _out(row: ApiToken, employee_code: str | None) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        role=row.role,
        employee=employee_code,
        source=row.source,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
    )


def _expiry(body: TokenCreate) -> datetime | None:
    """The expiry asked for, as naive UTC (None: never)."""
    if body.expires_in is not None:
        return parse_expiry(body.expires_in, utcnow())
    return body.expires_at.replace(tzinfo=None) if body.expires_at is not None else None


@router.get("")
def list_tokens(request: Request, _who: Annotated[Principal, require(*ADMINS)]) -> list[TokenOut]:
    with read(request) as session:
        rows = session.execute(
            select(ApiToken, Employee.code)
            .outerjoin(Employee, ApiToken.employee_id == Employee.id)
            .order_by(ApiToken.id)
        )
        return [_out(row, code) for row, code in rows]


@router.post("", status_code=201)
def create_token(request: Request, body: TokenCreate, who: Annotated[Principal, require(*ADMINS)]) -> TokenCreated:
    def work(session: Session) -> TokenCreated:
        try:
            row, secret = issue_token(session, body.name, body.role, body.employee, who.actor, expires_at=_expiry(body))
        except TokenNameTaken as error:
            raise Conflict.of(error) from None
        except TokenError as error:
            raise Unprocessable.of(error) from None
        return TokenCreated(token=_out(row, body.employee), secret=secret)

    return write(request, work)


@router.delete("/{token_id}")
def revoke(request: Request, token_id: PathId, who: Annotated[Principal, require(*ADMINS)]) -> TokenOut:
    """Revoke a token at once. A config-file token answers 409: remove it from the config and restart."""

    def work(session: Session) -> TokenOut:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"no token with id {token_id}")
        if row.revoked_at is not None:
            raise Conflict(f"token {row.name!r} was already revoked")
        try:
            revoke_token(session, row, who.actor)
        except TokenFromConfig as error:
            raise Conflict.of(error) from None
        code = session.scalar(select(Employee.code).where(Employee.id == row.employee_id)) if row.employee_id else None
        return _out(row, code)

    return write(request, work)
