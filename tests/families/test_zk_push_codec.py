"""ADMS line format: tolerant of real-world variants, precise about garbage."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.base import ProtocolError, RawPunch
from drivers.zk_push import (
    AttlogBatch,
    CommandResult,
    PushOptions,
    RejectedLine,
    command_line,
    encode_zk_time,
    handshake_reply,
    parse_devicecmd,
    read_attlog,
    reupload_command,
    set_time_command,
)


def test_attlog_variants_crlf_trailing_tabs_missing_columns_blank_lines() -> None:
    body = (
        b"1001\t2026-03-02 08:29:58\t0\t1\t0\t0\t0\t0\t0\t0\r\n"
        b"1002\t2026-03-02 08:31:07\t1\t15\t\t\t\r\n"
        b"\r\n"
        b"1003\t2026-03-02 08:40:00\n"
        b"  1004 \t2026-03-02 08:41:00\t0\t4\t7\n"
    )
    assert read_attlog(body, "SN9").punches == [
        RawPunch("SN9", "1001", datetime(2026, 3, 2, 8, 29, 58), 0, 0, 1, "0"),
        RawPunch("SN9", "1002", datetime(2026, 3, 2, 8, 31, 7), 1, 1, 15, ""),
        RawPunch("SN9", "1003", datetime(2026, 3, 2, 8, 40), 0, 0, 0, ""),
        RawPunch("SN9", "1004", datetime(2026, 3, 2, 8, 41), 0, 0, 4, "7"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "1001 2026-03-02 08:29:58",
            "ATTLOG from SN9, line 2 '1001 2026-03-02 08:29:58': expected PIN<TAB>YYYY-MM-DD "
            "HH:MM:SS<TAB>Status<TAB>Verify…",
        ),
        (
            "1001\t02/03/2026 08:29\t0",
            "ATTLOG from SN9, line 2 '1001\\t02/03/2026 08:29\\t0': time '02/03/2026 08:29' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            "1001\t2026-03-02 08:29:58\tin\t1",
            "ATTLOG from SN9, line 2 '1001\\t2026-03-02 08:29:58\\tin\\t1': Status 'in' is not an integer",
        ),
        (
            "\t2026-03-02 08:29:58\t0",
            "ATTLOG from SN9, line 2 '\\t2026-03-02 08:29:58\\t0': expected PIN<TAB>YYYY-MM-DD "
            "HH:MM:SS<TAB>Status<TAB>Verify…",
        ),
    ],
)
def test_attlog_garbage_names_line_number_and_text(line: str, message: str) -> None:
    with pytest.raises(ProtocolError) as err:
        read_attlog("1000\t2026-03-02 08:00:00\t0\t1\n" + line + "\n", "SN9")
    assert str(err.value) == message


def test_a_day_that_is_not_a_time_shape_is_refused_not_guessed() -> None:
    with pytest.raises(ProtocolError) as err:
        read_attlog("1001\t2026-03-02 08:29:5x\t0\n", "SN9")
    assert str(err.value) == (
        "ATTLOG from SN9, line 1 '1001\\t2026-03-02 08:29:5x\\t0': time '2026-03-02 08:29:5x' is not "
        "YYYY-MM-DD HH:MM:SS"
    )


LONG_PIN = "7" * 100_000


@pytest.mark.parametrize(
    ("line", "fields", "reason"),
    [
        (
            f"{LONG_PIN}\t2026-03-02 08:00:00\t0\t1",
            "PIN",
            f"ATTLOG from SN9, line 2 {'7' * 80!r}… (100,024 characters): PIN has 100,000 characters; a ZKTeco "
            "PIN holds at most 24",
        ),
        (
            "1001\t0001-01-01 00:00:00\t0\t1",
            "time",
            "ATTLOG from SN9, line 2 '1001\\t0001-01-01 00:00:00\\t0\\t1': time '0001-01-01 00:00:00' is outside the "
            "years 2000-2099 a ZKTeco clock can hold: the terminal's clock was wrong when the punch was made",
        ),
        (
            "1001\t2100-01-01 00:00:00\t0\t1",
            "time",
            "ATTLOG from SN9, line 2 '1001\\t2100-01-01 00:00:00\\t0\\t1': time '2100-01-01 00:00:00' is outside the "
            "years 2000-2099 a ZKTeco clock can hold: the terminal's clock was wrong when the punch was made",
        ),
        (
            "1001\t2026-02-30 08:00:00\t0\t1",
            "time",
            "ATTLOG from SN9, line 2 '1001\\t2026-02-30 08:00:00\\t0\\t1': time '2026-02-30 08:00:00' is not a date "
            "and time on the calendar",
        ),
        (
            "1001\t2026-03-02 08:00:00\t300\t-1\t12345678901",
            "Status, Verify, Workcode",
            "ATTLOG from SN9, line 2 '1001\\t2026-03-02 08:00:00\\t300\\t-1\\t12345678901': Status '300' is outside "
            "0..255 (one byte on the terminal); Verify '-1' is outside 0..255 (one byte on the terminal); Workcode has "
            "11 characters; a ZKTeco work code holds at most 10 digits",
        ),
        (
            f"1001\t2026-03-02 08:00:00\t{'9' * 5000}\t1",
            "Status",
            f"ATTLOG from SN9, line 2 {'1001' + chr(9) + '2026-03-02 08:00:00' + chr(9) + '9' * 55!r}… (5,027 "
            f"characters): Status {'9' * 80!r}… (5,000 characters) is outside 0..255 (one byte on the terminal)",
        ),
    ],
)
def test_a_value_no_zk_record_holds_is_kept_aside_and_the_rest_read(line: str, fields: str, reason: str) -> None:
    batch = read_attlog("1000\t2026-03-02 08:00:00\t0\t1\n" + line + "\r\n1002\t2026-03-02 08:01:00\n", "SN9")
    assert batch.punches == [
        RawPunch("SN9", "1000", datetime(2026, 3, 2, 8), 0, 0, 1, ""),
        RawPunch("SN9", "1002", datetime(2026, 3, 2, 8, 1), 0, 0, 0, ""),
    ]
    assert batch.rejected == [RejectedLine(2, line, fields, reason)]
    assert batch.records == 3


def test_a_pin_of_24_characters_and_the_years_2000_and_2099_are_accepted() -> None:
    body = f"{'1' * 24}\t2000-01-01 00:00:00\t255\t255\t4294967295\n2\t2099-12-31 23:59:59\n"
    assert read_attlog(body, "SN9") == AttlogBatch(
        [
            RawPunch("SN9", "1" * 24, datetime(2000, 1, 1), 255, 255, 255, "4294967295"),
            RawPunch("SN9", "2", datetime(2099, 12, 31, 23, 59, 59), 0, 0, 0, ""),
        ],
        [],
    )


def test_non_text_body_is_a_protocol_error_with_hex() -> None:
    with pytest.raises(ProtocolError) as err:
        read_attlog(b"\xff\xfe\xfa", "SN9")
    assert str(err.value) == "ATTLOG from SN9: body is neither UTF-8 nor GB18030; first bytes: ff fe fa"


def test_devicecmd_results() -> None:
    body = b"ID=7&Return=0&CMD=DATA\nID=8&Return=-1002&CMD=SET OPTION\n"
    assert parse_devicecmd(body, "SN9") == [CommandResult("7", 0, "DATA"), CommandResult("8", -1002, "SET OPTION")]
    with pytest.raises(ProtocolError) as err:
        parse_devicecmd(b"Return=0", "SN9")
    assert str(err.value) == "devicecmd from SN9, line 1 'Return=0': expected ID=<id>&Return=<code>&CMD=<command>"


def test_handshake_and_commands() -> None:
    assert handshake_reply("CQZ7224160001", PushOptions(attlog_stamp="120")) == (
        "GET OPTION FROM: CQZ7224160001\nATTLOGStamp=120\nOPERLOGStamp=9999\nErrorDelay=30\nDelay=10\n"
        "TransTimes=00:00;14:05\nTransInterval=1\nTransFlag=TransData AttLog\nTimeZone=8\nRealtime=1\nEncrypt=None\n"
    )
    # packed time, as pyzk encodes it: ((26*12 + 2)*31 + 1) * 86400 + (8*60 + 30)*60 + 5
    assert encode_zk_time(datetime(2026, 3, 2, 8, 30, 5)) == ((26 * 12 + 2) * 31 + 1) * 86400 + 30605
    assert (
        command_line(5, set_time_command(datetime(2026, 3, 2, 8, 30, 5)))
        == f"C:5:SET OPTION DateTime={((26 * 12 + 2) * 31 + 1) * 86400 + 30605}"
    )
    assert reupload_command(datetime(2026, 3, 1), datetime(2026, 3, 31, 23, 59, 59)) == (
        "DATA QUERY ATTLOG StartTime=2026-03-01 00:00:00\tEndTime=2026-03-31 23:59:59"
    )


@given(
    rows=st.lists(
        st.tuples(
            st.from_regex(r"[0-9A-Za-z]{1,12}", fullmatch=True),
            st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
                lambda d: d.replace(microsecond=0)
            ),
            st.integers(0, 5),
            st.integers(0, 25),
            st.from_regex(r"[0-9]{0,6}", fullmatch=True),
            st.integers(0, 5),  # trailing reserved columns
        ),
        max_size=30,
    ),
    crlf=st.booleans(),
)
def test_attlog_lines_round_trip(rows: list[tuple[str, datetime, int, int, str, int]], crlf: bool) -> None:
    eol = "\r\n" if crlf else "\n"
    body = "".join(
        f"{pin}\t{ts:%Y-%m-%d %H:%M:%S}\t{state}\t{verify}\t{wc}" + "\t0" * extra + eol
        for pin, ts, state, verify, wc, extra in rows
    )
    assert read_attlog(body.encode(), "SNH") == AttlogBatch(
        [RawPunch("SNH", pin, ts, state, state, verify, wc) for pin, ts, state, verify, wc, _extra in rows],
        [],
    )
