"""API bearer tokens: issue, check and mirror from the config. Only SHA-256 digests are stored.

An issued token reads `pc_<prefix>_<secret>`: the 12-hex `prefix` is public and names the row, the
secret is 32 random bytes (URL-safe base64). Checking looks the row up by prefix and compares the
secret's digest with `hmac.compare_digest`, so neither the lookup nor the comparison leaks how much of
a guessed secret was right. Tokens written in the config file (`[[api.tokens]]`, any string of 16+
characters) have no embedded prefix; theirs is derived from the token's own digest.

Expiry: an issued token may carry `expires_at` (`--expires 90d`, `12h`, `2027-01-31`, or a time with
its offset); past it, `authenticate` raises `TokenExpired`, whose message says when and how to get
a new token. Config-file tokens never expire and cannot be revoked here (`TokenFromConfig`): the
config file is their one source, so a revocation that the next start undoes is refused instead of
accepted — remove the token from `[[api.tokens]]` and restart.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.access.leaver_logins import ensure_open_at
from gateway.config import ApiToken as ConfigToken
from gateway.errors import GatewayError
from gateway.inputs import check_name, year_problem
from gateway.store import ROLES, ApiToken, DriverSelect, Employee, Office, utcnow

_ISSUED = re.compile(r"^pc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_DURATION = re.compile(r"^([1-9][0-9]{0,4})([dh])$")
NAME_MAX = 100  # the width of api_tokens.name
NEW_TOKEN_HINT = "ask an admin for a new one (`punchclock token create` or POST /api/v1/tokens)"
NEW_TOKEN_HINT_ZH = "请管理员发放新令牌（`punchclock token create` 或 POST /api/v1/tokens）"


class TokenError(GatewayError):
    """A token cannot be issued as asked (unknown role or employee)."""


class TokenNameTaken(TokenError):
    """Another token already has this name."""


class TokenFromConfig(TokenError):
    """A config-file token cannot be revoked here: the config file manages it."""


class TokenExpired(GatewayError):
    """The token is genuine but past its expiry."""

    def __init__(self, name: str, expired_at: datetime) -> None:
        super().__init__(
            f"token {name!r} expired at {utc_text(expired_at)}: {NEW_TOKEN_HINT}",
            zh=f"令牌 {name!r} 已于 {utc_text(expired_at)} 过期：{NEW_TOKEN_HINT_ZH}",
        )


def utc_text(value: datetime) -> str:
    """A stored naive-UTC time as the API writes times: ISO 8601 with its +00:00 offset."""
    return value.replace(tzinfo=UTC).isoformat()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token (machines, scripts) or a logged-in user (the web app), its role, and for the
    `employee` role the employee's id. `name` is the token's name or the user's user name."""

    name: str
    role: str
    employee_id: int | None
    via: Literal["token", "session"] = "token"

    @property
    def actor(self) -> str:
        """How this caller is named in the audit log: `hr:payroll-pc` (a token), `hr:user:alice` (a login)."""
        return f"{self.role}:{self.name}" if self.via == "token" else f"{self.role}:user:{self.name}"

    @property
    def kind(self) -> str:
        """What the caller is, in messages: "token" or "user"."""
        return "token" if self.via == "token" else "user"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _split(token: str) -> tuple[str, str]:
    """(prefix, secret) of a presented token; config tokens have their prefix derived from the digest."""
    match = _ISSUED.match(token)
    if match:
        return match.group(1), match.group(2)
    return "cfg_" + _digest(token)[:16], token


# Built once: constructing the statement cost as much as running it; run by the driver (`DriverSelect`). Joined
# to the employee and office for the leaver check, so a request's token costs this one select by the unique prefix.
TOKEN_ROW = DriverSelect(
    select(
        ApiToken.name,
        ApiToken.secret_sha256,
        ApiToken.role,
        ApiToken.employee_id,
        ApiToken.revoked_at,
        ApiToken.expires_at,
        Employee.left_on,
        Office.timezone,
    )  # fmt: skip
    .outerjoin(Employee, Employee.id == ApiToken.employee_id)
    .outerjoin(Office, Office.id == Employee.office_id)
    .where(ApiToken.prefix == bindparam("prefix"))
)


def token_lookup(token: str) -> tuple[dict[str, str], str]:
    """`TOKEN_ROW`'s parameters for a presented `token`, and the secret `token_principal` checks its row against."""
    prefix, secret = _split(token)
    return {"prefix": prefix}, secret


