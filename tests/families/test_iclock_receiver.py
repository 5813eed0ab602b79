"""ADMS receiver + simulated push terminal: OK only after commit, no loss, no duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import iclock
from drivers.zk_push import reupload_command, set_time_command
from gateway.devices.ingest import ingest_punches
from gateway.devices.push_commands import enqueue
from gateway.devices.push_refusals import list_refused
from gateway.store import Device, Punch, PushCommand
from simulators.sample_punches import make_punches, make_users
from simulators.zk_push import PushTerminal

SN = "CQZ7224160001"


@pytest.fixture
def app(factory: sessionmaker[Session]) -> FastAPI:
    app = FastAPI()
    iclock.mount(app, factory)
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def terminal(client: TestClient, records: int, *, sn: str = SN, batch_size: int = 100) -> PushTerminal:
    return PushTerminal(
        "http://testserver",
        sn,
        users=10,
        records=records,
        seed=5,
        batch_size=batch_size,
        client=client,
        sleep=lambda _s: None,
    )


def stored_keys(factory: sessionmaker[Session]) -> list[tuple[str, datetime]]:
    with factory() as session:
        return sorted(
            (pin, ts) for pin, ts in session.execute(select(Punch.pin, Punch.ts_local).where(Punch.device_sn == SN))
        )


def expected_keys(records: int) -> list[tuple[str, datetime]]:
    return sorted((p.pin, p.ts) for p in make_punches(make_users(10, 5), records, 5))


def test_handshake_answers_options_for_a_known_terminal(client: TestClient) -> None:
    response = client.get("/iclock/cdata", params={"SN": SN, "options": "all"})
    assert response.status_code == 200
    assert response.text.splitlines()[:3] == [f"GET OPTION FROM: {SN}", "ATTLOGStamp=None", "OPERLOGStamp=9999"]


def test_unknown_terminal_is_refused_and_listed(
    client: TestClient, app: FastAPI, factory: sessionmaker[Session]
) -> None:
    for _ in range(2):
        response = client.post(
            "/iclock/cdata",
            params={"SN": "STRANGER1", "table": "ATTLOG", "Stamp": "1"},
            content=b"1001\t2026-03-02 08:00:00\t0\t1\t0\n",
        )
        assert (response.status_code, response.text) == (403, "UNKNOWN DEVICE STRANGER1: not in the gateway config")
    with factory() as session:
        [seen] = list_refused(session)
        assert session.scalar(select(func.count()).select_from(Punch)) == 0
    assert (seen.serial_number, seen.attempts, seen.address, seen.reason, seen.detail, seen.tried) == (
        "STRANGER1",
        2,
        "testclient",
        "unknown serial number",
        "no device has serial number STRANGER1: add one with that sn (config or API) to accept it",
        "POST /iclock/cdata table=ATTLOG",
    )


def test_same_batch_pushed_twice_is_stored_once(client: TestClient, factory: sessionmaker[Session]) -> None:
    t = terminal(client, 50)
    batch = t.punches[:50]
    assert t.upload(batch, 50) is True
    assert t.upload(batch, 50) is True
    assert stored_keys(factory) == expected_keys(50)


def test_ok_is_the_count_after_commit_and_stamp_is_persisted(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    response = client.post(
        "/iclock/cdata",
        params={"SN": SN, "table": "ATTLOG", "Stamp": "2"},
        content=b"1001\t2026-03-02 08:00:00\t0\t1\t0\r\n1002\t2026-03-02 08:01:00\t0\t1\t0\r\n",
    )
    assert (response.status_code, response.text) == (200, "OK: 2")
    with factory() as session:
        assert session.scalar(select(Device.push_stamp).where(Device.sn == SN)) == "2"
    assert client.get("/iclock/cdata", params={"SN": SN, "options": "all"}).text.splitlines()[1] == "ATTLOGStamp=2"


def test_garbage_line_is_refused_with_the_line(
    app: FastAPI, client: TestClient, factory: sessionmaker[Session]
) -> None:
    response = client.post(
        "/iclock/cdata",
        params={"SN": SN, "table": "ATTLOG", "Stamp": "2"},
        content=b"1001\t2026-03-02 08:00:00\t0\t1\t0\nhello\n",
    )
    message = (
        f"refused ADMS batch: ATTLOG from {SN}, line 2 'hello': expected PIN<TAB>YYYY-MM-DD "
        "HH:MM:SS<TAB>Status<TAB>Verify…"
    )
    assert (response.status_code, response.text) == (400, f"ERROR: {message}")
    assert stored_keys(factory) == []
    assert app.state.push_state.last_error == {SN: message}
    fixed = client.post(
        "/iclock/cdata", params={"SN": SN, "table": "ATTLOG"}, content=b"1001\t2026-03-02 08:00:00\t0\t1\t0\n"
    )
    assert fixed.text == "OK: 1"
    assert app.state.push_state.last_error == {}


@pytest.mark.parametrize("dies", ["before_commit", "after_commit_before_ok"])
def test_server_dying_around_commit_loses_nothing_and_duplicates_nothing(
    app: FastAPI, client: TestClient, factory: sessionmaker[Session], dies: str
) -> None:
    calls = {"n": 0}

    def flaky_ingest(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] % 3 == 1 and dies == "before_commit":
            raise RuntimeError("server died between receive and commit")
        result = ingest_punches(*args, **kwargs)  # type: ignore[arg-type]
        if calls["n"] % 3 == 1:
            raise RuntimeError("server died after commit, before answering OK")
        return result

    app.dependency_overrides[iclock.get_ingest] = lambda: flaky_ingest
    t = terminal(client, 600)
    report = t.push_all()
    assert stored_keys(factory) == expected_keys(600)
    assert report.batches_accepted == 6
    assert report.retries == 3  # ingest calls 1, 4 and 7 failed: batches 1, 3 and 5 were each sent twice
    with factory() as session:
        assert session.scalar(select(Device.push_stamp).where(Device.sn == SN)) == "600"


def test_rebooted_terminal_resumes_from_the_persisted_stamp(client: TestClient) -> None:
    terminal(client, 300).push_all()
    again = terminal(client, 300)
    report = again.push_all()
    assert (again.stamp, report.records_sent) == (300, 0)


def test_commands_set_time_and_reupload_are_obeyed(
    app: FastAPI, client: TestClient, factory: sessionmaker[Session]
) -> None:
    t = terminal(client, 200)
    t.push_all()
    set_id = enqueue(factory, SN, set_time_command(datetime(2027, 1, 4, 9, 0, 0)))
    query_id = enqueue(factory, SN, reupload_command(datetime(2026, 3, 2), datetime(2026, 3, 2, 23, 59, 59)))
    odd_id = enqueue(factory, SN, "ENROLL_FP PIN=1001")
    report = t.push_all()
    assert t.poll_commands(report) == 3
    assert datetime(2027, 1, 4, 9, 0, 0) <= t.now() <= datetime(2027, 1, 4, 9, 0, 5)
    assert report.records_sent == 20  # 10 users x in/out on 2026-03-02, sent again
    with factory() as session:
        rows = session.execute(
            select(PushCommand.id, PushCommand.state, PushCommand.return_code).order_by(PushCommand.id)
        )
        assert [tuple(r) for r in rows] == [(set_id, "done", 0), (query_id, "done", 0), (odd_id, "failed", -1)]
    assert stored_keys(factory) == expected_keys(200)


def test_polls_record_last_contact_and_info_health(client: TestClient, factory: sessionmaker[Session]) -> None:
    t = terminal(client, 120)
    t.push_all()
    with factory() as session:
        device = session.scalar(select(Device).where(Device.sn == SN))
    assert (device.firmware, device.user_count, device.record_count) == ("Ver 8.0.4.2-20200317", 10, 120)
    assert device.last_success_at is not None


def test_other_tables_are_acknowledged_not_stored(client: TestClient, factory: sessionmaker[Session]) -> None:
    response = client.post(
        "/iclock/cdata",
        params={"SN": SN, "table": "OPERLOG", "Stamp": "9"},
        content=b"OPLOG 4\t0\t2026-03-02 08:00:00\t0\t0\t0\t0\r\nUSER PIN=1\tName=x\r\n",
    )
    assert (response.status_code, response.text) == (200, "OK: 2")
    assert stored_keys(factory) == []
