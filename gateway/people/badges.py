"""Badges: a terminal's badge number (pin) given to an employee, and its quarantined punches re-mapped to them.

A badge is company-wide (`device_sn` None) or valid on one terminal only; one pin belongs to one employee
per terminal (or company-wide). Adding one re-maps the open quarantine of that pin — on that terminal,
or on every terminal for a company-wide badge — to the employee (`gateway.devices.ingest.remap_quarantine`)
and appends `badge.add` with how many punches moved, in the caller's transaction. `map_badges` does
many at once, all or none: every item is checked first and every problem reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.devices.ingest import remap_quarantine
from gateway.errors import GatewayError
from gateway.store import Badge, Device, Employee


class BadgeError(GatewayError):
    """A badge that cannot be added; `conflict` says whether stored data stands in the way (another owner)."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict


class BadgeMapError(GatewayError):
    """Some items of a bulk mapping cannot be done, so none was; `problems` has one line per bad item."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"no badge mapped, {len(problems)} problem(s): " + "; ".join(problems))


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
        return BadgeError(f"no device with serial number {device_sn!r}: omit device_sn for a company-wide badge")
    owner = session.scalar(
        select(Employee.code)
        .join(Badge, Badge.employee_id == Employee.id)
        .where(Badge.pin == pin, Badge.device_sn.is_(None) if device_sn is None else Badge.device_sn == device_sn)
    )
    if owner is not None:
        where = f"on device {device_sn}" if device_sn else "company-wide"
        return BadgeError(
            f"pin {pin!r} {where} already belongs to employee {owner!r}: remove that badge first", conflict=True
        )
    return None


def add_badge(session: Session, employee: Employee, pin: str, device_sn: str | None, actor: str) -> BadgeAdded:
    """Give `pin` to `employee` and re-map its quarantined punches; `BadgeError` when it cannot be done."""
    problem = badge_problem(session, pin, device_sn)
    if problem is not None:
        raise problem
    badge = Badge(pin=pin, employee_id=employee.id, device_sn=device_sn)
    session.add(badge)
    session.flush()
    remapped = remap_quarantine(session, pin, employee.id, device_sn)
    append_audit(
        session,
        actor,
        "badge.add",
        f"employee:{employee.code}",
        None,
        {"pin": pin, "device_sn": device_sn, "remapped_punches": remapped},
    )
    return BadgeAdded(badge, remapped)


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
