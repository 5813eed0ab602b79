"""Hikvision ISAPI driver against the simulated DS-K1T terminal: paging under the page cap, the serialNo cursor,
time, users, and the exact messages of a wrong password, an unreachable terminal and a certificate pin."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from drivers.base import (
    PRIVILEGE_ADMIN,
    AuthFailed,
    CursorReader,
    DeviceBusy,
    DeviceUnreachable,
    ProtocolError,
    RawPunch,
    RawUser,
    TerminalUser,
    UserWriter,
    driver_class,
)
from drivers.hik_isapi import UNDEFINED_STATE, HikIsapiDriver
from simulators.hik_isapi import HikTerminal
from simulators.sample_punches import make_punches, make_users

SN = "DS-K1T671M0120260301"
VERIFY_FACE, VERIFY_CARD, VERIFY_FINGERPRINT = 15, 4, 1  # the ZK verify codes


@pytest.fixture
def terminal() -> Iterator[HikTerminal]:
    with HikTerminal(users=6, records=95, seed=4, serial_number=SN, denied_every=9) as t:
        yield t


def driver(t: HikTerminal, **options: object) -> HikIsapiDriver:
    settings: dict[str, object] = {"timeout": 2.0, **options}
    return HikIsapiDriver(t.host, t.port, user="admin", password=t.password, **settings)  # type: ignore[arg-type]


def expected(users: int, records: int, seed: int) -> list[RawPunch]:
    states = {0: 0, 1: 1}
    return [
        RawPunch(SN, p.pin, p.ts, states[p.state], states[p.state], VERIFY_FACE)
        for p in make_punches(make_users(users, seed), records, seed)
    ]


def test_registry_resolves_the_kind_and_its_contracts() -> None:
    assert driver_class("hik-isapi") is HikIsapiDriver
    assert issubclass(HikIsapiDriver, CursorReader) and issubclass(HikIsapiDriver, UserWriter)


def test_all_face_passes_are_read_across_pages_of_the_terminals_cap(terminal: HikTerminal) -> None:
    with driver(terminal, page_size=100) as d:  # asks 100 a page; the terminal serves 30
        punches, cursor = d.read_punches_after(None)
    assert punches == expected(6, 95, 4)
    assert cursor == "105"  # 95 passes and 10 denied faces numbered 1..105; the last one is a pass
    events = [c for c in terminal.searches if "major" in c]
    assert [c["searchResultPosition"] for c in events] == [0, 30, 60, 90]
    assert {c["searchID"] for c in events} == {events[0]["searchID"]}
    assert {(c["major"], c["minor"], c["maxResults"]) for c in events} == {
        (5, 0, 100)
    }  # every minor of major 5 in one search
    assert events[0]["startTime"] == "2000-01-01T00:00:00+08:00" and "beginSerialNo" not in events[0]


def test_a_second_poll_reads_only_what_is_after_the_cursor(terminal: HikTerminal) -> None:
    with driver(terminal) as d:
        _, cursor = d.read_punches_after(None)
        terminal.searches.clear()
        assert d.read_punches_after(cursor) == ([], cursor)
        terminal.punch("1003", datetime(2026, 4, 1, 8, 59, 1))
        terminal.punch("1004", datetime(2026, 4, 1, 18, 2, 3), attendance="checkOut")
        punches, after = d.read_punches_after(cursor)
    assert punches == [
        RawPunch(SN, "1003", datetime(2026, 4, 1, 8, 59, 1), 0, 0, VERIFY_FACE),
        RawPunch(SN, "1004", datetime(2026, 4, 1, 18, 2, 3), 1, 1, VERIFY_FACE),
    ]
    assert after == "107"
    assert [c.get("beginSerialNo") for c in terminal.searches if "major" in c] == [106, 106]


def test_card_and_fingerprint_passes_are_punches_and_refusals_are_not(terminal: HikTerminal) -> None:
    with driver(terminal) as d:
        _, cursor = d.read_punches_after(None)
        terminal.punch("1001", datetime(2026, 4, 1, 8, 1, 2), method="card")
        terminal.deny("1002", datetime(2026, 4, 1, 8, 2, 0), method="fingerprint")
        terminal.punch("1002", datetime(2026, 4, 1, 8, 2, 5), method="fingerprint")
        terminal.punch("1003", datetime(2026, 4, 1, 8, 3, 0), method="face")
        terminal.deny("1004", datetime(2026, 4, 1, 8, 4, 0), method="card")
        punches, after = d.read_punches_after(cursor)
    assert punches == [
        RawPunch(SN, "1001", datetime(2026, 4, 1, 8, 1, 2), 0, 0, VERIFY_CARD),
        RawPunch(SN, "1002", datetime(2026, 4, 1, 8, 2, 5), 0, 0, VERIFY_FINGERPRINT),
        RawPunch(SN, "1003", datetime(2026, 4, 1, 8, 3, 0), 0, 0, VERIFY_FACE),
    ]
    assert after == "110"  # serials 106..110: the cursor passes the refused card at the end, read and dropped


def test_firmware_that_ignores_the_serial_bound_still_yields_only_new_records() -> None:
    with HikTerminal(users=3, records=40, seed=2, serial_number=SN, honour_serial_bounds=False) as t, driver(t) as d:
        _, cursor = d.read_punches_after(None)
        t.punch("1002", datetime(2026, 4, 2, 9, 0, 0), attendance="undefined")
        punches, after = d.read_punches_after(cursor)
    assert punches == [RawPunch(SN, "1002", datetime(2026, 4, 2, 9, 0, 0), UNDEFINED_STATE, UNDEFINED_STATE, 15)]
    assert (cursor, after) == ("40", "41")


def test_times_keep_the_terminals_wall_clock_whatever_its_offset() -> None:
    with HikTerminal(users=2, records=4, seed=1, serial_number=SN, utc_offset=timedelta(hours=6)) as t, driver(t) as d:
        punches = d.read_punches()
        t.state.clock_offset = timedelta(minutes=-7)
        device_time = d.get_time()
    assert [p.ts_local for p in punches] == [p.ts for p in make_punches(make_users(2, 1), 4, 1)]
    true_wall = datetime.utcnow() + timedelta(hours=6)
    assert abs((device_time - (true_wall - timedelta(minutes=7))).total_seconds()) < 5


def test_set_time_sets_manual_mode_in_the_terminals_offset(terminal: HikTerminal) -> None:
    with driver(terminal) as d:
        d.set_time(datetime(2026, 3, 9, 7, 30, 0))
        assert terminal.state.time_mode == "manual"
        assert abs((d.get_time() - datetime(2026, 3, 9, 7, 30, 0)).total_seconds()) < 3


def test_info_reads_identity_and_counts(terminal: HikTerminal) -> None:
    with driver(terminal) as d:
        info = d.info()
    assert (info.serial_number, info.model, info.firmware, info.user_count, info.record_count) == (
        SN,
        "DS-K1T671M",
        "V3.2.30 build 230512",
        6,
        105,  # the access-control events held: 95 passes and 10 denied faces
    )


def test_users_are_read_written_and_deleted(terminal: HikTerminal) -> None:
    with driver(terminal, page_size=4) as d:
        before = d.read_users()
        d.write_users([TerminalUser("2001", "欧阳娜娜", privilege=PRIVILEGE_ADMIN), TerminalUser("1002", "王芳")])
        after = {u.pin: u for u in d.read_users()}
        deleted = d.delete_users(["1003", "2001", "9999"])
        left = [u.pin for u in d.read_users()]
    assert [u.pin for u in before] == ["1001", "1002", "1003", "1004", "1005", "1006"]
    assert before[0] == RawUser(SN, "1001", terminal_name(before[0]), privilege=PRIVILEGE_ADMIN)
    assert after["2001"] == RawUser(SN, "2001", "欧阳娜娜", privilege=PRIVILEGE_ADMIN)
    assert after["1002"] == RawUser(SN, "1002", "王芳")
    assert deleted == ["1003", "2001"]
    assert left == ["1001", "1002", "1004", "1005", "1006"]


def terminal_name(user: RawUser) -> str:
    return make_users(6, 4, chinese_names=True)[int(user.pin) - 1001].name


def test_deletion_waits_for_the_terminals_background_delete() -> None:
    with HikTerminal(users=3, records=0, serial_number=SN, delete_polls=2) as t, driver(t) as d:
        assert d.delete_users(["1002"]) == ["1002"]
        assert sorted(t.state.users) == ["1001", "1003"]


def test_a_wrong_password_is_said_with_the_fix(terminal: HikTerminal) -> None:
    with pytest.raises(AuthFailed) as caught:
        HikIsapiDriver(terminal.host, terminal.port, user="admin", password="wrong").open()
    assert str(caught.value) == (
        f"wrong user or password for Hikvision terminal http://127.0.0.1:{terminal.port}: check user/password in "
        "the config (the terminal's admin account)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_terminal_is_said_with_the_fix() -> None:
    port = free_port()
    with pytest.raises(DeviceUnreachable) as caught:
        HikIsapiDriver("127.0.0.1", port, user="admin", password="x").open()
    assert str(caught.value) == (
        f"http://127.0.0.1:{port}: cannot connect for System/deviceInfo (ConnectError); check host, port (ISAPI is "
        "80 for http, 443 for https) and that the terminal's web service (ISAPI) is enabled"
    )


def test_a_stalled_terminal_times_out_and_a_busy_one_says_so(terminal: HikTerminal) -> None:
    with driver(terminal, timeout=0.3) as d:
        terminal.inject("stall", seconds=1.0)
        with pytest.raises(DeviceUnreachable) as stalled:
            d.get_time()
        terminal.inject("busy")
        with pytest.raises(DeviceBusy) as busy:
            d.get_time()
    assert str(stalled.value) == (
        f"http://127.0.0.1:{terminal.port}: System/time got no reply within 0.3s; the terminal may be overloaded — "
        "retry later or raise the timeout"
    )
    assert "HTTP 503" in str(busy.value)


def test_a_function_the_model_lacks_is_not_supported() -> None:
    missing = frozenset({"/ISAPI/AccessControl/UserInfo/Search"})
    with (
        HikTerminal(users=2, records=0, serial_number=SN, unsupported=missing) as t,
        driver(t) as d,
        pytest.raises(ProtocolError) as caught,
    ):
        d.read_users()
    assert str(caught.value) == (
        f"http://127.0.0.1:{t.port}: the terminal refused UserInfoSearch (HTTP 403, 'Invalid Operation' / "
        "'notSupport'): this model or firmware does not offer it, or the account 'admin' lacks the right; use the "
        "terminal's admin account and check ISAPI is enabled"
    )


@pytest.fixture(scope="module")
def tls_terminal() -> Iterator[HikTerminal]:
    with HikTerminal(users=2, records=6, seed=3, serial_number=SN, https=True) as t:
        yield t


def test_https_with_the_pinned_fingerprint_is_accepted(tls_terminal: HikTerminal) -> None:
    colons = ":".join(tls_terminal.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    with driver(tls_terminal, scheme="https", tls_fingerprint=colons) as d:
        assert len(d.read_punches()) == 6


def test_https_with_another_fingerprint_sends_nothing(tls_terminal: HikTerminal) -> None:
    served = tls_terminal.requests_served
    with pytest.raises(AuthFailed) as caught:
        driver(tls_terminal, scheme="https", tls_fingerprint="ab" * 32).open()
    seen = ":".join(tls_terminal.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    assert str(caught.value) == (
        f"https://127.0.0.1:{tls_terminal.port} presented a TLS certificate with SHA-256 {seen}, not the pinned "
        f"tls_fingerprint {':'.join(['AB'] * 32)}: nothing was sent to it. If the terminal's certificate was "
        "replaced (a reset, a new certificate), put the new fingerprint in the config; otherwise something else "
        "answers at this address"
    )
    assert tls_terminal.requests_served == served


def test_https_verified_against_the_cas_refuses_a_self_signed_terminal(tls_terminal: HikTerminal) -> None:
    with pytest.raises(AuthFailed) as caught:
        driver(tls_terminal, scheme="https").open()
    seen = ":".join(tls_terminal.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    assert str(caught.value) == (
        f"https://127.0.0.1:{tls_terminal.port}: the terminal's TLS certificate (its SHA-256 is {seen}) is not "
        "signed by a CA this machine trusts, as a terminal's own self-signed certificate is not: pin it with "
        "tls_fingerprint = \"…\" in the device's config (check the fingerprint on the terminal's web page first), "
        "or set verify_tls = false"
    )
    with driver(tls_terminal, scheme="https", verify_tls=False) as d:
        assert d.serial_number == SN
