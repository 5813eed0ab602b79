"""A simulated ZKTeco terminal on the binary protocol, over TCP or UDP, with fault knobs.

`ZKTerminal` answers what pyzk 0.9 (and the SDK, per the public protocol description) sends:
connect and comm-key auth, device info, free sizes, users and attendance through the buffered-read
path (PREPARE_BUFFER → READ_BUFFER chunks → FREE_DATA) or a direct CMD_DATA for small tables, time,
clear, realtime events. Everything runs in daemon threads on loopback; port 0 picks a free port.

    with ZKTerminal(users=50, records=10_000) as t:
        ZK("127.0.0.1", t.port, ommit_ping=True).connect()

It writes as a terminal's network stack does (`simulators.zk_transport`): each packet its own write,
`packet_gap_s` apart (default `PACKET_GAP_S`), large packets in `segment_bytes` writes; with
`record_writes=True`, `t.writes` keeps every write for a test to look at. A port in use is `PortInUse`.

Faults are attributes of `t.faults` that can be flipped while the terminal runs (and cleared so
that a retry succeeds): `refuse`, `stall_s`, `drop_after_chunks`, `corrupt_checksum`,
`wrong_session`; `t.reboot()` forgets every session; a wrong comm key is simply a client key that
differs from `t.comm_key`.

Where the public description is silent, the simulator makes a documented choice: a packet whose
checksum is wrong is dropped unanswered, and a command carrying a session id the terminal does not
know is answered with CMD_ACK_UNAUTH.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Self

from simulators.lifecycle import Served
from simulators.zk_codec import (
    DIRECT_DATA_MAX,
    EF_ATTLOG,
    FCT_USER,
    HEADER,
    UDP_DATA_PACKET,
    Cmd,
    CodecError,
    Packet,
    auth_ok,
    build_packet,
    decode_time,
    encode_time,
    parse_packet,
    parse_tcp_prefix,
)
from simulators.zk_data import (
    DEFAULT_FIRST_DAY,
    RECORD_LAYOUTS,
    USER_LAYOUTS,
    ZKRecord,
    ZKTemplate,
    ZKUser,
    decode_template_upload,
    decode_user_write,
    encode_event,
    encode_records,
    encode_templates,
    encode_users,
    generate_records,
    generate_users,
)
from simulators.zk_transport import (
    PACKET_GAP_S,
    SEGMENT_BYTES,
    Link,
    Listener,
    Pacer,
    Pacing,
    TcpLink,
    UdpLink,
    recv_exact,
    shutdown,
)

# CMD_PREPARE_DATA carries the size and a fixed 4-byte field written "0010" in ex_data.md.
_PREPARE_DATA_FIXED = b"\x00\x10\x00\x00"
_FCT_FINGERTMP = 2
_MAX_TCP_PACKET = 1 << 20  # nothing a client sends is anywhere near this; bigger means garbage


class ZKFaults:
    """Fault knobs; each can be set and cleared while the terminal runs.

    - `refuse`: the terminal stops listening (TCP connections are refused; UDP goes silent).
    - `stall_s`: every answer is held back this many seconds.
    - `drop_after_chunks`: after serving this many READ_BUFFER chunks of a transfer, the terminal sends
      half of the next chunk and drops the connection (TCP) or falls silent for the transfer (UDP).
    - `corrupt_checksum`: answers carry a wrong checksum.
    - `wrong_session`: answers after CMD_CONNECT carry a session id other than the one assigned.
    """

    def __init__(self, on_refuse: Callable[[bool], None]) -> None:
        self._on_refuse = on_refuse
        self._refuse = False
        self.stall_s = 0.0
        self.drop_after_chunks: int | None = None
        self.corrupt_checksum = False
        self.wrong_session = False

    @property
    def refuse(self) -> bool:
        return self._refuse

    @refuse.setter
    def refuse(self, value: bool) -> None:
        self._refuse = value
        self._on_refuse(value)

    def clear(self) -> None:
        self.refuse = False
        self.stall_s = 0.0
        self.drop_after_chunks = None
        self.corrupt_checksum = False
        self.wrong_session = False


@dataclass(eq=False)
class _Session:
    session_id: int
    link: Link
    authenticated: bool = False
    buffer: bytes | None = None
    chunks_served: int = 0
    events: int = 0
    event_acked: threading.Event = field(default_factory=threading.Event)
    silenced: bool = False  # after a drop fault over UDP: the rest of the transfer goes unanswered
    upload: bytearray | None = None  # a buffer the client sends (CMD_PREPARE_DATA, then CMD_DATA chunks)
    upload_size: int = 0


class ZKTerminal(Served):
    """One simulated terminal; see the module docstring."""

    def __init__(
        self,
        users: int = 50,
        records: int = 10_000,
        seed: int = 1,
        *,
        udp: bool = False,
        comm_key: int = 0,
        serial: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        capacity: int = 100_000,
        user_capacity: int = 10_000,
        record_layout: int = 40,
        user_layout: int = 72,
        clock_drift_s: float = 0.0,
        clock: Callable[[], datetime] = datetime.now,
        first_day: date = DEFAULT_FIRST_DAY,
        platform: str = "ZMM220_TFT",
        device_name: str = "K40",
        firmware: str = "Ver 6.60 Apr 28 2017",
        packet_gap_s: float = PACKET_GAP_S,
        segment_bytes: int = SEGMENT_BYTES,
        record_writes: bool = False,
        encoding: str = "gbk",
    ) -> None:
        if record_layout not in RECORD_LAYOUTS:
            raise ValueError(f"record_layout must be one of {RECORD_LAYOUTS}, got {record_layout}")
        if user_layout not in USER_LAYOUTS:
            raise ValueError(f"user_layout must be one of {USER_LAYOUTS}, got {user_layout}")
        if not 0 <= records <= capacity:
            raise ValueError(f"records ({records}) must be between 0 and the log capacity ({capacity})")
        if users > user_capacity:
            raise ValueError(f"users ({users}) exceed the user capacity ({user_capacity})")
        self.udp = udp
        self.encoding = encoding  # of names (and passwords) in user records: GBK on Chinese firmware
        self.comm_key = comm_key
        self.serial = serial or f"SIM{'U' if udp else 'T'}{seed:07d}"
        self.host = host
        self.capacity = capacity
        self.user_capacity = user_capacity
        self.record_layout = record_layout
        self.user_layout = user_layout
        self.clock_drift_s = clock_drift_s
        self.options = {
            "~SerialNumber": self.serial,
            "~Platform": platform,
            "~DeviceName": device_name,
            "MAC": "00:17:61:{:02x}:{:02x}:{:02x}".format(*tuple(random.Random(f"mac:{seed}:{udp}").randbytes(3))),
            "~ZKFPVersion": "10",
            "ZKFaceVersion": "0",
            "~OS": "1",
            "~ExtendFmt": "1" if record_layout == 40 else "0",
            "~UserExtFmt": "1" if user_layout == 72 else "0",
            "FaceFunOn": "0",
            "CompatOldFirmware": "0",
            "IPAddress": host,
            "NetMask": "255.255.255.0",
            "GATEIPAddress": "0.0.0.0",
        }
        self.firmware = firmware
        self.users: list[ZKUser] = generate_users(users, seed, user_layout)
        self.records: list[ZKRecord] = generate_records(
            self.users, records, seed, layout=record_layout, first_day=first_day
        )
        self.templates: list[ZKTemplate] = []  # fingerprint templates, in enrolment order
        self.clear_count = 0
        self.enabled = True
        self.faults = ZKFaults(self._set_refuse)
        self._clock = clock
        self._time_offset = timedelta()
        self._lock = threading.RLock()
        self._log_cache: bytes | None = None
        self._sessions: dict[int, _Session] = {}
        self._next_session = random.Random(f"session:{seed}").randrange(0x1000, 0x8000)
        self._listener = Listener(host, port, udp=udp)
        # Every write the terminal makes, as (monotonic time, bytes), when `record_writes` (for tests).
        self.writes: list[tuple[float, bytes]] | None = [] if record_writes else None
        self.pacing = Pacing(packet_gap_s, segment_bytes, self.writes)
        self._udp_pacer = Pacer(self.pacing)
        self._tcp_clients: set[socket.socket] = set()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._listener.port

    @property
    def kind(self) -> str:
        return "zk-udp" if self.udp else "zk-tcp"

    def start(self) -> Self:
        self._stop.clear()
        self._listener.open(refused=self.faults.refuse)
        loop = self._udp_loop if self.udp else self._accept_loop
        self._spawn(loop, f"zk-sim-{self.serial}")
        return self

    def stop(self) -> None:
        if not self._listener.is_open:
            return
        self._stop.set()
        self._listener.wake()
        with self._lock:
            for client in list(self._tcp_clients):
                shutdown(client)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._listener.close()

    # --- what tests and demos drive -----------------------------------------------------------

    def device_time(self) -> datetime:
        """The terminal's clock: the host clock plus the configured drift and any CMD_SET_TIME."""
        return (self._clock() + timedelta(seconds=self.clock_drift_s) + self._time_offset).replace(microsecond=0)

    def add_punch(self, user_id: str, timestamp: datetime, status: int = 1, punch: int = 0, workcode: int = 0) -> bool:
        """Store a punch as the terminal would; False (and nothing stored) when the log is full."""
        with self._lock:
            if len(self.records) >= self.capacity:
                return False
            self.records.append(ZKRecord(user_id, timestamp, status, punch, workcode))
            self._log_cache = None
            return True

    def push_event(
        self,
        user_id: str,
        timestamp: datetime | None = None,
        status: int = 1,
        punch: int = 0,
        *,
        ack_timeout: float = 2.0,
    ) -> int:
        """A badge is presented: store the punch and send an EF_ATTLOG event to every registered session.

        Waits for each session's CMD_ACK_OK (so that two events never share one read) and returns how
        many sessions acknowledged. A full log stores nothing and reports nothing (returns 0).

        A session that does not ACK within `ack_timeout` is not sent the event again, and later events
        still go to it: the public material is silent on what firmware does, but node-zklib and zkteco-js
        never ACK and their users receive every event, so a terminal does not hold events back for an ACK
        (the SDK and pyzk do ACK each one, as `drivers.zk` does).
        """
        record = ZKRecord(user_id, timestamp or self.device_time(), status, punch)
        if not self.add_punch(record.user_id, record.timestamp, record.status, record.punch):
            return 0
        with self._lock:
            targets = [s for s in self._sessions.values() if s.events & EF_ATTLOG]
        acked = 0
        # realtime.md: the session id field carries the event code, the reply number is zero.
        event = self._finish(build_packet(Cmd.REG_EVENT, EF_ATTLOG, 0, encode_event(record, self.user_layout)))
        for session in targets:
            session.event_acked.clear()
            session.link.send([event])
            acked += session.event_acked.wait(ack_timeout)
        return acked

    def enrol(self, pin: str, fid: int, template: bytes, valid: int = 1) -> None:
        """A finger enrolled at the terminal: `template` for finger `fid` (0-9) of the user with badge `pin`."""
        with self._lock:
            uid = next(u.uid for u in self.users if u.user_id == pin)
            self.templates = [t for t in self.templates if (t.uid, t.fid) != (uid, fid)]
            self.templates.append(ZKTemplate(uid, fid, valid, template))

    def punch(
        self, pin: str, when: datetime | None = None, state: int = 0, verify: int = 1, *, ack_timeout: float = 2.0
    ) -> int:
        """Someone punches: badge `pin` at `when` (default: the terminal's clock), in/out `state` (0 in,
        1 out), `verify` type (1 fingerprint, 4 card, 15 face). Stored in the log and sent as a realtime
        event to every session registered for EF_ATTLOG; how many acknowledged (see `push_event`)."""
        return self.push_event(pin, when, status=verify, punch=state, ack_timeout=ack_timeout)

    def reboot(self) -> None:
        """Forget every session, as a power cycle does: TCP links drop, UDP session ids become unknown."""
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.link.drop()

    @property
    def was_cleared(self) -> bool:
        return self.clear_count > 0

    # --- sockets ------------------------------------------------------------------------------

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _set_refuse(self, refuse: bool) -> None:
        with self._lock:
            self._listener.refuse(refuse)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            sock = self._listener.wait()
            if sock is None:
                continue
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._tcp_clients.add(conn)
            self._spawn(self._serve_tcp, f"zk-sim-{self.serial}-conn", conn)

    def _serve_tcp(self, conn: socket.socket) -> None:
        link = TcpLink(conn, self.pacing)
        session: _Session | None = None
        try:
            while not self._stop.is_set():
                prefix = recv_exact(conn, 8)
                if prefix is None:
                    return
                size = parse_tcp_prefix(prefix)
                if not HEADER.size <= size <= _MAX_TCP_PACKET:
                    return
                raw = recv_exact(conn, size)
                if raw is None:
                    return
                packet = parse_packet(raw)
                if packet.command == Cmd.CONNECT:
                    if session is not None:
                        self._forget(session)
                    session = self._new_session(link)
                self._answer(session, link, packet)
        except (OSError, CodecError):
            return
        finally:
            with self._lock:
                self._tcp_clients.discard(conn)
            if session is not None:
                self._forget(session)
            conn.close()

    def _udp_loop(self) -> None:
        while not self._stop.is_set():
            sock = self._listener.wait()
            if sock is None:
                continue
            try:
                raw, addr = sock.recvfrom(65535)
                packet = parse_packet(raw)
            except (OSError, CodecError):
                continue
            link = UdpLink(sock, addr, self._udp_pacer)
            if packet.command == Cmd.CONNECT:
                session: _Session | None = self._new_session(link)
            else:
                with self._lock:
                    session = self._sessions.get(packet.session_id)
                if session is not None:
                    session.link = link  # answer wherever the client is now
            if self.faults.stall_s > 0:  # one UDP socket serves everyone: stall off the loop
                self._spawn(self._answer, f"zk-sim-{self.serial}-stall", session, link, packet)
            else:
                self._answer(session, link, packet)

    # --- protocol -----------------------------------------------------------------------------

    def _new_session(self, link: Link) -> _Session:
        with self._lock:
            self._next_session = self._next_session % 0xFFFE + 1
            session = _Session(self._next_session, link)
            self._sessions[session.session_id] = session
            return session

    def _forget(self, session: _Session) -> None:
        with self._lock:
            if self._sessions.get(session.session_id) is session:
                del self._sessions[session.session_id]

    def _answer(self, session: _Session | None, link: Link, packet: Packet) -> None:
        """Answer one client packet, applying the fault knobs."""
        if not packet.checksum_ok:
            return
        if packet.command == Cmd.ACK_OK:  # a client acknowledging a realtime event: no answer
            if session is not None:
                session.event_acked.set()
            return
        if session is None:  # no CONNECT on this link, or a session id the terminal forgot
            replies: list[tuple[int, bytes]] = [(Cmd.ACK_UNAUTH, b"")]
            session_id = packet.session_id
        else:
            if session.silenced and packet.command == Cmd.READ_BUFFER:
                return
            session.silenced = False
            replies = self._dispatch(session, packet)
            session_id = session.session_id
            if self.faults.wrong_session and packet.command != Cmd.CONNECT:
                session_id = session_id % 0xFFFE + 1
        packets = [self._finish(build_packet(code, session_id, packet.reply_id, data)) for code, data in replies]
        cut = session is not None and self._cut_transfer(session, packet, replies)
        if self.faults.stall_s > 0 and self._stop.wait(self.faults.stall_s):
            return
        try:
            if session is not None and cut:
                session.silenced = True  # over UDP, the rest of this transfer goes unanswered
                link.send_cut(packets)
            else:
                link.send(packets)
        except OSError:
            return

    def _finish(self, packet: bytes) -> bytes:
        """Apply the checksum fault to an outgoing packet."""
        if not self.faults.corrupt_checksum:
            return packet
        command, chk, session_id, reply_id = HEADER.unpack_from(packet)
        return HEADER.pack(command, chk ^ 0x0101, session_id, reply_id) + packet[HEADER.size :]

    def _cut_transfer(self, session: _Session, packet: Packet, replies: Sequence[tuple[int, bytes]]) -> bool:
        """Whether the drop fault cuts this READ_BUFFER answer (counting the chunks served so far)."""
        limit = self.faults.drop_after_chunks
        if packet.command != Cmd.READ_BUFFER or replies[0][0] != Cmd.PREPARE_DATA:
            return False
        served = session.chunks_served
        session.chunks_served += 1
        return limit is not None and served >= limit

    def _dispatch(self, session: _Session, packet: Packet) -> list[tuple[int, bytes]]:
        """The answers (code, data) to one command from a connected session."""
        cmd, data = packet.command, packet.data
        if cmd == Cmd.CONNECT:
            return [(Cmd.ACK_UNAUTH if self.comm_key else Cmd.ACK_OK, b"")]
        if cmd == Cmd.AUTH:
            session.authenticated = auth_ok(self.comm_key, session.session_id, data)
            return [(Cmd.ACK_OK if session.authenticated else Cmd.ACK_UNAUTH, b"")]
        if cmd == Cmd.EXIT:
            self._forget(session)
            return [(Cmd.ACK_OK, b"")]
        if self.comm_key and not session.authenticated:
            return [(Cmd.ACK_UNAUTH, b"")]
        handler = self._handlers.get(cmd)
        if handler is None:
            return [(Cmd.ACK_UNKNOWN, b"")]
        try:
            return handler(self, session, data)
        except (struct.error, CodecError, ValueError):
            return [(Cmd.ACK_ERROR, b"")]

    def _ok(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        return [(Cmd.ACK_OK, b"")]

    def _enable(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        self.enabled = True
        return [(Cmd.ACK_OK, b"")]

    def _disable(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        self.enabled = False
        return [(Cmd.ACK_OK, b"")]

    def _sizes(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """CMD_GET_FREE_SIZES: twenty little-endian ints, read the way pyzk's read_sizes reads them."""
        with self._lock:
            n_users, n_records = len(self.users), len(self.records)
            n_cards = sum(1 for u in self.users if u.card)
        fields = [0] * 20
        fields[4], fields[6], fields[8], fields[12] = n_users, len(self.templates), n_records, n_cards
        fields[14], fields[15], fields[16] = _FINGER_CAPACITY, self.user_capacity, self.capacity
        fields[17], fields[18], fields[19] = _FINGER_CAPACITY, self.user_capacity - n_users, self.capacity - n_records
        return [(Cmd.ACK_OK, struct.pack("<20i", *fields))]

    def _option(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        key = data.split(b"\x00", 1)[0].decode("ascii", errors="replace")
        value = self.options.get(key)
        if value is None:
            return [(Cmd.ACK_ERROR, b"")]
        return [(Cmd.ACK_OK, f"{key}={value}".encode() + b"\x00")]

    def _version(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        return [(Cmd.ACK_OK, self.firmware.encode() + b"\x00")]

    def _get_time(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        return [(Cmd.ACK_OK, struct.pack("<I", encode_time(self.device_time())))]

    def _set_time(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        wanted = decode_time(struct.unpack_from("<I", data)[0])
        self._time_offset += wanted - self.device_time()
        return [(Cmd.ACK_OK, b"")]

    def _clear_log(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        with self._lock:
            self.records.clear()
            self._log_cache = None
            self.clear_count += 1
        return [(Cmd.ACK_OK, b"")]

    def _reg_event(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        session.events = struct.unpack_from("<I", data)[0]
        return [(Cmd.ACK_OK, b"")]

    def _prepare_buffer(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """PREPARE_BUFFER (ex_data.md): small tables come back at once, large ones by size only."""
        _, inner, fct, _ = struct.unpack_from("<bhii", data)
        with self._lock:
            if inner == Cmd.ATTLOG_RRQ:
                if self._log_cache is None:
                    self._log_cache = encode_records(self.records, self.users, self.record_layout)
                table = self._log_cache
            elif inner == Cmd.USERTEMP_RRQ and fct == FCT_USER:
                table = encode_users(self.users, self.user_layout, self.encoding)
            elif inner == Cmd.DB_RRQ and fct == _FCT_FINGERTMP:
                table = encode_templates(self.templates)
            else:
                return [(Cmd.ACK_ERROR, b"")]
        if len(table) <= DIRECT_DATA_MAX:
            return [(Cmd.DATA, table)]
        session.buffer, session.chunks_served = table, 0
        # "data stat": fixed 00, size, size again, and a value the description leaves unknown.
        return [(Cmd.ACK_OK, b"\x00" + struct.pack("<III", len(table), len(table), 0))]

    def _read_buffer(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """READ_BUFFER: PREPARE_DATA, the chunk as CMD_DATA (1024-byte pieces over UDP), ACK_OK."""
        start, size = struct.unpack_from("<ii", data)
        buffer = session.buffer
        if buffer is None or start < 0 or size <= 0 or start + size > len(buffer):
            return [(Cmd.ACK_ERROR, b"")]
        chunk = buffer[start : start + size]
        piece = UDP_DATA_PACKET if self.udp else len(chunk)
        pieces = [(Cmd.DATA, chunk[i : i + piece]) for i in range(0, len(chunk), piece)]
        return [(Cmd.PREPARE_DATA, struct.pack("<I", size) + _PREPARE_DATA_FIXED), *pieces, (Cmd.ACK_OK, b"")]

    def _write_user(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """CMD_USER_WRQ: store the user in its uid's slot (replacing what was there, as the firmware does);
        a new slot beyond the user capacity, or a badge another slot holds, is refused with CMD_ACK_ERROR."""
        user = decode_user_write(data, self.user_layout, self.encoding)
        with self._lock:
            slots = {u.uid: i for i, u in enumerate(self.users)}
            if any(u.user_id == user.user_id and u.uid != user.uid for u in self.users):
                return [(Cmd.ACK_ERROR, b"")]
            if user.uid in slots:
                self.users[slots[user.uid]] = user
            elif len(self.users) >= self.user_capacity:
                return [(Cmd.ACK_ERROR, b"")]
            else:
                self.users.append(user)
        return [(Cmd.ACK_OK, b"")]

    def _delete_user(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """CMD_DELETE_USER: free the uid's slot (a 16-bit uid); an empty slot is CMD_ACK_ERROR."""
        (uid,) = struct.unpack_from("<H", data)
        with self._lock:
            kept = [u for u in self.users if u.uid != uid]
            if len(kept) == len(self.users):
                return [(Cmd.ACK_ERROR, b"")]
            self.users = kept
        return [(Cmd.ACK_OK, b"")]

    def _free_data(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        session.buffer = session.upload = None
        return [(Cmd.ACK_OK, b"")]

    def _prepare_upload(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """CMD_PREPARE_DATA from the client: a buffer of this many bytes follows in CMD_DATA packets."""
        (session.upload_size,) = struct.unpack_from("<I", data)
        session.upload = bytearray()
        return [(Cmd.ACK_OK, b"")]

    def _upload_chunk(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """CMD_DATA from the client: the next piece of the announced buffer; more than announced is refused."""
        if session.upload is None or len(session.upload) + len(data) > session.upload_size:
            return [(Cmd.ACK_ERROR, b"")]
        session.upload += data
        return [(Cmd.ACK_OK, b"")]

    def _save_user_templates(self, session: _Session, data: bytes) -> list[tuple[int, bytes]]:
        """CMD_SAVE_USERTEMPS (110): store the uploaded user and replace the templates of the fingers it
        carries; an incomplete upload, or a badge another slot holds, is CMD_ACK_ERROR and stores nothing."""
        upload = session.upload
        if upload is None or len(upload) != session.upload_size:
            return [(Cmd.ACK_ERROR, b"")]
        user, templates = decode_template_upload(bytes(upload), self.user_layout, self.encoding)
        session.upload = None
        with self._lock:
            if any(u.user_id == user.user_id and u.uid != user.uid for u in self.users):
                return [(Cmd.ACK_ERROR, b"")]
            self.users = [u for u in self.users if u.uid != user.uid] + [user]
            self.users.sort(key=lambda u: u.uid)
            replaced = {(t.uid, t.fid) for t in templates}
            self.templates = [t for t in self.templates if (t.uid, t.fid) not in replaced] + templates
        return [(Cmd.ACK_OK, b"")]

    _handlers: dict[int, Callable[[ZKTerminal, _Session, bytes], list[tuple[int, bytes]]]] = {
        Cmd.ENABLEDEVICE: _enable,
        Cmd.DISABLEDEVICE: _disable,
        Cmd.REFRESHDATA: _ok,
        Cmd.CANCELCAPTURE: _ok,
        Cmd.STARTVERIFY: _ok,
        Cmd.GET_FREE_SIZES: _sizes,
        Cmd.OPTIONS_RRQ: _option,
        Cmd.GET_VERSION: _version,
        Cmd.GET_TIME: _get_time,
        Cmd.SET_TIME: _set_time,
        Cmd.CLEAR_ATTLOG: _clear_log,
        Cmd.REG_EVENT: _reg_event,
        Cmd.PREPARE_BUFFER: _prepare_buffer,
        Cmd.READ_BUFFER: _read_buffer,
        Cmd.FREE_DATA: _free_data,
        Cmd.PREPARE_DATA: _prepare_upload,
        Cmd.DATA: _upload_chunk,
        Cmd.SAVE_USERTEMPS: _save_user_templates,
        Cmd.USER_WRQ: _write_user,
        Cmd.DELETE_USER: _delete_user,
    }


_FINGER_CAPACITY = 3000
