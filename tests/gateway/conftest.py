"""Database fixtures: every store test runs on SQLite and on a real PostgreSQL.

PostgreSQL is the session's scratch database from the root `tests/conftest.py` (`PUNCHCLOCK_TEST_PG_URL`),
emptied before every test; without the variable the PostgreSQL variants skip with a one-line reason.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.keys import KeyRing
from gateway.store import make_engine, session_factory, upgrade

# pytest's importlib mode puts no test folder on sys.path; the tests here share `gateway_testkit`.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "punchclock.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        path.chmod(0o600)  # as punchclock creates its databases
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_empty_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine, test_keys: KeyRing, tmp_path: Path) -> sessionmaker[Session]:
    return session_factory(engine, keys=test_keys, anchor_file=tmp_path / "punchclock.anchors")
