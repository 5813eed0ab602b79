"""The gateway's TOML config: offices (with their notification channels), devices, database, poller, API, push
receiver and notification delivery settings.

`load_config(path)` either returns a fully checked `Config` or raises `ConfigError` listing every
problem as `file: key.path: reason`, so a wrong config fails at start and not at 3 a.m. on the first
poll of the broken device. See `punchclock.example.toml` for a commented example.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from drivers.base import PUSH_KINDS, known_kinds
from gateway.errors import ConfigError
from gateway.inputs import ValueRefused, check_name

DEFAULT_DATABASE_URL = "sqlite:///punchclock.db"
ANVIZ_PORT = 5010  # the TC_B port of Anviz terminals (MxLabs/Anviz AnvizManager.Connect, CrossChex)
#: An office, device or token name: no control characters or line breaks (`gateway.inputs.check_name`).
Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(check_name)]


def check_site(value: str) -> str:
    """A site's name (`site = "SH"`): it names the site's poller lock and its lock file, so no spaces or slashes."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}", value):
        raise ValueError(
            f"{value!r} is not a site name: use 1 to 32 letters, digits, - or _ (starting with a letter or digit), "
            'e.g. site = "SH"'
        )
    return value


Site = Annotated[str, AfterValidator(check_site)]
PUSH_COMM_KEY_CHARACTERS = "letters, digits and . _ ~ -"
MAX_PUSH_COMM_KEY_LENGTH = 64
DEFAULT_PUSH_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_PUSH_MAX_PHOTO_BYTES = 256 * 1024  # a terminal's punch photo is 5-30 KB


def check_network(value: str) -> str:
    """A CIDR network ("10.1.2.0/24") or one address ("10.1.2.7"), as written; ValueError saying how to fix it."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueRefused(
            f"{value!r} is not an IP network: write it as 10.1.2.0/24, or 10.1.2.7 for one address",
            zh=f"{value!r} 不是 IP 网段：请写成 10.1.2.0/24，单个地址写 10.1.2.7",
        ) from None
    if str(network) != value and str(network.network_address) != value:
        address = value.split("/", 1)[0]
        raise ValueRefused(
            f"{value!r} has host bits set: write the network {network}, or {address} alone for one address",
            zh=f"{value!r} 含主机位：请写网段 {network}，单个地址只写 {address}",
        )
    return value


def check_push_comm_key(value: object) -> str:
    """The push comm key as text; ValueError that never quotes it (the message may reach a log).

    Real firmware appends the key to its handshake URL without escaping it (`&pushcommkey=%s`, see
    `gateway.access.push_auth`), so only characters that need no escaping in a URL are allowed.
    """
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        raise ValueError('the push comm key must be text or a number, e.g. push_comm_key = "8137"')
    if not 1 <= len(text) <= MAX_PUSH_COMM_KEY_LENGTH or not all(
        c.isascii() and (c.isalnum() or c in "._~-") for c in text
    ):
        raise ValueError(
            f"the push comm key must be 1 to {MAX_PUSH_COMM_KEY_LENGTH} {PUSH_COMM_KEY_CHARACTERS} (the terminal "
            "sends it unescaped in a URL); the value given is not repeated here because it is a secret"
        )
    return text


PushNetwork = Annotated[str, AfterValidator(check_network)]
PushCommKey = Annotated[str, BeforeValidator(check_push_comm_key)]


def check_fingerprint(value: str) -> str:
    """A certificate's SHA-256 as 64 lowercase hex digits (`AB:CD:…` accepted)."""
    from drivers.hik_isapi import normalise_fingerprint

    return normalise_fingerprint(value)


HIK_KIND = "hik-isapi"
ANVIZ_KIND = "anviz"
#: The device keys only a Hikvision terminal has (their defaults aside).
HIK_KEYS = ("user", "password", "tls_fingerprint")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


