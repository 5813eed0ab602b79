"""Two `serve --api-only` processes on one PostgreSQL share the browser sessions (nothing a login needs is held in
a process) and the ADMS command queue (issue 17): a user sync on one queues, a terminal polling the other gets it.

The queue test needs main's database queue (`gateway/devices/push_commands.py`, merged with the adms branch): on
this branch alone the queue is still per process and it fails ("OK" from the second process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_kit import Served, free_port, serve, write_config
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.keys import create_key_file
from gateway.access.logins import COOKIE
from gateway.access.users import create_user
from gateway.store import Badge, Employee, Office, make_engine, session_factory

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PASSWORD = "correct horse battery 9"


@pytest.fixture
def two_apis(pg_empty_url: str, tmp_path: Path) -> Iterator[tuple[Served, Served, sessionmaker[Session]]]:
    ring = create_key_file(tmp_path / "punchclock.key")
    engine = make_engine(pg_empty_url)
    factory = session_factory(engine, keys=ring, anchor_file=tmp_path / "punchclock.anchors")
    ports = free_port(), free_port()
    configs = [write_config(tmp_path / f"api-{i}.toml", pg_empty_url, port) for i, port in enumerate(ports)]
    first = serve(configs[0], ports[0], "--api-only")
    try:
        second = serve(configs[1], ports[1], "--api-only")
        try:
            with factory() as session, session.begin():
                create_user(session, "test", "wang.fang", "王芳", "hr", PASSWORD)
            yield first, second, factory
        finally:
            second.stop()
    finally:
        first.stop()
        engine.dispose()


def test_a_session_opened_on_one_api_process_works_and_ends_on_the_other(
    two_apis: tuple[Served, Served, sessionmaker[Session]],
) -> None:
    a, b, _factory = two_apis
    assert a.wait_for("API only: ") == "API only: this process polls no terminals and takes no backups"
    login = httpx.post(f"{a.url}/api/v1/session", json={"username": "wang.fang", "password": PASSWORD})
    assert login.status_code == 200, login.text
    cookie, csrf = {COOKIE: login.cookies[COOKIE]}, login.json()["csrf_token"]

    me = httpx.get(f"{b.url}/api/v1/session", cookies=cookie)
    assert (me.status_code, me.json()["username"], me.json()["csrf_token"]) == (200, "wang.fang", csrf)
    body = {"code": "E777", "name": "新员工", "monthly_salary_fen": 500_000}
    refused = httpx.post(f"{b.url}/api/v1/employees", json=body, cookies=cookie)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "this change lacks the session's CSRF token (header X-CSRF-Token, from GET /api/v1/session): reload the page",
    )
    made = httpx.post(f"{b.url}/api/v1/employees", json=body, cookies=cookie, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    assert httpx.get(f"{a.url}/api/v1/employees/E777", cookies=cookie).json()["name"] == "新员工"

    assert httpx.delete(f"{b.url}/api/v1/session", cookies=cookie, headers={"X-CSRF-Token": csrf}).status_code == 204
    ended = httpx.get(f"{a.url}/api/v1/session", cookies=cookie)
    assert (ended.status_code, ended.json()["detail"]) == (401, "you were logged out: log in again")


TOKEN = "ops-token-0123456789abcdef"
PUSH_TERMINAL = (
    f'[[api.tokens]]\nname = "ops"\ntoken = "{TOKEN}"\nrole = "admin"\n\n'
    '[[devices]]\nname = "push-1"\nsn = "PUSH0001"\nkind = "zk-push"\noffice = "Shanghai HQ"\n'
)


def test_a_command_queued_on_one_api_process_is_handed_to_the_terminal_by_the_other(
    pg_empty_url: str, tmp_path: Path
) -> None:
    ring = create_key_file(tmp_path / "punchclock.key")
    ports = free_port(), free_port()
    configs = [
        write_config(tmp_path / f"api-{i}.toml", pg_empty_url, port, PUSH_TERMINAL, site="SH")
        for i, port in enumerate(ports)
    ]
    engine = make_engine(pg_empty_url)
    a = serve(configs[0], ports[0], "--api-only")
    try:
        b = serve(configs[1], ports[1], "--api-only")
        try:
            factory = session_factory(engine, keys=ring, anchor_file=tmp_path / "punchclock.anchors")
            with factory() as session, session.begin():
                office = session.scalars(select(Office).where(Office.name == "Shanghai HQ")).one()
                employee = Employee(code="E001", name="王芳", office_id=office.id, pay_basis="monthly",
                                    monthly_salary_fen=800_000, special_deductions_fen=0)  # fmt: skip
                session.add(employee)
                session.flush()
                session.add(Badge(pin="1001", employee_id=employee.id))
            assert httpx.get(f"{b.url}/iclock/cdata", params={"SN": "PUSH0001", "options": "all"}).status_code == 200
            synced = httpx.post(
                f"{a.url}/api/v1/devices/push-1/users/sync", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert synced.status_code == 200, synced.text
            handed = httpx.get(f"{b.url}/iclock/getrequest", params={"SN": "PUSH0001"}).text
            assert "DATA UPDATE USERINFO PIN=1001" in handed, handed
        finally:
            b.stop()
    finally:
        a.stop()
        engine.dispose()
