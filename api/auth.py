"""Authentication (bearer tokens for machines, session cookies for people) and role checks for the API routes.

How a route declares who may call it: add a parameter typed with `require(...)`::

    @router.get("/things")
    def list_things(who: Annotated[Principal, require(*READERS)]) -> ...

`require(*roles)` answers 401 (problem+json, `WWW-Authenticate: Bearer`) without a valid token or
login and 403 when the caller's role is not among `roles`; otherwise it returns the `Principal`
(token or user name, role, and for `employee` callers the employee's id). Use `principal.actor` as
the audit "who". A bearer token wins over a cookie; a cookie-authenticated change must carry the
session's CSRF token (`gateway.access.logins`).

Roles: `admin` (devices, tokens, and everything hr may do), `hr` (people, punches, pay), `viewer`
(read-only), `employee` (their own punches and payslips only), `manager` (an employee too: their own rows
as an employee sees them, and in the routes that say so their people's requests and month calendars).
`SELF` are the roles bound to one employee. Routes that such a caller may
call must pass every employee-owned row through `ensure_visible(principal, employee_id, what)`,
which answers 404 — not 403 — for anyone else's data, so an employee cannot even learn it exists.
That 404 is `not_found(what)`, the very one a missing row answers ("employee 'E404' does not
exist"): a route raises `not_found` for a missing row, never a 404 of its own wording, so another
employee's real code and an invented one get the same body. `visible_employee_id` does both for an
`employee=` filter.

Only `/health` and `/iclock/*` are reachable without a token. Tokens are checked by
`gateway.access.tokens.authenticate` (stored as SHA-256 digests, compared in constant time); an
expired one answers 401 saying when it expired and how to get a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from api.errors import ApiError, Forbidden, NotFound, Unauthorized
from api.loop_reads import OffLoop, Reads
from gateway.access.leaver_logins import LoginClosed, ensure_open_at
from gateway.access.logins import (
    COOKIE,
    OPEN_SESSION,
    OpenSession,
    SessionExpired,
    csrf_ok,
    current_session,
    session_lookup,
    session_without_writes,
)
from gateway.access.tokens import TOKEN_ROW, Principal, TokenExpired, authenticate, token_lookup, token_principal
from gateway.store import DriverSelect, Employee, joined_select

ADMINS = ("admin",)
WRITERS = ("admin", "hr")
READERS = ("admin", "hr", "viewer")
SELF = ("employee", "manager")  # bound to one employee (`Principal.employee_id`): they see their own rows
EVERYONE = (*READERS, *SELF)

_BEARER_DOC = "`Authorization: Bearer pc_…` (see `punchclock token create`)"
_bearer = HTTPBearer(auto_error=False, description=_BEARER_DOC)

Presented = HTTPAuthorizationCredentials | None
"""A request's bearer credentials as given, not yet checked (`authorize` checks them)."""


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def leaver_grace_days(request: Request) -> int:
    """`[people] leaver_login_grace_days`: a leaver's login, sessions and tokens close that long after the last day."""
    return int(request.app.state.settings.config.people.leaver_login_grace_days)


@contextmanager
def _given_or_own(request: Request, session: Session | None) -> Iterator[Session]:
    """`session` when the caller passed one (the route reads on it next), else a session of the app's own."""
    if session is not None:
        yield session
        return
    with request.app.state.session_factory() as own:
        yield own


def session_principal(request: Request, session: Session | None = None) -> tuple[Principal, OpenSession] | None:
    """The logged-in user of the request's session cookie, or None without one (401 if it ended).

    A change (any method but GET/HEAD/OPTIONS) must carry the session's CSRF token in `X-CSRF-Token`. Read on
    `session` when given (a hot route's own), else on a session of its own.
    """
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    with _given_or_own(request, session) as session, _ended_is_401():
        return _logged_in(request, current_session(session, secret))


@contextmanager
def _ended_is_401() -> Iterator[None]:
    """A login or token that ended (logout, idle, lifetime, expiry, a leaver's grace) answers 401 saying so."""
    try:
        yield
    except (SessionExpired, TokenExpired, LoginClosed) as ended:
        raise Unauthorized(str(ended), zh=ended.zh) from None