NotifyKind = Literal[
    "request_submitted",
    "request_step",
    "request_approved",
    "request_rejected",
    "request_withdrawn",
    "payslip_released",
]
#: A group chat or a mailbox hears of requests by default; 10,000 payslips released at once only when asked.
DEFAULT_NOTIFY_EVENTS: tuple[NotifyKind, ...] = (
    "request_submitted",
    "request_step",
    "request_approved",
    "request_rejected",
    "request_withdrawn",
)


def check_webhook(value: SecretStr) -> SecretStr:
    """An http(s) URL; the message never repeats it, since its query holds the robot's key (a secret)."""
    text = value.get_secret_value()
    if not text.startswith(("https://", "http://")) or len(text) > 2000 or any(c.isspace() for c in text):
        raise ValueError(
            "webhook must be the robot's URL as the group settings show it, starting with https:// "
            "(the value given is not repeated here because it holds the robot's key)"
        )
    return value


def check_address(value: str) -> str:
    """One e-mail address (`name@example.cn`, optionally `显示名 <name@example.cn>`)."""
    from email.utils import parseaddr

    _name, address = parseaddr(value)
    local, _at, domain = address.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in address):
        raise ValueError(f"{value!r} is not an e-mail address: write it as hr@example.cn")
    return value


Webhook = Annotated[SecretStr, AfterValidator(check_webhook)]
Address = Annotated[str, Field(max_length=320), AfterValidator(check_address)]


