"""What every terminal driver is and returns: the `Driver` protocol, the raw record types, the errors, the registry.

Drivers turn device bytes into raw records and nothing more: no database, no time zones, no employee
mapping (that is `gateway.devices.normalize`), and never a device clear unless the caller asks for it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

#: The longest badge number (PIN) punchclock accepts from any source. ZKTeco terminals hold a PIN in a
#: 24-byte field (pyzk reads user records as `<HB8s24sIx7sx24s` and attendance records as
#: `<H24sB4sB8s`), so no ZK terminal can send more; export files (Comet) can, and are refused beyond it.
MAX_PIN_LENGTH = 24
QUOTE_LIMIT = 80


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` as a Python literal for a message, cut to `limit` characters with its full length noted when
    longer: what a device (or a client) sent is quoted in errors and logs, and may be megabytes long."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


@dataclass(frozen=True, slots=True)
class RawPunch:
    """One attendance record exactly as the terminal reports it.

    `ts_local` is the device's own wall-clock time, naive: terminals know no time zone, so the
    office's zone is applied later by `gateway.devices.normalize`. `(device_sn, pin, ts_local)` is the
    idempotent key of a punch.
    """

    device_sn: str
    pin: str
    ts_local: datetime
    status: int = 0
    punch_state: int = 0
    verify_mode: int = 0
    workcode: str = ""


@dataclass(frozen=True, slots=True)
class RawUser:
    """A user record as stored on a terminal (`uid` is the device's internal slot, `pin` the badge number)."""

    device_sn: str
    pin: str
    name: str = ""
    uid: int = 0
    privilege: int = 0
    card: int = 0
    password: str = ""
    group_id: str = ""


#: Device privileges punchclock writes (pyzk `const.USER_DEFAULT` / `USER_ADMIN`; ADMS `Pri=`, SOAP `Privilege`).
PRIVILEGE_USER = 0
PRIVILEGE_ADMIN = 14
#: The largest device user slot: ZK user records carry `uid` as an unsigned 16-bit field.
MAX_UID = 0xFFFF
#: Name encodings a terminal may use. GBK is the default: ZKTeco's Chinese firmware stores names in the
#: GB2312/GBK code page (its OPERLOG uploads arrive in GB2312), UTF-8 only on newer multi-language firmware.
ENCODINGS = ("gbk", "utf-8")
DEFAULT_ENCODING = "gbk"


@dataclass(frozen=True, slots=True)
class TerminalUser:
    """A user as punchclock writes it to a terminal: badge number (pin), name, card number, privilege.

    The device's own slot (`uid`) is not here: the driver reuses the slot the terminal already has for
    the pin, or allocates the lowest free one (1..`MAX_UID`).
    """

    pin: str
    name: str
    card: int = 0
    privilege: int = PRIVILEGE_USER


def fit_name(name: str, encoding: str, size: int) -> bytes:
    """`name` in the terminal's encoding, cut to `size` bytes on a character boundary (a multibyte
    character is never split); a character the encoding lacks becomes "?", as the terminal would show it."""
    out = bytearray()
    for char in name:
        raw = char.encode(encoding, errors="replace")
        if len(out) + len(raw) > size:
            break
        out += raw
    return bytes(out)


@dataclass(frozen=True, slots=True)
class FingerTemplate:
    """A fingerprint template on a terminal (zk-tcp, zk-udp, zk-soap): the badge it belongs to, the finger
    (0-9), `valid` as the terminal reports it (1; 3 marks a duress finger on some firmware) and the template
    bytes, opaque: only a terminal of the same fingerprint algorithm (`~ZKFPVersion`) reads them."""

    pin: str
    finger: int
    valid: int
    template: bytes


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity and fill level of a terminal, as read from it."""

    serial_number: str
    model: str = ""
    platform: str = ""
    firmware: str = ""
    user_count: int = 0
    user_capacity: int = 0
    record_count: int = 0
    record_capacity: int = 0
    fingerprint_count: int = 0
    fingerprint_capacity: int = 0


class DriverError(Exception):
    """Base of every driver error; the message says what failed, on which device, and how to fix it."""


class DeviceUnreachable(DriverError):
    """No answer: connection refused, host down, timeout, or the connection dropped mid-transfer."""


def unresolvable_host(host: str, where: str, reason: str) -> DeviceUnreachable:
    """A host name the resolver does not know: a typo or DNS, not a terminal to retry (one wording for all)."""
    return DeviceUnreachable(
        f"the host name {host!r} of {where} does not resolve ({reason}): check `host` in the config for a typo, "
        "or give the terminal's IP address"
    )


class AuthFailed(DriverError):
    """The terminal refused our credentials (for ZKTeco: the comm key)."""


class ProtocolError(DriverError):
    """The terminal answered with bytes we cannot accept; the message carries the offending packet in hex."""


class DeviceBusy(DriverError):
    """The terminal is reachable but cannot serve us now (another client holds it, or it is enrolling)."""


def allocate_uids(taken: dict[str, int], pins: list[str], where: str) -> dict[str, int]:
    """The device slot for each pin: the one the terminal already has for it (`taken`: pin → uid), else
    the lowest free slot in 1..`MAX_UID`. A full terminal is a `DriverError` saying how to make room."""
    used = set(taken.values())
    slots: dict[str, int] = {}
    candidate = 1
    for pin in pins:
        if pin in taken:
            slots[pin] = taken[pin]
            continue
        while candidate in used:
            candidate += 1
        if candidate > MAX_UID:
            raise DriverError(
                f"{where} has no free user slot for badge {pin}: a ZK uid is 16 bits, so a terminal numbers at most "
                f"{MAX_UID:,} users; delete users it no longer needs (leavers, unknown users) first"
            )
        slots[pin] = candidate
        used.add(candidate)
    return slots


@runtime_checkable
class Driver(Protocol):
    """One connection to one terminal. Use as a context manager: `with driver: driver.read_punches()`.

    `has_clock` is False for a source without a clock (an export file): `get_time`/`set_time` raise and
    the poller measures no offset. `clearable` is False for a source punchclock must never clear.
    """

    has_clock: bool
    clearable: bool

    def open(self) -> None: ...

    def close(self) -> None: ...

    def info(self) -> DeviceInfo: ...

    def read_users(self) -> list[RawUser]: ...

    def read_punches(self) -> list[RawPunch]: ...

    def get_time(self) -> datetime: ...

    def set_time(self, dt: datetime) -> None: ...

    def clear_punches(self, expected_count: int) -> int:
        """Clear the attendance log only if it holds exactly `expected_count` records (those the caller stored).

        Returns how many records the device held at that check; the log was cleared exactly when that
        equals `expected_count`. Drivers that can lock the terminal (ZK binary: disable device) hold the
        lock from the count to the clear, so a punch made meanwhile is never wiped.
        """
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class UserWriter(Protocol):
    """A driver that can change a terminal's user table (ZK binary, SOAP). Each call is one batch: the
    terminal's table is read once, and refreshed once after the writes (ZK: CMD_REFRESHDATA)."""

    def read_users(self) -> list[RawUser]: ...

    def write_users(self, users: list[TerminalUser]) -> None: ...

    def delete_users(self, pins: list[str]) -> list[str]:
        """Delete the users with these badge numbers; returns the pins that were on the terminal."""
        ...


@runtime_checkable
class CursorReader(Protocol):
    """A driver whose terminal numbers its records (Hikvision `serialNo`): a poll reads only those after the
    cursor the gateway stored from the previous poll, instead of the whole log."""

    def read_punches_after(self, cursor: str | None) -> tuple[list[RawPunch], str | None]:
        """The records after `cursor` (None: all) and the cursor to store once they are committed."""
        ...


class DriverBase:
    """Context-manager plumbing shared by the concrete drivers.

    Every registered driver class is constructed the same way, so the gateway can build any kind
    from config: `cls(host, port, *, comm_key=0, timeout=10.0)` (a file-based kind takes the file path
    as `host` and ignores `port`).

    A terminal has a clock and can be cleared; a source without either (an export file) sets
    `has_clock = False` / `clearable = False` so the poller neither reads its clock nor clears it.
    """

    has_clock: bool = True
    clearable: bool = True

    def open(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# kind -> "module:Class". Lazy so that importing the registry does not import zeep or pyserial.
_REGISTRY: dict[str, str] = {
    "zk-tcp": "drivers.zk:ZKTcpDriver",
    "zk-udp": "drivers.zk:ZKUdpDriver",
    "zk-soap": "drivers.zk_soap:ZKSoapDriver",
    "comet-csv": "drivers.comet:CometCsvDriver",
    "anviz": "drivers.anviz:AnvizDriver",
    "hik-isapi": "drivers.hik_isapi:HikIsapiDriver",
}

# Kinds whose terminals connect to us (ADMS push to /iclock, see api/iclock.py): they are listed in the
# config so the receiver knows their serial number and office, and have no driver: never polled.
PUSH_KINDS: frozenset[str] = frozenset({"zk-push"})


def register(kind: str, target: str) -> None:
    """Make `kind` resolvable to the class named by `target` ("module:Class")."""
    _REGISTRY[kind] = target


def known_kinds() -> list[str]:
    return sorted({*_REGISTRY, *PUSH_KINDS})


def driver_class(kind: str) -> type:
    """The driver class for a config `kind`; a clear error names the kinds that exist."""
    try:
        target = _REGISTRY[kind]
    except KeyError:
        raise DriverError(f"unknown device kind {kind!r}: use one of {', '.join(known_kinds())}") from None
    module_name, _, class_name = target.partition(":")
    driver: type = getattr(importlib.import_module(module_name), class_name)
    return driver
