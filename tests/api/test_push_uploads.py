"""The API shows what ADMS terminals uploaded: INFO with the device, enrolments per device and per employee,
operation-log lines, photos (and the JPEG), the command queue; refused terminals from the database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from drivers.zk_push import info_command
from gateway.devices.push_commands import enqueue

SN = "PUSH0001"
JPEG = b"\xff\xd8\xff\xe0" + b"punch photo" + b"\xff\xd9"
DEVICE = {"name": "lobby", "sn": SN, "kind": "zk-push", "host": "", "port": 0, "office": "Shanghai HQ"}


def test_uploads_are_listed_per_device_and_employee(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/devices", json=DEVICE, headers=as_role("admin")).status_code == 201
    command_id = enqueue(factory, SN, info_command())
    assert client.get("/iclock/getrequest", params={"SN": SN}).text == f"C:{command_id}:INFO\n"
    info = f"ID={command_id}&Return=0&CMD=INFO\nFWVersion=Ver 8.0.4\nUserCount=7\nTransactionCount=99\n"
    assert client.post("/iclock/devicecmd", params={"SN": SN}, content=info.encode()).text == "OK"
    operlog = (
        "USER PIN=1001\tName=Worker E001\tPri=0\tPasswd=\tCard=42\tGrp=1\nOPLOG 4\t0\t2026-03-02 09:00:00\t0\t0\t0\t0\n"
    )
    upload = client.post("/iclock/cdata", params={"SN": SN, "table": "OPERLOG"}, content=operlog.encode())
    assert (upload.status_code, upload.text) == (200, "OK: 2")
    photo = f"PIN=20260302080000-1001.jpg\nSN={SN}\nsize={len(JPEG)}\nCMD=uploadphoto".encode() + b"\x00" + JPEG
    assert client.post("/iclock/cdata", params={"SN": SN, "table": "ATTPHOTO"}, content=photo).text == "OK"

    viewer = as_role("viewer")
    device = client.get(f"/api/v1/devices/{SN}", headers=viewer).json()
    assert (device["firmware"], device["info"]) == (
        "Ver 8.0.4",
        {"FWVersion": "Ver 8.0.4", "UserCount": "7", "TransactionCount": "99"},
    )
    assert (device["health"]["user_count"], device["health"]["record_count"]) == (7, 99)
    [enrolled] = client.get(f"/api/v1/devices/{SN}/enrolments", headers=viewer).json()
    assert {k: enrolled[k] for k in ("device", "sn", "pin", "name", "card", "privilege", "source")} == {
        "device": "lobby",
        "sn": SN,
        "pin": "1001",
        "name": "Worker E001",
        "card": "42",
        "privilege": 0,
        "source": "OPERLOG",
    }
    assert client.get("/api/v1/employees/E001/enrolments", headers=viewer).json() == [enrolled]
    assert client.get("/api/v1/employees/E002/enrolments", headers=viewer).json() == []
    lines = client.get(f"/api/v1/devices/{SN}/operation-log", headers=viewer).json()
    assert [(r["kind"], r["pin"], r["op_code"], r["ts_local"]) for r in lines] == [
        ("OPLOG", None, 4, "2026-03-02T09:00:00"),
        ("USER", "1001", None, None),
    ]
    [listed] = client.get(f"/api/v1/devices/{SN}/photos", headers=viewer).json()
    assert (listed["file_name"], listed["pin"], listed["ts_local"], listed["size"]) == (
        "20260302080000-1001.jpg",
        "1001",
        "2026-03-02T08:00:00",
        len(JPEG),
    )
    jpeg = client.get(f"/api/v1/devices/{SN}/photos/{listed['id']}", headers=viewer)
    assert (jpeg.status_code, jpeg.headers["content-type"], jpeg.content) == (200, "image/jpeg", JPEG)
    [command] = client.get(f"/api/v1/devices/{SN}/push-commands", headers=viewer).json()
    assert (command["command"], command["state"], command["return_code"], command["result"]) == (
        "INFO",
        "done",
        0,
        "FWVersion=Ver 8.0.4\nUserCount=7\nTransactionCount=99",
    )
    missing = client.get(f"/api/v1/devices/{SN}/photos/999", headers=viewer)
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        f"device '{SN}' has no photo 999: GET /api/v1/devices/{SN}/photos lists them",
    )
    assert client.get(f"/api/v1/devices/{SN}/photos", headers=as_role("employee")).status_code == 403


def test_refused_terminals_are_kept_across_a_restart(client: TestClient, as_role, settings) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    assert client.get("/iclock/ping", params={"SN": "STRANGER7"}).status_code == 403
    with TestClient(create_app(settings)) as restarted:
        listed = restarted.get("/api/v1/devices/unknown-push", headers=as_role("viewer")).json()
    assert [(t["serial_number"], t["reason"], t["attempts"], t["tried"]) for t in listed] == [
        ("STRANGER7", "unknown serial number", 1, "GET /iclock/ping")
    ]
