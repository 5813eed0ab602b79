"""The punch page's exact bytes: the lean Core-select + orjson listing answers what the pydantic one did."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import update

from gateway.store import Punch, PunchFlag


def test_a_punch_page_is_byte_for_byte_the_documented_json(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():  # flags, a double tap and sub-second times must survive the encoder
        session.execute(
            update(Punch)
            .where(Punch.id == 2)
            .values(
                flags=PunchFlag.FUTURE | PunchFlag.DST_GAP,
                is_double_tap=True,
                ts_local=datetime(2026, 3, 2, 8, 5, 0, 120000),
                received_at=datetime(2026, 3, 3, 0, 0, 1, 5),
            )
        )
    response = client.get("/api/v1/punches", params={"limit": "2"}, headers=as_role("hr"))
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.content == (
        b'{"items":[{"id":1,"device_sn":"SH0001","pin":"1001","employee":"E001","ts_local":"2026-03-02T08:00:00",'
        b'"ts_utc":"2026-03-02T00:00:00Z","status":0,"punch_state":0,"verify_mode":0,"workcode":"","source":"zk-tcp",'
        b'"flags":[],"is_double_tap":false,"received_at":"2026-03-03T00:00:00Z"},{"id":2,"device_sn":"SH0001",'
        b'"pin":"9999","employee":null,"ts_local":"2026-03-02T08:05:00.120000","ts_utc":"2026-03-02T00:05:00Z",'
        b'"status":0,"punch_state":0,"verify_mode":0,"workcode":"","source":"zk-tcp","flags":["future","dst_gap"],'
        b'"is_double_tap":true,"received_at":"2026-03-03T00:00:01.000005Z"}],'
        b'"next_cursor":"MjAyNi0wMy0wMlQwMDowNTowMB8y"}'
    )
    page = client.get("/api/v1/punches", params={"limit": "2", "cursor": response.json()["next_cursor"]},
                      headers=as_role("hr"))  # fmt: skip
    assert [p["id"] for p in page.json()["items"]] == [4, 3] and page.json()["next_cursor"] is None


def test_a_page_boundary_between_punches_of_the_same_instant_loses_none(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():  # three punches at 00:00Z: the cursor's id breaks the tie
        session.execute(update(Punch).where(Punch.id.in_([2, 3])).values(ts_utc=datetime(2026, 3, 2)))
    seen, cursor = [], None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/punches", params=params, headers=as_role("hr")).json()
        seen += [p["id"] for p in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [1, 2, 3, 4]
