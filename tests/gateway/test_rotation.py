"""`punchclock keys rotate`: a new active data key, every live value re-sealed under it, audited; old copies open."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from gateway.access.keys import load_keys
from gateway.access.rotation import add_data_key, reseal_all
from gateway.access.vault import BANK_ACCOUNT_NO, EMPLOYEE_ID_NUMBER, key_id_of, reveal, seal_for
from gateway.cli.app import app
from gateway.store import AuditLog, BankAccount, Employee, make_engine, session_factory

runner = CliRunner()
ACCOUNT, ID_NUMBER = "6222020200012346890", "11010519491231002X"


def _store_with_numbers(tmp_path: Path) -> tuple[Path, str]:
    """A config and database (via `db upgrade`) with one employee's bank account and ID number; returns the
    config and a copy of the sealed account number, as a locked payslip keeps it."""
    config = tmp_path / "punchclock.toml"
    config.write_text('[database]\nurl = "sqlite:///pc.db"\n', encoding="utf-8")
    assert runner.invoke(app, ["db", "upgrade", "--config", str(config)]).exit_code == 0
    factory = session_factory(
        make_engine(f"sqlite:///{tmp_path / 'pc.db'}"), keys=load_keys(tmp_path / "punchclock.key")
    )
    with factory() as session, session.begin():
        employee = Employee(code="E1", name="Li", pay_basis="monthly", monthly_salary_fen=1, special_deductions_fen=0)
        session.add(employee)
        session.flush()
        employee.id_type, employee.id_number = (
            "resident_id",
            seal_for(session, EMPLOYEE_ID_NUMBER, employee.id, ID_NUMBER),
        )
        sealed = seal_for(session, BANK_ACCOUNT_NO, employee.id, ACCOUNT)
        session.add(BankAccount(employee_id=employee.id, bank_name="ICBC", account_no=sealed, account_name="Li"))
    return config, sealed


def _opened(tmp_path: Path) -> tuple[str, str, str, str]:
    """(account key id, account, ID number key id, ID number) as a process started now reads them."""
    factory = session_factory(
        make_engine(f"sqlite:///{tmp_path / 'pc.db'}"), keys=load_keys(tmp_path / "punchclock.key")
    )
    with factory() as session:
        account = session.scalars(select(BankAccount)).one()
        employee = session.scalars(select(Employee)).one()
        assert employee.id_number is not None
        return (
            key_id_of(account.account_no),
            reveal(session, BANK_ACCOUNT_NO, account.employee_id, account.account_no),
            key_id_of(employee.id_number),
            reveal(session, EMPLOYEE_ID_NUMBER, employee.id, employee.id_number),
        )


def test_rotate_reseals_live_values_keeps_old_keys_and_audits(tmp_path: Path) -> None:
    config, snapshot = _store_with_numbers(tmp_path)
    result = runner.invoke(app, ["keys", "rotate", "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    key_file = tmp_path / "punchclock.key"
    assert (
        f"data key k2 is now active in {key_file}; re-encrypted 1 bank account numbers and 1 ID numbers. "
        "Keys k1 stay in the file." in " ".join(result.stderr.split())
    )
    content = json.loads(key_file.read_text(encoding="utf-8"))
    assert (sorted(content["data_keys"]), content["active"]) == (["k1", "k2"], "k2")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no temporary key file left
    assert _opened(tmp_path) == ("k2", ACCOUNT, "k2", ID_NUMBER)
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'pc.db'}"), keys=load_keys(key_file))
    with factory() as session:
        assert key_id_of(snapshot) == "k1"
        assert reveal(session, BANK_ACCOUNT_NO, 1, snapshot) == ACCOUNT  # a payslip's copy sealed before rotation
        row = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert row is not None
        assert (row.actor, row.action, row.target, json.loads(row.before_json), json.loads(row.after_json)) == (
            "cli",
            "keys.rotate",
            "keys",
            {"active": "k1"},
            {"active": "k2", "resealed": {BANK_ACCOUNT_NO: 1, EMPLOYEE_ID_NUMBER: 1}},
        )


def test_a_crash_after_the_key_file_was_replaced_leaves_every_value_readable(tmp_path: Path) -> None:
    config, _snapshot = _store_with_numbers(tmp_path)
    key_file = tmp_path / "punchclock.key"
    old, new = add_data_key(key_file)  # step 1 done, then the process dies before the re-seal commits
    assert (old.active_id, new.active_id) == ("k1", "k2")
    assert _opened(tmp_path) == ("k1", ACCOUNT, "k1", ID_NUMBER)
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'pc.db'}"), keys=load_keys(key_file))
    with factory() as session, session.begin():
        assert reseal_all(session, "cli", "k1") == {BANK_ACCOUNT_NO: 1, EMPLOYEE_ID_NUMBER: 1}
    with factory() as session, session.begin():
        assert reseal_all(session, "cli", "k2") == {BANK_ACCOUNT_NO: 0, EMPLOYEE_ID_NUMBER: 0}  # nothing left
    assert _opened(tmp_path) == ("k2", ACCOUNT, "k2", ID_NUMBER)


def test_rotate_refuses_keys_given_in_the_environment(tmp_path: Path) -> None:
    config, _snapshot = _store_with_numbers(tmp_path)
    content = (tmp_path / "punchclock.key").read_text(encoding="utf-8")
    result = runner.invoke(app, ["keys", "rotate", "--config", str(config)], env={"PUNCHCLOCK_KEYS": content})
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == (
        "keys not rotated: the keys come from $PUNCHCLOCK_KEYS, not from a file: put them in a key file (mode 0600) "
        "named by [security] key_file or $PUNCHCLOCK_KEY_FILE, rotate, then hand the new content to $PUNCHCLOCK_KEYS"
    )
