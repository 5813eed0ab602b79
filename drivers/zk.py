"""ZKTeco terminals on the binary protocol (port 4370), TCP (`zk-tcp`) or UDP (`zk-udp`).

pyzk 0.9 is the wire client. Its traps, and what this driver does about each:

- **Ping before connect**: pyzk shells out to `ping` unless told not to; terminals on many networks
  drop ICMP. Always `ommit_ping=True`.
- **TCP probe and transport**: pyzk probes TCP with a fixed 10 s timeout and, when the probe fails,
  carries on regardless (its `connect_ex` ignores the error) so the failure surfaces later as a
  "Broken pipe". `zk-tcp` connects itself, with the driver's timeout, and fails with a clear
  "connection refused"; it never falls back to UDP. `zk-udp` forces UDP (no TCP probe at all).
- **Dropped links**: pyzk reads the rest of a chunk with `while size > 0: recv(size)`, which spins
  forever once the terminal closes the connection (recv returns b""). The socket pyzk uses is
  wrapped so that end-of-stream raises instead.
- **Unchecked replies**: pyzk never verifies the checksum or session id of what it receives. Each
  reply header is checked here; a bad one is a `ProtocolError` carrying the packet in hex.
- **Any sender**: pyzk's UDP socket is not connected, so a datagram from any address passes for the
  terminal's reply. `zk-udp` connects its socket to the terminal: the kernel drops other senders'
  datagrams, and a port nobody listens on reports "port unreachable" at once instead of a timeout.
- **Large logs**: `get_attendance()` re-reads the user table, slices the buffer record by record
  (quadratic in the log size) and, for 8/16-byte records, scans the user list per record. This
  driver fetches the log with pyzk's `read_with_buffer` and parses it in one pass with dict lookups.
- **uid vs badge**: 8-byte records carry only the terminal's internal uid and 16-byte ones a badge
  number as an integer (pyzk then compares an int with a string, so its uid fallback never matches).
  Both are mapped to the user table's badge string (`RawPunch.pin`); a number that matches no user
  is kept as its decimal string so the gateway can quarantine it.
- **User writes**: pyzk's `set_user` encodes the name with `errors="ignore"` and cuts its bytes at 24
  (splitting a GBK or UTF-8 character), writes 28-byte records to a terminal whose table is empty (it
  learns the layout only from a non-empty table), wipes a user's password and group when it rewrites
  them, and refreshes the terminal after every single user. `write_users` packs the same CMD_USER_WRQ
  (8) layouts itself: the name cut on a character boundary in the device's `encoding`, the layout from
  `~UserExtFmt` when the table is empty, the stored password and group kept, the terminal's existing
  uid reused for a pin (else the lowest free one, at most 65,535), and one CMD_REFRESHDATA (1013) per
  batch; `delete_users` sends CMD_DELETE_USER (18) with the uid, then one refresh.
- **Realtime events**: pyzk's `live_capture` reads one packet per `recv(1032)` (two events in one TCP
  segment, or one split over two, are misread), ACKs before it has looked at what it read (an empty read
  of a closed link sends an ACK and then fails to unpack), loops forever on an event of a size it does not
  know, and re-reads the whole user table first. `start_live` registers with pyzk's `reg_event(EF_ATTLOG)`
  on the open connection; `read_live` frames the TCP byte stream itself (8-byte prefix, then the
  announced size), checks each checksum, ACKs every CMD_REG_EVENT packet at once with the event's reply
  number (realtime.md: CMD_ACK_OK, our session id, reply number 0000) and decodes the events with
  `decode_event`; a read that times out is "no event yet", a closed link is `DeviceUnreachable`.
- **Time**: timestamps are the terminal's naive local clock (`RawPunch.ts_local`); no zone is applied.
- **Comm key overflow**: pyzk's `make_commkey` adds the session id to the bit-reversed key and packs
  the sum as an unsigned 32-bit integer without wrapping it, as the SDK's `MakeKey` (C unsigned
  arithmetic) does; for keys with many low bits set (524287 = 2**19 − 1, and others) and a large
  session id it raises `struct.error` instead of authenticating. `zk.base.make_commkey` is replaced by
  `_make_commkey`, equal to pyzk's wherever pyzk's works and wrapping where it does not.

Field mapping (the same as the SOAP driver's): the in/out byte (pyzk `punch`) is both
`RawPunch.status` and `punch_state`; the verify-type byte (pyzk `status`) is `verify_mode`.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

from zk import ZK
from zk import base as zk_base
from zk import const as zkconst
from zk.exception import ZKErrorConnection, ZKErrorResponse, ZKNetworkError
from zk.finger import Finger

from drivers.base import (
    DEFAULT_ENCODING,
    PRIVILEGE_ADMIN,
    PRIVILEGE_USER,
    AuthFailed,
    DeviceInfo,
    DeviceUnreachable,
    DriverBase,
    DriverError,
    FingerTemplate,
    ProtocolError,
    RawPunch,
    RawUser,
    TerminalUser,
    allocate_uids,
    fit_name,
    unresolvable_host,
)


def _make_commkey(key: int, session_id: int, ticks: int = 50) -> bytes:
    """The SDK's MakeKey: the key's 32 bits reversed, plus the session id modulo 2**32, XORed with "ZKSO",
    its 16-bit halves swapped, then bytes 0, 1 and 3 XORed with `ticks`, which byte 2 carries."""
    reversed_key = int(f"{int(key) & 0xFFFFFFFF:032b}"[::-1], 2)
    scrambled = bytes(
        b ^ z for b, z in zip(struct.pack("<I", (reversed_key + session_id) & 0xFFFFFFFF), b"ZKSO", strict=True)
    )
    swapped = scrambled[2:4] + scrambled[0:2]
    tick = ticks & 0xFF
    return bytes((swapped[0] ^ tick, swapped[1] ^ tick, tick, swapped[3] ^ tick))


PYZK_MAKE_COMMKEY = getattr(zk_base.make_commkey, "pyzk_original", zk_base.make_commkey)  # for the tests
_make_commkey.pyzk_original = PYZK_MAKE_COMMKEY  # type: ignore[attr-defined]  # a re-import finds the original
zk_base.make_commkey = _make_commkey  # pyzk's `connect` looks it up in its module (see the docstring)

_HEADER = struct.Struct("<4H")
_REC40 = struct.Struct("<H24sBIB8s")  # uid, badge, verify type, time, in/out, spare
_REC16 = struct.Struct("<IIBB2sI")  # badge (int), time, verify type, in/out, reserved, workcode
_REC8 = struct.Struct("<HBIB")  # uid, verify type, time, in/out
_USER72 = struct.Struct("<HB8s24sIx7sx24s")  # uid, privilege, password, name, card, group, badge (pyzk's read)
_USER28 = struct.Struct("<HB5s8sIxBHI")  # uid, privilege, password, name, card, group, timezone, badge (int)
_HEX_LIMIT = 64  # bytes of an offending packet quoted in an error message
_TCP_PREFIX = struct.Struct("<4sI")  # start marker 50 50 82 7d, packet size
_TCP_MAGIC = b"\x50\x50\x82\x7d"
# Realtime attendance event records by size (pyzk live_capture; realtime.md "Attendance Realtime Log"):
# badge (u32 on integer-badge firmware, else 24 bytes of text), verify type, in/out, 6-byte time, spare.
_EVENT12 = struct.Struct("<IBB6s")
_EVENT_TEXT = struct.Struct("<24sBB6s")
_EVENT_SIZES = (12, 32, 36)
_EVENT_WIDE = 52  # newer firmware: 20 spare bytes after the time; several events may follow each other
_LIVE_READ = 65536


class _EndOfStream(ConnectionResetError):
    """The terminal closed the connection while pyzk still expected bytes."""


class _SessionLost(Exception):
    """The terminal answered CMD_ACK_UNAUTH mid-session."""


class _GuardedSocket:
    """The socket pyzk talks through: end-of-stream raises, and the last whole datagram is kept.

    pyzk reads UDP replies with a receive size that can be smaller than the datagram; reading the
    whole datagram here (and handing pyzk the part it asked for) lets the driver check the checksum.
    """

    def __init__(self, sock: socket.socket, udp: bool) -> None:
        self._sock = sock
        self._udp = udp
        self.last_datagram = b""

    def recv(self, size: int) -> bytes:
        if self._udp:
            self.last_datagram = self._sock.recv(65535)
            return self.last_datagram[:size]
        data = self._sock.recv(size)
        if not data and size > 0:
            raise _EndOfStream("the terminal closed the connection (restarted, or dropped us mid-transfer)")
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Probe:
    """Stands in for pyzk's ZK_helper: no ping, no separate TCP probe (the real connect follows)."""

    def test_ping(self) -> bool:
        return True

    def test_tcp(self) -> int:
        return 0


