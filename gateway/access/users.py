"""People who log in: users, their passwords (Argon2 through pwdlib), lockout, and employees' activation codes.

- HR, admin and viewer users log in with a user name; an employee with their employee code, after
  setting a password with a one-time activation code HR hands them (valid `ACTIVATION_DAYS`).
- Passwords: at least `MIN_PASSWORD` characters, not only digits, not containing the user name.
- `MAX_FAILURES` wrong passwords in a row lock the login for `LOCK_MINUTES`; the count and the lock are
  decided by one UPDATE in the database (so concurrent guesses from several processes all count), and a
  locked login is refused before its password is even checked.
- A wrong user name and a wrong password read alike, and take alike long (a dummy hash is verified for
  unknown names), so the login form does not tell which user names exist.
Every change of a user (created, password set or reset, activated, locked, unlocked, disabled) is audited;
no password or code ever reaches the audit log or a log line.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.inputs import check_name
from gateway.store import ActivationCode, Employee, User, utcnow

MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCK_MINUTES = 15
ACTIVATION_DAYS = 14
USER_ROLES = ("admin", "hr", "viewer", "employee", "manager")
BOUND_ROLES = ("employee", "manager")  # logins that belong to one employee

_hasher = PasswordHash.recommended()  # Argon2id with pwdlib's recommended parameters
_DUMMY_HASH = _hasher.hash("punchclock: no such user")
#: Password checks at once per process: one per core. Each Argon2id check holds 64 MiB of memory for its whole
#: ~0.2 s; 50 logins in flight ran 40 at once in one worker (2.7 GB peak RSS, payday benchmark) and none finished
#: sooner for it, the CPU being the limit.
_checks = threading.BoundedSemaphore(os.cpu_count() or 1)


class UserError(GatewayError):
    """A user cannot be created or changed as asked; the message says why."""


class PasswordRejected(UserError):
    """A new password breaks the rule; the message says which part."""


class LoginRefused(GatewayError):
    """Wrong user name or password (one message for both)."""


class LoginLocked(GatewayError):
    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"this login is locked after {MAX_FAILURES} wrong passwords in a row, until {until:%Y-%m-%d %H:%M} UTC: "
            "wait, or ask an administrator to unlock it",
            zh=f"连续 {MAX_FAILURES} 次密码错误，此账号已锁定至 {until:%Y-%m-%d %H:%M} UTC：请稍后再试，或请管理员解锁",
        )


class ActivationRefused(GatewayError):
    """The employee code and activation code do not match an open code (one message for every reason)."""


class ActivationLocked(ActivationRefused):
    def __init__(self, until: datetime) -> None:
        self.until = until
        GatewayError.__init__(
            self,
            f"this activation code is locked after {MAX_FAILURES} wrong tries in a row, until {until:%Y-%m-%d %H:%M} "
            "UTC: wait, then type it exactly as in the welcome message, or ask HR for a new code",
            zh=f"连续 {MAX_FAILURES} 次输入错误，此激活码已锁定至 {until:%Y-%m-%d %H:%M} UTC："
            "请稍后按欢迎消息中的原样输入，或请 HR 重新发放激活码",
        )


def check_password(password: str, username: str) -> None:
    """Raise `PasswordRejected` naming the rule `password` breaks."""
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected(
            f"the password must have at least {MIN_PASSWORD} characters", zh=f"密码至少需要 {MIN_PASSWORD} 个字符"
        )
    if password.isdigit():
        raise PasswordRejected(
            "the password must not be digits only: add letters or signs", zh="密码不能全是数字：请加入字母或符号"
        )
    if username.casefold() in password.casefold():
        raise PasswordRejected("the password must not contain the user name", zh="密码不能包含用户名")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _describe(user: User) -> dict[str, object]:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "employee_id": user.employee_id, "disabled": user.disabled_at is not None}  # fmt: skip


def create_user(
    session: Session,
    actor: str,
    username: str,
    display_name: str,
    role: str,
    password: str | None,
    *,
    employee: Employee | None = None,
    must_change_password: bool = False,
) -> User:
    """A new user; `password` None leaves the login closed until it is set (an employee's activation)."""
    if role not in USER_ROLES:
        raise UserError(
            f"unknown role {role!r}: use one of {', '.join(USER_ROLES)}",
            zh=f"未知角色 {role!r}：请使用 {'、'.join(USER_ROLES)} 之一",
        )
    if (role in BOUND_ROLES) != (employee is not None):
        raise UserError(
            "an employee or manager login belongs to exactly one employee (a manager is one of the company's "
            "people: name them with their employee code), and only those logins do",
            zh="员工或经理账号必须对应且只对应一名员工（经理也是公司员工：请填写其工号），其他角色的账号不对应员工",
        )
    if employee is not None and session.scalar(select(User.id).where(User.employee_id == employee.id)) is not None:
        raise UserError(
            f"employee {employee.code!r} already has a login: one login per employee",
            zh=f"员工 {employee.code!r} 已有账号：每名员工只能有一个账号",
        )
    if not 1 <= len(username) <= 64 or any(c.isspace() for c in username):
        raise UserError(
            "the user name must have 1 to 64 characters and no spaces", zh="用户名须为 1 到 64 个字符，且不含空格"
        )
    for what, text in (("user name", username), ("display name", display_name)):
        try:
            check_name(text)
        except ValueError as problem:
            raise UserError(f"{what}: {problem}") from None
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(
            f"user name {username!r} is taken: choose another", zh=f"用户名 {username!r} 已被占用：请换一个"
        )
    if password is not None:
        check_password(password, username)
    now = utcnow()
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        employee_id=employee.id if employee else None,
        password_hash=_hasher.hash(password) if password is not None else None,
        must_change_password=must_change_password,
        failed_logins=0,
        created_at=now,
        password_changed_at=now if password is not None else None,
    )
    session.add(user)
    session.flush()
    append_audit(session, actor, "user.create", f"user:{username}", None, _describe(user))
    return user


