"""Bytes of the ZKTeco binary protocol (port 4370), written from the public descriptions only.

Sources: the protocol description at github.com/adrobinoga/zk-protocol (`protocol.md`,
`sections/ex_data.md`, `data.md`, `data-record.md`, `realtime.md`) and the behaviour of the pyzk 0.9
client. This module deliberately imports neither `drivers/` nor pyzk: the simulator encodes every
byte itself so that a codec bug on one side cannot cancel out the same bug on the other.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from simulators.errors import SimulatorError


class Cmd(IntEnum):
    """Command and reply codes (protocol.md, "Command/Reply Identifiers")."""

    USER_WRQ = 8
    ATTLOG_RRQ = 13
    CLEAR_ATTLOG = 15
    DELETE_USER = 18
    DB_RRQ = 7
    USERTEMP_RRQ = 9
    OPTIONS_RRQ = 11
    GET_FREE_SIZES = 50
    SAVE_USERTEMPS = 110  # users with their templates, from the uploaded buffer (pyzk save_user_template)
    STARTVERIFY = 60
    CANCELCAPTURE = 62
    GET_TIME = 201
    SET_TIME = 202
    REG_EVENT = 500
    CONNECT = 1000
    EXIT = 1001
    ENABLEDEVICE = 1002
    DISABLEDEVICE = 1003
    REFRESHDATA = 1013
    GET_VERSION = 1100
    AUTH = 1102
    PREPARE_DATA = 1500
    DATA = 1501
    FREE_DATA = 1502
    PREPARE_BUFFER = 1503  # "CMD_DATA_WRRQ" in the protocol description
    READ_BUFFER = 1504  # "CMD_DATA_RDY"
    ACK_OK = 2000
    ACK_ERROR = 2001
    ACK_UNAUTH = 2005
    ACK_UNKNOWN = 0xFFFF


EF_ATTLOG = 1  # realtime event flag: attendance entry (protocol.md, "Event Codes")
FCT_USER = 5  # function code that selects the user table in CMD_USERTEMP_RRQ via PREPARE_BUFFER

TCP_MAGIC = b"\x50\x50\x82\x7d"  # "start" field of every TCP packet
TCP_PREFIX = struct.Struct("<4sI")  # start, payload size (the doc's 2-byte size + 2 zero bytes)
HEADER = struct.Struct("<4H")  # command, checksum, session id, reply number
USHRT_MAX = 0xFFFF

# Largest payload a device sends in one CMD_DATA reply to PREPARE_BUFFER ("small structures",
# ex_data.md: approx. less than 1 KB). 1016 = the 1024-byte receive size pyzk and the SDK use
# minus the 8-byte header, so a direct reply always fits one UDP datagram read.
DIRECT_DATA_MAX = 1016
# Over UDP a device splits each READ_BUFFER chunk into CMD_DATA packets of this many bytes
# (pyzk's UDP receive loop counts 1024 bytes per packet).
UDP_DATA_PACKET = 1024


class CodecError(SimulatorError):
    """Bytes that are not a well-formed ZKTeco packet; the message carries them in hex."""


def checksum(packet_without_checksum: bytes) -> int:
    """The 16-bit packet checksum of protocol.md, "Checksum".

    Little-endian 16-bit words (odd length padded with a zero byte) summed in 32 bits, the high
    half folded into the low half, then the ones' complement. Call it with the checksum field zeroed.
    """
    data = packet_without_checksum + b"\x00" if len(packet_without_checksum) % 2 else packet_without_checksum
    total = sum(struct.unpack(f"<{len(data) // 2}H", data))
    while total > USHRT_MAX:
        total = (total & USHRT_MAX) + (total >> 16)
    return total ^ USHRT_MAX


def checksum_ok(packet: bytes) -> bool:
    """True if the header checksum of `packet` (header + data, no TCP prefix) is right.

    The check is done in ones' complement arithmetic, where 0x0000 and 0xFFFF are the same number:
    pyzk computes its checksum with the previous reply number and then increments it, which lands on
    the other representation of zero at the 0xFFFE → 0 wrap.
    """
    if len(packet) < HEADER.size:
        return False
    stated = HEADER.unpack_from(packet)[1]
    expected = checksum(packet[:2] + b"\x00\x00" + packet[4:])
    return stated == expected or {stated, expected} == {0, USHRT_MAX}


def build_packet(command: int, session_id: int, reply_id: int, data: bytes = b"") -> bytes:
    """Header (with its checksum) + data; no TCP prefix."""
    unsigned = HEADER.pack(command, 0, session_id, reply_id) + data
    return HEADER.pack(command, checksum(unsigned), session_id, reply_id) + data


def tcp_frame(packet: bytes) -> bytes:
    """The 8-byte TCP prefix (start marker, payload size) + the packet."""
    return TCP_PREFIX.pack(TCP_MAGIC, len(packet)) + packet


@dataclass(frozen=True, slots=True)
class Packet:
    command: int
    checksum: int
    session_id: int
    reply_id: int
    data: bytes
    raw: bytes

    @property
    def checksum_ok(self) -> bool:
        return checksum_ok(self.raw)


def parse_packet(raw: bytes) -> Packet:
    """Split header and data of one packet (no TCP prefix)."""
    if len(raw) < HEADER.size:
        raise CodecError(f"packet shorter than the 8-byte header: {raw.hex()}")
    command, chk, session_id, reply_id = HEADER.unpack_from(raw)
    return Packet(command, chk, session_id, reply_id, bytes(raw[HEADER.size :]), bytes(raw))


def parse_tcp_prefix(prefix: bytes) -> int:
    """Payload size announced by an 8-byte TCP prefix."""
    magic, size = TCP_PREFIX.unpack(prefix)
    if magic != TCP_MAGIC:
        raise CodecError(f"TCP packet does not start with 50 50 82 7d: {prefix.hex()}")
    return size


# --- time -------------------------------------------------------------------------------------


def encode_time(t: datetime) -> int:
    """EncodeTime of the SDK (terminal.md): seconds in a calendar of 12 months of 31 days from 2000."""
    if not 2000 <= t.year <= 2099:
        raise CodecError(f"the terminal clock only holds years 2000-2099, got {t.isoformat()}")
    days = (t.year % 100) * 12 * 31 + (t.month - 1) * 31 + t.day - 1
    return days * 86400 + (t.hour * 60 + t.minute) * 60 + t.second


def decode_time(value: int) -> datetime:
    """Inverse of `encode_time`."""
    value, second = divmod(value, 60)
    value, minute = divmod(value, 60)
    value, hour = divmod(value, 24)
    value, day = divmod(value, 31)
    year, month = divmod(value, 12)
    try:
        return datetime(2000 + year, month + 1, day + 1, hour, minute, second)
    except ValueError as exc:
        raise CodecError(f"encoded time {value} is not a calendar date: {exc}") from None


def encode_time6(t: datetime) -> bytes:
    """The 6-byte realtime-event time (realtime.md): year-2000, month, day, hour, minute, second."""
    return bytes((t.year - 2000, t.month, t.day, t.hour, t.minute, t.second))


# --- comm key ---------------------------------------------------------------------------------


def make_key(comm_key: int, session_id: int, ticks: int) -> bytes:
    """The scrambled comm key a client sends with CMD_AUTH (MakeKey of the SDK's commpro.c).

    The key's 32 bits are reversed, the session id added, the four bytes XORed with "ZKSO", the two
    16-bit halves swapped, and finally bytes 0, 1 and 3 XORed with `ticks` while byte 2 carries
    `ticks` itself so the terminal can redo the computation.
    """
    reversed_key = int(f"{comm_key & 0xFFFFFFFF:032b}"[::-1], 2)
    k = bytearray(struct.pack("<I", (reversed_key + session_id) & 0xFFFFFFFF))
    for i, c in enumerate(b"ZKSO"):
        k[i] ^= c
    k = k[2:4] + k[0:2]
    b = ticks & 0xFF
    return bytes((k[0] ^ b, k[1] ^ b, b, k[3] ^ b))


def auth_ok(comm_key: int, session_id: int, payload: bytes) -> bool:
    """Whether a CMD_AUTH payload is `comm_key` scrambled for this session (ticks read from byte 2)."""
    return len(payload) >= 4 and payload[:4] == make_key(comm_key, session_id, payload[2])
