"""The leave ledger: the yearly accrual is idempotent, balances are sums of rows, every row audited, and the
balances route shows an employee only their own and a manager only their people (404 otherwise)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import issue_token
from gateway.people.departments import assign_employees, create_department
from gateway.people.leave_ledger import LeaveError, accrue_year, adjust
from gateway.store import AuditLog, Employee, LeaveEntry


def _prepare(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        e1.work_started_on, e1.hired_on = date(2014, 3, 1), date(2026, 7, 1)  # joiner in July, 12 years of work


def test_accrual_is_once_per_year_and_balances_are_sums(factory: sessionmaker[Session]) -> None:
    _prepare(factory)
    with factory() as session, session.begin():
        first = accrue_year(session, "test", 2026)
    with factory() as session, session.begin():
        again = accrue_year(session, "test", 2026)
    assert (first.added, first.already, first.skipped) == (1, 0, ["E002"])
    assert (again.added, again.already) == (0, 1)
    with factory() as session, session.begin():
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        adjust(session, "hr:test", e1, "annual", 2026, -1, "half a day taken before punchclock")
        with pytest.raises(LeaveError, match="an adjustment needs a reason"):
            adjust(session, "hr:test", e1, "annual", 2026, 2, "  ")
    with factory() as session:
        rows = session.execute(select(LeaveEntry.kind, LeaveEntry.delta).order_by(LeaveEntry.id)).all()
        assert rows == [("accrual", 10), ("adjustment", -1)]  # 5 days = 10 half days (184 / 365 × 10 = 5.04 → 5)
        actions = list(session.scalars(select(AuditLog.action).where(AuditLog.action.like("leave.%"))))
        assert actions == ["leave.accrual", "leave.adjustment"]


def test_balances_route_shows_own_and_managed_people_only(
    client: TestClient,
    as_role,
    factory: sessionmaker[Session],  # type: ignore[no-untyped-def]
) -> None:
    _prepare(factory)
    with factory() as session, session.begin():
        accrue_year(session, "test", 2026)
        manager = Employee(code="E010", name="李娜", office_id=1, pay_basis="monthly", monthly_salary_fen=900000,
                           special_deductions_fen=0)  # fmt: skip
        session.add(manager)
        session.flush()
        create_department(session, "test", office="Shanghai HQ", code="SH", name="上海总部", manager="E010")
        assign_employees(session, "test", "SH", ["E001"])
        _row, secret = issue_token(session, "li-na", "manager", "E010", "test")
    mine = client.get("/api/v1/leave/balances?year=2026", headers=as_role("employee")).json()
    assert mine[0] == {"leave_type": "annual", "name": "年假", "unit": "half_day", "year": 2026, "steps": 10,
                       "steps_per_day": 2}  # fmt: skip
    li_na = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/leave/balances?year=2026&employee=E001", headers=li_na).json()[0]["steps"] == 10
    other = client.get("/api/v1/leave/balances?year=2026&employee=E002", headers=li_na)
    assert (other.status_code, other.json()["detail"]) == (404, "employee 'E002' does not exist")
    peek = client.get("/api/v1/leave/ledger?year=2026&employee=E002", headers=as_role("employee"))
    assert (peek.status_code, peek.json()["detail"]) == (404, "employee 'E002' does not exist")
    ledger = client.get("/api/v1/leave/ledger?year=2026", headers=as_role("employee")).json()
    assert [(r["kind"], r["delta"], r["created_by"]) for r in ledger] == [("accrual", 10, "test")]
