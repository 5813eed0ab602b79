"""Requests and approvals through the API: leave approved into the ledger, HR's second step, reject, withdraw,
each conflict's message, a locked month, another department's manager (404), two approvers at once, and a 补卡
turning a missing-punch day into a worked one."""

from __future__ import annotations

import contextlib
import threading
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.access.tokens import issue_token
from gateway.devices.ingest import ingest_punches
from gateway.people import approvals
from gateway.people.departments import assign_employees, create_department
from gateway.people.leave_ledger import adjust, balance_steps
from gateway.store import AuditLog, Employee, LeaveEntry, PayRun, RequestEvent

NOW = datetime(2026, 12, 1, 6, 0)  # 14:00 in Shanghai, a Tuesday


@pytest.fixture
def people(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """E001 in SH (manager E010), E003 in QA (manager E011); 5 days of annual leave for E001."""
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: NOW)
    with factory() as session, session.begin():
        for code in ("E010", "E011", "E003"):
            session.add(Employee(code=code, name=f"Worker {code}", office_id=1, pay_basis="monthly",
                                 monthly_salary_fen=900000, special_deductions_fen=0))  # fmt: skip
        session.flush()
        create_department(session, "test", office="Shanghai HQ", code="SH", name="上海总部", manager="E010")
        create_department(session, "test", office="Shanghai HQ", code="QA", name="质检", manager="E011")
        assign_employees(session, "test", "SH", ["E001"])
        assign_employees(session, "test", "QA", ["E003"])
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        adjust(session, "test", e1, "annual", 2026, 10, "opening balance")
        tokens = {}
        for name, code in (("li-na", "E010"), ("wang", "E011")):
            _row, secret = issue_token(session, name, "manager", code, "test")
            tokens[name] = {"Authorization": f"Bearer {secret}"}
    return tokens


def _leave(client: TestClient, headers: dict[str, str], start: str, end: str, kind: str = "annual") -> dict:  # type: ignore[type-arg]
    body = {"kind": "leave", "leave_type": kind, "starts_at": start, "ends_at": end, "reason": "family visit"}
    return client.post("/api/v1/requests", json=body, headers=headers).json()  # type: ignore[no-any-return]


def test_leave_approved_by_the_manager_writes_the_ledger(client: TestClient, as_role, people, factory) -> None:  # type: ignore[no-untyped-def]
    created = _leave(client, as_role("employee"), "2026-12-07T00:00", "2026-12-09T12:00")  # Mon–Wed noon
    assert (created["status"], created["amount"], created["steps"], created["starts_at"]) == (
        "pending", 5, 1, "2026-12-07T00:00:00+08:00")  # fmt: skip
    inbox = client.get("/api/v1/requests/inbox", headers=people["li-na"]).json()
    assert [r["id"] for r in inbox] == [created["id"]]
    done = client.post("/api/v1/requests/decisions", json={"ids": [created["id"]], "approve": True, "comment": "ok"},
                       headers=people["li-na"]).json()  # fmt: skip
    assert done == [{"id": created["id"], "ok": True, "status": "approved", "step": 1, "detail": ""}]
    with factory() as session:
        rows = session.execute(select(LeaveEntry.kind, LeaveEntry.delta, LeaveEntry.request_id)
                               .order_by(LeaveEntry.id)).all()  # fmt: skip
        assert rows == [("adjustment", 10, None), ("use", -5, created["id"])]
        assert balance_steps(session, 1, "annual", 2026) == 5
        actions = list(session.scalars(select(AuditLog.action).where(AuditLog.action.like("request.%"))))
        assert actions == ["request.submit", "request.approved"]
    detail = client.get(f"/api/v1/requests/{created['id']}", headers=as_role("employee")).json()
    assert [(e["action"], e["actor"], e["comment"]) for e in detail["history"]] == [
        ("submitted", "employee:employee-token", "family visit"), ("approved", "manager:li-na", "ok")]  # fmt: skip


