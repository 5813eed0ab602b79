"""Locked payslips are served from the document stored at lock: the same JSON, frozen, under the same role rules.

Before the stored documents, `payslip_documents` did not exist and every request rebuilt the payslip from
its rows; these tests read the stored bytes, so each fails without the lock writing them.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import lines_of
from gateway.store import Employee, Office, PayRun, Payslip, PayslipDocument

READERS = ("admin", "hr", "viewer")


@pytest.fixture
def locked(client: TestClient, as_role, factory: sessionmaker[Session]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A locked run of Shanghai HQ for March (E001 and E002); returns the payslip ids by employee code."""
    full_month(factory)
    with factory() as session, session.begin():  # E002 moves to Shanghai HQ, so the run has two payslips
        office_id = session.scalar(select(Office.id).where(Office.name == SCOPE))
        session.execute(
            update(Employee).where(Employee.code == "E002").values(monthly_salary_fen=500_000, office_id=office_id)
        )
    hr = as_role("hr")
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr)
    assert run.status_code == 201, run.text
    run_id = run.json()["id"]
    computed = client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    assert computed.status_code == 200, computed.text
    lock = client.post(f"/api/v1/payruns/{run_id}/lock", json={"acknowledge": list(WARNING_CODES)}, headers=hr)
    assert lock.status_code == 200, lock.text
    with factory() as session:
        rows = session.execute(
            select(Employee.code, Payslip.id).join(Payslip, Payslip.employee_id == Employee.id)
        ).all()
    return {str(code): int(slip_id) for code, slip_id in rows}


def _computed(factory: sessionmaker[Session], slip_id: int) -> dict[str, Any]:
    """The payslip's JSON as the API built it from the ORM rows before documents were stored."""
    with factory() as session:
        slip = session.get(Payslip, slip_id)
        assert slip is not None
        run = session.get(PayRun, slip.payrun_id)
        assert run is not None
        return {
            "id": slip.id, "payrun": run.id, "period": run.period, "status": run.status,
            "employee": slip.employee_code, "name": slip.employee_name, "gross_fen": slip.gross_fen,
            "net_fen": slip.net_fen, "iit_fen": slip.iit_fen, "figures": slip.figures,
            "attendance": slip.attendance, "inputs": slip.inputs,
            "lines": [{"code": line.code, "amount_fen": line.amount_fen, "quantities": line.quantities,
                       "rule": line.rule} for line in lines_of(session, slip.id)],
        }  # fmt: skip


def _stored(factory: sessionmaker[Session], slip_id: int) -> bytes:
    with factory() as session:
        document = session.scalar(select(PayslipDocument.document).where(PayslipDocument.payslip_id == slip_id))
        assert document is not None, f"payslip {slip_id} has no stored document"
        return document


def test_the_stored_document_is_the_computed_payslip_and_is_what_the_api_returns(
    client: TestClient, as_role, factory: sessionmaker[Session], locked: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    for code, slip_id in locked.items():
        stored = _stored(factory, slip_id)
        assert orjson.loads(stored) == _computed(factory, slip_id)
        assert orjson.loads(stored)["employee"] == code
        answer = client.get(f"/api/v1/payslips/{slip_id}", headers=as_role("hr"))
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert answer.content == stored


def test_a_locked_payslip_does_not_follow_later_changes_of_the_employee(
    client: TestClient, as_role, factory: sessionmaker[Session], locked: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    before = _stored(factory, locked["E001"])
    with factory() as session, session.begin():
        session.execute(update(Employee).where(Employee.code == "E001").values(name="Renamed", code="E901"))
    for role in READERS:
        assert client.get(f"/api/v1/payslips/{locked['E001']}", headers=as_role(role)).content == before
    assert orjson.loads(before)["name"] != "Renamed"
    own = client.get("/api/v1/payslips", params={"period": PERIOD}, headers=as_role("employee"))
    assert own.status_code == 200
    assert own.content == b'{"items":[' + before + b'],"next_cursor":null}'


def test_each_role_sees_what_it_saw_before(
    client: TestClient, as_role, factory: sessionmaker[Session], locked: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    mine, other = locked["E001"], locked["E002"]
    for role in READERS:
        for slip_id in (mine, other):
            answer = client.get(f"/api/v1/payslips/{slip_id}", headers=as_role(role))
            assert (answer.status_code, answer.content) == (200, _stored(factory, slip_id))
        listed = client.get("/api/v1/payslips", params={"period": PERIOD}, headers=as_role(role))
        assert [item["id"] for item in listed.json()["items"]] == [mine, other]
    employee = as_role("employee")
    assert client.get(f"/api/v1/payslips/{mine}", headers=employee).content == _stored(factory, mine)
    hidden = client.get(f"/api/v1/payslips/{other}", headers=employee)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"payslip {other} does not exist"
    listed = client.get("/api/v1/payslips", params={"period": PERIOD}, headers=employee)
    assert [item["id"] for item in listed.json()["items"]] == [mine]


def test_a_run_locked_before_documents_gets_them_on_first_read(
    client: TestClient, as_role, factory: sessionmaker[Session], locked: dict[str, int], db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """Migration 0035 stores nothing for earlier locks; the first read builds, stores and returns the document."""
    stored = _stored(factory, locked["E001"])
    with factory() as session, session.begin():
        on = "" if db_url.startswith("sqlite") else " ON payslip_documents"
        session.execute(text(f"DROP TRIGGER payslip_documents_no_delete{on}"))
        session.execute(delete(PayslipDocument))
    answer = client.get(f"/api/v1/payslips/{locked['E001']}", headers=as_role("employee"))
    assert (answer.status_code, answer.content) == (200, stored)
    assert _stored(factory, locked["E001"]) == stored
    with factory() as session:
        assert session.scalars(select(PayslipDocument.payslip_id)).all() == [locked["E001"]]
