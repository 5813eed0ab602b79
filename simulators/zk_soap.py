"""A simulated ZKTeco terminal answering the SOAP WebService on `POST /iWsService`.

It encodes replies on its own (stdlib only, never `drivers/`), in the shape real terminals send:

* Request bodies are parsed by expat without namespace processing, by local name, so both the bare
  bodies PHP clients post (`<GetAttLog><ArgComKey>0</ArgComKey><Arg><PIN>All</PIN></Arg></GetAttLog>`,
  cobisja/tad-php lib/Providers/TADSoap.php; also with `xsi:type="xsd:integer"` attributes and no
  namespace declaration, over HTTP/1.0 with a CRLF after the body, as the fsockopen snippets send) and
  SOAP 1.1 envelopes (zeep) are understood.
* A bare request gets a bare reply, exactly as recorded against a real terminal in
  cobisja/tad-php test/lib/RealTADTest.php: `<?xml version="1.0" encoding="iso8859-1"
  standalone="no"?><SetDateResponse><Row><Result>1</Result><Information>Successfully!</Information>
  </Row></SetDateResponse>`. An enveloped request gets the same element inside a SOAP-ENV envelope.
* Attendance rows are `<Row><PIN/><DateTime/><Verified/><Status/><WorkCode/></Row>`, one per line
  with CRLF between rows (the PHP raw-socket clients split the reply on "\\r\\n", e.g.
  wirabae/wirabae.github.io x601kiri/tarik-data.php).
* A wrong `ArgComKey` is refused with `<Row><Result>0</Result><Information>Fail!</Information></Row>`
  (tad-php issue #50, zksdn/ZkLib-PHP issue #1), except GetDate, which those reports show answering
  whatever the key.

* Fingerprint templates are kept per badge and finger: `GetUserTemplate` (PIN All or a badge, FingerID a
  number, or All/absent for every finger) answers `<Row><PIN/><FingerID/><Size/><Valid/><Template/></Row>`
  rows, CRLF between them, PIN the badge and Template the base64 of the bytes (tad-php RealTADTest.php;
  the PHP raw-socket clients); none enrolled answers the empty element. `SetUserTemplate` stores a finger
  of a badge some user holds, with Size the decoded byte count, and answers Fail otherwise (a real unit
  was reported to create a blank user instead, pablodanielrey/firmware ZkSoftware.java; punchclock never
  relies on either). `DeleteTemplate` drops a badge's fingers, `DeleteUser` its user and fingers,
  `RefreshDB` answers OK. `enrol(pin, finger, template)` stands for a finger enrolled at the terminal.

Quirk knobs: `qualified=False` answers with the response element in no namespace, `declaration=False`
drops the XML declaration, `bare_replies=True` answers even an enveloped request without envelope.
Fault knobs (`inject`): refuse (nothing listens), stall N seconds, drop the connection mid-reply,
malformed XML, busy (HTTP 503). Each fault lasts for `times` requests.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import socket
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.parsers.expat import ExpatError, ParserCreate
from xml.sax.saxutils import escape

from simulators.errors import SimulatorError
from simulators.lifecycle import HttpServed
from simulators.sample_punches import SimPunch, SimUser, make_punches, make_users

NS = "http://www.zksoftware/Service/message/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
FAULTS = ("refuse", "stall", "drop", "malformed", "busy")
_FAIL_ROW = "<Row><Result>0</Result><Information>Fail!</Information></Row>"
_OK_ROW = "<Row><Result>1</Result><Information>Successfully!</Information></Row>"


class SimulatorRequestError(SimulatorError):
    """A request the simulated terminal cannot read (the real one would answer garbage or nothing)."""


@dataclass
class _Fault:
    name: str
    times: int
    seconds: float = 0.0


@dataclass
class TerminalState:
    """What the simulated terminal stores; mutable so tests can look at the effect of a call."""

    serial_number: str
    users: list[SimUser]
    punches: list[SimPunch]
    comm_key: int
    clock_offset: timedelta = field(default_factory=timedelta)
    templates: dict[tuple[str, int], tuple[int, bytes]] = field(default_factory=dict)  # (badge, finger): valid, bytes
    device_name: str = "iClock580"
    platform: str = "ZEM600_TFT"

    def now(self) -> datetime:
        return datetime.now().replace(microsecond=0) + self.clock_offset


class ZKSoapTerminal(HttpServed):
    """`with ZKSoapTerminal(users=20, records=500, seed=1) as t: …` serves on `t.host:t.port`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: int = 20,
        records: int = 200,
        seed: int = 1,
        comm_key: int = 0,
        serial_number: str = "",
        encoding: str = "iso8859-1",
        qualified: bool = True,
        declaration: bool = True,
        bare_replies: bool = False,
        name_encoding: str = "gbk",
    ) -> None:
        chinese = encoding.lower().replace("-", "") not in ("iso88591", "latin1", "ascii")
        staff = make_users(users, seed, chinese_names=chinese)
        self.state = TerminalState(
            serial_number=serial_number or f"SOAP{seed:08d}",
            users=staff,
            punches=make_punches(staff, records, seed),
            comm_key=comm_key,
        )
        self.encoding = encoding
        self.name_encoding = name_encoding  # how the terminal stores names: their 24-byte limit counts in it
        self.qualified = qualified
        self.declaration = declaration
        self.bare_replies = bare_replies
        self.requests_served = 0
        self.last_request = b""
        self._host = host
        self._port = port
        self._fault: _Fault | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    _thread_name = "zk-soap-sim"

    def _new_server(self) -> ThreadingHTTPServer:
        return _LingeringHTTPServer((self._host, self._port), type("Handler", (_SoapHandler,), {"terminal": self}))

    def enrol(self, pin: str, finger: int, template: bytes, valid: int = 1) -> None:
        """A finger enrolled at the terminal for the user with badge `pin` (replacing that finger's template)."""
        with self._lock:
            self.state.templates[(pin, finger)] = (valid, template)

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
        """Clear any fault and listen again on the same port if `refuse` closed it."""
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

    # -- the service -----------------------------------------------------------------------
    def answer(self, body: bytes) -> tuple[str, bool]:
        """(reply element text, request was enveloped) for one request body."""
        try:
            root = _parse_leniently(body)
        except ExpatError as exc:
            raise SimulatorRequestError(f"request body is not XML: {exc}") from exc
        enveloped = _local(root.tag) == "Envelope"
        call = root
        if enveloped:
            soap_body = next((c for c in root if _local(c.tag) == "Body"), None)
            if soap_body is None or len(soap_body) == 0:
                raise SimulatorRequestError("SOAP envelope without a Body element")
            call = soap_body[0]
        op = _local(call.tag)
        args = {_local(el.tag): (el.text or "").strip() for el in call.iter() if el is not call}
        rows = self._rows(op, args)
        return f"<{op}Response>{rows}</{op}Response>", enveloped

    def _rows(self, op: str, args: dict[str, str]) -> str:
        state = self.state
        if op != "GetDate" and args.get("ArgComKey", "0").strip() != str(state.comm_key):
            return _FAIL_ROW
        if op == "GetAttLog":
            pin = args.get("PIN", "All")
            return (
                "".join(
                    f"\r\n<Row><PIN>{escape(p.pin)}</PIN><DateTime>{p.ts:%Y-%m-%d %H:%M:%S}</DateTime>"
                    f"<Verified>{p.verify}</Verified><Status>{p.state}</Status><WorkCode>{escape(p.workcode)}</WorkCode></Row>"
                    for p in state.punches
                    if pin in ("", "All") or p.pin == pin
                )
                + "\r\n"
            )
        if op in ("GetAllUserInfo", "GetUserInfo"):
            pin = args.get("PIN", "All") if op == "GetUserInfo" else "All"
            return (
                "".join(
                    f"\r\n<Row><PIN>{u.uid}</PIN><Name>{escape(u.name)}</Name><Password>{escape(u.password)}</Password>"
                    f"<Group>{u.group}</Group><Privilege>{u.privilege}</Privilege><Card>{u.card}</Card>"
                    f"<PIN2>{escape(u.pin)}</PIN2><TZ1>0</TZ1><TZ2>0</TZ2><TZ3>0</TZ3></Row>"
                    for u in state.users
                    if pin in ("", "All") or u.pin == pin
                )
                + "\r\n"
            )
        if op == "GetDate":
            now = state.now()
            return f"<Row><Date>{now:%Y-%m-%d}</Date><Time>{now:%H:%M:%S}</Time></Row>"
        if op == "SetDate":
            try:
                target = datetime.strptime(f"{args.get('Date', '')} {args.get('Time', '')}", "%Y-%m-%d %H:%M:%S")
            except ValueError:
                return _FAIL_ROW
            state.clock_offset = target - datetime.now().replace(microsecond=0)
            return _OK_ROW
        if op == "ClearData":
            if args.get("Value") == "3":  # 3 = attendance logs (tad-php README, delete_data)
                state.punches.clear()
                return _OK_ROW
            return _FAIL_ROW
        if op == "SetUserInfo":
            return self._set_user(args)
        if op == "DeleteUser":
            kept = [u for u in state.users if str(u.uid) != args.get("PIN", "")]
            if len(kept) == len(state.users):
                return _FAIL_ROW
            gone = {u.pin for u in state.users} - {u.pin for u in kept}
            state.users[:] = kept
            self._drop_templates(gone)
            return _OK_ROW
        if op == "GetUserTemplate":
            return self._get_templates(args.get("PIN", "All"), args.get("FingerID", ""))
        if op == "SetUserTemplate":
            return self._set_template(args)
        if op == "DeleteTemplate":
            if not any(u.pin == args.get("PIN", "") for u in state.users):
                return _FAIL_ROW
            self._drop_templates({args.get("PIN", "")})
            return _OK_ROW
        if op == "RefreshDB":
            return _OK_ROW
        if op == "GetOption":
            values = {
                "~SerialNumber": state.serial_number,
                "~DeviceName": state.device_name,
                "~Platform": state.platform,
            }
            name = args.get("Name", "")
            if name not in values:
                return _FAIL_ROW
            return f"<Row><Name>{escape(name)}</Name><Value>{escape(values[name])}</Value></Row>"
        return _FAIL_ROW

    def _set_user(self, args: dict[str, str]) -> str:
        """SetUserInfo as the firmware stores it: slot (PIN) 1..65535 (a 16-bit uid), a badge (PIN2) no
        other slot holds, a name of at most 24 bytes in `name_encoding`; anything else answers Fail."""
        state = self.state
        try:
            uid, privilege, card = int(args.get("PIN", "")), int(args.get("Privilege", "0")), int(args.get("Card", "0"))
            name_bytes = len(args.get("Name", "").encode(self.name_encoding))
        except (ValueError, UnicodeEncodeError):
            return _FAIL_ROW
        pin = args.get("PIN2", "")
        if not (1 <= uid <= 0xFFFF and pin and name_bytes <= 24 and 0 <= card <= 0xFFFFFFFF):
            return _FAIL_ROW
        if any(u.pin == pin and u.uid != uid for u in state.users):
            return _FAIL_ROW
        user = SimUser(
            uid, pin, args.get("Name", ""), privilege, card, args.get("Password", ""), args.get("Group", "1")
        )
        state.users[:] = [u for u in state.users if u.uid != uid] + [user]
        return _OK_ROW

    def _get_templates(self, pin: str, finger: str) -> str:
        every_pin, every_finger = pin.lower() in ("", "all"), finger.lower() in ("", "all")
        with self._lock:
            held = sorted(self.state.templates.items())
        rows = "".join(
            f"\r\n<Row><PIN>{escape(p)}</PIN><FingerID>{f}</FingerID><Size>{len(data)}</Size><Valid>{valid}</Valid>"
            f"<Template>{base64.b64encode(data).decode('ascii')}</Template></Row>"
            for (p, f), (valid, data) in held
            if (every_pin or p == pin) and (every_finger or str(f) == finger)
        )
        return rows + "\r\n" if rows else ""

    def _set_template(self, args: dict[str, str]) -> str:
        pin = args.get("PIN", "")
        try:
            finger, size, valid = int(args.get("FingerID", "")), int(args.get("Size", "")), int(args.get("Valid", "1"))
            data = base64.b64decode(args.get("Template", ""), validate=True)
        except (ValueError, binascii.Error):
            return _FAIL_ROW
        if not (0 <= finger <= 9 and data and size == len(data)) or not any(u.pin == pin for u in self.state.users):
            return _FAIL_ROW
        self.enrol(pin, finger, data, valid)
        return _OK_ROW

    def _drop_templates(self, pins: set[str]) -> None:
        with self._lock:
            for key in [k for k in self.state.templates if k[0] in pins]:
                del self.state.templates[key]

    def render(self, element: str, enveloped: bool) -> bytes:
        """The reply bytes: optional declaration, optional envelope, element (un)qualified."""
        if self.qualified and enveloped and not self.bare_replies:
            head, sep, rest = element.partition(">")
            element = f'{head} xmlns="{NS}"{sep}{rest}'
        if enveloped and not self.bare_replies:
            element = (
                f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" '
                f'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
                f"<SOAP-ENV:Body>{element}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
            )
        if self.declaration:
            element = f'<?xml version="1.0" encoding="{self.encoding}" standalone="no"?>{element}'
        return element.encode(self.encoding)


