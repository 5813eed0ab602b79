"""转正, 调薪 and 调动 as approval flows (issue 19): a change request entered by the manager or HR, approved by the
manager and HR, writes the dated terms record; a change the record would refuse is refused at submit."""

from __future__ import annotations

from datetime import date, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import issue_token
from gateway.pay.lock_checks import WARNING_CODES
from gateway.people.departments import assign_employees, create_department
from gateway.store import Employee, Onboarding, PersonnelChange, StaffRequest

URL = "/api/v1/employees/E001"


@pytest.fixture
def manager(factory: sessionmaker[Session]) -> dict[str, str]:
    """E010 manages the department of E001; headers of E010's manager token."""
    with factory() as session, session.begin():
        session.add(Employee(code="E010", name="Manager", office_id=1, pay_basis="monthly",
                             monthly_salary_fen=900000, special_deductions_fen=0))  # fmt: skip
        session.flush()
        create_department(session, "test", office="Shanghai HQ", code="SH", name="上海总部", manager="E010")
        assign_employees(session, "test", "SH", ["E001"])
        _row, secret = issue_token(session, "li-na", "manager", "E010", "test")
    return {"Authorization": f"Bearer {secret}"}


def _submit(
    client: TestClient, headers: dict[str, str], change_type: str, day: str, terms: dict[str, object]
) -> httpx.Response:
    body = {"kind": "change", "employee": "E001", "change_type": change_type, "effective_from": day,
            "terms": terms, "reason": "年度调整"}  # fmt: skip
    return client.post("/api/v1/requests", json=body, headers=headers)


def _approve(client: TestClient, headers: dict[str, str], request_id: int) -> dict[str, object]:
    [result] = client.post(
        "/api/v1/requests/decisions", json={"ids": [request_id], "approve": True}, headers=headers
    ).json()
    return dict(result)


def _history(client: TestClient, hr: dict[str, str], as_of: str) -> dict[str, object]:
    return dict(client.get(f"{URL}/history", params={"as_of": as_of}, headers=hr).json())


def test_a_raise_on_the_16th_by_the_manager_pays_each_part_of_march(
    client: TestClient, as_role, factory: sessionmaker[Session], manager: dict[str, str]
) -> None:
    """The figures of test_employee_terms' raise on the 16th: BASE_PAY 1,379,349, ABSENCE -56,762."""
    hr = as_role("hr")
    full_month(factory)
    made = _submit(client, manager, "raise", "2026-03-16", {"monthly_salary_fen": 1_500_000})
    assert made.status_code == 201, made.text
    request = made.json()
    assert (request["kind"], request["steps"], request["step"], request["change"]) == (
        "change", 2, 1, {"change_type": "raise", "effective_from": "2026-03-16",
                         "terms": {"monthly_salary_fen": 1_500_000}, "current": {"monthly_salary_fen": 1_234_567}},
    )  # fmt: skip
    assert _history(client, hr, "2026-03-16")["records"] == []  # nothing written before the approval
    assert _approve(client, manager, request["id"]) == {"id": request["id"], "ok": True, "status": "pending",
                                                        "step": 2, "detail": ""}  # fmt: skip
    assert _approve(client, hr, request["id"])["status"] == "approved"
    approved = client.get(f"/api/v1/requests/{request['id']}", headers=manager).json()["change"]
    assert (approved["current"], approved["terms"]) == (
        {"monthly_salary_fen": 1_234_567},
        {"monthly_salary_fen": 1_500_000},
    )
    records = client.get(f"{URL}/history", headers=hr).json()["records"]
    assert [(r["effective_from"], r["values"].get("monthly_salary_fen"), r["reason"]) for r in records][-1] == (
        "2026-03-16",
        1_500_000,
        f"调薪: request {request['id']}",
    )
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{run}/compute", headers=hr).status_code == 200
    items = client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
    [slip] = [item for item in items if item["employee"] == "E001"]
    lines = client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json()["lines"]
    assert [(line["code"], line["amount_fen"]) for line in lines[:3]] == [
        ("BASE_PAY", 1_379_349),
        ("ABSENCE", -56_762),
        ("GROSS", 1_322_587),
    ]


