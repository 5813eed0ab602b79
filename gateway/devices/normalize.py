"""Raw device punches → rows for the `punches` table: UTC time, employee, flags, double taps.

Pure functions over plain values, so the rules are testable without a database:

- **Time zone.** A terminal's clock has no zone; its wall time is read in the office's IANA zone.
  A wall time that occurs twice (DST fall-back) is read as its *first* occurrence (`fold=0`) and
  flagged `DST_AMBIGUOUS`; a wall time that never occurs (spring-forward gap) is read with the offset
  in force *before* the jump (`fold=0`, so 02:30 in a 02:00→03:00 gap becomes 03:30 after it) and
  flagged `DST_GAP`. `ts_utc` is *not* shifted by the measured clock offset: the offset at the moment
  of a past punch is unknown (and the poller corrects drifting clocks), so the raw reading is kept and
  the offset is recorded on the device instead.
- **Employee.** A badge bound to this device wins over a company-wide badge; no badge → no employee,
  and the caller quarantines the punch. A badge number longer than `drivers.base.MAX_PIN_LENGTH` (24,
  a ZKTeco PIN field) cannot come from a ZK terminal but can from an export file: the batch is refused
  (`IngestError` naming the record), nothing of it is stored, and the poll reports it.
- **Flags.** `FUTURE`: later than the device's own clock (now + its measured offset) plus a tolerance;
  `BEFORE_FIRST_RECORD`: earlier than the first record the device ever gave us (a reset clock).
  Flagged punches are stored and reported, never dropped.
- **Direction.** A ZK punch state says in (0 check-in, 3 break-in, 4 OT-in) or out (1 check-out,
  2 break-out, 5 OT-out); 255 is a terminal without a state key (`Direction.NONE`: the day is read
  first-in/last-out); any other state is `ANY`. A device configured `in` or `out` (an in-only or
  out-only gate) gives that direction to every punch, whatever its state.
- **Double taps.** A punch within the office window after the last *accepted* (non-double-tap) punch
  of the same pin on the same device is marked `is_double_tap`; it stays in the raw log and
  attendance ignores it. Anchoring on the accepted punch means a run of taps 20 s apart with a 30 s
  window keeps every other tap rather than collapsing a whole minute into one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from drivers.base import MAX_PIN_LENGTH, RawPunch
from gateway.errors import IngestError
from gateway.store import PunchFlag
from payroll_core.attendance import Direction

_LAST_MICROSECOND = timedelta(hours=1, microseconds=-1)


def local_to_utc(ts_local: datetime, zone: ZoneInfo) -> tuple[datetime, PunchFlag]:
    """Naive device wall time in `zone` → naive UTC, with the DST flag when the wall time is irregular."""
    first = ts_local.replace(tzinfo=zone, fold=0)
    utc = first.astimezone(UTC).replace(tzinfo=None)
    if first.utcoffset() == ts_local.replace(tzinfo=zone, fold=1).utcoffset():
        return utc, PunchFlag.NONE
    round_trip = (utc.replace(tzinfo=UTC)).astimezone(zone).replace(tzinfo=None)
    return utc, PunchFlag.DST_AMBIGUOUS if round_trip == ts_local else PunchFlag.DST_GAP


class UtcConverter:
    """`local_to_utc` for one zone, remembering the offset of each regular wall-clock hour.

    An hour is regular when its first and last microsecond have one unambiguous offset; every punch in
    it then converts by subtraction. Hours holding a transition fall back to `local_to_utc`. (This
    assumes no zone changes its offset twice within one hour, which no tz database zone does.)
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._hours: dict[int, timedelta | None] = {}  # hours since 0001-01-01 → offset, None if irregular

    def __call__(self, ts_local: datetime) -> tuple[datetime, PunchFlag]:
        hour = ts_local.toordinal() * 24 + ts_local.hour  # integer key: far cheaper than datetime.replace
        try:
            offset = self._hours[hour]
        except KeyError:
            start = datetime.fromordinal(hour // 24) + timedelta(hours=hour % 24)
            offset = self._hours[hour] = self._regular_offset(start)
        if offset is None:
            return local_to_utc(ts_local, self.zone)
        return ts_local - offset, PunchFlag.NONE

    def _regular_offset(self, hour: datetime) -> timedelta | None:
        offsets = {
            moment.replace(tzinfo=self.zone, fold=fold).utcoffset()
            for moment in (hour, hour + _LAST_MICROSECOND)
            for fold in (0, 1)
        }
        return offsets.pop() if len(offsets) == 1 else None


def device_now_local(now_utc: datetime, zone: ZoneInfo, clock_offset_s: int) -> datetime:
    """What the device's clock reads at `now_utc` (naive UTC), given its offset (device − true, seconds)."""
    true_local = now_utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return true_local + timedelta(seconds=clock_offset_s)


_STATE_DIRECTION = {
    0: Direction.IN,
    1: Direction.OUT,
    2: Direction.OUT,
    3: Direction.IN,
    4: Direction.IN,
    5: Direction.OUT,
    255: Direction.NONE,
}
#: `devices.direction` values: "auto" reads the punch state, the others are fixed gates.
DEVICE_DIRECTIONS = {"auto": None, "in": Direction.IN, "out": Direction.OUT}


def direction_of(punch_state: int, device_direction: str) -> Direction:
    """A punch's direction: the device's fixed one (an in-only / out-only gate), else its ZK state's."""
    fixed = DEVICE_DIRECTIONS[device_direction]
    return fixed if fixed is not None else _STATE_DIRECTION.get(punch_state, Direction.ANY)


def employee_for(pin: str, device_sn: str, badges: Mapping[tuple[str, str | None], int]) -> int | None:
    """The employee behind `pin` on `device_sn`: the device's own badge first, then a company-wide one."""
    found = badges.get((pin, device_sn))
    return found if found is not None else badges.get((pin, None))


def unknown_pin_reason(pin: str, device_sn: str) -> str:
    return (
        f"unknown badge pin {pin!r} on device {device_sn}: add a badge for pin {pin!r} "
        "(company-wide or for this device) and its quarantined punches are re-mapped"
    )


class PunchRow(NamedTuple):
    """One row for the `punches` table, fields in the table's column order (minus `id`)."""

    device_sn: str
    pin: str
    ts_local: datetime
    ts_utc: datetime
    status: int
    punch_state: int
    verify_mode: int
    workcode: str
    source: str
    received_at: datetime
    employee_id: int | None
    flags: int
    is_double_tap: bool
    direction: int


@dataclass(frozen=True, slots=True)
class NormalizeContext:
    """Everything normalization needs to know about one device at ingest time."""

    device_sn: str
    to_utc: UtcConverter
    double_tap_window: timedelta
    badges: Mapping[tuple[str, str | None], int]
    future_limit_local: datetime | None  # device wall time after which a punch is FUTURE
    first_record_ts_local: datetime | None
    source: str
    received_at: datetime  # naive UTC
    direction: str = "auto"  # the device's: auto | in | out


def normalize_punches(
    new: Sequence[RawPunch],
    stored: Iterable[tuple[str, datetime, bool]],
    ctx: NormalizeContext,
) -> list[PunchRow]:
    """Rows for the `new` punches (sorted by `ts_local`), given the punches already `stored` for the
    device from `window` before the first new punch up to the last one, as (pin, ts_local, is_double_tap).

    Stored punches are not re-judged; they only serve as double-tap anchors, merged in time order
    (a stored punch at the same instant as a new one counts as earlier).
    """
    anchors = sorted(stored, key=lambda s: s[1])
    next_anchor = 0
    last_accepted: dict[str, datetime] = {}
    window = ctx.double_tap_window
    future_limit = ctx.future_limit_local
    first_record = ctx.first_record_ts_local
    to_utc = ctx.to_utc
    rows: list[PunchRow] = []
    for punch in new:
        ts, pin = punch.ts_local, punch.pin
        if len(pin) > MAX_PIN_LENGTH:
            raise IngestError(
                f"device {ctx.device_sn}: the punch at {ts} has a badge number of {len(pin):,} characters "
                f"({pin[:MAX_PIN_LENGTH]!r}…); badge numbers have at most {MAX_PIN_LENGTH}: fix the record at its "
                "source (the export file) and read it again; nothing of this batch was stored"
            )
        while next_anchor < len(anchors) and anchors[next_anchor][1] <= ts:
            anchor_pin, anchor_ts, anchor_double = anchors[next_anchor]
            if not anchor_double:
                last_accepted[anchor_pin] = anchor_ts
            next_anchor += 1
        previous = last_accepted.get(pin)
        is_double_tap = previous is not None and ts - previous <= window
        if not is_double_tap:
            last_accepted[pin] = ts
        ts_utc, flags = to_utc(ts)
        if future_limit is not None and ts > future_limit:
            flags |= PunchFlag.FUTURE
        if first_record is not None and ts < first_record:
            flags |= PunchFlag.BEFORE_FIRST_RECORD
        rows.append(
            PunchRow(
                ctx.device_sn,
                pin,
                ts,
                ts_utc,
                punch.status,
                punch.punch_state,
                punch.verify_mode,
                punch.workcode,
                ctx.source,
                ctx.received_at,
                employee_for(pin, ctx.device_sn, ctx.badges),
                int(flags),
                is_double_tap,
                int(direction_of(punch.punch_state, ctx.direction)),
            )
        )
    return rows
