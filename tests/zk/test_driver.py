"""Our zk-tcp / zk-udp drivers against the simulator: exact records for every layout, and pyzk's traps."""

from __future__ import annotations

import socket
import struct
from datetime import datetime

import pytest
from zk_testkit import FROZEN, frozen_clock

from drivers.base import DeviceInfo, DeviceUnreachable, DriverError, ProtocolError, RawPunch, RawUser, driver_class
from drivers.zk import ZKTcpDriver, ZKUdpDriver, decode_log
from simulators.zk import ZKTerminal
from simulators.zk_codec import encode_time

pytestmark = pytest.mark.timeout(60)


def driver_for(t: ZKTerminal, *, comm_key: int = 0, timeout: float = 2.0) -> ZKTcpDriver | ZKUdpDriver:
    cls = ZKUdpDriver if t.udp else ZKTcpDriver
    return cls("127.0.0.1", t.port, comm_key=comm_key, timeout=timeout)


def expected_punches(t: ZKTerminal) -> list[RawPunch]:
    return [
        RawPunch(t.serial, r.user_id, r.timestamp, r.punch, r.punch, r.status, str(r.workcode) if r.workcode else "")
        for r in t.records
    ]


def test_registry_resolves_both_kinds() -> None:
    assert driver_class("zk-tcp") is ZKTcpDriver
    assert driver_class("zk-udp") is ZKUdpDriver


@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_driver_reads_100k_records(udp: bool) -> None:
    with ZKTerminal(users=50, records=100_000, udp=udp, comm_key=4242) as t, driver_for(t, comm_key=4242) as d:
        assert d.read_punches() == expected_punches(t)


@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_a_comm_key_pyzk_overflows_on_still_authenticates(udp: bool) -> None:
    """Key 524287 with session id 0x8000: pyzk alone raises struct.error; the SDK's MakeKey wraps."""
    with ZKTerminal(users=3, records=5, udp=udp, comm_key=524_287) as t:
        t._next_session = 0x7FFF  # the next session id is 0x8000
        with driver_for(t, comm_key=524_287) as d:
            assert d.read_punches() == expected_punches(t)


@pytest.mark.parametrize(
    ("udp", "record_layout", "user_layout"),
    [
        (False, 40, 72),
        (True, 40, 72),
        (False, 16, 28),
        (True, 16, 72),
        (False, 8, 28),
        (True, 8, 72),
    ],
)
def test_driver_reads_every_layout_field_by_field(udp: bool, record_layout: int, user_layout: int) -> None:
    with ZKTerminal(
        users=40, records=3_000, udp=udp, record_layout=record_layout, user_layout=user_layout, comm_key=99
    ) as t:
        with driver_for(t, comm_key=99) as d:
            assert d.read_users() == [
                RawUser(t.serial, u.user_id, u.name, u.uid, u.privilege, u.card, u.password, u.group_id)
                for u in t.users
            ]
            punches = d.read_punches()
        assert punches == expected_punches(t)
        unknown = {p.pin for p in punches} - {u.user_id for u in t.users}
        assert unknown and all(pin.startswith("650") for pin in unknown)  # kept, for the gateway to quarantine


@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_info(udp: bool) -> None:
    with ZKTerminal(users=12, records=345, udp=udp, capacity=50_000, user_capacity=3_000) as t, driver_for(t) as d:
        assert d.info() == DeviceInfo(
            serial_number=t.serial,
            model="K40",
            platform="ZMM220_TFT",
            firmware="Ver 6.60 Apr 28 2017",
            user_count=12,
            user_capacity=3_000,
            record_count=345,
            record_capacity=50_000,
            fingerprint_count=0,
            fingerprint_capacity=3_000,
        )


def test_clock_is_naive_device_time_and_can_be_set() -> None:
    with ZKTerminal(users=1, records=1, clock=frozen_clock, clock_drift_s=125) as t, driver_for(t) as d:
        assert d.get_time() == datetime(2026, 3, 2, 9, 32, 5)
        d.set_time(FROZEN)
        assert d.get_time() == FROZEN and d.get_time().tzinfo is None
        with pytest.raises(
            DriverError,
            match=r"cannot set TCP device 127\.0\.0\.1:\d+ \(serial SIMT0000001\) to 2100-01-01T00:00:00: the "
            r"terminal clock holds years 2000-2099",
        ):
            d.set_time(datetime(2100, 1, 1))


