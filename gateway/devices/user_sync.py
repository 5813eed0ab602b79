"""User sync: each office's terminals hold exactly the office's current employees (pin = badge).

Per terminal, a plan of changes is computed and (unless a dry run) applied under the terminal's lease
(`gateway.devices.lease`, operation "user sync"), so no poll talks to it meanwhile:

- **add** / **update**: a badge of a current employee of the terminal's office (a badge with a
  `device_sn` only on that terminal) that the terminal lacks, or holds with another name, card number
  or privilege. The name compares as the terminal stores it (cut to its bytes in its `encoding`).
- **delete**: a badge the terminal holds whose employee has left — the day after the last day (`left_on`, the
  last day worked: the leaver still punches in and out on it; the office's local date, `left_on < today`),
  not before — or a badge punchclock wrote there that no
  longer belongs to anyone current (its badge row was removed). Each removal is a `device_users` row
  with `removed_at` and its reason (listed per employee) and an audit row `terminal.user.remove`.
- **unknown**: a user on the terminal that punchclock never had (a technician, a door-only user):
  reported, and deleted only where the office says `delete_unknown_users = true`.

Polled kinds (zk-tcp, zk-udp, zk-soap) are read first, so the plan is against what the terminal really
holds. ADMS terminals (zk-push) cannot be read: their plan is against the `device_users` rows of what was
sent, and applying it queues `DATA UPDATE/DELETE USERINFO` commands in the database
(`gateway.devices.push_commands`, which every process shares, so the CLI can sync them too; a command is
counted as applied once queued).
The terminal is changed first and the database after; a failure in between is repaired by the next pass
(polled terminals are read again; re-queued ADMS commands are idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import (
    PRIVILEGE_ADMIN,
    PRIVILEGE_USER,
    PUSH_KINDS,
    DriverError,
    TerminalUser,
    UserWriter,
    driver_class,
    fit_name,
)
from drivers.zk_push import delete_user_command, update_user_command
from gateway import config as cfg
from gateway.access.audit import append_audit
from gateway.devices import push_commands
from gateway.devices.lease import device_lease
from gateway.errors import GatewayError, TerminalBusy
from gateway.store import Badge, Device, DeviceUser, Employee, Office, utcnow

log = logging.getLogger(__name__)

Action = Literal["add", "update", "delete", "unknown"]
UserDriverFactory = Callable[[cfg.Device], UserWriter]
Enqueue = Callable[[str, str], int]  # (serial number, command) -> command id
PRIVILEGES = {"user": PRIVILEGE_USER, "admin": PRIVILEGE_ADMIN}


@dataclass(frozen=True, slots=True)
class Change:
    """One change of one terminal's user table; `employee` is the employee's code where one is known."""

    action: Action
    pin: str
    name: str = ""
    card: int = 0
    privilege: int = PRIVILEGE_USER
    employee: str | None = None
    reason: str = ""


@dataclass
class TerminalPlan:
    """What a terminal needs, and what became of it (`applied`, or `busy` / `error` with the reason)."""

    device: str
    sn: str | None
    kind: str
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    applied: bool = False
    busy: bool = False
    error: str | None = None

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)


@dataclass(frozen=True, slots=True)
class _Wanted:
    user: TerminalUser
    employee_id: int
    code: str


@dataclass(frozen=True, slots=True)
class _Held:
    name: str
    card: int
    privilege: int


def build_user_driver(device: cfg.Device) -> UserWriter:
    """The device's driver with its name encoding; a kind that holds no users says so."""
    cls = driver_class(device.kind)
    if not hasattr(cls, "write_users"):
        raise DriverError(f"device {device.label} is of kind {device.kind}, which holds no users to sync")
    driver: UserWriter = cls(
        device.host,
        device.port,
        comm_key=device.comm_key,
        timeout=device.timeout_s,
        encoding=device.encoding,
        **device.driver_options(),
    )
    return driver


def office_today(office: cfg.Office, now: datetime) -> date:
    """The office's local date at `now` (aware): the day a leaver's badge goes."""
    return now.astimezone(ZoneInfo(office.timezone)).date()


