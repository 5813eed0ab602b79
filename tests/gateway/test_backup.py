"""Backup and restore: the drill on SQLite and PostgreSQL (back up, write more, restore, verify), and the
refusals (altered file, broken audit chain, a database holding data without --force)."""

from __future__ import annotations

import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from gateway.access.audit import append_audit, verify_chain
from gateway.access.backup import BackupError, create_backup, restore_backup
from gateway.access.keys import KeyRing, load_keys
from gateway.access.vault import BANK_ACCOUNT_NO, reveal, seal_for
from gateway.cli.app import app
from gateway.store import AuditLog, BankAccount, Employee, session_factory

ACCOUNT = "6222020200012346890"
runner = CliRunner()


def _add_employee(factory: sessionmaker[Session], code: str) -> None:
    with factory() as session, session.begin():
        employee = Employee(code=code, name=f"Worker {code}", pay_basis="monthly", monthly_salary_fen=500_000)
        session.add(employee)
        session.flush()
        sealed = seal_for(session, BANK_ACCOUNT_NO, employee.id, ACCOUNT)
        session.add(BankAccount(employee_id=employee.id, bank_name="ICBC", account_no=sealed, account_name=code))
        append_audit(session, "test", "employee.add", f"employee:{code}", None, {"code": code})


def _codes(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(Employee.code).order_by(Employee.code)))


