"""Comet (科密) terminals: import the attendance export file (kind `comet-csv`); no wire protocol.

What public material says (the project's research notes and the searches repeated for this
module, in Chinese and English, code and web): **no Comet/科密 wire protocol, SDK document or export
file layout is publicly described.** So this module speaks no bytes under Comet's name. It reads the
attendance export that Comet's own PC software writes (CSV/TXT or XLSX), through a configurable
column mapping. The default mapping is an assumption built from the header names Chinese attendance
software commonly uses (工号/考勤号码, 姓名, 日期时间/签到时间, 机器号 …); check it against a real
export and pass a `ColumnMapping` if the headers differ. Titles above the header row are skipped.

Models speaking ZK protocol: none is documented publicly. One web page files a ZKTeco (中控) software
manual under a 科密 product name (http://61k.com/1168365.html), a hint only. If a unit answers ZK
`CMD_CONNECT` on UDP/TCP 4370 or `POST /iWsService` on port 80, configure it as kind `zk-tcp`/`zk-udp`
or `zk-soap` instead of importing files.

Encodings: UTF-8 (with or without BOM) and GB18030 (a superset of GBK/GB2312, what Chinese Windows
software writes). Old binary `.xls` files are refused with the fix (save as .xlsx or CSV): reading
them would need another library for a format the vendor software can also export as CSV.

A file has no clock and is never cleared: `get_time`, `set_time` and `clear_punches` raise
`DriverError` saying so. `device_sn` is `COMET-<机器号>` (or `serial_number` when given); a file
mixing machines must be read one machine at a time (`machine_no`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from drivers.base import DeviceInfo, DriverBase, DriverError, ProtocolError, RawPunch, RawUser

_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d %H:%M:%S")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M")
_HEADER_SCAN_ROWS = 20
_STATE_LABELS = {
    "签到": 0,
    "上班": 0,
    "上班签到": 0,
    "进": 0,
    "in": 0,
    "c/in": 0,
    "check-in": 0,
    "签退": 1,
    "下班": 1,
    "下班签退": 1,
    "出": 1,
    "out": 1,
    "c/out": 1,
    "check-out": 1,
}


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Header names (case- and space-insensitive) accepted for each field, first match wins.

    A record needs a pin and either a combined date-time column or a date column plus a time column.
    """

    pin: tuple[str, ...] = (
        "工号",
        "考勤号码",
        "考勤号",
        "登记号码",
        "人员编号",
        "员工编号",
        "用户编号",
        "ac-no.",
        "pin",
        "user id",
        "badge",
    )
    name: tuple[str, ...] = ("姓名", "名字", "name")
    timestamp: tuple[str, ...] = (
        "日期时间",
        "签到时间",
        "打卡时间",
        "考勤时间",
        "刷卡时间",
        "datetime",
        "date time",
        "punch time",
    )
    date: tuple[str, ...] = ("日期", "考勤日期", "date")
    time: tuple[str, ...] = ("时间", "time")
    machine: tuple[str, ...] = ("机器号", "机号", "设备号", "终端号", "machine", "device")
    state: tuple[str, ...] = ("状态", "签到/签退", "考勤状态", "state", "status")


DEFAULT_MAPPING = ColumnMapping()
_FIELDS = ("pin", "name", "timestamp", "date", "time", "machine", "state")


def _norm(header: object) -> str:
    return "".join(str(header or "").split()).lower()


