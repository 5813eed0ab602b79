"""The quarantine by badge (GET /quarantine/badges), mapping many badges at once (POST /quarantine/badges/map,
all or nothing, audited), and the quarantine listing paged by cursor."""

from __future__ import annotations

from datetime import datetime

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.store import Badge, Punch, Quarantine

SN_SH, SN_UR = "SH0001", "UR0001"
NO_CARD = {"card": 0, "device_privilege": "user"}


@pytest.fixture
def unknown_badges(factory) -> None:  # type: ignore[no-untyped-def]
    """Besides the seed's pin 9999 on SH0001 (2 March 08:05): 9999 again at 12:30, 9999 on UR0001, 7777 on SH0001."""
    ingest_punches(
        factory,
        SN_SH,
        [RawPunch(SN_SH, "9999", datetime(2026, 3, 2, 12, 30)), RawPunch(SN_SH, "7777", datetime(2026, 3, 3, 9, 1))],
        source="zk-tcp",
        now=datetime(2026, 3, 4),
    )
    ingest_punches(
        factory,
        SN_UR,
        [RawPunch(SN_UR, "9999", datetime(2026, 3, 2, 10, 0))],
        source="zk-udp",
        now=datetime(2026, 3, 4),
    )


def _punch_id(factory, pin: str, sn: str, ts_local: datetime) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        found = session.scalar(
            select(Punch.id).where(Punch.pin == pin, Punch.device_sn == sn, Punch.ts_local == ts_local)
        )
        assert found is not None
        return found


def test_groups_by_badge_and_terminal_with_times_in_utc_and_office_time(
    client: TestClient, as_role, factory, unknown_badges: None
) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/quarantine/badges", headers=as_role("viewer"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "items": [
            {
                "pin": "7777",
                "device_sn": SN_SH,
                "device": "hq-door",
                "office": "Shanghai HQ",
                "punches": 1,
                "first_seen_at": "2026-03-03T01:01:00Z",
                "last_seen_at": "2026-03-03T01:01:00Z",
                "first_seen_local": "2026-03-03T09:01:00+08:00",
                "last_seen_local": "2026-03-03T09:01:00+08:00",
                "sample_punch_id": _punch_id(factory, "7777", SN_SH, datetime(2026, 3, 3, 9, 1)),
            },
            {
                "pin": "9999",
                "device_sn": SN_SH,
                "device": "hq-door",
                "office": "Shanghai HQ",
                "punches": 2,
                "first_seen_at": "2026-03-02T00:05:00Z",
                "last_seen_at": "2026-03-02T04:30:00Z",
                "first_seen_local": "2026-03-02T08:05:00+08:00",
                "last_seen_local": "2026-03-02T12:30:00+08:00",
                "sample_punch_id": _punch_id(factory, "9999", SN_SH, datetime(2026, 3, 2, 8, 5)),
            },
            {
                "pin": "9999",
                "device_sn": SN_UR,
                "device": "urumqi-gate",
                "office": "Urumqi plant",
                "punches": 1,
                "first_seen_at": "2026-03-02T04:00:00Z",
                "last_seen_at": "2026-03-02T04:00:00Z",
                "first_seen_local": "2026-03-02T10:00:00+06:00",
                "last_seen_local": "2026-03-02T10:00:00+06:00",
                "sample_punch_id": _punch_id(factory, "9999", SN_UR, datetime(2026, 3, 2, 10, 0)),
            },
        ],
        "next_cursor": None,
    }
    assert client.get("/api/v1/quarantine/badges", params={"state": "resolved"}, headers=as_role("hr")).json() == {
        "items": [],
        "next_cursor": None,
    }
    assert client.get("/api/v1/quarantine/badges", headers=as_role("employee")).status_code == 403


def test_badge_groups_page_by_cursor(client: TestClient, as_role, unknown_badges: None) -> None:  # type: ignore[no-untyped-def]
    seen, cursor = [], None
    for _ in range(4):
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/quarantine/badges", params=params, headers=as_role("hr")).json()
        seen += [(g["pin"], g["device_sn"]) for g in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [("7777", SN_SH), ("9999", SN_SH), ("9999", SN_UR)]
    bad = client.get("/api/v1/quarantine/badges", params={"cursor": "nonsense"}, headers=as_role("hr"))
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        "query parameter cursor: 'nonsense' is not a cursor this API issued: pass next_cursor from the previous "
        "page unchanged",
    )


