"""Employees and badges: CRUD by hr/admin, read by viewers, own record only for employee tokens (404 otherwise)."""

from __future__ import annotations

from datetime import datetime

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import select

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.attendance import OFFICE_RULES_DIR
from gateway.store import Badge, Employee, Punch, Quarantine

NEW = {
    "code": "E100",
    "name": "Li Lei",
    "office": "Shanghai HQ",
    "pay_basis": "hourly",
    "hourly_rate_fen": 2500,
    "hired_on": "2026-03-01",
}


@pytest.mark.parametrize("role", ["admin", "hr", "viewer"])
def test_readers_list_and_filter(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api/v1/employees", headers=as_role(role)).json()
    assert page["total"] == 2 and [e["code"] for e in page["items"]] == ["E001", "E002"]
    assert page["items"][0] == {
        "code": "E001",
        "name": "Worker E001",
        "office": "Shanghai HQ",
        "pay_basis": "monthly",
        "monthly_salary_fen": 600000,
        "hourly_rate_fen": None,
        "hired_on": None,
        "left_on": None,
        "si_city": None,
        "special_deductions_fen": 0,
        "shift_rule": None,
        "id_type": None,
        "id_number": None,
        "hf_rate": None,
        "part_time": False,
        "department": None,
        "department_name": None,
        "badges": [{"id": 1, "pin": "1001", "device_sn": None, "card": None, "device_privilege": "user"}],
        "login_closes_on": None,
        "login_closed": False,
        "working_time_system": "standard",  # 标准工时 unless HR records an approved system
        "wts_period": None,
        "wts_approval_no": None,
    }
    urumqi = client.get("/api/v1/employees", params={"office": "Urumqi plant"}, headers=as_role(role)).json()
    assert [e["code"] for e in urumqi["items"]] == ["E002"]
    assert (
        client.get("/api/v1/employees", params={"q": "E00", "limit": 1, "offset": 1}, headers=as_role(role)).json()[
            "items"
        ][0]["code"]
        == "E002"
    )


def test_the_employee_views_show_and_filter_by_department(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    made = client.post(
        "/api/v1/departments", json={"office": "Shanghai HQ", "code": "SH-OPS", "name": "运营部"}, headers=hr
    )
    moved = client.post("/api/v1/departments/SH-OPS/members", json={"employees": ["E001"]}, headers=hr)
    assert (made.status_code, moved.status_code) == (201, 204)
    one = client.get("/api/v1/employees/E001", headers=as_role("viewer")).json()
    assert (one["department"], one["department_name"]) == ("SH-OPS", "运营部")
    listed = client.get("/api/v1/employees", params={"department": "SH-OPS"}, headers=as_role("viewer")).json()
    assert (listed["total"], [(e["code"], e["department"]) for e in listed["items"]]) == (1, [("E001", "SH-OPS")])
    unknown = client.get("/api/v1/employees", params={"department": "NOPE"}, headers=hr)
    assert (unknown.status_code, unknown.json()["detail"]) == (
        422,
        "no department with code 'NOPE': departments are 'SH-OPS'",
    )


def test_employee_token_sees_itself_and_404_for_anyone_else(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    own = client.get("/api/v1/employees/E001", headers=as_role("employee"))
    assert (own.status_code, own.json()["code"]) == (200, "E001")
    other = client.get("/api/v1/employees/E002", headers=as_role("employee"))
    missing = client.get("/api/v1/employees/E404", headers=as_role("employee"))
    assert (other.status_code, other.json()["detail"]) == (404, "employee 'E002' does not exist")
    assert (missing.status_code, missing.json()["detail"]) == (404, "employee 'E404' does not exist")
    assert client.get("/api/v1/employees/E002/badges", headers=as_role("employee")).status_code == 404
    assert client.get("/api/v1/employees", headers=as_role("employee")).status_code == 403


def test_hr_creates_edits_and_deletes_with_audit(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/employees", json=NEW, headers=as_role("hr"))
    assert created.status_code == 201
    assert created.json()["hourly_rate_fen"] == 2500 and created.json()["badges"] == []
    edited = client.patch(
        "/api/v1/employees/E100", json={"pay_basis": "monthly", "monthly_salary_fen": 550000}, headers=as_role("admin")
    )
    assert (edited.status_code, edited.json()["pay_basis"], edited.json()["monthly_salary_fen"]) == (
        200,
        "monthly",
        550000,
    )
    assert client.delete("/api/v1/employees/E100", headers=as_role("hr")).status_code == 204
    assert client.get("/api/v1/employees/E100", headers=as_role("hr")).status_code == 404
    actions = [(actor, action, target) for actor, action, target, _b, _a in audit_rows(factory)[-3:]]
    assert actions == [
        ("hr:hr-token", "employee.add", "employee:E100"),
        ("admin:admin-token", "employee.edit", "employee:E100"),
        ("hr:hr-token", "employee.delete", "employee:E100"),
    ]
    edit_before, edit_after = audit_rows(factory)[-2][3:]
    assert (edit_before["pay_basis"], edit_before["monthly_salary_fen"]) == ("hourly", None)  # type: ignore[index]
    assert (edit_after["pay_basis"], edit_after["monthly_salary_fen"]) == ("monthly", 550000)  # type: ignore[index]


@pytest.mark.parametrize("role", ["viewer", "employee"])
def test_read_only_roles_cannot_change_people(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/employees", json=NEW, headers=as_role(role)).status_code == 403
    assert client.patch("/api/v1/employees/E001", json={"name": "x"}, headers=as_role(role)).status_code == 403
    assert client.delete("/api/v1/employees/E001", headers=as_role(role)).status_code == 403
    assert client.post("/api/v1/employees/E001/badges", json={"pin": "7"}, headers=as_role(role)).status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({**NEW, "code": "E001"}, 409, "employee code 'E001' is already used: pick another code or edit that employee"),
        ({**NEW, "office": "Mars"}, 422, "no office named 'Mars': offices are 'Shanghai HQ', 'Urumqi plant'"),
    ],
)
def test_invalid_employee_leaves_nothing_behind(client: TestClient, as_role, factory, body, status, detail) -> None:  # type: ignore[no-untyped-def]
    before = audit_rows(factory)
    response = client.post("/api/v1/employees", json=body, headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert audit_rows(factory) == before
    with factory() as session:
        assert list(session.scalars(select(Employee.code).order_by(Employee.code))) == ["E001", "E002"]


def test_pay_fields_are_checked_together(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/employees", json={"code": "E7", "name": "No Pay"}, headers=as_role("hr"))
    assert response.json()["errors"] == [
        "request body: a monthly employee needs monthly_salary_fen (integer fen, e.g. 600000 for 6,000.00 yuan)"
    ]
    patch = client.patch(
        "/api/v1/employees/E001", json={"hired_on": "2026-03-01", "left_on": "2026-02-01"}, headers=as_role("hr")
    )
    assert (patch.status_code, patch.json()["detail"]) == (
        422,
        "left_on 2026-02-01 is before hired_on 2026-03-01: fix one of the dates",
    )
    null_name = client.patch("/api/v1/employees/E001", json={"name": None}, headers=as_role("hr"))
    assert (null_name.status_code, null_name.json()["detail"]) == (422, "name: Input should be a valid string")


def test_an_employee_shift_is_stored_checked_against_the_office_and_audited(
    client: TestClient, as_role, factory
) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/employees", json={**NEW, "shift_rule": "flex"}, headers=as_role("hr"))
    assert (created.status_code, created.json()["shift_rule"]) == (201, "flex")
    assert audit_rows(factory)[-1][4]["shift_rule"] == "flex"  # type: ignore[index]
    # Shanghai HQ and the Dongguan rule file both keep Asia/Shanghai time, so RULES/SHIFT may name it
    edited = client.patch("/api/v1/employees/E100", json={"shift_rule": "dongguan/night"}, headers=as_role("hr"))
    assert (edited.status_code, edited.json()["shift_rule"]) == (200, "dongguan/night")
    _actor, action, _target, before, after = audit_rows(factory)[-1]
    assert (action, before["shift_rule"], after["shift_rule"]) == ("employee.edit", "flex", "dongguan/night")  # type: ignore[index]
    cleared = client.patch("/api/v1/employees/E100", json={"shift_rule": None}, headers=as_role("hr"))
    assert (cleared.status_code, cleared.json()["shift_rule"]) == (200, None)
    with factory() as session:
        assert session.scalar(select(Employee.shift_rule).where(Employee.code == "E100")) is None


SHIFTS_OF_HQ = (
    "give a shift of office 'Shanghai HQ' (rule file 'shanghai'), RULES/SHIFT, or null for the office's shift"
)


@pytest.mark.parametrize(
    ("code", "body", "detail"),
    [
        (
            "E001",
            {"shift_rule": "night"},
            "shift_rule 'night': rule file 'shanghai' has no shift 'night'; its shifts are: office, flex; "
            f"{SHIFTS_OF_HQ}",
        ),
        (
            "E001",
            {"shift_rule": "dongguan/evening"},
            "shift_rule 'dongguan/evening': rule file 'dongguan' has no shift 'evening'; its shifts are: day, "
            f"night; {SHIFTS_OF_HQ}",
        ),
        (
            "E001",
            {"shift_rule": "beijing/day"},
            f"shift_rule 'beijing/day': the office rule file {OFFICE_RULES_DIR / 'beijing.toml'} does not exist; "
            "set shift_rule to "
            f'RULES/SHIFT with RULES one of: dongguan, shanghai, urumqi (e.g. "dongguan"); {SHIFTS_OF_HQ}',
        ),
        (
            "E002",
            {"shift_rule": "shanghai/office"},
            "shift_rule 'shanghai/office': rule file 'shanghai' keeps time in Asia/Shanghai, but office 'Urumqi "
            "plant' is in "
            "Asia/Urumqi: pick a shift of a rule file in the office's timezone; give a shift of office 'Urumqi plant' "
            "(rule file 'urumqi'), RULES/SHIFT, or null for the office's shift",
        ),
    ],
)
def test_an_unknown_shift_is_refused_naming_the_office_shifts(
    client: TestClient, as_role, factory, code, body, detail
) -> None:  # type: ignore[no-untyped-def]
    before = audit_rows(factory)
    response = client.patch(f"/api/v1/employees/{code}", json=body, headers=as_role("hr"))
    assert (response.status_code, response.headers["content-type"], response.json()["detail"]) == (
        422,
        "application/problem+json",
        detail,
    )
    assert audit_rows(factory) == before


def test_a_shift_is_rechecked_when_the_office_changes(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    assert client.patch("/api/v1/employees/E001", json={"shift_rule": "flex"}, headers=as_role("hr")).status_code == 200
    moved = client.patch("/api/v1/employees/E001", json={"office": "Urumqi plant"}, headers=as_role("hr"))
    assert (moved.status_code, moved.json()["detail"]) == (
        422,
        "shift_rule 'flex': rule file 'urumqi' has no shift 'flex'; its shifts are: office; give a shift of office "
        "'Urumqi plant' (rule file 'urumqi'), RULES/SHIFT, or null for the office's shift",
    )
    both = client.patch(
        "/api/v1/employees/E001", json={"office": "Urumqi plant", "shift_rule": "office"}, headers=as_role("hr")
    )
    assert (both.status_code, both.json()["office"], both.json()["shift_rule"]) == (200, "Urumqi plant", "office")
    homeless = client.patch("/api/v1/employees/E001", json={"office": None}, headers=as_role("hr"))
    assert (homeless.status_code, homeless.json()["detail"]) == (
        422,
        "a shift_rule needs an office: give office, or leave shift_rule null",
    )
    path = client.post("/api/v1/employees", json={**NEW, "shift_rule": "../secrets/x"}, headers=as_role("hr"))
    assert (path.status_code, path.json()["errors"]) == (
        422,
        [
            "body field shift_rule: String should match pattern '^([a-z][a-z0-9_-]*/)?[A-Za-z0-9_-]+$' (got "
            "'../secrets/x')"
        ],
    )


def test_employee_with_punches_or_tokens_cannot_be_deleted(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.delete("/api/v1/employees/E002", headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "employee 'E002' has punches, which must stay attributable: set left_on instead of deleting",
    )
    client.post("/api/v1/employees", json=NEW, headers=as_role("hr"))
    client.post("/api/v1/tokens", json={"name": "li", "role": "employee", "employee": "E100"}, headers=as_role("admin"))
    response = client.delete("/api/v1/employees/E100", headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "employee 'E100' has api tokens, which must stay attributable: set left_on instead of deleting",
    )


def test_adding_a_badge_remaps_its_quarantined_punches(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    ingest_punches(
        factory,
        "UR0001",
        [RawPunch("UR0001", "9999", datetime(2026, 3, 3, 9, 0))],
        source="zk-udp",
        now=datetime(2026, 3, 4),
    )
    response = client.post(
        "/api/v1/employees/E002/badges", json={"pin": "9999", "device_sn": "SH0001"}, headers=as_role("hr")
    )
    assert response.status_code == 201
    assert response.json() == {
        "badge": {"id": 3, "pin": "9999", "device_sn": "SH0001", "card": None, "device_privilege": "user"},
        "remapped_punches": 1,
    }
    with factory() as session:
        rows = session.execute(
            select(Punch.device_sn, Punch.employee_id, Quarantine.resolved_at.is_not(None))
            .join(Quarantine, Quarantine.punch_id == Punch.id)
            .order_by(Punch.device_sn)
        ).all()
    assert [(sn, employee, resolved) for sn, employee, resolved in rows] == [
        ("SH0001", 2, True),
        ("UR0001", None, False),
    ]
    assert audit_rows(factory)[-1] == (
        "hr:hr-token",
        "badge.add",
        "employee:E002",
        None,
        {"pin": "9999", "device_sn": "SH0001", "card": 0, "device_privilege": "user", "remapped_punches": 1},
    )
    badges = client.get("/api/v1/employees/E002/badges", headers=as_role("viewer")).json()
    assert badges == [
        {"id": 2, "pin": "1002", "device_sn": None, "card": None, "device_privilege": "user"},
        {"id": 3, "pin": "9999", "device_sn": "SH0001", "card": None, "device_privilege": "user"},
    ]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"pin": "1001"}, 409, "pin '1001' company-wide already belongs to employee 'E001': remove that badge first"),
        (
            {"pin": "55", "device_sn": "GHOST"},
            422,
            "no device with serial number 'GHOST': omit device_sn for a company-wide badge",
        ),
    ],
)
def test_bad_badge_is_refused(client: TestClient, as_role, body, status, detail) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/employees/E002/badges", json=body, headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (status, detail)


def test_removing_a_badge_is_audited(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    assert client.delete("/api/v1/employees/E001/badges/2", headers=as_role("hr")).status_code == 404  # E002's badge
    assert client.delete("/api/v1/employees/E001/badges/1", headers=as_role("hr")).status_code == 204
    assert audit_rows(factory)[-1] == (
        "hr:hr-token",
        "badge.remove",
        "employee:E001",
        {"pin": "1001", "device_sn": None},
        None,
    )
    assert client.get("/api/v1/employees/E001/badges", headers=as_role("hr")).json() == []


def test_a_badge_number_longer_than_a_zk_pin_is_refused(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    longest = client.post("/api/v1/employees/E001/badges", json={"pin": "7" * 24}, headers=hr)
    assert longest.status_code == 201
    one_more = client.post("/api/v1/employees/E001/badges", json={"pin": "7" * 25}, headers=hr)
    assert one_more.json()["errors"] == [f"body field pin: String should have at most 24 characters (got {'7' * 25!r})"]
    refused = client.post("/api/v1/employees/E001/badges", json={"pin": "8" * 100_000}, headers=hr)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        f"body field pin: String should have at most 24 characters (got {'8' * 80!r}… (100,000 characters))"
    ]
    with factory() as session:
        assert sorted(session.scalars(select(Badge.pin).where(Badge.pin.like("7%") | Badge.pin.like("8%")))) == [
            "7" * 24
        ]
