"""ZKTeco ADMS ("iclock" PUSH) wire format, server side: parse what terminals post, encode what we answer.

In ADMS the terminal is the HTTP client (so there is no `Driver` class here; `api/iclock.py` is the
server and uses these helpers):

* `GET /iclock/cdata?SN=…&options=all` — handshake; we answer `GET OPTION FROM: <SN>` followed by
  `Key=Value` lines (ATTLOGStamp, OPERLOGStamp, ErrorDelay, Delay, TransTimes, TransInterval,
  TransFlag, Realtime, Encrypt, TimeZone).
* `POST /iclock/cdata?SN=…&table=ATTLOG&Stamp=…` — one punch per line, tab-separated
  `PIN  YYYY-MM-DD HH:MM:SS  Status  Verify  Workcode  Reserved…`; we answer `OK: <count>` once the
  punches are stored (any other answer makes the terminal send the batch again).
* `GET /iclock/getrequest?SN=…[&INFO=firmware,users,fingerprints,records,…]` — we answer `OK` or
  command lines `C:<id>:<command>`.
* `POST /iclock/devicecmd?SN=…` — results, one per line, `ID=<id>&Return=<code>&CMD=<command>`.

Sources: the 中控 push protocol overview https://www.zksps.com/productinfo/1271670.html; the Hysson
"BS SDK" HTTP push manual https://pdfcoffee.com/bs-sdk-mnaual-pdf-free.html; the
@palmcode/zkteco-iclock-parser type definitions
https://app.unpkg.com/@palmcode/zkteco-iclock-parser@0.0.4/files/dist/parser.d.ts; and public
receivers in the code index for the command spellings `DATA QUERY ATTLOG StartTime=…<TAB>EndTime=…`
and `SET OPTION DateTime=…`. Public servers disagree on the DateTime value: some send
`YYYY-MM-DD HH:MM:SS`, others the firmware's packed integer (zkemsdk EncodeTime, also in pyzk).
We send the packed integer, which both kinds of firmware reports describe; check against a real unit.

Parsing is tolerant of what real terminals send (CRLF or LF, trailing tabs, blank lines, missing
trailing columns) and strict about what would corrupt data: a line without a PIN or with a bad time
is a `ProtocolError` naming the line number and quoting the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from drivers.base import DeviceInfo, ProtocolError, RawPunch

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True, slots=True)
class PushOptions:
    """What the handshake tells a terminal: where to resume and how often to upload.

    Defaults follow the values the sources show: realtime upload on, retry after 30 s on error,
    poll getrequest every 10 s, no encryption.
    """

    attlog_stamp: str = "None"
    operlog_stamp: str = "9999"
    error_delay_s: int = 30
    delay_s: int = 10
    trans_times: str = "00:00;14:05"
    trans_interval_min: int = 1
    trans_flag: str = "TransData AttLog"
    realtime: bool = True
    timezone_hours: int = 8


@dataclass(frozen=True, slots=True)
class CommandResult:
    """One line of a `POST /iclock/devicecmd` body."""

    command_id: str
    return_code: int
    command: str


def handshake_reply(serial_number: str, options: PushOptions) -> str:
    """The body answering `GET /iclock/cdata?SN=…&options=all`."""
    lines = [
        f"GET OPTION FROM: {serial_number}",
        f"ATTLOGStamp={options.attlog_stamp}",
        f"OPERLOGStamp={options.operlog_stamp}",
        f"ErrorDelay={options.error_delay_s}",
        f"Delay={options.delay_s}",
        f"TransTimes={options.trans_times}",
        f"TransInterval={options.trans_interval_min}",
        f"TransFlag={options.trans_flag}",
        f"TimeZone={options.timezone_hours}",
        f"Realtime={1 if options.realtime else 0}",
        "Encrypt=None",
    ]
    return "\n".join(lines) + "\n"


def accepted_reply(count: int) -> str:
    """`OK: N` — the only answer after which a terminal drops a posted batch."""
    return f"OK: {count}"


def encode_zk_time(dt: datetime) -> int:
    """The firmware's packed time (zkemsdk EncodeTime; pyzk `__encode_time`): 31-day months since 2000."""
    return (
        ((dt.year % 100) * 12 * 31 + (dt.month - 1) * 31 + dt.day - 1) * 86400
        + (dt.hour * 60 + dt.minute) * 60
        + dt.second
    )


