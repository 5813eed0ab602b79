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
* `POST /iclock/devicecmd?SN=…` — results, each an `ID=<id>&Return=<code>&CMD=<command>` line, an
  `INFO` result followed by `key=value` lines (`parse_devicecmd`).
* `POST /iclock/cdata?SN=…&table=ATTPHOTO` (or `/iclock/fdata`) — a punch photo (`read_attphoto`);
  `table=OPERLOG` / `USERINFO` / `BIODATA` — operation records, users and fingers enrolled at the terminal
  (`read_operlog`); `update_fingertmp_command` writes a finger to it.

Sources: the 中控 push protocol overview https://www.zksps.com/productinfo/1271670.html; the Hysson
"BS SDK" HTTP push manual https://pdfcoffee.com/bs-sdk-mnaual-pdf-free.html; the
@palmcode/zkteco-iclock-parser type definitions
https://app.unpkg.com/@palmcode/zkteco-iclock-parser@0.0.4/files/dist/parser.d.ts; and public
receivers in the code index for the command spellings `DATA QUERY ATTLOG StartTime=…<TAB>EndTime=…`
and `SET OPTION DateTime=…`. Public servers disagree on the DateTime value: some send
`YYYY-MM-DD HH:MM:SS`, others the firmware's packed integer (zkemsdk EncodeTime, also in pyzk).
We send the packed integer, which both kinds of firmware reports describe; check against a real unit.

Parsing is tolerant of what real terminals send (CRLF or LF, trailing tabs, blank lines, missing
trailing columns) and strict about what would corrupt data, in two degrees (`read_attlog`):

* A line we cannot read as ATTLOG at all (no PIN, a time not shaped `YYYY-MM-DD HH:MM:SS`, a Status
  or Verify that is not an integer) is a `ProtocolError` naming the line number and quoting the line:
  the whole batch is refused, so the terminal sends it again once the server understands it.
* A readable line whose value no ZKTeco record field can hold is a `RejectedLine` (the caller keeps it
  aside and stores the rest): the field sizes are the firmware's own — PIN 24 characters
  (`drivers.base.MAX_PIN_LENGTH`), Status and Verify one byte each (0..255), Workcode the 32-bit work
  code of the binary record (pyzk reads the 16-byte record as `<I4sBB2sI`: at most 10 digits), and a
  time in the years 2000-2099, all the packed clock can show (`encode_zk_time` keeps `year % 100`).
  Such a record sits in the terminal's log for good, so refusing the batch would block every later
  punch of that terminal without any fix possible on either side.

Every message quotes a line or field through `drivers.base.quote` (at most 80 characters, with its
full length noted), so a 50 MB line never reaches a log whole.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from drivers.base import (
    DEFAULT_ENCODING,
    MAX_PIN_LENGTH,
    DeviceInfo,
    FingerTemplate,
    ProtocolError,
    RawPunch,
    TerminalUser,
    fit_name,
    quote,
)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
BYTE_MAX = 255  # Status and Verify are one byte each in the terminal's record
MAX_WORKCODE_LENGTH = 10  # the binary record's 32-bit work code: at most 4294967295
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the packed clock counts `year % 100` years from 2000
_TIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)
_INTEGER = re.compile(r"-?\d+", re.ASCII)


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
    """One result of a `POST /iclock/devicecmd` body: its `ID=…&Return=…&CMD=…` line and the lines after it
    up to the next such line (the `key=value` answer to `INFO`; empty for most commands)."""

    command_id: str
    return_code: int
    command: str
    lines: tuple[str, ...] = ()

    def values(self) -> dict[str, str]:
        """The `key=value` lines (an `INFO` answer) as a dict; a line without `=` is left out."""
        return dict(line.split("=", 1) for line in self.lines if "=" in line)


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


