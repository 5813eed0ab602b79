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
from gateway.people.leave_ledger import LeaveError, YearEndReport, accrue_year, adjust, close_year
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


def test_year_end_carries_up_to_the_policy_and_expires_the_rest_then_the_carried_days_expire_unused(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    import gateway.people.leave_ledger as ledger

    real = ledger.load_leave_types

    def two_days_carried(office: str | None = None):  # type: ignore[no-untyped-def]
        types, policy = real(office)
        return types, dataclasses.replace(policy, carry_over_days=2, carry_over_expires="03-31")

    monkeypatch.setattr(ledger, "load_leave_types", two_days_carried)
    _prepare(factory)
    with factory() as session, session.begin():
        accrue_year(session, "test", 2026)  # E001: 10 half days
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        ledger.add_entry(session, "test", e1, "annual", 2026, -3, "use", "1.5 days in August")
    with factory() as session, session.begin():
        first = ledger.close_year(session, "hr:test", 2026)
    with factory() as session, session.begin():
        again = ledger.close_year(session, "hr:test", 2026)
    assert (first, again) == (ledger.YearEndReport(1, 1), ledger.YearEndReport(0, 0))
    with factory() as session, session.begin():
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        assert (
            ledger.balance_steps(session, e1.id, "annual", 2026),
            ledger.balance_steps(session, e1.id, "annual", 2027),
        ) == (0, 4)
        ledger.add_entry(session, "test", e1, "annual", 2027, -1, "use", "half a day in February")
        on_the_day = ledger.expire_carried(session, "hr:test", 2027, date(2027, 3, 31))
        after = ledger.expire_carried(session, "hr:test", 2027, date(2027, 4, 1))
        twice = ledger.expire_carried(session, "hr:test", 2027, date(2027, 4, 2))
        assert (on_the_day.expired, after.expired, twice.expired) == (0, 1, 0)
        assert ledger.balance_steps(session, e1.id, "annual", 2027) == 0
        rows = session.execute(
            select(LeaveEntry.year, LeaveEntry.kind, LeaveEntry.delta, LeaveEntry.reason).order_by(LeaveEntry.id)
        ).all()
        assert [tuple(row) for row in rows[2:]] == [
            (2026, "carry_over", -4, "carried into 2027"),
            (2027, "carry_over", 4, "carried from 2026, expires 2027-03-31"),
            (2026, "expiry", -3, "unused annual leave of 2026 beyond the carry-over; statutory days the employer did "
             "not arrange are owed at 300 % unless waived in writing (实施办法 art. 10)"),
            (2027, "use", -1, "half a day in February"),
            (2027, "expiry", -3, "carried from 2026, unused by 2027-03-31"),
        ]  # fmt: skip
        actions = list(session.scalars(select(AuditLog.action).where(AuditLog.action.like("leave.%"))))
        assert actions.count("leave.carry_over") == 2 and actions.count("leave.expiry") == 2


def test_without_a_carry_over_policy_every_unused_day_expires_at_year_end(factory: sessionmaker[Session]) -> None:
    _prepare(factory)
    with factory() as session, session.begin():
        accrue_year(session, "test", 2026)
        report = close_year(session, "hr:test", 2026)
        rows = session.execute(select(LeaveEntry.year, LeaveEntry.kind, LeaveEntry.delta).order_by(LeaveEntry.id)).all()
    assert report == YearEndReport(0, 1)
    assert [tuple(row) for row in rows] == [(2026, "accrual", 10), (2026, "expiry", -10)]


def test_the_cli_closes_a_year_and_says_what_it_did(factory: sessionmaker[Session], config_file) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gateway.cli.app import app as cli

    _prepare(factory)
    with factory() as session, session.begin():
        accrue_year(session, "test", 2026)
    runner = CliRunner()
    first = runner.invoke(cli, ["leave", "close-year", "2026", "--config", str(config_file)])
    again = runner.invoke(cli, ["leave", "close-year", "2026", "--config", str(config_file)])
    expire = runner.invoke(cli, ["leave", "expire", "2027", "--config", str(config_file)])
    assert (first.exit_code, again.exit_code, expire.exit_code) == (0, 0, 0), first.output
    assert first.output == "annual leave 2026 closed: 0 employee(s) carried days into 2027, 1 had days expire\n"
    assert again.output == "annual leave 2026 closed: 0 employee(s) carried days into 2027, 0 had days expire\n"
    assert expire.output == "carried annual leave of 2027: 0 employee(s) had days expire\n"
