"""The PostgreSQL scratch database shared by every test folder that runs a store test on PostgreSQL.

PostgreSQL comes from `PUNCHCLOCK_TEST_PG_URL` (set by `.ci/run` after `.ci/postgres.sh`). The test
session gets one freshly migrated database, dropped at the end; `pg_empty_url` empties its tables so a
test starts from nothing (ids included) whatever ran before it. Without the variable every PostgreSQL
variant skips with a one-line reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url, text

from gateway.store import Base, make_engine, upgrade

PG_ENV = "PUNCHCLOCK_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a migrated scratch database on the server named by `PUNCHCLOCK_TEST_PG_URL`."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"{PG_ENV} is not set (run .ci/postgres.sh and export it to test PostgreSQL)")
    name = f"punchclock_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_empty_url(pg_url: str) -> str:
    """`pg_url` with every table emptied and every id sequence restarted."""
    engine = make_engine(pg_url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_url