def sync_users(
    factory: sessionmaker[Session],
    config: cfg.Config,
    *,
    device: str | None = None,
    dry_run: bool = False,
    build: UserDriverFactory = build_user_driver,
    enqueue: Enqueue | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    actor: str = "user-sync",
) -> list[TerminalPlan]:
    """Plan (and apply unless `dry_run`) user sync on every terminal of the config, or on `device` (name
    or serial), the terminals in parallel. Failures are per terminal, in its plan; nothing raises for one."""
    devices = [config.device(device)] if device is not None else config.devices
    devices = [d for d in devices if d.kind in PUSH_KINDS or hasattr(driver_class(d.kind), "write_users")]
    if not devices:
        return []

    def one(dev: cfg.Device) -> TerminalPlan:
        return sync_device(
            factory, dev, config.office(dev.office), dry_run=dry_run, build=build, enqueue=enqueue, now=now, actor=actor
        )

    with ThreadPoolExecutor(max_workers=min(len(devices), config.poller.max_workers)) as pool:
        return list(pool.map(one, devices))


def sync_device(
    factory: sessionmaker[Session],
    device: cfg.Device,
    office: cfg.Office,
    *,
    dry_run: bool = False,
    build: UserDriverFactory = build_user_driver,
    enqueue: Enqueue | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    actor: str = "user-sync",
) -> TerminalPlan:
    """One terminal's plan, applied under its lease unless `dry_run`."""
    plan = TerminalPlan(device.label, device.sn, device.kind, dry_run)
    try:
        with device_lease(factory, device.label, "user sync"):
            _sync_held(factory, device, office, plan, build, enqueue, office_today(office, now()), actor)
    except TerminalBusy as busy:
        plan.busy, plan.error = True, str(busy)
    except (DriverError, GatewayError) as exc:
        plan.error = str(exc)
        log.warning("user sync of %s failed: %s", device.label, exc)
    return plan


def _sync_held(
    factory: sessionmaker[Session],
    device: cfg.Device,
    office: cfg.Office,
    plan: TerminalPlan,
    build: UserDriverFactory,
    enqueue: Enqueue | None,
    today: date,
    actor: str,
) -> None:
    with factory() as session:
        row = session.scalar(select(Device).where(Device.name == device.label))
        if row is None:
            raise GatewayError(
                f"device {device.label} is not in the database yet: start `punchclock serve` once (or run "
                "`punchclock sync`) so the configured devices are stored"
            )
        device_id, sn = row.id, row.sn or device.sn
        plan.sn = sn
        wanted, leavers = _wanted(session, office.name, sn, today)
        active = list(
            session.scalars(
                select(DeviceUser).where(DeviceUser.device_id == device_id, DeviceUser.removed_at.is_(None))
            )
        )
        ours = {r.pin: r.employee_id for r in active}
        pushed = {r.pin: _Held(r.name, r.card, r.privilege) for r in active}
    if device.kind in PUSH_KINDS:
        if not sn:
            raise GatewayError(f"push terminal {device.label} has not told its serial number yet: nothing to queue")
        plan.changes = plan_changes(wanted, pushed, leavers, ours, office.delete_unknown_users, device.encoding)
        if plan.dry_run or not plan.changes:
            plan.applied = not plan.dry_run
            return
        if enqueue is None:
            enqueue = partial(push_commands.enqueue, factory)
        for change in plan.changes:
            if change.action in ("add", "update"):
                enqueue(sn, update_user_command(_user(change), device.encoding))
            elif change.action == "delete":
                enqueue(sn, delete_user_command(change.pin))
    else:
        with build(device) as driver:  # type: ignore[attr-defined]  # every UserWriter is a Driver too
            held = {u.pin: _Held(u.name, u.card, u.privilege) for u in driver.read_users()}
            plan.changes = plan_changes(wanted, held, leavers, ours, office.delete_unknown_users, device.encoding)
            if plan.dry_run:
                return
            driver.delete_users([c.pin for c in plan.changes if c.action == "delete"])
            driver.write_users([_user(c) for c in plan.changes if c.action in ("add", "update")])
    _record(factory, device_id, device.label, plan, wanted, leavers, ours, actor)
    plan.applied = True


def _user(change: Change) -> TerminalUser:
    return TerminalUser(change.pin, change.name, change.card, change.privilege)


def _wanted(
    session: Session, office: str, sn: str | None, today: date
) -> tuple[dict[str, _Wanted], dict[str, tuple[int, str]]]:
    """The badges the terminal should hold (current employees of its office), and the office's leavers'
    badges (pin → employee id, code), each limited to company-wide badges and those of this terminal."""
    rows = session.execute(
        select(Badge, Employee)
        .join(Employee, Employee.id == Badge.employee_id)
        .join(Office, Office.id == Employee.office_id)
        .where(Office.name == office, or_(Badge.device_sn.is_(None), Badge.device_sn == sn))
        .order_by(Badge.pin)
    ).all()
    wanted: dict[str, _Wanted] = {}
    leavers: dict[str, tuple[int, str]] = {}
    for badge, employee in rows:
        if employee.left_on is not None and employee.left_on < today:
            leavers[badge.pin] = (employee.id, employee.code)
        elif employee.hired_on is None or employee.hired_on <= today:
            user = TerminalUser(badge.pin, employee.name, badge.card, PRIVILEGES[badge.device_privilege])
            wanted[badge.pin] = _Wanted(user, employee.id, employee.code)
    return wanted, leavers


