"""Payslips are served as documents made from their rows: the same JSON as the payslip's stored content, frozen
once locked, under the same role rules, and nothing stored twice. A payslip whose lines are rows (computed before
migration 0040) gets its document stored on its first read once locked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import lines_of
from gateway.store import Employee, Office, PayRun, Payslip, PayslipDocument

READERS = ("admin", "hr", "viewer")


def _locked_run(
    client: TestClient, hr: dict[str, str], factory: sessionmaker[Session], as_rows: Callable[[Session], None] | None
) -> dict[str, int]:
    """A locked run of Shanghai HQ for March (E001 and E002), its lines turned into rows before the lock by
    `as_rows`; the payslip ids by employee code."""
    full_month(factory)
    with factory() as session, session.begin():  # E002 moves to Shanghai HQ, so the run has two payslips
        office_id = session.scalar(select(Office.id).where(Office.name == SCOPE))
        session.execute(
            update(Employee).where(Employee.code == "E002").values(monthly_salary_fen=500_000, office_id=office_id)
        )
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr)
    assert run.status_code == 201, run.text
    run_id = run.json()["id"]
    computed = client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    assert computed.status_code == 200, computed.text
    if as_rows is not None:
        with factory() as session, session.begin():
            as_rows(session)
    lock = client.post(f"/api/v1/payruns/{run_id}/lock", json={"acknowledge": list(WARNING_CODES)}, headers=hr)
    assert lock.status_code == 200, lock.text
    with factory() as session:
        rows = session.execute(
            select(Employee.code, Payslip.id).join(Payslip, Payslip.employee_id == Employee.id)
        ).all()
    return {str(code): int(slip_id) for code, slip_id in rows}


@pytest.fixture
def locked(client: TestClient, as_role, factory: sessionmaker[Session]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return _locked_run(client, as_role("hr"), factory, None)


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


def _stored(factory: sessionmaker[Session]) -> dict[int, bytes]:
    with factory() as session:
        return dict(session.execute(select(PayslipDocument.payslip_id, PayslipDocument.document)).tuples().all())


def test_the_document_is_the_computed_payslip_and_nothing_is_stored_twice(
    client: TestClient, as_role, factory: sessionmaker[Session], locked: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    for code, slip_id in locked.items():
        answer = client.get(f"/api/v1/payslips/{slip_id}", headers=as_role("hr"))
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert orjson.loads(answer.content) == _computed(factory, slip_id)
        assert orjson.loads(answer.content)["employee"] == code
    assert _stored(factory) == {}  # the payslip's row is its one stored form


def test_a_locked_payslip_does_not_follow_later_changes_of_the_employee(
    client: TestClient, as_role, factory: sessionmaker[Session], locked: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    before = client.get(f"/api/v1/payslips/{locked['E001']}", headers=as_role("hr")).content
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
    shown = {
        slip_id: client.get(f"/api/v1/payslips/{slip_id}", headers=as_role("hr")).content for slip_id in (mine, other)
    }
    for role in READERS:
        for slip_id in (mine, other):
            answer = client.get(f"/api/v1/payslips/{slip_id}", headers=as_role(role))
            assert (answer.status_code, answer.content) == (200, shown[slip_id])
        listed = client.get("/api/v1/payslips", params={"period": PERIOD}, headers=as_role(role))
        assert [item["id"] for item in listed.json()["items"]] == [mine, other]
    employee = as_role("employee")
    assert client.get(f"/api/v1/payslips/{mine}", headers=employee).content == shown[mine]
    hidden = client.get(f"/api/v1/payslips/{other}", headers=employee)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"payslip {other} does not exist"
    listed = client.get("/api/v1/payslips", params={"period": PERIOD}, headers=employee)
    assert [item["id"] for item in listed.json()["items"]] == [mine]


def test_a_payslip_whose_lines_are_rows_gets_its_document_stored_on_first_read(
    client: TestClient, as_role, factory: sessionmaker[Session], lines_as_rows: Callable[[Session], None]
) -> None:  # type: ignore[no-untyped-def]
    """A run computed before migration 0040 and locked since: its documents are built with the line rows on the
    first read, stored, and served as stored from then on."""
    locked = _locked_run(client, as_role("hr"), factory, lines_as_rows)
    assert _stored(factory) == {}
    first = client.get(f"/api/v1/payslips/{locked['E001']}", headers=as_role("employee"))
    assert first.status_code == 200
    assert orjson.loads(first.content) == _computed(factory, locked["E001"])
    assert _stored(factory) == {locked["E001"]: first.content}
    listed = client.get("/api/v1/payslips", params={"period": PERIOD}, headers=as_role("hr"))
    assert listed.json()["items"][0] == orjson.loads(first.content)
    assert set(_stored(factory)) == set(locked.values())
    assert client.get(f"/api/v1/payslips/{locked['E001']}", headers=as_role("hr")).content == first.content
