"""`deploy/postgres-roles.sql` on a scratch database of the CI PostgreSQL: each role does its job through the real
commands and is refused what it must not do, with PostgreSQL's own error.

The roles are cluster-wide, so their names carry this test's random suffix and are dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from deploy_kit import PUNCHCLOCK, WIDE
from sqlalchemy import make_url

from simulators.comet_export import write_export

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SCRIPT = Path(__file__).parents[2] / "deploy" / "postgres-roles.sql"
PASSWORD = "role-test-password"


@dataclass(frozen=True)
class Roles:
    database: str
    owner: str
    gateway: str
    api: str
    admin_url: str  # SQLAlchemy URL of the server's superuser

    def url(self, role: str) -> str:
        return (
            make_url(self.admin_url)
            .set(username=role, password=PASSWORD, database=self.database)
            .render_as_string(hide_password=False)
        )

    def libpq(self, role: str | None = None) -> str:
        url = make_url(self.admin_url).set(drivername="postgresql", database=self.database)
        if role is not None:
            url = url.set(username=role, password=PASSWORD)
        return url.render_as_string(hide_password=False)

    def apply_script(self) -> None:
        psql = shutil.which("psql")
        assert psql is not None, "psql is installed with the server (.ci/postgres.sh)"
        names = ["-v", f"owner={self.owner}", "-v", f"gateway={self.gateway}", "-v", f"api={self.api}"]
        done = subprocess.run(
            [psql, "-X", "-q", *names, "-f", str(SCRIPT), self.libpq()], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr


@pytest.fixture
def roles(pg_url: str) -> Iterator[Roles]:  # pg_url: skips without PUNCHCLOCK_TEST_PG_URL
    suffix = uuid.uuid4().hex[:10]
    found = Roles(f"pc_roles_{suffix}", f"pc_owner_{suffix}", f"pc_gateway_{suffix}", f"pc_api_{suffix}",
                  os.environ["PUNCHCLOCK_TEST_PG_URL"])  # fmt: skip
    admin = make_url(found.admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{found.database}"')
    try:
        found.apply_script()  # before the first migration: roles, ownership, default privileges
        with psycopg.connect(admin, autocommit=True) as connection:
            for role in (found.owner, found.gateway, found.api):
                connection.execute(f"ALTER ROLE \"{role}\" PASSWORD '{PASSWORD}'")
        yield found
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{found.database}" WITH (FORCE)')
            for role in (found.owner, found.gateway, found.api):
                connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def config(tmp_path: Path, name: str, url: str, export: Path) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n\n'
        '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
        f'[[devices]]\nname = "plant-file"\nkind = "comet-csv"\nhost = "{export}"\noffice = "HQ"\n',
        encoding="utf-8",
    )
    return path


def punchclock(*args: str) -> str:
    done = subprocess.run([PUNCHCLOCK, *args], capture_output=True, text=True, env=WIDE, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def refused(url: str, statement: str) -> str:
    """PostgreSQL's error for `statement` run as the role of `url` (nothing is committed)."""
    with psycopg.connect(url) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        connection.execute(statement)
    return str(error.value).splitlines()[0]


def test_each_role_does_its_job_and_is_refused_what_it_must_not(roles: Roles, tmp_path: Path) -> None:
    export = tmp_path / "comet.csv"
    write_export(export, users=3, records=12, seed=5)
    owner, gateway, api = (config(tmp_path, n, roles.url(r), export) for n, r in
                           (("owner", roles.owner), ("gateway", roles.gateway), ("api", roles.api)))  # fmt: skip
    punchclock("db", "upgrade", "--config", str(owner))  # the owner runs the migrations
    roles.apply_script()  # again after the upgrade: the grants of the tables it made, the pay tables read-only

    punchclock("sync", "--config", str(gateway))  # a poll's ingest as the gateway role (exit 0: every device read)
    with psycopg.connect(roles.libpq(roles.gateway)) as connection:
        assert connection.execute("SELECT count(*) FROM punches").fetchone() == (12,)

    punchclock("employee", "add", "--code", "E001", "--name", "王芳", "--office", "HQ", "--monthly-salary", "8000.00",
               "--hired-on", "2026-01-05", "--config", str(api))  # fmt: skip
    acknowledged = [
        f"--acknowledge={code}" for code in ("no_punches", "open_quarantine", "no_bank_account", "net_not_positive")
    ]
    ran = punchclock("payroll", "run", "--period", "2026-04", "--lock", *acknowledged, "--config", str(api))
    assert "pay run 1 locked" in ran, ran  # a pay run as the API role, computed and locked
    with psycopg.connect(roles.libpq(roles.api)) as connection:
        assert connection.execute("SELECT count(*) FROM payslips").fetchone() == (1,)

    gateway_url = roles.libpq(roles.gateway)
    assert refused(gateway_url, "UPDATE payslips SET net_fen = 0") == "permission denied for table payslips"
    assert refused(gateway_url, "DELETE FROM payruns") == "permission denied for table payruns"
    assert refused(gateway_url, "DELETE FROM payslip_lines") == "permission denied for table payslip_lines"
    assert refused(gateway_url, "DROP TABLE punches") == "must be owner of table punches"
    api_url = roles.libpq(roles.api)
    assert refused(api_url, "DROP TABLE punches") == "must be owner of table punches"
    assert refused(api_url, "ALTER TABLE payslips ADD COLUMN note text") == "must be owner of table payslips"
    assert refused(api_url, "CREATE TABLE notes (id int)") == "permission denied for schema public"
    assert refused(api_url, "TRUNCATE punches") == "permission denied for table punches"