def update_user_command(user: TerminalUser, encoding: str = DEFAULT_ENCODING) -> str:
    """Add or overwrite a user on the terminal (PUSH protocol `DATA UPDATE USERINFO`, fields tab-separated);
    the name cut to the 24 bytes the firmware stores in its `encoding`, on a character boundary."""
    name = fit_name(user.name, encoding, 24).decode(encoding)
    if any(char in name for char in "\t\r\n"):
        raise ProtocolError(f"the name of badge {user.pin} holds a tab or line break, which ends an ADMS command")
    return f"DATA UPDATE USERINFO PIN={user.pin}\tName={name}\tPri={user.privilege}\tCard={user.card}"


def delete_user_command(pin: str) -> str:
    """Remove a user (and the terminal's templates of that user) by badge: `DATA DELETE USERINFO`."""
    return f"DATA DELETE USERINFO PIN={pin}"


def update_fingertmp_command(template: FingerTemplate) -> str:
    """Write one finger's template to the terminal: `DATA UPDATE FINGERTMP PIN=…\tFID=…\tSize=…\tValid=…\tTMP=…`
    (the PushDemo `Constants.DEV_CMD_DATA_UPDATE_FINGER`), `TMP` the base64 of the bytes and `Size` its length
    in characters, as the public push servers that write templates compute it (`Size=${tmp.length}`)."""
    encoded = base64.b64encode(template.template).decode("ascii")
    return fingertmp_command(template.pin, template.finger, template.valid, len(encoded), encoded)


def fingertmp_command(pin: str, finger: int, valid: int, size: int, tmp: str) -> str:
    """The `DATA UPDATE FINGERTMP` line with `tmp` as given (the queue keeps a reference there, see
    `gateway.devices.push_templates`)."""
    return f"DATA UPDATE FINGERTMP PIN={pin}\tFID={finger}\tSize={size}\tValid={valid}\tTMP={tmp}"


def biodata_command(face: FaceBiodata, tmp: str) -> str:
    """`DATA UPDATE BIODATA` in the PushDemo `COMMAND_UPDATE_BIO_DATA` field order, with `tmp` as given (the
    queue keeps a reference there, see `gateway.devices.templates`)."""
    return (
        f"DATA UPDATE BIODATA Pin={face.pin}\tNo={face.no}\tIndex={face.index}\tValid={face.valid}"
        f"\tDuress={face.duress}\tType={face.bio_type}\tMajorVer={face.major_ver}\tMinorVer={face.minor_ver}"
        f"\tFormat={face.format}\tTmp={tmp}"
    )


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


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """A readable ATTLOG line holding a value no ZKTeco record can (see the module docstring)."""

    line_number: int
    line: str  # the whole line as received
    fields: str  # the offending field names, e.g. "PIN" or "time, Status"
    reason: str  # the full message, naming the device, line number and fields


@dataclass(frozen=True, slots=True)
class AttlogBatch:
    """One ATTLOG upload: the punches to store and the lines kept aside."""

    punches: list[RawPunch]
    rejected: list[RejectedLine]

    @property
    def records(self) -> int:
        """Every record the terminal sent (stored or kept aside): what `OK: N` acknowledges."""
        return len(self.punches) + len(self.rejected)


