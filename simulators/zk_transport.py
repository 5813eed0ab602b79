"""Sockets of a simulated ZKTeco terminal: the listening socket and the links to its clients.

Kept apart from the protocol (`simulators/zk.py`) so that the terminal's logic reads as commands
and answers; this module only moves framed packets and ends links on request.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading

from simulators.zk_codec import tcp_frame


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

    @property
    def is_open(self) -> bool:
        return self._wake_w >= 0

    def open(self, *, refused: bool = False) -> None:
        self._wake_r, self._wake_w = os.pipe()
        self._bind()
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
            self._unbind()
        elif self.sock is None:
            self._bind()
        self.wake()

    def wake(self) -> None:
        """Make a blocked `wait()` return None (after close, refuse, or stop)."""
        os.write(self._wake_w, b"x")

    def wait(self) -> socket.socket | None:
        """Block until the socket is readable; None when woken instead."""
        sock = self.sock
        watch = [self._wake_r] + ([sock] if sock is not None else [])
        try:
            ready, _, _ = select.select(watch, [], [])
        except (OSError, ValueError):  # closed under us by refuse/close
            return None
        if self._wake_r in ready:
            os.read(self._wake_r, 64)
            return None
        return sock

    def _bind(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if self.udp else socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        if not self.udp:
            sock.listen(16)
        self.port = sock.getsockname()[1]
        self.sock = sock

    def _unbind(self) -> None:
        if self.sock is not None:
            shutdown(self.sock)
            self.sock = None


class TcpLink:
    """One client TCP connection: every packet goes out with the 8-byte prefix."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def send(self, packets: list[bytes]) -> None:
        with self._lock:
            self.conn.sendall(b"".join(tcp_frame(p) for p in packets))

    def send_cut(self, packets: list[bytes]) -> None:
        """PREPARE_DATA and the first half of the CMD_DATA packet, then the link goes down."""
        framed = tcp_frame(packets[0]) + tcp_frame(packets[1])
        with self._lock:
            self.conn.sendall(framed[: len(framed) - len(packets[1]) // 2])
        self.drop()

    def drop(self) -> None:
        shutdown(self.conn)


class UdpLink:
    """A UDP client address: bare packets, one datagram each."""

    def __init__(self, sock: socket.socket, addr: tuple[str, int]) -> None:
        self.sock = sock
        self.addr = addr

    def send(self, packets: list[bytes]) -> None:
        for packet in packets:
            self.sock.sendto(packet, self.addr)

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
