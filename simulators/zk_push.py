"""A simulated ZKTeco terminal in ADMS ("iclock" PUSH) mode: it is the HTTP client, the gateway the server.

It encodes its requests on its own (never importing `drivers/`), following the ADMS sources cited in
`drivers/zk_push.py`: handshake `GET /iclock/cdata?SN=…&options=all`, uploads
`POST /iclock/cdata?SN=…&table=ATTLOG&Stamp=…` with `PIN\\tYYYY-MM-DD HH:MM:SS\\tStatus\\tVerify\\tWorkcode\\t0\\t0…`
lines, command polls `GET /iclock/getrequest?SN=…&INFO=firmware,users,fingerprints,records,ip`, results
`POST /iclock/devicecmd` as
`ID=…&Return=…&CMD=…`.

Behaviour that matters for exactly-once delivery, as the protocol describes it: a batch is dropped
from the terminal's queue only after an answer starting with `OK`; anything else (HTTP error, garbage,
connection refused or reset, timeout) means the same batch is sent again after a backoff. The
terminal's `Stamp` is the number of records uploaded so far; on handshake it resumes after the
server's `ATTLOGStamp` (so a server that lost its data gets everything again).

Like the firmware's PUSH SDK client (`svr_init`), the terminal appends `&pushcommkey=<key>` to its
handshake only when it has a push comm key (`push_comm_key=`), and sends no key on any later request.

Commands obeyed: `SET OPTION DateTime=<packed int | YYYY-MM-DD HH:MM:SS>` moves the clock;
`DATA QUERY ATTLOG StartTime=…<TAB>EndTime=…` re-uploads that range; `DATA UPDATE/DELETE USERINFO`
change its users (a deleted user's fingers go with it); `DATA UPDATE FINGERTMP PIN=…\tFID=…\tSize=…\tValid=…\tTMP=…`
and `DATA UPDATE BIODATA Pin=…\tNo=…\t…\tType=1\t…\tTmp=…` store a finger of a user it holds (`Size` the
base64's length in characters; anything else, a finger outside 0-9 or a badge without a user is
`Return=-3`), `DATA DELETE FINGERTMP PIN=…[\tFID=…]` removes them; `INFO` is answered with `key=value`
lines after its result line (`~DeviceName`, `FWVersion`, `UserCount`, `FPCount`, `TransactionCount`,
`IPAddress`); anything else is answered
`Return=-1` (unsupported) like a terminal without the feature.

Other uploads, as the PushDemo `CdataController` and kittiu/thai_zkt read them: `upload_photo` posts
`table=ATTPHOTO` with the header lines `PIN=YYYYMMDDHHMMSS-<pin>.jpg`, `SN=…`, `size=…`,
`CMD=uploadphoto`, one NUL byte and the JPEG; `upload_operlog` posts `table=OPERLOG` with `OPLOG …`
operation records; `enrol` adds a user at the terminal and posts its `USER PIN=…` line in OPERLOG;
`upload_userinfo` posts its users as `table=USERINFO`; `ping` is `GET /iclock/ping`. `enrol_finger`
enrols a finger at the terminal and uploads it as firmware does: an `FP PIN=…\tFID=…\tSize=…\tValid=…\tTMP=…`
line in OPERLOG, or (`biodata=True`, newer firmware) a `BIODATA Pin=…\tNo=…\tIndex=0\tValid=…\tDuress=0\tType=1
\tMajorVer=10\tMinorVer=0\tFormat=0\tTmp=…` line as `table=BIODATA`; `upload_face` posts a visible-light face
(`Type=9`, the version numbers of a public trace). `fingers` holds what it was given, `polls` every
getrequest answer as received: what tests read back.
"""

from __future__ import annotations

import base64
import binascii
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import httpx

from simulators.sample_punches import SimPunch, SimUser, make_punches, make_users

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
RETURN_OK = 0
RETURN_UNSUPPORTED = -1
RETURN_BAD_ARGUMENT = -3  # a parameter the terminal cannot take (our choice of code; the sources name none)
MAX_SLOTS = 0xFFFF  # user slots are numbered by a 16-bit uid
FIRMWARE = "Ver 8.0.4.2-20200317"