class CometCsvDriver(DriverBase):
    """Punches from one Comet export file: `CometCsvDriver("/srv/exports/2026-03.csv")`.

    `port`, `comm_key` and `timeout` exist for the common driver signature and are unused.
    """

    has_clock = False
    clearable = False

    def __init__(
        self,
        path: str,
        port: int = 0,
        *,
        comm_key: int = 0,
        timeout: float = 10.0,
        mapping: ColumnMapping = DEFAULT_MAPPING,
        machine_no: str | None = None,
        serial_number: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.mapping = mapping
        self.machine_no = machine_no
        self.serial_number = serial_number
        self._records: list[tuple[RawPunch, str]] | None = None
        self._single_machine: str | None = None

    def open(self) -> None:
        rows = list(self._rows())
        self._records = self._parse(rows)

    def close(self) -> None:
        self._records = None

    def info(self) -> DeviceInfo:
        records = self._loaded()
        return DeviceInfo(
            serial_number=self._device_sn(),
            model="Comet export file",
            platform=self.path.suffix.lstrip(".").lower(),
            user_count=len({p.pin for p, _name in records}),
            record_count=len(records),
        )

    def read_punches(self) -> list[RawPunch]:
        return [punch for punch, _name in self._loaded()]

    def read_users(self) -> list[RawUser]:
        names: dict[str, str] = {}
        for punch, name in self._loaded():
            names.setdefault(punch.pin, name)
        return [RawUser(device_sn=self._device_sn(), pin=pin, name=name) for pin, name in names.items()]

    def get_time(self) -> datetime:
        raise DriverError(f"{self.path}: an export file has no clock; read the terminal's clock on the terminal itself")

    def set_time(self, dt: datetime) -> None:
        raise DriverError(f"{self.path}: an export file has no clock to set; set the time on the terminal")

    def clear_punches(self, expected_count: int) -> int:
        raise DriverError(
            f"{self.path}: an export file is never cleared by punchclock; archive or delete it yourself once imported"
        )

    # -- reading ---------------------------------------------------------------------------
    def _loaded(self) -> list[tuple[RawPunch, str]]:
        if self._records is None:
            raise DriverError(
                f"{self.path}: driver is not open; use `with CometCsvDriver(path) as d:` or call open() first"
            )
        return self._records

    def _device_sn(self) -> str:
        if self.serial_number:
            return self.serial_number
        return f"COMET-{self.machine_no or self._single_machine or 'FILE'}"

    def _rows(self) -> Iterable[Sequence[Any]]:
        suffix = self.path.suffix.lower()
        if suffix == ".xls":
            raise DriverError(
                f"{self.path}: old binary Excel (.xls) is not read; open it and save as .xlsx or CSV (UTF-8 or GBK)"
            )
        try:
            if suffix in (".xlsx", ".xlsm"):
                from openpyxl import load_workbook

                workbook = load_workbook(self.path, read_only=True, data_only=True)
                try:
                    yield from (list(row) for row in workbook.worksheets[0].iter_rows(values_only=True))
                finally:
                    workbook.close()
                return
            raw = self.path.read_bytes()
        except OSError as exc:
            raise DriverError(
                f"{self.path}: cannot read the export file ({exc.strerror or exc}); check the path in the device config"
            ) from exc
        text = _decode(raw, self.path)
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        except csv.Error:  # one column or an empty file: the header search reports what is missing
            dialect = csv.excel
        yield from csv.reader(io.StringIO(text), dialect)

    def _parse(self, rows: list[Sequence[Any]]) -> list[tuple[RawPunch, str]]:
        header_index, columns = self._find_header(rows)
        records: list[tuple[RawPunch, str, str]] = []
        for index in range(header_index + 1, len(rows)):
            row = rows[index]
            if not any(str(cell).strip() for cell in row if cell is not None):
                continue
            where = f"{self.path}: row {index + 1}"
            cells = {key: _cell(row, columns.get(key)) for key in _FIELDS}
            pin = _pin_text(cells["pin"])
            if not pin:
                raise ProtocolError(f"{where}: empty {columns['pin_header']!r} (badge number); fix or delete the row")
            machine = _pin_text(cells["machine"])
            if self.machine_no is not None and machine and machine != self.machine_no:
                continue
            ts = _timestamp(cells["timestamp"], cells["date"], cells["time"], where)
            state = _state(cells["state"], where)
            records.append((RawPunch("", pin, ts, state, state, 0, ""), str(cells["name"] or "").strip(), machine))
        machines = sorted({m for _p, _n, m in records if m})
        if self.machine_no is None and len(machines) > 1 and not self.serial_number:
            raise DriverError(
                f"{self.path}: the file holds punches of machines {', '.join(machines)}; "
                "configure one device per machine number (machine_no) to keep each terminal's punches apart"
            )
        self._single_machine = machines[0] if len(machines) == 1 else None
        sn = self._device_sn()
        return [(RawPunch(sn, p.pin, p.ts_local, p.status, p.punch_state, 0, ""), name) for p, name, _m in records]

    def _find_header(self, rows: list[Sequence[Any]]) -> tuple[int, dict[str, Any]]:
        m = self.mapping
        for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            headers = [_norm(h) for h in row]
            found: dict[str, Any] = {}
            for key in _FIELDS:
                for name in getattr(m, key):
                    if _norm(name) in headers:
                        found[key] = headers.index(_norm(name))
                        found[f"{key}_header"] = row[found[key]]
                        break
            has_time = "timestamp" in found or "time" in found
            if "pin" in found and has_time:
                return index, found
        raise DriverError(
            f"{self.path}: no header row with a badge column ({'/'.join(m.pin[:3])}…) and a time column "
            f"({'/'.join(m.timestamp[:3])}… or 日期 + 时间) in the first {_HEADER_SCAN_ROWS} rows; "
            "pass a ColumnMapping naming this export's headers"
        )


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ProtocolError(
        f"{path}: text is neither UTF-8 nor GBK/GB18030; first bytes: {raw[:32].hex(' ')}; re-export as CSV UTF-8"
    )


def _cell(row: Sequence[Any], column: int | None) -> Any:
    if column is None or column >= len(row):
        return None
    return row[column]


def _pin_text(value: Any) -> str:
    """Badge numbers read from Excel may arrive as 1001.0; keep them as the digits people type."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""


def _timestamp(combined: Any, day: Any, clock: Any, where: str) -> datetime:
    """The punch time from a date-time cell, or from a date cell plus a time cell."""
    if _blank(combined) and _blank(day):  # a lone 时间/Time column holding date and time
        combined, clock = clock, None
    if isinstance(combined, datetime):
        return combined.replace(microsecond=0)
    if not _blank(combined):
        return _parse(str(combined).strip(), _DATETIME_FORMATS, where, "date-time")
    if _blank(day) or _blank(clock):
        raise ProtocolError(f"{where}: no punch time (need a date-time cell, or a date cell and a time cell)")
    if isinstance(day, datetime):
        d = day.date()
    elif isinstance(day, date):
        d = day
    else:
        d = _parse(str(day).strip(), _DATE_FORMATS, where, "date").date()
    if isinstance(clock, time):
        t = clock
    elif isinstance(clock, datetime):
        t = clock.time()
    else:
        t = _parse(str(clock).strip(), _TIME_FORMATS, where, "time").time()
    return datetime.combine(d, t).replace(microsecond=0)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(text: str, formats: Sequence[str], where: str, what: str) -> datetime:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ProtocolError(
        f"{where}: {what} {text!r} not understood; expected e.g. {datetime(2026, 3, 2, 8, 30).strftime(formats[0])}"
    )


def _state(value: Any, where: str) -> int:
    text = _pin_text(value)
    if not text:
        return 0
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        return _STATE_LABELS[text.lower()]
    except KeyError:
        raise ProtocolError(
            f"{where}: state {text!r} not understood; use 签到/签退, In/Out or a number, or drop the state column from "
            "the mapping"
        ) from None