class EmailChannel(_Strict):
    """E-mail over SMTP: `tls` starttls (port 587), ssl (SMTPS, port 465) or none (a relay on the local network)."""

    host: Annotated[str, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    tls: Literal["starttls", "ssl", "none"] = "starttls"
    username: Annotated[str, Field(min_length=1, max_length=320)] | None = None
    password: SecretStr | None = None
    sender: Address
    to: Annotated[list[Address], Field(min_length=1)]
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    events: list[NotifyKind] = list(DEFAULT_NOTIFY_EVENTS)


class WeComChannel(_Strict):
    """WeCom (企业微信) group robot: its webhook URL (…/cgi-bin/webhook/send?key=…)."""

    webhook: Webhook
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    events: list[NotifyKind] = list(DEFAULT_NOTIFY_EVENTS)


class DingTalkChannel(WeComChannel):
    """DingTalk (钉钉) custom robot: its webhook URL (…/robot/send?access_token=…) and, for 加签, its secret."""

    secret: SecretStr | None = None


class OfficeNotify(_Strict):
    """Where an office's notifications go besides the in-app inbox (none: the inbox only)."""

    email: EmailChannel | None = None
    wecom: WeComChannel | None = None
    dingtalk: DingTalkChannel | None = None


class Office(_Strict):
    name: Name
    timezone: str
    city: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    double_punch_window_s: Annotated[int, Field(ge=0, le=3600)] = 60
    shift_rule: str = "standard"
    # User sync: whether users on the office's terminals that punchclock does not know are deleted
    # (default: reported only; a terminal may hold a technician or a door-only user on purpose).
    delete_unknown_users: bool = False
    notify: OfficeNotify = OfficeNotify()
    # The site whose gateway polls this office's terminals (None: the config's own top-level `site`).
    site: Site | None = None

    @field_validator("city")
    @classmethod
    def _known_city(cls, value: str) -> str:
        """Refuse at start a city with no pay rule data: otherwise only the first pay run would fail."""
        from payroll_core.rules.loader import available_cities

        if value not in available_cities():
            raise ValueError(
                f"no pay rule data for city {value!r}: use one of {', '.join(available_cities())} "
                f"(or add payroll_core/rules/cities/{value}.toml)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown IANA time zone {value!r}: use a name such as 'Asia/Shanghai' or 'Asia/Urumqi'"
            ) from None
        return value


class Device(_Strict):
    name: Annotated[str, Field(max_length=100), AfterValidator(check_name)] = ""
    sn: str | None = None
    kind: str
    host: str = ""  # required for polled kinds; push terminals (zk-push) connect to us instead
    port: Annotated[int, Field(ge=0, le=65535)] = 4370
    comm_key: Annotated[int, Field(ge=0, le=999999)] = 0
    office: str
    poll_interval_s: Annotated[float, Field(gt=0)] = 60.0
    timeout_s: Annotated[float, Field(gt=0)] = 10.0
    clear_after_download: bool = False
    sync_clock: bool = False
    max_clock_drift_s: Annotated[int, Field(ge=1)] = 60
    # zk-push only: the key the terminal appends to its handshake (Menu → Comm. → Cloud Server), and the
    # networks it may push from (empty: anywhere). See gateway.access.push_auth.
    push_comm_key: PushCommKey | None = None
    allow_from: list[PushNetwork] = []
    # How the terminal stores user names (user sync writes them so): GBK on ZKTeco's Chinese firmware,
    # UTF-8 on newer multi-language firmware.
    encoding: Literal["gbk", "utf-8"] = "gbk"
    # zk-tcp only: `serve` keeps a live event connection (CMD_REG_EVENT) so a punch is stored within
    # seconds; the periodic poll stays as the safety net (gateway.devices.realtime).
    realtime: bool = False
    # "in" / "out": an in-only / out-only gate, every punch that direction whatever its state; "auto": the state's
    direction: Literal["auto", "in", "out"] = "auto"
    # anviz only: the terminal on a serial line instead of `host` (a local port such as /dev/ttyUSB0, or a serial
    # device server's socket://HOST:PORT or rfc2217://HOST:PORT), its line settings, and its device id (the number
    # set on the terminal; required on a serial line, where several terminals share the bus).
    serial_port: Annotated[str, Field(max_length=255)] = ""
    baudrate: Annotated[int, Field(ge=300, le=921600)] = 9600
    parity: Literal["N", "E", "O"] = "N"
    device_id: Annotated[int, Field(ge=1, le=0xFFFFFFFF)] | None = None
    # hik-isapi only: the terminal's web account (Digest), http or https (port 80 / 443 unless given), and for
    # https either the certificate's SHA-256 pinned (`tls_fingerprint`) or CA verification on or off.
    user: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    password: SecretStr | None = None
    scheme: Literal["http", "https"] = "http"
    tls_fingerprint: Annotated[str, AfterValidator(check_fingerprint)] | None = None
    verify_tls: bool = True

    @model_validator(mode="before")
    @classmethod
    def _kind_port(cls, data: Any) -> Any:
        """A device without `port` gets its kind's: a Hikvision terminal its scheme's (80, or 443 for https), an
        Anviz terminal TCP 5010; the ZK kinds keep 4370."""
        if not isinstance(data, dict) or "port" in data:
            return data
        if data.get("kind") == HIK_KIND:
            return {**data, "port": 443 if data.get("scheme") == "https" else 80}
        if data.get("kind") == ANVIZ_KIND:
            return {**data, "port": ANVIZ_PORT}
        return data

    def driver_options(self) -> dict[str, Any]:
        """The constructor keywords of this kind's driver beyond the common ones (host, port, comm key, timeout);
        an Anviz terminal on a serial line also gets its bus's lock, from `gateway.devices.poller.build_driver`."""
        if self.kind == HIK_KIND:
            return {
                "user": self.user or "",
                "password": self.password.get_secret_value() if self.password else "",
                "scheme": self.scheme,
                "tls_fingerprint": self.tls_fingerprint,
                "verify_tls": self.verify_tls,
            }
        if self.kind == ANVIZ_KIND:
            return {
                "serial_port": self.serial_port,
                "baudrate": self.baudrate,
                "parity": self.parity,
                "device_id": self.device_id or 0,
                "new_only": self.clear_after_download,
            }
        return {}

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in known_kinds():
            raise ValueError(f"unknown device kind {value!r}: use one of {', '.join(known_kinds())}")
        return value

    @property
    def label(self) -> str:
        if self.serial_port and not (self.name or self.sn):
            return f"{self.serial_port}#{self.device_id}"
        return self.name or self.sn or f"{self.host}:{self.port}"

    @property
    def polled(self) -> bool:
        """False for push terminals: they send their punches to /iclock, there is nothing to poll."""
        return self.kind not in PUSH_KINDS


class Database(_Strict):
    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                f"unsupported database url {value!r}: use 'sqlite:///FILE.db' or "
                "'postgresql+psycopg://USER:PASSWORD@HOST:5432/DB'"
            )
        return value


