"""What a simulated ZKTeco terminal holds (users, attendance log) and how it lays the records out.

The log is generated deterministically from a seed so that tests can compare every field: a plant
that runs a day shift (≈08:00 in, lunch out/in, ≈17:30 out, Monday to Saturday) and a night shift
(≈20:00 in, ≈05:00 out the next morning), with a few double taps seconds apart and a few badges
that are not in the user table. Times are naive device-local datetimes, like the terminal's clock.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from simulators.zk_codec import CodecError, encode_time, encode_time6

RECORD_LAYOUTS = (40, 16, 8)
USER_LAYOUTS = (72, 28)

DEFAULT_FIRST_DAY = date(2025, 1, 6)  # a Monday
FIRST_PIN = 1001  # badge numbers: 1001, 1002, ...
UNKNOWN_PIN_BASE = 65001  # badges not in the user table: 65001.. (fits the 8-byte layout's u16)
_UNKNOWN_PINS = 20

# Verify types stored with each punch (ZKTeco codes: 1 fingerprint, 4 card, 15 face).
_VERIFY_MODES = (1, 1, 1, 4, 15)
_SURNAMES = ("Zhang", "Wang", "Li", "Zhao", "Chen", "Liu", "Huang", "Zhou", "Wu", "Xu")
_GIVEN = ("Wei", "Fang", "Na", "Min", "Jing", "Qiang", "Lei", "Jun", "Yan", "Tao")
_SURNAMES_ZH = ("张", "王", "李", "赵", "陈", "刘", "黄", "周", "吴", "徐")
_GIVEN_ZH = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "燕", "涛")

CHECK_IN, CHECK_OUT = 0, 1


@dataclass(frozen=True, slots=True)
class ZKUser:
    """A user slot: `uid` is the terminal's internal number, `user_id` the badge number (PIN)."""

    uid: int
    user_id: str
    name: str
    privilege: int = 0
    password: str = ""
    card: int = 0
    group_id: str = "1"


@dataclass(frozen=True, slots=True)
class ZKRecord:
    """One attendance log entry, with pyzk's field names.

    `status` is the verify-type byte (1 fingerprint, 4 card, 15 face...) and `punch` the in/out state
    (0 check-in, 1 check-out): data-record.md calls them "verify type" and "verify state".
    """

    user_id: str
    timestamp: datetime
    status: int
    punch: int
    workcode: int = 0


@dataclass(frozen=True, slots=True)
class ZKTemplate:
    """A fingerprint template: the user's slot (`uid`), the finger (`fid` 0-9), `valid` (1; 3 = duress on
    some firmware) and the template bytes as the sensor's algorithm wrote them (opaque here)."""

    uid: int
    fid: int
    valid: int
    template: bytes


_TEMPLATE_HEAD = struct.Struct("<HHbb")  # record size (head included), uid, finger, valid
_UPLOAD_HEAD = struct.Struct("<III")  # sizes of the user record, the finger table, the templates
_UPLOAD_ENTRY = struct.Struct("<bHbI")  # 2, uid, 0x10 + finger, offset of the template in the templates part
_UPLOAD_FINGER_FLAG = 0x10


def encode_templates(templates: list[ZKTemplate]) -> bytes:
    """The FCT_FINGERTMP table as a terminal sends it: 4-byte total size, then per template its 6-byte head
    (record size, uid, finger, valid) and the bytes (the layout pyzk's get_templates reads)."""
    body = b"".join(_TEMPLATE_HEAD.pack(len(t.template) + 6, t.uid, t.fid, t.valid) + t.template for t in templates)
    return struct.pack("<I", len(body)) + body


def decode_template_upload(data: bytes, layout: int, encoding: str) -> tuple[ZKUser, list[ZKTemplate]]:
    """What CMD_SAVE_USERTEMPS stores from the uploaded buffer: the sizes of its three parts, the user
    record (a 2 byte, then the terminal's 72- or 28-byte layout), the finger table (2, uid, 0x10 + finger,
    offset) and the templates (each a u16 size and the bytes). A part that does not add up is a `CodecError`."""
    if len(data) < _UPLOAD_HEAD.size:
        raise CodecError(f"template upload of {len(data)} bytes has no size header")
    user_size, table_size, templates_size = _UPLOAD_HEAD.unpack_from(data)
    if _UPLOAD_HEAD.size + user_size + table_size + templates_size != len(data) or user_size != layout + 1:
        raise CodecError(f"template upload sizes {user_size}, {table_size}, {templates_size} do not fit {len(data)}")
    at = _UPLOAD_HEAD.size
    user = decode_user_write(data[at + 1 : at + user_size], layout, encoding)
    table = data[at + user_size : at + user_size + table_size]
    pack = data[at + user_size + table_size :]
    templates = []
    for _, uid, flag, start in _UPLOAD_ENTRY.iter_unpack(table):
        (size,) = struct.unpack_from("<H", pack, start)
        body = pack[start + 2 : start + 2 + size]
        if uid != user.uid or len(body) != size or not flag & _UPLOAD_FINGER_FLAG:
            raise CodecError(f"template entry uid {uid} flag {flag:#x} at {start} does not fit the upload")
        templates.append(ZKTemplate(uid, flag - _UPLOAD_FINGER_FLAG, 1, bytes(body)))
    return user, templates


