"""An employee token gets the same 404 for another employee's real data as for data that does not exist.

The fixture's employee token belongs to E001; E002 is a real colleague at another office, E404 and
punch 999 exist nowhere. If the answers differed by anything but the code or id asked for, an
employee could probe which employee codes are real.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.store import BankAccount, Employee, Punch

# (URL asking for something of E002 or of nobody, with {x} for the code or id, and the real value, the invented one)
PROBES = [
    ("/api/v1/employees/{x}", "E002", "E404"),
    ("/api/v1/employees/{x}/badges", "E002", "E404"),
    ("/api/v1/employees/{x}/bank-account", "E002", "E404"),
    ("/api/v1/punches?employee={x}", "E002", "E404"),
    ("/api/v1/punches/corrections?employee={x}", "E002", "E404"),
    ("/api/v1/attendance?period=2026-03&employee={x}", "E002", "E404"),
    ("/api/v1/punches/{x}", "E002's punch", "999"),
    ("/api/v1/punches/{x}", "the unattributed punch", "999"),
]


@pytest.fixture
def real_ids(factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """E002 gets a bank account too, so only the owner differs; the punch ids of E002 and of the unknown pin."""
    with factory() as session, session.begin():
        e002 = session.scalars(select(Employee).where(Employee.code == "E002")).one()
        session.add(BankAccount(employee_id=e002.id, bank_name="ICBC", account_no="6222020000000002", account_name="W"))
        punch = session.scalars(select(Punch.id).where(Punch.employee_id == e002.id)).one()
        unattributed = session.scalars(select(Punch.id).where(Punch.employee_id.is_(None))).one()
    return {"E002's punch": str(punch), "the unattributed punch": str(unattributed)}


@pytest.mark.parametrize(("url", "real", "invented"), PROBES, ids=[f"{u} {r}" for u, r, _i in PROBES])
def test_real_and_invented_look_alike(
    client: TestClient, as_role, real_ids: dict[str, str], url: str, real: str, invented: str
) -> None:  # type: ignore[no-untyped-def]
    real = real_ids.get(real, real)
    other = client.get(url.format(x=real), headers=as_role("employee"))
    nobody = client.get(url.format(x=invented), headers=as_role("employee"))
    assert (other.status_code, nobody.status_code) == (404, 404)
    assert other.text == nobody.text.replace(invented, real)
    assert other.json()["detail"] in (f"employee {real!r} does not exist", f"punch {real} does not exist")


def test_hr_gets_the_same_words_for_a_missing_employee(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    for url in ("/api/v1/employees/E404", "/api/v1/employees/E404/bank-account", "/api/v1/punches?employee=E404"):
        response = client.get(url, headers=as_role("hr"))
        assert (response.status_code, response.json()["detail"]) == (404, "employee 'E404' does not exist")


def test_payslip_listings_of_another_employee_and_of_nobody_are_both_empty(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    for code in ("E002", "E404"):
        response = client.get("/api/v1/payslips", params={"employee": code}, headers=as_role("employee"))
        assert (response.status_code, response.json()) == (200, {"items": [], "next_cursor": None})
