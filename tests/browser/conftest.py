"""Browser tests: Debian's Chromium (through pytest-playwright, `executable_path`) against a real uvicorn on
port 0, serving the app on a seeded SQLite store with logins for HR, a viewer and employee E001.

The store is the API tests' seed (`tests/api/conftest.py`: Shanghai HQ and Urumqi plant, E001 and E002, an
unknown badge) plus `pay_testkit.full_month` (E001's March 2026 with a bank account) and `add_staff` (E003
without a bank account, the unknown badge left open), built once per session and copied per test. Tests
skip, naming the reason, only when no Chromium is installed. Screenshots of every screen go to
`tests/artifacts/screenshots/` (git-ignored).
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.app import API_PREFIX, ApiSettings, create_app
from gateway.access.keys import KeyRing
from gateway.access.users import create_user
from gateway.store import Badge, Device, Employee, Office, Quarantine, make_engine, session_factory, upgrade

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))

from browser_kit import ADMIN, DESKTOP, EMPLOYEE, HR, VIEWER, Served
from dashboard_contract import dashboard_json
from pay_testkit import WORKDAYS, full_month, punch_day


def _api_seed() -> Any:
    """`seed` of tests/api/conftest.py (a conftest cannot be imported by name from another folder)."""
    spec = importlib.util.spec_from_file_location("api_test_seed", Path(__file__).parents[1] / "api" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.seed


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no browser: {CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def _short_waits(page: Page) -> None:
    """A screen that has not shown what it should within 10 s is broken, not slow."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)


@pytest.fixture(autouse=True)
def offline(page: Page) -> Iterator[list[str]]:
    """Every request that is not for 127.0.0.1 is refused, as on a server without internet; none may be made."""
    refused: list[str] = []

    def route(request: Route) -> None:
        if urlsplit(request.request.url).hostname == "127.0.0.1" or request.request.url.startswith("data:"):
            request.continue_()
        else:
            refused.append(request.request.url)
            request.abort("internetdisconnected")

    page.context.route("**/*", route)
    yield refused
    assert refused == [], f"the page asked for something off this machine: {refused}"


def add_staff(factory: sessionmaker[Session]) -> None:
    """张伟 (E003, badge 1003) at Shanghai HQ, every March workday punched, no bank account; the unknown badge
    9999 back in the open quarantine: a Shanghai HQ run of March has two lock warnings to acknowledge. The HQ
    terminal's clock is 8 hours fast (the dashboard's clock flag, once its real route serves these rows)."""
    with factory() as session, session.begin():
        office = session.scalar(select(Office).where(Office.name == "Shanghai HQ"))
        assert office is not None
        employee = Employee(code="E003", name="张伟", office_id=office.id, pay_basis="monthly",
                            monthly_salary_fen=880_000, special_deductions_fen=0)  # fmt: skip
        session.add(employee)
        session.flush()
        session.add(Badge(pin="1003", employee_id=employee.id, device_sn=None))
        session.execute(update(Quarantine).values(resolved_at=None))
        session.execute(update(Device).where(Device.sn == "SH0001").values(clock_offset_s=8 * 3600))
    for day in WORKDAYS:
        punch_day(factory, day, pin="1003")


def add_logins(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        create_user(session, "test", HR.username, HR.display_name, "hr", HR.password)
        create_user(session, "test", VIEWER.username, VIEWER.display_name, "viewer", VIEWER.password)
        create_user(session, "test", ADMIN.username, ADMIN.display_name, "admin", ADMIN.password)
        e001 = session.query(Employee).filter_by(code="E001").one()
        create_user(session, "test", EMPLOYEE.username, EMPLOYEE.display_name, "employee", EMPLOYEE.password,
                    employee=e001)  # fmt: skip


@pytest.fixture(scope="session")
def browser_template(tmp_path_factory: pytest.TempPathFactory, test_keys: KeyRing) -> Path:
    path = tmp_path_factory.mktemp("browser") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine, keys=test_keys)
    _api_seed()(factory)
    full_month(factory)
    add_staff(factory)
    add_logins(factory)
    engine.dispose()
    return path


def _serve_dashboard_contract(app: Any) -> None:
    """The HR endpoints' dashboard contract, until the app has the real route."""
    path = f"{API_PREFIX}/dashboard"
    if any(getattr(route, "path", None) == path for route in app.routes):
        return
    app.get(path, include_in_schema=False)(dashboard_json)


@pytest.fixture
def served(browser_template: Path, tmp_path: Path, test_keys: KeyRing) -> Iterator[Served]:
    """The app on a copy of the template store, served by uvicorn on 127.0.0.1 port 0."""
    db = tmp_path / "browser.db"
    shutil.copyfile(browser_template, db)
    engine = make_engine(f"sqlite:///{db}")
    factory = session_factory(engine, keys=test_keys, anchor_file=tmp_path / "punchclock.anchors")
    app = create_app(ApiSettings(session_factory=factory))
    _serve_dashboard_contract(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started and thread.is_alive():
        started.wait(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", factory)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        engine.dispose()
