"""Simulated Anviz TC_B terminals: one or several on a bus, served on TCP (port 5010's role) or a pseudo-terminal.

An `AnvizTerminal` is one device's state: its device id, serial, clock, and records with the "new" mark
(records `new_from` onwards are new, as the terminal counts them in 0x3C). An `AnvizBus` carries requests
to the terminals: only the one whose device id the frame addresses answers (CH 0 reaches the first), the
others stay silent, as on RS-485. The bus is served either over TCP (`transport="tcp"`: one terminal's
Ethernet port, or a serial device server in TCP server mode) or on a pty (`transport="pty"`: `serial_path`
is the slave, opened by the driver through pyserial like /dev/ttyUSB0).

Commands: 0x24 serial, 0x30 basic settings (firmware), 0x38/0x39 clock, 0x3C record info, 0x40 download
(flag 1 all / 2 new starts a transfer, 0 continues it; at most 25 records a packet and never more than
asked), 0x4E clear (0 delete all, 1 clear every new mark, 2 clear the first N new marks). Faults per
terminal (`AnvizFaults`): a corrupted CRC, silence (the master times out), answering as another device id.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Self

from simulators import anviz_codec as wire
from simulators.errors import PortInUse
from simulators.lifecycle import Served
from simulators.sample_punches import make_punches, make_users

MAX_PER_PACKET = 25
RET_OK, RET_FAIL = 0x00, 0x01


@dataclass
class AnvizRecord:
    user_code: int
    time: datetime
    backup_code: int = 1  # fingerprint
    record_type: int = 0  # 0 in, 1 out
    work_type: int = 0


@dataclass
class AnvizFaults:
    """What a test breaks: every reply's CRC, any reply at all, the device id replies carry, or the commands
    answered RET 0x01 (operation failed)."""

    bad_crc: bool = False
    silent: bool = False
    answer_as: int | None = None
    refuse: set[int] = field(default_factory=set)


@dataclass
class AnvizTerminal:
    device_id: int
    serial: str = ""
    firmware: str = "03.26.93"
    records: list[AnvizRecord] = field(default_factory=list)
    new_from: int = 0
    users: int = 0
    clock: Callable[[], datetime] = datetime.now
    faults: AnvizFaults = field(default_factory=AnvizFaults)
    clear_requests: list[tuple[int, int]] = field(default_factory=list)  # (mode, amount) of every 0x4E
    _offset: timedelta = timedelta()
    _cursor: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.serial = self.serial or f"ANVIZ{self.device_id:08d}"

    @classmethod
    def sample(cls, device_id: int, records: int, seed: int = 1, users: int = 20, **kwargs: object) -> AnvizTerminal:
        """A terminal holding `records` seeded punches of badges 1001… (all of them new)."""
        people = make_users(users, seed)
        punches = make_punches(people, records, seed)
        held = [AnvizRecord(int(p.pin), p.ts, 1, p.state) for p in punches]
        return cls(device_id, records=held, users=users, **kwargs)  # type: ignore[arg-type]

    def device_time(self) -> datetime:
        return (self.clock() + self._offset).replace(microsecond=0)

    def punch(self, user_code: int, when: datetime, record_type: int = 0) -> None:
        """Someone taps now: a new record at the end of the log."""
        with self._lock:
            self.records.append(AnvizRecord(user_code, when, 1, record_type))

    @property
    def new_count(self) -> int:
        return len(self.records) - self.new_from

    def answer(self, command: int, data: bytes) -> tuple[int, bytes]:
        """(RET, DATA) for one request."""
        with self._lock:
            if command in self.faults.refuse:
                return RET_FAIL, b""
            if command == 0x24:
                return RET_OK, self.serial.encode("ascii")
            if command == 0x30:
                return RET_OK, self.firmware.encode("ascii").ljust(8, b"\0")[:8] + bytes(10)
            if command == 0x38:
                return RET_OK, wire.clock(self.device_time())
            if command == 0x39 and len(data) == 6:
                self._offset = wire.parse_clock(data) - self.clock().replace(microsecond=0)
                return RET_OK, b""
            if command == 0x3C:
                return RET_OK, wire.counts(self.users, self.users, 0, 0, len(self.records), self.new_count)
            if command == 0x40 and len(data) == 2:
                return RET_OK, self._download(data[0], data[1])
            if command == 0x4E and len(data) == 4:
                return self._clear(data[0], int.from_bytes(data[1:4], "big"))
            return RET_FAIL, b""

    def _download(self, flag: int, wanted: int) -> bytes:
        if flag in (1, 2):
            self._cursor = 0 if flag == 1 else self.new_from
        batch = self.records[self._cursor : self._cursor + min(wanted, MAX_PER_PACKET)]
        self._cursor += len(batch)
        return bytes([len(batch)]) + b"".join(
            wire.record(r.user_code, r.time, r.backup_code, r.record_type, r.work_type) for r in batch
        )

    def _clear(self, mode: int, amount: int) -> tuple[int, bytes]:
        self.clear_requests.append((mode, amount))
        if mode == 0:
            self.records, self.new_from = [], 0
        elif mode == 1:
            self.new_from = len(self.records)
        elif mode == 2:
            self.new_from = min(len(self.records), self.new_from + amount)
        else:
            return RET_FAIL, b""
        return RET_OK, b""


class AnvizBus(Served):
    """Terminals sharing one line; see the module docstring."""

    def __init__(
        self,
        terminals: Sequence[AnvizTerminal],
        *,
        transport: Literal["tcp", "pty"] = "tcp",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not terminals:
            raise ValueError("a bus needs at least one terminal")
        self.terminals = list(terminals)
        self.transport = transport
        self.host = host
        self._port = port
        self._listener: socket.socket | None = None
        self._pty: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self.requests: list[wire.Request] = []  # every request seen on the line, in order

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1] if self._listener is not None else self._port

    @property
    def serial_path(self) -> str:
        """The pty slave a driver opens as its serial port (transport "pty" only)."""
        if self._pty is None:
            raise RuntimeError("the bus is not served on a pty: start it with transport='pty'")
        return os.ttyname(self._pty[1])

    def start(self) -> Self:
        self._stop.clear()
        if self.transport == "pty":
            master, slave = os.openpty()
            tty.setraw(slave)  # no echo, no line discipline: what pyserial sets too
            self._pty = (master, slave)
            self._spawn(self._serve_pty)
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.host, self._port))
            except OSError as exc:
                sock.close()
                raise PortInUse(f"cannot listen on {self.host}:{self._port} ({exc}): choose another port or 0") from exc
            sock.listen()
            sock.settimeout(0.2)
            self._listener = sock
            self._spawn(self._accept)
        return self

    def stop(self) -> None:
        if self._listener is None and self._pty is None:
            return
        self._stop.set()
        for client in list(self._clients):
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._pty is not None:
            for fd in self._pty:
                os.close(fd)
            self._pty = None

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="anviz-sim", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._clients.add(conn)
            self._spawn(self._serve_socket, conn)

    def _serve_socket(self, conn: socket.socket) -> None:
        buffer = bytearray()
        try:
            while not self._stop.is_set():
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
                for frame in self._answers(buffer):
                    conn.sendall(frame)
        except OSError:
            return
        finally:
            self._clients.discard(conn)
            conn.close()

    def _serve_pty(self) -> None:
        assert self._pty is not None
        master = self._pty[0]
        buffer = bytearray()
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                buffer += os.read(master, 4096)
            except OSError:
                return
            for frame in self._answers(buffer):
                os.write(master, frame)

    def _answers(self, buffer: bytearray) -> list[bytes]:
        """The replies to every whole request in `buffer`: at most one terminal answers each."""
        out = []
        while (request := wire.take_request(buffer)) is not None:
            self.requests.append(request)
            terminal = self._addressed(request.device_id)
            if terminal is None or terminal.faults.silent:
                continue
            ret, data = terminal.answer(request.command, request.data)
            replied_as = terminal.faults.answer_as if terminal.faults.answer_as is not None else terminal.device_id
            out.append(wire.reply(replied_as, request.command, ret, data, corrupt_crc=terminal.faults.bad_crc))
        return out

    def _addressed(self, device_id: int) -> AnvizTerminal | None:
        if device_id == 0:
            return self.terminals[0]
        return next((t for t in self.terminals if t.device_id == device_id), None)
