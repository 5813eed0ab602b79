"""Hikvision ISAPI driver (kind `hik-isapi`) for the DS-K1T face terminals: HTTP(S) with Digest authentication.

What it calls, and the public code each shape comes from (the terminal's own ISAPI documents are not
public; these integrations were written against real units):

* `GET /ISAPI/System/deviceInfo`: XML `<DeviceInfo xmlns="http://www.hikvision.com/ver20/XMLSchema">` with
  `serialNumber`, `model`, `firmwareVersion`, `firmwareReleasedDate` (the camera and terminal fixtures in the
  code index; elements are found by local name, so a reply without the namespace reads the same).
* `GET`/`PUT /ISAPI/System/time`: XML `<Time><timeMode>manual</timeMode><localTime>2026-03-02T08:30:00+08:00
  </localTime><timeZone>CST-8:00:00</timeZone></Time>` (Hikvision writes the zone inverted: CST-8 is UTC+8).
  `set_time` sends back the terminal's own document with `timeMode` manual and `localTime` replaced, in the
  terminal's own offset, so its zone is never changed.
* `POST /ISAPI/AccessControl/AcsEvent?format=json` with `{"AcsEventCond": {"searchID", "searchResultPosition",
  "maxResults", "major": 5, "minor": 0, "startTime", "endTime", "beginSerialNo"}}` (Taqsim-Solutions/ISAPI
  GetEvents.py, estifan/aba device.py): the reply `{"AcsEvent": {"searchID", "responseStatusStrg", "numOfMatches",
  "totalMatches", "InfoList": [{"time", "employeeNoString", "serialNo", "attendanceStatus", …}]}}` is paged until
  `responseStatusStrg` is "OK" or "NO MATCH" ("MORE": ask again from `searchResultPosition + numOfMatches`).
  Terminals cap `maxResults` (30 on the DS-K1T series, whatever is asked) and the driver follows `numOfMatches`,
  never its own page size. Major 5 is the access-control events; minor 0 asks all of them in ONE search (a
  search per minor would cost a round of paging each), and the driver keeps the authentication-passed ones
  (`PASSED_MINORS`: card, fingerprint, face and their combinations) as punches. Every other event (a denied
  face, an unknown card, a door held open) is read and dropped, never a punch.
* `serialNo` numbers the terminal's events in order: it is the cursor (`read_punches_after`). A poll asks
  `beginSerialNo` = cursor + 1 (accepted by DS-K1T firmware, see the module's entry in docs/ARCHITECTURE.md) and
  also drops any record at or below the cursor itself, for firmware that ignores the bound. The cursor moves to
  the highest serialNo read, dropped events included: they were read, and every event below it was seen.
* Users: `POST /ISAPI/AccessControl/UserInfo/Search?format=json` (`UserInfoSearchCond`, paged like events,
  reply `UserInfoSearch.UserInfo[]`), `POST …/UserInfo/Record?format=json` to add and `PUT …/UserInfo/Modify
  ?format=json` to change (`{"UserInfo": {"employeeNo", "name", "userType": "normal", "Valid", "doorRight",
  "RightPlan", "localUIRight"}}`), `PUT …/UserInfoDetail/Delete?format=json` (`{"UserInfoDetail": {"mode":
  "byEmployeeNo", "EmployeeNoList": [{"employeeNo"}]}}`, which takes the person's cards and faces with it) and
  `GET …/UserInfoDetail/DeleteProcess?format=json` until its `status` is "success". These are the calls the
  Hikvision device-gateway manual lists for person management (a public translation of it is in the code
  index) and that DS-K1T integrations there use. An admin (`PRIVILEGE_ADMIN`) is `localUIRight: true`, the
  right to open the terminal's own menu. Card numbers are kept by ISAPI apart from the user
  (`CardInfo/*`) and are not synced: `read_users` reports card 0.

Times: the terminal writes ISO-8601 with its offset; `RawPunch.ts_local` is its wall-clock time as written,
naive, like every other driver's (the office's zone is applied by `gateway.devices.normalize`).

TLS: `scheme = "https"` verifies the certificate against the system's CAs (`verify_tls`, default true), or, when
`tls_fingerprint` is given, accepts exactly the certificate whose DER SHA-256 it is, checked at the handshake of
every connection before any request (credentials included) is sent; the terminal's self-signed certificate can
be pinned so. `verify_tls = false` accepts any certificate.
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from typing import Any

import httpcore
import httpx

from drivers.base import (
    PRIVILEGE_ADMIN,
    PRIVILEGE_USER,
    AuthFailed,
    DeviceBusy,
    DeviceInfo,
    DeviceUnreachable,
    DriverBase,
    DriverError,
    ProtocolError,
    RawPunch,
    RawUser,
    TerminalUser,
    fit_name,
    quote,
    unresolvable_host,
)

#: The page a DS-K1T terminal serves at most, whatever `maxResults` asks (Taqsim-Solutions/ISAPI asks 30).
DEFAULT_PAGE_SIZE = 30
MAJOR_ACCESS_EVENT = 5
MINOR_ANY = 0


@dataclass(frozen=True)
class PassedMinor:
    """An authentication-passed minor of major 5: what it means and the ZK verify code its punch carries."""

    meaning: str
    verify_mode: int


#: The minors of major 5 that are an attendance (someone authenticated), with their HCNetSDK names. Sources:
#: HCNetSDK.h's MINOR_* constants as republished in public SDK wrappers (the Go header `MINOR_FINGERPRINT_COMPARE
#: _PASS DWORD = 0x26 //指纹比对通过`, the C# `MINOR_FACE_VERIFY_PASS = 75`), and DS-K1T integrations that treat
#: MINOR_LEGAL_CARD_PASS, MINOR_FINGERPRINT_COMPARE_PASS and MINOR_FACE_VERIFY_PASS as the passes. The verify code
#: is ZK's for the first factor (1 fingerprint, 4 card, 15 face), the one the rest of punchclock reads.
PASSED_MINORS: dict[int, PassedMinor] = {
    0x01: PassedMinor("MINOR_LEGAL_CARD_PASS: card", 4),
    0x02: PassedMinor("MINOR_CARD_AND_PSW_PASS: card and password", 4),
    0x26: PassedMinor("MINOR_FINGERPRINT_COMPARE_PASS: fingerprint", 1),
    0x28: PassedMinor("MINOR_CARD_FINGERPRINT_VERIFY_PASS: card and fingerprint", 1),
    0x2B: PassedMinor("MINOR_CARD_FINGERPRINT_PASSWD_VERIFY_PASS: card, fingerprint and password", 1),
    0x2E: PassedMinor("MINOR_FINGERPRINT_PASSWD_VERIFY_PASS: fingerprint and password", 1),
    0x4B: PassedMinor("MINOR_FACE_VERIFY_PASS: face", 15),
}
#: `attendanceStatus` → the ZK punch state the rest of punchclock reads (0 in, 1 out, 2 break out, 3 break in,
#: 4 overtime in, 5 overtime out). "undefined" (no attendance key pressed) maps to `UNDEFINED_STATE`.
ATTENDANCE_STATES = {"checkIn": 0, "checkOut": 1, "breakOut": 2, "breakIn": 3, "overtimeIn": 4, "overtimeOut": 5}
#: Not a ZK state: the direction of such a punch is left to pairing (`gateway.devices.normalize`).
UNDEFINED_STATE = 100
#: The longest name written: DS-K1T terminals hold 32 bytes of UTF-8 (10 Chinese characters fit).
NAME_BYTES = 32
#: The search window: the whole range ISAPI terminals accept (their validity periods end in 2037).
SEARCH_START = datetime(2000, 1, 1)
SEARCH_END = datetime(2037, 12, 31, 23, 59, 59)
_DELETE_POLL_S = 0.1
_PREVIEW = 200  # characters of an unreadable reply quoted in the error


class _PinMismatch(Exception):
    """Raised inside the TLS handshake: the terminal's certificate is not the pinned one."""

    def __init__(self, seen: str) -> None:
        super().__init__(seen)
        self.seen = seen


