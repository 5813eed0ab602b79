"""Template copy: a finger enrolled on one terminal of an office is written to the office's other terminals.

One pass per office (`copy_templates`, `punchclock devices templates copy`, and `punchclock serve` after
each user sync pass), over its zk-tcp, zk-udp and zk-soap terminals, each talked to under its lease
(operation "template copy"). The bytes are the same on every protocol (the SOAP service carries them
base64-encoded, `drivers.zk_soap`), so a finger enrolled on a SOAP terminal reaches a TCP one and back:

1. **Read** every terminal's templates (`read_templates`: pyzk `get_templates` over zk-tcp/zk-udp, SOAP
   `GetUserTemplate`), each by the badge it belongs to.
2. **Store** (one transaction): a template whose badge maps to a current employee of the office (a badge
   with no `device_sn`, or that terminal's) and whose (employee, finger) the store does not hold yet is kept
   in `finger_templates`, sealed by `gateway.access.vault` (`finger_templates.template`, the base64 of
   the bytes). The first template stored for a finger stays the one copied: a terminal holding other bytes
   for that finger keeps them (it is not overwritten) and is counted `differs` — re-enrol at the terminal
   and delete the row to make another the reference. Badges of no current employee are counted `unknown`.
   The same transaction records which fingers of which employee the terminal holds (`terminal_fingers`,
   finger numbers only), the source of the counts the API and the employee page show.
3. **Write** to each terminal the stored templates of the employees whose badge it holds as a user and
   that it lacks (`write_templates`: pyzk's `save_user_template` upload, SOAP `SetUserTemplate`). A badge the terminal
   has no user for is skipped (`no_user`): user sync adds the users, the next pass their fingers. Each
   terminal written appends `terminal.templates.write` to the audit log with the badges and fingers
   (never a template byte), and its written fingers to `terminal_fingers`, in one transaction.

A terminal that is busy or fails is reported in its `TemplateCopy` and left out of that pass.

ADMS terminals (zk-push) cannot be read: they upload what is enrolled on them (`FP` lines in OPERLOG,
fingerprint `BIODATA` lines), which `store_uploaded` stores by the same rules in the receiver's
transaction (step 2, the terminal's fingers added to `terminal_fingers`). The pass writes to them through
the database queue (`queue_for_push`): one `DATA UPDATE FINGERTMP` command per stored finger the terminal
lacks (not in its `terminal_fingers`, not already queued or sent) of a badge user sync gave it
(`device_users`), queued and audited in one transaction. The queued command holds a reference to the
stored row, `TMP=@finger_templates:<id>`, not the template: `expand_for_hand_over` opens it when the
terminal polls, so the bytes are only ever in the sealed column and on the wire. The terminal's
`Return=0` for it adds the finger to `terminal_fingers` (`note_pushed`).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import DriverError, FingerTemplate
from drivers.zk import ZKTcpDriver, ZKUdpDriver
from drivers.zk_push import FaceBiodata, biodata_command, fingertmp_command
from drivers.zk_soap import ZKSoapDriver
from gateway import config as cfg
from gateway.access.audit import append_audit
from gateway.access.vault import FACE_TEMPLATE, FINGER_TEMPLATE, reveal, seal_for
from gateway.devices.lease import device_lease
from gateway.devices.push_commands import enqueue_in
from gateway.devices.user_sync import office_today
from gateway.errors import GatewayError, TerminalBusy
from gateway.store import (
    Badge,
    Device,
    DeviceUser,
    Employee,
    EmployeeTemplate,
    FaceTemplate,
    Office,
    PushCommand,
    PushDeviceInfo,
    TerminalFinger,
    utcnow,
)

log = logging.getLogger(__name__)

TemplateDriver = ZKTcpDriver | ZKUdpDriver | ZKSoapDriver
TEMPLATE_KINDS: dict[str, type[TemplateDriver]] = {
    "zk-tcp": ZKTcpDriver,
    "zk-udp": ZKUdpDriver,
    "zk-soap": ZKSoapDriver,
}
TemplateDriverFactory = Callable[[cfg.Device], TemplateDriver]
PUSH_KIND = "zk-push"
TEMPLATE_REF = "@finger_templates:"  # the TMP of a queued FINGERTMP command: the stored row's id follows
FACE_REF = "@face_templates:"  # the Tmp of a queued face BIODATA command: the stored row's id follows
_FINGERTMP = "DATA UPDATE FINGERTMP "


@dataclass
class TemplateCopy:
    """What one terminal gave and got in a pass (counts only), or why it was left out."""

    device: str
    sn: str | None = None
    read: int = 0
    stored: int = 0  # new in the store from this terminal
    differs: int = 0  # fingers this terminal holds other bytes for than the stored ones
    unknown: int = 0  # templates of badges that are no current employee's
    written: int = 0
    no_user: list[str] = field(default_factory=list)  # badges whose templates wait for user sync
    other_algorithm: int = 0  # faces not queued: the terminal's INFO reports another FaceVersion
    error: str | None = None


def build_template_driver(device: cfg.Device) -> TemplateDriver:
    return TEMPLATE_KINDS[device.kind](
        device.host, device.port, comm_key=device.comm_key, timeout=device.timeout_s, encoding=device.encoding
    )


@dataclass(frozen=True, slots=True)
class _Stored:
    id: int
    employee_id: int
    finger: int
    valid: int
    template: bytes


def copy_templates(
    factory: sessionmaker[Session],
    config: cfg.Config,
    *,
    actor: str,
    office: str | None = None,
    build: TemplateDriverFactory = build_template_driver,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[TemplateCopy]:
    """One template copy pass over every office (or `office`); one `TemplateCopy` per terminal."""
    results: list[TemplateCopy] = []
    for place in config.offices:
        if office is not None and place.name != office:
            continue
        devices = [d for d in config.devices if d.office == place.name and d.kind in TEMPLATE_KINDS]
        when = now()
        results += _copy_office(factory, place, devices, actor, build, when)
        pushed = [d for d in config.devices if d.office == place.name and d.kind == PUSH_KIND]
        for d in pushed:
            copy, faces = (
                queue_for_push(factory, place, d, actor, when),
                queue_faces_for_push(factory, place, d, actor, when),
            )
            copy.written += faces.written
            copy.other_algorithm = faces.other_algorithm
            copy.no_user += [pin for pin in faces.no_user if pin not in copy.no_user]
            results.append(copy)
    return results


def _copy_office(
    factory: sessionmaker[Session],
    office: cfg.Office,
    devices: Sequence[cfg.Device],
    actor: str,
    build: TemplateDriverFactory,
    now: datetime,
) -> list[TemplateCopy]:
    copies = {d.label: TemplateCopy(d.label) for d in devices}
    held: dict[str, list[FingerTemplate]] = {}
    for device in devices:
        copy = copies[device.label]

        def read(driver: TemplateDriver, copy: TemplateCopy = copy) -> None:
            copy.sn = driver.serial_number
            held[copy.device] = driver.read_templates()
            copy.read = len(held[copy.device])

        _on_terminal(factory, device, build, copy, read)
    today = office_today(office, now)
    seen = now.astimezone(UTC).replace(tzinfo=None)  # naive UTC, like every time in the store
    with factory() as session, session.begin():
        pins = _badges(session, office.name, today)
        for device in devices:
            copy = copies[device.label]
            if device.label in held and copy.sn is not None:
                _store(session, copy, held[device.label], pins.of(copy.sn))
                _record_held(session, copy, held[device.label], pins.of(copy.sn), seen)
        stored = _stored(session, office.name, today)
    for device in devices:
        copy = copies[device.label]
        if device.label not in held or copy.sn is None:
            continue
        employee_of = pins.of(copy.sn)
        have = {(t.pin, t.finger) for t in held[device.label]}
        wanted = [
            FingerTemplate(pin, s.finger, s.valid, s.template)
            for pin, employee_id in sorted(employee_of.items())
            for s in stored.get(employee_id, [])
            if (pin, s.finger) not in have
        ]
        if wanted:
            _write(factory, device, build, copy, wanted, employee_of, actor, seen)
    return list(copies.values())


def _on_terminal(
    factory: sessionmaker[Session],
    device: cfg.Device,
    build: TemplateDriverFactory,
    copy: TemplateCopy,
    work: Callable[[TemplateDriver], None],
) -> bool:
    """Run `work` on the terminal under its lease; a busy or failing terminal is noted in `copy`."""
    try:
        with device_lease(factory, device.label, "template copy"), build(device) as driver:
            work(driver)
        return True
    except (TerminalBusy, DriverError, GatewayError) as error:
        copy.error = f"{type(error).__name__}: {error}"
        log.warning("template copy %s: %s", device.label, copy.error)
        return False


@dataclass(frozen=True, slots=True)
class _OfficeBadges:
    """The badges of an office's current employees: company-wide ones, and those of one terminal."""

    everywhere: dict[str, int]
    by_sn: dict[str, dict[str, int]]

    def of(self, sn: str) -> dict[str, int]:
        """Badge pin → employee id on terminal `sn`."""
        return {**self.everywhere, **self.by_sn.get(sn, {})}


