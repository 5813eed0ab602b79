"""Office rule sets for attendance: shifts, punch handling and overtime settings, from TOML.

One file per office (see `payroll_core/rules/offices/*.toml`):

```toml
[office]
name = "shanghai"
timezone = "Asia/Shanghai"       # IANA name; shift clock times are in this zone
holidays = "cn"                  # calendar in payroll_core/rules/holidays/cn-<year>.toml
rest_weekdays = [6, 7]           # ISO weekdays (1 = Monday) that are rest days

[attendance]
punch_mode = "first_last"        # first_last: one interval first..last punch; pairs: 1-2, 3-4, ...
double_tap_minutes = 3           # a punch less than this after the previous kept punch is dropped
ot_min_minutes = 30              # a day's overtime below this is not overtime
ot_unit_minutes = 30             # overtime is rounded down to a multiple of this
missing_punch = "absent"         # a day with a missing punch (缺卡): absent | worked | flag

[shifts.day]                     # shift name "day"
kind = "fixed"                   # fixed | flex
start = "09:00"                  # HH:MM; an `end` at or before `start` is on the next day
end = "18:00"
breaks = [{ from = "12:00", to = "13:00" }]   # unpaid; times before `start` are on the next day;
                                 # a break after `end` (before planned overtime) comes off overtime
late_grace_minutes = 5           # later than this after start: the whole lateness counts
early_grace_minutes = 0
window_before_minutes = 180      # punches from start - this ...
window_after_minutes = 360       # ... to end + this belong to the shift's day
half_day_below_minutes = 240     # regular minutes below this: half-day absence
absent_below_minutes = 60        # regular minutes below this: full-day absence
```

A `flex` shift has `start`/`end` as the span in which time counts, a `core = { from, to }` that
late/early are measured against, and `required_minutes` (its scheduled minutes).

`load_rules(paths)` reads several offices into one `RuleBook`; `RuleBook.day_tables(period)` turns
it into the kernel's arrays. Shift clock times are converted to UTC here, per shift and day, with
zoneinfo, so the kernel works in real elapsed minutes and a night shift over a DST change is
scheduled 11 or 13 hours, as the clock on the wall says.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from payroll_core.calendar import DayType, holiday_year
from payroll_core.errors import RuleDataError

MAX_BREAKS = 4
DAY = 1440
#: Shortest UTC day (a spring-forward day); window starts of different shifts of one office must
#: differ by at most this, so that the punch window of day d+1 never starts before that of day d.
SHORTEST_DAY = DAY - 60


class ShiftKind(IntEnum):
    FIXED = 0
    FLEX = 1


class PunchMode(IntEnum):
    FIRST_LAST = 0
    PAIRS = 1


class MissingPunch(IntEnum):
    """What a scheduled workday with a missing punch (缺卡) counts as until a correction (补卡) is approved.

    ABSENT (the default) is what Chinese HR systems (钉钉/企业微信考勤, 北森) do: the day is a full-day
    absence, so the employee asks for the correction. WORKED credits the scheduled day in full, with
    no lateness or early leave. FLAG counts only the paired time and judges nothing. In every policy
    the day keeps its MISSING_PUNCH flag.
    """

    ABSENT = 0
    WORKED = 1
    FLAG = 2


MISSING_PUNCH_POLICIES: dict[str, IntEnum] = {
    "absent": MissingPunch.ABSENT,
    "worked": MissingPunch.WORKED,
    "flag": MissingPunch.FLAG,
}


class Bound(IntEnum):
    """Columns of the per-(shift, day) UTC-minute table the kernel reads."""

    WIN_START = 0
    WIN_END = 1
    SPAN_START = 2
    SPAN_END = 3
    LATE_REF = 4
    EARLY_REF = 5
    SCHEDULED = 6  # scheduled minutes of the shift on that day (not a timestamp)
    BREAKS = 7  # then MAX_BREAKS pairs (start, end); unused pairs are (0, 0)


N_BOUNDS = Bound.BREAKS + 2 * MAX_BREAKS


class Param(IntEnum):
    """Columns of the per-shift parameter table the kernel reads."""

    KIND = 0
    MODE = 1
    DOUBLE_TAP = 2
    OT_MIN = 3
    OT_UNIT = 4
    LATE_GRACE = 5
    EARLY_GRACE = 6
    HALF_BELOW = 7
    ABSENT_BELOW = 8
    OFFICE = 9
    N_BREAKS = 10
    MISSING_PUNCH = 11


N_PARAMS = len(Param)


@dataclass(frozen=True)
class Shift:
    """One shift; clock times are minutes after local midnight of the attendance day (may exceed 1440)."""

    office: int
    name: str
    kind: ShiftKind
    span: tuple[int, int]
    core: tuple[int, int]  # late/early references: the shift itself for fixed shifts
    breaks: tuple[tuple[int, int], ...]
    required_minutes: int  # flex only; fixed shifts schedule span minus breaks
    late_grace: int
    early_grace: int
    window_before: int
    window_after: int
    half_day_below: int
    absent_below: int

    @property
    def window(self) -> tuple[int, int]:
        return self.span[0] - self.window_before, self.span[1] + self.window_after


@dataclass(frozen=True)
class Office:
    name: str
    timezone: str
    holidays: str
    rest_weekdays: frozenset[int]
    punch_mode: PunchMode
    double_tap: int
    ot_min: int
    ot_unit: int
    source: Path
    missing_punch: MissingPunch = MissingPunch.ABSENT


@dataclass(frozen=True)
class RuleBook:
    """Every office's rules; shifts are numbered across offices (the roster's values)."""

    offices: tuple[Office, ...]
    shifts: tuple[Shift, ...]

    def shift_index(self, office: str, shift: str) -> int:
        for i, s in enumerate(self.shifts):
            if s.name == shift and self.offices[s.office].name == office:
                return i
        known = ", ".join(f"{self.offices[s.office].name}/{s.name}" for s in self.shifts)
        raise RuleDataError(f"no shift {office}/{shift} in the loaded rules; known: {known}")

    def params(self) -> np.ndarray:
        """int64 [n_shifts, N_PARAMS]: everything about a shift that does not depend on the day."""
        out = np.zeros((len(self.shifts), N_PARAMS), dtype=np.int64)
        for i, s in enumerate(self.shifts):
            o = self.offices[s.office]
            out[i] = (
                s.kind,
                o.punch_mode,
                o.double_tap,
                o.ot_min,
                o.ot_unit,
                s.late_grace,
                s.early_grace,
                s.half_day_below,
                s.absent_below,
                s.office,
                len(s.breaks),
                o.missing_punch,
            )
        return out

    def day_tables(self, days: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
        """UTC bounds int64 [n_shifts, len(days), N_BOUNDS] and day types int8 [n_offices, len(days)].

        `days[0]` is the day before the period: it only claims punches (a night shift's morning
        punches), so its day type is not looked up and set to RESTDAY.
        """
        bounds = np.zeros((len(self.shifts), len(days), N_BOUNDS), dtype=np.int64)
        for i, s in enumerate(self.shifts):
            tz = ZoneInfo(self.offices[s.office].timezone)
            marks = [*s.window, *s.span, *s.core]
            for d, day in enumerate(days):
                utc = partial(_utc_minute, dt.datetime(day.year, day.month, day.day), tz)
                row = bounds[i, d]
                row[: Bound.SCHEDULED] = [utc(m) for m in marks]
                brk = [utc(m) for pair in s.breaks for m in pair]
                row[Bound.BREAKS : Bound.BREAKS + len(brk)] = brk
                if s.kind is ShiftKind.FLEX:
                    row[Bound.SCHEDULED] = s.required_minutes
                else:
                    inside = [
                        (lo, hi) for lo, hi in zip(brk[0::2], brk[1::2], strict=True) if hi <= row[Bound.SPAN_END]
                    ]
                    row[Bound.SCHEDULED] = (
                        row[Bound.SPAN_END] - row[Bound.SPAN_START] - sum(hi - lo for lo, hi in inside)
                    )
        types = np.full((len(self.offices), len(days)), DayType.RESTDAY, dtype=np.int8)
        for o, office in enumerate(self.offices):
            for d, day in enumerate(days[1:], start=1):
                types[o, d] = holiday_year(office.holidays, day.year).day_type(day, office.rest_weekdays)
        return bounds, types


_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class _Reader:
    """Typed access to one TOML table that reports file, key and fix on bad values."""

    def __init__(self, path: Path, where: str, table: Any, allowed: set[str]) -> None:
        if not isinstance(table, dict):
            raise RuleDataError(f"{path}: [{where}]: missing or not a table")
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise RuleDataError(f"{path}: [{where}].{unknown[0]}: unknown key; allowed: {', '.join(sorted(allowed))}")
        self.path, self.where, self.table = path, where, table

    def fail(self, key: str, reason: str) -> RuleDataError:
        return RuleDataError(f"{self.path}: [{self.where}].{key}: {reason}")

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self.table:
            if default is None:
                raise self.fail(key, "missing")
            return default
        return self.table[key]

    def minutes(self, key: str, default: int | None = None) -> int:
        v = self.get(key, default)
        if type(v) is not int or v < 0:
            raise self.fail(key, f"{v!r} is not a whole number of minutes >= 0")
        return v

    def choice(self, key: str, options: dict[str, IntEnum], default: str | None = None) -> Any:
        v = self.get(key, default)
        if v not in options:
            raise self.fail(key, f"{v!r} is not one of {', '.join(options)}")
        return options[v]

    def clock(self, key: str, value: Any) -> int:
        m = _CLOCK.fullmatch(value) if isinstance(value, str) else None
        if m is None:
            raise self.fail(key, f'{value!r} is not a 24-hour HH:MM time like "09:00"')
        return int(m[1]) * 60 + int(m[2])


def _utc_minute(midnight: dt.datetime, tz: ZoneInfo, minute: int) -> int:
    """Minutes since the epoch (UTC) of `minute` minutes after a local `midnight` in zone `tz`."""
    local = (midnight + dt.timedelta(minutes=minute)).replace(tzinfo=tz)
    return int(local.timestamp()) // 60


def _after(start: int, clock: int) -> int:
    """Minute of `clock` on the shift's timeline: a clock time before the start is on the next day."""
    return clock if clock >= start else clock + DAY