class Poller(_Strict):
    max_workers: Annotated[int, Field(ge=1, le=1024)] = 64
    backoff_base_s: Annotated[float, Field(gt=0)] = 5.0
    backoff_max_s: Annotated[float, Field(gt=0)] = 900.0
    future_tolerance_s: Annotated[int, Field(ge=0)] = 300


class Push(_Strict):
    """The ADMS receiver (/iclock): the largest request body it reads (a larger one is answered 413 unread),
    the largest ATTPHOTO photo it stores (413 above it), and when a command sent but never answered is sent
    again (`resend_after_s`, at most `max_sends` times in all, then it is failed)."""

    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = DEFAULT_PUSH_MAX_BODY_BYTES
    max_photo_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = DEFAULT_PUSH_MAX_PHOTO_BYTES
    resend_after_s: Annotated[float, Field(ge=1, le=7 * 86400)] = 300.0
    max_sends: Annotated[int, Field(ge=1, le=100)] = 3


class UserSync(_Strict):
    """`serve` pushes the offices' employees to their terminals every `interval_s` seconds (0: never), then
    copies fingerprint templates between each office's terminals unless `copy_templates` is false."""

    interval_s: Annotated[float, Field(ge=0)] = 900.0
    copy_templates: bool = True


class Onboarding(_Strict):
    """New hires (入职): how long the activation code in the welcome message opens the new employee's login."""

    activation_days: Annotated[int, Field(ge=1, le=90)] = 14


class People(_Strict):
    """Leavers (离职): how many days after the last day their login still opens (their own screens only).

    60: the next payday plus the 15 days of 劳动合同法 art. 50 (离职证明, transfer of records) with room to spare."""

    leaver_login_grace_days: Annotated[int, Field(ge=0, le=3650)] = 60


class ApiToken(_Strict):
    name: Name
    token: Annotated[str, Field(min_length=16)]
    role: Literal["admin", "hr", "viewer", "employee"]
    employee: str | None = None


class Api(_Strict):
    bind: Annotated[str, Field(pattern=r"^[^\s:]+:\d{1,5}$")] = "127.0.0.1:8080"
    tokens: list[ApiToken] = []
    # HTTPS: the certificate (chain) and its private key, PEM files relative to the config file's folder;
    # both or neither (neither: plain HTTP, fine on 127.0.0.1 behind a reverse proxy).
    tls_cert: Annotated[str, Field(min_length=1)] | None = None
    tls_key: Annotated[str, Field(min_length=1)] | None = None
    # Database connections of one `serve` process (its API threads and its poller share them): at most this many
    # at once, and a request waits at most db_pool_timeout_s for one before answering 503 with Retry-After.
    db_pool_size: Annotated[int, Field(ge=1, le=1000)] = 10
    db_pool_timeout_s: Annotated[float, Field(gt=0, le=300)] = 5.0


class Security(_Strict):
    # The key file (audit HMAC key, data encryption keys); relative to the config file's folder.
    # PUNCHCLOCK_KEYS / PUNCHCLOCK_KEY_FILE in the environment take precedence (gateway.access.keys).
    key_file: Annotated[str, Field(min_length=1)] = "punchclock.key"
    # Where the audit chain's anchors are appended (gateway.access.anchors); relative to the config's folder.
    anchor_file: Annotated[str, Field(min_length=1)] = "punchclock.anchors"