def _parse_leniently(body: bytes) -> ET.Element:
    """The request as an element tree, read as the terminal's embedded server reads it: without namespace
    processing. The widely copied PHP snippets send `<ArgComKey xsi:type="xsd:integer">` with no `xmlns:xsi`
    declaration, which a namespace-aware parser refuses as an unbound prefix; a real terminal answers them.
    Tags keep their prefixes (`SOAP-ENV:Envelope`), matched by local name."""
    builder = ET.TreeBuilder()
    parser = ParserCreate()  # no namespace_separator: prefixes are plain parts of the names
    parser.StartElementHandler = lambda name, attrs: builder.start(name, attrs)
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.Parse(body, True)
    return builder.close()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


class _LingeringHTTPServer(ThreadingHTTPServer):
    """Closes a connection as a careful embedded server does: after its reply, it reads what the client
    still sends until the client closes. The PHP snippets write `Content-Length` bytes and then a CRLF
    more; closing with those two bytes unread would reset the connection, and a reset can destroy the
    reply in the client's receive buffer before the client has read it."""

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
            request.settimeout(2.0)
            while request.recv(4096):
                pass
        self.close_request(request)


class _SoapHandler(BaseHTTPRequestHandler):
    terminal: ZKSoapTerminal
    protocol_version = "HTTP/1.0"  # the PHP clients read until close; terminals speak 1.0
    server_version = "ZK Web Server"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a terminal does not log to our console."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        if self.path.split("?")[0] != "/iWsService":
            self._send(404, b"Not Found")
            return
        terminal = self.terminal
        terminal.last_request = body
        fault = terminal.take_fault()
        if fault is not None and fault.name == "busy":
            self._send(503, b"Service Unavailable")
            return
        if fault is not None and fault.name == "stall":
            time.sleep(fault.seconds)
        try:
            element, enveloped = terminal.answer(body)
        except SimulatorRequestError as exc:
            self._send(400, str(exc).encode())
            return
        payload = terminal.render(element, enveloped)
        terminal.requests_served += 1
        if fault is not None and fault.name == "malformed":
            payload = payload[: len(payload) // 2] + b"<Row><PIN>1</PI\x00N></Row"
        if fault is not None and fault.name == "drop":
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(200, payload)

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        # The client may have given up waiting (the stall fault); a terminal does not complain either.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)