def _logged_in(request: Request, found: OpenSession | None) -> tuple[Principal, OpenSession]:
    """The caller of the cookie's session `found` (None: unknown), once it is open and the CSRF check passed."""
    if found is None:
        raise Unauthorized(
            "your session is not known (the server's data may have been restored): log in again",
            zh="找不到您的会话（服务器数据可能已恢复）：请重新登录",
        )
    ensure_open_at(found.left_on, found.timezone, leaver_grace_days(request))
    if request.method not in _SAFE_METHODS and not csrf_ok(found, request.headers.get("X-CSRF-Token")):
        raise Forbidden(
            "this change lacks the session's CSRF token (header X-CSRF-Token, from GET /api/v1/session): "
            "reload the page",
            zh="此操作缺少会话的 CSRF 令牌（请求头 X-CSRF-Token，取自 GET /api/v1/session）：请刷新页面",
        )
    return Principal(found.username, found.role, found.employee_id, via="session"), found


def logged_in(request: Request) -> tuple[Principal, OpenSession]:
    """A dependency: the request's login (401 without one), for the routes of one's own session."""
    found = session_principal(request)
    if found is None:
        raise Unauthorized("not logged in: log in on the web page first", zh="未登录：请先在网页上登录")
    return found


def _no_credentials() -> Unauthorized:
    return Unauthorized(
        "this endpoint needs a login or a token: log in on the web page, or send 'Authorization: Bearer "
        "<token>' (an admin creates one with `punchclock token create`)",
        zh="此接口需要登录或令牌：请在网页上登录，或发送 'Authorization: Bearer <token>'"
        "（管理员用 `punchclock token create` 创建）",
    )


def _bearer_given(credentials: Presented) -> bool:
    return credentials is not None and credentials.scheme.lower() == "bearer" and bool(credentials.credentials)


def _principal(request: Request, credentials: Presented, session: Session | None) -> Principal:
    if not _bearer_given(credentials):
        logged_in = session_principal(request, session)
        if logged_in is not None:
            return logged_in[0]
        raise _no_credentials()
    assert credentials is not None
    with _given_or_own(request, session) as session, _ended_is_401():
        return _known(authenticate(session, credentials.credentials, leaver_grace_days(request)))