def read_attlog(body: bytes | str, device_sn: str) -> AttlogBatch:
    """The punches and rejected lines of an ATTLOG upload body; `ProtocolError` for an unreadable line."""
    text = decode_body(body, f"ATTLOG from {device_sn}") if isinstance(body, bytes) else body
    punches: list[RawPunch] = []
    rejected: list[RejectedLine] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t")]
        where = f"ATTLOG from {device_sn}, line {number} {quote(line)}"
        if len(fields) < 2 or not fields[0]:
            raise ProtocolError(f"{where}: expected PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>Status<TAB>Verify…")
        if not _TIME_SHAPE.fullmatch(fields[1]):
            raise ProtocolError(f"{where}: time {quote(fields[1])} is not YYYY-MM-DD HH:MM:SS")
        status = _int_field(fields, 2, "Status", where)
        verify = _int_field(fields, 3, "Verify", where)
        workcode = fields[4] if len(fields) > 4 else ""
        problems: list[tuple[str, str]] = []
        ts = _checked_time(fields[1], problems)
        if len(fields[0]) > MAX_PIN_LENGTH:
            problems.append(
                ("PIN", f"PIN has {len(fields[0]):,} characters; a ZKTeco PIN holds at most {MAX_PIN_LENGTH}")
            )
        for name, index, value in (("Status", 2, status), ("Verify", 3, verify)):
            if not 0 <= value <= BYTE_MAX:
                problems.append(
                    (name, f"{name} {quote(fields[index])} is outside 0..{BYTE_MAX} (one byte on the terminal)")
                )
        if len(workcode) > MAX_WORKCODE_LENGTH:
            problems.append(
                (
                    "Workcode",
                    f"Workcode has {len(workcode):,} characters; a ZKTeco work code holds at most "
                    f"{MAX_WORKCODE_LENGTH} digits",
                )
            )
        if problems or ts is None:
            names = ", ".join(name for name, _text in problems)
            reason = f"{where}: " + "; ".join(text for _name, text in problems)
            rejected.append(RejectedLine(number, line, names, reason))
            continue
        punches.append(RawPunch(device_sn, fields[0], ts, status, status, verify, workcode))
    return AttlogBatch(punches, rejected)


def _checked_time(text: str, problems: list[tuple[str, str]]) -> datetime | None:
    """The time of a `YYYY-MM-DD HH:MM:SS` field, or None with the problem appended."""
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        problems.append(("time", f"time {text!r} is not a date and time on the calendar"))
        return None
    if not FIRST_YEAR <= ts.year <= LAST_YEAR:
        problems.append(
            (
                "time",
                f"time {text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR} a ZKTeco clock can hold: the "
                "terminal's clock was wrong when the punch was made",
            )
        )
        return None
    return ts


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
    """Command results from a `POST /iclock/devicecmd` body: each `ID=…&Return=…&CMD=…` line starts one,
    and the lines after it belong to it (firmware answers `INFO` with `key=value` lines there, as
    kittiu/thai_zkt `www/iclock/devicecmd/index.py` and the PushDemo `updateDeviceInfo` read them)."""
    text = decode_body(body, f"devicecmd from {device_sn}") if isinstance(body, bytes) else body
    results: list[CommandResult] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        where = f"devicecmd from {device_sn}, line {number} {quote(line)}"
        if not line.startswith("ID="):
            if not results:
                raise ProtocolError(f"{where}: expected ID=<id>&Return=<code>&CMD=<command>")
            last = results[-1]
            results[-1] = CommandResult(last.command_id, last.return_code, last.command, (*last.lines, line))
            continue
        fields = dict(parse_qsl(line, keep_blank_values=True))
        if "Return" not in fields:
            raise ProtocolError(f"{where}: expected ID=<id>&Return=<code>&CMD=<command>")
        try:
            code = int(fields["Return"])
        except ValueError:
            raise ProtocolError(f"{where}: Return {quote(fields['Return'])} is not an integer") from None
        results.append(CommandResult(fields["ID"], code, fields.get("CMD", "")))
    return results


def info_command() -> str:
    """Ask the terminal for its info (firmware, counts…): answered in devicecmd with `key=value` lines."""
    return "INFO"


@dataclass(frozen=True, slots=True)
class AttPhoto:
    """One ATTPHOTO upload; `pin` and `ts_local` are None when the file name is not `YYYYMMDDHHMMSS-PIN.jpg`."""

    file_name: str
    pin: str | None
    ts_local: datetime | None
    jpeg: bytes


_PHOTO_MARKERS = (b"CMD=uploadphoto", b"CMD=realupload")
_PHOTO_NAME = re.compile(r"(\d{14})-(.{1,24})\.jpg", re.ASCII | re.IGNORECASE)


