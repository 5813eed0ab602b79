"""Bytes of a simulated Anviz TC_B terminal, written without the driver's codec (a shared bug cannot hide).

Frames per the TC_B V2.15 manual and `MxLabs/Anviz` (`Commands/Command.cs`, `Responses/Response.cs`)::

    request   A5 | CH (4, BE) | CMD | LEN (2, BE) | DATA | CRC16 (low byte first)
    reply     A5 | CH (4, BE) | CMD + 0x80 | RET | LEN (2, BE) | DATA | CRC16 (low byte first)

The CRC is CRC-16/MCRF4XX computed bit by bit here (the driver uses crcmod-plus's table), so the two
implementations check each other on every frame the tests exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STX = 0xA5
REQUEST_HEADER = 8
RECORD_EPOCH = datetime(2000, 1, 2)


def crc16(data: bytes) -> int:
    """CRC-16/MCRF4XX, bitwise: reflected polynomial 0x8408, initial 0xFFFF, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True, slots=True)
class Request:
    device_id: int
    command: int
    data: bytes


def take_request(buffer: bytearray) -> Request | None:
    """Remove and return the first whole request in `buffer`; None when more bytes are needed.

    Bytes before an A5 and frames with a bad CRC are dropped, as a terminal on a noisy bus ignores them.
    """
    while True:
        start = buffer.find(STX)
        if start < 0:
            buffer.clear()
            return None
        del buffer[:start]
        if len(buffer) < REQUEST_HEADER:
            return None
        size = REQUEST_HEADER + int.from_bytes(buffer[6:8], "big") + 2
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        if int.from_bytes(frame[-2:], "little") != crc16(frame[:-2]):
            del buffer[:1]
            continue
        del buffer[:size]
        return Request(int.from_bytes(frame[1:5], "big"), frame[5], frame[REQUEST_HEADER:-2])


def reply(device_id: int, command: int, ret: int, data: bytes = b"", *, corrupt_crc: bool = False) -> bytes:
    """The reply frame to `command`; `corrupt_crc` flips the CRC's low byte (the bad-CRC fault)."""
    body = (
        bytes([STX]) + device_id.to_bytes(4, "big") + bytes([command + 0x80, ret]) + len(data).to_bytes(2, "big") + data
    )
    crc = crc16(body) ^ (0x00FF if corrupt_crc else 0)
    return body + bytes([crc & 0xFF, crc >> 8])


def record(user_code: int, when: datetime, backup_code: int, record_type: int, work_type: int) -> bytes:
    """A 14-byte record (`Responses/Record.cs` `ToArray`)."""
    seconds = int((when - RECORD_EPOCH).total_seconds())
    return (
        user_code.to_bytes(5, "big")
        + seconds.to_bytes(4, "big")
        + bytes([backup_code, record_type])
        + work_type.to_bytes(3, "big")
    )


def clock(when: datetime) -> bytes:
    return bytes([when.year - 2000, when.month, when.day, when.hour, when.minute, when.second])


def parse_clock(data: bytes) -> datetime:
    return datetime(2000 + data[0], data[1], data[2], data[3], data[4], data[5])


def counts(*values: int) -> bytes:
    """3-byte big-endian counts, as the 0x3C reply carries them."""
    return b"".join(v.to_bytes(3, "big") for v in values)
