"""`punchclock keys rotate`: a new active data key, every live value re-sealed under it, audited; old copies open."""

from __future__ import annotations

import base64
import json
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.access.keys import KeyRing, load_keys
from gateway.access.rotation import SEALED_PLACES, add_data_key, reseal_all
from gateway.access.vault import (
    BANK_ACCOUNT_NO,
    EMPLOYEE_ID_NUMBER,
    FINGER_TEMPLATE,
    ONBOARDING_ID_NUMBER,
    SEALED_COLUMNS,
    VaultError,
    context_for,
    key_id_of,
    reveal,
    seal_for,
    unseal,
)  # fmt: skip
from gateway.cli.app import app
from gateway.store import (
    AuditLog,
    BankAccount,
    Employee,
    EmployeeTemplate,
    Office,
    Onboarding,
    make_engine,
    session_factory,
    utcnow,
)  # fmt: skip

runner = CliRunner()
ACCOUNT, ID_NUMBER = "6222020200012346890", "11010519491231002X"
NONE_RESEALED = dict.fromkeys(SEALED_COLUMNS, 0)
TEMPLATE = b"\x00fingerprint template bytes\xff"


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
        f"data key k2 is now active in {key_file}; re-encrypted 1 bank account numbers, 1 ID numbers, 0 fingerprint "
        "templates, 0 new hires' ID numbers and 0 face templates. Keys k1 stay in the file."
        in " ".join(result.stderr.split())
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
            {"active": "k2", "resealed": {**NONE_RESEALED, BANK_ACCOUNT_NO: 1, EMPLOYEE_ID_NUMBER: 1}},
        )


def test_a_crash_after_the_key_file_was_replaced_leaves_every_value_readable(tmp_path: Path) -> None:
    config, _snapshot = _store_with_numbers(tmp_path)
    key_file = tmp_path / "punchclock.key"
    old, new = add_data_key(key_file)  # step 1 done, then the process dies before the re-seal commits
    assert (old.active_id, new.active_id) == ("k1", "k2")
    assert _opened(tmp_path) == ("k1", ACCOUNT, "k1", ID_NUMBER)
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'pc.db'}"), keys=load_keys(key_file))
    with factory() as session, session.begin():
        assert reseal_all(session, "cli", "k1") == {**NONE_RESEALED, BANK_ACCOUNT_NO: 1, EMPLOYEE_ID_NUMBER: 1}
    with factory() as session, session.begin():
        assert reseal_all(session, "cli", "k2") == NONE_RESEALED  # nothing left
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


def _add_template_and_new_hire(tmp_path: Path) -> None:
    """A fingerprint template of E1 and a pending new hire's ID number, both sealed under the current key."""
    factory = session_factory(
        make_engine(f"sqlite:///{tmp_path / 'pc.db'}"), keys=load_keys(tmp_path / "punchclock.key")
    )
    with factory() as session, session.begin():
        employee = session.scalars(select(Employee)).one()
        session.add(EmployeeTemplate(employee_id=employee.id, finger=6, valid=1, source_device_sn="SH0001",
                                     template=seal_for(session, FINGER_TEMPLATE, employee.id,
                                                       base64.b64encode(TEMPLATE).decode()),
                                     stored_at=utcnow()))  # fmt: skip
        office = Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=60,
                        shift_rule="standard")  # fmt: skip
        session.add(office)
        session.flush()
        hire = Onboarding(office_id=office.id, name="陈小雨", position="装配工", hired_on=date(2026, 11, 16),
                          pay_basis="monthly", monthly_salary_fen=1_000_000, probation_months=0, id_type="resident_id",
                          id_number="", id_digest="d" * 64, status="pending", created_by="hr:test",
                          created_at=utcnow(), comment="")  # fmt: skip
        session.add(hire)
        session.flush()
        hire.id_number = seal_for(session, ONBOARDING_ID_NUMBER, hire.id, "110105194912310038")


def test_after_rotation_every_sealed_column_opens_with_the_new_key_only(tmp_path: Path) -> None:
    config, _snapshot = _store_with_numbers(tmp_path)
    _add_template_and_new_hire(tmp_path)
    assert set(SEALED_PLACES) == set(SEALED_COLUMNS)  # every sealed column has a place rotation re-seals
    result = runner.invoke(app, ["keys", "rotate", "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    assert (
        "re-encrypted 1 bank account numbers, 1 ID numbers, 1 fingerprint templates, 1 new hires' ID numbers and 0 "
        "face templates." in " ".join(result.stderr.split())
    )
    ring = load_keys(tmp_path / "punchclock.key")
    only_new = KeyRing(ring.audit_key, {"k2": ring.data_keys["k2"]}, "k2")
    only_old = KeyRing(ring.audit_key, {"k1": ring.data_keys["k1"]}, "k1")
    opened: dict[str, list[str]] = {}
    with make_engine(f"sqlite:///{tmp_path / 'pc.db'}").connect() as connection:
        for column in SEALED_COLUMNS:
            place = SEALED_PLACES[column]
            table = place.model.__table__
            for owner, sealed in connection.execute(select(table.c[place.owner], table.c[place.value])):
                context = context_for(column, owner)
                opened.setdefault(column, []).append(unseal(only_new, sealed, context))
                with pytest.raises(VaultError):
                    unseal(only_old, sealed, context)
    assert opened == {
        BANK_ACCOUNT_NO: [ACCOUNT],
        EMPLOYEE_ID_NUMBER: [ID_NUMBER],
        FINGER_TEMPLATE: [base64.b64encode(TEMPLATE).decode()],
        ONBOARDING_ID_NUMBER: ["110105194912310038"],
    }