def normalise_fingerprint(text: str) -> str:
    """A SHA-256 fingerprint as 64 lowercase hex digits, from `AB:CD:…` (as browsers and openssl show it) or
    plain hex; ValueError saying how to write it."""
    digits = text.replace(":", "").replace(" ", "").lower()
    if len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(
            f"{text!r} is not a SHA-256 certificate fingerprint: give the 64 hex digits (colons allowed), as "
            "`openssl x509 -noout -fingerprint -sha256` prints them for the terminal's certificate"
        )
    return digits


def _colons(digits: str) -> str:
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2)).upper()


class _PinnedStream(httpcore.NetworkStream):
    """A TCP stream whose TLS handshake refuses any certificate but the pinned one."""

    def __init__(self, inner: httpcore.NetworkStream, fingerprint: str) -> None:
        self._inner = inner
        self._fingerprint = fingerprint

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.start_tls(ssl_context, server_hostname, timeout)
        der = stream.get_extra_info("ssl_object").getpeercert(True) or b""
        seen = hashlib.sha256(der).hexdigest()
        if seen != self._fingerprint:
            stream.close()
            raise _PinMismatch(seen)
        return stream

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    def __init__(self, fingerprint: str) -> None:
        self._inner = httpcore.SyncBackend()
        self._fingerprint = fingerprint

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _PinnedStream(stream, self._fingerprint)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@dataclass(frozen=True, slots=True)
class _Page:
    """One page of a search: `responseStatusStrg`, `numOfMatches`, its records, `totalMatches`."""

    status: str
    matches: int
    records: list[dict[str, Any]]
    total: int