def token_principal(row: Any, secret: str, leaver_grace_days: int | None = None) -> Principal | None:
    """The principal `TOKEN_ROW`'s `row` (None: no such prefix) grants to `secret` (see `authenticate`)."""
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(_digest(secret), row.secret_sha256):
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise TokenExpired(row.name, row.expires_at)
    if leaver_grace_days is not None:
        ensure_open_at(row.left_on, row.timezone, leaver_grace_days)
    return Principal(row.name, row.role, row.employee_id)


def authenticate(session: Session, token: str, leaver_grace_days: int | None = None) -> Principal | None:
    """The principal for `token`, or None when it is unknown, revoked or wrong.

    Raises `TokenExpired` for a right secret past its expiry (only then: a wrong secret learns nothing).
    With `leaver_grace_days`, an employee token of a leaver past the grace period raises `LoginClosed`
    (`gateway.access.leaver_logins`). Every API request runs this, so it is one select by the driver on the
    session's connection (`TOKEN_ROW`), no ORM objects — and no cache: a revocation, an expiry or a
    `left_on` written by any process holds from the next request on. The API's hot routes run the same
    select on a connection of the event loop's own (`api.loop_reads`) and judge its row by `token_principal`.
    """
    params, secret = token_lookup(token)
    return token_principal(TOKEN_ROW.first(session, params), secret, leaver_grace_days)


def parse_expiry(text: str, now: datetime) -> datetime:
    """When a token given `--expires text` at `now` (naive UTC) expires, as naive UTC.

    `90d` / `12h`: that long from now; `2027-01-31`: the start of that day in this computer's time
    zone; `2027-01-31T18:00:00+08:00`: that instant. The year must be 2000..2099.
    """
    duration = _DURATION.match(text)
    if duration:
        count, unit = int(duration.group(1)), duration.group(2)
        return now + (timedelta(days=count) if unit == "d" else timedelta(hours=count))
    try:
        given = datetime.fromisoformat(text)
    except ValueError:
        given = None
    if given is None or (given.tzinfo is None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)):
        raise TokenError(
            f"expiry {text!r}: give a duration such as 90d or 12h, a date such as 2027-01-31, "
            "or a time with its UTC offset such as 2027-01-31T18:00:00+08:00",
            zh=f"有效期 {text!r}：请填写时长（如 90d 或 12h）、日期（如 2027-01-31）"
            "或带 UTC 偏移的时间（如 2027-01-31T18:00:00+08:00）",
        )
    problem = year_problem(given.year)
    if problem is not None:  # before converting: year 0001 east of UTC would overflow
        raise TokenError(f"expiry {text!r}: {problem}")
    return given.astimezone(UTC).replace(tzinfo=None)  # a bare date: midnight in this computer's zone


def _check_expiry(expires_at: datetime, now: datetime) -> datetime:
    problem = year_problem(expires_at.year)
    if problem is not None:
        raise TokenError(f"expiry {utc_text(expires_at)}: {problem}")
    if expires_at <= now:
        raise TokenError(
            f"expiry {utc_text(expires_at)} is not in the future: give a later time or a duration",
            zh=f"有效期 {utc_text(expires_at)} 不在将来：请填写更晚的时间或一个时长",
        )
    return expires_at.replace(microsecond=0)


def _employee_id(session: Session, role: str, employee_code: str | None) -> int | None:
    if role not in ROLES:
        raise TokenError(
            f"unknown role {role!r}: use one of {', '.join(ROLES)}",
            zh=f"未知角色 {role!r}：请使用 {'、'.join(ROLES)} 之一",
        )
    if role not in ("employee", "manager"):
        if employee_code is not None:
            raise TokenError(
                f"only employee and manager tokens are bound to an employee: drop the employee code for a {role} token",
                zh=f"只有员工和经理令牌对应员工：{role} 令牌请不要填写工号",
            )
        return None
    if not employee_code:
        article = "an" if role == "employee" else "a"
        raise TokenError(
            f"{article} {role} token must name the employee it belongs to (its employee code, e.g. E001)",
            zh=f"{role} 令牌必须指明所属员工（填写工号，如 E001）",
        )
    employee_id = session.scalar(select(Employee.id).where(Employee.code == employee_code))
    if employee_id is None:
        raise TokenError(
            f"no employee with code {employee_code!r}: add the employee first, then issue the token",
            zh=f"没有工号为 {employee_code!r} 的员工：请先添加该员工，再发放令牌",
        )
    return employee_id


