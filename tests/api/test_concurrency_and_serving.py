"""Concurrent writers keep one unbroken audit chain; the HR page and the served app answer."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import ApiServer
from gateway.access.audit import verify_chain
from gateway.config import Api, ApiToken, Config, Database
from gateway.store import AuditLog, Employee


def test_parallel_changes_all_land_and_chain(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    def add(n: int) -> int:
        body = {"code": f"P{n:03d}", "name": f"Parallel {n}", "monthly_salary_fen": 500000}
        return client.post("/api/v1/employees", json=body, headers=as_role("hr")).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(add, range(40)))
    assert statuses == [201] * 40
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Employee).where(Employee.code.like("P%"))) == 40
        assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "employee.add")) == 40
        assert verify_chain(session) is None


def test_hr_page_and_its_script_are_served_without_a_token(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/web/main.js"></script>' in page.text
    script = client.get("/web/main.js")
    assert script.status_code == 200 and "createApp(Root)" in script.text


def test_api_server_serves_config_tokens_and_stops(db_url: str, factory) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = "config-token-for-serve-test"
    config = Config(
        database=Database(url=db_url),
        api=Api(bind=f"127.0.0.1:{port}", tokens=[ApiToken(name="ops", token=secret, role="viewer")]),
    )
    server = ApiServer(config, factory)
    server.start()
    try:
        response = httpx.get(f"{server.url}/api/v1/devices", headers={"Authorization": f"Bearer {secret}"})
        assert (response.status_code, len(response.json())) == (200, 2)
    finally:
        server.stop()
