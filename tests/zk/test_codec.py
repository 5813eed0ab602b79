"""The simulator's own codec against fixed bytes from public sources and against pyzk's encoder.

Sources quoted below:
- [doc] adrobinoga/zk-protocol, protocol.md, "Checksum" test vectors and "Packet Fields".
- [pyzk] pyzk 0.9 `zk/base.py`: `ZK.__create_header`, `make_commkey`, `__encode_time`, `__decode_time`.
"""

from __future__ import annotations

import struct
from datetime import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from zk import ZK

from drivers.zk import PYZK_MAKE_COMMKEY, _make_commkey
from simulators.zk_codec import (
    Cmd,
    CodecError,
    auth_ok,
    build_packet,
    checksum,
    checksum_ok,
    decode_time,
    encode_time,
    encode_time6,
    make_key,
    parse_tcp_prefix,
    tcp_frame,
)
from simulators.zk_data import ZKRecord, ZKUser, encode_event, encode_records, encode_users

_PYZK = ZK("127.0.0.1")


def pyzk_header(command: int, data: bytes, session_id: int, reply_id: int) -> bytes:
    return _PYZK._ZK__create_header(command, data, session_id, reply_id)


def test_doc_checksum_vector_1() -> None:
    # [doc] test vector 1: payload 0b00 5a17 f38d 0300 "ZKFaceVersion\0", checksum bytes 5a 17.
    packet = bytes.fromhex("0b005a17f38d03005a4b4661636556657273696f6e00")
    assert checksum(packet[:2] + b"\x00\x00" + packet[4:]) == 0x175A
    assert checksum_ok(packet)


def test_doc_checksum_vector_2_odd_length() -> None:
    # [doc] test vector 2: d007 296a f38d 0a00 09 (odd length), checksum 0x6a29.
    packet = bytes.fromhex("d007296af38d0a0009")
    assert checksum(packet[:2] + b"\x00\x00" + packet[4:]) == 0x6A29
    assert checksum_ok(packet)
    assert not checksum_ok(bytes.fromhex("d007286af38d0a0009"))


def test_connect_packet_is_the_first_packet_pyzk_sends() -> None:
    # pyzk's first CMD_CONNECT: session 0, reply number 0, checksum 0xfc17 (= ~0x03e8).
    assert build_packet(Cmd.CONNECT, 0, 0) == bytes.fromhex("e803 17fc 0000 0000")
    assert pyzk_header(1000, b"", 0, 65534) == bytes.fromhex("e80317fc00000000")


def test_tcp_frame_is_doc_start_marker_and_size() -> None:
    # [doc] "Packet Fields": 50 50 82 7d, payload size (LE), payload.
    framed = tcp_frame(bytes.fromhex("e80317fc00000000"))
    assert framed == bytes.fromhex("5050827d 08000000 e80317fc00000000")
    assert parse_tcp_prefix(framed[:8]) == 8
    with pytest.raises(CodecError, match="does not start with 50 50 82 7d: 5050827e08000000"):
        parse_tcp_prefix(bytes.fromhex("5050827e08000000"))


@given(
    command=st.integers(0, 0xFFFF),
    data=st.binary(max_size=64),
    session_id=st.integers(0, 0xFFFF),
    reply_id=st.integers(0, 0xFFFD),
)
def test_packets_equal_pyzk_packets(command: int, data: bytes, session_id: int, reply_id: int) -> None:
    # pyzk computes the checksum with the old reply number and sends the incremented one; the two
    # off-by-ones cancel, so its bytes are exactly the documented packet for the number it sends.
    sent = pyzk_header(command, data, session_id, reply_id)
    assert build_packet(command, session_id, reply_id + 1, data) == sent
    assert checksum_ok(sent)


@given(command=st.integers(0, 0xFFFF), data=st.binary(max_size=32), session_id=st.integers(0, 0xFFFF))
def test_pyzk_packet_at_reply_number_wrap_is_accepted(command: int, data: bytes, session_id: int) -> None:
    # At 0xfffe pyzk wraps to 0: its checksum may then be the other ones' complement zero.
    assert checksum_ok(pyzk_header(command, data, session_id, 0xFFFE))


@given(key=st.integers(0, 999_999), session_id=st.integers(0, 0xFFFF), ticks=st.integers(0, 255))
def test_make_key_equals_pyzk_make_commkey_wherever_pyzk_can(key: int, session_id: int, ticks: int) -> None:
    reversed_key = int(f"{key:032b}"[::-1], 2)
    assume(reversed_key + session_id <= 0xFFFFFFFF)  # beyond it pyzk raises struct.error (see drivers.zk)
    assert make_key(key, session_id, ticks) == PYZK_MAKE_COMMKEY(key, session_id, ticks)


