"""Punches: filters, keyset pages, employee scope (404 for others), corrections that never edit the raw punch."""

from __future__ import annotations

from datetime import datetime

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.store import Punch, PunchCorrection

# Seeded: E001 at SH0001 2026-03-02 08:00 and 18:00 Shanghai (00:00Z, 10:00Z); unknown pin 9999 08:05 (00:05Z);
# E002 at UR0001 09:00 Urumqi (03:00Z).


def keys(page: dict) -> list[tuple[str, str, str | None]]:  # type: ignore[type-arg]
    return [(p["device_sn"], p["ts_utc"], p["employee"]) for p in page["items"]]


@pytest.mark.parametrize("role", ["admin", "hr", "viewer"])
def test_readers_see_all_punches_in_time_order(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api/v1/punches", headers=as_role(role)).json()
    assert keys(page) == [
        ("SH0001", "2026-03-02T00:00:00Z", "E001"),
        ("SH0001", "2026-03-02T00:05:00Z", None),
        ("UR0001", "2026-03-02T03:00:00Z", "E002"),
        ("SH0001", "2026-03-02T10:00:00Z", "E001"),
    ]
    assert page["next_cursor"] is None
    first = page["items"][0]
    assert first == {
        "id": 1,
        "device_sn": "SH0001",
        "pin": "1001",
        "employee": "E001",
        "ts_local": "2026-03-02T08:00:00",
        "ts_utc": "2026-03-02T00:00:00Z",
        "status": 0,
        "punch_state": 0,
        "verify_mode": 0,
        "workcode": "",
        "source": "zk-tcp",
        "flags": [],
        "is_double_tap": False,
        "received_at": "2026-03-03T00:00:00Z",
    }


def test_filters_by_employee_office_device_and_time(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    def get(**params: str) -> list[tuple[str, str, str | None]]:
        response = client.get("/api/v1/punches", params=params, headers=as_role("hr"))
        assert response.status_code == 200, response.text
        return keys(response.json())

    assert get(employee="E001") == [
        ("SH0001", "2026-03-02T00:00:00Z", "E001"),
        ("SH0001", "2026-03-02T10:00:00Z", "E001"),
    ]
    assert get(office="Urumqi plant") == [("UR0001", "2026-03-02T03:00:00Z", "E002")]
    assert [k[1] for k in get(device="SH0001")] == [
        "2026-03-02T00:00:00Z",
        "2026-03-02T00:05:00Z",
        "2026-03-02T10:00:00Z",
    ]
    # 08:05 Shanghai is 00:05Z: start is inclusive, end exclusive
    assert get(start="2026-03-02T08:05:00+08:00", end="2026-03-02T03:00:00Z") == [
        ("SH0001", "2026-03-02T00:05:00Z", None)
    ]


def test_pages_follow_the_cursor_without_gaps_or_repeats(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    ingest_punches(
        factory,
        "SH0001",
        [RawPunch("SH0001", "1001", datetime(2026, 3, 5, 8, minute)) for minute in range(0, 50, 2)],
        source="zk-tcp",
        double_tap_window_s=0,
        now=datetime(2026, 3, 6),
    )
    seen, cursor = [], None
    while True:
        params = {"employee": "E001", "limit": "7", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/punches", params=params, headers=as_role("viewer")).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    with factory() as session:
        expected = list(
            session.scalars(select(Punch.id).where(Punch.employee_id == 1).order_by(Punch.ts_utc, Punch.id))
        )
    assert len(expected) == 27 and seen == expected


def test_a_forged_cursor_is_refused_with_how_to_fix(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/punches", params={"cursor": "bm9wZQ=="}, headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (
        422,
        "query parameter cursor: 'bm9wZQ==' is not a cursor this API issued: pass next_cursor from the previous "
        "page unchanged",
    )


def test_employee_token_sees_only_its_own_punches(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    own = client.get("/api/v1/punches", headers=as_role("employee")).json()
    assert keys(own) == [("SH0001", "2026-03-02T00:00:00Z", "E001"), ("SH0001", "2026-03-02T10:00:00Z", "E001")]
    assert (
        keys(client.get("/api/v1/punches", params={"office": "Urumqi plant"}, headers=as_role("employee")).json()) == []
    )
    for response in (
        client.get("/api/v1/punches", params={"employee": "E002"}, headers=as_role("employee")),
        client.get("/api/v1/punches/4", headers=as_role("employee")),  # E002's punch
        client.get("/api/v1/punches/2", headers=as_role("employee")),  # unassigned punch
        client.get("/api/v1/punches/999", headers=as_role("employee")),
    ):
        assert response.status_code == 404
    assert client.get("/api/v1/punches/1", headers=as_role("employee")).json()["employee"] == "E001"


def test_void_correction_keeps_the_raw_punch_and_is_audited(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        raw_before = session.get(Punch, 3).__dict__.copy()  # type: ignore[union-attr]
    response = client.post(
        "/api/v1/punches/corrections",
        json={"action": "void", "punch_id": 3, "reason": "badge lent to a colleague"},
        headers=as_role("hr"),
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: v for k, v in body.items() if k != "created_at"} == {
        "id": 1,
        "action": "void",
        "employee": "E001",
        "punch_id": 3,
        "ts_utc": None,
        "reason": "badge lent to a colleague",
        "created_by": "hr:hr-token",
    }
    with factory() as session:
        raw_after = session.get(Punch, 3).__dict__.copy()  # type: ignore[union-attr]
    raw_before.pop("_sa_instance_state"), raw_after.pop("_sa_instance_state")
    assert raw_after == raw_before
    actor, action, target, before, after = audit_rows(factory)[-1]
    assert (actor, action, target, before["id"], after) == ("hr:hr-token", "punch.void", "employee:E001", 3, body)  # type: ignore[index]


def test_add_and_move_corrections_and_who_sees_them(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    added = client.post(
        "/api/v1/punches/corrections",
        json={"action": "add", "employee": "E002", "ts_utc": "2026-03-02T19:00:00+08:00", "reason": "terminal was off"},
        headers=as_role("admin"),
    )
    moved = client.post(
        "/api/v1/punches/corrections",
        json={"action": "move", "punch_id": 1, "ts_utc": "2026-03-02T07:58:00+08:00", "reason": "clock was 2 min fast"},
        headers=as_role("hr"),
    )
    assert (added.status_code, added.json()["ts_utc"], added.json()["employee"]) == (
        201,
        "2026-03-02T11:00:00Z",
        "E002",
    )
    assert (moved.status_code, moved.json()["ts_utc"], moved.json()["employee"]) == (
        201,
        "2026-03-01T23:58:00Z",
        "E001",
    )
    assert [c["id"] for c in client.get("/api/v1/punches/corrections", headers=as_role("viewer")).json()] == [2, 1]
    assert [c["id"] for c in client.get("/api/v1/punches/corrections", headers=as_role("employee")).json()] == [2]
    assert (
        client.get("/api/v1/punches/corrections", params={"employee": "E002"}, headers=as_role("employee")).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"action": "void", "punch_id": 2, "reason": "test tap"},
            409,
            "punch 2 (pin '9999' on SH0001) belongs to no employee yet: map its badge first "
            "(POST /api/v1/employees/{code}/badges), then correct it",
        ),
        (
            {"action": "void", "punch_id": 1, "employee": "E002", "reason": "wrong"},
            422,
            "punch 1 belongs to employee 'E001', not 'E002': omit employee or give the punch's own",
        ),
        ({"action": "void", "punch_id": 77, "reason": "gone"}, 404, "punch 77 does not exist"),
        (
            {"action": "add", "employee": "E404", "ts_utc": "2026-03-02T00:00:00Z", "reason": "missed"},
            404,
            "employee 'E404' does not exist",
        ),
        (
            {"action": "move", "punch_id": 1, "reason": "no time"},
            422,
            "request body: action 'move' takes punch_id and the new ts_utc.",
        ),
    ],
)
def test_invalid_corrections_write_nothing(client: TestClient, as_role, factory, body, status, detail) -> None:  # type: ignore[no-untyped-def]
    before = audit_rows(factory)
    response = client.post("/api/v1/punches/corrections", json=body, headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert audit_rows(factory) == before
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(PunchCorrection)) == 0


@pytest.mark.parametrize("role", ["viewer", "employee"])
def test_only_writers_correct(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/punches/corrections", json={"action": "void", "punch_id": 1, "reason": "mine"}, headers=as_role(role)
    )
    assert response.status_code == 403