def read_attphoto(body: bytes, device_sn: str) -> AttPhoto:
    """An ATTPHOTO body: `PIN=<file name>`, `SN=…`, `size=<bytes>` and `CMD=uploadphoto` lines, one NUL byte,
    then the JPEG (the PushDemo `CdataController.postCdata`, which writes from one byte after the marker;
    `CMD=realupload` is its other spelling). `ProtocolError` when the header is not there or `size` does
    not match the bytes that follow (a cut upload: the terminal sends it again)."""
    where = f"ATTPHOTO from {device_sn}"
    at = next((body.find(m) for m in _PHOTO_MARKERS if body.find(m) >= 0), -1)
    if at < 0:
        raise ProtocolError(f"{where}: no CMD=uploadphoto line; first bytes: {body[:48].hex(' ')}")
    marker = next(m for m in _PHOTO_MARKERS if body.startswith(m, at))
    start = at + len(marker)
    if body[start : start + 1] not in (b"\x00", b"\n"):
        raise ProtocolError(f"{where}: expected a NUL byte after {marker.decode()}, not {body[start : start + 1]!r}")
    header = dict(
        line.split("=", 1) for line in decode_body(body[:at], where).replace("\r", "").split("\n") if "=" in line
    )
    jpeg = body[start + 1 :]
    file_name = header.get("PIN", "").strip()
    if not file_name:
        raise ProtocolError(f"{where}: the header has no PIN=<file name> line")
    size = header.get("size", header.get("Size", "")).strip()
    if not size.isdigit() or int(size) != len(jpeg):
        raise ProtocolError(
            f"{where}: photo {quote(file_name)} says size={quote(size)} but {len(jpeg):,} bytes follow: "
            "the upload was cut short"
        )
    named = _PHOTO_NAME.fullmatch(file_name)
    ts: datetime | None = None
    if named is not None:
        try:
            ts = datetime.strptime(named.group(1), "%Y%m%d%H%M%S")
        except ValueError:
            ts = None
    return AttPhoto(file_name[:100], named.group(2) if named else None, ts, jpeg)


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A user as the terminal holds them, from a `USER PIN=…<TAB>Name=…<TAB>Pri=…<TAB>Card=…` line."""

    pin: str
    name: str
    card: str
    privilege: int


@dataclass(frozen=True, slots=True)
class OperLine:
    """One OPERLOG/USERINFO/BIODATA line: `kind` its first word (OPLOG, USER, FP, BIODATA, …), `line` as kept
    (secrets cut). `template` is the finger of an `FP` line or a fingerprint `BIODATA` line (Type=1);
    `bio_type` the `Type` of a `BIODATA` line (9 a visible-light face, 2 a near-infrared one, …)."""

    line_number: int
    kind: str
    line: str
    pin: str | None = None
    op_code: int | None = None
    ts_local: datetime | None = None
    enrolment: Enrolment | None = None
    template: FingerTemplate | None = None
    bio_type: int | None = None
    face: FaceBiodata | None = None


@dataclass(frozen=True, slots=True)
class FaceBiodata:
    """A face template of a `BIODATA` line (Type 9), with the version fields a target terminal must match."""

    pin: str
    no: int
    index: int
    valid: int
    duress: int
    bio_type: int
    major_ver: str
    minor_ver: str
    format: str
    template: bytes


BIO_TYPE_FINGER = 1  # BIODATA `Type`: the PushDemo `Constants.BIO_TYPE_FP` (9 is BIO_TYPE_VF, a visible face)
BIO_TYPE_FACE = 9  # BIODATA `Type` of a visible-light face (PushDemo `Constants.BIO_TYPE_VF`), the one copied
MAX_FINGER = 9  # fingers are numbered 0-9 on every ZKTeco terminal


# Values never kept: a user's password, and biometric templates and photos (another part stores those).
_NOT_KEPT = frozenset({"Passwd", "TMP", "Tmp", "Content"})


def read_operlog(body: bytes | str, device_sn: str, table: str = "OPERLOG") -> list[OperLine]:
    """The lines of an OPERLOG or USERINFO upload (PUSH protocol, as the PushDemo `processDatas` and
    kittiu/thai_zkt `handle_cdata_post_operlog` read them):

    * `OPLOG <op>\t<admin>\t<YYYY-MM-DD HH:MM:SS>\t<value1>\t<value2>\t<value3>\t<reserved>` — an
      operation done at the terminal;
    * `USER PIN=…\tName=…\tPri=…\tPasswd=…\tCard=…\tGrp=…\tTZ=…` — a user enrolled or changed there
      (a USERINFO upload may send the same fields without the `USER ` word);
    * `FP PIN=…\tFID=…\tSize=…\tValid=…\tTMP=<base64>` — a finger enrolled there (its `template`);
    * `BIODATA Pin=…\tNo=…\tIndex=…\tValid=…\tDuress=…\tType=…\tMajorVer=…\tMinorVer=…\tFormat=…\tTmp=<base64>`
      — the newer firmware's biometric record (posted as `table=BIODATA`, and in OPERLOG on some firmware):
      Type=1 is a finger (`No` its number), which becomes the line's `template`; Type=9 (a visible-light
      face) becomes its `face` (No, Index, Duress, MajorVer, MinorVer, Format kept); other types carry only
      `bio_type`;
    * any other line — kept as an operation-log line.

    `Passwd`, `TMP`/`Tmp` and `Content` values are replaced by their length in the kept line, and every
    message quotes the kept line, so no template byte reaches a log. A USER line without a PIN, or with a
    PIN over 24 characters or a Pri that is not a number, is a `ProtocolError` naming the line, and so is a
    finger line whose PIN, finger number or Valid cannot be read, whose template is not base64, or whose
    `Size` is neither the base64's length in characters (what the push servers send) nor the bytes' count.
    """
    text = decode_body(body, f"{table} from {device_sn}") if isinstance(body, bytes) else body
    lines: list[OperLine] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        where = f"{table} from {device_sn}, line {number} {quote(line)}"
        word, _space, rest = line.partition(" ")
        if word == "OPLOG":
            fields = [f.strip() for f in rest.split("\t")]
            code = int(fields[0]) if fields[0].isdigit() else None
            when = fields[2] if len(fields) > 2 else ""
            ts = parse_zk_text_time(when) if _TIME_SHAPE.fullmatch(when) else None
            lines.append(OperLine(number, "OPLOG", line, op_code=code, ts_local=ts))
            continue
        if "=" in word and word.split("=", 1)[0] == "PIN":  # USERINFO without the USER word
            word, rest = "USER", line
        values = dict(part.split("=", 1) for part in rest.split("\t") if "=" in part)
        kept = "\t".join(
            f"{k}=<{len(v)} characters not kept>" if k in _NOT_KEPT and v else part
            for part in rest.split("\t")
            for k, v in [part.split("=", 1) if "=" in part else (part, "")]
        )
        kept_line = f"{word} {kept}"
        pin = values.get("PIN", values.get("Pin", "")).strip() or None
        if word in ("FP", "BIODATA"):
            lines.append(_biometric_line(number, word, kept_line, values, f"{table} from {device_sn}"))
            continue
        if word != "USER":
            lines.append(OperLine(number, word[:16], kept_line, pin=pin[:32] if pin else None))
            continue
        if pin is None or len(pin) > MAX_PIN_LENGTH:
            raise ProtocolError(f"{where}: a USER line needs a PIN of 1 to {MAX_PIN_LENGTH} characters")
        privilege = values.get("Pri", "0").strip() or "0"
        if not privilege.isdigit():
            raise ProtocolError(f"{where}: Pri {quote(privilege)} is not a number")
        enrolment = Enrolment(pin, values.get("Name", "").strip()[:100], values.get("Card", "").strip()[:32],
                              int(privilege))  # fmt: skip
        lines.append(OperLine(number, "USER", kept_line, pin=pin, enrolment=enrolment))
    return lines


def _biometric_line(number: int, word: str, kept: str, values: dict[str, str], source: str) -> OperLine:
    """An `FP` or `BIODATA` line; `kept` (the template cut out) is all a message quotes."""
    where = f"{source}, line {number} {quote(kept)}"
    pin = values.get("PIN", values.get("Pin", "")).strip()
    if not pin or len(pin) > MAX_PIN_LENGTH:
        raise ProtocolError(f"{where}: a {word} line needs a PIN of 1 to {MAX_PIN_LENGTH} characters")
    fields = {"FP": ("FID", "Valid", "TMP"), "BIODATA": ("No", "Valid", "Tmp")}[word]
    numbers: dict[str, int] = {}
    for name in (fields[0], fields[1], *(("Type",) if word == "BIODATA" else ())):
        text = values.get(name, "").strip()
        if not text.isdigit():
            raise ProtocolError(f"{where}: {name} {quote(text)} is not a number")
        numbers[name] = int(text)
    bio_type = numbers.get("Type")
    if bio_type is not None and bio_type not in (BIO_TYPE_FINGER, BIO_TYPE_FACE):
        return OperLine(number, word, kept, pin=pin, bio_type=bio_type)
    encoded = values.get(fields[2], values.get(fields[2].upper(), "")).strip()
    try:
        template = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(f"{where}: the template is not base64") from None
    if not template:
        raise ProtocolError(f"{where}: the template is empty")
    if bio_type == BIO_TYPE_FACE:
        return OperLine(
            number, word, kept, pin=pin, bio_type=bio_type, face=_face(pin, numbers, values, template, where)
        )
    finger = numbers[fields[0]]
    if finger > MAX_FINGER:
        raise ProtocolError(f"{where}: finger {fields[0]}={finger} is outside 0..{MAX_FINGER}")
    size = values.get("Size", "").strip()
    if size and (not size.isdigit() or int(size) not in (len(encoded), len(template))):
        raise ProtocolError(
            f"{where}: Size={quote(size)} but the template has {len(encoded):,} base64 characters "
            f"({len(template):,} bytes): the upload was cut short"
        )
    return OperLine(number, word, kept, pin=pin, template=FingerTemplate(pin, finger, numbers["Valid"], template),
                    bio_type=bio_type)  # fmt: skip


def _face(pin: str, numbers: dict[str, int], values: dict[str, str], template: bytes, where: str) -> FaceBiodata:
    """The face of a Type 9 line; Index and Duress must be numbers (0 when absent), the versions are kept as sent."""
    extra: dict[str, int] = {}
    for name in ("Index", "Duress"):
        text = values.get(name, "0").strip() or "0"
        if not text.isdigit():
            raise ProtocolError(f"{where}: {name} {quote(text)} is not a number")
        extra[name] = int(text)
    major, minor, form = (values.get(name, "").strip()[:16] for name in ("MajorVer", "MinorVer", "Format"))
    return FaceBiodata(pin, numbers["No"], extra["Index"], numbers["Valid"], extra["Duress"], BIO_TYPE_FACE,
                       major, minor, form or "0", template)  # fmt: skip


def _int_field(fields: list[str], index: int, name: str, where: str) -> int:
    """An integer column (0 when absent); one of more than 9 digits is returned as -1, which no range accepts."""
    if len(fields) <= index or fields[index] == "":
        return 0
    text = fields[index]
    if not _INTEGER.fullmatch(text):
        raise ProtocolError(f"{where}: {name} {quote(text)} is not an integer")
    return int(text) if len(text.lstrip("-")) <= 9 else -1