def _badges(session: Session, office: str, today: date) -> _OfficeBadges:
    rows = session.execute(
        select(Badge.pin, Badge.device_sn, Employee.id)
        .join(Employee, Employee.id == Badge.employee_id)
        .join(Office, Office.id == Employee.office_id)
        .where(Office.name == office, or_(Employee.left_on.is_(None), Employee.left_on > today))
    ).all()
    badges = _OfficeBadges({pin: employee_id for pin, sn, employee_id in rows if sn is None}, {})
    for pin, sn, employee_id in rows:
        if sn is not None:
            badges.by_sn.setdefault(sn, {})[pin] = employee_id
    return badges


def _store(session: Session, copy: TemplateCopy, held: list[FingerTemplate], employee_of: dict[str, int]) -> None:
    """Keep the terminal's templates of fingers the store does not hold yet (sealed); count the rest."""
    for template in held:
        employee_id = employee_of.get(template.pin)
        if employee_id is None:
            copy.unknown += 1
            continue
        row = session.scalars(
            select(EmployeeTemplate).where(
                EmployeeTemplate.employee_id == employee_id, EmployeeTemplate.finger == template.finger
            )
        ).one_or_none()
        if row is None:
            sealed = seal_for(session, FINGER_TEMPLATE, employee_id, base64.b64encode(template.template).decode())
            session.add(
                EmployeeTemplate(
                    employee_id=employee_id,
                    finger=template.finger,
                    valid=template.valid,
                    template=sealed,
                    source_device_sn=copy.sn or "",
                    stored_at=utcnow(),
                )
            )
            session.flush()
            copy.stored += 1
        elif _open(session, row) != template.template:
            copy.differs += 1


