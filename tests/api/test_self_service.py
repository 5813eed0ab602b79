"""Employee self-service through the API: a payslip's receipt (first open, 「确认无误」, 「有疑问」 with its text),
what HR sees per pay run, 404 for another's payslip or an unlocked one, and social insurance and housing fund by
month from locked payslips."""

from __future__ import annotations

from datetime import datetime

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, WORKDAYS, full_month, punch_day
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import issue_token
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import run_payroll
from gateway.people.departments import assign_employees, create_department
from gateway.store import Badge, Employee, Payslip

OPENED = datetime(2026, 4, 10, 1, 30)


@pytest.fixture
def locked(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """March 2026 locked at Shanghai HQ for E001 and E003 (a colleague with a login of their own)."""
    monkeypatch.setattr("gateway.people.payslip_receipts.utcnow", lambda: OPENED)
    full_month(factory)
    with factory() as session, session.begin():
        e003 = Employee(code="E003", name="张伟", office_id=1, pay_basis="monthly", monthly_salary_fen=880_000,
                        special_deductions_fen=0)  # fmt: skip
        session.add(e003)
        session.flush()
        session.add(Badge(pin="1003", employee_id=e003.id, device_sn=None))
    for day in WORKDAYS:
        punch_day(factory, day, pin="1003")
    with factory() as session, session.begin():
        run, _ = run_payroll(session, PERIOD, SCOPE, "test", lock=True, acknowledge=list(WARNING_CODES))
        slips = {e.code: s.id for s, e in session.execute(select(Payslip, Employee).join(Employee))}
        _row, secret = issue_token(session, "zhang-wei", "employee", "E003", "test")
        return {"run": run.id, "slips": slips, "e003": {"Authorization": f"Bearer {secret}"}}


def _receipt(slip: int, state: str, **changes: object) -> dict[str, object]:
    base = {"payslip": slip, "employee": "E001", "name": "Worker E001", "state": state, "viewed_at": None,
            "confirmed_at": None, "questioned_at": None, "question": ""}  # fmt: skip
    return {**base, **changes}


def test_the_first_open_is_recorded_once_and_hr_sees_it(client: TestClient, as_role, locked, factory) -> None:  # type: ignore[no-untyped-def]
    slip = locked["slips"]["E001"]
    me = as_role("employee")
    assert client.get(f"/api/v1/payslips/{slip}/receipt", headers=me).json() == _receipt(slip, "unviewed")
    first = client.post(f"/api/v1/payslips/{slip}/receipt/view", headers=me)
    again = client.post(f"/api/v1/payslips/{slip}/receipt/view", headers=me)
    viewed = _receipt(slip, "viewed", viewed_at="2026-04-10T01:30:00Z")
    assert (first.status_code, first.json(), again.status_code, again.json()) == (200, viewed, 200, viewed)
    views = [row for row in audit_rows(factory) if row[1].startswith("payslip.")]
    assert views == [("employee:employee-token", "payslip.viewed", f"payslip:{slip}", None,
                      {"viewed_at": "2026-04-10T01:30:00"})]  # fmt: skip
    run = locked["run"]
    listed = client.get(f"/api/v1/payruns/{run}/receipts", headers=as_role("hr")).json()
    assert [(r["employee"], r["state"]) for r in listed] == [("E001", "viewed"), ("E003", "unviewed")]
    only = client.get(f"/api/v1/payruns/{run}/receipts?state=unviewed", headers=as_role("viewer")).json()
    assert [r["employee"] for r in only] == ["E003"]


def test_a_question_then_a_confirmation_and_nothing_after(client: TestClient, as_role, locked, factory) -> None:  # type: ignore[no-untyped-def]
    slip = locked["slips"]["E001"]
    me = as_role("employee")
    blank = client.post(f"/api/v1/payslips/{slip}/receipt/question", json={"text": "   "}, headers=me)
    assert blank.status_code == 422
    asked = client.post(f"/api/v1/payslips/{slip}/receipt/question", json={"text": "3月10日我请了假"}, headers=me)
    questioned = _receipt(slip, "questioned", viewed_at="2026-04-10T01:30:00Z",
                          questioned_at="2026-04-10T01:30:00Z", question="3月10日我请了假")  # fmt: skip
    assert (asked.status_code, asked.json()) == (200, questioned)
    twice = client.post(f"/api/v1/payslips/{slip}/receipt/question", json={"text": "again"}, headers=me)
    assert (twice.status_code, twice.json()["detail"]) == (
        409, f"payslip {slip} was already questioned at 2026-04-10 01:30 UTC; HR will answer that question "
        "(you may confirm once it is explained)")  # fmt: skip
    hr_sees = client.get(f"/api/v1/payruns/{locked['run']}/receipts?state=questioned", headers=as_role("hr")).json()
    assert hr_sees == [questioned]
    confirmed = client.post(f"/api/v1/payslips/{slip}/receipt/confirm", headers=me)
    assert (confirmed.status_code, confirmed.json()) == (200, {**questioned, "state": "confirmed",
                                                               "confirmed_at": "2026-04-10T01:30:00Z"})  # fmt: skip
    for late in ("confirm", "question"):
        refused = client.post(f"/api/v1/payslips/{slip}/receipt/{late}", json={"text": "x"} if late == "question"
                              else None, headers=me)  # fmt: skip
        assert (refused.status_code, refused.json()["detail"]) == (
            409, f"payslip {slip} was already confirmed at 2026-04-10 01:30 UTC; if something is wrong now, "
            "ask HR directly")  # fmt: skip
    assert [(r[1], r[3], r[4]) for r in audit_rows(factory) if r[1].startswith("payslip.")] == [
        ("payslip.viewed", None, {"viewed_at": "2026-04-10T01:30:00"}),
        ("payslip.questioned", {"state": "viewed"}, {"state": "questioned", "question": "3月10日我请了假"}),
        ("payslip.confirmed", {"state": "questioned"}, {"state": "confirmed"}),
    ]


def test_another_employees_payslip_is_404_and_changes_nothing(client: TestClient, as_role, locked, factory) -> None:  # type: ignore[no-untyped-def]
    theirs = locked["slips"]["E003"]
    for path in ("receipt/view", "receipt/confirm"):
        answer = client.post(f"/api/v1/payslips/{theirs}/{path}", headers=as_role("employee"))
        assert (answer.status_code, answer.json()["detail"]) == (404, f"payslip {theirs} does not exist")
    asked = client.post(f"/api/v1/payslips/{theirs}/receipt/question", json={"text": "?"}, headers=as_role("employee"))
    assert asked.status_code == 404
    assert client.get(f"/api/v1/payslips/{theirs}/receipt", headers=as_role("employee")).status_code == 404
    assert client.post(f"/api/v1/payslips/{theirs}/receipt/confirm", headers=as_role("hr")).status_code == 403
    assert [r for r in audit_rows(factory) if r[1].startswith("payslip.")] == []
    own = client.post(f"/api/v1/payslips/{theirs}/receipt/confirm", headers=locked["e003"])
    assert (own.status_code, own.json()["employee"], own.json()["state"]) == (200, "E003", "confirmed")


def test_a_payslip_of_an_unlocked_run_takes_no_receipt(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    with factory() as session, session.begin():
        run, _ = run_payroll(session, PERIOD, SCOPE, "test")
        slip = session.scalars(select(Payslip.id).where(Payslip.payrun_id == run.id)).one()
    answer = client.post(f"/api/v1/payslips/{slip}/receipt/confirm", headers=as_role("employee"))
    assert (answer.status_code, answer.json()["detail"]) == (404, f"payslip {slip} does not exist")


def test_contributions_by_month_from_locked_payslips(client: TestClient, as_role, locked, factory) -> None:  # type: ignore[no-untyped-def]
    slip = locked["slips"]["E001"]
    with factory() as session:
        figures = session.get_one(Payslip, slip).figures
    months = client.get("/api/v1/contributions?year=2026", headers=as_role("employee")).json()
    assert [(m["period"], m["payslip"]) for m in months] == [("2026-03", slip)]
    items = {i["item"]: (i["base_fen"], i["employee_fen"], i["employer_fen"]) for i in months[0]["items"]}
    assert items == {
        "pension": (1_234_567, figures["pension_employee_fen"], figures["pension_employer_fen"]),
        "medical": (1_234_567, figures["medical_employee_fen"], figures["medical_employer_fen"]),
        "unemployment": (1_234_567, figures["unemployment_employee_fen"], figures["unemployment_employer_fen"]),
        "injury": (None, 0, figures["injury_employer_fen"]),
        "maternity": (None, 0, figures["maternity_employer_fen"]),
        "housing_fund": (1_234_567, figures["hf_employee_fen"], figures["hf_employer_fen"]),
    }
    employee = figures["si_employee_fen"] + figures["hf_employee_fen"]
    employer = figures["si_employer_fen"] + figures["hf_employer_fen"]
    assert (months[0]["employee_fen"], months[0]["employer_fen"]) == (employee, employer)
    assert client.get("/api/v1/contributions?year=2025", headers=as_role("employee")).json() == []
    theirs = client.get("/api/v1/contributions?year=2026&employee=E003", headers=as_role("employee"))
    assert (theirs.status_code, theirs.json()["detail"]) == (404, "employee 'E003' does not exist")
    hr = client.get("/api/v1/contributions?year=2026&employee=E003", headers=as_role("hr")).json()
    assert [m["payslip"] for m in hr] == [locked["slips"]["E003"]]
    nobody = client.get("/api/v1/contributions?year=2026", headers=as_role("hr"))
    assert (nobody.status_code, nobody.json()["detail"]) == (422, "employee: give the employee's code (employee=E001)")


def test_the_leave_types_of_the_form(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    types = client.get("/api/v1/leave/types", headers=as_role("employee")).json()
    assert [(t["code"], t["name"], t["unit"], t["attachment_required"]) for t in types][:3] == [
        ("annual", "年假", "half_day", False),
        ("sick", "病假", "half_day", True),
        ("personal", "事假", "hour", False),
    ]
    assert client.get("/api/v1/leave/types?employee=E002", headers=as_role("employee")).status_code == 404


def test_a_manager_has_an_employees_own_screens_and_not_their_peoples_pay(  # type: ignore[no-untyped-def]
    client: TestClient, locked, factory
) -> None:
    """张伟 manages E001's department: he approves E001's requests, yet sees only his own payslips, punches,
    contributions and receipts, as any employee — pay stays private within a department."""
    with factory() as session, session.begin():
        create_department(session, "test", office="Shanghai HQ", code="SH-OPS", name="运营部", manager="E003")
        assign_employees(session, "test", "SH-OPS", ["E001", "E003"])
        _row, secret = issue_token(session, "zhang-wei-manager", "manager", "E003", "test")
    boss = {"Authorization": f"Bearer {secret}"}
    mine, theirs = locked["slips"]["E003"], locked["slips"]["E001"]
    listed = client.get("/api/v1/payslips", headers=boss).json()["items"]
    assert [(s["id"], s["employee"]) for s in listed] == [(mine, "E003")]
    hidden = client.get(f"/api/v1/payslips/{theirs}", headers=boss)
    assert (hidden.status_code, hidden.json()["detail"]) == (404, f"payslip {theirs} does not exist")
    viewed = client.post(f"/api/v1/payslips/{mine}/receipt/view", headers=boss)
    assert (viewed.status_code, viewed.json()["employee"], viewed.json()["state"]) == (200, "E003", "viewed")
    refused = client.post(f"/api/v1/payslips/{theirs}/receipt/confirm", headers=boss)
    assert (refused.status_code, refused.json()["detail"]) == (404, f"payslip {theirs} does not exist")
    assert [m["payslip"] for m in client.get("/api/v1/contributions?year=2026", headers=boss).json()] == [mine]
    punches = client.get("/api/v1/punches?limit=500", headers=boss).json()["items"]
    assert {p["employee"] for p in punches} == {"E003"} and len(punches) == 2 * len(WORKDAYS)
    other = client.get("/api/v1/employees/E001", headers=boss)
    assert (other.status_code, other.json()["detail"]) == (404, "employee 'E001' does not exist")
    assert client.get("/api/v1/employees/E003", headers=boss).json()["code"] == "E003"
    month = client.get("/api/v1/employees/E001/month?period=2026-03", headers=boss)
    assert month.status_code == 200  # the calendar beside E001's request in his inbox
