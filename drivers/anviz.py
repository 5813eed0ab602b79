"""The `anviz` driver: Anviz TC_B terminals over TCP (port 5010) or serial (RS-485/RS-232 through pyserial).

One request, one reply (`drivers.anviz_codec` draws the frames). Every reply is checked before it is
believed: its CRC, that it comes from the device id we addressed (on a shared RS-485 bus another terminal's
reply is refused, never read as ours), that it answers our command, and its RET code.

Transport: `host`/`port` opens a TCP socket; `serial_port` opens pyserial's `serial_for_url`, so it is a
local port (`/dev/ttyUSB0`, with `baudrate` and `parity`) or a serial device server's URL
(`socket://10.0.0.9:4001`, `rfc2217://10.0.0.9:4001`). Terminals on one bus must be talked to one at a
time: the gateway passes every driver of one port the same `bus` lock, held from `open` to `close`; the
driver itself keeps no global state.

Records: with `new_only` (the poller sets it when the device is cleared after download) the driver downloads
the records the terminal marks new, and `clear_punches(n)` clears exactly the first n new marks (0x4E mode
2, as CrossChex does), so a punch made after the download stays new for the next poll. Records are never
deleted. Without `new_only` every poll downloads the whole log (duplicates are stored once).
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime
from typing import Literal, Protocol

import serial

from drivers import anviz_codec as codec
from drivers.base import (
    DeviceBusy,
    DeviceInfo,
    DeviceUnreachable,
    DriverBase,
    DriverError,
    ProtocolError,
    RawPunch,
    RawUser,
    unresolvable_host,
)

#: Seconds a driver waits for its bus while another terminal on the same port is being polled: a whole
#: 100,000-record log at 9600 baud takes about 25 minutes to read.
BUS_WAIT_S = 1800.0
Parity = Literal["N", "E", "O"]
_PARITY = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}


class _Link(Protocol):
    def write(self, data: bytes) -> None: ...

    def read(self, size: int, timeout: float) -> bytes:
        """Up to `size` bytes within `timeout` seconds (fewer: the time ran out)."""
        ...

    def discard_input(self) -> None: ...

    def close(self) -> None: ...


class _TcpLink:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        self._sock.sendall(data)

    def read(self, size: int, timeout: float) -> bytes:
        self._sock.settimeout(max(timeout, 0.001))
        try:
            data = self._sock.recv(size)
        except TimeoutError:
            return b""
        if not data:
            raise ConnectionResetError("the terminal closed the connection")
        return data

    def discard_input(self) -> None:
        """Nothing to do: on TCP a reply never arrives late into the next exchange (we close after a timeout)."""

    def close(self) -> None:
        self._sock.close()


class _SerialLink:
    def __init__(self, url: str, baudrate: int, parity: Parity, timeout: float) -> None:
        self._port = serial.serial_for_url(url, baudrate=baudrate, parity=_PARITY[parity], timeout=timeout)

    def write(self, data: bytes) -> None:
        self._port.write(data)
        self._port.flush()

    def read(self, size: int, timeout: float) -> bytes:
        """Blocks up to the port's own timeout, set once at open: setting it per read would reconfigure the
        line (tcsetattr) on every read."""
        data: bytes = self._port.read(size)
        return data

    def discard_input(self) -> None:
        """Drop bytes left on the line (a late reply, noise) so that they are not read as the next reply."""
        self._port.reset_input_buffer()

    def close(self) -> None:
        self._port.close()


class AnvizDriver(DriverBase):
    """One Anviz TC_B terminal; see the module docstring."""

    def __init__(
        self,
        host: str,
        port: int = 5010,
        *,
        comm_key: int = 0,
        timeout: float = 10.0,
        serial_port: str = "",
        baudrate: int = 9600,
        parity: Parity = "N",
        device_id: int = 0,
        new_only: bool = False,
        bus: threading.Lock | None = None,
    ) -> None:
        if bool(host) == bool(serial_port):
            raise DriverError("an Anviz terminal is reached by host (TCP) or by serial_port, exactly one of them")
        self.host, self.port, self.timeout = host, port, timeout
        self.serial_port, self.baudrate, self.parity = serial_port, baudrate, parity
        self.device_id, self.new_only = device_id, new_only
        self.serial_number = ""
        self._bus = bus
        self._link: _Link | None = None
        self._holds_bus = False

    # --- Driver protocol ------------------------------------------------------------------------

    def open(self) -> None:
        self.close()
        if self._bus is not None:
            if not self._bus.acquire(timeout=BUS_WAIT_S):
                raise DeviceBusy(
                    f"the bus {self.serial_port} stayed busy with another terminal for {BUS_WAIT_S:g} s: "
                    "a poll on it has hung or the bus holds too many terminals for the poll interval"
                )
            self._holds_bus = True
        try:
            self._link = self._connect()
            self.serial_number = (
                self._exchange(codec.CMD_SERIAL, b"", "read the serial number").decode("ascii", "replace").rstrip("\0 ")
                or f"anviz-{self.device_id}"
            )
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()
        if self._holds_bus and self._bus is not None:
            self._holds_bus = False
            self._bus.release()

    def info(self) -> DeviceInfo:
        firmware = self._exchange(codec.CMD_BASIC_SETTINGS, b"", "read the firmware version")[:8]
        counts = self._record_info()
        return DeviceInfo(
            serial_number=self.serial_number,
            model="Anviz TC_B",
            firmware=firmware.decode("ascii", "replace").rstrip("\0 "),
            user_count=counts.users,
            record_count=counts.new_records if self.new_only else counts.all_records,
            fingerprint_count=counts.fingerprints,
        )

    def read_users(self) -> list[RawUser]:
        raise DriverError(f"{self._where()}: reading users is not supported for Anviz terminals")

    def read_punches(self) -> list[RawPunch]:
        """Every record (or every new one, with `new_only`), in packets of at most 25, until the count is read."""
        counts = self._record_info()
        remaining = counts.new_records if self.new_only else counts.all_records
        flag = codec.DOWNLOAD_NEW if self.new_only else codec.DOWNLOAD_ALL
        punches: list[RawPunch] = []
        while remaining > 0:
            wanted = min(remaining, codec.MAX_RECORDS_PER_PACKET)
            data = self._exchange(codec.CMD_DOWNLOAD, bytes([flag, wanted]), "download records")
            try:
                records = codec.decode_records(data)
            except ValueError as exc:
                raise ProtocolError(
                    f"{self._where()} sent a record packet we cannot read ({exc}): {data.hex(' ')}"
                ) from None
            if not records or len(records) > wanted:
                raise ProtocolError(
                    f"{self._where()} sent {len(records)} records when {wanted} were asked and {remaining} are "
                    "still due: its log changed during the download (cleared on the terminal?); poll again"
                )
            punches.extend(self._punch(r) for r in records)
            remaining -= len(records)
            flag = codec.DOWNLOAD_NEXT
        return punches

    def get_time(self) -> datetime:
        data = self._exchange(codec.CMD_GET_TIME, b"", "read the clock")
        try:
            return codec.decode_time(data)
        except ValueError as exc:
            raise ProtocolError(f"{self._where()} sent a clock that is not a date ({exc}): {data.hex(' ')}") from None

    def set_time(self, dt: datetime) -> None:
        if not 2000 <= dt.year <= 2255:
            raise DriverError(f"cannot set {self._where()} to {dt.isoformat()}: the terminal clock holds 2000-2255")
        self._exchange(codec.CMD_SET_TIME, codec.encode_time(dt), "set the clock")

    def clear_punches(self, expected_count: int) -> int:
        """Clear the new mark of the first `expected_count` new records (those the caller stored).

        The terminal keeps its records; only records marked new are downloaded again, and 0x4E mode 2 clears
        exactly the oldest `expected_count` marks, so a punch made since the download keeps its mark. Returns
        `expected_count` when done, or the new count when it is smaller (someone cleared the marks meanwhile).
        """
        if not self.new_only:
            raise DriverError(f"{self._where()}: clear_punches needs new_only (the driver read the whole log)")
        held = self._record_info().new_records
        if held < expected_count:
            return held
        amount = expected_count.to_bytes(3, "big")
        self._exchange(codec.CMD_CLEAR, bytes([codec.CLEAR_NEW_AMOUNT]) + amount, "clear the new records")
        return expected_count

    # --- exchange -----------------------------------------------------------------------------

    def _record_info(self) -> codec.RecordInfo:
        data = self._exchange(codec.CMD_RECORD_INFO, b"", "read the record counts")
        try:
            return codec.decode_record_info(data)
        except ValueError as exc:
            raise ProtocolError(f"{self._where()} sent record counts we cannot read ({exc}): {data.hex(' ')}") from None

    def _punch(self, record: codec.Record) -> RawPunch:
        return RawPunch(
            device_sn=self.serial_number,
            pin=str(record.user_code),
            ts_local=record.time,
            punch_state=record.record_type,
            verify_mode=record.backup_code,
            workcode=str(record.work_type) if record.work_type else "",
        )

    def _exchange(self, command: int, data: bytes, operation: str) -> bytes:
        """Send one request and return its reply's DATA; any failure closes the link (and frees the bus)."""
        link = self._link
        if link is None:
            raise DriverError(f"{self._where()} is not open: call open() (or use the driver as a context manager)")
        try:
            link.discard_input()
            link.write(codec.encode_request(self.device_id, command, data))
            reply = self._read_reply(link, operation)
        except DriverError:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise DeviceUnreachable(f"lost the connection to {self._where()} during {operation}: {exc}; retry") from exc
        return self._check(reply, command, operation)

    def _read_reply(self, link: _Link, operation: str) -> codec.Reply:
        deadline = time.monotonic() + self.timeout
        frame = bytearray()
        need = codec.REPLY_HEADER
        while len(frame) < need:
            chunk = link.read(need - len(frame), deadline - time.monotonic())
            if not chunk and time.monotonic() >= deadline:
                raise DeviceUnreachable(self._no_answer(operation, bytes(frame)))
            frame += chunk
            if frame and frame[0] != codec.STX:
                raise ProtocolError(
                    f"{self._where()} answered {operation} with bytes that are not a TC_B frame (a frame starts a5): "
                    f"{frame.hex(' ')}; {self._line_hint()}"
                )
            if len(frame) == codec.REPLY_HEADER and need == codec.REPLY_HEADER:
                need = codec.reply_size(bytes(frame))
        return codec.decode_reply(bytes(frame))

    def _check(self, reply: codec.Reply, command: int, operation: str) -> bytes:
        where = self._where()
        if not reply.crc_ok:
            self.close()
            raise ProtocolError(
                f"{where} answered {operation} with a bad CRC: {reply.raw.hex(' ')}; {self._line_hint()}"
            )
        if self.device_id and reply.device_id != self.device_id:
            self.close()
            raise ProtocolError(
                f"a reply to {operation} came from device id {reply.device_id}, not from device id {self.device_id} "
                f"that was addressed ({self._medium()}): two terminals share an id or a terminal answers for another; "
                "give each terminal on the bus its own device id (terminal menu: Settings → Communication → Device ID) "
                "and set device_id in the config to it"
            )
        if reply.ack != command + 0x80:
            self.close()
            raise ProtocolError(
                f"{where} answered {operation} (command 0x{command:02x}) with reply 0x{reply.ack:02x}, expected "
                f"0x{command + 0x80:02x}: {reply.raw.hex(' ')}"
            )
        if reply.ret != codec.RET_SUCCESS:
            meaning = codec.RET_MEANING.get(reply.ret, "an undocumented code")
            raise ProtocolError(f"{where} refused to {operation}: RET 0x{reply.ret:02x} ({meaning})")
        return reply.data

    # --- wording ------------------------------------------------------------------------------

    def _connect(self) -> _Link:
        try:
            if self.serial_port:
                return _SerialLink(self.serial_port, self.baudrate, self.parity, self.timeout)
            return _TcpLink(self.host, self.port, self.timeout)
        except socket.gaierror as exc:
            raise unresolvable_host(self.host, self._where(), str(exc)) from None
        except TimeoutError:
            raise DeviceUnreachable(
                f"no answer from {self._where()} within {self.timeout:g} s while connecting: check that it is "
                f"powered on, the address is right and no firewall drops port {self.port}"
            ) from None
        except ConnectionRefusedError:
            raise DeviceUnreachable(
                f"{self._where()} refused the TCP connection: check the port (5010 by default, terminal menu: "
                "Settings → Communication → Net) and that nothing else holds the terminal"
            ) from None
        except (serial.SerialException, ValueError, OSError) as exc:
            raise DeviceUnreachable(
                f"cannot open {self._where()} ({exc}): check serial_port (a local port such as /dev/ttyUSB0, or "
                "socket://HOST:PORT / rfc2217://HOST:PORT of a serial device server) and that the gateway's user "
                "may open it (group dialout)"
            ) from None

    def _no_answer(self, operation: str, partial: bytes) -> str:
        got = f" (received only {partial.hex(' ')})" if partial else ""
        if self.serial_port:
            return (
                f"no answer from {self._where()} within {self.timeout:g} s to {operation}{got}: check that "
                f"device_id {self.device_id} is the id set on the terminal, the A/B wiring, and that baudrate "
                f"{self.baudrate} and parity {self.parity} match the terminal's"
            )
        return (
            f"no answer from {self._where()} within {self.timeout:g} s to {operation}{got}: check that it is "
            f"powered on and that device_id {self.device_id} is the terminal's (0 reaches any terminal)"
        )

    def _line_hint(self) -> str:
        if self.serial_port:
            return "noise on the line or a wrong speed: check baudrate, parity, the A/B wiring and the bus termination"
        return f"is port {self.port} really the terminal's TC_B port (5010 by default)?"

    def _medium(self) -> str:
        return f"serial port {self.serial_port}" if self.serial_port else f"TCP {self.host}:{self.port}"

    def _where(self) -> str:
        serial_number = f", serial {self.serial_number}" if self.serial_number else ""
        return f"Anviz device id {self.device_id} on {self._medium()}{serial_number}"