def test_reading_never_clears_and_clear_only_when_called() -> None:
    with ZKTerminal(users=5, records=500) as t, driver_for(t) as d:
        d.read_punches()
        d.read_users()
        d.info()
        assert not t.was_cleared and len(t.records) == 500
        assert d.clear_punches(499) == 500  # not what we stored: nothing is cleared
        assert t.clear_count == 0 and len(t.records) == 500 and t.enabled
        assert d.clear_punches(500) == 500
        assert t.clear_count == 1 and t.records == [] and t.enabled
        assert d.read_punches() == []


def test_small_log_via_direct_data_packet() -> None:
    with ZKTerminal(users=2, records=3) as t, driver_for(t) as d:
        assert d.read_punches() == expected_punches(t)


def test_calls_before_open_say_what_to_do() -> None:
    with pytest.raises(
        DriverError,
        match=r"TCP device 10\.0\.0\.9:4370 is not open: call open\(\) "
        r"\(or use the driver as a context manager\) first",
    ):
        ZKTcpDriver("10.0.0.9").read_punches()


def test_zk_tcp_never_falls_back_to_udp() -> None:
    # pyzk probes TCP and carries on whatever the result; the zk-tcp driver must fail loudly instead.
    with (
        ZKTerminal(users=1, records=1, udp=True) as t,
        pytest.raises(DeviceUnreachable, match="refused the TCP connection during connect.*use kind zk-udp"),
    ):
        ZKTcpDriver("127.0.0.1", t.port, timeout=1).open()


def test_zk_udp_against_a_tcp_only_terminal_says_nothing_listens_on_udp() -> None:
    with (
        ZKTerminal(users=1, records=1) as t,
        pytest.raises(
            DeviceUnreachable,
            match=rf"UDP device 127\.0\.0\.1:{t.port} answered port unreachable during "
            r"connect: .* \(a terminal set to TCP only needs kind zk-tcp\)",
        ),
    ):
        ZKUdpDriver("127.0.0.1", t.port, timeout=0.5).open()


def test_zk_udp_hears_only_its_terminal() -> None:
    # A datagram from another local socket (another terminal answering through a reused port) is
    # queued ahead of the terminal's reply on an unconnected socket and read as the reply; the
    # connected socket never receives it.
    with ZKTerminal(users=3, records=5, seed=4, udp=True) as t, ZKUdpDriver("127.0.0.1", t.port, timeout=1) as d:
        assert d._zk is not None and d._zk._guarded is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as intruder:
            intruder.sendto(b"\xd0\x07\x00\x00\x00\x00\x00\x00intruder", d._zk._guarded.getsockname())
        assert [(p.pin, p.ts_local) for p in d.read_punches()] == [(r.user_id, r.timestamp) for r in t.records]


# --- decode_log: the parts pyzk gets wrong, on fixed bytes -------------------------------------

T = datetime(2026, 3, 2, 8, 0, 0)


def _log(body: bytes) -> bytes:
    return struct.pack("<I", len(body)) + body


def test_16_byte_records_carrying_a_uid_map_to_the_badge() -> None:
    # pyzk compares the int with the string badge list, then an int uid with a string: no match, so
    # it reports "3". The user table says uid 3 is badge 1003.
    body = struct.pack("<IIBB2sI", 3, encode_time(T), 1, 0, b"\0\0", 0) + struct.pack(
        "<IIBB2sI", 1001, encode_time(T), 4, 1, b"\0\0", 7
    )
    punches = decode_log(_log(body), 2, "SN", users=lambda: ({"1001", "1003"}, {1: "1001", 3: "1003"}))
    assert punches == [RawPunch("SN", "1003", T, 0, 0, 1, ""), RawPunch("SN", "1001", T, 1, 1, 4, "7")]


