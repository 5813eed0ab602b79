"""Departments through the API: the tree per office, its manager, members, and the manager's reach (subtree)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import issue_token
from gateway.people.departments import managed_employee_ids
from gateway.store import Employee


def _add(client: TestClient, hr: dict[str, str], code: str, parent: str | None = None, **extra: str) -> None:
    body = {"office": "Shanghai HQ", "code": code, "name": f"部门 {code}", "parent": parent, **extra}
    response = client.post("/api/v1/departments", json=body, headers=hr)
    assert response.status_code == 201, response.text


def test_tree_members_and_the_managers_reach(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _add(client, hr, "SH", manager="E001")
    _add(client, hr, "SH-QA", parent="SH")
    assert client.post("/api/v1/departments/SH-QA/members", json={"employees": ["E001"]}, headers=hr).status_code == 204
    listed = client.get("/api/v1/departments", headers=as_role("viewer")).json()
    assert listed == [
        {"code": "SH", "name": "部门 SH", "office": "Shanghai HQ", "parent": None, "manager": "E001",
         "manager_name": "Worker E001", "members": 0},
        {"code": "SH-QA", "name": "部门 SH-QA", "office": "Shanghai HQ", "parent": "SH", "manager": None,
         "manager_name": None, "members": 1},
    ]  # fmt: skip
    with factory() as session:
        e001 = session.query(Employee).filter_by(code="E001").one()
        assert managed_employee_ids(session, e001.id) == set()  # a manager's own requests go to HR, not to themselves


def test_refusals_say_what(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _add(client, hr, "SH")
    _add(client, hr, "SH-QA", parent="SH")
    loop = client.patch("/api/v1/departments/SH", json={"parent": "SH-QA"}, headers=hr)
    assert (loop.status_code, loop.json()["detail"]) == (
        422, "department 'SH-QA' is 'SH' itself or below it: choose another parent"
    )  # fmt: skip
    other_office = client.post("/api/v1/departments/SH/members", json={"employees": ["E002"]}, headers=hr)
    assert other_office.json()["detail"] == (
        "employee 'E002' works in another office than department 'SH': a department holds people of its own office"
    )
    busy = client.delete("/api/v1/departments/SH", headers=hr)
    assert busy.json()["detail"] == "department 'SH' still has 1 sub-department(s) and 0 employee(s): move them first"
    missing = client.delete("/api/v1/departments/NOPE", headers=hr)
    assert (missing.status_code, missing.json()["detail"]) == (404, "department 'NOPE' does not exist")
    assert client.post("/api/v1/departments", json={"office": "Shanghai HQ", "code": "X", "name": "x"},
                       headers=as_role("viewer")).status_code == 403  # fmt: skip


def test_a_manager_reaches_the_whole_subtree(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    client.post("/api/v1/employees", json={"code": "E010", "name": "李娜", "office": "Shanghai HQ",
                                            "monthly_salary_fen": 900000}, headers=hr)  # fmt: skip
    _add(client, hr, "SH", manager="E010")
    _add(client, hr, "SH-QA", parent="SH")
    client.post("/api/v1/departments/SH-QA/members", json={"employees": ["E001"]}, headers=hr)
    client.post("/api/v1/departments/SH/members", json={"employees": ["E010"]}, headers=hr)
    with factory() as session, session.begin():
        ids = {e.code: e.id for e in session.query(Employee)}
        assert managed_employee_ids(session, ids["E010"]) == {ids["E001"]}
        _row, secret = issue_token(session, "li-na", "manager", "E010", "test")
    assert client.get("/api/v1/departments", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get("/api/v1/employees", headers={"Authorization": f"Bearer {secret}"}).status_code == 403


def test_work_start_after_hire_is_refused(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    body = {"code": "E011", "name": "王芳", "office": "Shanghai HQ", "monthly_salary_fen": 900000,
            "hired_on": "2020-03-01"}  # fmt: skip
    assert client.post("/api/v1/employees", json=body, headers=hr).status_code == 201
    late = client.put("/api/v1/departments/work-start/E011", json={"work_started_on": "2021-01-01"}, headers=hr)
    assert late.json()["detail"] == (
        "work start 2021-01-01 is after the hire date 2020-03-01: the first job anywhere began on or before this one"
    )
    ok = client.put("/api/v1/departments/work-start/E011", json={"work_started_on": "2008-07-01"}, headers=hr)
    assert ok.status_code == 204
