"""The PostgreSQL scratch database shared by every test folder that runs a store test on PostgreSQL.

PostgreSQL comes from `PUNCHCLOCK_TEST_PG_URL` (set by `.ci/run` after `.ci/postgres.sh`). The test
session gets one freshly migrated database, dropped at the end; `pg_empty_url` empties its tables so a
test starts from nothing (ids included) whatever ran before it. Without the variable every PostgreSQL
variant skips with a one-line reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import uuid
from collections.abc import Callable, Iterator

import orjson
import pytest
from sqlalchemy import ColumnElement, Engine, insert, make_url, select, text, true, update
from sqlalchemy.orm import Session

from gateway.access.keys import KeyRing
from gateway.store import MIGRATIONS_DIR, Base, Payslip, PayslipLine, make_engine, upgrade

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


@pytest.fixture(scope="session")
def test_keys() -> KeyRing:
    """One key ring for the whole test session, so seeded templates and the tests using them agree."""
    return KeyRing.generate()


def _drop_triggers(engine: Engine) -> None:
    """What an attacker with the database's password does first: drop the guard triggers."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            names = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
            for name in list(names):
                connection.execute(text(f'DROP TRIGGER "{name}"'))
        else:
            rows = connection.execute(
                text(
                    "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON t.tgrelid = c.oid "
                    "WHERE NOT t.tgisinternal"
                )
            ).all()
            for trigger, table in rows:
                connection.execute(text(f'DROP TRIGGER "{trigger}" ON "{table}"'))


def _migration_statements(filename: str, function: str, dialect: str) -> list[str]:
    path = MIGRATIONS_DIR / "versions" / filename
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    statements: list[str] = getattr(module, function)(dialect)
    return statements


def _guard_statements(dialect: str) -> list[str]:
    """Every guard trigger the migrations create: the locked run's (0005, its line guards made per statement on
    PostgreSQL by 0037) and the payslip documents' (0035)."""
    return (
        _migration_statements("0005_payrun_integrity.py", "guard_statements", dialect)
        + _migration_statements("0035_payslip_documents.py", "trigger_statements", dialect)
        + _migration_statements("0037_payslip_lines_statement_guards.py", "guard_statements", dialect)
    )


@pytest.fixture
def drop_triggers() -> Iterator[Callable[[Engine], None]]:
    """Drops the guard triggers of an engine's database, and puts them back after the test (PostgreSQL's
    scratch database is shared by the whole session)."""
    dropped: list[Engine] = []

    def drop(engine: Engine) -> None:
        _drop_triggers(engine)
        if engine not in dropped:
            dropped.append(engine)

    yield drop
    for engine in dropped:
        _drop_triggers(engine)  # whatever the test left, then every guard once
        with engine.begin() as connection:
            for statement in _guard_statements(connection.dialect.name):
                connection.execute(text(statement))


@pytest.fixture(scope="session")
def schema_head() -> str:
    """The newest migration's revision id (what `upgrade` brings a database to)."""
    from alembic.script import ScriptDirectory

    from gateway.store import alembic_config

    [head] = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return head


@pytest.fixture
def overtime_counting(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], None]:
    """Set every office's overtime counting method (`overtime_counting` of request-policy.toml) for one test."""
    from gateway.pay import overtime_rule

    def use(method: str) -> None:
        shipped = overtime_rule.POLICY_FILE.read_text(encoding="utf-8")
        text = shipped.replace('overtime_counting = "approved_hours"', f'overtime_counting = "{method}"')
        assert text != shipped or method == "approved_hours"
        path = tmp_path_factory.mktemp("policy") / "request-policy.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setattr(overtime_rule, "POLICY_FILE", path)

    return use


@pytest.fixture
def overtime_by_punches(overtime_counting: Callable[[str], None]) -> None:
    """Overtime counted from the punches alone, as before requests existed: for tests of the kernel's overtime."""
    overtime_counting("punches")


def _store_lines_as_rows(session: Session, which: ColumnElement[bool] | None = None) -> None:
    """Store the lines of the payslips `which` selects (every payslip without it) as `payslip_lines` rows, as a run
    computed before migration 0040 holds them: the quantities as `json.dumps` wrote them then, `lines_json` NULL."""
    chosen = true() if which is None else which
    for slip_id, lines_json in session.execute(select(Payslip.id, Payslip.lines_json).where(chosen)).all():
        for position, line in enumerate(orjson.loads(lines_json)):
            session.execute(
                insert(PayslipLine).values(
                    payslip_id=slip_id, position=position, code=line["code"], amount_fen=line["amount_fen"],
                    quantities_json=json.dumps(line["quantities"], ensure_ascii=False), rule=line["rule"],
                )
            )  # fmt: skip
    session.execute(update(Payslip).where(chosen).values(lines_json=None))


@pytest.fixture
def lines_as_rows() -> Callable[..., None]:
    """`lines_as_rows(session[, which])` turns computed payslips into the form of before migration 0040 (lines as
    rows)."""
    return _store_lines_as_rows
