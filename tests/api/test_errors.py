"""Every 4xx is RFC 9457 problem+json with an actionable message; a 500 leaks no traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import ApiSettings, create_app


def test_validation_error_names_the_field_and_the_fix(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/api/v1/punches", params={"limit": 5000, "start": "2026-03-02T08:00:00"}, headers=as_role("hr")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Invalid request"
    assert body["errors"] == [
        "query parameter start: give the time with its UTC offset, e.g. 2026-03-02T08:00:00+08:00 or "
        "2026-03-02T00:00:00Z (got '2026-03-02T08:00:00')",
        "query parameter limit: Input should be less than or equal to 1000 (got '5000')",
    ]
    assert body["detail"] == "; ".join(body["errors"]) + "."


def test_body_errors_name_the_body_field(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/employees",
        json={"code": "E9", "name": "X", "monthly_salary_fen": 1.5, "colour": "red"},
        headers=as_role("hr"),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        "body field monthly_salary_fen: Input should be a valid integer (got 1.5)",
        "body field colour: is not a known field: check its spelling against /docs",
    ]


def test_malformed_json_is_a_problem_too(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/employees", content=b"{not json", headers={**as_role("hr"), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        "request body: is not valid JSON (Expecting property name enclosed in double quotes at character 1): send "
        "a JSON object"
    ]


def test_unknown_path_and_method(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/api/v1/nothing-here", headers=as_role("hr"))
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    assert missing.json()["detail"] == "no such endpoint: see /docs for the API's paths (they start with /api/v1)"
    wrong = client.put("/api/v1/devices", headers=as_role("admin"))
    assert (wrong.status_code, wrong.json()["title"]) == (405, "Method not allowed")


@pytest.fixture
def crashing_client(settings: ApiSettings) -> Iterator[TestClient]:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_server_error_says_where_the_details_are_and_nothing_else(crashing_client: TestClient) -> None:
    response = crashing_client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert body["detail"].startswith(
        "the server failed to answer this request; the server log has the details under incident "
    )
    assert "secret" not in response.text and "Traceback" not in response.text