_UNITS_S = {"m": 60, "h": 3600, "d": 86400}


class Backup(_Strict):
    # Scheduled backups by `punchclock serve` into `dir` (relative to the config file's folder; none without it).
    dir: Annotated[str, Field(min_length=1)] | None = None
    every: str = "24h"
    keep: Annotated[int, Field(ge=1, le=10000)] = 14

    @field_validator("every")
    @classmethod
    def _interval(cls, value: str) -> str:
        number, unit = value[:-1], value[-1:]
        if not (number.isdigit() and int(number) > 0 and unit in _UNITS_S):
            raise ValueError(f'every = {value!r} is not an interval: write a whole number and m, h or d, e.g. "24h"')
        return value

    @property
    def every_s(self) -> int:
        return int(self.every[:-1]) * _UNITS_S[self.every[-1]]


class Notify(_Strict):
    """The delivery worker (`punchclock serve`, `punchclock notify send`): retries and the link in messages."""

    # The web app's address as people open it ("https://hr.example.cn"); messages then carry a link. None: no link.
    public_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$", max_length=500)] | None = None
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    backoff_base_s: Annotated[float, Field(gt=0)] = 30.0
    backoff_max_s: Annotated[float, Field(gt=0)] = 3600.0
    interval_s: Annotated[float, Field(gt=0, le=3600)] = 15.0


class Company(_Strict):
    # The name on the title row of the exports (pay sheet, bank file, 考勤月报); empty: none shown.
    name: Annotated[str, Field(max_length=100)] = ""


class Config(_Strict):
    # The site this gateway serves (several sites share one PostgreSQL, one `serve` polling each site's
    # terminals); None: one gateway for every terminal, as a single-site deployment has.
    site: Site | None = None
    offices: list[Office] = []
    devices: list[Device] = []
    database: Database = Database()
    poller: Poller = Poller()
    api: Api = Api()
    security: Security = Security()
    backup: Backup = Backup()
    push: Push = Push()
    company: Company = Company()
    user_sync: UserSync = UserSync()
    notify: Notify = Notify()
    onboarding: Onboarding = Onboarding()
    people: People = People()

    def office(self, name: str) -> Office:
        return next(o for o in self.offices if o.name == name)

    def site_of(self, office: Office) -> str | None:
        """The site an office's terminals belong to: its own `site`, else the config's."""
        return office.site if office.site is not None else self.site

    @property
    def own_offices(self) -> list[Office]:
        """The offices of this gateway's site (every office when the config names no site)."""
        return [o for o in self.offices if self.site_of(o) == self.site]

    @property
    def polled_devices(self) -> list[Device]:
        return [d for d in self.devices if d.polled]

    def device(self, name_or_sn: str) -> Device:
        """The device whose name or serial number is `name_or_sn` (KeyError names the known ones)."""
        for device in self.devices:
            if name_or_sn in (device.label, device.sn):
                return device
        raise KeyError(
            f"no device {name_or_sn!r} in the config: known devices are " + ", ".join(d.label for d in self.devices)
        )