def log_in(session: Session, username: str, password: str, now: datetime | None = None) -> User:
    """The user whose password this is, or `LoginRefused` / `LoginLocked`.

    A failure is counted in the session's transaction: the caller commits it even when this raises, or
    the count (and the lock) would be rolled back with the refused request.

    The password check (Argon2id, about 0.2 s of CPU by design) runs outside any transaction: the read
    before it is ended, so its pooled connection goes back while the hash is checked. Holding it through the
    check let 15 concurrent logins of one worker exhaust the pool and answer 500 (found by
    `benchmarks/payday.py`). Call it before anything else is done in `session`: that transaction ends here.
    """
    now = now or utcnow()
    found = session.execute(
        select(User.id, User.password_hash, User.locked_until).where(
            User.username == username, User.disabled_at.is_(None)
        )
    ).one_or_none()
    session.commit()  # only read so far: the connection is not held through the slow hash check
    if found is None or found.password_hash is None:
        with _checks:
            _hasher.verify(password, _DUMMY_HASH)  # as long as a real check
        raise LoginRefused("wrong user name or password", zh="用户名或密码错误")
    if found.locked_until is not None and found.locked_until > now:
        raise LoginLocked(found.locked_until)
    with _checks:
        valid, rehashed = _hasher.verify_and_update(password, found.password_hash)
    user = session.get_one(User, found.id)
    if not valid:
        until = now + timedelta(minutes=LOCK_MINUTES)
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                failed_logins=User.failed_logins + 1,
                locked_until=case((User.failed_logins + 1 >= MAX_FAILURES, until), else_=None),
            )
        )
        session.refresh(user)
        if user.locked_until is not None:
            append_audit(session, "system", "user.lock", f"user:{username}", None,
                         {"failed_logins": user.failed_logins, "locked_until": user.locked_until})  # fmt: skip
            raise LoginLocked(user.locked_until)
        raise LoginRefused("wrong user name or password", zh="用户名或密码错误")
    user.failed_logins, user.locked_until = 0, None
    if rehashed is not None:
        user.password_hash = rehashed
    return user


def set_password(session: Session, user: User, actor: str, new_password: str, *, temporary: bool = False) -> None:
    """Set `user`'s password (checked by the rule); `temporary` makes them change it at the next login."""
    check_password(new_password, user.username)
    user.password_hash = _hasher.hash(new_password)
    user.must_change_password = temporary
    user.password_changed_at = utcnow()
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    append_audit(session, actor, "user.password", f"user:{user.username}", None, {"temporary": temporary})


def change_password(session: Session, user: User, current: str, new_password: str) -> None:
    """The user's own change: the current password must be right (a failure counts like a login's)."""
    log_in(session, user.username, current)
    if current == new_password:
        raise PasswordRejected("the new password must differ from the current one", zh="新密码不能与当前密码相同")
    set_password(session, user, f"{user.role}:user:{user.username}", new_password)


