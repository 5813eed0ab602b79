"""Authentication and roles: no token → 401 problem+json; wrong role → 403; tokens hashed at rest."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import authenticate
from gateway.store import ApiToken


def test_health_needs_no_token(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/devices",
        "/api/v1/employees",
        "/api/v1/punches",
        "/api/v1/quarantine",
        "/api/v1/audit",
        "/api/v1/tokens",
        "/api/v1/employees/E001",
    ],
)
def test_every_api_route_refuses_a_missing_token(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not authenticated",
        "status": 401,
        "instance": path,
        "detail": "this endpoint needs a login or a token: log in on the web page, or send 'Authorization: Bearer "
        "<token>' (an admin creates one with `punchclock token create`)",
    }


def test_a_wrong_secret_with_a_real_prefix_is_refused(client: TestClient, secrets: dict[str, str]) -> None:
    forged = secrets["admin"][:-4] + "AAAA"
    response = client.get("/api/v1/devices", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["detail"].startswith("the bearer token is unknown or revoked")


def test_role_outside_the_route_gets_403_naming_the_roles(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/tokens", headers=as_role("hr"))
    assert response.status_code == 403
    assert response.json()["detail"] == "token 'hr-token' has role 'hr'; this needs one of: admin"


def test_only_the_digest_is_stored(factory: sessionmaker[Session], secrets: dict[str, str]) -> None:
    prefix, secret = secrets["viewer"].removeprefix("pc_").split("_", 1)
    with factory() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "viewer-token")).one()
        assert (row.prefix, row.secret_sha256) == (prefix, hashlib.sha256(secret.encode()).hexdigest())
        assert secret not in (row.prefix, row.secret_sha256, row.name)
        principal = authenticate(session, secrets["viewer"])
        assert principal is not None and (principal.name, principal.role, principal.employee_id) == (
            "viewer-token",
            "viewer",
            None,
        )


def test_no_operation_but_health_and_iclock_answers_without_a_token(client: TestClient) -> None:
    """Walks every operation in the schema (pay routes included), so a new route cannot forget its `require(...)`."""
    checked = []
    for path, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        if path == "/health" or path.startswith("/iclock/"):
            continue
        # Logging in, activating (HR's code, or the new hire's welcome code) and logging out (idempotent, 204
        # without a session) need no login.
        opening = ("/api/v1/session", "/api/v1/activation", "/api/v1/session/activate")
        public = {"post", "delete"} if path in opening else set()
        concrete = path.replace("{", "").replace("}", "")  # any value: auth runs before the lookup
        for method in sorted(set(operations) - public):
            response = client.request(method.upper(), concrete)
            assert (response.status_code, response.headers["content-type"]) == (401, "application/problem+json"), (
                method,
                path,
            )
            checked.append(f"{method.upper()} {path}")
    assert len(checked) >= 20 and "POST /api/v1/devices/{ref}/sync" in checked


@pytest.mark.parametrize("path", ["/api/v1/payslips", "/api/v1/payslips/1", "/api/v1/punches", "/api/v1/dashboard"])
def test_the_hot_routes_check_the_caller_in_their_own_thread_as_require_does(  # type: ignore[no-untyped-def]
    client: TestClient, secrets: dict[str, str], as_role, path: str
) -> None:
    """The listings, a payslip and the dashboard check the token inside their one thread-pool call (`Credentials`,
    `authorize`): the same 401 without a token, for a wrong one, and the same 403 for a role outside the route."""
    assert client.get(path).json()["detail"].startswith("this endpoint needs a login or a token")
    forged = secrets["admin"][:-4] + "AAAA"
    wrong = client.get(path, headers={"Authorization": f"Bearer {forged}"})
    assert (wrong.status_code, wrong.json()["detail"][:38]) == (401, "the bearer token is unknown or revoked")
    assert client.get(path, headers=as_role("viewer")).status_code in (200, 404)  # a reader may look


def test_an_employee_token_on_the_dashboard_gets_the_403_of_require(  # type: ignore[no-untyped-def]
    client: TestClient, as_role
) -> None:
    refused = client.get("/api/v1/dashboard", headers=as_role("employee"))
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "token 'employee-token' has role 'employee'; this needs one of: admin, hr, viewer",
    )
    no_token_bad_query = client.get("/api/v1/punches?limit=0")  # refused before the query is looked at
    assert no_token_bad_query.status_code == 401