_SHIFT_KEYS = {
    "kind",
    "start",
    "end",
    "breaks",
    "core",
    "required_minutes",
    "late_grace_minutes",
    "early_grace_minutes",
    "window_before_minutes",
    "window_after_minutes",
    "half_day_below_minutes",
    "absent_below_minutes",
}


def _shift(path: Path, office: int, name: str, table: Any) -> Shift:
    r = _Reader(path, f"shifts.{name}", table, _SHIFT_KEYS)
    kind = r.choice("kind", {"fixed": ShiftKind.FIXED, "flex": ShiftKind.FLEX})
    start = r.clock("start", r.get("start"))
    end = r.clock("end", r.get("end"))
    end = end + DAY if end <= start else end
    before = r.minutes("window_before_minutes", 120)
    after = r.minutes("window_after_minutes", 240)
    # Fixed shifts may have breaks after the end (a meal before planned overtime); they come off
    # the overtime, not the scheduled time. A flex shift's breaks lie inside its span.
    last = end + after if kind is ShiftKind.FIXED else end
    breaks: list[tuple[int, int]] = []
    raw_breaks = r.get("breaks", [])
    if not isinstance(raw_breaks, list) or len(raw_breaks) > MAX_BREAKS:
        raise r.fail("breaks", f'expected a list of at most {MAX_BREAKS} {{ from = "HH:MM", to = "HH:MM" }}')
    for i, b in enumerate(raw_breaks):
        if not isinstance(b, dict) or set(b) != {"from", "to"}:
            raise r.fail(f"breaks[{i}]", 'expected { from = "HH:MM", to = "HH:MM" }')
        lo = _after(start, r.clock(f"breaks[{i}].from", b["from"]))
        hi = _after(start, r.clock(f"breaks[{i}].to", b["to"]))
        if not lo < hi <= last or lo < end < hi or (breaks and lo < breaks[-1][1]):
            span = "start..end" if kind is ShiftKind.FLEX else "start..end or end..end + window_after_minutes"
            raise r.fail(f"breaks[{i}]", f"must lie inside {span}, in order, without overlapping")
        breaks.append((lo, hi))
    paid = end - start - sum(hi - lo for lo, hi in breaks if hi <= end)
    if kind is ShiftKind.FLEX:
        core_t = r.get("core")
        if not isinstance(core_t, dict) or set(core_t) != {"from", "to"}:
            raise r.fail("core", 'expected { from = "HH:MM", to = "HH:MM" } for a flex shift')
        core = (_after(start, r.clock("core.from", core_t["from"])), _after(start, r.clock("core.to", core_t["to"])))
        if not start <= core[0] < core[1] <= end:
            raise r.fail("core", "must lie inside start..end and not be empty")
        required = r.minutes("required_minutes")
        if not 0 < required <= paid:
            raise r.fail(
                "required_minutes", f"{required} must be > 0 and at most the {paid} paid minutes of start..end"
            )
    else:
        for key in ("core", "required_minutes"):
            if key in table:
                raise r.fail(key, 'only a flex shift has this; remove it or set kind = "flex"')
        core, required = (start, end), 0
    half = r.minutes("half_day_below_minutes", 0)
    absent = r.minutes("absent_below_minutes", 0)
    if absent > half and half:
        raise r.fail("absent_below_minutes", f"{absent} is above half_day_below_minutes {half}")
    return Shift(
        office,
        name,
        kind,
        (start, end),
        core,
        tuple(breaks),
        required,
        r.minutes("late_grace_minutes", 0),
        r.minutes("early_grace_minutes", 0),
        before,
        after,
        half,
        absent,
    )