def generate_users(count: int, seed: int, layout: int) -> list[ZKUser]:
    """`count` users, uid 1.. and badge 1001..; names fit the layout (8 bytes in the 28-byte one)."""
    if count < 0 or FIRST_PIN + count > UNKNOWN_PIN_BASE:
        raise ValueError(f"users must be between 0 and {UNKNOWN_PIN_BASE - FIRST_PIN}, got {count}")
    rng = random.Random(f"zk-users:{seed}")
    users = []
    for i in range(count):
        if layout == 72 and rng.random() < 0.5:
            name = rng.choice(_SURNAMES_ZH) + rng.choice(_GIVEN_ZH)
        else:
            name = f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}"
            name = name if layout == 72 else name[:8].rstrip()
        users.append(
            ZKUser(
                uid=i + 1,
                user_id=str(FIRST_PIN + i),
                name=name,
                privilege=14 if i == 0 else 0,
                password="1234" if i == 0 else "",
                card=rng.randrange(1_000_000, 4_000_000_000) if rng.random() < 0.6 else 0,
            )
        )
    return users


def generate_records(
    users: list[ZKUser], count: int, seed: int, *, layout: int, first_day: date = DEFAULT_FIRST_DAY
) -> list[ZKRecord]:
    """Exactly `count` records in time order, shift after shift from `first_day`.

    Every fifth-or-so user works nights. About 1 % of punches get a double tap 2-9 s later and about
    0.5 % come from a badge that is not in the user table. `(user_id, timestamp)` is unique.
    Workcodes exist only in the 16-byte layout (the others have no field for them).
    """
    if count and not users:
        raise ValueError("records need at least one user: pass users >= 1")
    rng = random.Random(f"zk-records:{seed}")
    night = {u.user_id for u in users if rng.random() < 0.2}
    seen: set[tuple[str, datetime]] = set()
    records: list[ZKRecord] = []
    day = first_day
    # Night shifts end the next morning, so a day's records are final only once the next day is made.
    pending: list[ZKRecord] = []
    while len(records) < count:
        today: list[ZKRecord] = []
        if day.weekday() < 6:
            for user in users:
                shift = _night_shift(day) if user.user_id in night else _day_shift(day)
                for at, punch in shift:
                    ts = at + timedelta(seconds=rng.randint(-900, 900))
                    pin = user.user_id
                    if rng.random() < 0.005:
                        pin = str(UNKNOWN_PIN_BASE + rng.randrange(_UNKNOWN_PINS))
                    verify = rng.choice(_VERIFY_MODES)
                    workcode = rng.choice((0, 0, 0, 1, 2)) if layout == 16 else 0
                    taps = 2 if rng.random() < 0.01 else 1
                    for tap in range(taps):
                        record = ZKRecord(pin, ts + timedelta(seconds=tap * rng.randint(2, 9)), verify, punch, workcode)
                        if (record.user_id, record.timestamp) not in seen:
                            seen.add((record.user_id, record.timestamp))
                            today.append(record)
        pending.extend(today)
        pending.sort(key=lambda r: (r.timestamp, r.user_id))
        cutoff = datetime.combine(day + timedelta(days=1), time())
        done = [r for r in pending if r.timestamp < cutoff]
        pending = [r for r in pending if r.timestamp >= cutoff]
        records.extend(done[: count - len(records)])
        day += timedelta(days=1)
    return records


def _day_shift(day: date) -> list[tuple[datetime, int]]:
    at = datetime.combine
    return [
        (at(day, time(8, 0)), CHECK_IN),
        (at(day, time(12, 0)), CHECK_OUT),
        (at(day, time(13, 0)), CHECK_IN),
        (at(day, time(17, 30)), CHECK_OUT),
    ]


def _night_shift(day: date) -> list[tuple[datetime, int]]:
    return [
        (datetime.combine(day, time(20, 0)), CHECK_IN),
        (datetime.combine(day + timedelta(days=1), time(5, 0)), CHECK_OUT),
    ]


# --- layouts ----------------------------------------------------------------------------------

_USER72 = struct.Struct("<HB8s24sIB7sx24s")  # data.md "users info" entry (pyzk: <HB8s24sIx7sx24s)
_USER28 = struct.Struct("<HB5s8sIxBhI")  # older firmware: user_id as an integer
_REC40 = struct.Struct("<H24sBIB8s")  # data-record.md "att rec" entry
_REC40_TAIL = bytes.fromhex("00000000ff000000")  # data-record.md: fixed 00 00 00 00 FF 00 00 00
_REC16 = struct.Struct("<IIBB2sI")  # user_id (int), time, verify, state, reserved, workcode
_REC8 = struct.Struct("<HBIB")  # uid, verify, time, state