def test_restore_drill(engine: Engine, db_url: str, tmp_path: Path, schema_head: str) -> None:
    keys = KeyRing.generate()
    factory = session_factory(engine, keys=keys)
    _add_employee(factory, "E1")
    out = tmp_path / "first.backup"
    manifest = create_backup(db_url, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (manifest.tables["employees"], manifest.tables["bank_accounts"], manifest.audit_rows) == (1, 1, 1)
    assert manifest.database == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
    assert manifest.schema_revision == [schema_head]

    _add_employee(factory, "E2")  # written after the backup: the restore must take it away
    with pytest.raises(BackupError) as refused:
        restore_backup(db_url, out, keys, force=False, safety_dir=tmp_path, actor="test")
    assert str(refused.value) == (
        f"the database at {db_url} holds 6 rows, which the restore would replace: run again with --force "
        f"(a safety backup of the current database is written to {tmp_path} first)"
    )
    engine.dispose()
    restored = restore_backup(db_url, out, keys, force=True, safety_dir=tmp_path, actor="test")
    engine.dispose()

    assert _codes(factory) == ["E1"]
    with factory() as session:
        account = session.scalars(select(BankAccount)).one()
        assert reveal(session, BANK_ACCOUNT_NO, account.employee_id, account.account_no) == ACCOUNT
        assert verify_chain(session) is None
        audit = [(r.action, r.target) for r in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert audit == [("employee.add", "employee:E1"), ("backup.restore", "backup:first.backup")]
    assert restored.safety_backup is not None and stat.S_IMODE(restored.safety_backup.stat().st_mode) == 0o600

    engine.dispose()
    restore_backup(db_url, restored.safety_backup, keys, force=True, safety_dir=tmp_path, actor="test")
    engine.dispose()
    assert _codes(factory) == ["E1", "E2"]  # the safety backup holds what the restore replaced


def _rewrite_member(source: Path, target: Path, name: str, change: bytes) -> None:
    """A copy of the backup `source` whose member `name` has its last byte replaced by `change`."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member)
            assert data is not None
            body = data.read()
            if member.name == name:
                body = body[:-1] + change
            new.addfile(member, io.BytesIO(body))


def test_an_altered_backup_is_refused_and_the_database_untouched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pc.db'}"
    from gateway.store import make_engine, upgrade

    upgrade(url)
    keys = KeyRing.generate()
    factory = session_factory(make_engine(url), keys=keys)
    _add_employee(factory, "E1")
    good, bad = tmp_path / "good.backup", tmp_path / "bad.backup"
    manifest = create_backup(url, good)
    _rewrite_member(good, bad, "database.sqlite", b"\x01")
    target = f"sqlite:///{tmp_path / 'fresh.db'}"
    with pytest.raises(BackupError) as error:
        restore_backup(target, bad, keys, force=False, safety_dir=tmp_path, actor="test")
    assert str(error.value).startswith(f"{bad}: the database dump's SHA-256 is ")
    assert str(error.value).endswith(
        f", the manifest says {manifest.dump_sha256}: the file is damaged or was altered; restore another backup"
    )
    assert not (tmp_path / "fresh.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no scratch folder left


def test_a_backup_with_a_broken_audit_chain_is_refused(tmp_path: Path, drop_triggers) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'pc.db'}"
    from gateway.store import make_engine, upgrade

    upgrade(url)
    keys = KeyRing.generate()
    engine = make_engine(url)
    factory = session_factory(engine, keys=keys)
    _add_employee(factory, "E1")
    _add_employee(factory, "E2")
    drop_triggers(engine)
    with factory() as session, session.begin():
        session.execute(update(AuditLog).where(AuditLog.id == 2).values(actor="someone else"))
    out = tmp_path / "broken.backup"
    create_backup(url, out)
    target = f"sqlite:///{tmp_path / 'fresh.db'}"
    with pytest.raises(BackupError) as error:
        restore_backup(target, out, keys, force=False, safety_dir=tmp_path, actor="test")
    assert str(error.value) == (
        f"{out}: the audit chain of the backed-up database is broken at row 2 (edited, or a row before it deleted): "
        "restore another backup, or the key file this database was written with"
    )
    assert not (tmp_path / "fresh.db").exists()


def test_cli_backup_and_restore_onto_a_new_machine(tmp_path: Path) -> None:
    site, new = tmp_path / "site", tmp_path / "new"
    site.mkdir()
    new.mkdir()
    for folder in (site, new):
        (folder / "punchclock.toml").write_text('[database]\nurl = "sqlite:///pc.db"\n', encoding="utf-8")
    assert runner.invoke(app, ["db", "upgrade", "--config", str(site / "punchclock.toml")]).exit_code == 0
    keys = load_keys(site / "punchclock.key")
    from gateway.store import make_engine

    _add_employee(session_factory(make_engine(f"sqlite:///{site / 'pc.db'}"), keys=keys), "E1")
    backup = tmp_path / "site.backup"
    made = runner.invoke(app, ["db", "backup", "--out", str(backup), "--config", str(site / "punchclock.toml")])
    assert made.exit_code == 0, made.stderr
    said = " ".join(made.stderr.split())
    assert f"backup written to {backup} in " in said
    assert f"The key file {site / 'punchclock.key'} is NOT in the backup: keep a copy of it apart" in said
    with tarfile.open(backup) as archive:
        assert archive.getnames() == ["manifest.json", "database.sqlite"]
        data = archive.extractfile("manifest.json")
        assert data is not None
        assert json.loads(data.read())["tables"]["employees"] == 1

    no_keys = runner.invoke(app, ["db", "restore", str(backup), "--config", str(new / "punchclock.toml")])
    assert (no_keys.exit_code, " ".join(no_keys.stderr.split())) == (
        2,
        f"keys: no key file at {new / 'punchclock.key'}: create one with `punchclock keys create --config ...` "
        "and keep a copy somewhere safe (without it, encrypted data cannot be read)",
    )
    (new / "punchclock.key").write_bytes((site / "punchclock.key").read_bytes())
    (new / "punchclock.key").chmod(0o600)
    done = runner.invoke(app, ["db", "restore", str(backup), "--config", str(new / "punchclock.toml")])
    assert done.exit_code == 0, done.stderr
    assert "3 rows checked against the manifest, audit chain intact." in " ".join(done.stderr.split())
    assert stat.S_IMODE((new / "pc.db").stat().st_mode) == 0o600
    assert _codes(session_factory(make_engine(f"sqlite:///{new / 'pc.db'}"), keys=keys)) == ["E1"]