def _office(path: Path, data: dict[str, Any]) -> Office:
    r = _Reader(path, "office", data.get("office"), {"name", "timezone", "holidays", "rest_weekdays"})
    tz = r.get("timezone")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise r.fail("timezone", f'{tz!r} is not an IANA timezone name; use e.g. "Asia/Shanghai"') from exc
    rest = r.get("rest_weekdays", [6, 7])
    if not isinstance(rest, list) or not all(type(w) is int and 1 <= w <= 7 for w in rest):
        raise r.fail("rest_weekdays", f"{rest!r}: expected ISO weekday numbers 1 (Monday) .. 7 (Sunday)")
    a = _Reader(
        path,
        "attendance",
        data.get("attendance", {}),
        {"punch_mode", "double_tap_minutes", "ot_min_minutes", "ot_unit_minutes", "missing_punch"},
    )
    unit = a.minutes("ot_unit_minutes", 1)
    if unit == 0:
        raise a.fail("ot_unit_minutes", "must be at least 1 (1 = no rounding)")
    return Office(
        r.get("name"),
        tz,
        r.get("holidays", "cn"),
        frozenset(rest),
        a.choice("punch_mode", {"first_last": PunchMode.FIRST_LAST, "pairs": PunchMode.PAIRS}, "first_last"),
        a.minutes("double_tap_minutes", 0),
        a.minutes("ot_min_minutes", 0),
        unit,
        path,
        a.choice("missing_punch", MISSING_PUNCH_POLICIES, "absent"),
    )