def _record_held(
    session: Session, copy: TemplateCopy, held: Sequence[FingerTemplate], employee_of: dict[str, int], seen: datetime
) -> None:
    """The terminal holds exactly these fingers of current employees now (its earlier rows replaced)."""
    session.execute(delete(TerminalFinger).where(TerminalFinger.device_name == copy.device))
    _add_held(session, copy, held, employee_of, seen)


def _add_held(
    session: Session, copy: TemplateCopy, fingers: Sequence[FingerTemplate], employee_of: dict[str, int], seen: datetime
) -> None:
    """Add the fingers not recorded for the terminal yet."""
    recorded = {
        (e, f)
        for e, f in session.execute(
            select(TerminalFinger.employee_id, TerminalFinger.finger).where(TerminalFinger.device_name == copy.device)
        )
    }
    keys = sorted({(employee_of[t.pin], t.finger) for t in fingers if t.pin in employee_of} - recorded)
    session.add_all(
        TerminalFinger(device_name=copy.device, device_sn=copy.sn or "", employee_id=e, finger=f, seen_at=seen)
        for e, f in keys
    )


def _open(session: Session, row: EmployeeTemplate) -> bytes:
    return base64.b64decode(reveal(session, FINGER_TEMPLATE, row.employee_id, row.template))


def _stored(session: Session, office: str, today: date) -> dict[int, list[_Stored]]:
    """The stored templates of the office's current employees, opened, by employee id."""
    rows = session.scalars(
        select(EmployeeTemplate)
        .join(Employee, Employee.id == EmployeeTemplate.employee_id)
        .join(Office, Office.id == Employee.office_id)
        .where(Office.name == office, or_(Employee.left_on.is_(None), Employee.left_on > today))
        .order_by(EmployeeTemplate.employee_id, EmployeeTemplate.finger)
    )
    out: dict[int, list[_Stored]] = {}
    for row in rows:
        opened = _Stored(row.id, row.employee_id, row.finger, row.valid, _open(session, row))
        out.setdefault(row.employee_id, []).append(opened)
    return out


