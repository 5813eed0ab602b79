"""The API's routers decline paths outside their routes' literal prefixes (`api.routing.ApiRouter`) without
changing which route answers: 404/405 read as before. That every documented operation still reaches its own
endpoint is `tests/api/test_auth.py`'s walk of the schema (each answers its endpoint's 401)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.routing import Match

from api.routes import employee_sheets, employees, payslips


def test_each_router_knows_its_literal_prefixes(client: TestClient) -> None:
    assert payslips.router.literal_prefixes == ("/api/v1/payslips", "/api/v1/payslips/")
    # The sheet router's own paths come first in the app (template.xlsx is not an employee code).
    assert "/api/v1/employees/template.xlsx" in (employee_sheets.router.literal_prefixes or ())
    assert "/api/v1/employees/" in (employees.router.literal_prefixes or ())


def test_a_router_declines_a_path_outside_its_prefixes(client: TestClient) -> None:
    def scope(path: str) -> dict[str, object]:
        return {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": [], "query_string": b""}

    assert payslips.router.matches(scope("/api/v1/punches"))[0] is Match.NONE
    assert payslips.router.matches(scope("/api/v1/payslipsX"))[0] is Match.NONE  # declined by the regex, too
    assert payslips.router.matches(scope("/health"))[0] is Match.NONE


def test_unknown_paths_and_methods_answer_as_before(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    no_endpoint = "no such endpoint: see /docs for the API's paths (they start with /api/v1)"
    for path in ("/api/v1/payslips-2026", "/api/v1/", "/api/v2/payslips", "/nothing"):
        missing = client.get(path, headers=as_role("hr"))
        assert (missing.status_code, missing.json()["detail"]) == (404, no_endpoint), path
    wrong = client.delete("/api/v1/payslips", headers=as_role("hr"))
    assert (wrong.status_code, wrong.json()["title"]) == (405, "Method not allowed")
    assert client.get("/health").json() == {"status": "ok"}
