"""Every integer the API takes is range-checked: a number no row can have is a 422 naming the parameter, not a 500.

The integer parameters are read from the app's own OpenAPI schema, so a route added later with an
unbounded `int` fails here instead of answering 500 to `/things/99999999999999999999999`.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from api.app import ApiSettings, create_app
from gateway.inputs import MAX_ID
from gateway.store import PunchCorrection

HUGE = 10**30  # beyond 64 bits: SQLite's driver cannot even bind it
# Values for the path and query parameters a route needs besides the one under test.
OTHER_VALUES = {"code": "E001", "employee": "E001", "ref": "SH0001", "fmt": "csv", "period": "2026-03"}
BODIES = {
    "/api/v1/payruns/{run_id}/inputs/{employee}": {},
    "/api/v1/employees/{code}/badges/{badge_id}": {},
    "/api/v1/quarantine/{entry_id}/dismiss": {"reason": "visitor card"},
    "/api/v1/users/{user_id}": {"unlock": True},
    "/api/v1/requests/{request_id}/withdraw": {},
    "/api/v1/payslips/{payslip_id}/receipt/question": {"text": "why?"},
    "/api/v1/onboarding/{onboarding_id}/decision": {"approve": False},
    "/api/v1/onboarding/{onboarding_id}/withdraw": {},
    "/api/v1/resignations/{request_id}/termination": {"termination": "mutual"},
    "/api/v1/resignations/{request_id}/handover/{position}": {"done": True},
}
# Routes only an employee may call (an admin is refused before the parameters are read).
EMPLOYEE_ONLY = "/api/v1/payslips/{payslip_id}/receipt"


def integer_parameters() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, parameter) for every integer path or query parameter of the API (not /iclock)."""
    spec = create_app(ApiSettings(session_factory=sessionmaker())).openapi()
    found = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if "integer" in [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]:
                    found.append((method.upper(), path, parameter))
    return found


PARAMETERS = integer_parameters()


def test_the_walk_finds_every_integer_parameter() -> None:
    assert sorted(f"{m} {p} {q['in']}:{q['name']}" for m, p, q in PARAMETERS) == [
        "DELETE /api/v1/employees/{code}/badges/{badge_id} path:badge_id",
        "DELETE /api/v1/piece-batches/{batch_id} path:batch_id",
        "DELETE /api/v1/tokens/{token_id} path:token_id",
        "GET /api/v1/audit query:before_id",
        "GET /api/v1/audit query:limit",
        "GET /api/v1/devices/push-rejects query:before_id",
        "GET /api/v1/devices/push-rejects query:limit",
        "GET /api/v1/devices/{ref}/operation-log query:before_id",
        "GET /api/v1/devices/{ref}/operation-log query:limit",
        "GET /api/v1/devices/{ref}/photos query:before_id",
        "GET /api/v1/devices/{ref}/photos query:limit",
        "GET /api/v1/devices/{ref}/photos/{photo_id} path:photo_id",
        "GET /api/v1/devices/{ref}/push-commands query:before_id",
        "GET /api/v1/devices/{ref}/push-commands query:limit",
        "GET /api/v1/employees query:limit",
        "GET /api/v1/employees query:offset",
        "GET /api/v1/notifications query:limit",
        "GET /api/v1/notifications/deliveries query:before_id",
        "GET /api/v1/notifications/deliveries query:limit",
        "GET /api/v1/onboarding/{onboarding_id} path:onboarding_id",
        "GET /api/v1/payruns/{run_id} path:run_id",
        "GET /api/v1/payruns/{run_id}/inputs path:run_id",
        "GET /api/v1/payruns/{run_id}/receipts path:run_id",
        "GET /api/v1/payslips query:limit",
        "GET /api/v1/payslips/{payslip_id} path:payslip_id",
        "GET /api/v1/payslips/{payslip_id}/receipt path:payslip_id",
        "GET /api/v1/piece-batches query:before_id",
        "GET /api/v1/piece-batches query:limit",
        "GET /api/v1/piece-batches/{batch_id} path:batch_id",
        "GET /api/v1/piece-batches/{batch_id} query:after_id",
        "GET /api/v1/piece-batches/{batch_id} query:limit",
        "GET /api/v1/punches query:limit",
        "GET /api/v1/punches/corrections query:before_id",
        "GET /api/v1/punches/corrections query:limit",
        "GET /api/v1/punches/{punch_id} path:punch_id",
        "GET /api/v1/quarantine query:limit",
        "GET /api/v1/quarantine query:offset",
        "GET /api/v1/quarantine/badges query:limit",
        "GET /api/v1/requests/{request_id} path:request_id",
        "GET /api/v1/resignations/{request_id} path:request_id",
        "PATCH /api/v1/employees/{code}/badges/{badge_id} path:badge_id",
        "PATCH /api/v1/users/{user_id} path:user_id",
        "POST /api/v1/notifications/{notification_id}/read path:notification_id",
        "POST /api/v1/onboarding/{onboarding_id}/decision path:onboarding_id",
        "POST /api/v1/onboarding/{onboarding_id}/withdraw path:onboarding_id",
        "POST /api/v1/payruns/{run_id}/compute path:run_id",
        "POST /api/v1/payruns/{run_id}/lock path:run_id",
        "POST /api/v1/payslips/{payslip_id}/receipt/confirm path:payslip_id",
        "POST /api/v1/payslips/{payslip_id}/receipt/question path:payslip_id",
        "POST /api/v1/payslips/{payslip_id}/receipt/view path:payslip_id",
        "POST /api/v1/quarantine/{entry_id}/dismiss path:entry_id",
        "POST /api/v1/requests/{request_id}/withdraw path:request_id",
        "PUT /api/v1/payruns/{run_id}/inputs/{employee} path:run_id",
        "PUT /api/v1/resignations/{request_id}/handover/{position} path:position",
        "PUT /api/v1/resignations/{request_id}/handover/{position} path:request_id",
        "PUT /api/v1/resignations/{request_id}/termination path:request_id",
    ]


