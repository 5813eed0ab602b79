"""The anviz driver against the simulated TC_B terminal over TCP: records, new marks, clock, faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from drivers.anviz import AnvizDriver
from drivers.base import DeviceUnreachable, ProtocolError, RawPunch
from simulators.anviz import AnvizBus, AnvizTerminal


@pytest.fixture
def terminal() -> AnvizTerminal:
    return AnvizTerminal.sample(7, 60)


@pytest.fixture
def bus(terminal: AnvizTerminal) -> Iterator[AnvizBus]:
    with AnvizBus([terminal]) as served:
        yield served


def driver(bus: AnvizBus, *, device_id: int = 7, new_only: bool = False, timeout: float = 2.0) -> AnvizDriver:
    return AnvizDriver("127.0.0.1", bus.port, device_id=device_id, new_only=new_only, timeout=timeout)


def test_info_and_every_record_in_packets_of_at_most_25(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    with driver(bus) as d:
        info = d.info()
        punches = d.read_punches()
    assert (info.serial_number, info.firmware, info.record_count, info.user_count) == (
        "ANVIZ00000007",
        "03.26.93",
        60,
        20,
    )
    assert punches == [
        RawPunch("ANVIZ00000007", str(r.user_code), r.time, punch_state=r.record_type, verify_mode=1)
        for r in terminal.records
    ]
    downloads = [r.data for r in bus.requests if r.command == 0x40]
    assert downloads == [b"\x01\x19", b"\x00\x19", b"\x00\x0a"]


def test_new_only_reads_the_new_records_and_clears_exactly_those_read(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    terminal.new_from = 50
    with driver(bus, new_only=True) as d:
        punches = d.read_punches()
        terminal.punch(1001, datetime(2026, 3, 9, 12, 0))  # between the read and the clear
        held = d.clear_punches(len(punches))
    assert [p.ts_local for p in punches] == [r.time for r in terminal.records[50:60]]
    assert held == 10
    assert terminal.clear_requests == [(2, 10)]
    assert (len(terminal.records), terminal.new_count) == (61, 1)
    with driver(bus, new_only=True) as d:
        assert [(p.pin, p.ts_local) for p in d.read_punches()] == [("1001", datetime(2026, 3, 9, 12, 0))]


def test_download_all_ignores_the_new_marks(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    terminal.new_from = 60
    with driver(bus) as d:
        assert len(d.read_punches()) == 60


def test_clock_get_and_set(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    with driver(bus) as d:
        d.set_time(datetime(2030, 1, 2, 3, 4, 5))
        assert abs((d.get_time() - datetime(2030, 1, 2, 3, 4, 5)).total_seconds()) <= 2
    assert [r.data for r in bus.requests if r.command == 0x39] == [bytes.fromhex("1e 01 02 03 04 05")]


def test_bad_crc_is_refused_with_the_frame(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    terminal.faults.bad_crc = True
    with pytest.raises(ProtocolError) as caught:
        driver(bus).open()
    assert str(caught.value) == (
        f"Anviz device id 7 on TCP 127.0.0.1:{bus.port} answered read the serial number with a bad CRC: "
        "a5 00 00 00 07 a4 00 00 0d 41 4e 56 49 5a 30 30 30 30 30 30 30 37 36 ab; "
        f"is port {bus.port} really the terminal's TC_B port (5010 by default)?"
    )


def test_a_silent_terminal_times_out(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    terminal.faults.silent = True
    with pytest.raises(DeviceUnreachable) as caught:
        driver(bus, timeout=0.3).open()
    assert str(caught.value) == (
        f"no answer from Anviz device id 7 on TCP 127.0.0.1:{bus.port} within 0.3 s to read the serial number: "
        "check that it is powered on and that device_id 7 is the terminal's (0 reaches any terminal)"
    )


def test_a_reply_from_another_device_id_is_refused(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    terminal.faults.answer_as = 9
    with pytest.raises(ProtocolError) as caught:
        driver(bus).open()
    assert str(caught.value) == (
        f"a reply to read the serial number came from device id 9, not from device id 7 that was addressed "
        f"(TCP 127.0.0.1:{bus.port}): two terminals share an id or a terminal answers for another; give each "
        "terminal on the bus its own device id (terminal menu: Settings → Communication → Device ID) and set "
        "device_id in the config to it"
    )


def test_device_id_0_reaches_the_terminal_whatever_its_id(bus: AnvizBus) -> None:
    with driver(bus, device_id=0) as d:
        assert d.info().serial_number == "ANVIZ00000007"


def test_a_refused_command_names_its_ret_code(bus: AnvizBus, terminal: AnvizTerminal) -> None:
    terminal.faults.refuse = {0x39}
    with driver(bus) as d, pytest.raises(ProtocolError) as caught:
        d.set_time(datetime(2030, 1, 1))
    assert str(caught.value) == (
        f"Anviz device id 7 on TCP 127.0.0.1:{bus.port}, serial ANVIZ00000007 refused to set the clock: "
        "RET 0x01 (operation failed)"
    )
