"""API test fixtures: a migrated store with two offices, devices, employees, punches, and one token per role.

Every test runs on SQLite and on PostgreSQL (`PUNCHCLOCK_TEST_PG_URL`, skipped with the reason when it
is not set). SQLite: the seeded database is built once per session and copied per test. PostgreSQL: the
session's scratch database (root `tests/conftest.py`), emptied and re-seeded per test. Either way a
test starts from the same known rows (ids included).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import ApiSettings, create_app
from drivers.base import RawPunch
from gateway.access.keys import KeyRing, write_private
from gateway.access.tokens import issue_token
from gateway.devices.ingest import ingest_punches
from gateway.store import Badge, Device, Employee, Office, make_engine, session_factory, upgrade

sys.path.insert(0, str(Path(__file__).parent))

SN_SH, SN_UR = "SH0001", "UR0001"
ROLES = ("admin", "hr", "viewer", "employee")


def seed(factory: sessionmaker[Session]) -> dict[str, str]:
    """Offices, devices, employees E001 (pin 1001) and E002 (pin 1002), punches, an unknown pin; tokens per role."""
    with factory() as session, session.begin():
        sh = Office(
            name="Shanghai HQ",
            timezone="Asia/Shanghai",
            city="shanghai",
            double_punch_window_s=60,
            shift_rule="standard",
        )
        ur = Office(
            name="Urumqi plant", timezone="Asia/Urumqi", city="urumqi", double_punch_window_s=60, shift_rule="standard"
        )
        session.add_all([sh, ur])
        session.flush()
        session.add_all(
            [
                Device(
                    name="hq-door",
                    sn=SN_SH,
                    kind="zk-tcp",
                    host="127.0.0.1",
                    port=4370,
                    office_id=sh.id,
                    model="",
                    firmware="",
                    consecutive_failures=0,
                ),
                Device(
                    name="urumqi-gate",
                    sn=SN_UR,
                    kind="zk-udp",
                    host="127.0.0.1",
                    port=4370,
                    office_id=ur.id,
                    model="",
                    firmware="",
                    consecutive_failures=2,
                    last_error="DeviceUnreachable: timed out",
                    last_error_at=datetime(2026, 3, 2, 1, 0),
                ),
            ]
        )
        for code, pin, office in (("E001", "1001", sh.id), ("E002", "1002", ur.id)):
            employee = Employee(
                code=code,
                name=f"Worker {code}",
                office_id=office,
                pay_basis="monthly",
                monthly_salary_fen=600000,
                special_deductions_fen=0,
            )
            session.add(employee)
            session.flush()
            session.add(Badge(pin=pin, employee_id=employee.id, device_sn=None))
    ingest_punches(
        factory,
        SN_SH,
        [
            RawPunch(SN_SH, "1001", datetime(2026, 3, 2, 8, 0)),
            RawPunch(SN_SH, "1001", datetime(2026, 3, 2, 18, 0)),
            RawPunch(SN_SH, "9999", datetime(2026, 3, 2, 8, 5)),
        ],
        source="zk-tcp",
        now=datetime(2026, 3, 3),
    )
    ingest_punches(
        factory, SN_UR, [RawPunch(SN_UR, "1002", datetime(2026, 3, 2, 9, 0))], source="zk-udp", now=datetime(2026, 3, 3)
    )
    secrets = {}
    with factory() as session, session.begin():
        for role in ROLES:
            _row, secrets[role] = issue_token(
                session, f"{role}-token", role, "E001" if role == "employee" else None, "test"
            )
    return secrets


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, test_keys: KeyRing) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("api") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    secrets = seed(session_factory(engine, keys=test_keys))
    engine.dispose()
    return path, secrets


@pytest.fixture
def sqlite_seeded(template: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[str, dict[str, str]]:
    """(database url, token secret per role) of a fresh copy of the seeded SQLite template."""
    path = tmp_path / "api.db"
    shutil.copyfile(template[0], path)
    path.chmod(0o600)  # as punchclock creates its databases
    return f"sqlite:///{path}", template[1]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    """(database url, token secret per role) of a freshly seeded store."""
    if request.param == "sqlite":
        result: tuple[str, dict[str, str]] = request.getfixturevalue("sqlite_seeded")
        return result
    url: str = request.getfixturevalue("pg_empty_url")
    engine = make_engine(url)
    secrets = seed(session_factory(engine, keys=request.getfixturevalue("test_keys")))
    engine.dispose()
    return url, secrets


@pytest.fixture
def db_url(seeded: tuple[str, dict[str, str]]) -> str:
    return seeded[0]


@pytest.fixture(scope="session")
def keys(test_keys: KeyRing) -> KeyRing:
    """The key ring of every API test's store (bank account and ID numbers are sealed with it)."""
    return test_keys


@pytest.fixture
def factory(db_url: str, test_keys: KeyRing, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield session_factory(engine, keys=test_keys, anchor_file=tmp_path / "punchclock.anchors")
    engine.dispose()


@pytest.fixture
def secrets(seeded: tuple[str, dict[str, str]]) -> dict[str, str]:
    return seeded[1]


@pytest.fixture
def settings(factory: sessionmaker[Session]) -> ApiSettings:
    return ApiSettings(session_factory=factory)


@pytest.fixture
def client(settings: ApiSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def as_role(client: TestClient, secrets: dict[str, str]):  # type: ignore[no-untyped-def]
    """`as_role("hr")` → headers carrying that role's token."""
    return lambda role: {"Authorization": f"Bearer {secrets[role]}"}


@pytest.fixture
def config_file(tmp_path: Path, db_url: str, test_keys: KeyRing) -> Path:
    """A config for the CLI on the test's database, with the test's key file (and its anchor file)."""
    write_private(tmp_path / "punchclock.key", test_keys.to_json().encode())
    path = tmp_path / "punchclock.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    return path
