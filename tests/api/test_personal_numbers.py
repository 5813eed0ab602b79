"""Bank account and ID numbers over the API: full for admin and hr, masked for a viewer and the employee,
masked in the audit log, and nowhere in clear in the SQLite file or its WAL."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import make_url, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import BankAccount, Employee

ACCOUNT = {"bank_name": "CCB Pudong", "account_no": "6217000010001236890", "account_name": "Worker E001"}
ID_NUMBER = "11010519491231002X"


def _put(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    assert client.put("/api/v1/employees/E001/bank-account", json=ACCOUNT, headers=as_role("hr")).status_code == 200
    edit = {"id_type": "resident_id", "id_number": "11010519491231002x"}
    edited = client.patch("/api/v1/employees/E001", json=edit, headers=as_role("hr"))
    assert (edited.status_code, edited.json()["id_type"], edited.json()["id_number"]) == (200, "resident_id", ID_NUMBER)


@pytest.mark.parametrize(
    ("role", "account_no", "id_number"),
    [
        ("admin", ACCOUNT["account_no"], ID_NUMBER),
        ("hr", ACCOUNT["account_no"], ID_NUMBER),
        ("viewer", "**** 6890", "**** 002X"),
        ("employee", "**** 6890", "**** 002X"),
    ],
)
def test_full_numbers_for_admin_and_hr_only(
    client: TestClient, as_role, role: str, account_no: str, id_number: str
) -> None:  # type: ignore[no-untyped-def]
    _put(client, as_role)
    account = client.get("/api/v1/employees/E001/bank-account", headers=as_role(role))
    assert (account.status_code, account.json()) == (200, {"employee": "E001", **ACCOUNT, "account_no": account_no})
    employee = client.get("/api/v1/employees/E001", headers=as_role(role)).json()
    assert (employee["id_type"], employee["id_number"]) == ("resident_id", id_number)
    if role != "employee":
        [listed] = client.get("/api/v1/employees", params={"q": "E001"}, headers=as_role(role)).json()["items"]
        assert listed["id_number"] == id_number


def test_the_audit_log_holds_masked_numbers_only(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    _put(client, as_role)
    again = {**ACCOUNT, "account_no": "6217000010001231111"}
    assert client.put("/api/v1/employees/E001/bank-account", json=again, headers=as_role("admin")).status_code == 200
    rows = audit_rows(factory)
    action, target, before, after = rows[-3][1:]
    digest = after.pop("digest")  # type: ignore[union-attr]  # the keyed digest `audit verify` checks the row by
    assert (action, target, before, after) == (
        "employee.bank_account",
        "employee:E001",
        None,
        {"employee": "E001", **ACCOUNT, "account_no": "**** 6890"},
    )
    assert len(digest) == 64 and ACCOUNT["account_no"][-4:] not in digest
    assert (rows[-2][1], rows[-2][3]["id_number"], rows[-2][4]["id_number"]) == ("employee.edit", None, "**** 002X")  # type: ignore[index]
    assert (rows[-1][3]["account_no"], rows[-1][4]["account_no"]) == ("**** 6890", "**** 1111")  # type: ignore[index]


def test_id_number_is_checked_and_goes_with_its_type(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    bad = client.patch(
        "/api/v1/employees/E001", json={"id_type": "resident_id", "id_number": "110105194912310022"}, headers=hr
    )
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        "id_number: the last character of this resident ID number does not match the other 17 (GB 11643 check "
        "character): one of the digits is mistyped; re-enter the number from the card",
    )
    alone = client.patch("/api/v1/employees/E001", json={"id_number": ID_NUMBER}, headers=hr)
    assert (alone.status_code, alone.json()["detail"]) == (
        422,
        "id_type and id_number go together: give both (e.g. resident_id and the 18 characters), or neither",
    )
    created = client.post(
        "/api/v1/employees",
        json={
            "code": "E200",
            "name": "John Smith",
            "monthly_salary_fen": 900000,
            "id_type": "passport",
            "id_number": "X1234567",
        },
        headers=hr,
    )
    assert (created.status_code, created.json()["id_number"]) == (201, "X1234567")
    cleared = client.patch("/api/v1/employees/E200", json={"id_type": None, "id_number": None}, headers=hr)
    assert (cleared.status_code, cleared.json()["id_type"], cleared.json()["id_number"]) == (200, None, None)


def test_an_altered_number_is_a_500_naming_the_row(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    _put(client, as_role)
    client.patch(
        "/api/v1/employees/E002", json={"id_type": "resident_id", "id_number": ID_NUMBER}, headers=as_role("hr")
    )
    with factory() as session, session.begin():
        e1, e2 = session.scalars(select(Employee).order_by(Employee.id)).all()
        session.execute(update(Employee).where(Employee.id == e1.id).values(id_number=e2.id_number))
        session.execute(update(BankAccount).values(account_no="6217000010001236890"))
    moved = client.get("/api/v1/employees/E001", headers=as_role("hr"))
    assert (moved.status_code, moved.json()["title"], moved.json()["detail"]) == (
        500,
        "Stored data does not verify",
        f"employees.id_number of employee id {e1.id} does not decrypt: the stored value was edited, or copied from "
        "another row or column, so the database was altered; restore it from a backup or enter the value again",
    )
    clear = client.get("/api/v1/employees/E001/bank-account", headers=as_role("hr"))
    assert (clear.status_code, clear.json()["detail"]) == (
        500,
        f"bank_accounts.account_no of employee id {e1.id} is not an encrypted value (it does not start with "
        "pc1:<key id>:): the database was altered outside punchclock; enter the value again through the API",
    )


def test_no_number_in_clear_in_the_sqlite_file_or_its_wal(client: TestClient, as_role, db_url: str) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("scans the SQLite database file")
    _put(client, as_role)
    path = Path(make_url(db_url).database or "")
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    assert {p.name for p in files} >= {path.name, f"{path.name}-wal"}
    for number in (ACCOUNT["account_no"], ID_NUMBER, ID_NUMBER.lower()):
        assert [p.name for p in files if number.encode() in p.read_bytes()] == []