class HikIsapiDriver(DriverBase):
    """One DS-K1T terminal. `HikIsapiDriver("192.168.1.64", 443, user="admin", password="…", scheme="https",
    tls_fingerprint="ab:cd:…")`; port 0 means the scheme's (80 / 443)."""

    #: Never cleared: the terminal's event log is a ring it overwrites itself, and the serialNo cursor means a
    #: poll reads only what is new, so there is nothing to gain and events to lose.
    clearable = False

    def __init__(
        self,
        host: str,
        port: int = 0,
        *,
        comm_key: int = 0,
        timeout: float = 10.0,
        encoding: str = "utf-8",
        user: str = "admin",
        password: str = "",
        scheme: str = "http",
        tls_fingerprint: str | None = None,
        verify_tls: bool = True,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        del comm_key, encoding  # every kind is built alike; ISAPI has no comm key and writes UTF-8
        if scheme not in ("http", "https"):
            raise DriverError(f"scheme {scheme!r} for Hikvision terminal {host}: use http or https")
        self.host = host
        self.scheme = scheme
        self.port = port or (443 if scheme == "https" else 80)
        self.timeout = timeout
        self.user = user
        self._password = password
        self.fingerprint = normalise_fingerprint(tls_fingerprint) if tls_fingerprint else None
        self.verify_tls = verify_tls
        self.page_size = page_size
        self.url = f"{scheme}://{host}:{self.port}"
        self._client: httpx.Client | None = None
        self._serial = ""
        self._search = 0
        self._offset: timezone | None = None  # the terminal's UTC offset, read once per connection

    # -- connection ------------------------------------------------------------------------
    def open(self) -> None:
        self._client = httpx.Client(
            base_url=self.url,
            auth=httpx.DigestAuth(self.user, self._password),
            timeout=self.timeout,
            transport=self._transport(),
        )
        try:
            self._serial = self._device_info().serial_number
        except DriverError:
            self.close()
            raise

    def _transport(self) -> httpx.HTTPTransport:
        if self.scheme == "http":
            return httpx.HTTPTransport()
        if self.fingerprint is None and self.verify_tls:
            return httpx.HTTPTransport(verify=ssl.create_default_context())
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        transport = httpx.HTTPTransport(verify=context)
        if self.fingerprint is not None:
            # httpx takes no network backend; its transport is a thin shell around this httpcore pool.
            transport._pool = httpcore.ConnectionPool(
                ssl_context=context, network_backend=_PinnedBackend(self.fingerprint)
            )
        return transport

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None

    @property
    def serial_number(self) -> str:
        return self._serial

    # -- Driver protocol -------------------------------------------------------------------
    def info(self) -> DeviceInfo:
        """Identity from deviceInfo, the user count from UserInfo/Count, and as the record count the access-control
        events the terminal holds (passes and refusals: the `totalMatches` of one all-minors search)."""
        identity = self._device_info()
        count = self._json("GET", "/ISAPI/AccessControl/UserInfo/Count?format=json", None, "UserInfo/Count")
        first = self._event_page(self._cond(0, 1, None), "AcsEvent")
        return DeviceInfo(
            serial_number=identity.serial_number,
            model=identity.model,
            firmware=identity.firmware,
            user_count=_int_field(_object(count, "UserInfoCount", self.url), "userNumber", self.url),
            record_count=first.total,
        )

    def read_punches(self) -> list[RawPunch]:
        return self.read_punches_after(None)[0]

    def read_punches_after(self, cursor: str | None) -> tuple[list[RawPunch], str | None]:
        """The authentication passes after `cursor` (a serialNo as text; None: all) and the cursor after them
        (the highest serialNo read, passes or not, or `cursor` itself when nothing is new)."""
        after = _cursor_value(cursor, self.url)
        punches: list[RawPunch] = []
        highest = after
        for record in self._search_all("AcsEvent", lambda position: self._cond(position, self.page_size, after)):
            serial = _int_field(record, "serialNo", self.url)
            if after is not None and serial <= after:
                continue
            highest = serial if highest is None else max(highest, serial)
            passed = PASSED_MINORS.get(_int_field(record, "minor", self.url))
            if passed is not None:
                punches.append(self._punch(record, serial, passed.verify_mode))
        return punches, None if highest is None else str(highest)

    def get_time(self) -> datetime:
        return _parse_iso(_child_text(self._time_document(), "localTime", self.url), "localTime", self.url)[0]

    def set_time(self, dt: datetime) -> None:
        """Set the wall clock to `dt` (naive, the office's time) in manual mode, keeping the terminal's zone."""
        document = self._time_document()
        _, offset = _parse_iso(_child_text(document, "localTime", self.url), "localTime", self.url)
        _child(document, "timeMode", self.url).text = "manual"
        _child(document, "localTime", self.url).text = dt.replace(microsecond=0, tzinfo=offset).isoformat()
        body = ET.tostring(document, encoding="unicode")
        self._expect_ok(self._request("PUT", "/ISAPI/System/time", body, "System/time", "application/xml"))

    def clear_punches(self, expected_count: int) -> int:
        raise DriverError(
            f"{self.url}: punchclock never clears a Hikvision terminal's event log (it reads past the last "
            "serialNo instead); turn clear_after_download off for this device"
        )

    # -- users (UserWriter) ----------------------------------------------------------------
    def read_users(self) -> list[RawUser]:
        users = []
        for record in self._search_all("UserInfoSearch", self._user_cond):
            users.append(
                RawUser(
                    device_sn=self._serial,
                    pin=_str_field(record, "employeeNo", self.url),
                    name=str(record.get("name", "")),
                    privilege=PRIVILEGE_ADMIN if record.get("localUIRight") is True else PRIVILEGE_USER,
                )
            )
        return users

    def write_users(self, users: Sequence[TerminalUser]) -> None:
        """Add (UserInfo/Record) or change (UserInfo/Modify) users by badge; see the module docstring."""
        if not users:
            return
        held = {u.pin for u in self.read_users()}
        for user in users:
            body = json.dumps({"UserInfo": _user_info(user)}, ensure_ascii=False)
            if user.pin in held:
                reply = self._request(
                    "PUT", "/ISAPI/AccessControl/UserInfo/Modify?format=json", body, "UserInfo/Modify"
                )
            else:
                reply = self._request(
                    "POST", "/ISAPI/AccessControl/UserInfo/Record?format=json", body, "UserInfo/Record"
                )
            self._expect_ok(reply)

    def delete_users(self, pins: Sequence[str]) -> list[str]:
        """Delete these badges' users with their cards and faces (UserInfoDetail/Delete); the pins that were there."""
        if not pins:
            return []
        held = {u.pin for u in self.read_users()}
        deleted = [pin for pin in pins if pin in held]
        if not deleted:
            return []
        body = json.dumps(
            {"UserInfoDetail": {"mode": "byEmployeeNo", "EmployeeNoList": [{"employeeNo": p} for p in deleted]}}
        )
        self._expect_ok(
            self._request(
                "PUT", "/ISAPI/AccessControl/UserInfoDetail/Delete?format=json", body, "UserInfoDetail/Delete"
            )
        )
        self._await_delete()
        return deleted

    def _await_delete(self) -> None:
        """Poll DeleteProcess until the terminal says success (it deletes in the background), within the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._json(
                "GET", "/ISAPI/AccessControl/UserInfoDetail/DeleteProcess?format=json", None, "DeleteProcess"
            )
            status = str(_object(reply, "UserInfoDetailDeleteProcess", self.url).get("status", ""))
            if status == "success":
                return
            if status != "processing":
                raise ProtocolError(
                    f"{self.url}: the terminal reports the user deletion as {status!r}; check the users on the "
                    "terminal and run the user sync again"
                )
            if time.monotonic() >= deadline:
                raise DeviceBusy(
                    f"{self.url}: the terminal was still deleting users after {self.timeout:g}s; the next user sync "
                    "checks what is left"
                )
            time.sleep(_DELETE_POLL_S)

    # -- searches --------------------------------------------------------------------------
    def _terminal_offset(self) -> timezone:
        """The offset the terminal writes its times in (from System/time; UTC if it writes none)."""
        if self._offset is None:
            local = _child_text(self._time_document(), "localTime", self.url)
            self._offset = _parse_iso(local, "localTime", self.url)[1] or UTC
        return self._offset

    def _cond(self, position: int, size: int, after: int | None) -> dict[str, Any]:
        offset = self._terminal_offset()
        cond: dict[str, Any] = {
            "searchID": self._search_id(position),
            "searchResultPosition": position,
            "maxResults": size,
            "major": MAJOR_ACCESS_EVENT,
            "minor": MINOR_ANY,
            "startTime": SEARCH_START.replace(tzinfo=offset).isoformat(),
            "endTime": SEARCH_END.replace(tzinfo=offset).isoformat(),
        }
        if after is not None:
            cond["beginSerialNo"] = after + 1
        return {"AcsEventCond": cond}

    def _user_cond(self, position: int) -> dict[str, Any]:
        return {
            "UserInfoSearchCond": {
                "searchID": self._search_id(position),
                "searchResultPosition": position,
                "maxResults": self.page_size,
            }
        }

    def _search_id(self, position: int) -> str:
        """One searchID per search (a new one when a search starts at position 0), as the terminals expect."""
        if position == 0:
            self._search += 1
        return f"punchclock-{self._search}"

    def _search_all(self, kind: str, cond: Any) -> Iterator[dict[str, Any]]:
        """Every record of a search, page after page, until the terminal says OK or NO MATCH."""
        position = 0
        while True:
            page = self._event_page(cond(position), kind)
            yield from page.records
            if page.status in ("OK", "NO MATCH"):
                return
            if page.status != "MORE" or page.matches <= 0:
                raise ProtocolError(
                    f"{self.url}: {kind} page at position {position} says responseStatusStrg {page.status!r} with "
                    f"numOfMatches {page.matches}; expected MORE with records, OK or NO MATCH"
                )
            position += page.matches

    def _event_page(self, cond: dict[str, Any], kind: str) -> _Page:
        path = (
            "/ISAPI/AccessControl/AcsEvent?format=json"
            if kind == "AcsEvent"
            else "/ISAPI/AccessControl/UserInfo/Search?format=json"
        )
        reply = _object(self._json("POST", path, json.dumps(cond), kind), kind, self.url)
        status = str(reply.get("responseStatusStrg", ""))
        listed = reply.get("InfoList" if kind == "AcsEvent" else "UserInfo", [])
        if not isinstance(listed, list) or not all(isinstance(r, dict) for r in listed):
            raise ProtocolError(f"{self.url}: {kind} reply lists its records as {quote(repr(listed))}, not objects")
        matches = _int_field(reply, "numOfMatches", self.url) if status != "NO MATCH" else 0
        if matches != len(listed):
            raise ProtocolError(
                f"{self.url}: {kind} reply says numOfMatches {matches} but lists {len(listed)} records; the reply "
                "was cut or the firmware pages differently"
            )
        total = int(reply.get("totalMatches", 0) or 0)
        return _Page(status, matches, listed, total)

    def _punch(self, record: dict[str, Any], serial: int, verify_mode: int) -> RawPunch:
        where = f"{self.url} AcsEvent serialNo {serial}"
        state = ATTENDANCE_STATES.get(str(record.get("attendanceStatus", "")), UNDEFINED_STATE)
        return RawPunch(
            device_sn=self._serial,
            pin=_str_field(record, "employeeNoString", where),
            ts_local=_parse_iso(_str_field(record, "time", where), "time", where)[0],
            status=state,
            punch_state=state,
            verify_mode=verify_mode,
        )

    # -- XML documents ---------------------------------------------------------------------
    def _device_info(self) -> DeviceInfo:
        root = _xml(self._request("GET", "/ISAPI/System/deviceInfo", None, "System/deviceInfo"), self.url)
        serial = _child_text(root, "serialNumber", self.url)
        if not serial:
            raise ProtocolError(f"{self.url}: deviceInfo has an empty <serialNumber>, which punches need as their key")
        firmware = " ".join(
            t for t in (_optional_text(root, "firmwareVersion"), _optional_text(root, "firmwareReleasedDate")) if t
        )
        return DeviceInfo(serial_number=serial, model=_optional_text(root, "model"), firmware=firmware)

    def _time_document(self) -> ET.Element:
        return _xml(self._request("GET", "/ISAPI/System/time", None, "System/time"), self.url)

    # -- HTTP ------------------------------------------------------------------------------
    def _json(self, method: str, path: str, body: str | None, op: str) -> Any:
        response = self._request(method, path, body, op)
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(
                f"{self.url}: {op} reply is not JSON: {quote(response.text, _PREVIEW)}; is this a Hikvision "
                "access-control terminal with ISAPI JSON (DS-K1T series)?"
            ) from None

    def _request(
        self, method: str, path: str, body: str | None, op: str, content_type: str = "application/json"
    ) -> httpx.Response:
        """One ISAPI request with every failure mapped onto the driver error types."""
        if self._client is None:
            raise DriverError(
                f"{self.url}: driver is not open; use `with HikIsapiDriver(...) as d:` or call open() first"
            )
        headers = {"Content-Type": content_type} if body is not None else {}
        try:
            response = self._client.request(method, path, content=body, headers=headers)
        except _PinMismatch as mismatch:
            raise AuthFailed(self._pin_message(mismatch.seen)) from None
        except httpx.ConnectTimeout as exc:
            raise DeviceUnreachable(
                f"{self.url}: no answer to connect within {self.timeout:g}s during {op}; check the terminal is "
                "powered and on this network"
            ) from exc
        except httpx.ReadTimeout as exc:
            raise DeviceUnreachable(
                f"{self.url}: {op} got no reply within {self.timeout:g}s; the terminal may be overloaded — retry "
                "later or raise the timeout"
            ) from exc
        except httpx.RemoteProtocolError as exc:
            raise DeviceUnreachable(
                f"{self.url}: connection dropped in the middle of the {op} reply; retry (nothing was changed on "
                "the terminal)"
            ) from exc
        except httpx.ConnectError as exc:
            if isinstance(exc.__context__, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise AuthFailed(self._untrusted_message()) from exc
            unknown_name = _resolver_error(exc)
            if unknown_name is not None:
                raise unresolvable_host(self.host, self.url, str(unknown_name)) from exc
            raise DeviceUnreachable(
                f"{self.url}: cannot connect for {op} ({exc.__class__.__name__}); check host, port (ISAPI is 80 "
                "for http, 443 for https) and that the terminal's web service (ISAPI) is enabled"
            ) from exc
        except httpx.HTTPError as exc:
            raise DeviceUnreachable(f"{self.url}: HTTP failure during {op}: {exc}") from exc
        self._check_status(response, op)
        return response

    def _check_status(self, response: httpx.Response, op: str) -> None:
        status = response.status_code
        if status == 401:
            raise AuthFailed(
                f"wrong user or password for Hikvision terminal {self.url}: check user/password in the config "
                "(the terminal's admin account)"
            )
        if status == 503:
            raise DeviceBusy(
                f"{self.url}: terminal answered {op} with HTTP 503 (busy, e.g. enrolling a face or serving another "
                "client); retry in a minute"
            )
        refusal = _refusal(response)
        if status == 403 or refusal.get("subStatusCode") == "notSupport":
            raise ProtocolError(
                f"{self.url}: the terminal refused {op} (HTTP {status}, {refusal.get('statusString', '')!r} / "
                f"{refusal.get('subStatusCode', '')!r}): this model or firmware does not offer it, or the account "
                f"{self.user!r} lacks the right; use the terminal's admin account and check ISAPI is enabled"
            )
        if status >= 400:
            raise ProtocolError(
                f"{self.url}: {op} got HTTP {status} ({refusal.get('statusString', '')!r} / "
                f"{refusal.get('subStatusCode', '')!r}): {quote(response.text, _PREVIEW)}"
            )

    def _expect_ok(self, response: httpx.Response) -> None:
        """A write's `ResponseStatus` must say statusCode 1 (OK), in JSON or XML."""
        refusal = _refusal(response)
        if str(refusal.get("statusCode", "1")) != "1":
            raise ProtocolError(
                f"{self.url}: the terminal refused the change ({refusal.get('statusString', '')!r} / "
                f"{refusal.get('subStatusCode', '')!r}) at {refusal.get('requestURL', '')}"
            )

    def _pin_message(self, seen: str) -> str:
        assert self.fingerprint is not None
        return (
            f"{self.url} presented a TLS certificate with SHA-256 {_colons(seen)}, not the pinned "
            f"tls_fingerprint {_colons(self.fingerprint)}: nothing was sent to it. If the terminal's certificate "
            "was replaced (a reset, a new certificate), put the new fingerprint in the config; otherwise something "
            "else answers at this address"
        )

    def _untrusted_message(self) -> str:
        seen = _server_fingerprint(self.host, self.port, self.timeout)
        shown = f" (its SHA-256 is {_colons(seen)})" if seen else ""
        return (
            f"{self.url}: the terminal's TLS certificate{shown} is not signed by a CA this machine trusts, as a "
            "terminal's own self-signed certificate is not: pin it with tls_fingerprint = \"…\" in the device's "
            "config (check the fingerprint on the terminal's web page first), or set verify_tls = false"
        )


def _user_info(user: TerminalUser) -> dict[str, Any]:
    return {
        "employeeNo": user.pin,
        "name": fit_name(user.name, "utf-8", NAME_BYTES).decode("utf-8"),
        "userType": "normal",
        "Valid": {
            "enable": True,
            "beginTime": SEARCH_START.isoformat(),
            "endTime": SEARCH_END.isoformat(),
            "timeType": "local",
        },
        "doorRight": "1",
        "RightPlan": [{"doorNo": 1, "planTemplateNo": "1"}],
        "localUIRight": user.privilege == PRIVILEGE_ADMIN,
    }


def _refusal(response: httpx.Response) -> dict[str, str]:
    """The `ResponseStatus` of a reply (JSON or XML) as text fields; {} when the reply has none."""
    text = response.text.strip()
    if text.startswith("{"):
        try:
            data = response.json()
        except ValueError:
            return {}
        status = data.get("ResponseStatus", data) if isinstance(data, dict) else {}
        return {k: str(v) for k, v in status.items()} if isinstance(status, dict) else {}
    if text.startswith("<"):
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            return {}
        if _local(root.tag) == "ResponseStatus":
            return {_local(el.tag): (el.text or "").strip() for el in root}
    return {}


def _xml(response: httpx.Response, where: str) -> ET.Element:
    try:
        return ET.fromstring(response.content)
    except ET.ParseError as exc:
        raise ProtocolError(f"{where}: reply is not XML ({exc}): {quote(response.text, _PREVIEW)}") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _find(root: ET.Element, name: str) -> ET.Element | None:
    return next((el for el in root if _local(el.tag) == name), None)


def _child(root: ET.Element, name: str, where: str) -> ET.Element:
    found = _find(root, name)
    if found is None:
        raise ProtocolError(f"{where}: <{_local(root.tag)}> has no <{name}>; the terminal sent an incomplete document")
    return found


def _child_text(root: ET.Element, name: str, where: str) -> str:
    return (_child(root, name, where).text or "").strip()


def _optional_text(root: ET.Element, name: str) -> str:
    found = _find(root, name)
    return "" if found is None else (found.text or "").strip()


def _object(data: Any, key: str, where: str) -> dict[str, Any]:
    found = data.get(key) if isinstance(data, dict) else None
    if not isinstance(found, dict):
        raise ProtocolError(f"{where}: reply has no {key!r} object: {quote(json.dumps(data, ensure_ascii=False))}")
    return found


def _int_field(record: dict[str, Any], name: str, where: str) -> int:
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ProtocolError(f"{where}: {name!r} is {value!r}, expected an integer")
    try:
        return int(value)
    except ValueError:
        raise ProtocolError(f"{where}: {name!r} is {value!r}, expected an integer") from None


def _str_field(record: dict[str, Any], name: str, where: str) -> str:
    value = record.get(name)
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text:
        raise ProtocolError(f"{where}: record has no {name!r}; the terminal sent an incomplete record")
    return text


def _parse_iso(text: str, name: str, where: str) -> tuple[datetime, timezone | None]:
    """An ISAPI time (`2026-03-02T08:30:00+08:00`, or without offset) as (naive wall time, its offset)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ProtocolError(
            f"{where}: {name} is {text!r}, expected ISO-8601 such as 2026-03-02T08:30:00+08:00"
        ) from None
    offset = parsed.utcoffset()
    zone = None if offset is None else timezone(offset)
    return parsed.replace(tzinfo=None), zone


def _cursor_value(cursor: str | None, where: str) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise DriverError(f"{where}: stored cursor {cursor!r} is not a serialNo; clear it to read the whole log")
    return int(cursor)


def _server_fingerprint(host: str, port: int, timeout: float) -> str | None:
    """The SHA-256 of the certificate a server presents, read without trusting it (for the error message)."""
    try:
        pem = ssl.get_server_certificate((host, port), timeout=timeout)
    except (OSError, ValueError):
        return None
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def _resolver_error(exc: BaseException) -> socket.gaierror | None:
    """The resolver's own error in an httpx connection error's cause chain."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, socket.gaierror):
            return current
        current = current.__cause__ or current.__context__
    return None
