"""Tokens written in the config file are mirrored into the store (hashed) and follow the file."""

from __future__ import annotations

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.access.tokens import TokenNameTaken, sync_config_tokens
from gateway.config import ApiToken as ConfigToken
from gateway.store import ApiToken

SECRET = "a-long-config-secret-0001"


def sync(factory, *tokens: ConfigToken) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        sync_config_tokens(session, list(tokens))


def test_config_token_works_then_follows_the_file(client: TestClient, factory) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {SECRET}"}
    sync(factory, ConfigToken(name="kiosk", token=SECRET, role="viewer"))
    assert client.get("/api/v1/devices", headers=headers).status_code == 200
    with factory() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "kiosk")).one()
        assert (row.source, SECRET in (row.prefix + row.secret_sha256)) == ("config", False)
    sync(factory, ConfigToken(name="kiosk", token=SECRET, role="viewer"))  # unchanged: no new audit row
    sync(factory, ConfigToken(name="kiosk", token=SECRET, role="employee", employee="E002"))
    assert [p["employee"] for p in client.get("/api/v1/punches", headers=headers).json()["items"]] == ["E002"]
    sync(factory)  # removed from the file: revoked
    assert client.get("/api/v1/punches", headers=headers).status_code == 401
    assert [(actor, action) for actor, action, target, _b, _a in audit_rows(factory) if target == "token:kiosk"] == [
        ("config", "token.create"),
        ("config", "token.update"),
        ("config", "token.revoke"),
    ]


def test_config_cannot_take_over_an_issued_token(factory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        TokenNameTaken, match="api.tokens: name 'hr-token' is already used by an issued token: rename the config token"
    ):
        sync(factory, ConfigToken(name="hr-token", token=SECRET, role="admin"))
