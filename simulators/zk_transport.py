"""Sockets of a simulated ZKTeco terminal: the listening socket and the links to its clients.

Kept apart from the protocol (`simulators/zk.py`) so that the terminal's logic reads as commands
and answers; this module only moves framed packets and ends links on request.

It writes like the hardware's TCP stack, not like a server that batches (`Pacing`): every protocol
packet is its own write, a packet larger than one segment (a 64 KiB CMD_DATA chunk) goes out in
`segment_bytes` writes, and consecutive packets are `packet_gap_s` apart, over UDP too. Clients that
take one packet per socket read (common among the Node and PHP ZK clients) and clients without flow
control (which overflow their UDP receive buffer when datagrams come back to back) then meet here what
they meet on a real terminal. The UDP port is never shared (no `SO_REUSEADDR`: two UDP sockets with
it would split the datagrams between them); a port in use is a `PortInUse` with the fix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from simulators.errors import PortInUse
from simulators.zk_codec import tcp_frame

#: Seconds between two packets a terminal sends (a K40-class terminal answers a chunk's packets a few ms apart).
PACKET_GAP_S = 0.002
#: Bytes per write of a large packet: one Ethernet TCP segment (MSS 1460).
SEGMENT_BYTES = 1460


@dataclass
class Pacing:
    """How a terminal writes; `writes` (when recording) gets every write as (monotonic time, bytes)."""

    packet_gap_s: float = PACKET_GAP_S
    segment_bytes: int = SEGMENT_BYTES
    writes: list[tuple[float, bytes]] | None = None


class Pacer:
    """The writes of one sender (a TCP link, the UDP socket): one packet after another, `packet_gap_s` apart."""

    def __init__(self, pacing: Pacing) -> None:
        self.pacing = pacing
        self._last_packet = 0.0
        self._lock = threading.Lock()

    def write_packet(self, write: Callable[[bytes], object], data: bytes, *, segmented: bool) -> None:
        """One packet: after the gap since the previous one, in segments when `segmented` (TCP)."""
        pacing = self.pacing
        with self._lock:
            wait = self._last_packet + pacing.packet_gap_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            step = max(pacing.segment_bytes, 1) if segmented else max(len(data), 1)
            for start in range(0, len(data), step):
                piece = data[start : start + step]
                write(piece)
                if pacing.writes is not None:
                    pacing.writes.append((time.monotonic(), piece))
            self._last_packet = time.monotonic()


class Listener:
    """The terminal's TCP or UDP socket, plus a wake-up pipe so loops block without polling.

    `refuse(True)` closes the socket (TCP connections are then refused, UDP datagrams go unheard);
    `refuse(False)` binds the same port again.
    """

    def __init__(self, host: str, port: int, *, udp: bool) -> None:
        self.host = host
        self.port = port
        self.udp = udp
        self.sock: socket.socket | None = None
        self._wake_r, self._wake_w = -1, -1
        self._idle = threading.Event()  # clear while a loop is inside `wait()`'s select
        self._idle.set()

    @property
    def is_open(self) -> bool:
        return self._wake_w >= 0

    def open(self, *, refused: bool = False) -> None:
        self._bind()  # first, so a port in use leaves nothing open
        self._wake_r, self._wake_w = os.pipe()
        if refused:
            self.refuse(True)

    def close(self) -> None:
        """Close the socket and the pipe; call after the loops have stopped waiting."""
        if not self.is_open:
            return
        self._unbind()
        os.close(self._wake_r)
        os.close(self._wake_w)
        self._wake_r, self._wake_w = -1, -1

    def refuse(self, refuse: bool) -> None:
        if not self.is_open:
            return
        if refuse:
            # Stop the loop selecting on the socket before closing it: a socket closed under a select stays
            # bound until that select returns, and a client's datagram in between would go unanswered
            # instead of drawing the ICMP port unreachable a terminal that stopped listening gives.
            sock, self.sock = self.sock, None
            self.wake()
            self._idle.wait(2.0)
            if sock is not None:
                shutdown(sock)
        elif self.sock is None:
            self._bind()
        self.wake()

    def wake(self) -> None:
        """Make a blocked `wait()` return None (after close, refuse, or stop)."""
        os.write(self._wake_w, b"x")

    def wait(self) -> socket.socket | None:
        """Block until the socket is readable; None when woken instead."""
        self._idle.clear()
        sock = self.sock
        watch = [self._wake_r] + ([sock] if sock is not None else [])
        try:
            ready, _, _ = select.select(watch, [], [])
        except (OSError, ValueError):  # closed under us by close
            return None
        finally:
            self._idle.set()
        if self._wake_r in ready:
            os.read(self._wake_r, 64)
            return None
        return sock

    def _bind(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if self.udp else socket.SOCK_STREAM)
        if not self.udp:  # TCP only: lets a restarted simulator rebind past TIME_WAIT, never share a listener
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as error:
            sock.close()
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(
                f"port {self.port}/{'udp' if self.udp else 'tcp'} on {self.host} is already in use (another "
                "simulator or program listens there): stop it, or choose another port (0 picks a free one)"
            ) from None
        if not self.udp:
            sock.listen(16)
        self.port = sock.getsockname()[1]
        self.sock = sock

    def _unbind(self) -> None:
        if self.sock is not None:
            shutdown(self.sock)
            self.sock = None


class TcpLink:
    """One client TCP connection: every packet goes out with the 8-byte prefix, in writes of its own."""

    def __init__(self, conn: socket.socket, pacing: Pacing) -> None:
        self.conn = conn
        self.pacer = Pacer(pacing)

    def send(self, packets: list[bytes]) -> None:
        for packet in packets:
            self.pacer.write_packet(self.conn.sendall, tcp_frame(packet), segmented=True)

    def send_cut(self, packets: list[bytes]) -> None:
        """PREPARE_DATA and the first half of the CMD_DATA packet, then the link goes down."""
        self.pacer.write_packet(self.conn.sendall, tcp_frame(packets[0]), segmented=True)
        framed = tcp_frame(packets[1])
        self.pacer.write_packet(self.conn.sendall, framed[: len(framed) - len(packets[1]) // 2], segmented=True)
        self.drop()

    def drop(self) -> None:
        shutdown(self.conn)


class UdpLink:
    """A UDP client address: bare packets, one datagram each."""

    def __init__(self, sock: socket.socket, addr: tuple[str, int], pacer: Pacer) -> None:
        self.sock = sock
        self.addr = addr
        self.pacer = pacer  # the terminal's one UDP socket: one pacer for every client

    def send(self, packets: list[bytes]) -> None:
        for packet in packets:
            self.pacer.write_packet(lambda data: self.sock.sendto(data, self.addr), packet, segmented=False)

    def send_cut(self, packets: list[bytes]) -> None:
        """PREPARE_DATA and the first half of the CMD_DATA packets; the rest never comes."""
        data_packets = packets[1:-1]
        self.send(packets[:1] + data_packets[: len(data_packets) // 2])

    def drop(self) -> None:
        """UDP has no link to drop: forgetting the session is all a reboot does."""


Link = TcpLink | UdpLink


def recv_exact(conn: socket.socket, size: int) -> bytes | None:
    """Exactly `size` bytes, or None when the peer closed the connection."""
    chunks = []
    while size:
        chunk = conn.recv(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def shutdown(sock: socket.socket) -> None:
    """End a socket now, waking any thread blocked on it."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