def _write(
    factory: sessionmaker[Session],
    device: cfg.Device,
    build: TemplateDriverFactory,
    copy: TemplateCopy,
    wanted: list[FingerTemplate],
    employee_of: dict[str, int],
    actor: str,
    seen: datetime,
) -> None:
    """Write `wanted` to the terminal under its lease, then audit what it took (badges and fingers only) and
    note the fingers it now holds."""

    def write(driver: TemplateDriver) -> None:
        copy.no_user = driver.write_templates(wanted)

    if not _on_terminal(factory, device, build, copy, write):
        return
    written = [t for t in wanted if t.pin not in copy.no_user]
    copy.written = len(written)
    if not written:
        return
    with factory() as session, session.begin():
        append_audit(
            session,
            actor,
            "terminal.templates.write",
            f"device:{device.label}",
            None,
            {"fingers": [f"{t.pin}:{t.finger}" for t in written]},
        )
        _add_held(session, copy, written, employee_of, seen)


@dataclass(frozen=True, slots=True)
class TerminalFingers:
    """The fingers of one employee a terminal holds, as the last copy pass saw them."""

    device: str  # the terminal's name in the config
    sn: str
    fingers: list[int]
    seen_at: datetime  # when the copy pass last read or wrote it


@dataclass(frozen=True, slots=True)
class Fingerprints:
    """An employee's fingerprints in counts: the fingers stored, and which terminals hold which of them."""

    fingers: list[int]  # stored in punchclock (the copy's reference templates)
    terminals: list[TerminalFingers]

    @property
    def synced_terminals(self) -> int:
        """Terminals holding every stored finger (none when nothing is stored)."""
        wanted = set(self.fingers)
        return sum(1 for t in self.terminals if wanted and wanted <= set(t.fingers))


def fingerprints_of(session: Session, employee_id: int) -> Fingerprints:
    """Finger numbers only, never a template byte: what the API and the employee page show."""
    stored = session.scalars(
        select(EmployeeTemplate.finger)
        .where(EmployeeTemplate.employee_id == employee_id)
        .order_by(EmployeeTemplate.finger)
    ).all()
    rows = session.scalars(
        select(TerminalFinger)
        .where(TerminalFinger.employee_id == employee_id)
        .order_by(TerminalFinger.device_name, TerminalFinger.finger)
    ).all()
    by_name: dict[str, list[TerminalFinger]] = {}
    for row in rows:
        by_name.setdefault(row.device_name, []).append(row)
    terminals = [
        TerminalFingers(name, held[-1].device_sn, [r.finger for r in held], max(r.seen_at for r in held))
        for name, held in by_name.items()
    ]
    return Fingerprints(list(stored), terminals)


def store_uploaded(session: Session, device_sn: str, uploaded: Sequence[FingerTemplate], now: datetime) -> TemplateCopy:
    """Fingers an ADMS terminal uploaded, stored in the caller's transaction by the copy's rules (sealed, the
    first stored stays, badges of no current employee of the terminal's office counted `unknown`), and added
    to the fingers the terminal holds."""
    device = session.scalar(select(Device).where(Device.sn == device_sn))
    copy = TemplateCopy(device.name if device is not None else device_sn, device_sn, read=len(uploaded))
    employee_of = _badges_of_terminal(session, device, now)
    if employee_of is None:
        copy.unknown = len(uploaded)
        return copy
    _store(session, copy, list(uploaded), employee_of)
    _add_held(session, copy, uploaded, employee_of, now.astimezone(UTC).replace(tzinfo=None))
    return copy


def _badges_of_terminal(session: Session, device: Device | None, now: datetime) -> dict[str, int] | None:
    """Badge pin → employee id on the push terminal, by its office's date at `now`; None without an office."""
    office = session.get(Office, device.office_id) if device is not None and device.office_id else None
    if device is None or office is None or device.sn is None:
        return None
    return _badges(session, office.name, now.astimezone(ZoneInfo(office.timezone)).date()).of(device.sn)


