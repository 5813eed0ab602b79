"""Anviz TC_B frames: CRC16, request encoding, reply decoding, the 14-byte record. Pure: no sockets, no clock.

Layout (Anviz "TC_B Communications Protocol" V2.15; `MxLabs/Anviz` `Commands/Command.cs` builds the request,
`Responses/Response.cs` reads the reply)::

    request   A5 | CH (4, big-endian device id) | CMD | LEN (2, BE) | DATA (LEN) | CRC16 (2, low byte first)
    reply     A5 | CH (4, BE)                  | ACK | RET | LEN (2, BE) | DATA (LEN) | CRC16 (2, low byte first)

ACK is CMD + 0x80 and RET a result code (0 success). The CRC runs over every byte before it and is
CRC-16/MCRF4XX (reflected polynomial 0x8408, initial 0xFFFF, no final xor: the `MxLabs/Anviz`
`Utils/CRC16.cs` table is exactly that algorithm's; check value 0x6F91 for "123456789"), computed here by
`crcmod-plus` (its predefined "crc-16-mcrf4xx", a C extension) rather than a table of our own.

A record (`Responses/Record.cs`, `RECORD_LENGTH = 14`, `MAX_RECORDS = 25` per packet)::

    user code (5, BE) | time (4, BE seconds since 2000-01-02 00:00, `Utils/DateConversions.cs`
    `RecordEpoch = new DateTime(2000, 1, 2)`) | backup code (1) | record type (1) | work type (3, BE)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import crcmod.predefined

STX = 0xA5
REQUEST_HEADER = 8  # A5, CH 4, CMD, LEN 2
REPLY_HEADER = 9  # A5, CH 4, ACK, RET, LEN 2
CRC_SIZE = 2
RECORD_SIZE = 14
MAX_RECORDS_PER_PACKET = 25
#: The largest DATA the V2.15 manual allows in a frame (Facepass models send more, but not records).
MAX_DATA = 0xFFFF
RECORD_EPOCH = datetime(2000, 1, 2)

CMD_BASIC_SETTINGS = 0x30  # firmware (8 ASCII bytes) and the terminal's basic settings
CMD_GET_TIME = 0x38
CMD_SET_TIME = 0x39
CMD_RECORD_INFO = 0x3C  # users, fingerprints, passwords, cards, all records, new records: 3 bytes each
CMD_DOWNLOAD = 0x40  # DATA: flag (1 all / 2 new on the first packet, 0 to continue), count (≤ 25)
CMD_CLEAR = 0x4E  # DATA: mode (0 delete all, 1 clear every new flag, 2 clear the first N), N (3 bytes)
CMD_SERIAL = 0x24  # the terminal's serial number, ASCII (`Commands/GetDeviceSNCommand.cs`)

DOWNLOAD_ALL = 1
DOWNLOAD_NEW = 2
DOWNLOAD_NEXT = 0
CLEAR_NEW_AMOUNT = 2

#: RET codes (`Responses/Response.cs` `RetVal`) and what each means to a user.
RET_SUCCESS = 0x00
RET_MEANING = {
    0x01: "operation failed",
    0x04: "user store full",
    0x05: "user store empty",
    0x06: "no such user",
    0x08: "capture timed out",
    0x0A: "user already exists",
    0x0B: "fingerprint already exists",
}

_crc16 = crcmod.predefined.mkPredefinedCrcFun("crc-16-mcrf4xx")


def crc16(data: bytes) -> int:
    """CRC-16/MCRF4XX of `data`, as TC_B frames carry it (low byte first on the wire)."""
    value: int = _crc16(data)
    return value


def encode_request(device_id: int, command: int, data: bytes = b"") -> bytes:
    """The frame that sends `command` with `data` to the terminal numbered `device_id` (0: any terminal)."""
    if not 0 <= device_id <= 0xFFFFFFFF:
        raise ValueError(f"device id {device_id} does not fit the frame's 4 bytes")
    if len(data) > MAX_DATA:
        raise ValueError(f"{len(data)} data bytes do not fit the frame's 2-byte length")
    body = bytes([STX]) + device_id.to_bytes(4, "big") + bytes([command]) + len(data).to_bytes(2, "big") + data
    return body + crc16(body).to_bytes(2, "little")


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply frame, its CRC checked or not (`crc_ok`): the driver words the error with its context."""

    device_id: int
    ack: int
    ret: int
    data: bytes
    crc_ok: bool
    raw: bytes


