"""A simulated Hikvision DS-K1T face terminal answering ISAPI over HTTP or HTTPS, with HTTP Digest authentication.

It encodes its JSON and XML on its own (stdlib only, never `drivers/`), in the shapes public integrations read
from real terminals (Taqsim-Solutions/ISAPI GetEvents.py, estifan/aba device.py, and the DS-K1T replies quoted in
the code index):

* Digest authentication as RFC 7616 describes it with MD5 and qop "auth": a request without a valid
  `Authorization: Digest …` (Basic included: terminals accept Digest only by default) is answered 401 with
  `WWW-Authenticate: Digest realm=…, qop="auth", nonce=…, opaque=…`; a response computed with another password
  is refused the same way, so a wrong password is a 401 after digest.
* `GET /ISAPI/System/deviceInfo` and `/ISAPI/System/status`, `GET`/`PUT /ISAPI/System/time` (XML in the
  `http://www.hikvision.com/ver20/XMLSchema` namespace; `localTime` carries the terminal's offset, `timeZone`
  Hikvision's inverted `CST-8:00:00`).
* `POST /ISAPI/AccessControl/AcsEvent?format=json`: `AcsEventCond` with searchID, searchResultPosition,
  maxResults, major, minor (0: any), startTime/endTime and the optional beginSerialNo/endSerialNo; the reply is
  `{"AcsEvent": {"searchID", "responseStatusStrg": "MORE"|"OK"|"NO MATCH", "numOfMatches", "totalMatches",
  "InfoList": [...]}}`. `maxResults` is capped at `page_cap` (30, as DS-K1T terminals do, whatever is asked);
  a position past the end is "NO MATCH" with no InfoList.
* Users: `UserInfo/Search` (paged like events, `UserInfoSearch.UserInfo[]`), `UserInfo/Record` (POST; an
  existing employeeNo is refused with `employeeNoAlreadyExist`), `UserInfo/Modify` (PUT; an unknown one with
  `employeeNoNotExist`), `UserInfo/Count`, `UserInfoDetail/Delete` (PUT, `mode` byEmployeeNo) and
  `UserInfoDetail/DeleteProcess` ("processing" for `delete_polls` asks, then "success").
* Any other `/ISAPI` path, and any path in `unsupported`, is HTTP 403 with the XML `ResponseStatus`
  statusCode 4 "Invalid Operation" / "notSupport" the terminals answer for a function they lack.

The seeded event log holds face passes (major 5, minor 75) numbered by `serialNo` from `first_serial`, and, with
`denied_every = n`, a face-not-matched event (minor 76) after every n-th pass, so the passes' serial numbers
have gaps as on a real terminal. `punch(pin, ts, method=…)` is a new pass made at the terminal: by face (minor
75), card (1) or fingerprint (38); `deny(pin, ts)` a refused one (minor 76 face not matched, or 39 fingerprint,
9 invalid card), which is no attendance. `honour_serial_bounds =
False` stands for firmware that ignores beginSerialNo. Fault knobs (`inject`): refuse (nothing listens), stall
N seconds, busy (HTTP 503); each lasts for `times` requests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import ssl
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit
from urllib.request import parse_http_list, parse_keqv_list

from simulators.errors import SimulatorError
from simulators.lifecycle import HttpServed
from simulators.sample_punches import make_punches, make_users
from simulators.tls import write_self_signed

XMLNS = "http://www.hikvision.com/ver20/XMLSchema"
FAULTS = ("refuse", "stall", "busy")
DEFAULT_PAGE_CAP = 30
_ATTENDANCE = {0: "checkIn", 1: "checkOut"}
#: Minors of major 5 the simulated terminal writes (HCNetSDK's MINOR_* numbers): passes by method, and refusals.
PASS_MINORS = {"face": 75, "card": 1, "fingerprint": 38}
DENIED_MINORS = {"face": 76, "card": 9, "fingerprint": 39}

T = TypeVar("T")


class SimulatorRequestError(SimulatorError):
    """A request body the simulated terminal cannot read (the real one answers 400 badJsonFormat)."""


@dataclass
class _Fault:
    name: str
    times: int
    seconds: float = 0.0


@dataclass
class HikEvent:
    serial: int
    pin: str
    ts: datetime  # the terminal's wall-clock time, naive
    minor: int = 75
    attendance: str = "checkIn"


@dataclass
class HikUser:
    pin: str
    name: str
    admin: bool = False


@dataclass
class HikState:
    """What the simulated terminal stores; mutable so tests can look at the effect of a call."""

    serial_number: str
    model: str
    users: dict[str, HikUser]
    events: list[HikEvent]
    utc_offset: timedelta
    clock_offset: timedelta = field(default_factory=timedelta)
    time_mode: str = "NTP"

    def now(self) -> datetime:
        """The terminal's wall clock: true time in its own offset, plus its drift."""
        return (datetime.now(UTC) + self.utc_offset).replace(tzinfo=None, microsecond=0) + self.clock_offset

    def iso(self, wall: datetime) -> str:
        return wall.replace(tzinfo=timezone(self.utc_offset)).isoformat()