@dataclass(frozen=True)
class Activation:
    code: str  # shown once; only its digest is stored
    expires_at: datetime


def issue_activation(session: Session, employee: Employee, actor: str) -> Activation:
    """A new one-time activation code for the employee's login (earlier open codes stop working)."""
    now = utcnow()
    session.execute(
        update(ActivationCode)
        .where(ActivationCode.employee_id == employee.id, ActivationCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))  # e.g. 3F9A-07C2-B1D4: read out, typed in
    expires = now + timedelta(days=ACTIVATION_DAYS)
    session.add(
        ActivationCode(
            employee_id=employee.id, code_sha256=_sha256(code), created_at=now, created_by=actor, expires_at=expires
        )  # fmt: skip
    )
    session.flush()
    append_audit(session, actor, "user.activation_code", f"employee:{employee.code}", None,
                 {"expires_at": expires})  # fmt: skip
    return Activation(code, expires)


def activate(session: Session, employee_code: str, code: str, password: str) -> User:
    """An employee sets their first password with HR's code; returns their (now open) login."""
    now = utcnow()
    employee = session.scalar(select(Employee).where(Employee.code == employee_code))
    open_code = None
    if employee is not None:
        open_code = session.scalar(
            select(ActivationCode).where(
                ActivationCode.employee_id == employee.id,
                ActivationCode.code_sha256 == _sha256(code.strip().upper()),
                ActivationCode.used_at.is_(None),
                ActivationCode.expires_at > now,
            )
        )
    if employee is None or open_code is None:
        raise ActivationRefused(
            "this employee code and activation code do not match an open activation: check both, or ask HR for a "
            "new code (codes work once, for 14 days)",
            zh="工号与激活码不匹配任何有效的激活：请核对两者，或请 HR 重新发放激活码"
            "（激活码只能使用一次，有效期 14 天）",
        )
    check_password(password, employee.code)
    user = session.scalar(select(User).where(User.employee_id == employee.id))
    if user is None:
        user = create_user(session, "system", employee.code, employee.name, "employee", None, employee=employee)
    if user.disabled_at is not None:
        raise ActivationRefused("this employee's login is closed: ask HR", zh="此员工的账号已关闭：请联系 HR")
    open_code.used_at = now
    set_password(session, user, f"employee:user:{employee.code}", password)
    append_audit(session, f"employee:user:{employee.code}", "user.activate", f"user:{user.username}", None,
                 {"employee": employee.code})  # fmt: skip
    return user


def unlock(session: Session, user: User, actor: str) -> None:
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    append_audit(session, actor, "user.unlock", f"user:{user.username}", None, {})


def set_disabled(session: Session, user: User, actor: str, disabled: bool) -> None:
    before = _describe(user)
    user.disabled_at = utcnow() if disabled else None
    session.flush()
    append_audit(session, actor, "user.disable" if disabled else "user.enable", f"user:{user.username}", before,
                 _describe(user))  # fmt: skip


def _lookup_digest(lookup: str) -> str:
    """`code_sha256` of a `LOOKUP-SECRET` code: names its row, holds nothing secret (the domain word keeps it apart
    from the SHA-256 of a whole HR code)."""
    return _sha256(f"lookup:{lookup}")


def issue_welcome_activation(session: Session, employee: Employee, actor: str, days: int) -> Activation:
    """A new one-time code `LOOKUP-SECRET` for an approved new hire, valid `days` days; earlier open codes stop.

    Only the Argon2id hash of the secret is stored (pwdlib, like a password): the code travels in a welcome
    message, so a copy of the database must not give it away. The lookup part names the row (`_lookup_digest`).
    """
    now = utcnow()
    session.execute(
        update(ActivationCode)
        .where(ActivationCode.employee_id == employee.id, ActivationCode.used_at.is_(None))
        .values(used_at=now)
    )
    lookup = secrets.token_hex(4).upper()
    secret = "-".join(secrets.token_hex(2).upper() for _ in range(4))  # 64 random bits, typed in groups of four
    expires = now + timedelta(days=days)
    session.add(
        ActivationCode(
            employee_id=employee.id,
            code_sha256=_lookup_digest(lookup),
            code_hash=_hasher.hash(secret),
            created_at=now,
            created_by=actor,
            expires_at=expires,
            failed_attempts=0,
        )  # fmt: skip
    )
    session.flush()
    append_audit(session, actor, "user.activation_code", f"employee:{employee.code}", None,
                 {"expires_at": expires, "days": days})  # fmt: skip
    return Activation(f"{lookup}-{secret}", expires)