@dataclass
class PushReport:
    """What one `push_all` did: handy for tests and the CLI summary."""

    batches_accepted: int = 0
    records_sent: int = 0
    retries: int = 0
    commands_run: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def decode_packed_time(value: int) -> datetime:
    """Inverse of the firmware's packed time (zkemsdk EncodeTime): 31-day months since 2000."""
    second, value = value % 60, value // 60
    minute, value = value % 60, value // 60
    hour, value = value % 24, value // 24
    day, value = value % 31 + 1, value // 31
    month, year = value % 12 + 1, value // 12 + 2000
    return datetime(year, month, day, hour, minute, second)


class PushTerminal:
    """`PushTerminal("http://gateway:8000", "CQZ7224160001", records=500).push_all()`."""

    def __init__(
        self,
        server: str,
        serial_number: str,
        *,
        users: int = 20,
        records: int = 500,
        seed: int = 1,
        batch_size: int = 200,
        timeout: float = 10.0,
        backoff_s: float = 0.05,
        max_backoff_s: float = 2.0,
        max_attempts: int | None = None,
        push_comm_key: str | None = None,
        encoding: str = "gbk",
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        face_version: str = "39",
    ) -> None:
        self.serial_number = serial_number
        self.push_comm_key = push_comm_key
        self.encoding = encoding  # of names in its uploads: GB2312/GBK on Chinese firmware
        self.user_count = users
        staff = make_users(users, seed)
        self.punches: list[SimPunch] = make_punches(staff, records, seed)
        # The user table, by badge, as DATA UPDATE/DELETE USERINFO commands change it.
        self.users: dict[str, SimUser] = {u.pin: u for u in staff}
        self.fingers: dict[tuple[str, int], tuple[int, bytes]] = {}  # (badge, finger) -> (valid, template)
        self.face_version = face_version  # its face algorithm's MajorVer, reported in INFO as FaceVersion
        self.face_store: dict[tuple[str, int, int], tuple[str, bytes]] = {}  # (badge, No, Index) -> (MajorVer, bytes)
        self.polls: list[str] = []  # every getrequest answer, as received
        self.batch_size = batch_size
        self.stamp = 0  # records uploaded so far, as told to the server
        self.clock_offset = timedelta()
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_attempts = max_attempts
        self._rng = random.Random(f"backoff:{seed}")
        self._sleep = sleep
        self._client = client or httpx.Client(base_url=server, timeout=timeout)
        self._owns_client = client is None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    # -- protocol steps --------------------------------------------------------------------
    def handshake(self) -> dict[str, str]:
        """Ask for options; resume after the server's ATTLOGStamp (None/unknown means from the start)."""
        params = {"SN": self.serial_number, "options": "all", "pushver": "2.4.1"}
        if self.push_comm_key:
            params["pushcommkey"] = self.push_comm_key
        text = self._get("/iclock/cdata", params)
        options = dict(line.split("=", 1) for line in text.splitlines()[1:] if "=" in line)
        stamp = options.get("ATTLOGStamp", "None")
        self.stamp = min(int(stamp), len(self.punches)) if stamp.isdigit() else 0
        return options

    def upload(self, batch: list[SimPunch], stamp: int) -> bool:
        """POST one ATTLOG batch; True only when the server answered OK."""
        body = "".join(
            f"{p.pin}\t{p.ts:{TIME_FORMAT}}\t{p.state}\t{p.verify}\t{p.workcode}\t0\t0\t0\t0\t0\r\n" for p in batch
        )
        response = self._client.post(
            "/iclock/cdata",
            params={"SN": self.serial_number, "table": "ATTLOG", "Stamp": str(stamp)},
            content=body.encode(),
            headers={"Content-Type": "text/plain"},
        )
        return response.status_code == 200 and response.text.startswith("OK")

    def poll_commands(self, report: PushReport) -> int:
        """One getrequest poll; runs each command and posts its result. Returns commands run."""
        info = f"{FIRMWARE},{self.user_count},{self.user_count},{len(self.punches)},127.0.0.1"
        text = self._get("/iclock/getrequest", {"SN": self.serial_number, "INFO": info})
        self.polls.append(text)
        results = []
        run = 0
        for line in text.splitlines():
            if not line.startswith("C:"):
                continue
            run += 1
            _c, command_id, command = line.split(":", 2)
            code = self._obey(command, report)
            report.commands_run.append(command)
            results.append(f"ID={command_id}&Return={code}&CMD={command.split(' ', 1)[0]}")
            if command == "INFO":
                results.extend(f"{key}={value}" for key, value in self.info().items())
        if results:
            self._retrying(lambda: self._post_text("/iclock/devicecmd", "\n".join(results) + "\n"), report)
        return run

    def push_all(self, report: PushReport | None = None) -> PushReport:
        """Handshake, then upload every record not yet accepted, polling commands after each batch."""
        report = report or PushReport()
        self._retrying(self.handshake, report)
        while self.stamp < len(self.punches):
            end = min(self.stamp + self.batch_size, len(self.punches))
            batch = self.punches[self.stamp : end]
            self._retrying(partial(self._upload_accepted, batch, end), report)
            self.stamp = end
            report.batches_accepted += 1
            report.records_sent += len(batch)
            self._retrying(lambda: self.poll_commands(report), report)
        return report

    def now(self) -> datetime:
        return datetime.now().replace(microsecond=0) + self.clock_offset

    def upload_photo(self, pin: str, ts: datetime, jpeg: bytes) -> httpx.Response:
        """POST the photo taken at `pin`'s punch at `ts` (terminal time) as an ATTPHOTO upload."""
        head = f"PIN={ts:%Y%m%d%H%M%S}-{pin}.jpg\nSN={self.serial_number}\nsize={len(jpeg)}\nCMD=uploadphoto"
        return self._post_table("ATTPHOTO", head.encode() + b"\x00" + jpeg)

    def upload_operlog(self, records: list[tuple[int, str, datetime, str, str, str]]) -> httpx.Response:
        """POST operation records `(op code, admin pin, time, value1, value2, value3)` as OPLOG lines."""
        body = "".join(
            f"OPLOG {op}\t{admin}\t{ts:{TIME_FORMAT}}\t{v1}\t{v2}\t{v3}\t0\n" for op, admin, ts, v1, v2, v3 in records
        )
        return self._post_table("OPERLOG", body.encode(self.encoding))

    def enrol(self, pin: str, name: str, card: int = 0, privilege: int = 0) -> httpx.Response:
        """Enrol a user at the terminal's keypad (as a technician does) and upload it as OPERLOG `USER`."""
        used = {u.uid for u in self.users.values()}
        uid = next(n for n in range(1, MAX_SLOTS + 1) if n not in used)
        self.users[pin] = SimUser(uid, pin, name, privilege, card)
        return self._post_table("OPERLOG", f"USER {self._user_fields(self.users[pin])}\n".encode(self.encoding))

    def upload_userinfo(self) -> httpx.Response:
        """POST every user the terminal holds as a USERINFO upload (the fields without the `USER` word)."""
        body = "".join(f"{self._user_fields(u)}\n" for u in sorted(self.users.values(), key=lambda u: u.pin))
        return self._post_table("USERINFO", body.encode(self.encoding))

    def enrol_finger(
        self, pin: str, finger: int, template: bytes, *, valid: int = 1, biodata: bool = False
    ) -> httpx.Response:
        """Enrol a finger of user `pin` at the terminal and upload it (an FP line, or a BIODATA line)."""
        self.fingers[(pin, finger)] = (valid, template)
        tmp = base64.b64encode(template).decode()
        if not biodata:
            line = f"FP PIN={pin}\tFID={finger}\tSize={len(tmp)}\tValid={valid}\tTMP={tmp}\n"
            return self._post_table("OPERLOG", line.encode())
        return self._post_table("BIODATA", self._biodata(pin, finger, valid, 1, (10, 0), tmp).encode())

    def upload_face(self, pin: str, template: bytes) -> httpx.Response:
        """Enrol a visible-light face of user `pin` and upload it (BIODATA Type=9, MajorVer its `face_version`)."""
        self.face_store[(pin, 0, 0)] = (self.face_version, template)
        line = self._biodata(pin, 0, 1, 9, (self.face_version, 3), base64.b64encode(template).decode())
        return self._post_table("BIODATA", line.encode())

    def templates(self) -> list[tuple[str, int, int, bytes]]:
        """The fingers it holds: (badge, finger, valid, template), sorted."""
        return sorted((pin, finger, valid, tmp) for (pin, finger), (valid, tmp) in self.fingers.items())

    def faces(self) -> list[tuple[str, int, int, str, bytes]]:
        """The faces it holds: (badge, No, Index, MajorVer, template), sorted."""
        return sorted((pin, no, index, major, tmp) for (pin, no, index), (major, tmp) in self.face_store.items())

    def ping(self) -> httpx.Response:
        return self._client.get("/iclock/ping", params={"SN": self.serial_number})

    def info(self) -> dict[str, str]:
        """What this terminal answers to `INFO`."""
        return {
            "~DeviceName": "SimPush",
            "FWVersion": FIRMWARE,
            "UserCount": str(len(self.users)),
            "FPCount": str(len(self.fingers)),
            "FaceVersion": self.face_version,
            "FaceCount": str(len(self.face_store)),
            "TransactionCount": str(len(self.punches)),
            "IPAddress": "127.0.0.1",
        }

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _biodata(pin: str, no: int, valid: int, bio_type: int, version: tuple[int | str, int], tmp: str) -> str:
        return (
            f"BIODATA Pin={pin}\tNo={no}\tIndex=0\tValid={valid}\tDuress=0\tType={bio_type}\tMajorVer={version[0]}"
            f"\tMinorVer={version[1]}\tFormat=0\tTmp={tmp}\n"
        )

    @staticmethod
    def _user_fields(user: SimUser) -> str:
        card = str(user.card) if user.card else ""
        return (
            f"PIN={user.pin}\tName={user.name}\tPri={user.privilege}\tPasswd=\tCard={card}\tGrp=1\tTZ=0000000000000000"
        )

    def _post_table(self, table: str, body: bytes) -> httpx.Response:
        return self._client.post(
            "/iclock/cdata", params={"SN": self.serial_number, "table": table, "Stamp": "1"}, content=body
        )

    def _obey(self, command: str, report: PushReport) -> int:
        if command.startswith("SET OPTION DateTime="):
            value = command.split("=", 1)[1].strip()
            target = decode_packed_time(int(value)) if value.isdigit() else datetime.strptime(value, TIME_FORMAT)
            self.clock_offset = target - datetime.now().replace(microsecond=0)
            return RETURN_OK
        if command.startswith("DATA QUERY ATTLOG"):
            args = dict(
                part.split("=", 1) for part in command[len("DATA QUERY ATTLOG") :].strip().split("\t") if "=" in part
            )
            start = datetime.strptime(args["StartTime"], TIME_FORMAT)
            end = datetime.strptime(args["EndTime"], TIME_FORMAT)
            wanted = [p for p in self.punches if start <= p.ts <= end]
            for offset in range(0, len(wanted), self.batch_size):
                batch = wanted[offset : offset + self.batch_size]
                self._retrying(partial(self._upload_accepted, batch, self.stamp), report)
                report.records_sent += len(batch)
            return RETURN_OK
        if command.startswith(("DATA UPDATE USERINFO ", "DATA DELETE USERINFO ")):
            return self._change_user(command)
        if command.startswith(("DATA UPDATE FINGERTMP ", "DATA UPDATE BIODATA ", "DATA DELETE FINGERTMP ")):
            return self._change_finger(command)
        if command == "INFO":
            return RETURN_OK
        return RETURN_UNSUPPORTED

    def _change_finger(self, command: str) -> int:
        """A finger written or deleted as firmware takes it: the user must exist, the finger be 0-9, the
        template base64 whose length is `Size` (FINGERTMP); BIODATA of another Type than 1 is unsupported."""
        words = command.split(" ", 3)
        args = dict(part.split("=", 1) for part in (words[3] if len(words) > 3 else "").split("\t") if "=" in part)
        biodata = words[2] == "BIODATA"
        pin = args.get("Pin" if biodata else "PIN", "")
        finger_text = args.get("No" if biodata else "FID", "")
        if words[1] == "DELETE":
            doomed = [key for key in self.fingers if key[0] == pin and finger_text in ("", str(key[1]))]
            for key in doomed:
                del self.fingers[key]
            return RETURN_OK if doomed else RETURN_BAD_ARGUMENT
        if biodata and args.get("Type") == "9":
            return self._take_face(args)
        if biodata and args.get("Type") != "1":
            return RETURN_UNSUPPORTED
        tmp = args.get("Tmp" if biodata else "TMP", "")
        try:
            template = base64.b64decode(tmp, validate=True)
            finger, valid = int(finger_text), int(args.get("Valid", "1"))
        except (binascii.Error, ValueError):
            return RETURN_BAD_ARGUMENT
        sized = biodata or args.get("Size") == str(len(tmp))
        if pin not in self.users or not 0 <= finger <= 9 or not template or not sized:
            return RETURN_BAD_ARGUMENT
        self.fingers[(pin, finger)] = (valid, template)
        return RETURN_OK

    def _take_face(self, args: dict[str, str]) -> int:
        """A face as face firmware takes it: a user it holds, its own algorithm's MajorVer, base64 bytes."""
        try:
            template = base64.b64decode(args.get("Tmp", ""), validate=True)
            key = (args.get("Pin", ""), int(args.get("No", "")), int(args.get("Index", "")))
        except (binascii.Error, ValueError):
            return RETURN_BAD_ARGUMENT
        if key[0] not in self.users or not template or args.get("MajorVer") != self.face_version:
            return RETURN_BAD_ARGUMENT
        self.face_store[key] = (self.face_version, template)
        return RETURN_OK

    def _change_user(self, command: str) -> int:
        """USERINFO commands as firmware takes them: tab-separated `key=value`, PIN required (at most 24
        characters), a name of at most 24 bytes in GBK, a 16-bit slot (at most `MAX_SLOTS` users)."""
        fields = command[len("DATA UPDATE USERINFO ") :]  # DELETE is as long as UPDATE
        args = dict(part.split("=", 1) for part in fields.split("\t") if "=" in part)
        pin = args.get("PIN", "")
        if not pin or len(pin) > 24:
            return RETURN_BAD_ARGUMENT
        if command.startswith("DATA DELETE"):
            for key in [key for key in self.fingers if key[0] == pin]:
                del self.fingers[key]
            return RETURN_OK if self.users.pop(pin, None) is not None else RETURN_BAD_ARGUMENT
        name = args.get("Name", "")
        try:
            fits = len(name.encode("gbk")) <= 24
            privilege, card = int(args.get("Pri", "0")), int(args.get("Card", "0") or 0)
        except (UnicodeEncodeError, ValueError):
            return RETURN_BAD_ARGUMENT
        old = self.users.get(pin)
        used = {u.uid for u in self.users.values()}
        uid = old.uid if old else next((n for n in range(1, MAX_SLOTS + 1) if n not in used), None)
        if not fits or uid is None:
            return RETURN_BAD_ARGUMENT
        self.users[pin] = SimUser(uid, pin, name, privilege, card)
        return RETURN_OK

    def _get(self, path: str, params: dict[str, str]) -> str:
        response = self._client.get(path, params=params)
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"{path}: HTTP {response.status_code}: {response.text[:200]}",
                request=response.request,
                response=response,
            )
        return response.text

    def _post_text(self, path: str, text: str) -> None:
        response = self._client.post(path, params={"SN": self.serial_number}, content=text.encode())
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"{path}: HTTP {response.status_code}", request=response.request, response=response
            )

    def _upload_accepted(self, batch: list[SimPunch], stamp: int) -> None:
        if not self.upload(batch, stamp):
            raise _NotAccepted("server did not answer OK")

    def _retrying(self, step: Callable[[], object], report: PushReport) -> None:
        """Run `step` until it succeeds, with exponential backoff and jitter like the firmware's ErrorDelay.

        A real terminal retries forever; `max_attempts` lets a person running the simulator see why
        nothing arrives (for example an SN the gateway does not know) instead of a silent loop.
        """
        delay = self.backoff_s
        attempts = 0
        while True:
            try:
                step()
                return
            except (httpx.HTTPError, _NotAccepted) as exc:
                attempts += 1
                report.retries += 1
                report.errors.append(str(exc) or exc.__class__.__name__)
                if self.max_attempts is not None and attempts >= self.max_attempts:
                    raise PushGaveUp(
                        f"{self.serial_number}: gave up after {attempts} attempts; last error: {report.errors[-1]}"
                    ) from exc
                self._sleep(delay * (1 + self._rng.random()))
                delay = min(delay * 2, self.max_backoff_s)


class PushGaveUp(Exception):
    """`max_attempts` consecutive failures of one step."""


class _NotAccepted(Exception):
    """The server answered, but not `OK`: the batch stays queued."""