def test_40_byte_record_with_empty_badge_falls_back_to_uid() -> None:
    body = struct.pack("<H24sBIB8s", 3, b"", 1, encode_time(T), 0, b"") + struct.pack(
        "<H24sBIB8s", 9, b"", 1, encode_time(T), 1, b""
    )
    assert [p.pin for p in decode_log(_log(body), 2, "SN", users=lambda: (set(), {3: "1003"}))] == ["1003", "9"]


def test_users_are_not_read_when_records_carry_text_badges() -> None:
    def no_users() -> tuple[set[str], dict[int, str]]:
        raise AssertionError("the user table was read for a 40-byte log")

    body = struct.pack("<H24sBIB8s", 3, b"1003", 1, encode_time(T), 0, b"")
    assert decode_log(_log(body), 1, "SN", users=no_users) == [RawPunch("SN", "1003", T, 0, 0, 1, "")]


def test_punch_arriving_between_sizes_and_download_does_not_misparse() -> None:
    # sizes said 2 records; by the download there are 3 (120 bytes): 40-byte records, not 60-byte ones.
    rec = struct.pack("<H24sBIB8s", 3, b"1003", 1, encode_time(T), 0, b"")
    assert len(decode_log(_log(rec * 3), 2, "SN", users=lambda: (set(), {}))) == 3


def test_unknown_record_size_is_a_protocol_error_with_the_bytes() -> None:
    with pytest.raises(
        ProtocolError,
        match=r"announced 36 bytes for 3 records \(36 received\), which fits no known record size \(8, 16, 40\); "
        r"buffer starts: 24 00 00 00 00 00",
    ):
        decode_log(_log(bytes(36)), 3, "SN", users=lambda: (set(), {}), where="TCP device 1.2.3.4:4370")
    with pytest.raises(ProtocolError, match=r"announced 80 bytes for 2 records \(40 received\)"):
        decode_log(struct.pack("<I", 80) + bytes(40), 2, "SN", users=lambda: (set(), {}))


def test_impossible_record_time_is_a_protocol_error() -> None:
    # (26*12*31 + 1*31 + 30) * 86400 = 9733 * 86400: day 31 of month 2, i.e. "2026-02-31"
    bad = struct.pack("<H24sBIB8s", 3, b"1003", 1, 840_931_200, 0, b"")
    with pytest.raises(ProtocolError, match=r"device sent a record time 840931200 that is not a calendar date"):
        decode_log(_log(bad), 1, "SN", users=lambda: (set(), {}))


def test_never_pings(monkeypatch: pytest.MonkeyPatch) -> None:
    # pyzk shells out to `ping` before connecting unless told not to; many sites drop ICMP.
    import subprocess

    def no_ping(*args: object, **kwargs: object) -> int:
        raise AssertionError(f"the driver ran {args}")

    monkeypatch.setattr(subprocess, "call", no_ping)
    with ZKTerminal(users=2, records=5) as t, driver_for(t) as d:
        assert [p.ts_local.tzinfo for p in d.read_punches()] == [None] * 5  # naive device time


def test_full_log_takes_no_realtime_punch() -> None:
    with ZKTerminal(users=2, records=5, capacity=5) as t:
        assert t.push_event("1001", datetime(2026, 3, 2, 8, 0)) == 0
        assert len(t.records) == 5


def test_something_else_on_the_port_is_a_protocol_error_with_its_bytes() -> None:
    import socket
    import threading

    with socket.create_server(("127.0.0.1", 0)) as server:

        def answer_like_a_web_server() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(64)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

        thread = threading.Thread(target=answer_like_a_web_server)
        thread.start()
        port = server.getsockname()[1]
        with pytest.raises(
            ProtocolError,
            match=rf"TCP device 127\.0\.0\.1:{port} answered connect with bytes that are not a ZKTeco TCP packet "
            rf"\(they must start 50 50 82 7d\): is port {port} really the terminal's\? Received: 48 54 54 50 2f 31",
        ):
            ZKTcpDriver("127.0.0.1", port, timeout=2).open()
        thread.join(5)