def queue_for_push(
    factory: sessionmaker[Session], office: cfg.Office, device: cfg.Device, actor: str, now: datetime
) -> TemplateCopy:
    """Queue `DATA UPDATE FINGERTMP` for the stored fingers the push terminal lacks (see the module docstring)."""
    copy = TemplateCopy(device.label)
    with factory() as session, session.begin():
        target = _push_target(session, office, device, now, copy)
        if target is None:
            return copy
        sn, employee_of, users = target
        held = {
            (e, f)
            for e, f in session.execute(
                select(TerminalFinger.employee_id, TerminalFinger.finger).where(
                    TerminalFinger.device_name == device.label
                )
            )
        }
        pending = {_pin_finger(c) for c in _pending(session, sn)}
        stored = _stored(session, office.name, office_today(office, now))
        queued: list[str] = []
        for pin, employee_id in sorted(employee_of.items()):
            for s in stored.get(employee_id, []):
                if (employee_id, s.finger) in held or (pin, s.finger) in pending:
                    continue
                if pin not in users:
                    copy.no_user += [] if pin in copy.no_user else [pin]
                    continue
                size = len(base64.b64encode(s.template))
                enqueue_in(session, sn, fingertmp_command(pin, s.finger, s.valid, size, f"{TEMPLATE_REF}{s.id}"))
                queued.append(f"{pin}:{s.finger}")
        copy.written = len(queued)
        if queued:
            append_audit(session, actor, "terminal.templates.write", f"device:{device.label}", None,
                         {"fingers": queued, "queued": True})  # fmt: skip
    return copy


def _push_target(
    session: Session, office: cfg.Office, device: cfg.Device, now: datetime, copy: TemplateCopy
) -> tuple[str, dict[str, int], set[str]] | None:
    """What queueing to a push terminal needs: its serial (also set as `copy.sn`), badge → employee of the
    office's current staff, and the badges it has a user for (`device_users`); None (and `copy.error`) while
    its serial is unknown."""
    row = session.scalar(select(Device).where(Device.name == device.label))
    copy.sn = (row.sn if row is not None else None) or device.sn
    if row is None or not copy.sn:
        copy.error = f"push terminal {device.label} has not told its serial number yet: nothing to queue"
        return None
    employee_of = _badges(session, office.name, office_today(office, now)).of(copy.sn)
    users = set(
        session.scalars(select(DeviceUser.pin).where(DeviceUser.device_id == row.id, DeviceUser.removed_at.is_(None)))
    )
    return copy.sn, employee_of, users


def _pending(session: Session, sn: str) -> list[str]:
    """The terminal's FINGERTMP commands not answered yet."""
    return list(
        session.scalars(
            select(PushCommand.command).where(
                PushCommand.device_sn == sn,
                PushCommand.state.in_(("queued", "sent")),
                PushCommand.command.startswith(_FINGERTMP),
            )
        )
    )


def _fields(command: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in command[len(_FINGERTMP) :].split("\t") if "=" in part)


def _pin_finger(command: str) -> tuple[str, int]:
    fields = _fields(command)
    return fields.get("PIN", ""), int(fields.get("FID", "-1"))


_REFS: dict[str, tuple[str, type[EmployeeTemplate | FaceTemplate], str]] = {
    TEMPLATE_REF: ("\tTMP=", EmployeeTemplate, FINGER_TEMPLATE),
    FACE_REF: ("\tTmp=", FaceTemplate, FACE_TEMPLATE),
}