def load_config(path: str | Path) -> Config:
    """Read and check the config at `path`; relative SQLite paths are resolved against its folder."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            str(path), [("", "file not found: pass --config PATH or create it from punchclock.example.toml")]
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), [("", f"not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [("", f"invalid TOML: {exc}")]) from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), [(_key_path(e["loc"]), _reason(e)) for e in exc.errors()]) from None
    problems = _cross_reference_problems(config)
    if problems:
        raise ConfigError(str(path), problems)
    return _resolve_paths(config, path.parent)


def _key_path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's ('devices', 2, 'office') as the TOML reader sees it: devices[2].office."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_SECRET_KEYS = frozenset({"password", "webhook", "secret"})


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key: check its spelling against punchclock.example.toml"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind.startswith("value_error"):
        return message
    if error["loc"] and error["loc"][-1] in _SECRET_KEYS:
        return f"{message} (the value given is not repeated here because it is a secret)"
    return f"{message} (got {error['input']!r})"


def _cross_reference_problems(config: Config) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    office_names = [o.name for o in config.offices]
    for i, name in enumerate(office_names):
        if name in office_names[:i]:
            problems.append((f"offices[{i}].name", f"duplicate office name {name!r}: office names must be unique"))
    seen: dict[str, int] = {}
    for i, device in enumerate(config.devices):
        if device.office not in office_names:
            known = ", ".join(repr(n) for n in office_names) or "none (add an [[offices]] table)"
            problems.append((f"devices[{i}].office", f"no office named {device.office!r}; offices are {known}"))
        elif (problem := _other_site_problem(config, device)) is not None:
            problems.append((f"devices[{i}].office", problem))
        if device.kind == ANVIZ_KIND:
            problems.extend(_anviz_problems(i, device))
        elif device.polled and not device.host:
            problems.append((f"devices[{i}].host", f"required for a {device.kind} device: its IP address or host name"))
        else:
            for key in ("serial_port", "baudrate", "parity", "device_id"):
                if key in device.model_fields_set:
                    problems.append(
                        (
                            f"devices[{i}].{key}",
                            f"only for Anviz terminals (kind anviz); a {device.kind} device has none",
                        )
                    )
        if not device.polled and not device.sn:
            problems.append(
                (f"devices[{i}].sn", f"required for a {device.kind} device: the serial number it pushes as (SN=…)")
            )
        if device.polled:
            for key, value in (("push_comm_key", device.push_comm_key), ("allow_from", device.allow_from)):
                if value:
                    problems.append(
                        (
                            f"devices[{i}].{key}",
                            f"only for push terminals (kind zk-push); a {device.kind} device is polled"
                            + (": its key is comm_key" if key == "push_comm_key" else ""),
                        )
                    )
        problems.extend(_hik_problems(i, device))
        if device.realtime and device.kind != "zk-tcp":
            problems.append(
                (
                    f"devices[{i}].realtime",
                    f"only for zk-tcp terminals (live events over the binary protocol's TCP link); a {device.kind} "
                    "device is read by its periodic poll or push: remove `realtime = true`",
                )
            )
        for key, value in (("name", device.label), ("sn", device.sn)):
            if value is None:
                continue
            if value in seen:
                problems.append(
                    (
                        f"devices[{i}].{key}",
                        f"{value!r} is already used by devices[{seen[value]}]: give each device its own name and sn",
                    )
                )
            else:
                seen[value] = i
    if (config.api.tls_cert is None) != (config.api.tls_key is None):
        missing = "tls_key" if config.api.tls_key is None else "tls_cert"
        problems.append(
            (f"api.{missing}", "HTTPS needs both tls_cert and tls_key (PEM files); give both, or neither for HTTP")
        )
    for i, token in enumerate(config.api.tokens):
        if token.role == "employee" and not token.employee:
            problems.append(
                (
                    f"api.tokens[{i}].employee",
                    'an employee token must name the employee code it belongs to, e.g. employee = "E001"',
                )
            )
    return problems


def _anviz_problems(i: int, device: Device) -> list[tuple[str, str]]:
    """An Anviz terminal is on TCP (`host`) or on a serial line (`serial_port`), exactly one; on a line it needs
    its device id, since several terminals share the bus."""
    if device.host and device.serial_port:
        return [
            (
                f"devices[{i}].serial_port",
                "give host (the terminal on TCP, port 5010) or serial_port (RS-485, a serial device server), not both",
            )
        ]
    if not device.host and not device.serial_port:
        return [
            (
                f"devices[{i}].host",
                'required for an anviz device, or serial_port instead: host = "10.0.0.21" (TCP 5010), '
                'serial_port = "/dev/ttyUSB0" or "socket://10.0.0.9:4001"',
            )
        ]
    if device.serial_port and device.device_id is None:
        return [
            (
                f"devices[{i}].device_id",
                "required for an Anviz terminal on a serial line: the device id set on it, e.g. device_id = 1",
            )
        ]
    if device.host:
        return [
            (f"devices[{i}].{key}", "only for a terminal on a serial line (serial_port); this one is on TCP (host)")
            for key in ("baudrate", "parity")
            if key in device.model_fields_set
        ]
    return []


def _hik_problems(i: int, device: Device) -> list[tuple[str, str]]:
    """A Hikvision terminal needs its account; the Hikvision keys mean nothing on another kind."""
    if device.kind != HIK_KIND:
        return [
            (
                f"devices[{i}].{key}",
                f"only for Hikvision terminals (kind {HIK_KIND}); remove it from this {device.kind} device",
            )
            for key in HIK_KEYS
            if getattr(device, key) is not None
        ] + (
            [(f"devices[{i}].scheme", f"only for Hikvision terminals (kind {HIK_KIND}); remove it")]
            if device.scheme != "http"
            else []
        )
    problems = []
    for key in ("user", "password"):
        if getattr(device, key) is None:
            problems.append(
                (
                    f"devices[{i}].{key}",
                    f'required for a {HIK_KIND} device: the terminal\'s web (ISAPI) account, usually user = "admin" '
                    "and the password set when the terminal was activated",
                )
            )
    if device.scheme == "http" and (device.tls_fingerprint is not None or not device.verify_tls):
        key = "tls_fingerprint" if device.tls_fingerprint is not None else "verify_tls"
        problems.append((f"devices[{i}].{key}", 'only with scheme = "https"; plain http has no certificate to check'))
    return problems


def _other_site_problem(config: Config, device: Device) -> str | None:
    """Why a device of another site's office may not be listed here (None: it is this gateway's).

    A gateway polls, user-syncs and copies templates for every device its config lists; one of another
    site's terminals would be talked to by two gateways (or, for a single-site config, from the wrong site)."""
    site = config.site_of(config.office(device.office))
    if site == config.site:
        return None
    if config.site is None:
        return (
            f"office {device.office!r} is in site {site!r}, and this config names no site: a site's terminals are "
            f"polled by that site's gateway alone; set site = {site!r} at the top of this file if this is the "
            f"{site} gateway, or move this [[devices]] table to the {site} gateway's config"
        )
    return (
        f"office {device.office!r} is in site {site!r}, and this gateway is site {config.site!r} (the top-level "
        f"site): a gateway polls only its own site's terminals; move this [[devices]] table to the {site} "
        "gateway's config, or correct the office's site"
    )


def _resolve_paths(config: Config, base: Path) -> Config:
    """Relative paths in the config (SQLite file, key and anchor files, backup folder, TLS files) are relative
    to the config file's folder."""
    security = config.security
    update: dict[str, object] = {
        "security": Security(
            key_file=str((base / security.key_file).resolve()),
            anchor_file=str((base / security.anchor_file).resolve()),
        )
    }
    if config.backup.dir is not None:
        update["backup"] = config.backup.model_copy(update={"dir": str((base / config.backup.dir).resolve())})
    if config.api.tls_cert is not None and config.api.tls_key is not None:
        update["api"] = config.api.model_copy(
            update={
                "tls_cert": str((base / config.api.tls_cert).resolve()),
                "tls_key": str((base / config.api.tls_key).resolve()),
            }
        )
    prefix = "sqlite:///"
    url = config.database.url
    if url.startswith(prefix) and url != "sqlite://" and not url[len(prefix) :].startswith((":memory:", "/")):
        update["database"] = Database(url=f"{prefix}{(base / url[len(prefix) :]).resolve()}")
    return config.model_copy(update=update)