def test_hr_second_step_reject_and_withdraw(client: TestClient, as_role, people, factory) -> None:  # type: ignore[no-untyped-def]
    long = _leave(client, as_role("employee"), "2026-12-14T00:00", "2026-12-18T00:00")  # 4 days > 3: HR too
    assert (long["steps"], long["amount"]) == (2, 8)
    first = client.post("/api/v1/requests/decisions", json={"ids": [long["id"]], "approve": True},
                        headers=people["li-na"]).json()  # fmt: skip
    assert first[0] | {"detail": ""} == {"id": long["id"], "ok": True, "status": "pending", "step": 2, "detail": ""}
    again = client.post("/api/v1/requests/decisions", json={"ids": [long["id"]], "approve": True},
                        headers=people["li-na"]).json()  # fmt: skip
    assert again[0]["detail"] == f"request {long['id']} waits for HR's approval (step 2 of 2): HR decides it"
    hr = client.post("/api/v1/requests/decisions", json={"ids": [long["id"]], "approve": False, "comment": "year end"},
                     headers=as_role("hr")).json()  # fmt: skip
    assert (hr[0]["ok"], hr[0]["status"]) == (True, "rejected")
    short = _leave(client, as_role("employee"), "2026-12-21T00:00", "2026-12-22T00:00")
    gone = client.post(f"/api/v1/requests/{short['id']}/withdraw", json={}, headers=as_role("employee"))
    assert (gone.status_code, gone.json()["status"]) == (200, "withdrawn")
    late = client.post(f"/api/v1/requests/{short['id']}/withdraw", json={}, headers=as_role("employee"))
    assert (late.status_code, late.json()["detail"]) == (
        409, f"request {short['id']} is withdrawn already: only a pending request is withdrawn")  # fmt: skip
    with factory() as session:
        assert balance_steps(session, 1, "annual", 2026) == 10


def test_conflicts_are_refused_with_what(client: TestClient, as_role, people, factory) -> None:  # type: ignore[no-untyped-def]
    emp = as_role("employee")
    first = _leave(client, emp, "2026-12-07T00:00", "2026-12-08T00:00")

    def refused(body: dict) -> str:  # type: ignore[type-arg]
        answer = client.post("/api/v1/requests", json=body, headers=emp)
        assert answer.status_code == 422, answer.text
        return answer.json()["detail"]  # type: ignore[no-any-return]

    base = {"kind": "leave", "leave_type": "annual", "reason": "x"}
    assert refused(base | {"starts_at": "2026-12-07T12:00", "ends_at": "2026-12-08T00:00"}) == (
        f"this overlaps request {first['id']} (annual leave, pending, 2026-12-07 00:00 to 2026-12-08 00:00): "
        "withdraw that one first or choose other days")  # fmt: skip
    assert refused(base | {"starts_at": "2026-12-05T00:00", "ends_at": "2026-12-07T00:00"}) == (
        "年假 from 2026-12-05 00:00 to 2026-12-07 00:00 covers only rest days and holidays, which annual leave does "
        "not count: nothing to request")  # fmt: skip
    assert refused(base | {"starts_at": "2026-12-09T00:00", "ends_at": "2026-12-19T00:00"}) == (
        "not enough balance: this leave takes 8 day(s), but the 2026 balance of 年假 is 5 day(s) and 1 day(s) of it "
        "is asked for in pending requests")  # fmt: skip
    with factory() as session, session.begin():
        session.add(PayRun(period="2026-10", scope="all", status="locked", created_at=NOW, created_by="hr"))
    locked = refused(base | {"starts_at": "2026-10-30T00:00", "ends_at": "2026-10-31T00:00"})
    assert locked.startswith("2026-10 is already paid in locked pay run ")
    fix = {"kind": "correction", "starts_at": "2026-11-20T18:00", "direction": "out", "reason": "forgot"}
    assert refused(fix) == (
        "a missed punch is corrected within 7 days: 2026-11-20 was 11 days ago, so ask HR to correct it"
    )
    assert refused(fix | {"starts_at": "2026-12-02T09:00"}) == (
        "a missed-punch correction is for a past punch: 2026-12-02 is after today (2026-12-01)"
    )
    for at in ("2026-11-27T09:00", "2026-11-27T18:00", "2026-11-30T09:00"):
        made = client.post("/api/v1/requests", json=fix | {"starts_at": at}, headers=emp)
        assert made.status_code == 201, made.text
    assert refused(fix | {"starts_at": "2026-11-30T18:00"}) == (
        "2026-11 already has 3 missed-punch correction(s), the office's limit per month: "
        "ask HR to correct further punches"
    )
    assert client.post("/api/v1/requests", json=fix | {"starts_at": "2026-12-01T09:00"}, headers=emp).status_code == 201


