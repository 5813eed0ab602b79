"""The simulated Hikvision terminal read by an independent client: `hikvisionapi` (PyPI, MissiaL/hikvision-client),
which speaks requests' HTTP Digest and parses XML with xmltodict, none of it shared with our driver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from simulators.hik_isapi import HikTerminal

hikvisionapi = pytest.importorskip(
    "hikvisionapi", reason="the third-party ISAPI client `hikvisionapi` is not installed (pip install -e '.[test]')"
)


@pytest.fixture
def terminal() -> Iterator[HikTerminal]:
    with HikTerminal(users=3, records=40, seed=6, serial_number="DS-K1T341AM0620260301") as t:
        yield t


def client(t: HikTerminal, password: str | None = None) -> Any:
    return hikvisionapi.Client(t.url, "admin", password or t.password, timeout=5)


def test_device_info_and_time_read_as_xml(terminal: HikTerminal) -> None:
    api = client(terminal)
    info = api.System.deviceInfo(method="get")["DeviceInfo"]
    clock = api.System.time(method="get")["Time"]
    assert (info["serialNumber"], info["model"], info["firmwareVersion"]) == (
        "DS-K1T341AM0620260301",
        "DS-K1T671M",
        "V3.2.30",
    )
    assert info["@xmlns"] == "http://www.hikvision.com/ver20/XMLSchema"
    assert (clock["timeMode"], clock["timeZone"], clock["localTime"][19:]) == ("NTP", "CST-8:00:00", "+08:00")


def test_acs_event_json_pages_under_the_cap(terminal: HikTerminal) -> None:
    api = client(terminal)
    serials: list[int] = []
    statuses: list[str] = []
    position = 0
    while True:
        cond = {
            "AcsEventCond": {
                "searchID": "third-party",
                "searchResultPosition": position,
                "maxResults": 50,
                "major": 5,
                "minor": 75,
                "startTime": "2026-01-01T00:00:00+08:00",
                "endTime": "2026-12-31T23:59:59+08:00",
            }
        }
        body = json.dumps(cond)
        text = api.AccessControl.AcsEvent(method="post", params={"format": "json"}, data=body, present="text")
        page = json.loads(text)["AcsEvent"]
        statuses.append(page["responseStatusStrg"])
        serials += [record["serialNo"] for record in page.get("InfoList", [])]
        if page["responseStatusStrg"] != "MORE":
            break
        position += page["numOfMatches"]
    assert statuses == ["MORE", "OK"]
    assert serials == list(range(1, 41))


def test_a_wrong_password_is_refused_after_digest(terminal: HikTerminal) -> None:
    import requests

    with pytest.raises(requests.HTTPError) as caught:
        client(terminal, password="wrong")
    assert caught.value.response.status_code == 401
