"""Every fault knob: the driver raises the right error with a message that says what to do, within
its timeout (pytest-timeout fails the test on any hang), and a retry after clearing the fault works."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.base import AuthFailed, DeviceUnreachable, DriverError, ProtocolError
from drivers.zk import ZKTcpDriver, ZKUdpDriver
from simulators.zk import ZKTerminal

pytestmark = pytest.mark.timeout(20)

TIMEOUT = 1.0
ADDR = r"(TCP|UDP) device 127\.0\.0\.1:\d+"
SERIAL = r" \(serial SIM[TU]0000007\)"


@pytest.fixture(params=[False, True], ids=["tcp", "udp"])
def terminal(request: pytest.FixtureRequest):
    # 10,000 records x 40 bytes: 7 READ_BUFFER chunks over TCP, 25 over UDP.
    with ZKTerminal(users=20, records=10_000, seed=7, udp=request.param, comm_key=31337) as t:
        yield t


def driver(t: ZKTerminal, comm_key: int = 31337):
    cls = ZKUdpDriver if t.udp else ZKTcpDriver
    return cls("127.0.0.1", t.port, comm_key=comm_key, timeout=TIMEOUT)


def retry_succeeds(t: ZKTerminal) -> None:
    t.faults.clear()
    with driver(t) as d:
        assert [(p.pin, p.ts_local) for p in d.read_punches()] == [(r.user_id, r.timestamp) for r in t.records]


def fails_mid_session(t: ZKTerminal, inject: Callable[[], None], error: type[DriverError], pattern: str) -> None:
    d = driver(t)
    d.open()
    inject()
    with pytest.raises(error, match=pattern) as caught:
        d.read_punches()
    assert type(caught.value) is error
    with pytest.raises(DriverError, match="is not open: call open"):
        d.read_punches()  # the broken link was closed; the caller reconnects
    retry_succeeds(t)


def test_refused(terminal: ZKTerminal) -> None:
    terminal.faults.refuse = True
    if terminal.udp:  # the connected UDP socket hears the ICMP port unreachable: no timeout to wait for
        pattern = rf"{ADDR} answered port unreachable during connect: nothing listens on UDP port {terminal.port} there"
    else:
        pattern = rf"{ADDR} refused the TCP connection during connect: check the port \(4370 by default\)"
    with pytest.raises(DeviceUnreachable, match=pattern):
        driver(terminal).open()
    retry_succeeds(terminal)


def test_wrong_comm_key(terminal: ZKTerminal) -> None:
    with pytest.raises(
        AuthFailed,
        match=rf"wrong comm key for {ADDR}: set `comm_key` in the config to the terminal's Comm Key \(Menu → "
        r"Comm\. → Comm Key\)",
    ):
        driver(terminal, comm_key=31338).open()
    retry_succeeds(terminal)


def test_stall(terminal: ZKTerminal) -> None:
    def stall() -> None:
        terminal.faults.stall_s = 5.0

    fails_mid_session(
        terminal, stall, DeviceUnreachable, rf"no answer from {ADDR}{SERIAL} within 1 s during read attendance log"
    )


def test_connection_dropped_mid_transfer(terminal: ZKTerminal) -> None:
    def drop() -> None:
        terminal.faults.drop_after_chunks = 2

    if terminal.udp:  # UDP: the rest of the chunk never comes
        pattern = rf"no answer from {ADDR}{SERIAL} within 1 s during read attendance log"
    else:  # TCP: pyzk would spin forever on recv() == b""; the guarded socket raises
        pattern = (
            rf"lost the connection to {ADDR}{SERIAL} during read attendance log: the terminal closed the connection"
        )
    fails_mid_session(terminal, drop, DeviceUnreachable, pattern)


def test_corrupt_checksum(terminal: ZKTerminal) -> None:
    def corrupt() -> None:
        terminal.faults.corrupt_checksum = True

    fails_mid_session(
        terminal,
        corrupt,
        ProtocolError,
        rf"{ADDR}{SERIAL} answered command 50 with a bad checksum \(0x[0-9a-f]{{4}}\); .* Packet: d0 07 ",
    )


def test_wrong_session_id(terminal: ZKTerminal) -> None:
    def wrong() -> None:
        terminal.faults.wrong_session = True

    fails_mid_session(
        terminal,
        wrong,
        ProtocolError,
        rf"{ADDR}{SERIAL} answered command 50 for session \d+, ours is \d+: another client may be talking to it; "
        r"retry\. Packet: d0 07 ",
    )


def test_reboot_forgets_the_session(terminal: ZKTerminal) -> None:
    if terminal.udp:
        pattern = (
            rf"{ADDR}{SERIAL} no longer knows our session \(it restarted, or dropped us\); reconnect "
            r"\(during read attendance log\)"
        )
    else:
        pattern = (
            rf"lost the connection to {ADDR}{SERIAL} during read attendance log: the terminal closed the connection"
        )
    fails_mid_session(terminal, terminal.reboot, DeviceUnreachable, pattern)


def test_faults_clear_resets_every_knob(terminal: ZKTerminal) -> None:
    f = terminal.faults
    f.refuse, f.stall_s, f.drop_after_chunks, f.corrupt_checksum, f.wrong_session = True, 3.0, 1, True, True
    f.clear()
    assert (f.refuse, f.stall_s, f.drop_after_chunks, f.corrupt_checksum, f.wrong_session) == (
        False,
        0.0,
        None,
        False,
        False,
    )