def _check_token_name(name: str) -> None:
    if not name.strip() or len(name) > NAME_MAX:
        raise TokenError(
            f"token name {name[:20]!r}: give 1 to {NAME_MAX} characters, not only spaces",
            zh=f"令牌名称 {name[:20]!r}：须为 1 到 {NAME_MAX} 个字符，且不能只有空格",
        )
    try:
        check_name(name)
    except ValueError as exc:
        raise TokenError(f"token name {name!r}: {exc}") from None


def issue_token(
    session: Session,
    name: str,
    role: str,
    employee_code: str | None,
    actor: str,
    *,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Add a new token row (audited) to `session` and return it with its secret, shown this once.

    `expires_at` (naive UTC, None: never) must lie in the future. The caller commits. Raises
    `TokenError` for a bad name or expiry, an unknown role or employee, or a name already in use.
    """
    _check_token_name(name)
    now = utcnow()
    if expires_at is not None:
        expires_at = _check_expiry(expires_at, now)
    employee_id = _employee_id(session, role, employee_code)
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenNameTaken(
            f"a token named {name!r} already exists: pick another name or revoke that one",
            zh=f"名为 {name!r} 的令牌已存在：请换一个名称，或先吊销那个令牌",
        )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        prefix=prefix,
        secret_sha256=_digest(secret),
        role=role,
        employee_id=employee_id,
        source="issued",
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    append_audit(session, actor, "token.create", f"token:{name}", None, describe_token(row, employee_code))
    return row, f"pc_{prefix}_{secret}"


def revoke_token(session: Session, row: ApiToken, actor: str) -> None:
    """Mark `row` revoked (audited); the caller commits. Revoked rows stay so the audit trail can name them.

    Raises `TokenFromConfig` for a config-file token: only the config file revokes those.
    """
    if row.source == "config":
        raise TokenFromConfig(
            f"token {row.name!r} comes from the config file: remove it from [[api.tokens]] in the config and "
            "restart (revoking it here would be undone by the next start)",
            zh=f"令牌 {row.name!r} 来自配置文件：请从配置的 [[api.tokens]] 中删除它并重启"
            "（在此吊销会在下次启动时被撤销）",
        )
    _revoke(session, row, actor)


def _revoke(session: Session, row: ApiToken, actor: str) -> None:
    before = describe_token(row, None)
    row.revoked_at = utcnow()
    append_audit(session, actor, "token.revoke", f"token:{row.name}", before, describe_token(row, None))


def describe_token(row: ApiToken, employee_code: str | None) -> dict[str, object]:
    """What the audit log records about a token (never its secret or digest)."""
    return {
        "name": row.name,
        "prefix": row.prefix,
        "role": row.role,
        "employee": employee_code,
        "source": row.source,
        "revoked_at": row.revoked_at,
        "expires_at": row.expires_at,
    }


def sync_config_tokens(session: Session, tokens: list[ConfigToken]) -> None:
    """Make the `config` token rows equal the config's `[[api.tokens]]` (audited); the caller commits.

    A config token whose name is taken by an issued token is refused, so a config edit can never
    silently replace a token someone issued.
    """
    wanted = {t.name: t for t in tokens}
    rows = {r.name: r for r in session.scalars(select(ApiToken))}
    for name, token in wanted.items():
        row = rows.get(name)
        if row is not None and row.source != "config":
            raise TokenNameTaken(
                f"api.tokens: name {name!r} is already used by an issued token: rename the config token"
            )
        prefix, secret = _split(token.token)
        fields = {
            "prefix": prefix,
            "secret_sha256": _digest(secret),
            "role": token.role,
            "employee_id": _employee_id(session, token.role, token.employee),
            "revoked_at": None,
        }
        if row is None:
            row = ApiToken(name=name, source="config", created_at=utcnow(), **fields)
            session.add(row)
            session.flush()
            append_audit(session, "config", "token.create", f"token:{name}", None, describe_token(row, token.employee))
        elif any(getattr(row, key) != value for key, value in fields.items()):
            before = describe_token(row, None)
            for key, value in fields.items():
                setattr(row, key, value)
            append_audit(
                session, "config", "token.update", f"token:{name}", before, describe_token(row, token.employee)
            )
    for name, row in rows.items():
        if row.source == "config" and name not in wanted and row.revoked_at is None:
            _revoke(session, row, "config")