class HikTerminal(HttpServed):
    """`with HikTerminal(users=10, records=200, seed=1) as t: …` serves on `t.url` (user admin, `t.password`)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: int = 10,
        records: int = 200,
        seed: int = 1,
        user: str = "admin",
        password: str = "Hik12345",
        serial_number: str = "",
        https: bool = False,
        page_cap: int = DEFAULT_PAGE_CAP,
        first_serial: int = 1,
        denied_every: int = 0,
        utc_offset: timedelta = timedelta(hours=8),
        honour_serial_bounds: bool = True,
        delete_polls: int = 0,
        unsupported: frozenset[str] = frozenset(),
    ) -> None:
        staff = make_users(users, seed, chinese_names=True)
        self.state = HikState(
            serial_number=serial_number or f"DS-K1T671M20260101V0{seed:05d}",
            model="DS-K1T671M",
            users={u.pin: HikUser(u.pin, u.name, admin=u.privilege == 14) for u in staff},
            events=[],
            utc_offset=utc_offset,
        )
        self._next_serial = first_serial
        self.denied_every = denied_every
        for n, punch in enumerate(make_punches(staff, records, seed) if staff else [], start=1):
            self._log(punch.pin, punch.ts, _ATTENDANCE.get(punch.state, "undefined"))
            if denied_every and n % denied_every == 0:
                self._log("", punch.ts, "undefined", minor=76)
        self.user = user
        self.password = password
        self.realm = self.state.model
        self.page_cap = page_cap
        self.honour_serial_bounds = honour_serial_bounds
        self.delete_polls = delete_polls
        self.unsupported = unsupported
        self.https = https
        self.requests_served = 0
        self.searches: list[dict[str, Any]] = []  # every AcsEventCond / UserInfoSearchCond received, in order
        self.certificate_der = b""
        self._host = host
        self._port = port
        self._nonces: set[str] = set()
        self._delete_pending = 0
        self._fault: _Fault | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._context = self._tls_context() if https else None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"{'https' if self.https else 'http'}://{self._host}:{self._port}"

    @property
    def fingerprint(self) -> str:
        """The SHA-256 of the HTTPS certificate (hex), as a user would pin it."""
        return hashlib.sha256(self.certificate_der).hexdigest()

    _thread_name = "hik-isapi-sim"

    def _new_server(self) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer((self._host, self._port), type("Handler", (_IsapiHandler,), {"terminal": self}))
        if self._context is not None:
            server.socket = self._context.wrap_socket(server.socket, server_side=True)
        return server

    def _tls_context(self) -> ssl.SSLContext:
        """A self-signed certificate for the host, as a terminal makes its own."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as folder:
            cert_path, key_path = write_self_signed(Path(folder), self._host, ("cert.pem", "key.pem"))
            context.load_cert_chain(cert_path, key_path)
            self.certificate_der = ssl.PEM_cert_to_DER_cert(cert_path.read_text(encoding="ascii"))
        return context

    # -- the terminal's own actions ---------------------------------------------------------
    def _log(self, pin: str, ts: datetime, attendance: str, *, minor: int = 75) -> HikEvent:
        event = HikEvent(self._next_serial, pin, ts, minor, attendance)
        self._next_serial += 1
        self.state.events.append(event)
        return event

    def punch(
        self, pin: str, ts: datetime | None = None, attendance: str = "checkIn", *, method: str = "face"
    ) -> HikEvent:
        """A pass (`method` face, card or fingerprint) made at the terminal now (or at `ts`, its wall-clock time)."""
        with self._lock:
            return self._log(pin, ts or self.state.now(), attendance, minor=PASS_MINORS[method])

    def deny(self, pin: str, ts: datetime | None = None, *, method: str = "face") -> HikEvent:
        """A refused authentication (`method` face, card or fingerprint): an event, but no attendance."""
        with self._lock:
            return self._log(pin, ts or self.state.now(), "undefined", minor=DENIED_MINORS[method])

    # -- faults ----------------------------------------------------------------------------
    def inject(self, fault: str, *, times: int = 1, seconds: float = 0.0) -> None:
        """Misbehave on the next `times` requests. `refuse` closes the listening socket instead, until `heal()`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}: use one of {', '.join(FAULTS)}")
        if fault == "refuse":
            self.stop()
            return
        with self._lock:
            self._fault = _Fault(fault, times, seconds)

    def heal(self) -> None:
        with self._lock:
            self._fault = None
        if self._server is None:
            self.start()

    def take_fault(self) -> _Fault | None:
        with self._lock:
            fault = self._fault
            if fault is None:
                return None
            fault.times -= 1
            if fault.times <= 0:
                self._fault = None
            return fault

    # -- digest ----------------------------------------------------------------------------
    def challenge(self) -> str:
        nonce = secrets.token_hex(16)
        with self._lock:
            self._nonces.add(nonce)
        return (
            f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", opaque="{secrets.token_hex(8)}", algorithm=MD5'
        )

    def authorised(self, method: str, header: str) -> bool:
        """Whether `Authorization` is a valid RFC 7616 MD5 digest of our user and password for `method`."""
        scheme, _, rest = header.partition(" ")
        if scheme.lower() != "digest":
            return False
        fields = parse_keqv_list(parse_http_list(rest))
        required = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        if any(k not in fields for k in required) or fields["qop"] != "auth":
            return False
        with self._lock:
            known = fields["nonce"] in self._nonces
        if not known or fields["username"] != self.user or fields["realm"] != self.realm:
            return False
        ha1 = _md5(f"{self.user}:{self.realm}:{self.password}")
        ha2 = _md5(f"{method}:{fields['uri']}")
        expected = _md5(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
        return secrets.compare_digest(expected, fields["response"])

    # -- the service -----------------------------------------------------------------------
    def answer(self, method: str, target: str, body: bytes) -> tuple[int, str, bytes]:
        """(HTTP status, content type, payload) for one authenticated request."""
        split = urlsplit(target)
        path, query = split.path, parse_qs(split.query)
        if path in self.unsupported or not path.startswith("/ISAPI/"):
            return _not_supported(path)
        route = (method, path)
        if route in (("GET", "/ISAPI/System/deviceInfo"), ("GET", "/ISAPI/System/status")):
            return 200, "application/xml", self._device_info() if path.endswith("deviceInfo") else self._status()
        if path == "/ISAPI/System/time" and method in ("GET", "PUT"):
            return self._time(method, body)
        if "json" not in query.get("format", []):
            return _not_supported(path)  # the JSON functions answer only with ?format=json
        handlers = {
            ("POST", "/ISAPI/AccessControl/AcsEvent"): self._events,
            ("POST", "/ISAPI/AccessControl/UserInfo/Search"): self._user_search,
            ("POST", "/ISAPI/AccessControl/UserInfo/Record"): self._user_record,
            ("PUT", "/ISAPI/AccessControl/UserInfo/Modify"): self._user_modify,
            ("GET", "/ISAPI/AccessControl/UserInfo/Count"): self._user_count,
            ("PUT", "/ISAPI/AccessControl/UserInfoDetail/Delete"): self._user_delete,
            ("GET", "/ISAPI/AccessControl/UserInfoDetail/DeleteProcess"): self._delete_process,
        }
        handler = handlers.get(route)
        if handler is None:
            return _not_supported(path)
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _status_json(path, 400, 6, "Invalid Content", "badJsonFormat")
        with self._lock:
            return handler(path, data)

    def _device_info(self) -> bytes:
        s = self.state
        return _document(
            "DeviceInfo",
            [
                ("deviceName", "Access Controller"),
                ("deviceID", "255"),
                ("model", s.model),
                ("serialNumber", s.serial_number),
                ("macAddress", "24:0f:9b:00:00:01"),
                ("firmwareVersion", "V3.2.30"),
                ("firmwareReleasedDate", "build 230512"),
                ("deviceType", "ACS"),
            ],
        )

    def _status(self) -> bytes:
        return _document("DeviceStatus", [("currentDeviceTime", self.state.iso(self.state.now()))])

    def _time(self, method: str, body: bytes) -> tuple[int, str, bytes]:
        s = self.state
        if method == "PUT":
            try:
                root = ET.fromstring(body)
                fields = {el.tag.rpartition("}")[2]: (el.text or "").strip() for el in root}
                wall = datetime.fromisoformat(fields["localTime"])
            except (ET.ParseError, KeyError, ValueError):
                return _status_xml("/ISAPI/System/time", 400, 6, "Invalid Content", "badXmlContent")
            if wall.tzinfo is not None:
                wall = (wall - wall.utcoffset() + s.utc_offset).replace(tzinfo=None)  # type: ignore[operator]
            s.time_mode = fields.get("timeMode", s.time_mode)
            true_wall = (datetime.now(UTC) + s.utc_offset).replace(tzinfo=None, microsecond=0)
            s.clock_offset = wall - true_wall
            return _status_xml("/ISAPI/System/time", 200, 1, "OK", "ok")
        hours, rest = divmod(int(s.utc_offset.total_seconds()) // 60, 60)
        zone = f"CST{'-' if hours >= 0 else '+'}{abs(hours)}:{rest:02d}:00"
        document = _document("Time", [("timeMode", s.time_mode), ("localTime", s.iso(s.now())), ("timeZone", zone)])
        return 200, "application/xml", document

    def _page(self, cond: dict[str, Any]) -> tuple[int, int]:
        position = int(cond.get("searchResultPosition", 0))
        return position, min(int(cond.get("maxResults", self.page_cap)), self.page_cap)

    def _events(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        cond = data.get("AcsEventCond")
        if not isinstance(cond, dict):
            return _status_json(path, 400, 6, "Invalid Content", "badJsonFormat")
        self.searches.append(cond)
        s = self.state
        major, minor = int(cond.get("major", 0)), int(cond.get("minor", 0))
        start = self._wall(cond.get("startTime"), datetime.min)
        end = self._wall(cond.get("endTime"), datetime.max)
        low = int(cond.get("beginSerialNo", 0)) if self.honour_serial_bounds else 0
        high = int(cond.get("endSerialNo", 0)) if self.honour_serial_bounds else 0
        matching = [
            e
            for e in s.events
            if major in (0, 5)
            and minor in (0, e.minor)
            and start <= e.ts <= end
            and e.serial >= low
            and (not high or e.serial <= high)
        ]
        return _json(200, {"AcsEvent": self._search_reply(cond, matching, "InfoList", self._event_json)})

    def _search_reply(
        self, cond: dict[str, Any], matching: Sequence[T], key: str, as_json: Callable[[T], dict[str, Any]]
    ) -> dict[str, Any]:
        """One page of a search (AcsEvent, UserInfoSearch): the page the condition asks for, capped, with
        `responseStatusStrg` MORE / OK / NO MATCH and the counts, as a terminal answers."""
        position, size = self._page(cond)
        page = matching[position : position + size]
        reply: dict[str, Any] = {"searchID": cond.get("searchID", ""), "totalMatches": len(matching)}
        if not page:
            reply.update(responseStatusStrg="NO MATCH", numOfMatches=0)
        else:
            more = position + len(page) < len(matching)
            reply.update(responseStatusStrg="MORE" if more else "OK", numOfMatches=len(page))
            reply[key] = [as_json(item) for item in page]
        return reply

    def _wall(self, text: Any, default: datetime) -> datetime:
        if not isinstance(text, str) or not text:
            return default
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            return parsed
        return (parsed.astimezone(UTC) + self.state.utc_offset).replace(tzinfo=None)

    def _event_json(self, event: HikEvent) -> dict[str, Any]:
        record: dict[str, Any] = {
            "major": 5,
            "minor": event.minor,
            "time": self.state.iso(event.ts),
            "cardReaderNo": 1,
            "doorNo": 1,
            "type": 0,
            "serialNo": event.serial,
            "currentVerifyMode": "cardOrFace",
            "mask": "no",
            "picturesNumber": 0,
        }
        if event.pin:
            user = self.state.users.get(event.pin)
            record.update(
                name=user.name if user else "",
                employeeNoString=event.pin,
                userType="normal",
                attendanceStatus=event.attendance,
                statusValue=0,
            )
        return record

    def _user_search(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        cond = data.get("UserInfoSearchCond")
        if not isinstance(cond, dict):
            return _status_json(path, 400, 6, "Invalid Content", "badJsonFormat")
        self.searches.append(cond)
        wanted = {e.get("employeeNo") for e in cond.get("EmployeeNoList", []) if isinstance(e, dict)}
        users = [u for u in self.state.users.values() if not wanted or u.pin in wanted]
        return _json(200, {"UserInfoSearch": self._search_reply(cond, users, "UserInfo", _user_json)})

    def _user_record(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        info = data.get("UserInfo")
        if not isinstance(info, dict) or not str(info.get("employeeNo", "")):
            return _status_json(path, 400, 6, "Invalid Content", "badJsonFormat")
        pin = str(info["employeeNo"])
        if pin in self.state.users:
            return _status_json(path, 400, 6, "Invalid Content", "employeeNoAlreadyExist")
        self.state.users[pin] = HikUser(pin, str(info.get("name", "")), info.get("localUIRight") is True)
        return _status_json(path, 200, 1, "OK", "ok")

    def _user_modify(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        info = data.get("UserInfo")
        if not isinstance(info, dict) or not str(info.get("employeeNo", "")):
            return _status_json(path, 400, 6, "Invalid Content", "badJsonFormat")
        user = self.state.users.get(str(info["employeeNo"]))
        if user is None:
            return _status_json(path, 400, 6, "Invalid Content", "employeeNoNotExist")
        user.name = str(info.get("name", user.name))
        if "localUIRight" in info:
            user.admin = info["localUIRight"] is True
        return _status_json(path, 200, 1, "OK", "ok")

    def _user_count(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        return _json(200, {"UserInfoCount": {"userNumber": len(self.state.users)}})

    def _user_delete(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        detail = data.get("UserInfoDetail")
        if not isinstance(detail, dict) or detail.get("mode") != "byEmployeeNo":
            return _status_json(path, 400, 6, "Invalid Content", "badJsonFormat")
        for entry in detail.get("EmployeeNoList", []):
            self.state.users.pop(str(entry.get("employeeNo", "")), None)
        self._delete_pending = self.delete_polls
        return _status_json(path, 200, 1, "OK", "ok")

    def _delete_process(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        status = "processing" if self._delete_pending > 0 else "success"
        self._delete_pending -= 1
        return _json(200, {"UserInfoDetailDeleteProcess": {"status": status}})


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _user_json(user: HikUser) -> dict[str, Any]:
    return {
        "employeeNo": user.pin,
        "name": user.name,
        "userType": "normal",
        "closeDelayEnabled": False,
        "Valid": {
            "enable": True,
            "beginTime": "2000-01-01T00:00:00",
            "endTime": "2037-12-31T23:59:59",
            "timeType": "local",
        },
        "belongGroup": "",
        "password": "",
        "doorRight": "1",
        "RightPlan": [{"doorNo": 1, "planTemplateNo": "1"}],
        "maxOpenDoorTime": 0,
        "openDoorTime": 0,
        "localUIRight": user.admin,
        "userVerifyMode": "",
        "numOfCard": 0,
        "numOfFace": 1,
    }


def _document(root: str, children: list[tuple[str, str]]) -> bytes:
    element = ET.Element(root, {"version": "2.0", "xmlns": XMLNS})
    for tag, text in children:
        ET.SubElement(element, tag).text = text
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8")


def _json(status: int, data: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(data, ensure_ascii=False).encode("utf-8")


def _status_json(path: str, http: int, code: int, text: str, sub: str) -> tuple[int, str, bytes]:
    return _json(
        http, {"requestURL": path, "statusCode": code, "statusString": text, "subStatusCode": sub, "errorCode": 0}
    )


def _status_xml(path: str, http: int, code: int, text: str, sub: str) -> tuple[int, str, bytes]:
    fields = [("requestURL", path), ("statusCode", str(code)), ("statusString", text), ("subStatusCode", sub)]
    return http, "application/xml", _document("ResponseStatus", fields)


def _not_supported(path: str) -> tuple[int, str, bytes]:
    return _status_xml(path, 403, 4, "Invalid Operation", "notSupport")


class _IsapiHandler(BaseHTTPRequestHandler):
    terminal: HikTerminal
    protocol_version = "HTTP/1.1"
    server_version = "App-webs/"  # what DS-K1T terminals answer in `Server`
    # Headers and body go out as two writes; with Nagle on, the body waits for the client's delayed ACK
    # (40 ms on Linux) on every keep-alive request, a cost of this server and not of a terminal.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a terminal does not log to our console."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        terminal = self.terminal
        fault = terminal.take_fault()
        if fault is not None and fault.name == "stall":
            time.sleep(fault.seconds)
        if fault is not None and fault.name == "busy":
            self._send(503, "text/plain", b"Service Unavailable")
            return
        if not terminal.authorised(method, self.headers.get("Authorization", "")):
            self._send(401, "text/html", b"<html><body>401 Unauthorized</body></html>", terminal.challenge())
            return
        status, content_type, payload = terminal.answer(method, self.path, body)
        terminal.requests_served += 1
        self._send(status, content_type, payload)

    def _send(self, status: int, content_type: str, payload: bytes, challenge: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if challenge is not None:
            self.send_header("WWW-Authenticate", challenge)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)
