"""Badges: a terminal's badge number (pin) given to an employee, and its quarantined punches re-mapped to them.

A badge is company-wide (`device_sn` None) or valid on one terminal only; one pin belongs to one employee
per terminal (or company-wide). Adding one re-maps the open quarantine of that pin — on that terminal,
or on every terminal for a company-wide badge — to the employee (`gateway.devices.ingest.remap_quarantine`)
and appends `badge.add` with how many punches moved, in the caller's transaction. `map_badges` does
many at once, all or none: every item is checked first and every problem reported.

A badge also carries what user sync writes to the terminals with it: the card number (`card`, 0 = none)
and the device privilege (`user` | `admin`). A card number is the digits of a ZK card, at most 10 and at
most 4,294,967,295 (the terminal stores 32 bits); one card opens one badge per office, since an office's
terminals hold all its employees. `edit_badge` changes both and appends `badge.edit` (old → new); the next
user sync sees the difference itself (`gateway.devices.user_sync` compares each terminal with the badges),
so nothing is marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.devices.ingest import remap_quarantine
from gateway.errors import GatewayError
from gateway.inputs import ValueRefused
from gateway.store import Badge, Device, Employee, Office

MAX_CARD = 2**32 - 1  # a ZK terminal's card field is 32 bits
MAX_CARD_DIGITS = len(str(MAX_CARD))
DevicePrivilege = Literal["user", "admin"]  # `admin` may open the terminal's menu
DEVICE_PRIVILEGES: tuple[DevicePrivilege, ...] = ("user", "admin")


class BadgeError(GatewayError):
    """A badge that cannot be added; `conflict` says whether stored data stands in the way (another owner)."""

    def __init__(self, message: str, *, conflict: bool = False, zh: str | None = None) -> None:
        super().__init__(message, zh=zh)
        self.conflict = conflict


class BadgeMapError(GatewayError):
    """Some items of a bulk mapping cannot be done, so none was; `problems` has one line per bad item."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"no badge mapped, {len(problems)} problem(s): " + "; ".join(problems))


def card_number(text: str) -> int:
    """The card number of `text` (the digits printed on the card, leading zeros allowed; "0" = no card), or
    `ValueError` saying what is wrong."""
    if not text.isascii() or not text.isdigit():
        raise ValueRefused(
            f"card number {text!r}: digits only, as printed on the card (e.g. 0012345678)",
            zh=f"卡号 {text!r}：只能是数字，照卡上所印填写（例如 0012345678）",
        )
    if len(text) > MAX_CARD_DIGITS:
        raise ValueRefused(
            f"card number {text!r} has {len(text)} digits: a ZK card number has at most {MAX_CARD_DIGITS}",
            zh=f"卡号 {text!r} 有 {len(text)} 位：中控卡号最多 {MAX_CARD_DIGITS} 位",
        )
    card = int(text)
    if card > MAX_CARD:
        raise ValueRefused(
            f"card number {card} is more than {MAX_CARD}, the largest a ZK terminal stores (32 bits): "
            "check the number printed on the card",
            zh=f"卡号 {card} 大于中控考勤机能存储的最大值 {MAX_CARD}（32 位）：请核对卡上所印号码",
        )
    return card


def card_problem(session: Session, office_id: int | None, card: int, badge_id: int | None = None) -> BadgeError | None:
    """Why `card` cannot go on a badge (other than badge `badge_id`) of an employee of office `office_id`, or
    None: another badge of that office holds it. 0 (no card) is never a problem."""
    if card == 0:
        return None
    same_office = Employee.office_id.is_(None) if office_id is None else Employee.office_id == office_id
    holder = session.execute(
        select(Badge.pin, Employee.code, Office.name)
        .join(Employee, Employee.id == Badge.employee_id)
        .outerjoin(Office, Office.id == Employee.office_id)
        .where(Badge.card == card, same_office, Badge.id != (badge_id or 0))
        .limit(1)
    ).first()
    if holder is None:
        return None
    pin, code, office = holder
    where = f"office {office}" if office else "the employees without an office"
    return BadgeError(
        f"card {card} is already on badge {pin!r} of employee {code!r} in {where}: clear it there first "
        "(one card opens one badge per office)",
        conflict=True,
        zh=f"卡号 {card} 已在{f'办公地点 {office}' if office else '无办公地点的员工'}中"
        f"员工 {code!r} 的工牌 {pin!r} 上："
        "请先在那里清除（同一办公地点内一张卡只能对应一个工牌）",
    )