def load_rules(paths: list[Path]) -> RuleBook:
    """Load office rule files into one RuleBook; any invalid data raises RuleDataError(file, key, reason)."""
    offices: list[Office] = []
    shifts: list[Shift] = []
    for path in paths:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RuleDataError(f"{path}: not valid TOML: {exc}") from exc
        unknown = sorted(set(data) - {"office", "attendance", "shifts", "working_time"})
        if unknown:
            raise RuleDataError(
                f"{path}: [{unknown[0]}]: unknown table; allowed: office, attendance, shifts, working_time"
            )
        office = _office(Path(path), data)
        if any(o.name == office.name for o in offices):
            raise RuleDataError(f"{path}: [office].name: {office.name!r} is already defined in another file")
        table = data.get("shifts")
        if not isinstance(table, dict) or not table:
            raise RuleDataError(f"{path}: [shifts]: define at least one shift, e.g. [shifts.day]")
        own = [_shift(Path(path), len(offices), name, t) for name, t in table.items()]
        starts = [s.window[0] for s in own]
        if max(starts) - min(starts) > SHORTEST_DAY:
            raise RuleDataError(
                f"{path}: [shifts]: punch windows start {max(starts) - min(starts)} minutes apart "
                f"(start - window_before_minutes); keep them within {SHORTEST_DAY} so a "
                "day's window never opens before the previous day's"
            )
        offices.append(office)
        shifts.extend(own)
    return RuleBook(tuple(offices), tuple(shifts))
