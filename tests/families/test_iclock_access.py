"""Who may push: the push comm key on the handshake, later requests tied to its address, allow_from on all.

A push without the key, from an address that did not shake hands with it, or from outside allow_from
stores nothing and is listed among the refused terminals with its reason. The simulated terminal sends
the key on its handshake only, as the firmware's PUSH SDK client does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import iclock
from gateway import config as cfg
from gateway.access.push_auth import set_allow_from, set_push_key
from gateway.devices import push_refusals
from gateway.devices.inventory import register_config
from gateway.devices.push_refusals import list_refused
from gateway.store import Device, Punch, PushRefusal
from simulators.zk_push import PushGaveUp, PushTerminal

SN = "CQZ7224160001"
KEY = "Plant-7.key_42"
BATCH = b"1001\t2026-03-02 08:00:00\t0\t1\t0\r\n1002\t2026-03-02 08:01:00\t0\t1\t0\r\n"
TERMINAL, OTHER, OUTSIDE = "10.8.0.20", "10.8.0.21", "192.168.5.9"


@pytest.fixture
def app(factory: sessionmaker[Session]) -> FastAPI:
    app = FastAPI()
    iclock.mount(app, factory)
    return app


def client_at(app: FastAPI, address: str) -> TestClient:
    """A client whose requests come from `address` (the TCP peer address the receiver sees)."""
    return TestClient(app, client=(address, 40000), raise_server_exceptions=False)


@pytest.fixture
def terminal_client(app: FastAPI) -> Iterator[TestClient]:
    with client_at(app, TERMINAL) as client:
        yield client


def set_access(factory: sessionmaker[Session], key: str | None, allow_from: list[str] | None = None) -> None:
    with factory() as session, session.begin():
        device = session.scalar(select(Device).where(Device.sn == SN))
        assert device is not None
        set_push_key(device, key)
        set_allow_from(device, allow_from or [])


def terminal(client: TestClient, key: str | None, records: int = 40) -> PushTerminal:
    return PushTerminal(
        "http://testserver",
        SN,
        users=5,
        records=records,
        seed=3,
        batch_size=20,
        max_attempts=2,
        push_comm_key=key,
        client=client,
        sleep=lambda _s: None,
    )


def punch_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Punch)) or 0)


def refusals(factory: sessionmaker[Session]) -> list[PushRefusal]:
    with factory() as session:
        return list_refused(session)


def refused(factory: sessionmaker[Session]) -> list[tuple[str, str, str, int]]:
    return sorted((t.serial_number, t.address, t.reason, t.attempts) for t in refusals(factory))


def post_batch(client: TestClient) -> tuple[int, str]:
    response = client.post("/iclock/cdata", params={"SN": SN, "table": "ATTLOG", "Stamp": "2"}, content=BATCH)
    return response.status_code, response.text


def handshake(client: TestClient, key: str | None) -> tuple[int, str]:
    params = {"SN": SN, "options": "all", "pushver": "2.4.1", **({"pushcommkey": key} if key else {})}
    response = client.get("/iclock/cdata", params=params)
    return response.status_code, response.text.splitlines()[0]


def test_the_right_key_on_the_handshake_lets_the_terminal_push_everything(
    terminal_client: TestClient, factory: sessionmaker[Session]
) -> None:
    set_access(factory, KEY)
    report = terminal(terminal_client, KEY).push_all()
    assert (report.records_sent, report.retries, punch_count(factory)) == (40, 0, 40)
    with factory() as session:
        device = session.scalar(select(Device).where(Device.sn == SN))
        assert device is not None and device.push_handshake_from == TERMINAL


def test_a_handshake_without_the_key_or_with_a_wrong_one_is_refused_and_listed(
    app: FastAPI, terminal_client: TestClient, factory: sessionmaker[Session]
) -> None:
    set_access(factory, KEY)
    assert handshake(terminal_client, None) == (403, f"REFUSED {SN}: no push comm key")
    assert handshake(terminal_client, "guess") == (403, f"REFUSED {SN}: wrong push comm key")
    with pytest.raises(PushGaveUp, match="HTTP 403: REFUSED CQZ7224160001: wrong push comm key"):
        terminal(terminal_client, "guess").push_all()
    assert punch_count(factory) == 0
    assert refused(factory) == [(SN, TERMINAL, "no push comm key", 1), (SN, TERMINAL, "wrong push comm key", 3)]
    details = {t.reason: t.detail for t in refusals(factory)}
    assert details["wrong push comm key"] == (
        "the handshake's push comm key is not the one of device 'gate-1': set the same key on the terminal and in "
        "punchclock"
    )
    assert KEY not in str(details) and "guess" not in str(details)


def test_a_push_that_never_shook_hands_with_the_key_stores_nothing(
    app: FastAPI, terminal_client: TestClient, factory: sessionmaker[Session]
) -> None:
    set_access(factory, KEY)
    assert post_batch(terminal_client) == (403, f"REFUSED {SN}: no handshake from this address")
    assert terminal_client.get("/iclock/getrequest", params={"SN": SN}).status_code == 403
    assert (
        terminal_client.post("/iclock/devicecmd", params={"SN": SN}, content=b"ID=1&Return=0&CMD=INFO\n").status_code
        == 403
    )
    assert punch_count(factory) == 0
    assert refused(factory) == [(SN, TERMINAL, "no handshake from this address", 3)]
    [entry] = refusals(factory)
    assert entry.detail == (
        "device 'gate-1' has a push comm key and it has not shaken hands with the right key since its key was set, "
        f"not from {TERMINAL}: restart the terminal (or let it reconnect) so it shakes hands again"
    )


def test_after_a_good_handshake_a_push_from_another_address_stores_nothing(
    app: FastAPI, terminal_client: TestClient, factory: sessionmaker[Session]
) -> None:
    set_access(factory, KEY)
    assert handshake(terminal_client, KEY) == (200, f"GET OPTION FROM: {SN}")
    with client_at(app, OTHER) as other:
        assert post_batch(other) == (403, f"REFUSED {SN}: no handshake from this address")
        assert handshake(other, "guess")[0] == 403  # a stranger's bad handshake ...
    assert punch_count(factory) == 0
    assert post_batch(terminal_client) == (200, "OK: 2")  # ... does not unbind the terminal
    assert punch_count(factory) == 2
    [entry] = [t for t in refusals(factory) if t.reason == "no handshake from this address"]
    assert entry.detail == (
        f"device 'gate-1' has a push comm key and its last handshake with the right key came from {TERMINAL}, not "
        f"from {OTHER}: restart the terminal (or let it reconnect) so it shakes hands again"
    )


def test_a_new_key_unbinds_the_last_handshake(terminal_client: TestClient, factory: sessionmaker[Session]) -> None:
    set_access(factory, KEY)
    assert handshake(terminal_client, KEY)[0] == 200
    set_access(factory, "rotated-key")
    assert post_batch(terminal_client) == (403, f"REFUSED {SN}: no handshake from this address")
    assert handshake(terminal_client, "rotated-key")[0] == 200
    assert post_batch(terminal_client) == (200, "OK: 2")


def test_allow_from_refuses_every_request_from_elsewhere(app: FastAPI, factory: sessionmaker[Session]) -> None:
    set_access(factory, None, ["10.8.0.0/24", "2001:db8::7"])
    with client_at(app, OUTSIDE) as outside:
        assert handshake(outside, None) == (403, f"REFUSED {SN}: address not allowed")
        assert post_batch(outside) == (403, f"REFUSED {SN}: address not allowed")
        assert outside.get("/iclock/getrequest", params={"SN": SN}).status_code == 403
    assert punch_count(factory) == 0
    [entry] = refusals(factory)
    assert (entry.address, entry.attempts, entry.detail) == (
        OUTSIDE,
        3,
        f"{OUTSIDE} is not in allow_from (10.8.0.0/24, 2001:db8::7) of device 'gate-1'",
    )
    with client_at(app, OTHER) as inside:
        assert post_batch(inside) == (200, "OK: 2")
    with client_at(app, "2001:db8::7") as inside6:
        assert handshake(inside6, None)[0] == 200
    assert punch_count(factory) == 2


def test_refused_terminals_are_bounded(terminal_client: TestClient, factory: sessionmaker[Session]) -> None:
    for n in range(push_refusals.MAX_REFUSED + 5):
        terminal_client.get("/iclock/cdata", params={"SN": f"STRANGER{n}", "options": "all"})
    kept = {t.serial_number for t in refusals(factory)}
    assert len(kept) == push_refusals.MAX_REFUSED
    assert "STRANGER0" not in kept
    assert f"STRANGER{push_refusals.MAX_REFUSED + 4}" in kept


def test_the_access_log_filter_hides_the_key() -> None:
    record = iclock.logging.LogRecord(
        "uvicorn.access",
        20,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.8.0.20:4000", "GET", f"/iclock/cdata?SN={SN}&options=all&pushcommkey={KEY}&x=1", "1.1", 200),
        None,
    )
    assert iclock.RedactPushKey().filter(record) is True
    assert (
        record.getMessage()
        == f'10.8.0.20:4000 - "GET /iclock/cdata?SN={SN}&options=all&pushcommkey=***&x=1 HTTP/1.1" 200'
    )


def test_a_terminal_without_a_key_set_still_pushes_from_anywhere(
    terminal_client: TestClient, factory: sessionmaker[Session]
) -> None:
    """Backward compatible: no key and no allow_from configured → as before this change."""
    assert post_batch(terminal_client) == (200, "OK: 2")
    assert punch_count(factory) == 2


def test_the_configs_key_and_networks_reach_every_receiver_through_the_store(
    app: FastAPI, terminal_client: TestClient, factory: sessionmaker[Session]
) -> None:
    office = cfg.Office(name="Dongguan plant", timezone="Asia/Shanghai", city="dongguan")
    device = cfg.Device(
        name="gate-1", sn=SN, kind="zk-push", office=office.name, push_comm_key=KEY, allow_from=["10.8.0.0/24"]
    )
    register_config(factory, cfg.Config(offices=[office], devices=[device]))
    assert handshake(terminal_client, KEY)[0] == 200
    other_process = FastAPI()  # a second gateway process on the same database
    iclock.mount(other_process, factory)
    with client_at(other_process, TERMINAL) as same_terminal:
        assert post_batch(same_terminal) == (200, "OK: 2")
    with factory() as session:
        stored = session.scalar(select(Device).where(Device.sn == SN))
        assert stored is not None
        assert (stored.push_key_sha256, stored.push_allow_from) == (
            hashlib.sha256(KEY.encode()).hexdigest(),
            '["10.8.0.0/24"]',
        )
    register_config(factory, cfg.Config(offices=[office], devices=[device.model_copy(update={"push_comm_key": "new"})]))
    assert post_batch(terminal_client) == (403, f"REFUSED {SN}: no handshake from this address")