def test_mapping_many_badges_re_maps_their_punches_and_audits_each(
    client: TestClient, as_role, factory, unknown_badges: None
) -> None:  # type: ignore[no-untyped-def]
    body = {
        "items": [
            {"pin": "9999", "device_sn": None, "employee": "E002"},
            {"pin": "7777", "device_sn": SN_SH, "employee": "E001"},
        ]
    }
    response = client.post("/api/v1/quarantine/badges/map", json=body, headers=as_role("hr"))
    assert response.status_code == 200, response.text
    with factory() as session:
        badges = {(b.pin, b.device_sn): b.id for b in session.scalars(select(Badge))}
        owners = dict(
            session.execute(select(Punch.pin, Punch.employee_id).where(Punch.pin.in_(["9999", "7777"]))).all()
        )
        open_entries = session.scalar(select(func.count()).where(Quarantine.resolved_at.is_(None)))
    assert response.json() == {
        "items": [
            {
                "pin": "9999",
                "device_sn": None,
                "employee": "E002",
                "badge_id": badges[("9999", None)],
                "remapped_punches": 3,
            },
            {
                "pin": "7777",
                "device_sn": SN_SH,
                "employee": "E001",
                "badge_id": badges[("7777", SN_SH)],
                "remapped_punches": 1,
            },
        ],
        "remapped_punches": 4,
    }
    assert owners == {"9999": 2, "7777": 1}
    assert open_entries == 0
    assert audit_rows(factory)[-2:] == [
        (
            "hr:hr-token",
            "badge.add",
            "employee:E002",
            None,
            {"pin": "9999", "device_sn": None, **NO_CARD, "remapped_punches": 3},
        ),
        (
            "hr:hr-token",
            "badge.add",
            "employee:E001",
            None,
            {"pin": "7777", "device_sn": SN_SH, **NO_CARD, "remapped_punches": 1},
        ),
    ]


def test_one_bad_item_maps_nothing_and_every_problem_is_named(
    client: TestClient, as_role, factory, unknown_badges: None
) -> None:  # type: ignore[no-untyped-def]
    before = audit_rows(factory)
    body = {
        "items": [
            {"pin": "9999", "device_sn": SN_SH, "employee": "E002"},
            {"pin": "1001", "device_sn": None, "employee": "E002"},
            {"pin": "7777", "device_sn": "NOSUCH", "employee": "E001"},
            {"pin": "9999", "device_sn": SN_SH, "employee": "E001"},
            {"pin": "5555", "device_sn": None, "employee": "E404"},
        ]
    }
    response = client.post("/api/v1/quarantine/badges/map", json=body, headers=as_role("admin"))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "no badge mapped: 4 of 5 item(s) cannot be; fix them and send the whole list again"
    )
    assert response.json()["errors"] == [
        "items[1] (pin '1001'): pin '1001' company-wide already belongs to employee 'E001': remove that badge first",
        "items[2] (pin '7777' on NOSUCH): no device with serial number 'NOSUCH': omit device_sn for a company-wide "
        "badge",
        "items[3] (pin '9999' on SH0001): the same badge as items[0]; list each badge once",
        "items[4] (pin '5555'): employee 'E404' does not exist",
    ]
    assert audit_rows(factory) == before
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Badge)) == 2
        assert session.scalar(select(func.count()).where(Quarantine.resolved_at.is_(None))) == 4
    assert client.post("/api/v1/quarantine/badges/map", json=body, headers=as_role("viewer")).status_code == 403


def test_the_quarantine_listing_pages_by_cursor(client: TestClient, as_role, unknown_badges: None) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/api/v1/quarantine", params={"limit": 3}, headers=as_role("hr")).json()
    assert (first["total"], len(first["items"])) == (4, 3)
    assert first["next_cursor"] is not None
    rest = client.get(
        "/api/v1/quarantine", params={"limit": 3, "cursor": first["next_cursor"]}, headers=as_role("hr")
    ).json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [1, 2, 3, 4]
    assert (rest["total"], rest["next_cursor"]) == (4, None)
    assert client.get("/api/v1/quarantine", params={"limit": 4}, headers=as_role("hr")).json()["next_cursor"] is None