def test_rest_day_overtime_taken_as_time_off_accrues_in_lieu(client: TestClient, as_role, people, factory) -> None:  # type: ignore[no-untyped-def]
    emp = as_role("employee")

    def overtime(start: str, end: str, comp: str) -> int:
        body = {"kind": "overtime", "starts_at": start, "ends_at": end, "comp": comp, "reason": "stocktaking"}
        made = client.post("/api/v1/requests", json=body, headers=emp)
        assert made.status_code == 201, made.text
        done = client.post("/api/v1/requests/decisions", json={"ids": [made.json()["id"]], "approve": True},
                           headers=people["li-na"]).json()  # fmt: skip
        assert (done[0]["ok"], done[0]["status"]) == (True, "approved")
        return made.json()["id"]  # type: ignore[no-any-return]

    saturday = overtime("2026-11-28T09:00", "2026-11-28T13:00", "time_off")
    sunday = overtime("2026-11-29T10:00", "2026-11-29T12:00", "time_off")  # a second accrual in the year
    overtime("2026-11-29T14:00", "2026-11-29T16:00", "pay")  # paid overtime: nothing in the ledger
    workday = {"kind": "overtime", "starts_at": "2026-11-30T18:00", "ends_at": "2026-11-30T20:00",
               "comp": "time_off", "reason": "stocktaking"}  # fmt: skip
    refused = client.post("/api/v1/requests", json=workday, headers=emp)
    assert (refused.status_code, refused.json()["detail"]) == (422, (
        "2026-11-30 is not a rest day: only rest-day overtime may be taken as time off in lieu (劳动法 art. 44 (2)); "
        "workday and holiday overtime is paid, so choose comp pay"))  # fmt: skip
    with factory() as session:
        rows = session.execute(select(LeaveEntry.leave_type, LeaveEntry.year, LeaveEntry.kind, LeaveEntry.delta,
                                      LeaveEntry.request_id)
                               .where(LeaveEntry.leave_type == "in_lieu").order_by(LeaveEntry.id)).all()  # fmt: skip
        assert rows == [("in_lieu", 2026, "accrual", 240, saturday), ("in_lieu", 2026, "accrual", 120, sunday)]
        assert balance_steps(session, 1, "in_lieu", 2026) == 360


def test_manager_of_another_department_gets_404(client: TestClient, as_role, people) -> None:  # type: ignore[no-untyped-def]
    created = _leave(client, as_role("employee"), "2026-12-07T00:00", "2026-12-08T00:00")
    peek = client.get(f"/api/v1/requests/{created['id']}", headers=people["wang"])
    assert (peek.status_code, peek.json()["detail"]) == (404, f"request {created['id']} does not exist")
    assert client.get("/api/v1/requests/inbox", headers=people["wang"]).json() == []
    tried = client.post("/api/v1/requests/decisions", json={"ids": [created["id"]], "approve": True},
                        headers=people["wang"]).json()  # fmt: skip
    assert tried == [{"id": created["id"], "ok": False, "status": None, "step": None,
                      "detail": f"request {created['id']} does not exist"}]  # fmt: skip