class _CheckedZK(ZK):
    """pyzk's client with its socket guarded and every reply header checked.

    Overrides two of pyzk's private methods (`__create_socket`, `__send_command`, name-mangled to
    `_ZK__…`): the smallest hook that fixes the traps listed in the module docstring.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        comm_key: int,
        udp: bool,
        where: Callable[[], str],
        encoding: str = DEFAULT_ENCODING,
    ) -> None:
        super().__init__(
            host, port, timeout=timeout, password=comm_key, force_udp=udp, ommit_ping=True, encoding=encoding
        )
        self.helper = _Probe()
        self._where = where
        self._guarded: _GuardedSocket | None = None

    def _ZK__create_socket(self) -> None:  # noqa: N802 - pyzk's private name
        self._ZK__sock.close()  # the UDP socket pyzk's __init__ made, or the previous connection's
        if self.tcp:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.settimeout(self._ZK__timeout)
            try:  # unlike pyzk's connect_ex, let refusal, timeout or no route surface here
                sock.connect(self._ZK__address)
            except OSError:
                sock.close()
                raise
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.settimeout(self._ZK__timeout)
            # Connected, the kernel drops datagrams from anyone but the terminal (another terminal's
            # answer through a reused port would otherwise pass for ours). pyzk's `sendto` to the same
            # address still works on a connected UDP socket.
            sock.connect(self._ZK__address)
        self._guarded = _GuardedSocket(sock, udp=not self.tcp)
        self._ZK__sock = self._guarded

    def _ZK__send_command(self, command: int, command_string: bytes = b"", response_size: int = 8) -> dict[str, Any]:  # noqa: N802
        result = ZK._ZK__send_command(self, command, command_string, response_size)
        self._check_reply(command)
        return result

    def command(self, command: int, data: bytes) -> bool:
        """Send one command (its reply header checked); whether the terminal answered CMD_ACK_OK."""
        return bool(self._ZK__send_command(command, data, 1024).get("status"))

    def last_reply(self) -> bytes:
        """The last reply packet as received (header + data, no TCP prefix), as far as pyzk read it."""
        if not self.tcp and self._guarded is not None:
            return self._guarded.last_datagram
        data: bytes = self._ZK__data_recv or b""
        return data[: self._ZK__tcp_length] if self.tcp else data

    def _check_reply(self, command: int) -> None:
        packet = self.last_reply()
        if len(packet) < _HEADER.size:
            return
        code, stated, session_id, _ = _HEADER.unpack_from(packet)
        complete = not self.tcp or len(packet) == self._ZK__tcp_length
        if complete and not _checksum_ok(packet):
            raise ProtocolError(
                f"{self._where()} answered command {command} with a bad checksum (0x{stated:04x}); "
                f"the link corrupts data or this is not a ZKTeco terminal. Packet: {_hex(packet)}"
            )
        if command not in (zkconst.CMD_CONNECT,) and session_id != self._ZK__session_id:
            raise ProtocolError(
                f"{self._where()} answered command {command} for session {session_id}, ours is "
                f"{self._ZK__session_id}: another client may be talking to it; retry. Packet: {_hex(packet)}"
            )
        if code == zkconst.CMD_ACK_UNAUTH and command not in (zkconst.CMD_CONNECT, zkconst.CMD_AUTH):
            raise _SessionLost(f"{self._where()} no longer knows our session (it restarted, or dropped us); reconnect")


def _checksum_ok(packet: bytes) -> bool:
    """Ones' complement sum of all 16-bit words, checksum included, is all ones (protocol.md).

    Written here rather than shared with `simulators/zk_codec`: the two sides stay independent so
    that one codec bug cannot cancel itself out in the tests.
    """
    data = packet + b"\x00" if len(packet) % 2 else packet
    total = sum(struct.unpack(f"<{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total in (0xFFFF, 0)


def _packet(command: int, session_id: int, reply_id: int, data: bytes = b"") -> bytes:
    """Header (its checksum the ones' complement of the folded word sum, as `_checksum_ok` checks) + data.

    Not pyzk's `__create_header`: that one computes the checksum over the reply number before it
    increments it, so the packet it sends does not verify."""
    unsigned = _HEADER.pack(command, 0, session_id, reply_id) + data
    padded = unsigned + b"\x00" if len(unsigned) % 2 else unsigned
    total = sum(struct.unpack(f"<{len(padded) // 2}H", padded))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return _HEADER.pack(command, total ^ 0xFFFF, session_id, reply_id) + data


def _hex(data: bytes) -> str:
    shown = data[:_HEX_LIMIT].hex(" ")
    return shown + (f" … ({len(data)} bytes)" if len(data) > _HEX_LIMIT else "")


def decode_time(value: int) -> datetime:
    """DecodeTime of the SDK: seconds in a calendar of 12 months of 31 days from 2000."""
    value, second = divmod(value, 60)
    value, minute = divmod(value, 60)
    value, hour = divmod(value, 24)
    value, day = divmod(value, 31)
    year, month = divmod(value, 12)
    return datetime(2000 + year, month + 1, day + 1, hour, minute, second)


class _ZKDriver(DriverBase):
    """Shared implementation; the subclasses only choose the transport."""

    udp: ClassVar[bool]

    def __init__(
        self,
        host: str,
        port: int = 4370,
        *,
        comm_key: int = 0,
        timeout: float = 10.0,
        encoding: str = DEFAULT_ENCODING,
    ) -> None:
        self.host = host
        self.port = port
        self.comm_key = comm_key
        self.timeout = timeout
        self.encoding = encoding
        self.serial_number = ""
        self._zk: _CheckedZK | None = None
        self._live = bytearray()  # realtime bytes received but not yet a whole packet

    # --- Driver protocol ------------------------------------------------------------------------

    def open(self) -> None:
        self.close()
        client = _CheckedZK(
            self.host,
            self.port,
            timeout=self.timeout,
            comm_key=self.comm_key,
            udp=self.udp,
            where=self._where,
            encoding=self.encoding,
        )
        self._zk = client
        with self._guard("connect"):
            client.connect()
            self.serial_number = client.get_serialnumber()

    def close(self) -> None:
        """Say goodbye (CMD_EXIT) and close the socket; a failing goodbye is not an error."""
        client = self._zk
        if client is None:
            return
        try:
            if client.is_connect:
                client.disconnect()
        except Exception:
            pass
        finally:
            self._abandon()

    def _abandon(self) -> None:
        """Close the socket without the CMD_EXIT exchange (after a failure it would only wait again)."""
        client, self._zk = self._zk, None
        if client is not None and client._guarded is not None:
            client._guarded.close()

    def info(self) -> DeviceInfo:
        with self._guard("read device info") as zk:
            platform = zk.get_platform()
            model = zk.get_device_name()
            firmware = zk.get_firmware_version()
            zk.read_sizes()
            return DeviceInfo(
                serial_number=self.serial_number,
                model=model,
                platform=platform,
                firmware=firmware,
                user_count=zk.users,
                user_capacity=zk.users_cap,
                record_count=zk.records,
                record_capacity=zk.rec_cap,
                fingerprint_count=zk.fingers,
                fingerprint_capacity=zk.fingers_cap,
            )

    def read_users(self) -> list[RawUser]:
        with self._guard("read users") as zk:
            return [
                RawUser(
                    device_sn=self.serial_number,
                    pin=u.user_id,
                    name=u.name,
                    uid=u.uid,
                    privilege=u.privilege,
                    card=u.card,
                    password=u.password,
                    group_id=u.group_id,
                )
                for u in zk.get_users()
            ]

    def write_users(self, users: Sequence[TerminalUser]) -> None:
        """Add or overwrite users by badge, then refresh the terminal once (see the module docstring)."""
        if not users:
            return
        with self._guard("write users") as zk:
            table = {u.user_id: u for u in zk.get_users()}
            wide = zk.user_packet_size == 72 if table else zk.get_user_extend_fmt() == 1
            slots = allocate_uids({pin: u.uid for pin, u in table.items()}, [u.pin for u in users], self._where())
            for user in users:
                old = table.get(user.pin)
                record = self._user_record(user, slots[user.pin], old, wide)
                if not zk.command(zkconst.CMD_USER_WRQ, record):
                    raise ProtocolError(
                        f"{self._where()} refused to store user {user.pin} (uid {slots[user.pin]}): its user table "
                        f"may be full. Last reply: {_hex(zk.last_reply())}"
                    )
            zk.refresh_data()

    def delete_users(self, pins: Sequence[str]) -> list[str]:
        """Delete the users with these badges (by their uid), refresh once; the pins that were there."""
        if not pins:
            return []
        with self._guard("delete users") as zk:
            uid_of = {u.user_id: u.uid for u in zk.get_users()}
            deleted = [pin for pin in pins if pin in uid_of]
            for pin in deleted:
                if not zk.command(zkconst.CMD_DELETE_USER, struct.pack("<H", uid_of[pin])):
                    raise ProtocolError(
                        f"{self._where()} refused to delete user {pin} (uid {uid_of[pin]}). "
                        f"Last reply: {_hex(zk.last_reply())}"
                    )
            if deleted:
                zk.refresh_data()
            return deleted

    def _user_record(self, user: TerminalUser, uid: int, old: Any, wide: bool) -> bytes:
        """The CMD_USER_WRQ data: the 72-byte layout (text badge) or the 28-byte one (numeric badge)."""
        if user.privilege not in (PRIVILEGE_USER, PRIVILEGE_ADMIN):
            raise DriverError(f"privilege {user.privilege} of badge {user.pin} is neither user (0) nor admin (14)")
        if not 0 <= user.card <= 0xFFFFFFFF:
            raise DriverError(f"card number {user.card} of badge {user.pin} does not fit the terminal's 32-bit field")
        password = (old.password if old else "").encode(self.encoding, errors="replace")
        if wide:
            pin = user.pin.encode("ascii", errors="replace")
            if len(pin) > 24:
                raise DriverError(f"badge {user.pin!r} is longer than the 24 characters {self._where()} stores")
            group = (old.group_id if old else "").encode("ascii", errors="replace")[:7]
            name = fit_name(user.name, self.encoding, 24)
            return _USER72.pack(uid, user.privilege, password[:8], name, user.card, group, pin)
        if not (user.pin.isascii() and user.pin.isdigit() and int(user.pin) <= 0xFFFFFFFF):
            raise DriverError(
                f"badge {user.pin!r} is not a number below 4,294,967,296, the only badge {self._where()} can store "
                "(its firmware keeps badges as 32-bit numbers, 28-byte user records)"
            )
        group_number = int(old.group_id) if old and str(old.group_id).isdigit() else 0
        name = fit_name(user.name, self.encoding, 8)
        return _USER28.pack(uid, user.privilege, password[:5], name, user.card, group_number & 0xFF, 0, int(user.pin))

    def read_punches(self) -> list[RawPunch]:
        with self._guard("read attendance log") as zk:
            zk.read_sizes()
            if zk.records == 0:
                return []
            data, _ = zk.read_with_buffer(zkconst.CMD_ATTLOG_RRQ)
            return decode_log(data, zk.records, self.serial_number, users=lambda: self._badges(zk), where=self._where())

    def get_time(self) -> datetime:
        with self._guard("read the clock") as zk:
            return zk.get_time()

    def set_time(self, dt: datetime) -> None:
        if not 2000 <= dt.year <= 2099:
            raise DriverError(
                f"cannot set {self._where()} to {dt.isoformat()}: the terminal clock holds years 2000-2099"
            )
        with self._guard("set the clock") as zk:
            zk.set_time(dt.replace(tzinfo=None))

    def clear_punches(self, expected_count: int) -> int:
        """Delete the attendance log if it still holds exactly `expected_count` records.

        The terminal is disabled (it takes no punches) from the count to the clear, so a punch made
        during the download or the check stays on the device (data-record.md: disable, clear, refresh, enable).
        """
        with self._guard("clear the attendance log") as zk:
            zk.disable_device()
            try:
                zk.read_sizes()
                held = int(zk.records)
                if held == expected_count:
                    zk.clear_attendance()
                    zk.refresh_data()
                return held
            finally:
                zk.enable_device()

    # --- fingerprint templates ----------------------------------------------------------------

    def read_templates(self) -> list[FingerTemplate]:
        """Every fingerprint template (pyzk `get_templates`: CMD_DB_RRQ with FCT_FINGERTMP), by badge; a
        template whose uid no user holds is left out (its user was deleted, the firmware keeps it)."""
        with self._guard("read fingerprint templates") as zk:
            badge_of = {u.uid: u.user_id for u in zk.get_users()}
            return [
                FingerTemplate(badge_of[f.uid], f.fid, f.valid, bytes(f.template))
                for f in zk.get_templates()
                if f.uid in badge_of
            ]

    def write_templates(self, templates: Sequence[FingerTemplate]) -> list[str]:
        """Store the templates with their users (pyzk `save_user_template`: the user and fingers uploaded with
        CMD_PREPARE_DATA / CMD_DATA, then CMD_SAVE_USERTEMPS 110 and one refresh per user); returns the badges
        the terminal has no user for, whose templates were not written (user sync adds the users first)."""
        if not templates:
            return []
        with self._guard("write fingerprint templates") as zk:
            users = {u.user_id: u for u in zk.get_users()}
            missing = sorted({t.pin for t in templates if t.pin not in users})
            by_pin: dict[str, list[FingerTemplate]] = {}
            for template in templates:
                if template.pin in users:
                    by_pin.setdefault(template.pin, []).append(template)
            for pin, fingers in by_pin.items():
                user = users[pin]
                zk.save_user_template(user, [Finger(user.uid, t.finger, t.valid, t.template) for t in fingers])
            return missing

    # --- realtime events ----------------------------------------------------------------------

    def start_live(self) -> None:
        """Ask the open connection for realtime attendance events (CMD_REG_EVENT 500 with EF_ATTLOG)."""
        with self._guard("register for realtime events") as zk:
            zk.reg_event(zkconst.EF_ATTLOG)
        self._live = bytearray()

    def read_live(self, wait_s: float) -> list[RawPunch]:
        """The punches of the events that arrive within `wait_s` seconds ([] when none did), each event ACKed
        as soon as its packet is complete. Call `start_live` first; the connection stays usable for commands
        only after `close`/`open` (events may interleave with replies)."""
        with self._guard("listen for realtime events") as zk:
            guarded = zk._guarded
            assert guarded is not None  # open() made it
            guarded.settimeout(wait_s)
            try:
                data = guarded.recv(_LIVE_READ)
            except TimeoutError:
                return []
            finally:
                guarded.settimeout(self.timeout)
            if zk.tcp:
                self._live += data
                packets = self._tcp_packets()
            else:
                packets = [data]
            punches: list[RawPunch] = []
            for packet in packets:
                punches += self._event(zk, packet)
            return punches

    def _tcp_packets(self) -> list[bytes]:
        """The complete packets at the front of the live byte stream; a partial one stays for the next read."""
        buffer, packets = self._live, []
        while len(buffer) >= _TCP_PREFIX.size:
            magic, size = _TCP_PREFIX.unpack_from(buffer)
            if magic != _TCP_MAGIC or size < _HEADER.size:
                raise ProtocolError(
                    f"{self._where()} sent realtime bytes that are not a ZKTeco TCP packet: {_hex(bytes(buffer))}"
                )
            if len(buffer) < _TCP_PREFIX.size + size:
                break
            packets.append(bytes(buffer[_TCP_PREFIX.size : _TCP_PREFIX.size + size]))
            del buffer[: _TCP_PREFIX.size + size]
        return packets

    def _event(self, zk: _CheckedZK, packet: bytes) -> list[RawPunch]:
        """ACK one realtime packet and decode it; anything but CMD_REG_EVENT (a late reply) is skipped."""
        if len(packet) < _HEADER.size or not _checksum_ok(packet):
            raise ProtocolError(f"{self._where()} sent a realtime packet with a bad checksum: {_hex(packet)}")
        code, _, event, reply_id = _HEADER.unpack_from(packet)
        if code != zkconst.CMD_REG_EVENT:
            return []
        ack = _packet(zkconst.CMD_ACK_OK, zk._ZK__session_id, reply_id)
        assert zk._guarded is not None
        zk._guarded.sendall(_TCP_PREFIX.pack(_TCP_MAGIC, len(ack)) + ack if zk.tcp else ack)
        if event != zkconst.EF_ATTLOG:
            return []
        return decode_event(packet[_HEADER.size :], self.serial_number, where=self._where())

    # --- helpers ------------------------------------------------------------------------------

    def _where(self) -> str:
        serial = f" (serial {self.serial_number})" if self.serial_number else ""
        return f"{'UDP' if self.udp else 'TCP'} device {self.host}:{self.port}{serial}"

    def _badges(self, zk: _CheckedZK) -> tuple[set[str], dict[int, str]]:
        """The user table's badges, and its badge by uid."""
        users = zk.get_users()
        return {u.user_id for u in users}, {u.uid: u.user_id for u in users}

    @contextmanager
    def _guard(self, operation: str) -> Iterator[_CheckedZK]:
        """Run one operation; translate whatever pyzk or the socket raises into a driver error."""
        zk = self._zk
        if zk is None:
            raise DriverError(
                f"{self._where()} is not open: call open() (or use the driver as a context manager) first"
            )
        try:
            yield zk
        except DriverError:
            self._abandon()
            raise
        except Exception as exc:
            error = self._translate(exc, operation, zk)
            self._abandon()
            raise error from exc

    def _translate(self, exc: Exception, operation: str, zk: _CheckedZK) -> DriverError:
        where = self._where()
        reason = str(exc)
        if isinstance(exc, _SessionLost):
            return DeviceUnreachable(f"{reason} (during {operation})")
        if isinstance(exc, ZKErrorResponse) and "Unauthenticated" in reason:
            return AuthFailed(
                f"wrong comm key for {where}: set `comm_key` in the config to the terminal's Comm Key "
                f"(Menu → Comm. → Comm Key); 0 means none"
            )
        if isinstance(exc, socket.gaierror):
            return unresolvable_host(self.host, where, reason)
        timed_out = isinstance(exc, TimeoutError) or "timed out" in reason
        if timed_out:
            return DeviceUnreachable(
                f"no answer from {where} within {self.timeout:g} s during {operation}: check that it is "
                f"powered on, the address and port are right and no firewall drops port {self.port}"
                + (" (UDP: a terminal set to TCP only never answers)" if self.udp else "")
            )
        refused = isinstance(exc, ConnectionRefusedError) or "refused" in reason.lower()
        if refused and self.udp:  # ICMP port unreachable, reported on the connected UDP socket
            return DeviceUnreachable(
                f"{where} answered port unreachable during {operation}: nothing listens on UDP port "
                f"{self.port} there; check the port (4370 by default) and that the terminal speaks UDP "
                f"(a terminal set to TCP only needs kind zk-tcp)"
            )
        if refused:
            return DeviceUnreachable(
                f"{where} refused the TCP connection during {operation}: check the port (4370 by default) "
                f"and that the terminal's TCP/IP communication is on; if it only speaks UDP use kind zk-udp"
            )
        if isinstance(exc, ZKNetworkError) and "TCP packet invalid" in reason:
            received = getattr(zk, "_ZK__tcp_data_recv", b"")
            return ProtocolError(
                f"{where} answered {operation} with bytes that are not a ZKTeco TCP packet (they must start "
                f"50 50 82 7d): is port {self.port} really the terminal's? Received: {_hex(received) or 'nothing'}"
            )
        if isinstance(exc, (OSError, ZKNetworkError)):
            return DeviceUnreachable(f"lost the connection to {where} during {operation}: {reason}; retry")
        if isinstance(exc, ZKErrorConnection):
            return DriverError(f"{where} is not connected: call open() first")
        if isinstance(exc, ZKErrorResponse):
            return ProtocolError(f"{where} refused to {operation} ({reason}). Last reply: {_hex(zk.last_reply())}")
        return ProtocolError(
            f"{where} sent bytes we cannot read during {operation} ({type(exc).__name__}: {reason}). "
            f"Last reply: {_hex(zk.last_reply())}"
        )


def decode_log(
    data: bytes,
    record_count: int,
    device_sn: str,
    *,
    users: Callable[[], tuple[set[str], dict[int, str]]],
    where: str = "device",
) -> list[RawPunch]:
    """Parse an attendance buffer (4-byte total size, then equal-size records) in one pass.

    `record_count` is the count from CMD_GET_FREE_SIZES; with the buffer's size it fixes the record
    size (8, 16 or 40 bytes). `users` returns the user table as (badges, uid → badge); it is called at
    most once, and only when records do not carry their badge as text.
    """
    if len(data) < 4:
        raise ProtocolError(
            f"{where} sent an attendance buffer of {len(data)} bytes, shorter than its size field: {_hex(data)}"
        )
    total = struct.unpack_from("<I", data)[0]
    body = memoryview(data)[4 : 4 + total]
    size = _record_size(total, record_count)
    if len(body) != total or size is None:
        raise ProtocolError(
            f"{where} announced {total} bytes for {record_count} records ({len(body)} received), which fits "
            f"no known record size (8, 16, 40); buffer starts: {_hex(bytes(data[:48]))}"
        )
    table: tuple[set[str], dict[int, str]] | None = None

    def badge_tables() -> tuple[set[str], dict[int, str]]:
        nonlocal table
        if table is None:
            table = users()
        return table

    times: dict[int, datetime] = {}

    def when(value: int) -> datetime:
        ts = times.get(value)
        if ts is None:
            try:
                ts = times[value] = decode_time(value)
            except ValueError:
                raise ProtocolError(f"{where} sent a record time {value} that is not a calendar date") from None
        return ts

    punches: list[RawPunch] = []
    if size == 40:
        for uid, raw_pin, verify, t, state, _ in _REC40.iter_unpack(body):
            pin = raw_pin.split(b"\x00", 1)[0].decode("utf-8", errors="replace")
            if not pin:  # some firmware leaves the text badge empty: fall back to the uid
                pin = badge_tables()[1].get(uid, str(uid))
            punches.append(RawPunch(device_sn, pin, when(t), state, state, verify, ""))
    elif size == 16:
        badges, by_uid = badge_tables()
        for number, t, verify, state, _, workcode in _REC16.iter_unpack(body):
            text = str(number)
            pin = text if text in badges else by_uid.get(number, text)
            punches.append(RawPunch(device_sn, pin, when(t), state, state, verify, str(workcode) if workcode else ""))
    elif size == 8:
        by_uid = badge_tables()[1]
        for uid, verify, t, state in _REC8.iter_unpack(body):
            punches.append(RawPunch(device_sn, by_uid.get(uid, str(uid)), when(t), state, state, verify, ""))
    return punches


def decode_event(data: bytes, device_sn: str, *, where: str = "device") -> list[RawPunch]:
    """The punches of one EF_ATTLOG realtime packet's data: one record of 12, 32 or 36 bytes, or records of 52.

    Each is the badge (a u32, or text in 24 bytes), the verify type, the in/out state and the 6-byte time
    (year − 2000, month, day, hour, minute, second), mapped like the log's records (in/out is `status` and
    `punch_state`, the verify type `verify_mode`). A size of none of these is a `ProtocolError`.
    """
    if len(data) in _EVENT_SIZES:
        records = [data]
    elif data and len(data) % _EVENT_WIDE == 0:
        records = [data[i : i + _EVENT_WIDE] for i in range(0, len(data), _EVENT_WIDE)]
    else:
        raise ProtocolError(
            f"{where} sent a realtime attendance event of {len(data)} bytes, which fits no known layout "
            f"(12, 32, 36 or 52 bytes each): {_hex(data)}"
        )
    punches = []
    for record in records:
        if len(record) == 12:
            number, verify, state, stamp = _EVENT12.unpack(record)
            pin = str(number)
        else:
            raw_pin, verify, state, stamp = _EVENT_TEXT.unpack_from(record)
            pin = raw_pin.split(b"\x00", 1)[0].decode("utf-8", errors="replace")
        try:
            ts = datetime(2000 + stamp[0], *stamp[1:])
        except ValueError:
            raise ProtocolError(f"{where} sent a realtime event time that is not a date: {_hex(record)}") from None
        punches.append(RawPunch(device_sn, pin, ts, state, state, verify, ""))
    return punches


def _record_size(total: int, count: int) -> int | None:
    """The record size that splits `total` bytes into `count` records.

    A punch can land between CMD_GET_FREE_SIZES and the download, so when no size divides exactly,
    the size giving the smallest count not below `count` wins (pyzk would silently misparse).
    """
    if count <= 0:
        return None
    if total % count == 0 and total // count in (40, 16, 8):
        return total // count
    fits = [(total // size - count, size) for size in (40, 16, 8) if total % size == 0 and total // size >= count]
    return min(fits)[1] if fits else None


class ZKTcpDriver(_ZKDriver):
    """`zk-tcp`: the binary protocol over TCP port 4370 (never falls back to UDP)."""

    udp = False


class ZKUdpDriver(_ZKDriver):
    """`zk-udp`: the binary protocol over UDP port 4370 (older terminals, or TCP switched off)."""

    udp = True