@given(key=st.integers(0, 999_999), session_id=st.integers(0, 0xFFFF), ticks=st.integers(0, 255))
def test_the_drivers_comm_key_equals_the_sdk_algorithm_for_every_key(key: int, session_id: int, ticks: int) -> None:
    assert _make_commkey(key, session_id, ticks) == make_key(key, session_id, ticks)


def test_pyzk_alone_cannot_authenticate_some_keys() -> None:
    with pytest.raises(struct.error):
        PYZK_MAKE_COMMKEY(524287, 0x8000)


def test_make_key_fixed_value() -> None:
    # key 0, session 0: "ZKSO" halves swapped, bytes 0, 1, 3 XOR 50 and byte 2 = 50.
    assert make_key(0, 0, 50) == bytes((ord("S") ^ 50, ord("O") ^ 50, 50, ord("K") ^ 50))
    assert auth_ok(1234, 0x2A3B, PYZK_MAKE_COMMKEY(1234, 0x2A3B))
    assert not auth_ok(1234, 0x2A3B, PYZK_MAKE_COMMKEY(1235, 0x2A3B))


def test_encode_time_by_hand() -> None:
    # ((26*12*31) + (3-1)*31 + (2-1)) * 86400 + 8*3600 = 9735 * 86400 + 28800 = 841,132,800
    assert encode_time(datetime(2026, 3, 2, 8, 0, 0)) == 841_132_800 == 0x3222AB00
    assert decode_time(841_132_800) == datetime(2026, 3, 2, 8, 0, 0)
    assert encode_time6(datetime(2026, 3, 2, 8, 0, 5)) == bytes((26, 3, 2, 8, 0, 5))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59)))
def test_time_codec_equals_pyzk(t: datetime) -> None:
    t = t.replace(microsecond=0)
    assert encode_time(t) == _PYZK._ZK__encode_time(t)
    assert decode_time(encode_time(t)) == t == _PYZK._ZK__decode_time(encode_time(t).to_bytes(4, "little"))


def test_encode_time_outside_the_device_calendar() -> None:
    with pytest.raises(CodecError, match="only holds years 2000-2099, got 2100-01-01T00:00:00"):
        encode_time(datetime(2100, 1, 1))


T0 = datetime(2026, 3, 2, 8, 0, 0)  # encodes to 00 ab 22 32


def test_record_layout_40_bytes() -> None:
    # [doc] data-record.md: uid(2) badge(24) verify type(1) time(4) state(1) 00000000ff000000.
    users = [ZKUser(7, "1001", "A")]
    data = encode_records([ZKRecord("1001", T0, 1, 0)], users, 40)
    assert data == bytes.fromhex("28000000070031303031" + "00" * 20 + "0100ab22320000000000ff000000")


def test_record_layout_16_and_8_bytes() -> None:
    users = [ZKUser(7, "1001", "A")]
    record = ZKRecord("1001", T0, 4, 1, workcode=3)
    # 16: badge as u32, time, verify, state, 2 reserved, workcode (pyzk: <I4sBB2sI)
    assert encode_records([record], users, 16) == bytes.fromhex("10000000e903000000ab22320401000003000000")
    # 8: uid, verify, time, state (pyzk: HB4sB); a badge outside the table is stored as its number
    assert encode_records([record], users, 8) == bytes.fromhex("0800000007000400ab223201")
    assert encode_records([ZKRecord("65001", T0, 4, 1)], users, 8) == bytes.fromhex("08000000e9fd0400ab223201")


def test_user_layouts() -> None:
    user = ZKUser(uid=2, user_id="1002", name="Li Na", privilege=14, password="12", card=0x01020304, group_id="1")
    # 72: [doc] data.md "users info" entry; byte 39 is the fixed 01.
    assert encode_users([user], 72) == bytes.fromhex(
        "4800000002000e31320000000000004c69204e61" + "00" * 19 + "0403020101310000000000000031303032" + "00" * 20
    )
    # 28: uid, privilege, password(5), name(8), card, pad, group, timezone, badge as u32.
    assert encode_users([user], 28) == bytes.fromhex("1c00000002000e31320000004c69204e610000000403020100010000ea030000")
    with pytest.raises(CodecError, match="'Zhang Wei!' needs 10 bytes but the field holds 8"):
        encode_users([ZKUser(1, "1", "Zhang Wei!")], 28)


def test_realtime_event_layouts() -> None:
    # [doc] realtime.md: badge text in 24 bytes, 2 bytes, 6-byte time; 32 bytes.
    record = ZKRecord("1001", datetime(2026, 3, 2, 8, 0, 5), 1, 0)
    assert encode_event(record, 72) == b"1001" + bytes(20) + bytes((1, 0, 26, 3, 2, 8, 0, 5))
    assert encode_event(record, 28) == bytes.fromhex("e9030000") + bytes((1, 0, 26, 3, 2, 8, 0, 5))