@dataclass(frozen=True)
class BadgeAdded:
    badge: Badge
    remapped: int  # quarantined punches of the pin now given to the employee


@dataclass(frozen=True)
class BadgeRequest:
    pin: str
    device_sn: str | None
    employee: str  # employee code


def badge_problem(session: Session, pin: str, device_sn: str | None) -> BadgeError | None:
    """Why `pin` (on `device_sn`, or company-wide) cannot become a badge, or None."""
    if device_sn is not None and session.scalar(select(Device.id).where(Device.sn == device_sn)) is None:
        return BadgeError(
            f"no device with serial number {device_sn!r}: omit device_sn for a company-wide badge",
            zh=f"没有序列号为 {device_sn!r} 的考勤机：全公司通用的工牌请不填 device_sn",
        )
    owner = session.scalar(
        select(Employee.code)
        .join(Badge, Badge.employee_id == Employee.id)
        .where(Badge.pin == pin, Badge.device_sn.is_(None) if device_sn is None else Badge.device_sn == device_sn)
    )
    if owner is not None:
        where, where_zh = (
            (f"on device {device_sn}", f"在考勤机 {device_sn} 上") if device_sn else ("company-wide", "在全公司")
        )
        return BadgeError(
            f"pin {pin!r} {where} already belongs to employee {owner!r}: remove that badge first",
            conflict=True,
            zh=f"工牌号 {pin!r} {where_zh}已属于员工 {owner!r}：请先删除那个工牌",
        )
    return None


def add_badge(
    session: Session,
    employee: Employee,
    pin: str,
    device_sn: str | None,
    actor: str,
    *,
    card: int = 0,
    privilege: DevicePrivilege = "user",
) -> BadgeAdded:
    """Give `pin` (with `card` and device `privilege`) to `employee` and re-map its quarantined punches;
    `BadgeError` when it cannot be done."""
    problem = badge_problem(session, pin, device_sn) or card_problem(session, employee.office_id, card)
    if problem is not None:
        raise problem
    badge = Badge(pin=pin, employee_id=employee.id, device_sn=device_sn, card=card, device_privilege=privilege)
    session.add(badge)
    session.flush()
    remapped = remap_quarantine(session, pin, employee.id, device_sn)
    append_audit(
        session,
        actor,
        "badge.add",
        f"employee:{employee.code}",
        None,
        {
            "pin": pin,
            "device_sn": device_sn,
            "card": card,
            "device_privilege": privilege,
            "remapped_punches": remapped,
        },
    )
    return BadgeAdded(badge, remapped)


def edit_badge(
    session: Session, employee: Employee, badge: Badge, card: int, privilege: DevicePrivilege, actor: str
) -> bool:
    """Set `badge`'s card number (0 clears it) and device privilege, audited as `badge.edit` with the old and
    new values; False (and nothing written) when both are unchanged, `BadgeError` when another badge of the
    office holds the card."""
    old = {"card": badge.card, "device_privilege": badge.device_privilege}
    new = {"card": card, "device_privilege": privilege}
    if old == new:
        return False
    if card != badge.card:
        problem = card_problem(session, employee.office_id, card, badge.id)
        if problem is not None:
            raise problem
    badge.card, badge.device_privilege = card, privilege
    append_audit(
        session, actor, "badge.edit", f"employee:{employee.code}", {"pin": badge.pin, **old}, {"pin": badge.pin, **new}
    )
    return True


def map_badges(session: Session, requests: Sequence[BadgeRequest], actor: str) -> list[BadgeAdded]:
    """Add every badge of `requests` (in order), or none: `BadgeMapError` lists each item that cannot be added."""
    codes = {r.employee for r in requests}
    employees = {e.code: e for e in session.scalars(select(Employee).where(Employee.code.in_(codes)))}
    problems: list[str] = []
    seen: dict[tuple[str, str | None], int] = {}
    for i, request in enumerate(requests):
        where = f"items[{i}] (pin {request.pin!r}{f' on {request.device_sn}' if request.device_sn else ''})"
        key = (request.pin, request.device_sn)
        if key in seen:
            problems.append(f"{where}: the same badge as items[{seen[key]}]; list each badge once")
            continue
        seen[key] = i
        if request.employee not in employees:
            problems.append(f"{where}: employee {request.employee!r} does not exist")
        problem = badge_problem(session, request.pin, request.device_sn)
        if problem is not None:
            problems.append(f"{where}: {problem}")
    if problems:
        raise BadgeMapError(problems)
    return [add_badge(session, employees[r.employee], r.pin, r.device_sn, actor) for r in requests]