def test_a_transfer_approved_moves_the_office_from_that_day(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    made = _submit(client, hr, "transfer", "2026-03-10", {"office": "Urumqi plant"})
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    assert _approve(client, hr, request_id)["step"] == 2
    assert _approve(client, hr, request_id)["status"] == "approved"
    assert _history(client, hr, "2026-03-09")["terms"]["office"] == "Shanghai HQ"  # type: ignore[index]
    assert _history(client, hr, "2026-03-10")["terms"]["office"] == "Urumqi plant"  # type: ignore[index]


def test_probation_to_regular_takes_the_pay_agreed_at_onboarding(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    with factory() as session, session.begin():
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        session.add(Onboarding(office_id=1, name=e1.name, position="工程师", hired_on=date(2026, 1, 5),
                               pay_basis="monthly", monthly_salary_fen=1_000_000, probation_months=2,
                               probation_salary_fen=800_000, id_type="resident", id_number="sealed",
                               id_digest="0" * 64, status="approved", created_by="test",
                               created_at=datetime(2026, 1, 1), employee_id=e1.id))  # fmt: skip
    made = _submit(client, hr, "probation", "2026-03-05", {})
    assert made.status_code == 201, made.text
    assert made.json()["change"]["terms"] == {"monthly_salary_fen": 1_000_000}
    request_id = made.json()["id"]
    _approve(client, hr, request_id)
    assert _approve(client, hr, request_id)["status"] == "approved"
    assert _history(client, hr, "2026-03-05")["terms"]["monthly_salary_fen"] == 1_000_000  # type: ignore[index]


def _nothing_stored(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(StaffRequest).where(StaffRequest.kind == "change")) == 0
        assert session.scalar(select(func.count()).select_from(PersonnelChange)) == 0


def test_refusals_say_why_and_store_nothing(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:
    hr = as_role("hr")
    own = _submit(client, as_role("employee"), "raise", "2026-03-16", {"monthly_salary_fen": 1_500_000})
    assert (own.status_code, own.json()["detail"]) == (
        422,
        "a change of your own terms (转正, 调薪, 调动) is not asked by you, E001: your manager or HR submits it "
        "for you",
    )
    unknown = _submit(client, hr, "raise", "2026-03-16", {"monthly_salary_fen": 1, "salary": 1})
    assert (unknown.status_code, unknown.json()["detail"]) == (
        422,
        "unknown field(s) 'salary' for a dated change of employee E001: the fields are pay_basis, monthly_salary_fen, "
        "hourly_rate_fen, office, department, shift_rule, si_city, si_base_fen, special_deductions_fen, entity, "
        "working_time_system, wts_period, wts_approval_no",
    )
    full_month(factory)
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{run}/compute", headers=hr).status_code == 200
    locked = client.post(f"/api/v1/payruns/{run}/lock", json={"acknowledge": list(WARNING_CODES)}, headers=hr)
    assert locked.status_code == 200, locked.text
    in_locked = _submit(client, hr, "raise", "2026-03-16", {"monthly_salary_fen": 1_500_000})
    assert (in_locked.status_code, in_locked.json()["detail"]) == (
        422,
        f"employee E001: a change from 2026-03-16 would alter 2026-03, which locked pay run {run} (scope "
        "'Shanghai HQ') paid; a locked run never changes: date the change in the month after 2026-03, and pay what "
        "is owed for the past as a correction in that month's run",
    )
    _nothing_stored(factory)
    assert _history(client, hr, "2026-03-16")["records"] == []


def test_the_change_form_reads_the_team_and_the_terms_beside_it(
    client: TestClient, as_role, factory: sessionmaker[Session], manager: dict[str, str]
) -> None:
    """The manager's 我的团队 lists E001 (not E002 of Urumqi, not themselves); the form's terms are those of the day
    asked, with 转正's default pay from the onboarding; E002 is a 404 to the manager, the team a 403 to HR."""
    hr = as_role("hr")
    assert client.get("/api/v1/personnel-changes/team", headers=manager).json() == [
        {
            "code": "E001",
            "name": "Worker E001",
            "office": "Shanghai HQ",
            "department": "SH",
            "department_name": "上海总部",
        }
    ]
    assert client.get("/api/v1/personnel-changes/team", headers=hr).status_code == 403
    with factory() as session, session.begin():
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        session.add(Onboarding(office_id=1, name=e1.name, position="工程师", hired_on=date(2026, 1, 5),
                               pay_basis="monthly", monthly_salary_fen=1_000_000, probation_months=2,
                               probation_salary_fen=800_000, id_type="resident", id_number="sealed",
                               id_digest="0" * 64, status="approved", created_by="test",
                               created_at=datetime(2026, 1, 1), employee_id=e1.id))  # fmt: skip
    change = {"effective_from": "2026-03-16", "monthly_salary_fen": 950_000, "reason": "调薪"}
    raised = client.post(f"{URL}/changes", headers=hr, json=change)
    assert raised.status_code == 201, raised.text
    before = client.get("/api/v1/personnel-changes/E001/terms", params={"day": "2026-03-15"}, headers=manager)
    assert before.json() == {
        "employee": "E001", "day": "2026-03-15", "agreed_pay": {"monthly_salary_fen": 1_000_000},
        "terms": {"pay_basis": "monthly", "monthly_salary_fen": 600_000, "hourly_rate_fen": None,
                  "office": "Shanghai HQ", "department": "SH", "shift_rule": None},
    }  # fmt: skip
    after = client.get("/api/v1/personnel-changes/E001/terms", params={"day": "2026-03-16"}, headers=hr)
    assert after.json()["terms"]["monthly_salary_fen"] == 950_000
    other = client.get("/api/v1/personnel-changes/E002/terms", headers=manager)
    assert (other.status_code, other.json()["detail"]) == (404, "employee 'E002' does not exist")
