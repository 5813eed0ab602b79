"""The simulator on the wire, packet by packet, with a raw client (the exchanges of ex_data.md)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from simulators.zk import ZKTerminal
from simulators.zk_codec import Cmd, build_packet, checksum_ok, parse_packet, parse_tcp_prefix, tcp_frame
from simulators.zk_data import encode_records

pytestmark = pytest.mark.timeout(30)


class RawClient:
    """Sends packets and reads whole replies; knows nothing but the framing."""

    def __init__(self, t: ZKTerminal) -> None:
        self.udp = t.udp
        self.addr = ("127.0.0.1", t.port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if t.udp else socket.SOCK_STREAM)
        self.sock.settimeout(2)
        if not t.udp:
            self.sock.connect(self.addr)
        self.session_id = 0
        self.reply_id = 0

    def send(self, command: int, data: bytes = b"", *, corrupt: bool = False) -> None:
        packet = build_packet(command, self.session_id, self.reply_id, data)
        if corrupt:
            packet = packet[:2] + bytes((packet[2] ^ 1,)) + packet[3:]
        if self.udp:
            self.sock.sendto(packet, self.addr)
        else:
            self.sock.sendall(tcp_frame(packet))

    def receive(self):
        if self.udp:
            raw = self.sock.recv(65535)
        else:
            size = parse_tcp_prefix(self._exact(8))
            raw = self._exact(size)
        assert checksum_ok(raw), raw.hex()
        return parse_packet(raw)

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            assert chunk, "connection closed"
            data += chunk
        return data

    def call(self, command: int, data: bytes = b""):
        self.send(command, data)
        reply = self.receive()
        self.reply_id += 1
        return reply

    def connect(self):
        reply = self.call(Cmd.CONNECT)
        self.session_id = reply.session_id
        return reply


@pytest.fixture(params=[False, True], ids=["tcp", "udp"])
def terminal(request: pytest.FixtureRequest) -> Iterator[ZKTerminal]:
    with ZKTerminal(users=10, records=1_000, udp=request.param) as t:
        yield t


def test_buffered_read_exchange(terminal: ZKTerminal) -> None:
    client = RawClient(terminal)
    assert client.connect().command == Cmd.ACK_OK
    table = encode_records(terminal.records, terminal.users, 40)  # 40,004 bytes: too big for one packet
    stat = client.call(Cmd.PREPARE_BUFFER, struct.pack("<bhii", 1, Cmd.ATTLOG_RRQ, 0, 0))
    # ex_data.md "data stat": 00, size, size, unknown
    assert (stat.command, stat.data) == (Cmd.ACK_OK, b"\x00" + struct.pack("<III", 40_004, 40_004, 0))
    client.send(Cmd.READ_BUFFER, struct.pack("<ii", 1_000, 20_000))
    prepare = client.receive()
    # ex_data.md "prep struct": size, then the fixed 00 10 00 00
    assert (prepare.command, prepare.data) == (Cmd.PREPARE_DATA, struct.pack("<I", 20_000) + b"\x00\x10\x00\x00")
    pieces = []
    while (packet := client.receive()).command == Cmd.DATA:
        pieces.append(packet)
    assert packet.command == Cmd.ACK_OK
    # one CMD_DATA over TCP; 1024-byte packets over UDP; all with the request's reply number
    assert [len(p.data) for p in pieces] == ([1024] * 19 + [544] if terminal.udp else [20_000])
    assert {p.reply_id for p in [prepare, *pieces, packet]} == {client.reply_id}
    assert b"".join(p.data for p in pieces) == table[1_000:21_000]
    client.reply_id += 1
    assert client.call(Cmd.FREE_DATA).command == Cmd.ACK_OK
    assert client.call(Cmd.READ_BUFFER, struct.pack("<ii", 0, 100)).command == Cmd.ACK_ERROR  # freed


def test_small_table_comes_back_directly(terminal: ZKTerminal) -> None:
    terminal.records[10:] = []
    client = RawClient(terminal)
    client.connect()
    reply = client.call(Cmd.PREPARE_BUFFER, struct.pack("<bhii", 1, Cmd.ATTLOG_RRQ, 0, 0))
    assert (reply.command, reply.data) == (Cmd.DATA, encode_records(terminal.records, terminal.users, 40))


def test_comm_key_gates_every_command(terminal: ZKTerminal) -> None:
    terminal.comm_key = 5
    client = RawClient(terminal)
    assert client.connect().command == Cmd.ACK_UNAUTH
    assert client.call(Cmd.GET_TIME).command == Cmd.ACK_UNAUTH
    assert client.call(Cmd.AUTH, b"\x00\x00\x00\x00").command == Cmd.ACK_UNAUTH


def test_refusals(terminal: ZKTerminal) -> None:
    client = RawClient(terminal)
    assert client.call(Cmd.GET_TIME).command == Cmd.ACK_UNAUTH  # no CONNECT yet
    client.connect()
    assert client.call(Cmd.OPTIONS_RRQ, b"~NoSuchOption\x00").command == Cmd.ACK_ERROR
    assert client.call(Cmd.OPTIONS_RRQ, b"~SerialNumber\x00").data == f"~SerialNumber={terminal.serial}\x00".encode()
    assert client.call(Cmd.PREPARE_BUFFER, struct.pack("<bhii", 1, 77, 0, 0)).command == Cmd.ACK_ERROR
    assert client.call(Cmd.SET_TIME, b"\x01").command == Cmd.ACK_ERROR  # too short
    assert client.call(4321).command == Cmd.ACK_UNKNOWN


def test_bad_checksum_is_dropped_unanswered(terminal: ZKTerminal) -> None:
    client = RawClient(terminal)
    client.connect()
    client.sock.settimeout(0.3)
    client.send(Cmd.GET_TIME, corrupt=True)
    with pytest.raises(TimeoutError):
        client.receive()
    client.sock.settimeout(2)
    assert client.call(Cmd.GET_TIME).command == Cmd.ACK_OK


def test_realtime_packet_header(terminal: ZKTerminal) -> None:
    client = RawClient(terminal)
    client.connect()
    assert client.call(Cmd.REG_EVENT, struct.pack("<I", 1)).command == Cmd.ACK_OK
    terminal.push_event("1003", ack_timeout=0.01)
    event = client.receive()
    # realtime.md: CMD_REG_EVENT, the session id field holds the event code (EF_ATTLOG), reply number 0
    assert (event.command, event.session_id, event.reply_id, len(event.data)) == (Cmd.REG_EVENT, 1, 0, 32)
    assert event.data[:5] == b"1003\x00"