def _request(client: TestClient, headers: dict[str, str], method: str, path: str, name: str, value: int) -> Any:
    url = path
    for key, other in OTHER_VALUES.items():
        url = url.replace("{" + key + "}", other)
    params = {}
    if "{" + name + "}" in url:
        url = url.replace("{" + name + "}", str(value))
    else:
        params[name] = str(value)
    leftovers = ("run_id", "punch_id", "payslip_id", "badge_id", "token_id", "entry_id", "batch_id", "user_id",
                 "request_id", "position", "onboarding_id")  # fmt: skip
    for leftover in leftovers:
        url = url.replace("{" + leftover + "}", "1")
    return client.request(method, url, params=params, json=BODIES.get(path), headers=headers)


@pytest.mark.parametrize("seeded", ["sqlite"], indirect=True)  # refused before any query: one database suffices
@pytest.mark.parametrize(
    ("method", "path", "parameter"), PARAMETERS, ids=[f"{m} {p} {q['name']}" for m, p, q in PARAMETERS]
)
@pytest.mark.parametrize("value", [HUGE, MAX_ID + 1, -1], ids=["beyond 64 bits", "2^63", "negative"])
def test_an_out_of_range_integer_is_a_422_naming_the_parameter(
    client: TestClient, as_role, method: str, path: str, parameter: dict[str, Any], value: int
) -> None:  # type: ignore[no-untyped-def]
    schema = next((s for s in parameter["schema"].get("anyOf", []) if s.get("type") == "integer"), parameter["schema"])
    assert 1 <= schema["maximum"] <= MAX_ID and schema["minimum"] in (0, 1)
    role = "employee" if path.startswith(EMPLOYEE_ONLY) else "admin"
    response = _request(client, as_role(role), method, path, parameter["name"], value)
    where = f"{parameter['in']} parameter {parameter['name']}"
    bound = (
        f"greater than or equal to {schema['minimum']}" if value < 0 else f"less than or equal to {schema['maximum']}"
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [f"{where}: Input should be {bound} (got '{value}')"]


def test_the_largest_id_is_a_plain_404(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/punches/{MAX_ID}", headers=as_role("admin"))
    assert (response.status_code, response.json()["detail"]) == (404, f"punch {MAX_ID} does not exist")


@pytest.mark.parametrize("punch_id", [HUGE, MAX_ID + 1, 0])
def test_a_correction_of_an_impossible_punch_id_is_refused_and_writes_nothing(
    client: TestClient, as_role, factory, punch_id: int
) -> None:  # type: ignore[no-untyped-def]
    body = {"action": "void", "punch_id": punch_id, "reason": "duplicate tap"}
    response = client.post("/api/v1/punches/corrections", json=body, headers=as_role("hr"))
    bound = "greater than or equal to 1" if punch_id < 1 else f"less than or equal to {MAX_ID}"
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [f"body field punch_id: Input should be {bound} (got {punch_id})"],
    )
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(PunchCorrection)) == 0


def test_an_edited_cursor_with_an_impossible_id_is_a_422(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    cursor = base64.urlsafe_b64encode(f"2026-03-02T00:00:00|{HUGE}".encode()).decode()
    response = client.get("/api/v1/punches", params={"cursor": cursor}, headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (
        422,
        f"query parameter cursor: {cursor!r} is not a cursor this API issued: "
        "pass next_cursor from the previous page unchanged",
    )
