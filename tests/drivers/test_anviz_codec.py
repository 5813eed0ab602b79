"""TC_B codec against vectors from public sources, byte for byte.

Sources of the vectors:
- CRC-16/MCRF4XX check value 0x6F91 for "123456789": the CRC catalogue's entry (reveng), and the table of
  `MxLabs/Anviz` `Anviz.SDK/Utils/CRC16.cs`, transcribed below and run as that file runs it.
- "CROSSCHEX": frames a public TypeScript test (`anviz-tcb`, code index; repository not identified) copied
  from a CrossChex Standard log of a real terminal, device id 1: requests 0x3C, 0x40 (new, continue),
  0x4E (clear 51), 0x30, and the replies to 0x3C, 0x30 and 0x40.
- "PHP PROBE": a public PHP probe of port 5010 (code index) sending `a5 00 00 00 01 3c 00 00 49 a9` and
  `a5 00 00 00 01 5e 00 00 bc 19`.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from drivers import anviz_codec as codec

# `MxLabs/Anviz` Anviz.SDK/Utils/CRC16.cs, CRCTABLE, copied as a fixture (an independent implementation).
MXLABS_CRCTABLE = [
    0x0000, 0x1189, 0x2312, 0x329B, 0x4624, 0x57AD, 0x6536, 0x74BF, 0x8C48, 0x9DC1, 0xAF5A, 0xBED3, 0xCA6C, 0xDBE5,
    0xE97E, 0xF8F7, 0x1081, 0x0108, 0x3393, 0x221A, 0x56A5, 0x472C, 0x75B7, 0x643E, 0x9CC9, 0x8D40, 0xBFDB, 0xAE52,
    0xDAED, 0xCB64, 0xF9FF, 0xE876, 0x2102, 0x308B, 0x0210, 0x1399, 0x6726, 0x76AF, 0x4434, 0x55BD, 0xAD4A, 0xBCC3,
    0x8E58, 0x9FD1, 0xEB6E, 0xFAE7, 0xC87C, 0xD9F5, 0x3183, 0x200A, 0x1291, 0x0318, 0x77A7, 0x662E, 0x54B5, 0x453C,
    0xBDCB, 0xAC42, 0x9ED9, 0x8F50, 0xFBEF, 0xEA66, 0xD8FD, 0xC974, 0x4204, 0x538D, 0x6116, 0x709F, 0x0420, 0x15A9,
    0x2732, 0x36BB, 0xCE4C, 0xDFC5, 0xED5E, 0xFCD7, 0x8868, 0x99E1, 0xAB7A, 0xBAF3, 0x5285, 0x430C, 0x7197, 0x601E,
    0x14A1, 0x0528, 0x37B3, 0x263A, 0xDECD, 0xCF44, 0xFDDF, 0xEC56, 0x98E9, 0x8960, 0xBBFB, 0xAA72, 0x6306, 0x728F,
    0x4014, 0x519D, 0x2522, 0x34AB, 0x0630, 0x17B9, 0xEF4E, 0xFEC7, 0xCC5C, 0xDDD5, 0xA96A, 0xB8E3, 0x8A78, 0x9BF1,
    0x7387, 0x620E, 0x5095, 0x411C, 0x35A3, 0x242A, 0x16B1, 0x0738, 0xFFCF, 0xEE46, 0xDCDD, 0xCD54, 0xB9EB, 0xA862,
    0x9AF9, 0x8B70, 0x8408, 0x9581, 0xA71A, 0xB693, 0xC22C, 0xD3A5, 0xE13E, 0xF0B7, 0x0840, 0x19C9, 0x2B52, 0x3ADB,
    0x4E64, 0x5FED, 0x6D76, 0x7CFF, 0x9489, 0x8500, 0xB79B, 0xA612, 0xD2AD, 0xC324, 0xF1BF, 0xE036, 0x18C1, 0x0948,
    0x3BD3, 0x2A5A, 0x5EE5, 0x4F6C, 0x7DF7, 0x6C7E, 0xA50A, 0xB483, 0x8618, 0x9791, 0xE32E, 0xF2A7, 0xC03C, 0xD1B5,
    0x2942, 0x38CB, 0x0A50, 0x1BD9, 0x6F66, 0x7EEF, 0x4C74, 0x5DFD, 0xB58B, 0xA402, 0x9699, 0x8710, 0xF3AF, 0xE226,
    0xD0BD, 0xC134, 0x39C3, 0x284A, 0x1AD1, 0x0B58, 0x7FE7, 0x6E6E, 0x5CF5, 0x4D7C, 0xC60C, 0xD785, 0xE51E, 0xF497,
    0x8028, 0x91A1, 0xA33A, 0xB2B3, 0x4A44, 0x5BCD, 0x6956, 0x78DF, 0x0C60, 0x1DE9, 0x2F72, 0x3EFB, 0xD68D, 0xC704,
    0xF59F, 0xE416, 0x90A9, 0x8120, 0xB3BB, 0xA232, 0x5AC5, 0x4B4C, 0x79D7, 0x685E, 0x1CE1, 0x0D68, 0x3FF3, 0x2E7A,
    0xE70E, 0xF687, 0xC41C, 0xD595, 0xA12A, 0xB0A3, 0x8238, 0x93B1, 0x6B46, 0x7ACF, 0x4854, 0x59DD, 0x2D62, 0x3CEB,
    0x0E70, 0x1FF9, 0xF78F, 0xE606, 0xD49D, 0xC514, 0xB1AB, 0xA022, 0x92B9, 0x8330, 0x7BC7, 0x6A4E, 0x58D5, 0x495C,
    0x3DE3, 0x2C6A, 0x1EF1, 0x0F78,
]  # fmt: skip


def mxlabs_crc(data: bytes) -> int:
    """`CRC16.Compute` of `MxLabs/Anviz`, line for line."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ MXLABS_CRCTABLE[(crc ^ byte) & 0xFF]
    return crc


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_crc_check_value_of_the_catalogue_and_of_the_mxlabs_table() -> None:
    assert codec.crc16(b"123456789") == 0x6F91
    assert mxlabs_crc(b"123456789") == 0x6F91


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00", b"\xa5\x00\x00\x00\x01\x3c\x00\x00", bytes(range(256)), b"\xff" * 600],
)
def test_crc_agrees_with_the_mxlabs_table(data: bytes) -> None:
    assert codec.crc16(data) == mxlabs_crc(data)