_WRONG_CODE = "this activation code is not valid: type it exactly as in the welcome message, or ask HR for a new one"
_WRONG_CODE_ZH = "激活码无效：请按欢迎消息中的原样输入，或请 HR 重新发放"


def activate_with_code(session: Session, code: str, password: str, now: datetime | None = None) -> User:
    """Open a new hire's login with the code of their welcome message (`issue_welcome_activation`) and a password.

    Refused with what happened: a wrong code (and, after `MAX_FAILURES` wrong secrets in a row, the code locked for
    `LOCK_MINUTES`, counted by an UPDATE like a login's); a used or expired one only once its secret matched, so
    guessing learns nothing. As in `log_in`, the read is ended before the slow hash check, and the caller commits
    even when this raises (the failure counts); call it first in `session`.
    """
    now = now or utcnow()
    lookup, _, secret = code.strip().upper().partition("-")
    found = session.execute(
        select(ActivationCode.id, ActivationCode.code_hash, ActivationCode.locked_until).where(
            ActivationCode.code_sha256 == _lookup_digest(lookup), ActivationCode.code_hash.is_not(None)
        )
    ).one_or_none()
    session.commit()  # only read so far: the connection is not held through the slow hash check
    if found is None or found.code_hash is None:
        with _checks:
            _hasher.verify(secret, _DUMMY_HASH)  # as long as a real check
        raise ActivationRefused(_WRONG_CODE, zh=_WRONG_CODE_ZH)
    if found.locked_until is not None and found.locked_until > now:
        raise ActivationLocked(found.locked_until)
    with _checks:
        valid = _hasher.verify(secret, found.code_hash)
    row = session.get_one(ActivationCode, found.id)
    if not valid:
        until = now + timedelta(minutes=LOCK_MINUTES)
        session.execute(
            update(ActivationCode)
            .where(ActivationCode.id == row.id)
            .values(
                failed_attempts=ActivationCode.failed_attempts + 1,
                locked_until=case((ActivationCode.failed_attempts + 1 >= MAX_FAILURES, until), else_=None),
            )
        )
        session.refresh(row)
        if row.locked_until is not None:
            raise ActivationLocked(row.locked_until)
        raise ActivationRefused(_WRONG_CODE, zh=_WRONG_CODE_ZH)
    if row.used_at is not None:
        raise ActivationRefused(
            f"this activation code was used (or replaced by a newer one) on {row.used_at:%Y-%m-%d %H:%M} UTC: log in "
            "with your employee code and password, or ask HR for a new code",
            zh=f"此激活码已于 {row.used_at:%Y-%m-%d %H:%M} UTC 使用（或已被新的激活码取代）：请用工号和密码登录，"
            "或请 HR 重新发放激活码",
        )
    if row.expires_at <= now:
        raise ActivationRefused(
            f"this activation code expired on {row.expires_at:%Y-%m-%d %H:%M} UTC: ask HR for a new one",
            zh=f"此激活码已于 {row.expires_at:%Y-%m-%d %H:%M} UTC 过期：请 HR 重新发放",
        )
    employee = session.get_one(Employee, row.employee_id)
    check_password(password, employee.code)
    user = session.scalar(select(User).where(User.employee_id == employee.id))
    if user is None:
        user = create_user(session, "system", employee.code, employee.name, "employee", None, employee=employee)
    if user.disabled_at is not None:
        raise ActivationRefused("this employee's login is closed: ask HR", zh="此员工的账号已关闭：请联系 HR")
    claimed = session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == row.id, ActivationCode.used_at.is_(None))
        .values(used_at=now, failed_attempts=0)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a second tab used it first
        raise ActivationRefused(
            "this activation code was just used: log in with your employee code and password",
            zh="此激活码刚刚已被使用：请用工号和密码登录",
        )
    set_password(session, user, f"employee:user:{employee.code}", password)
    append_audit(session, f"employee:user:{employee.code}", "user.activate", f"user:{user.username}", None,
                 {"employee": employee.code})  # fmt: skip
    return user
