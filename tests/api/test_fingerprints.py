"""`GET /employees/{code}/fingerprints`: an employee's fingers in counts after a real template copy between
simulated terminals (zk-tcp, zk-udp, zk-soap) — finger numbers only, never a template byte."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gateway import config as cfg
from gateway.devices.inventory import register_config
from gateway.devices.templates import copy_templates
from simulators.zk import ZKTerminal
from simulators.zk_soap import ZKSoapTerminal

OFFICE = cfg.Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
THUMB, INDEX = b"\x4c\x05SS21thumb" * 40, b"\x4c\x05SS21index" * 40


def test_fingers_stored_and_held_per_terminal_in_counts_only(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    with (
        ZKTerminal(users=1, records=0, serial="TCP0001") as tcp,
        ZKTerminal(users=1, records=0, seed=2, serial="UDP0002", udp=True) as udp,
        ZKSoapTerminal(users=1, records=0, seed=3, serial_number="SOAP0003") as soap,
    ):
        config = cfg.Config(
            offices=[OFFICE],
            devices=[
                cfg.Device(name="lobby", kind="zk-tcp", host="127.0.0.1", port=tcp.port, office=OFFICE.name),
                cfg.Device(name="dock", kind="zk-udp", host="127.0.0.1", port=udp.port, office=OFFICE.name),
                cfg.Device(name="canteen", kind="zk-soap", host="127.0.0.1", port=soap.port, office=OFFICE.name),
            ],
        )
        register_config(factory, config)
        before = client.get("/api/v1/employees/E001/fingerprints", headers=as_role("viewer"))
        assert (before.status_code, before.json()) == (
            200,
            {"stored": 0, "fingers": [], "synced_terminals": 0, "terminals": []},
        )
        tcp.enrol("1001", 0, THUMB)
        tcp.enrol("1001", 6, INDEX)
        copy_templates(factory, config, actor="test", now=lambda: NOW)

    response = client.get("/api/v1/employees/E001/fingerprints", headers=as_role("viewer"))
    assert response.status_code == 200
    held = {"fingers": [0, 6], "count": 2, "seen_at": "2026-03-02T01:00:00"}
    assert response.json() == {
        "stored": 2,
        "fingers": [0, 6],
        "synced_terminals": 3,
        "terminals": [
            {"device": "canteen", "sn": "SOAP0003", **held},
            {"device": "dock", "sn": "UDP0002", **held},
            {"device": "lobby", "sn": "TCP0001", **held},
        ],
    }
    for template in (THUMB, INDEX):  # no template byte, in any encoding, anywhere in the response
        assert base64.b64encode(template).decode()[:12] not in response.text
        assert template.hex()[:12] not in response.text and "SS21" not in response.text

    missing = client.get("/api/v1/employees/E999/fingerprints", headers=as_role("viewer"))
    assert (missing.status_code, missing.json()["detail"]) == (404, "employee 'E999' does not exist")
