"""A leaver's login closes `[people] leaver_login_grace_days` after the last day (office date): the login, an open
session and the employee's token are refused from then on, decided at each request; the employee page says when."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.app import ApiSettings, create_app
from gateway.access.users import create_user
from gateway.config import Config, People
from gateway.store import Employee

PASSWORD = "Lotus-Pond-2026"
LEFT_ON = date(2026, 7, 20)
# E001 is in Shanghai (UTC+8), E002 in Urumqi (UTC+6); the default grace is 60 days: the last day of it is 09-18.
LAST_GRACE_MINUTE = datetime(2026, 9, 18, 15, 59)  # 23:59 in Shanghai
SHANGHAI_NEXT_DAY = datetime(2026, 9, 18, 16, 0)  # 00:00 of 09-19 in Shanghai, 22:00 of 09-18 in Urumqi
CLOSED = (
    "this login closed on 2026-09-19 (the last day was 2026-07-20): ask HR for your payslips, the 离职证明 or "
    "anything else you need"
)


@pytest.fixture
def leavers(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        for code in ("E001", "E002"):
            employee = session.scalar(select(Employee).where(Employee.code == code))
            assert employee is not None
            employee.left_on = LEFT_ON
            create_user(session, "test", code, employee.name, "employee", PASSWORD, employee=employee)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`clock(t)` sets the time the grace check reads (naive UTC); sessions keep the real clock."""
    return lambda at: monkeypatch.setattr("gateway.access.leaver_logins.utcnow", lambda: at)


def _login(client: TestClient, code: str = "E001"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/session", json={"username": code, "password": PASSWORD})


def test_login_opens_on_the_last_day_of_grace_and_is_refused_the_day_after(client, leavers, clock) -> None:  # type: ignore[no-untyped-def]
    clock(LAST_GRACE_MINUTE)
    assert _login(client).status_code == 200
    client.cookies.clear()
    clock(SHANGHAI_NEXT_DAY)
    refused = _login(client)
    assert (refused.status_code, refused.json()["detail"]) == (403, CLOSED)
    assert "pc_session" not in refused.cookies
    assert _login(client, "E002").status_code == 200  # still the 18th in Urumqi: the office's date decides


def test_a_session_opened_before_is_refused_after(client, leavers, clock) -> None:  # type: ignore[no-untyped-def]
    clock(LAST_GRACE_MINUTE)
    assert _login(client).status_code == 200
    assert client.get("/api/v1/employees/E001").status_code == 200
    clock(SHANGHAI_NEXT_DAY)
    for path in ("/api/v1/session", "/api/v1/employees/E001"):
        refused = client.get(path)
        assert (refused.status_code, refused.json()["detail"]) == (401, CLOSED)


def test_the_employee_token_is_refused_after(client, as_role, leavers, clock) -> None:  # type: ignore[no-untyped-def]
    clock(LAST_GRACE_MINUTE)
    assert client.get("/api/v1/employees/E001", headers=as_role("employee")).status_code == 200
    clock(SHANGHAI_NEXT_DAY)
    refused = client.get("/api/v1/employees/E001", headers=as_role("employee"))
    assert (refused.status_code, refused.json()["detail"]) == (401, CLOSED)
    assert client.get("/api/v1/employees/E001", headers=as_role("hr")).status_code == 200  # HR's are not bound


def test_a_later_last_day_opens_it_again_at_once(client, as_role, leavers, clock, factory) -> None:  # type: ignore[no-untyped-def]
    clock(SHANGHAI_NEXT_DAY)
    assert client.get("/api/v1/employees/E001", headers=as_role("employee")).status_code == 401
    with factory() as session, session.begin():
        session.execute(update(Employee).where(Employee.code == "E001").values(left_on=date(2026, 7, 31)))
    assert client.get("/api/v1/employees/E001", headers=as_role("employee")).status_code == 200


def test_the_employee_page_says_when_the_login_closes(client, as_role, leavers, clock) -> None:  # type: ignore[no-untyped-def]
    clock(LAST_GRACE_MINUTE)
    before = client.get("/api/v1/employees/E001", headers=as_role("hr")).json()
    clock(SHANGHAI_NEXT_DAY)
    after = client.get("/api/v1/employees/E001", headers=as_role("hr")).json()
    assert [(x["login_closes_on"], x["login_closed"]) for x in (before, after)] == [
        ("2026-09-19", False),
        ("2026-09-19", True),
    ]


def test_no_last_day_no_closing(client, as_role) -> None:  # type: ignore[no-untyped-def]
    shown = client.get("/api/v1/employees/E001", headers=as_role("hr")).json()
    assert (shown["login_closes_on"], shown["login_closed"]) == (None, False)


def test_the_grace_comes_from_the_config(factory, leavers, clock) -> None:  # type: ignore[no-untyped-def]
    settings = ApiSettings(session_factory=factory, config=Config(people=People(leaver_login_grace_days=0)))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        clock(datetime(2026, 7, 20, 15, 59))  # the last day itself, 23:59
        assert _login(client).status_code == 200
        client.cookies.clear()
        clock(datetime(2026, 7, 20, 16, 0))
        refused = _login(client)
        assert refused.json()["detail"] == (
            "this login closed on 2026-07-21 (the last day was 2026-07-20): ask HR for your payslips, the 离职证明 or "
            "anything else you need"
        )
