"""The anviz driver on a serial line, end to end through a pseudo-terminal (pyserial opens the pty's slave as
it opens /dev/ttyUSB0), with several terminals on one bus, and through a serial device server (`socket://`).
Parity stays N: a Linux pty refuses PARENB (tcsetattr EINVAL), so even and odd parity are only passed to pyserial,
never exercised here."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import groupby

import pytest

from drivers.anviz import AnvizDriver
from drivers.base import DeviceUnreachable, ProtocolError
from simulators.anviz import AnvizBus, AnvizTerminal


@pytest.fixture
def terminals() -> list[AnvizTerminal]:
    return [AnvizTerminal.sample(1, 120, seed=1), AnvizTerminal.sample(2, 80, seed=2)]


@pytest.fixture
def bus(terminals: list[AnvizTerminal]) -> Iterator[AnvizBus]:
    with AnvizBus(terminals, transport="pty") as served:
        yield served


def on_line(bus: AnvizBus, device_id: int, *, lock: threading.Lock | None = None, timeout: float = 2.0) -> AnvizDriver:
    return AnvizDriver(
        "", serial_port=bus.serial_path, baudrate=19200, parity="N", device_id=device_id, bus=lock, timeout=timeout
    )


def test_each_terminal_on_the_bus_answers_for_itself(bus: AnvizBus, terminals: list[AnvizTerminal]) -> None:
    for terminal in terminals:
        with on_line(bus, terminal.device_id) as d:
            info, punches = d.info(), d.read_punches()
        assert (info.serial_number, info.record_count) == (terminal.serial, len(terminal.records))
        assert [(p.pin, p.ts_local) for p in punches] == [(str(r.user_code), r.time) for r in terminal.records]


def test_terminals_sharing_a_bus_lock_are_polled_one_at_a_time(bus: AnvizBus) -> None:
    lock = threading.Lock()
    counts: dict[int, int] = {}
    start = threading.Barrier(2)

    def poll(device_id: int) -> None:
        start.wait()
        with on_line(bus, device_id, lock=lock) as d:
            counts[device_id] = len(d.read_punches())

    threads = [threading.Thread(target=poll, args=(i,)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == {1: 120, 2: 80}
    runs = [device_id for device_id, _ in groupby(r.device_id for r in bus.requests)]
    assert sorted(runs) == [1, 2]  # one uninterrupted run of requests per terminal
    assert not lock.locked()


def test_no_terminal_with_that_id_is_a_timeout_naming_the_line_settings(bus: AnvizBus) -> None:
    with pytest.raises(DeviceUnreachable) as caught:
        on_line(bus, 5, timeout=0.3).open()
    assert str(caught.value) == (
        f"no answer from Anviz device id 5 on serial port {bus.serial_path} within 0.3 s to read the serial number: "
        "check that device_id 5 is the id set on the terminal, the A/B wiring, and that baudrate 19200 and "
        "parity N match the terminal's"
    )


def test_a_second_terminal_answering_for_the_addressed_one_is_refused(
    bus: AnvizBus, terminals: list[AnvizTerminal]
) -> None:
    terminals[0].faults.answer_as = 2
    lock = threading.Lock()
    with pytest.raises(
        ProtocolError, match="^a reply to read the serial number came from device id 2, not from device id 1"
    ):
        on_line(bus, 1, lock=lock).open()
    assert not lock.locked()  # a failed open frees the bus for the next terminal


def test_a_bad_crc_on_the_line_names_the_line_settings(bus: AnvizBus, terminals: list[AnvizTerminal]) -> None:
    terminals[1].faults.bad_crc = True
    with pytest.raises(ProtocolError) as caught:
        on_line(bus, 2).open()
    assert str(caught.value).endswith(
        "noise on the line or a wrong speed: check baudrate, parity, the A/B wiring and the bus termination"
    )
    assert str(caught.value).startswith(f"Anviz device id 2 on serial port {bus.serial_path} answered read the serial")


def test_a_bus_behind_a_serial_device_server_is_read_through_pyserials_socket_url(
    terminals: list[AnvizTerminal],
) -> None:
    """A converter in TCP server mode passes the RS-485 bytes through a TCP port: `socket://HOST:PORT` is
    pyserial's URL handler for it, the same frames as the local line, each terminal by its device id."""
    with AnvizBus(terminals, transport="tcp") as server:
        for terminal in terminals:
            url = f"socket://127.0.0.1:{server.port}"
            with AnvizDriver("", serial_port=url, device_id=terminal.device_id, timeout=2.0) as d:
                punches = d.read_punches()
            assert [(p.pin, p.ts_local) for p in punches] == [(str(r.user_code), r.time) for r in terminal.records]