def _known(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized(
            "the bearer token is unknown or revoked: check that it was copied whole, or ask an admin for a new one",
            zh="令牌不存在或已吊销：请检查是否完整复制，或请管理员发放新令牌",
        )
    return principal


def authorize(request: Request, credentials: Presented, *roles: str, session: Session | None = None) -> Principal:
    """The caller's `Principal` if its role is one of `roles`: 401 without a valid token or login, 403 for
    another role. What `require` runs; the hot routes call it themselves (`Credentials`), on the `session`
    they read on next, so the check and the reads share one pooled connection."""
    return _in_role(_principal(request, credentials, session), roles)


@dataclass(frozen=True)
class _LoopCaller:
    """How the event loop finds a request's caller: `statement`'s row for `params` (the token or the login),
    judged by `judge`; `key` names the credential in `_SEEN`."""

    statement: DriverSelect
    params: dict[str, str]
    key: tuple[str, str]
    judge: Callable[[Any], Principal]


def _loop_caller(request: Request, credentials: Presented) -> _LoopCaller:
    if _bearer_given(credentials):
        assert credentials is not None
        params, secret = token_lookup(credentials.credentials)

        def token(row: Any) -> Principal:
            with _ended_is_401():
                return _known(token_principal(row, secret, leaver_grace_days(request)))

        return _LoopCaller(TOKEN_ROW, params, ("token", params["prefix"]), token)
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise _no_credentials()

    def login(found: Any) -> Principal:
        with _ended_is_401():
            open_login = None if found is None else session_without_writes(found)
            if found is not None and open_login is None:
                raise OffLoop
            return _logged_in(request, open_login)[0]

    params = session_lookup(cookie)
    return _LoopCaller(OPEN_SESSION, params, ("login", params["digest"]), login)


async def authorize_on_loop(request: Request, credentials: Presented, reads: Reads, *roles: str) -> Principal:
    """`authorize` by the same selects, on the event loop's `reads` (`api.loop_reads`); `OffLoop` when the answer
    would write (a login's `last_seen_at` is due, or it lapsed and ends now), which `authorize` does."""
    return await _judged(_loop_caller(request, credentials), reads, roles)


async def _judged(caller: _LoopCaller, reads: Reads, roles: tuple[str, ...]) -> Principal:
    """The caller, its row read alone, if its role is one of `roles`."""
    return _in_role(caller.judge(await reads.first(caller.statement, caller.params)), roles)


_SEEN: dict[tuple[str, str], Principal] = {}
"""Whom each credential (a token's prefix, a login's digest) was found to be the last time this process judged it,
for `authorized_rows` to choose the select to join to the credential's row. Only a guess: the row itself is judged
on every request, and a guess it disproves is not used."""

_SEEN_AT_MOST = 10_000


async def authorized_rows(
    request: Request,
    credentials: Presented,
    reads: Reads,
    roles: tuple[str, ...],
    body: Callable[[Principal], tuple[DriverSelect, dict[str, object]]],
) -> tuple[Principal, list[Any]]:
    """`authorize_on_loop`, then the rows of the select `body(caller)` on the same `reads`: in one statement once
    this process has seen the credential (its row joined to that select).

    Why: on PostgreSQL each statement awaited on the loop cost a payslip request about 0.15 ms of the server's CPU
    under load, as much again as the framework's floor. Which select to join depends on the caller (an employee's
    own payslips or anyone's), so the first request of a credential in a process runs the two statements one
    after the other, and the next ones join the select for whom it was (`joined_select`); if its row says
    otherwise now (a user given another role), the route's select runs again for whom it is now.
    """
    caller = _loop_caller(request, credentials)
    seen = _SEEN.get(caller.key)
    try:
        joined = None if seen is None else body(seen)
    except ApiError:  # a refusal of the request itself: given once the caller is judged, as to a first request
        joined = None
    if seen is not None and joined is not None:
        statement, params = joined
        rows = await reads.all(joined_select(caller.statement, statement), {**caller.params, **params})
        who = _in_role(caller.judge(rows[0][0] if rows else None), roles)
        if (who.role, who.employee_id) == (seen.role, seen.employee_id):
            return who, [row for _caller, row in rows if row is not None]
    else:
        who = await _judged(caller, reads, roles)
    if len(_SEEN) >= _SEEN_AT_MOST:
        _SEEN.clear()
    _SEEN[caller.key] = who
    statement, params = body(who)
    return who, await reads.all(statement, params)


def _in_role(principal: Principal, roles: tuple[str, ...]) -> Principal:
    if principal.role not in roles:
        allowed = sorted(roles)
        raise Forbidden(
            f"{principal.kind} {principal.name!r} has role {principal.role!r}; this needs one of: {', '.join(allowed)}",
            zh=f"{_KIND_ZH.get(principal.kind, principal.kind)} {principal.name!r} 的角色是 "
            f"{_ROLE_ZH.get(principal.role, principal.role)}，无权执行此操作：需要 "
            f"{'、'.join(_ROLE_ZH.get(r, r) for r in allowed)}",
        )
    return principal


def require(*roles: str) -> Any:
    """A dependency returning the caller's `Principal` if its role is one of `roles` (see the module doc)."""

    def dependency(request: Request, credentials: Annotated[Presented, Depends(_bearer)]) -> Principal:
        return authorize(request, credentials, *roles)

    return Depends(dependency)


class _BearerOrCookie(HTTPBearer):
    """The request's bearer credentials, unchecked; 401 at once when it carries neither a token nor a login
    cookie (as `require` answers before looking at the parameters). One dependency rather than a function
    depending on `HTTPBearer`: one level less for FastAPI to resolve on every hot request. OpenAPI shows it as
    the same `HTTPBearer` scheme."""

    async def __call__(self, request: HTTPConnection) -> Presented:
        credentials = await super().__call__(request)
        if not _bearer_given(credentials) and not request.cookies.get(COOKIE):
            raise _no_credentials()
        return credentials


Credentials = Annotated[
    Presented, Depends(_BearerOrCookie(auto_error=False, scheme_name="HTTPBearer", description=_BEARER_DOC))
]
"""For the hot routes (a payslip, the payslip and punch listings, the dashboard): an `async` endpoint that takes
`Credentials` and runs its work, `authorize(request, credentials, *roles, session=…)` first, in ONE
`run_in_threadpool`. With `require` FastAPI runs the dependency and the endpoint in the pool one after the
other: the second hop cost about as much CPU as the rest of a `GET /payslips/{id}` (1.98 against 1.06 ms,
SQLite). The payslip and punch routes first try the event loop (`authorized_rows` or `authorize_on_loop`,
`api.loop_reads`) and make that one pool call only when the loop cannot answer. A token that is given but
wrong is refused in the endpoint, so with a malformed parameter too it answers 422 first."""


def sees_full_numbers(principal: Principal) -> bool:
    """Whether the caller gets bank account and ID numbers in full (`admin`, `hr`) or masked, `**** 6890`
    (`viewer`, and an employee looking at their own: the last four digits are enough to recognise it, and
    a phone left unlocked does not give the whole number away)."""
    return principal.role in WRITERS


_ROLE_ZH = {"admin": "管理员", "hr": "HR", "viewer": "只读用户", "employee": "员工", "manager": "部门经理"}
_KIND_ZH = {"user": "用户", "token": "令牌"}
_NOUNS_ZH = {
    "employee": "员工", "request": "申请", "resignation": "离职申请", "onboarding": "入职申请", "department": "部门",
    "punch": "打卡记录", "payslip": "工资条", "leave type": "假期类型", "notification": "通知", "user": "用户",
}  # fmt: skip


def not_found(what: str) -> NotFound:
    """The one 404 of a row, e.g. `not_found(f"employee {code!r}")`: missing and not yours read alike.

    Its Chinese wording names the thing by the first word(s) of `what` ("employee 'E002'" → 员工 'E002' 不存在)."""
    noun = next((n for n in _NOUNS_ZH if what.startswith(f"{n} ")), None)
    zh = f"{_NOUNS_ZH[noun]} {what.removeprefix(noun).strip()} 不存在" if noun is not None else None
    return NotFound(f"{what} does not exist", zh=zh)


def ensure_visible(principal: Principal, employee_id: int | None, what: str) -> None:
    """404 `what` for an employee or manager looking at another employee's row (or at an unassigned one)."""
    if principal.role in SELF and employee_id != principal.employee_id:
        raise not_found(what)


# One select built once and run by the driver: the hot listings (a month's punches, payslips) resolve their filter
# with it.
_EMPLOYEE_ID = DriverSelect(select(Employee.id).where(Employee.code == bindparam("code")))


def visible_employee_id(session: Session, principal: Principal, code: str | None) -> int | None:
    """The employee an `employee=` filter names (None: no filter), 404 for an unknown code or, for an
    employee or manager, anyone but themselves; without the filter they are limited to themselves."""
    if code is None:
        return own_employee_id(principal)
    return _visible(principal, code, _EMPLOYEE_ID.first(session, {"code": code}))


async def visible_employee_id_on_loop(reads: Reads, principal: Principal, code: str | None) -> int | None:
    """`visible_employee_id` on the event loop's `reads` (`api.loop_reads`)."""
    if code is None:
        return own_employee_id(principal)
    return _visible(principal, code, await reads.first(_EMPLOYEE_ID, {"code": code}))


def own_employee_id(principal: Principal) -> int | None:
    """The employee whose rows alone a `SELF` caller sees; None for the others."""
    return principal.employee_id if principal.role in SELF else None


def _visible(principal: Principal, code: str, row: Any) -> int:
    employee_id = None if row is None else row.id
    ensure_visible(principal, employee_id, f"employee {code!r}")
    if employee_id is None:
        raise not_found(f"employee {code!r}")
    return int(employee_id)
