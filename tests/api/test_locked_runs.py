"""A locked pay run never changes: not under a racing compute, not after later edits, not behind our back.

Every test here failed before the trust fixes: compute and lock both answered 200 and the payslips were
rewritten after the lock; the bank file and the payslip followed later edits of the bank account and the
employee; direct edits of a payslip or a bank account in the database passed `audit verify`.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.app import ApiServer
from gateway.access.integrity import current_digests, payrun_digest
from gateway.access.keys import KeyRing
from gateway.access.verify import verify_all
from gateway.config import Api, Config, Database
from gateway.pay.lock_checks import WARNING_CODES
from gateway.store import BankAccount, Employee, Office, PayRun, Payslip, PayslipLine

ALL_WARNINGS = {"acknowledge": list(WARNING_CODES)}
TRIES = 20


@pytest.fixture
def month(factory: sessionmaker[Session]) -> None:
    full_month(factory)


def _computed_run(client: TestClient, hr: dict[str, str], period: str = PERIOD, scope: str = SCOPE) -> int:
    run = client.post("/api/v1/payruns", json={"period": period, "scope": scope}, headers=hr)
    assert run.status_code == 201, run.text
    computed = client.post(f"/api/v1/payruns/{run.json()['id']}/compute", headers=hr)
    assert computed.status_code == 200, computed.text
    return int(run.json()["id"])


def _digest_now(factory: sessionmaker[Session], run_id: int, keys: KeyRing) -> str:
    with factory() as session:
        run = session.get(PayRun, run_id)
        assert run is not None
        return payrun_digest(keys.audit_key, run, list(current_digests(session, run).items()))


def _race(http: httpx.Client, run_id: int) -> tuple[httpx.Response, httpx.Response]:
    """POST lock and compute of `run_id` from two threads released at the same instant."""
    start = threading.Barrier(2)
    answers: dict[str, httpx.Response] = {}

    def send(path: str, body: dict[str, object] | None) -> None:
        start.wait()
        answers[path] = http.post(f"/api/v1/payruns/{run_id}/{path}", json=body)

    threads = [
        threading.Thread(target=send, args=("lock", ALL_WARNINGS)),
        threading.Thread(target=send, args=("compute", None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers["lock"], answers["compute"]


def test_lock_and_compute_racing_never_change_a_locked_run(
    client: TestClient, as_role, month: None, factory: sessionmaker[Session], db_url: str, test_keys: KeyRing
) -> None:  # type: ignore[no-untyped-def]
    """Lock and recompute sent at the same moment, 20 times, through a real HTTP server."""
    hr = as_role("hr")
    with factory() as session, session.begin():  # a second office, so 10 months give 20 runs with rule data
        annex = Office(name="Shanghai annex", timezone="Asia/Shanghai", city="shanghai", shift_rule="standard")
        session.add(annex)
        session.flush()
        session.add(Employee(code="A001", name="Annex worker", office_id=annex.id, monthly_salary_fen=700_000))
    periods = [f"2025-{m:02d}" for m in range(7, 13)] + [f"2026-{m:02d}" for m in range(1, 5)]
    runs = [_computed_run(client, hr, period, scope) for period in periods for scope in (SCOPE, "Shanghai annex")]
    assert len(runs) == TRIES
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ApiServer(Config(database=Database(url=db_url), api=Api(bind=f"127.0.0.1:{port}")), factory)
    server.start()
    outcomes: Counter[tuple[int, int]] = Counter()
    try:
        with httpx.Client(base_url=server.url, headers=hr, timeout=60) as http:
            for run_id in runs:
                lock, compute = _race(http, run_id)
                outcomes[(lock.status_code, compute.status_code)] += 1
                assert lock.status_code == 200, lock.text
                assert compute.status_code in (200, 409), compute.text
                if compute.status_code == 409:
                    assert "was locked at" in compute.json()["detail"]
                after = _digest_now(factory, run_id, test_keys)
                assert after == lock.json()["digest"]  # the locked bytes are exactly what the lock reported
                with factory() as session:
                    run = session.get(PayRun, run_id)
                    assert run is not None and run.status == "locked"
                    assert (run.gross_total_fen, run.net_total_fen) == (
                        lock.json()["gross_total_fen"],
                        lock.json()["net_total_fen"],
                    )
                again = http.post(f"/api/v1/payruns/{run_id}/compute")
                assert again.status_code == 409
                assert _digest_now(factory, run_id, test_keys) == after
    finally:
        server.stop()
    assert sum(outcomes.values()) == TRIES
    with factory() as session:
        assert verify_all(session).intact


def test_a_locked_run_is_a_snapshot_of_names_offices_and_bank_accounts(
    client: TestClient, as_role, month: None
) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    run_id = _computed_run(client, hr)
    assert client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).status_code == 200
    bank_before = client.get(f"/api/v1/exports/{PERIOD}/bank", headers=hr).content
    sheet_before = client.get(f"/api/v1/exports/{PERIOD}/csv", headers=hr).content
    [slip] = client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
    new_account = {"bank_name": "CCB Pudong", "account_no": "6217000010009999999", "account_name": "Someone Else"}
    assert client.put("/api/v1/employees/E001/bank-account", json=new_account, headers=hr).status_code == 200
    assert client.patch("/api/v1/employees/E001", json={"name": "Renamed Later"}, headers=hr).status_code == 200
    assert client.get(f"/api/v1/exports/{PERIOD}/bank", headers=hr).content == bank_before
    assert client.get(f"/api/v1/exports/{PERIOD}/csv", headers=hr).content == sheet_before
    assert "6222020000000001" in bank_before.decode("utf-8-sig")
    shown = client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json()
    assert (shown["employee"], shown["name"]) == ("E001", "Worker E001")
    assert client.get(f"/api/v1/payruns/{run_id}", headers=hr).json()["payslips"][0]["name"] == "Worker E001"


def test_the_database_refuses_to_change_a_locked_run(
    client: TestClient, as_role, month: None, factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    run_id = _computed_run(client, hr)
    client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    stored = select(Payslip.id, Payslip.net_fen, Payslip.lines_json)
    with factory() as session:
        [(slip_id, _net, lines_json)] = before = session.execute(stored).all()
    line = {"payslip_id": slip_id, "position": 99, "code": "ALLOWANCES", "amount_fen": 1, "quantities_json": "{}"}
    statements = [
        update(Payslip).values(net_fen=1),
        update(Payslip).values(lines_json="[]"),
        insert(PayslipLine).values(**line, rule="slipped in"),  # a line row beside the payslip's own lines
        delete(Payslip),
        update(PayRun).where(PayRun.id == run_id).values(status="computed"),
        delete(PayRun).where(PayRun.id == run_id),
    ]
    for statement in statements:
        with factory() as session, pytest.raises(IntegrityError, match="a locked pay run never changes"):
            session.execute(statement)
            session.commit()
    with factory() as session, pytest.raises(IntegrityError, match="a locked pay run never changes"):
        _copy_line(session, (*line.values(), "slipped in by COPY"))
        session.commit()
    with factory() as session:
        assert '"code":"BASE_PAY"' in lines_json
        assert session.execute(stored).all() == before
        assert session.scalars(select(PayslipLine.id)).all() == []


def _copy_line(session: Session, row: tuple[object, ...]) -> None:
    """One line row by PostgreSQL's COPY (as the store wrote them before migration 0040), by a plain INSERT on
    SQLite."""
    connection = session.connection()
    columns = "payslip_id, position, code, amount_fen, quantities_json, rule"
    if connection.dialect.name != "postgresql":
        connection.exec_driver_sql(f"INSERT INTO payslip_lines ({columns}) VALUES (?, ?, ?, ?, ?, ?)", row)
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY payslip_lines ({columns}) FROM STDIN") as copy:
            copy.write_row(row)
    except Exception as exc:  # psycopg's own error: the way SQLAlchemy would have raised it
        raise IntegrityError("COPY payslip_lines", row, exc) from exc


def _tampered(factory: sessionmaker[Session], engine: Engine, drop: Callable[[Engine], None], statement) -> list[str]:  # type: ignore[no-untyped-def]
    drop(engine)
    with factory() as session, session.begin():
        session.execute(statement)
    with factory() as session:
        report = verify_all(session)
    return [f"{f.kind}: {f.message}" for f in report.findings]


def test_audit_verify_names_a_payslip_edited_in_the_database(
    client: TestClient, as_role, month: None, factory: sessionmaker[Session], drop_triggers
) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    run_id = _computed_run(client, hr)
    client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    with factory() as session:
        assert verify_all(session).intact
        slip_id = session.scalar(select(Payslip.id))
    found = _tampered(
        factory, factory.kw["bind"], drop_triggers, update(Payslip).values(net_fen=Payslip.net_fen + 100_000)
    )
    assert found == [
        f"payrun-altered: payslip {slip_id} (employee E001) of pay run {run_id} ({PERIOD}, {SCOPE}) was changed "
        "after the lock"
    ]


def test_audit_verify_names_an_edited_line_and_a_deleted_payslip(
    client: TestClient, as_role, month: None, factory: sessionmaker[Session], drop_triggers
) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    run_id = _computed_run(client, hr)
    client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    rule_edited = func.replace(Payslip.lines_json, '"rule":"', '"rule":"paid in full; ')
    edited = _tampered(factory, factory.kw["bind"], drop_triggers, update(Payslip).values(lines_json=rule_edited))
    assert len(edited) == 1 and edited[0].endswith(
        "(employee E001) of pay run 1 (2026-03, Shanghai HQ) was changed after the lock"
    )
    gone = _tampered(factory, factory.kw["bind"], drop_triggers, delete(Payslip))
    assert gone == [
        f"payrun-altered: pay run {run_id} ({PERIOD}, {SCOPE}) differs from its lock: payslips were added or removed, "
        "or its totals changed"
    ]


def test_audit_verify_names_a_bank_account_edited_in_the_database(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    account = {"bank_name": "CCB Pudong", "account_no": "6217000010001234567", "account_name": "Worker E001"}
    assert client.put("/api/v1/employees/E001/bank-account", json=account, headers=as_role("hr")).status_code == 200
    with factory() as session:
        assert verify_all(session).intact
    with factory() as session, session.begin():
        session.execute(update(BankAccount).values(account_no="6217000099999999999"))
    with factory() as session:
        assert [(f.kind, f.message) for f in verify_all(session).findings] == [
            (
                "row-altered",
                "the bank account of employee E001 differs from its last audited change: it was edited "
                "outside punchclock",
            )
        ]
    with factory() as session, session.begin():
        session.execute(delete(BankAccount))
    with factory() as session:
        assert [f.message for f in verify_all(session).findings] == [
            "the bank account of employee E001 was deleted outside punchclock"
        ]


def test_the_lock_answer_carries_the_audit_anchor(client: TestClient, as_role, month: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    run_id = _computed_run(client, hr)
    locked = client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).json()
    anchor = locked["anchor"]
    line = (tmp_path / "punchclock.anchors").read_text().splitlines()[-1]
    assert f'"seq": {anchor["seq"]}' in line and f'"head": "{anchor["head"]}"' in line
    assert f'"reason": "payrun.lock payrun/{run_id}"' in line


def test_a_run_whose_data_changed_after_the_compute_is_not_locked_unseen(
    client: TestClient, as_role, month: None
) -> None:  # type: ignore[no-untyped-def]
    """A forgotten punch corrected after HR reviewed the run: lock says so; a recompute clears it."""
    hr = as_role("hr")
    run_id = _computed_run(client, hr)
    body = {"action": "add", "employee": "E001", "ts_utc": "2026-03-10T09:00:00+08:00", "reason": "forgot to punch in"}
    assert client.post("/api/v1/punches/corrections", json=body, headers=hr).status_code == 201
    refused = client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    assert refused.status_code == 409
    [warning] = refused.json()["warnings"]
    assert (warning["code"], warning["items"]) == ("changed_since_compute", ["1 × punch.add"])
    assert client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr).status_code == 200
    assert client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).status_code == 200