def command_line(command_id: int, command: str) -> str:
    return f"C:{command_id}:{command}"


def set_time_command(dt: datetime) -> str:
    return f"SET OPTION DateTime={encode_zk_time(dt)}"


def reupload_command(start: datetime, end: datetime) -> str:
    """Ask the terminal to post its ATTLOG records between `start` and `end` again."""
    return f"DATA QUERY ATTLOG StartTime={start:{TIME_FORMAT}}\tEndTime={end:{TIME_FORMAT}}"


def parse_zk_text_time(text: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS` as ZK terminals write it (ADMS lines, SOAP rows); ValueError otherwise.

    `fromisoformat` is several times faster than `strptime` on large logs, but also accepts other
    ISO shapes, hence the explicit shape check.
    """
    if len(text) != 19 or text[10] != " " or text[4] != "-" or text[13] != ":":
        raise ValueError(text)
    return datetime.fromisoformat(text)


def decode_body(body: bytes, what: str) -> str:
    """Terminal bodies are ASCII in practice; UTF-8 first, then GB18030 (Chinese firmware)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ProtocolError(f"{what}: body is neither UTF-8 nor GB18030; first bytes: {body[:48].hex(' ')}")


def parse_attlog(body: bytes | str, device_sn: str) -> list[RawPunch]:
    """Punches from an ATTLOG upload body; see the module docstring for what is tolerated."""
    text = decode_body(body, f"ATTLOG from {device_sn}") if isinstance(body, bytes) else body
    punches = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t")]
        where = f"ATTLOG from {device_sn}, line {number} {line!r}"
        if len(fields) < 2 or not fields[0]:
            raise ProtocolError(f"{where}: expected PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>Status<TAB>Verify…")
        try:
            ts = parse_zk_text_time(fields[1])
        except ValueError:
            raise ProtocolError(f"{where}: time {fields[1]!r} is not YYYY-MM-DD HH:MM:SS") from None
        state = _int_field(fields, 2, "Status", where)
        punches.append(
            RawPunch(
                device_sn=device_sn,
                pin=fields[0],
                ts_local=ts,
                status=state,
                punch_state=state,
                verify_mode=_int_field(fields, 3, "Verify", where),
                workcode=fields[4] if len(fields) > 4 else "",
            )
        )
    return punches


def parse_info(serial_number: str, value: str) -> DeviceInfo:
    """The `INFO=` parameter some firmware adds to getrequest polls.

    Shape per the push protocol descriptions: `firmware,users,fingerprints,records,ip,fp-algorithm,…`.
    Fields that are missing or not numbers are reported as 0 rather than refusing the poll: this is
    health information, not data.
    """
    fields = value.split(",")

    def number(index: int) -> int:
        text = fields[index].strip() if len(fields) > index else ""
        return int(text) if text.isdigit() else 0

    return DeviceInfo(
        serial_number=serial_number,
        firmware=fields[0].strip(),
        user_count=number(1),
        fingerprint_count=number(2),
        record_count=number(3),
    )


def parse_devicecmd(body: bytes | str, device_sn: str) -> list[CommandResult]:
    """Command results from a `POST /iclock/devicecmd` body (one `ID=…&Return=…&CMD=…` per line)."""
    text = decode_body(body, f"devicecmd from {device_sn}") if isinstance(body, bytes) else body
    results = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        fields = dict(parse_qsl(line, keep_blank_values=True))
        where = f"devicecmd from {device_sn}, line {number} {line!r}"
        if "ID" not in fields or "Return" not in fields:
            raise ProtocolError(f"{where}: expected ID=<id>&Return=<code>&CMD=<command>")
        try:
            code = int(fields["Return"])
        except ValueError:
            raise ProtocolError(f"{where}: Return {fields['Return']!r} is not an integer") from None
        results.append(CommandResult(fields["ID"], code, fields.get("CMD", "")))
    return results


def _int_field(fields: list[str], index: int, name: str, where: str) -> int:
    if len(fields) <= index or fields[index] == "":
        return 0
    try:
        return int(fields[index])
    except ValueError:
        raise ProtocolError(f"{where}: {name} {fields[index]!r} is not an integer") from None