def reply_size(header: bytes) -> int:
    """The whole frame's size once its `REPLY_HEADER` bytes are in (raises on a frame not starting A5)."""
    if header[0] != STX:
        raise ValueError(f"a TC_B frame starts A5, this one {header[0]:02x}")
    return REPLY_HEADER + int.from_bytes(header[7:9], "big") + CRC_SIZE


def decode_reply(frame: bytes) -> Reply:
    """The reply in `frame`, which must be exactly one frame (`reply_size` bytes)."""
    size = reply_size(frame)
    if len(frame) != size:
        raise ValueError(f"a reply of {len(frame)} bytes, its header says {size}")
    body, crc = frame[:-CRC_SIZE], int.from_bytes(frame[-CRC_SIZE:], "little")
    return Reply(
        device_id=int.from_bytes(frame[1:5], "big"),
        ack=frame[5],
        ret=frame[6],
        data=frame[REPLY_HEADER:-CRC_SIZE],
        crc_ok=crc == crc16(body),
        raw=frame,
    )


@dataclass(frozen=True, slots=True)
class Record:
    """One attendance record as the terminal holds it (`Responses/Record.cs`)."""

    user_code: int
    time: datetime
    backup_code: int
    record_type: int
    work_type: int


def decode_record(raw: bytes) -> Record:
    """One 14-byte record; the time is the terminal's naive wall clock."""
    if len(raw) != RECORD_SIZE:
        raise ValueError(f"a record is {RECORD_SIZE} bytes, got {len(raw)}")
    return Record(
        user_code=int.from_bytes(raw[0:5], "big"),
        time=RECORD_EPOCH + timedelta(seconds=int.from_bytes(raw[5:9], "big")),
        backup_code=raw[9],
        record_type=raw[10],
        work_type=int.from_bytes(raw[11:14], "big"),
    )


def decode_records(data: bytes) -> list[Record]:
    """A download packet's DATA: a count byte, then that many records (raises when the sizes disagree)."""
    if not data:
        raise ValueError("a record packet without its count byte")
    count = data[0]
    if len(data) != 1 + count * RECORD_SIZE:
        raise ValueError(f"the packet says {count} records ({1 + count * RECORD_SIZE} bytes) but has {len(data)}")
    return [decode_record(data[1 + i * RECORD_SIZE : 1 + (i + 1) * RECORD_SIZE]) for i in range(count)]


def encode_time(dt: datetime) -> bytes:
    """The 6-byte clock of 0x38/0x39: year − 2000, month, day, hour, minute, second (`DateConversions.cs`)."""
    return bytes([dt.year - 2000, dt.month, dt.day, dt.hour, dt.minute, dt.second])


def decode_time(data: bytes) -> datetime:
    """The clock a 0x38 reply carries (raises `ValueError` on a length or date that is not one)."""
    if len(data) != 6:
        raise ValueError(f"a clock is 6 bytes, got {len(data)}")
    return datetime(2000 + data[0], data[1], data[2], data[3], data[4], data[5])


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """The counts a 0x3C reply carries (`Responses/Statistic.cs`)."""

    users: int
    fingerprints: int
    passwords: int
    cards: int
    all_records: int
    new_records: int


def decode_record_info(data: bytes) -> RecordInfo:
    if len(data) < 18:
        raise ValueError(f"record info is 18 bytes, got {len(data)}")
    values = [int.from_bytes(data[i : i + 3], "big") for i in range(0, 18, 3)]
    return RecordInfo(*values)