def plan_changes(
    wanted: dict[str, _Wanted],
    held: dict[str, _Held],
    leavers: dict[str, tuple[int, str]],
    ours: dict[str, int | None],
    delete_unknown: bool,
    encoding: str,
) -> list[Change]:
    """The changes that make `held` (the terminal's users by pin) equal `wanted`; see the module docstring."""
    changes: list[Change] = []
    for pin, want in wanted.items():
        user = want.user
        have = held.get(pin)
        if have is None:
            changes.append(Change("add", pin, user.name, user.card, user.privilege, want.code, "new on this terminal"))
        elif not _same(user, have, encoding):
            changes.append(Change("update", pin, user.name, user.card, user.privilege, want.code, "changed"))
    for pin in sorted(held.keys() - wanted.keys()):
        have = held[pin]
        if pin in leavers:
            changes.append(Change("delete", pin, have.name, employee=leavers[pin][1], reason="left"))
        elif pin in ours:
            changes.append(Change("delete", pin, have.name, reason="badge_removed"))
        elif delete_unknown:
            changes.append(Change("delete", pin, have.name, reason="unknown"))
        else:
            changes.append(
                Change("unknown", pin, have.name, have.card, have.privilege, reason="not known to punchclock")
            )
    return changes


def _same(user: TerminalUser, have: _Held, encoding: str) -> bool:
    """Whether the terminal holds `user` already: its name as sent or as the terminal stores it (24 bytes,
    or 8 in the older 28-byte records), the same card and privilege."""
    stored = {user.name, *(fit_name(user.name, encoding, size).decode(encoding) for size in (24, 8))}
    return have.name in stored and have.card == user.card and have.privilege == user.privilege


def _record(
    factory: sessionmaker[Session],
    device_id: int,
    device_name: str,
    plan: TerminalPlan,
    wanted: dict[str, _Wanted],
    leavers: dict[str, tuple[int, str]],
    ours: dict[str, int | None],
    actor: str,
) -> None:
    """Store what the terminal now holds (`device_users`) and audit each removal, in one transaction."""
    if not any(c.action != "unknown" for c in plan.changes):
        return
    now = utcnow()
    with factory() as session, session.begin():
        rows = {r.pin: r for r in session.scalars(select(DeviceUser).where(DeviceUser.device_id == device_id))}
        for change in plan.changes:
            if change.action == "unknown":
                continue
            row = rows.get(change.pin)
            if row is None:
                row = DeviceUser(device_id=device_id, pin=change.pin, written_at=now)
                session.add(row)
            if change.action == "delete":
                employee_id = leavers[change.pin][0] if change.pin in leavers else ours.get(change.pin)
                row.employee_id = employee_id if employee_id is not None else row.employee_id
                row.removed_at, row.removal_reason = now, change.reason
                append_audit(
                    session,
                    actor,
                    "terminal.user.remove",
                    f"device:{device_name}",
                    {"pin": change.pin, "employee": change.employee},
                    {"reason": change.reason},
                )
            else:
                want = wanted[change.pin]
                row.employee_id, row.name = want.employee_id, change.name
                row.card, row.privilege, row.written_at = change.card, change.privilege, now
                row.removed_at = row.removal_reason = None


def removals_of(session: Session, employee_id: int) -> list[tuple[DeviceUser, Device]]:
    """Where an employee's badges were written and removed (newest first): the employee's terminal access."""
    return [
        (row, dev)
        for row, dev in session.execute(
            select(DeviceUser, Device)
            .join(Device, Device.id == DeviceUser.device_id)
            .where(DeviceUser.employee_id == employee_id)
            .order_by(DeviceUser.removed_at.desc(), Device.name, DeviceUser.pin)
        )
    ]


def totals(plans: Sequence[TerminalPlan]) -> dict[Action, int]:
    """Changes per action over all terminals (for the summary line)."""
    actions: tuple[Action, ...] = ("add", "update", "delete", "unknown")
    return {a: sum(p.count(a) for p in plans) for a in actions}
