"""Devices: list with health per role, add/edit by admin only (audited), sync one device through the real protocol."""

from __future__ import annotations

import hashlib
import os
import socket
from datetime import datetime

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.devices.lease import device_lease
from gateway.store import Device, DeviceLease, Punch
from simulators.zk import ZKTerminal


@pytest.mark.parametrize("role", ["admin", "hr", "viewer"])
def test_readers_see_every_device_with_health(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/devices", headers=as_role(role))
    assert response.status_code == 200
    by_name = {d["name"]: d for d in response.json()}
    assert sorted(by_name) == ["hq-door", "urumqi-gate"]
    assert by_name["urumqi-gate"]["office"] == "Urumqi plant"
    assert by_name["urumqi-gate"]["health"] == {
        "state": "failing",
        "problems": [
            {
                "code": "unreachable",
                "message": "no answer from 127.0.0.1:4370 (DeviceUnreachable: timed out): check the terminal's power "
                "and network cable, its IP address (Menu → Comm. → Ethernet) and any firewall between",
                "clock_offset_s": None,
            }
        ],
        "last_success_at": None,
        "last_error": "DeviceUnreachable: timed out",
        "last_error_at": "2026-03-02T01:00:00Z",
        "consecutive_failures": 2,
        "clock_offset_s": None,
        "record_count": None,
        "record_capacity": None,
        "user_count": None,
        "realtime": None,  # not a realtime = true terminal
    }
    assert by_name["hq-door"]["health"]["state"] == "never polled"


def test_employee_tokens_cannot_list_devices(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/devices", headers=as_role("employee")).status_code == 403


def test_get_by_serial_or_name(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/devices/UR0001", headers=as_role("viewer")).json()["name"] == "urumqi-gate"
    assert client.get("/api/v1/devices/hq-door", headers=as_role("viewer")).json()["sn"] == "SH0001"
    missing = client.get("/api/v1/devices/NOPE", headers=as_role("viewer"))
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no device with serial number or name 'NOPE': GET /api/v1/devices lists them",
    )


NEW_DEVICE = {"name": "hq-push", "sn": "PUSH0001", "kind": "zk-push", "office": "Shanghai HQ"}


def test_admin_adds_a_push_terminal_and_it_is_audited(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/devices", json=NEW_DEVICE, headers=as_role("admin"))
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("name", "sn", "kind", "host", "port", "office")} == {
        "name": "hq-push",
        "sn": "PUSH0001",
        "kind": "zk-push",
        "host": "",
        "port": 4370,
        "office": "Shanghai HQ",
    }
    assert audit_rows(factory)[-1] == (
        "admin:admin-token",
        "device.add",
        "device:hq-push",
        None,
        {
            "name": "hq-push",
            "sn": "PUSH0001",
            "kind": "zk-push",
            "host": "",
            "port": 4370,
            "office": "Shanghai HQ",
            "direction": "auto",
            "push_comm_key": None,
            "allow_from": [],
        },
    )
    handshake = client.get("/iclock/cdata", params={"SN": "PUSH0001", "options": "all"})
    assert handshake.status_code == 200  # the ADMS receiver now accepts the terminal


def test_a_push_key_is_write_only_and_audited_as_set(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    key = "lobby-Key.2026"
    body = {**NEW_DEVICE, "push_comm_key": key, "allow_from": ["10.8.0.0/24", "10.9.0.7"]}
    response = client.post("/api/v1/devices", json=body, headers=as_role("admin"))
    assert response.status_code == 201
    assert (response.json()["push_comm_key_set"], response.json()["allow_from"]) == (True, ["10.8.0.0/24", "10.9.0.7"])
    listed = client.get("/api/v1/devices", headers=as_role("viewer"))
    assert key not in response.text and key not in listed.text
    assert audit_rows(factory)[-1][4] == {
        **{k: body[k] for k in ("name", "sn", "kind", "office")},
        "host": "",
        "port": 4370,
        "direction": "auto",
        "push_comm_key": "set",
        "allow_from": ["10.8.0.0/24", "10.9.0.7"],
    }
    with factory() as session:
        device = session.scalar(select(Device).where(Device.sn == "PUSH0001"))
        assert device is not None
        assert device.push_key_sha256 == hashlib.sha256(key.encode()).hexdigest()
        assert key not in str([getattr(device, c.key) for c in Device.__table__.columns])
    cleared = client.patch(
        "/api/v1/devices/PUSH0001", json={"push_comm_key": "", "allow_from": []}, headers=as_role("admin")
    )
    assert (cleared.json()["push_comm_key_set"], cleared.json()["allow_from"]) == (False, [])
    before, after = audit_rows(factory)[-1][3:]
    assert (before["push_comm_key"], after["push_comm_key"], after["allow_from"]) == ("set", None, [])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {**NEW_DEVICE, "allow_from": ["10.8.0.1/24"]},
            "body field allow_from[0]: '10.8.0.1/24' has host bits set: write the network 10.8.0.0/24, or 10.8.0.1 "
            "alone for one address (got '10.8.0.1/24').",
        ),
        (
            {**NEW_DEVICE, "allow_from": ["plant"]},
            "body field allow_from[0]: 'plant' is not an IP network: write it as 10.1.2.0/24, or 10.1.2.7 for one "
            "address (got 'plant').",
        ),
        (
            {**NEW_DEVICE, "kind": "zk-tcp", "host": "10.8.0.5", "push_comm_key": "abc"},
            "push_comm_key and allow_from are for push terminals (kind zk-push); 'hq-push' is a zk-tcp device, which "
            "is polled (its key is comm_key, in the config file)",
        ),
    ],
)
def test_bad_push_access_is_refused_with_the_reason(client: TestClient, as_role, factory, body, message: str) -> None:  # type: ignore[no-untyped-def]
    before = audit_rows(factory)
    response = client.post("/api/v1/devices", json=body, headers=as_role("admin"))
    assert (response.status_code, response.json()["detail"]) == (422, message)
    assert audit_rows(factory) == before


