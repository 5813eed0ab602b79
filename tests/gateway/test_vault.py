"""Encryption at rest (`gateway.access.vault`), identity numbers, migration 0006 and the database file's mode."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from gateway.access.identity import IdNumberError, normalize_id_number
from gateway.access.keys import KeyRing
from gateway.access.vault import (
    BANK_ACCOUNT_NO,
    EMPLOYEE_ID_NUMBER,
    Vault,
    VaultError,
    context_for,
    is_sealed,
    mask,
    seal,
    unseal,
)
from gateway.store import make_engine, upgrade

ACCOUNT = "6222020200012345678"


def test_a_sealed_value_opens_only_in_its_own_place() -> None:
    ring = KeyRing.generate()
    sealed = seal(ring, ACCOUNT, context_for(BANK_ACCOUNT_NO, 7))
    assert sealed.startswith("pc1:k1:") and ACCOUNT not in sealed
    assert unseal(ring, sealed, context_for(BANK_ACCOUNT_NO, 7)) == ACCOUNT
    assert seal(ring, ACCOUNT, context_for(BANK_ACCOUNT_NO, 7)) != sealed  # a fresh nonce every time
    with pytest.raises(VaultError) as other_row:
        unseal(ring, sealed, context_for(BANK_ACCOUNT_NO, 8))
    assert str(other_row.value) == (
        "bank_accounts.account_no of employee id 8 does not decrypt: the stored value was edited, or copied from "
        "another row or column, so the database was altered; restore it from a backup or enter the value again"
    )
    with pytest.raises(VaultError, match="^employees.id_number of employee id 7 does not decrypt"):
        unseal(ring, sealed, context_for(EMPLOYEE_ID_NUMBER, 7))


def test_an_edited_or_foreign_value_is_an_error_naming_the_row() -> None:
    ring = KeyRing.generate()
    place = context_for(EMPLOYEE_ID_NUMBER, 3)
    sealed = seal(ring, "11010519491231002X", place)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(VaultError, match="^employees.id_number of employee id 3 does not decrypt"):
        unseal(ring, flipped, place)
    with pytest.raises(VaultError) as clear:
        unseal(ring, "11010519491231002X", place)
    assert str(clear.value) == (
        "employees.id_number of employee id 3 is not an encrypted value (it does not start with pc1:<key id>:): "
        "the database was altered outside punchclock; enter the value again through the API"
    )
    with pytest.raises(VaultError, match="^employees.id_number of employee id 3 was encrypted with data key 'k1', "):
        unseal(KeyRing(ring.audit_key, {"k9": ring.active_key}, "k9"), sealed, place)
    with pytest.raises(VaultError, match="does not decrypt"):  # same key id, another key
        unseal(KeyRing.generate(), sealed, place)


def test_context_and_mask() -> None:
    assert context_for(BANK_ACCOUNT_NO, 17) == "bank_accounts.account_no:17"
    with pytest.raises(ValueError, match="'employees.name' is not an encrypted column"):
        context_for("employees.name", 1)
    assert mask("6222020200012346890") == "**** 6890"
    assert mask("11010519491231002X") == "**** 002X"
    assert is_sealed("pc1:k1:abc") and not is_sealed(ACCOUNT)


@pytest.mark.parametrize(
    ("id_type", "number", "expected"),
    [
        ("resident_id", "11010519491231002x", "11010519491231002X"),
        ("resident_id", " 110105 19491231 002X ", "11010519491231002X"),
        ("residence_permit", "810000199408230021", "810000199408230021"),
        ("passport", "e12345678", "E12345678"),
        ("hk_macao_permit", "H12345678", "H12345678"),
    ],
)
def test_identity_numbers_accepted(id_type: str, number: str, expected: str) -> None:
    assert normalize_id_number(id_type, number) == expected


@pytest.mark.parametrize(
    ("id_type", "number", "message"),
    [
        (
            "resident_id",
            "1101051949123100",
            "a resident ID number has 18 characters, this one has 16: copy all 18 from the card (15-digit cards "
            "from before 1999 are no longer valid)",
        ),
        (
            "resident_id",
            "11010519491231002Y",
            "a resident ID number is 17 digits and a last digit or X: remove other characters",
        ),
        (
            "resident_id",
            "110105194912310022",
            "the last character of this resident ID number does not match the other 17 (GB 11643 check "
            "character): one of the digits is mistyped; re-enter the number from the card",
        ),
        (
            "resident_id",
            "110105194913310021",
            "characters 7-14 of a resident ID number are the birth date YYYYMMDD; 19491331 is no date: re-enter "
            "the number from the card",
        ),
        (
            "resident_id",
            "11010520300101001X",
            "characters 7-14 of this resident ID number give the birth date 2030-01-01, which cannot be right: "
            "re-enter the number from the card",
        ),
        (
            "passport",
            "E1234-5678",
            "a passport number is 5 to 20 letters and digits as printed on the document (got 10 characters): copy "
            "it from the document without punctuation",
        ),
    ],
)
def test_identity_numbers_refused(id_type: str, number: str, message: str) -> None:
    with pytest.raises(IdNumberError) as error:
        normalize_id_number(id_type, number, today=date(2026, 3, 1))
    assert str(error.value) == message


def _clear_account_at_0004(url: str) -> None:
    upgrade(url, "0004")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO employees (code, name, pay_basis, special_deductions_fen) "
                "VALUES ('E1', 'Li', 'monthly', 0)"
            )
        )
        connection.execute(
            text("INSERT INTO bank_accounts VALUES (1, 'ICBC', :number, 'Li')"),
            {"number": ACCOUNT},
        )
    engine.dispose()


def test_migration_0006_refuses_clear_numbers_without_keys_and_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _clear_account_at_0004(url)
    with pytest.raises(RuntimeError) as error:
        upgrade(url)
    assert str(error.value) == (
        "1 bank account numbers are stored in clear and must be encrypted: upgrade through `punchclock db upgrade "
        "--config ...` (it reads the key file), not without keys"
    )
    engine = make_engine(url)
    with engine.connect() as connection:
        # 0005 (which touches no bank account) applied; 0006 refused before changing anything.
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0005"
        assert connection.scalar(text("SELECT account_no FROM bank_accounts")) == ACCOUNT
    assert "id_number" not in {c["name"] for c in inspect(engine).get_columns("employees")}
    engine.dispose()


def test_migration_0006_seals_the_stored_numbers_and_leaves_no_clear_copy(tmp_path: Path, schema_head: str) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    _clear_account_at_0004(url)
    ring = KeyRing.generate()
    upgrade(url, vault=Vault(ring))
    engine = make_engine(url)
    with engine.connect() as connection:
        sealed = connection.scalar(select(text("account_no")).select_from(text("bank_accounts")))
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == schema_head
    engine.dispose()
    assert unseal(ring, sealed, context_for(BANK_ACCOUNT_NO, 1)) == ACCOUNT
    upgrade(url, vault=Vault(ring))  # already at the head: nothing sealed twice
    leftovers = [p.name for p in tmp_path.iterdir() if ACCOUNT.encode() in p.read_bytes()]
    assert leftovers == []


def test_a_new_sqlite_database_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    umask = os.umask(0o022)  # the usual umask, under which files are created world-readable
    try:
        upgrade(f"sqlite:///{path}")
        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM employees"))
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        engine.dispose()
    finally:
        os.umask(umask)
    assert modes == {"new.db": 0o600, "new.db-wal": 0o600, "new.db-shm": 0o600}
