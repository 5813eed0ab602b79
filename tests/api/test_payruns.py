"""Pay run lifecycle through the API, for each role: create → compute → review (diff) → lock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pay_testkit import ABSENT_ON, PERIOD, SCOPE, full_month, punch_day
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.audit import verify_chain
from gateway.store import AuditLog
from payroll_core.rules import load_rules

PROBLEM = "application/problem+json"


@pytest.fixture
def month(factory: sessionmaker[Session]) -> None:
    full_month(factory)


def _run(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=headers)
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["created_at"]).utcoffset() == timedelta(0)  # UTC said, as elsewhere
    return int(response.json()["id"])


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_writers_create_compute_and_lock(client: TestClient, as_role, month: None, factory, role: str) -> None:  # type: ignore[no-untyped-def]
    headers = as_role(role)
    run_id = _run(client, headers)
    computed = client.post(f"/api/v1/payruns/{run_id}/compute", headers=headers).json()
    assert computed["status"] == "computed"
    assert computed["changes"] == []
    assert computed["gross_total_fen"] == 1_177_805  # 1,234,567 − 56,762 (one absent day), see test_exports
    assert computed["net_total_fen"] == 947_923
    assert computed["rules_version"] == load_rules(PERIOD, ["shanghai"]).version
    shown = client.get(f"/api/v1/payruns/{run_id}", headers=as_role("viewer")).json()
    assert [(s["employee"], s["gross_fen"], s["net_fen"], s["iit_fen"]) for s in shown["payslips"]] == [
        ("E001", 1_177_805, 947_923, 13_853)
    ]
    locked = client.post(f"/api/v1/payruns/{run_id}/lock", headers=headers).json()
    assert (locked["status"], locked["locked_by"]) == ("locked", f"{role}:{role}-token")
    with factory() as session:
        actions = [
            a
            for (a,) in session.execute(
                select(AuditLog.action).where(AuditLog.action.like("payrun.%")).order_by(AuditLog.id)
            )
        ]
        assert actions == ["payrun.create", "payrun.compute", "payrun.lock"]
        assert verify_chain(session) is None


def test_viewer_reads_but_cannot_change(client: TestClient, as_role, month: None) -> None:  # type: ignore[no-untyped-def]
    run_id = _run(client, as_role("hr"))
    viewer = as_role("viewer")
    assert client.get("/api/v1/payruns", headers=viewer).json()[0]["id"] == run_id
    for path in ("/api/v1/payruns", f"/api/v1/payruns/{run_id}/compute", f"/api/v1/payruns/{run_id}/lock"):
        response = client.post(path, json={"period": PERIOD, "scope": SCOPE}, headers=viewer)
        assert response.status_code == 403
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "token 'viewer-token' has role 'viewer'; this needs one of: admin, hr"


def test_employee_sees_only_own_locked_payslip(client: TestClient, as_role, month: None) -> None:  # type: ignore[no-untyped-def]
    hr, me = as_role("hr"), as_role("employee")
    run_id = _run(client, hr)
    client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    assert client.get(f"/api/v1/payruns/{run_id}", headers=me).status_code == 403
    [slip] = client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
    assert client.get(f"/api/v1/payslips/{slip['id']}", headers=me).status_code == 404  # not locked yet
    assert client.get("/api/v1/payslips", headers=me).json()["items"] == []
    client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    own = client.get(f"/api/v1/payslips/{slip['id']}", headers=me)
    assert own.status_code == 200
    body = own.json()
    assert (body["employee"], body["net_fen"], body["status"]) == ("E001", 947_923, "locked")
    assert [(line["code"], line["amount_fen"]) for line in body["lines"][:3]] == [
        ("BASE_PAY", 1_234_567),
        ("ABSENCE", -56_762),
        ("GROSS", 1_177_805),
    ]
    assert body["lines"][1]["quantities"] == {"monthly_salary_fen": 1_234_567, "absent_days": 1, "absent_half_days": 0}
    assert body["attendance"]["absent_days"] == 1
    other = client.get(f"/api/v1/payslips/{slip['id'] + 1}", headers=me)
    assert other.status_code == 404
    assert other.json()["detail"] == f"payslip {slip['id'] + 1} does not exist"


def test_employee_gets_404_for_another_employees_payslip(client: TestClient, as_role, month: None, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    added = client.post(
        "/api/v1/employees",
        json={
            "code": "E003",
            "name": "Worker E003",
            "office": SCOPE,
            "pay_basis": "monthly",
            "monthly_salary_fen": 500_000,
        },
        headers=hr,
    )
    assert added.status_code == 201, added.text
    run_id = _run(client, hr)
    client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    refused = client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).json()  # E003 never came: warnings
    codes = [w["code"] for w in refused["warnings"]]
    assert codes == ["net_not_positive", "no_punches"]
    assert client.post(f"/api/v1/payruns/{run_id}/lock", json={"acknowledge": codes}, headers=hr).status_code == 200
    slips = {
        s["employee"]: s["id"] for s in client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
    }
    assert set(slips) == {"E001", "E003"}
    response = client.get(f"/api/v1/payslips/{slips['E003']}", headers=as_role("employee"))
    assert response.status_code == 404
    assert response.json()["detail"] == f"payslip {slips['E003']} does not exist"
    assert [s["employee"] for s in client.get("/api/v1/payslips", headers=as_role("employee")).json()["items"]] == [
        "E001"
    ]


def test_recompute_returns_the_diff_and_locked_run_refuses_with_409(
    client: TestClient, as_role, month: None, factory
) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    run_id = _run(client, hr)
    client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    punch_day(factory, ABSENT_ON)  # the "absent" day's punches arrive late
    recomputed = client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr).json()
    diff = {c["field"]: (c["old"], c["new"]) for c in recomputed["changes"] if c["employee"] == "E001"}
    assert diff["absence_fen"] == (56_762, 0)
    assert diff["gross_fen"] == (1_177_805, 1_234_567)
    assert set(diff) >= {
        "absence_fen",
        "gross_fen",
        "min_wage_floor_fen",
        "taxable_cumulative_fen",
        "tax_cumulative_fen",
        "iit_fen",
        "net_fen",
    }
    assert client.get(f"/api/v1/payruns/{run_id}", headers=hr).json()["changes"] == recomputed["changes"]
    client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    refused = client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    detail = refused.json()["detail"]
    assert detail.startswith(f"pay run {run_id} ({PERIOD}, scope '{SCOPE}') was locked at ")
    assert detail.endswith("by hr:hr-token; a locked run is immutable, so pay any correction in a later month's run")


def test_bad_requests_are_precise_problems(client: TestClient, as_role, month: None) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    unknown = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": "Beijing"}, headers=hr)
    assert unknown.status_code == 422
    assert (
        unknown.json()["detail"]
        == "scope 'Beijing' is neither 'all' nor an office name; offices: 'Shanghai HQ', 'Urumqi plant'"
    )
    run_id = _run(client, hr)
    twice = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": "all"}, headers=hr)
    assert twice.status_code == 409
    assert twice.json()["detail"] == (
        f"pay run {run_id} ({PERIOD}, scope '{SCOPE}', draft) already covers these employees "
        f"for {PERIOD}; compute that run instead of creating another"
    )
    early = client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    assert (early.status_code, early.json()["detail"]) == (
        409,
        f"pay run {run_id} ({PERIOD}) has not been computed; compute and review it before locking",
    )
    missing = client.get("/api/v1/payruns/999", headers=hr)
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no pay run with id 999; list the runs with GET /api/v1/payruns",
    )
