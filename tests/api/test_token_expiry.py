"""Tokens may expire (`expires_in`, `expires_at`, `--expires`); config-file tokens are revoked only by the config.

The clock is pinned (`utcnow` of the token code), so the expiry and the 401 after it are exact.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.access.keys import create_key_file
from gateway.access.tokens import sync_config_tokens
from gateway.cli.app import app as cli
from gateway.config import ApiToken as ConfigToken
from gateway.store import ApiToken

NOW = datetime(2026, 12, 1, 9, 0, 0)
NEW_TOKEN = "ask an admin for a new one (`punchclock token create` or POST /api/v1/tokens)"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`clock(t)` sets the time the token code sees (naive UTC); it starts at NOW."""

    def set_time(moment: datetime) -> None:
        monkeypatch.setattr("gateway.access.tokens.utcnow", lambda: moment)
        monkeypatch.setattr("api.routes.tokens.utcnow", lambda: moment)

    set_time(NOW)
    return set_time


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_issued_for_90_days_is_listed_with_its_expiry_and_refused_after_it(
    client: TestClient, as_role, factory, clock
) -> None:  # type: ignore[no-untyped-def]
    created = client.post(
        "/api/v1/tokens", json={"name": "kiosk", "role": "viewer", "expires_in": "90d"}, headers=as_role("admin")
    )
    assert (created.status_code, created.json()["token"]["expires_at"]) == (201, "2027-03-01T09:00:00Z")
    listed = {t["name"]: t["expires_at"] for t in client.get("/api/v1/tokens", headers=as_role("admin")).json()}
    assert listed == {
        "admin-token": None,
        "hr-token": None,
        "viewer-token": None,
        "employee-token": None,
        "kiosk": "2027-03-01T09:00:00Z",
    }
    secret = created.json()["secret"]
    clock(datetime(2027, 3, 1, 8, 59, 59))
    assert client.get("/api/v1/devices", headers=bearer(secret)).status_code == 200
    clock(datetime(2027, 3, 1, 9, 0, 0))
    expired = client.get("/api/v1/devices", headers=bearer(secret))
    assert (expired.status_code, expired.headers["www-authenticate"], expired.json()["detail"]) == (
        401,
        "Bearer",
        f"token 'kiosk' expired at 2027-03-01T09:00:00+00:00: {NEW_TOKEN}",
    )
    assert audit_rows(factory)[-1] == (
        "admin:admin-token",
        "token.create",
        "token:kiosk",
        None,
        {
            "name": "kiosk",
            "prefix": created.json()["token"]["prefix"],
            "role": "viewer",
            "employee": None,
            "source": "issued",
            "revoked_at": None,
            "expires_at": "2027-03-01 09:00:00",
        },
    )


def test_a_wrong_secret_of_an_expired_token_learns_nothing(client: TestClient, as_role, clock) -> None:  # type: ignore[no-untyped-def]
    created = client.post(
        "/api/v1/tokens", json={"name": "kiosk", "role": "viewer", "expires_in": "12h"}, headers=as_role("admin")
    )
    clock(datetime(2026, 12, 2))
    forged = created.json()["secret"][:-4] + "AAAA"
    response = client.get("/api/v1/devices", headers=bearer(forged))
    assert (response.status_code, response.json()["detail"]) == (
        401,
        "the bearer token is unknown or revoked: check that it was copied whole, or ask an admin for a new one",
    )


def test_expires_at_takes_a_time_with_its_offset(client: TestClient, as_role, clock) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "audit-2026", "role": "viewer", "expires_at": "2026-12-31T18:00:00+08:00"}
    created = client.post("/api/v1/tokens", json=body, headers=as_role("admin"))
    assert (created.status_code, created.json()["token"]["expires_at"]) == (201, "2026-12-31T10:00:00Z")


@pytest.mark.parametrize(
    ("expiry", "detail"),
    [
        (
            {"expires_at": "2026-12-01T16:00:00+08:00"},
            "expiry 2026-12-01T08:00:00+00:00 is not in the future: give a later time or a duration",
        ),
        (
            {"expires_in": "99999d"},
            "expiry 2300-09-15T09:00:00+00:00: year 2300 is outside 2000-2099: punchclock keeps dates of the years "
            "2000 to 2099",
        ),
        (
            {"expires_in": "90d", "expires_at": "2027-01-31T00:00:00Z"},
            "request body: give expires_at or expires_in, not both.",
        ),
        (
            {"expires_in": "3 months"},
            "body field expires_in: String should match pattern '^[1-9][0-9]{0,4}[dh]$' (got '3 months').",
        ),
    ],
    ids=["past", "beyond 2099", "both", "not a duration"],
)
def test_a_bad_expiry_is_refused_and_nothing_is_issued(
    client: TestClient, as_role, factory, clock, expiry, detail: str
) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/tokens", json={"name": "kiosk", "role": "viewer", **expiry}, headers=as_role("admin")
    )
    assert (response.status_code, response.json()["detail"]) == (422, detail)
    with factory() as session:
        assert session.scalar(select(ApiToken).where(ApiToken.name == "kiosk")) is None


def test_the_cli_issues_a_token_until_a_date(client: TestClient, as_role, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "punchclock.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    create_key_file(tmp_path / "punchclock.key")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Shanghai")  # a bare date is the start of that day in this computer's zone
        __import__("time").tzset()
        result = CliRunner().invoke(
            cli,
            ["token", "create", "--name", "auditor", "--role", "viewer", "--expires", "2027-01-31", "-c", str(config)],
        )
    __import__("time").tzset()
    assert result.exit_code == 0, result.output
    *words, secret = result.output.split()
    assert " ".join(words) == (
        "token 'auditor' (role viewer, valid until 2027-01-30T16:00:00+00:00) created; it is shown only now:"
    )
    assert client.get("/api/v1/devices", headers=bearer(secret)).status_code == 200
    listed = {t["name"]: t["expires_at"] for t in client.get("/api/v1/tokens", headers=as_role("admin")).json()}
    assert listed["auditor"] == "2027-01-30T16:00:00Z"
    bad = CliRunner().invoke(
        cli, ["token", "create", "--name", "x", "--role", "hr", "--expires", "soon", "-c", str(config)]
    )
    assert (bad.exit_code, " ".join(bad.output.split())) == (
        2,
        "token not created: expiry 'soon': give a duration such as 90d or 12h, a date such as 2027-01-31, or a time "
        "with its UTC offset such as 2027-01-31T18:00:00+08:00",
    )


def test_a_config_token_is_not_revoked_through_the_api(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    secret = "a-long-config-secret-0001"
    with factory() as session, session.begin():
        sync_config_tokens(session, [ConfigToken(name="kiosk", token=secret, role="viewer")])
    token_id = next(
        t["id"] for t in client.get("/api/v1/tokens", headers=as_role("admin")).json() if t["name"] == "kiosk"
    )
    before = audit_rows(factory)
    response = client.delete(f"/api/v1/tokens/{token_id}", headers=as_role("admin"))
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "token 'kiosk' comes from the config file: remove it from [[api.tokens]] in the config and restart "
        "(revoking it here would be undone by the next start)",
    )
    assert client.get("/api/v1/devices", headers=bearer(secret)).status_code == 200
    assert audit_rows(factory) == before
    with factory() as session, session.begin():  # removed from the file: the next start revokes it
        sync_config_tokens(session, [])
    assert client.get("/api/v1/devices", headers=bearer(secret)).status_code == 401