@pytest.mark.parametrize("role", ["hr", "viewer", "employee"])
def test_only_admins_add_or_edit_devices(client: TestClient, as_role, factory, role: str) -> None:  # type: ignore[no-untyped-def]
    before = audit_rows(factory)
    assert client.post("/api/v1/devices", json=NEW_DEVICE, headers=as_role(role)).status_code == 403
    assert client.patch("/api/v1/devices/SH0001", json={"host": "10.0.0.9"}, headers=as_role(role)).status_code == 403
    assert audit_rows(factory) == before


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {**NEW_DEVICE, "sn": "SH0001"},
            409,
            "sn 'SH0001' is already used by device 'hq-door': each device needs its own",
        ),
        (
            {**NEW_DEVICE, "name": "hq-door"},
            409,
            "name 'hq-door' is already used by device 'hq-door': each device needs its own",
        ),
        (
            {**NEW_DEVICE, "office": "Mars"},
            422,
            "no office named 'Mars': offices are 'Shanghai HQ', 'Urumqi plant' (offices come from the config file)",
        ),
    ],
)
def test_bad_device_is_refused_and_nothing_is_written(
    client: TestClient, as_role, factory, body, status, detail
) -> None:  # type: ignore[no-untyped-def]
    before = audit_rows(factory)
    response = client.post("/api/v1/devices", json=body, headers=as_role("admin"))
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert audit_rows(factory) == before
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == 2