@pytest.mark.parametrize(
    ("device_id", "command", "data", "frame"),
    [
        (1, 0x3C, b"", "A5 00 00 00 01 3C 00 00 49 A9"),  # CROSSCHEX and PHP PROBE
        (1, 0x40, b"\x02\x19", "A5 00 00 00 01 40 00 02 02 19 3E C0"),  # CROSSCHEX: first packet, new, 25
        (1, 0x40, b"\x00\x19", "A5 00 00 00 01 40 00 02 00 19 8E F3"),  # CROSSCHEX: next packet, 25
        (1, 0x4E, b"\x02\x00\x00\x33", "A5 00 00 00 01 4E 00 04 02 00 00 33 94 4D"),  # CROSSCHEX: clear 51 new
        (1, 0x5E, b"", "A5 00 00 00 01 5E 00 00 BC 19"),  # PHP PROBE
    ],
)
def test_requests_are_the_bytes_real_clients_send(device_id: int, command: int, data: bytes, frame: str) -> None:
    assert codec.encode_request(device_id, command, data) == h(frame)


def test_the_crosschex_0x30_request_crc() -> None:
    assert codec.crc16(h("A5 00 00 00 01 30 00 00")) == 0x0CEA  # CROSSCHEX


def test_device_id_is_four_bytes_big_endian() -> None:
    assert codec.encode_request(0x01020304, 0x38)[:6] == h("A5 01 02 03 04 38")
    with pytest.raises(ValueError, match="device id 4294967296 does not fit the frame's 4 bytes"):
        codec.encode_request(1 << 32, 0x38)


def test_record_info_reply_of_a_real_terminal() -> None:
    frame = h("A5 00 00 00 01 BC 00 00 12 00 00 BD 00 01 38 00 00 0C 00 00 07 00 C3 50 00 00 33 24 EC")  # CROSSCHEX
    assert codec.reply_size(frame[: codec.REPLY_HEADER]) == len(frame)
    reply = codec.decode_reply(frame)
    assert (reply.device_id, reply.ack, reply.ret, reply.crc_ok) == (1, 0xBC, 0, True)
    assert codec.decode_record_info(reply.data) == codec.RecordInfo(
        users=189, fingerprints=312, passwords=12, cards=7, all_records=50000, new_records=51
    )


def test_a_changed_byte_fails_the_crc() -> None:
    frame = h("A5 00 00 00 01 BC 00 00 12 00 00 BD 00 01 38 00 00 0C 00 00 07 00 C3 50 00 00 33 24 ED")
    assert codec.decode_reply(frame).crc_ok is False


def test_basic_settings_reply_carries_the_firmware() -> None:
    frame = "A5 00 00 00 01 B0 00 00 12 30 33 2E 32 36 2E 39 33 40 1A 81 0A 05 00 20 00 00 02 DF 36"  # CROSSCHEX
    reply = codec.decode_reply(h(frame))
    assert reply.crc_ok
    assert reply.data[:8] == b"03.26.93"


def test_a_record_packet_of_a_real_terminal() -> None:
    frame = "A5 00 00 00 01 C0 00 00 0F 01 00 00 00 00 01 32 2A A3 D0 01 00 00 00 00 F4 C6"  # CROSSCHEX
    reply = codec.decode_reply(h(frame))
    assert reply.crc_ok
    [record] = codec.decode_records(reply.data)
    assert (record.user_code, record.backup_code, record.record_type, record.work_type) == (1, 1, 0, 0)


def test_record_time_counts_from_2000_01_02() -> None:
    # CROSSCHEX: user 43498727 at 0x322989D0, which CrossChex showed as 2026-09-02 13:04:16 (local).
    [record] = codec.decode_records(b"\x01" + h("00 02 97 BC E7 32 29 89 D0 01 01 00 00 00"))
    assert record == codec.Record(
        user_code=43498727, time=datetime(2026, 9, 2, 13, 4, 16), backup_code=1, record_type=1, work_type=0
    )


def test_a_record_packet_whose_count_disagrees_is_refused() -> None:
    with pytest.raises(ValueError, match=r"the packet says 2 records \(29 bytes\) but has 15"):
        codec.decode_records(b"\x02" + bytes(14))


def test_clock_bytes() -> None:
    assert codec.encode_time(datetime(2024, 3, 5, 7, 8, 9)) == h("18 03 05 07 08 09")
    assert codec.decode_time(h("18 03 05 07 08 09")) == datetime(2024, 3, 5, 7, 8, 9)
    with pytest.raises(ValueError, match="month must be in 1..12"):
        codec.decode_time(h("18 0D 05 07 08 09"))