def encode_users(users: list[ZKUser], layout: int, encoding: str = "gbk") -> bytes:
    """The user table as a terminal sends it: 4-byte total size, then one entry per user (names in the
    terminal's `encoding`: GBK on Chinese firmware, UTF-8 on newer multi-language firmware)."""
    if layout == 72:
        body = b"".join(
            _USER72.pack(
                u.uid,
                u.privilege,
                _text(u.password, 8),
                _text(u.name, 24, encoding),
                u.card,
                1,
                _text(u.group_id, 7),
                _text(u.user_id, 24),
            )
            for u in users
        )
    elif layout == 28:
        body = b"".join(
            _USER28.pack(
                u.uid,
                u.privilege,
                _text(u.password, 5),
                _text(u.name, 8, encoding),
                u.card,
                int(u.group_id or 0),
                0,
                int(u.user_id),
            )
            for u in users
        )
    else:
        raise ValueError(f"user layout must be one of {USER_LAYOUTS}, got {layout}")
    return struct.pack("<I", len(body)) + body


def encode_records(records: list[ZKRecord], users: list[ZKUser], layout: int) -> bytes:
    """The attendance log as a terminal sends it: 4-byte total size, then one entry per record.

    The 40-byte entry carries the user's uid and badge; the 16-byte one only the badge as a number;
    the 8-byte one only the uid (a badge not in the user table is stored under its number as uid).
    """
    uid_of = {u.user_id: u.uid for u in users}
    if layout == 40:
        body = b"".join(
            _REC40.pack(
                uid_of.get(r.user_id, 0),
                _text(r.user_id, 24),
                r.status,
                encode_time(r.timestamp),
                r.punch,
                _REC40_TAIL,
            )
            for r in records
        )
    elif layout == 16:
        body = b"".join(
            _REC16.pack(int(r.user_id), encode_time(r.timestamp), r.status, r.punch, b"\x00\x00", r.workcode)
            for r in records
        )
    elif layout == 8:
        body = b"".join(
            _REC8.pack(uid_of.get(r.user_id, int(r.user_id)), r.status, encode_time(r.timestamp), r.punch)
            for r in records
        )
    else:
        raise ValueError(f"record layout must be one of {RECORD_LAYOUTS}, got {layout}")
    return struct.pack("<I", len(body)) + body


def encode_event(record: ZKRecord, user_layout: int) -> bytes:
    """Data of an EF_ATTLOG realtime packet (realtime.md, "Attendance Realtime Log").

    Terminals with string badges send the badge in 24 bytes, two bytes the description leaves unnamed
    (pyzk reads them as status and punch, as in the log), then the 6-byte time: 32 bytes. The older
    integer-badge firmware sends the badge as a u32 instead: 12 bytes (pyzk's live_capture reads both).
    """
    badge = _text(record.user_id, 24) if user_layout == 72 else struct.pack("<I", int(record.user_id))
    return badge + bytes((record.status, record.punch)) + encode_time6(record.timestamp)


def decode_user_write(data: bytes, layout: int, encoding: str) -> ZKUser:
    """The user a CMD_USER_WRQ (8) carries, in the terminal's own layout (72 or 28 bytes, as it sends its
    table); bytes of another size, uid 0 (no such slot) or a name not in the terminal's encoding are a
    `CodecError` (the terminal answers CMD_ACK_ERROR). The uid field is 16 bits wide: no larger slot exists."""
    if len(data) != layout:
        raise CodecError(f"a user write of {len(data)} bytes on a terminal whose user records have {layout}")
    if layout == 72:
        uid, privilege, password, name, card, group, user_id = _USER72_WRITE.unpack(data)
        badge = _untext(user_id, "ascii")
    else:
        uid, privilege, password, name, card, group_number, _tz, number = _USER28.unpack(data)
        group, badge = str(group_number).encode(), str(number)
    if uid == 0 or not badge:
        raise CodecError(f"user write with uid {uid} and badge {badge!r}: slots start at 1 and need a badge")
    return ZKUser(
        uid=uid,
        user_id=badge,
        name=_untext(name, encoding),
        privilege=privilege,
        password=_untext(password, encoding),
        card=card,
        group_id=_untext(group, "ascii"),
    )


_USER72_WRITE = struct.Struct("<HB8s24sIx7sx24s")  # what pyzk's set_user packs (the reserved byte is 0)


def _untext(raw: bytes, encoding: str) -> str:
    try:
        return raw.split(b"\x00", 1)[0].decode(encoding)
    except UnicodeDecodeError:
        raise CodecError(f"{raw.hex(' ')} is not {encoding} text") from None


def _text(value: str, size: int, encoding: str = "utf-8") -> bytes:
    raw = value.encode(encoding)
    if len(raw) > size:
        raise CodecError(f"{value!r} needs {len(raw)} bytes but the field holds {size}")
    return raw.ljust(size, b"\x00")