def test_the_inbox_screens_reads_calendar_department_and_unit(client: TestClient, as_role, people) -> None:  # type: ignore[no-untyped-def]
    """What the approval inbox and HR's requests screen read: the employee's month for their manager (404 for
    another department's), the department filter (its subtree) and each request's department and leave unit."""
    created = _leave(client, as_role("employee"), "2026-12-07T00:00", "2026-12-08T00:00")
    month = client.get("/api/v1/employees/E001/month", params={"period": "2026-12"}, headers=people["li-na"])
    assert (month.status_code, month.json()["employee"], len(month.json()["days"])) == (200, "E001", 31)
    other = client.get("/api/v1/employees/E001/month", params={"period": "2026-12"}, headers=people["wang"])
    assert (other.status_code, other.json()["detail"]) == (404, "employee 'E001' does not exist")
    hr = as_role("hr")
    found = client.get("/api/v1/requests", params={"department": "SH"}, headers=hr).json()
    assert [(r["id"], r["department"], r["unit"]) for r in found] == [(created["id"], "上海总部", "half_day")]
    assert client.get("/api/v1/requests", params={"department": "QA"}, headers=hr).json() == []
    missing = client.get("/api/v1/requests", params={"department": "NOPE"}, headers=hr)
    assert (missing.status_code, missing.json()["detail"]) == (404, "department 'NOPE' does not exist")


def test_two_approvers_at_once_exactly_one_wins(client: TestClient, as_role, people, factory) -> None:  # type: ignore[no-untyped-def]
    created = _leave(client, as_role("employee"), "2026-12-07T00:00", "2026-12-08T00:00")
    with factory() as session:
        manager = session.scalars(select(Employee.id).where(Employee.code == "E010")).one()
    deciders = [approvals.Decider("manager:li-na", "manager", manager), approvals.Decider("hr:hr-token", "hr", None)]
    barrier, outcomes = threading.Barrier(2), []

    def approve(who: approvals.Decider) -> None:
        try:
            with factory() as session, session.begin():
                approvals.find_request(session, who, created["id"])
                # both have read it pending; the loser's conditional UPDATE waits for the winner's write lock
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=2)
                approvals.decide(session, who, created["id"], True, "")
            outcomes.append("won")
        except approvals.RequestTaken as lost:
            outcomes.append(str(lost))
        except Exception as other:  # anything else (SQLite busy, a wrong id) shows in the assertion
            outcomes.append(repr(other))

    threads = [threading.Thread(target=approve, args=(who,)) for who in deciders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [f"request {created['id']} was decided meanwhile (it is approved): reload it", "won"]
    with factory() as session:
        assert balance_steps(session, 1, "annual", 2026) == 8
        assert session.scalar(select(RequestEvent.action).where(RequestEvent.action == "approved")) == "approved"


def test_approved_correction_turns_a_missing_punch_day_into_a_worked_day(
    client: TestClient, as_role, people, factory
) -> None:  # type: ignore[no-untyped-def]
    ingest_punches(factory, "SH0001", [RawPunch("SH0001", "1001", datetime(2026, 11, 30, 8, 55))], source="zk-tcp",
                   now=NOW)  # fmt: skip

    def day() -> dict:  # type: ignore[type-arg]
        month = client.get("/api/v1/employees/E001/month?period=2026-11", headers=as_role("hr")).json()
        return next(d for d in month["days"] if d["date"] == "2026-11-30")  # type: ignore[no-any-return]

    assert day()["status"] == "missing_punch"
    made = client.post(
        "/api/v1/requests",
        json={"kind": "correction", "starts_at": "2026-11-30T18:00", "direction": "out", "reason": "forgot"},
        headers=as_role("employee"),
    )
    assert made.status_code == 201, made.text
    client.post(
        "/api/v1/requests/decisions", json={"ids": [made.json()["id"]], "approve": True}, headers=people["li-na"]
    )
    assert (day()["status"], day()["worked_minutes"]) == ("normal", 485)
    assert date(2026, 11, 30).weekday() == 0