def expand_for_hand_over(factory: sessionmaker[Session], commands: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The commands as the terminal must get them: a queued FINGERTMP's or face BIODATA's reference replaced
    by the stored template's base64. One whose row was deleted meanwhile (to re-enrol) is marked failed and
    left out."""
    markers = [(f"{field}{ref}", model, purpose) for ref, (field, model, purpose) in _REFS.items()]
    if not any(marker in command for _id, command in commands for marker, _m, _p in markers):
        return commands
    out: list[tuple[int, str]] = []
    with factory() as session, session.begin():
        for command_id, command in commands:
            found = next(((m, model, p) for m, model, p in markers if m in command), None)
            if found is None:
                out.append((command_id, command))
                continue
            marker, model, purpose = found
            head, _found, ref = command.partition(marker)
            row = cast(EmployeeTemplate | FaceTemplate | None, session.get(model, int(ref)) if ref.isdigit() else None)
            if row is None:
                failed = session.get(PushCommand, command_id)
                if failed is not None:
                    failed.state, failed.done_at = "failed", utcnow()
                    failed.result = "its stored template was deleted before the terminal polled"
                continue
            opened = reveal(session, purpose, row.employee_id, row.template)
            out.append((command_id, f"{head}{marker[: marker.index('=') + 1]}{opened}"))
    return out


def note_pushed(factory: sessionmaker[Session], sn: str, done: Sequence[str]) -> None:
    """The terminal took these FINGERTMP commands (Return=0): it holds those fingers now."""
    written = [_pin_finger(c) for c in done if c.startswith(_FINGERTMP)]
    if not written:
        return
    with factory() as session, session.begin():
        device = session.scalar(select(Device).where(Device.sn == sn))
        now = datetime.now(UTC)
        employee_of = _badges_of_terminal(session, device, now)
        if device is None or employee_of is None:
            return
        fingers = [FingerTemplate(pin, finger, 1, b"") for pin, finger in written]
        _add_held(session, TemplateCopy(device.name, sn), fingers, employee_of, now.replace(tzinfo=None))


def store_uploaded_faces(
    session: Session, device_sn: str, uploaded: Sequence[FaceBiodata], now: datetime
) -> TemplateCopy:
    """Faces an ADMS terminal uploaded, stored in the caller's transaction: sealed, the first stored per
    (employee, type, No, Index) stays (other bytes counted `differs`), badges of no current employee of the
    terminal's office counted `unknown`."""
    device = session.scalar(select(Device).where(Device.sn == device_sn))
    copy = TemplateCopy(device.name if device is not None else device_sn, device_sn, read=len(uploaded))
    employee_of = _badges_of_terminal(session, device, now) or {}
    for face in uploaded:
        employee_id = employee_of.get(face.pin)
        if employee_id is None:
            copy.unknown += 1
            continue
        row = session.scalars(
            select(FaceTemplate).where(
                FaceTemplate.employee_id == employee_id,
                FaceTemplate.bio_type == face.bio_type,
                FaceTemplate.no == face.no,
                FaceTemplate.index == face.index,
            )
        ).one_or_none()
        if row is not None:
            copy.differs += reveal(session, FACE_TEMPLATE, employee_id, row.template) != _b64(face.template)
            continue
        session.add(
            FaceTemplate(
                employee_id=employee_id, bio_type=face.bio_type, no=face.no, index=face.index, valid=face.valid,
                duress=face.duress, major_ver=face.major_ver, minor_ver=face.minor_ver, format=face.format,
                template=seal_for(session, FACE_TEMPLATE, employee_id, _b64(face.template)),
                source_device_sn=device_sn, stored_at=utcnow(),
            )
        )  # fmt: skip
        session.flush()
        copy.stored += 1
    return copy


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def queue_faces_for_push(
    factory: sessionmaker[Session], office: cfg.Office, device: cfg.Device, actor: str, now: datetime
) -> TemplateCopy:
    """Queue `DATA UPDATE BIODATA …Type=9…` for the stored faces of the office's current employees to the
    push terminal, for each badge it has a user for (`device_users`), unless the face came from it or a
    command for that face was queued to it before (whatever its Return code, kept in the command's result:
    a terminal that refused a face is not asked again each pass). When the terminal's INFO reports a
    `FaceVersion`, only faces of that MajorVer are queued (`other_algorithm` counts the rest). The command
    holds `Tmp=@face_templates:<id>`, opened at hand-over like a finger's."""
    copy = TemplateCopy(device.label)
    with factory() as session, session.begin():
        target = _push_target(session, office, device, now, copy)
        if target is None:
            return copy
        sn, employee_of, users = target
        asked = set(
            session.scalars(
                select(PushCommand.command).where(
                    PushCommand.device_sn == sn, PushCommand.command.contains(f"\tTmp={FACE_REF}")
                )
            )
        )
        info = session.get(PushDeviceInfo, sn)
        version = json.loads(info.info).get("FaceVersion", "").strip() if info is not None else ""
        faces = session.scalars(
            select(FaceTemplate)
            .where(FaceTemplate.employee_id.in_(set(employee_of.values())))
            .order_by(FaceTemplate.id)
        ).all()
        queued: list[str] = []
        for pin, employee_id in sorted(employee_of.items()):
            for face in (f for f in faces if f.employee_id == employee_id and f.source_device_sn != sn):
                command = biodata_command(
                    FaceBiodata(pin, face.no, face.index, face.valid, face.duress, face.bio_type, face.major_ver,
                                face.minor_ver, face.format, b""), f"{FACE_REF}{face.id}")  # fmt: skip
                if command in asked:
                    continue
                if pin not in users:
                    copy.no_user += [] if pin in copy.no_user else [pin]
                    continue
                if version and version != face.major_ver:
                    copy.other_algorithm += 1
                    continue
                enqueue_in(session, sn, command)
                queued.append(f"{pin}:face{face.no}.{face.index}")
        copy.written = len(queued)
        if queued:
            append_audit(session, actor, "terminal.faces.write", f"device:{device.label}", None,
                         {"faces": queued, "queued": True})  # fmt: skip
    return copy