def test_unknown_kind_lists_the_known_ones(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/devices", json={**NEW_DEVICE, "kind": "hikvision"}, headers=as_role("admin"))
    assert response.json()["errors"] == [
        "body field kind: unknown device kind 'hikvision': use one of anviz, comet-csv, hik-isapi, zk-push, zk-soap, "
        "zk-tcp, zk-udp (got 'hikvision')"
    ]


def test_edit_changes_only_given_fields_and_audits_before_and_after(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    response = client.patch(
        "/api/v1/devices/SH0001", json={"host": "10.0.0.9", "office": "Urumqi plant"}, headers=as_role("admin")
    )
    assert response.status_code == 200
    assert (response.json()["host"], response.json()["office"], response.json()["port"]) == (
        "10.0.0.9",
        "Urumqi plant",
        4370,
    )
    assert audit_rows(factory)[-1] == (
        "admin:admin-token",
        "device.edit",
        "device:hq-door",
        {
            "name": "hq-door",
            "sn": "SH0001",
            "kind": "zk-tcp",
            "host": "127.0.0.1",
            "port": 4370,
            "office": "Shanghai HQ",
            "direction": "auto",
        },
        {
            "name": "hq-door",
            "sn": "SH0001",
            "kind": "zk-tcp",
            "host": "10.0.0.9",
            "port": 4370,
            "office": "Urumqi plant",
            "direction": "auto",
        },
    )
    null = client.patch("/api/v1/devices/SH0001", json={"host": None}, headers=as_role("admin"))
    assert (null.status_code, null.json()["detail"]) == (
        422,
        "a device field cannot be set to null: leave it out to keep its value",
    )


def test_sync_polls_the_terminal_over_the_zk_protocol(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    with ZKTerminal(
        users=3, records=12, seed=4, serial="SIMSYNC1", clock=lambda: datetime(2026, 3, 2, 9, 30)
    ) as terminal:
        added = client.post(
            "/api/v1/devices",
            json={"name": "lab", "kind": "zk-tcp", "host": "127.0.0.1", "port": terminal.port, "office": "Shanghai HQ"},
            headers=as_role("admin"),
        )
        assert added.status_code == 201
        response = client.post("/api/v1/devices/lab/sync", headers=as_role("hr"))
        assert response.status_code == 200, response.text
        expected_keys = sorted((r.user_id, r.timestamp) for r in terminal.records)
    assert sum(pin == "1003" for pin, _ts in expected_keys) == 5  # the one pin without a badge
    result = response.json()
    assert {k: result[k] for k in ("device", "sn", "read", "new", "duplicate", "quarantined", "cleared")} == {
        "device": "lab",
        "sn": "SIMSYNC1",
        "read": 12,
        "new": 12,
        "duplicate": 0,
        "quarantined": 5,
        "cleared": False,
    }
    with factory() as session:
        stored = sorted(
            (pin, ts)
            for pin, ts in session.execute(select(Punch.pin, Punch.ts_local).where(Punch.device_sn == "SIMSYNC1"))
        )
    assert stored == expected_keys
    health = client.get("/api/v1/devices/SIMSYNC1", headers=as_role("viewer")).json()["health"]
    assert (health["record_count"], health["record_capacity"]) == (12, 100000)
    # The simulator's clock stands at 2026-03-02 09:30, months from now: read, but warned about, with the offset.
    assert (health["state"], [p["code"] for p in health["problems"]]) == ("warning", ["clock_drift"])
    assert health["problems"][0]["clock_offset_s"] == health["clock_offset_s"] < -86_400


def test_sync_of_an_unreachable_device_is_a_502_with_the_driver_reason(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client.patch("/api/v1/devices/SH0001", json={"port": port}, headers=as_role("admin"))
    response = client.post("/api/v1/devices/SH0001/sync", headers=as_role("admin"))
    assert response.status_code == 502
    assert response.json()["detail"].startswith(f"polling hq-door (127.0.0.1:{port}) failed: DeviceUnreachable: ")
    health = client.get("/api/v1/devices/SH0001", headers=as_role("viewer")).json()["health"]
    assert (health["state"], health["consecutive_failures"]) == ("failing", 1)


def test_sync_is_not_for_viewers(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/devices/SH0001/sync", headers=as_role("viewer")).status_code == 403


def test_refused_push_terminals_are_listed_until_added(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        assert client.get("/iclock/cdata", params={"SN": "STRANGER9", "options": "all"}).status_code == 403
    listed = client.get("/api/v1/devices/unknown-push", headers=as_role("viewer")).json()
    assert [(t["serial_number"], t["address"], t["attempts"], t["reason"]) for t in listed] == [
        ("STRANGER9", "testclient", 2, "unknown serial number")
    ]
    assert client.get("/api/v1/devices/unknown-push", headers=as_role("employee")).status_code == 403
    client.post("/api/v1/devices", json={**NEW_DEVICE, "sn": "STRANGER9"}, headers=as_role("admin"))
    assert client.get("/api/v1/devices/unknown-push", headers=as_role("viewer")).json() == []
    assert client.get("/iclock/cdata", params={"SN": "STRANGER9", "options": "all"}).status_code == 200


def test_sync_of_a_terminal_busy_with_another_operation_is_a_409_naming_it(
    client: TestClient, as_role, factory
) -> None:  # type: ignore[no-untyped-def]
    with device_lease(factory, "hq-door", "user sync"):
        with factory() as session:
            since = session.scalars(select(DeviceLease.acquired_at)).one().isoformat(timespec="seconds")
        response = client.post("/api/v1/devices/SH0001/sync", headers=as_role("admin"))
    assert (response.status_code, response.json()["detail"]) == (
        409,
        f"device hq-door is busy: user sync by pid {os.getpid()} on host {socket.gethostname()} since {since} UTC; "
        "one operation talks to a terminal at a time, try again when it has finished",
    )
    health = client.get("/api/v1/devices/SH0001", headers=as_role("viewer")).json()["health"]
    assert health["consecutive_failures"] == 0


def test_a_realtime_terminal_shows_its_live_link(factory, as_role) -> None:  # type: ignore[no-untyped-def]
    """`health.realtime` of a `realtime = true` terminal: down with the reason and since when, as a warning."""
    from datetime import datetime

    from api.app import ApiSettings, create_app
    from gateway import config as cfg
    from gateway.store import RealtimeLink, utcnow

    office = cfg.Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai")
    door = cfg.Device(name="hq-door", kind="zk-tcp", host="127.0.0.1", port=4370, office=office.name, realtime=True)
    settings = ApiSettings(session_factory=factory, config=cfg.Config(offices=[office], devices=[door]))
    with factory() as session, session.begin():
        session.add(
            RealtimeLink(
                device_name="hq-door",
                state="down",
                since=datetime(2026, 3, 2, 1, 0),
                last_event_at=datetime(2026, 3, 2, 0, 59, 30),
                error="DeviceUnreachable: connection reset",
                checked_at=utcnow(),
            )
        )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        [hq] = [d for d in client.get("/api/v1/devices", headers=as_role("viewer")).json() if d["name"] == "hq-door"]
    assert hq["health"]["state"] == "warning"
    assert hq["health"]["realtime"] == {
        "state": "down",
        "since": "2026-03-02T01:00:00Z",
        "last_event_at": "2026-03-02T00:59:30Z",
        "error": "DeviceUnreachable: connection reset",
    }
    assert hq["health"]["problems"] == [
        {
            "code": "realtime_down",
            "message": "the live connection is down since 2026-03-02 01:00:00 UTC (DeviceUnreachable: connection "
            "reset); punchclock reconnects by itself, and punches still arrive with each poll meanwhile",
            "clock_offset_s": None,
        }
    ]


def test_a_gate_is_set_in_only_or_out_only_and_another_value_is_refused(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    admin = as_role("admin")
    assert client.get("/api/v1/devices/SH0001", headers=admin).json()["direction"] == "auto"
    gate = client.patch("/api/v1/devices/SH0001", json={"direction": "in"}, headers=admin)
    assert (gate.status_code, gate.json()["direction"]) == (200, "in")
    before, after = audit_rows(factory)[-1][3:]
    assert (before["direction"], after["direction"]) == ("auto", "in")
    bad = client.patch("/api/v1/devices/SH0001", json={"direction": "both"}, headers=admin)
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        "body field direction: Input should be 'auto', 'in' or 'out' (got 'both').",
    )
    added = client.post("/api/v1/devices", json={**NEW_DEVICE, "direction": "out"}, headers=admin)
    assert (added.status_code, added.json()["direction"]) == (201, "out")
