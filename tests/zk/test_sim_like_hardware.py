"""The simulator writes like a terminal's network stack: a packet per write, paced, large ones in segments;
its ports are never shared. pyzk reads through all of it (tests/zk/test_pyzk_client.py covers the data)."""

from __future__ import annotations

import socket
import struct

import pytest
from typer.testing import CliRunner
from zk_testkit import expected_attendance, pyzk

from simulators.cli import app
from simulators.errors import PortInUse
from simulators.zk import ZKTerminal
from simulators.zk_soap import ZKSoapTerminal
from simulators.zk_transport import SEGMENT_BYTES

pytestmark = pytest.mark.timeout(60)
GAP_S = 0.004


def tcp_packets(writes: list[tuple[float, bytes]]) -> list[list[tuple[float, bytes]]]:
    """The writes grouped by the TCP packet they belong to; fails if any write holds bytes of two packets."""
    packets: list[list[tuple[float, bytes]]] = []
    remaining = 0
    for when, data in writes:
        if remaining == 0:
            magic, size = struct.unpack_from("<II", data)
            assert magic == 0x7D825050, data[:8].hex()
            remaining = 8 + size
            packets.append([])
        assert len(data) <= remaining, f"a write of {len(data)} bytes runs {len(data) - remaining} into the next packet"
        remaining -= len(data)
        packets[-1].append((when, data))
    assert remaining == 0
    return packets


def test_over_tcp_every_packet_is_its_own_paced_write_and_a_big_one_comes_in_segments() -> None:
    with ZKTerminal(users=20, records=4_000, record_layout=40, packet_gap_s=GAP_S, record_writes=True) as t:
        client = pyzk(t)
        client.connect()
        assert [(a.user_id, a.timestamp, a.status, a.punch) for a in client.get_attendance()] == expected_attendance(t)
        client.disconnect()
        assert t.writes is not None
        packets = tcp_packets(t.writes)
    sizes = [sum(len(d) for _, d in p) for p in packets]
    big = [p for p, size in zip(packets, sizes, strict=True) if size > SEGMENT_BYTES]
    assert big, "the 160,000-byte log should come in READ_BUFFER chunks larger than a segment"
    for packet in big:
        assert [len(d) for _, d in packet[:-1]] == [SEGMENT_BYTES] * (len(packet) - 1)
    starts = [p[0][0] for p in packets]
    ends = [p[-1][0] for p in packets]
    assert all(start - end >= GAP_S for end, start in zip(ends, starts[1:], strict=False))


def test_over_udp_datagrams_are_paced() -> None:
    with ZKTerminal(users=20, records=2_000, udp=True, record_layout=16, packet_gap_s=GAP_S, record_writes=True) as t:
        client = pyzk(t)
        client.connect()
        assert len(client.get_attendance()) == 2_000
        client.disconnect()
        assert t.writes is not None
        times = [when for when, _ in t.writes]
    assert len(times) > 30  # 32,000 bytes of log in 1,024-byte CMD_DATA datagrams, plus the replies
    assert all(b - a >= GAP_S for a, b in zip(times, times[1:], strict=False))


def in_use(port: int, proto: str) -> str:
    return (
        f"port {port}/{proto} on 127.0.0.1 is already in use (another simulator or program listens there): "
        "stop it, or choose another port (0 picks a free one)"
    )


@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_a_second_simulator_on_a_port_in_use_says_so(udp: bool) -> None:
    with ZKTerminal(users=1, records=0, udp=udp) as first:
        second = ZKTerminal(users=1, records=0, udp=udp, port=first.port)
        with pytest.raises(PortInUse) as refused:
            second.start()
        assert str(refused.value) == in_use(first.port, "udp" if udp else "tcp")
        second.stop()  # harmless: it never listened
        client = pyzk(first)  # the first one still has its port to itself
        client.connect()
        assert client.get_serialnumber() == first.serial
        client.disconnect()


def test_the_udp_port_is_not_shareable_even_by_a_socket_asking_to_share_it() -> None:
    with ZKTerminal(users=1, records=0, udp=True) as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with pytest.raises(OSError):
            other.bind(("127.0.0.1", t.port))


def test_soap_simulator_on_a_port_in_use_says_so() -> None:
    with ZKSoapTerminal(users=1, records=0) as first:
        with pytest.raises(PortInUse) as refused:
            ZKSoapTerminal(users=1, records=0, port=first.port).start()
        assert str(refused.value) == in_use(first.port, "tcp")


@pytest.mark.parametrize(("command", "udp"), [(["zk"], False), (["zk", "--udp"], True), (["zk-soap"], False)])
def test_sim_commands_on_a_port_in_use_exit_2_with_the_message(command: list[str], udp: bool) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        if not udp:
            holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(app, [*command, "--port", str(port), "--records", "0"])
    assert (result.exit_code, result.output) == (2, in_use(port, "udp" if udp else "tcp") + "\n")
    assert "Traceback" not in result.output
