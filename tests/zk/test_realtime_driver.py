"""Realtime attendance events: the simulator's `punch` sends them, `drivers.zk` reads and ACKs them.

The event bytes are checked three ways: by pyzk's `live_capture` (test_pyzk_client), by the driver's
own reader here, and at the offsets node-zklib's `decodeRecordRealTimeLog52` reads (user id text at 0,
the 6 time bytes at 26 of the packet data).
"""

from __future__ import annotations

import socket
import struct
import threading
from datetime import datetime

import pytest

from drivers.base import ProtocolError, RawPunch
from drivers.zk import ZKTcpDriver, ZKUdpDriver, decode_event
from simulators.zk import ZKTerminal
from simulators.zk_codec import Cmd, build_packet, parse_packet, parse_tcp_prefix, tcp_frame

AT = datetime(2026, 3, 2, 8, 1, 2)


def live_driver(t: ZKTerminal) -> ZKTcpDriver | ZKUdpDriver:
    cls = ZKUdpDriver if t.udp else ZKTcpDriver
    return cls("127.0.0.1", t.port, timeout=2.0)


def read_until(driver: ZKTcpDriver | ZKUdpDriver, count: int) -> list[RawPunch]:
    punches: list[RawPunch] = []
    for _ in range(50):  # bounded: 50 reads of 0.1 s
        punches += driver.read_live(0.1)
        if len(punches) >= count:
            break
    return punches


@pytest.mark.parametrize(
    ("udp", "user_layout"), [(False, 72), (False, 28), (True, 72)], ids=["tcp-32", "tcp-12", "udp-32"]
)
def test_driver_reads_and_acks_a_simulated_punch(udp: bool, user_layout: int) -> None:
    with ZKTerminal(users=3, records=4, udp=udp, user_layout=user_layout) as t, live_driver(t) as d:
        d.start_live()
        acked: list[int] = []
        puncher = threading.Thread(target=lambda: acked.append(t.punch("1002", AT, state=1, verify=15)))
        puncher.start()
        punches = read_until(d, 1)
        puncher.join(5)
        assert punches == [RawPunch(t.serial, "1002", AT, 1, 1, 15, "")]
        assert acked == [1]  # the driver's CMD_ACK_OK reached the terminal
        assert (t.records[-1].user_id, t.records[-1].timestamp, t.records[-1].punch) == ("1002", AT, 1)
        assert d.read_punches()[-1] == punches[0]  # the log's record and the event are the same punch key


def test_no_event_is_an_empty_read_and_the_connection_stays_open() -> None:
    with ZKTerminal(users=1, records=0) as t, live_driver(t) as d:
        d.start_live()
        assert d.read_live(0.05) == []
        threading.Thread(target=lambda: t.punch("1001", AT)).start()
        assert read_until(d, 1) == [RawPunch(t.serial, "1001", AT, 0, 0, 1, "")]


def test_two_events_in_one_segment_and_one_split_over_two_reads() -> None:
    # A fake terminal writing two event packets in one send, then one packet in two sends: pyzk's
    # recv(1032)-per-event reader misreads both; the driver frames the stream.
    data = b"1007".ljust(24, b"\x00") + bytes((4, 0)) + bytes((26, 3, 2, 8, 1, 2))
    event = tcp_frame(build_packet(Cmd.REG_EVENT, 1, 0, data))
    acks: list[int] = []
    with socket.create_server(("127.0.0.1", 0)) as server:

        def terminal() -> None:
            conn, _ = server.accept()
            with conn:
                for _ in range(3):  # CONNECT, OPTIONS (serial), REG_EVENT
                    size = parse_tcp_prefix(conn.recv(8))
                    request = parse_packet(conn.recv(size))
                    reply = b"~SerialNumber=FAKE1\x00" if request.command == Cmd.OPTIONS_RRQ else b""
                    conn.sendall(tcp_frame(build_packet(Cmd.ACK_OK, 77, request.reply_id, reply)))
                conn.sendall(event + event)
                conn.sendall(event[:20])
                conn.sendall(event[20:])
                for _ in range(3):
                    size = parse_tcp_prefix(conn.recv(8))
                    ack = parse_packet(conn.recv(size))
                    assert ack.checksum_ok
                    acks.append(ack.command)
                conn.recv(64)

        thread = threading.Thread(target=terminal)
        thread.start()
        with ZKTcpDriver("127.0.0.1", server.getsockname()[1], timeout=2.0) as d:
            d.start_live()
            punches = read_until(d, 3)
        thread.join(5)
    assert punches == [RawPunch("FAKE1", "1007", AT, 0, 0, 4, "")] * 3
    assert acks == [Cmd.ACK_OK] * 3


def test_event_bytes_at_node_zklib_offsets() -> None:
    # node-zklib decodeRecordRealTimeLog52: strip the TCP prefix and the 8-byte header, user id = ASCII of
    # bytes 0..9 up to the first NUL, time = bytes 26..32 as 2000+yy, mm, dd, hh, mm, ss.
    with ZKTerminal(users=3, records=0, record_writes=True) as t:
        sock = socket.create_connection(("127.0.0.1", t.port))
        sock.sendall(tcp_frame(build_packet(Cmd.CONNECT, 0, 0)))
        session = parse_packet(sock.recv(1024)[8:]).session_id
        sock.sendall(tcp_frame(build_packet(Cmd.REG_EVENT, session, 1, struct.pack("<I", 1))))
        sock.recv(1024)
        t.punch("1003", AT, ack_timeout=0.01)
        frame = sock.recv(1024)
        sock.close()
    recv_data = frame[8:][8:]
    assert recv_data[0:9].split(b"\x00")[0].decode("ascii") == "1003"
    yy, mm, dd, hh, mi, ss = recv_data[26:32]
    assert datetime(2000 + yy, mm, dd, hh, mi, ss) == AT


def test_decode_event_layouts_and_refusals() -> None:
    stamp = bytes((26, 3, 2, 8, 1, 2))
    assert decode_event(struct.pack("<IBB", 1042, 1, 1) + stamp, "SN") == [RawPunch("SN", "1042", AT, 1, 1, 1, "")]
    wide = b"A7".ljust(24, b"\x00") + bytes((15, 0)) + stamp + bytes(20)
    assert decode_event(wide * 2, "SN") == [RawPunch("SN", "A7", AT, 0, 0, 15, "")] * 2
    with pytest.raises(ProtocolError, match=r"realtime attendance event of 40 bytes, which fits no known layout"):
        decode_event(bytes(40), "SN")
    with pytest.raises(ProtocolError, match=r"realtime event time that is not a date"):
        decode_event(struct.pack("<IBB", 1, 1, 1) + bytes((26, 13, 2, 8, 1, 2)), "SN")
