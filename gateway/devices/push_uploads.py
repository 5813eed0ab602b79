"""What ADMS terminals upload besides punches, stored once each: photos, operation logs, enrolments, INFO.

- ATTPHOTO (`store_photo`): the JPEG with the punch's PIN and time from its file name, so the punch
  `(device_sn, pin, ts_local)` finds its photo (`photos_of_punch`). `(device_sn, file_name)` is UNIQUE:
  a re-sent upload adds nothing.
- OPERLOG / USERINFO (`store_operlog`): every line in `push_operlog` (UNIQUE per line's SHA-256, so a
  re-sent upload adds nothing), and each USER line as the terminal's enrolment of that PIN in
  `push_enrolments` (the latest name, card and privilege win; `first_seen` stays). FP lines and BIODATA
  lines (`table=BIODATA`, or in OPERLOG) are kept as operation-log lines with their template cut out; a
  finger's template is stored in the same transaction by `gateway.devices.templates.store_uploaded`
  (sealed, first wins; a badge of no current employee is counted and logged, never stored), a visible-light
  face's (Type 9) by `store_uploaded_faces` the same way. Other BIODATA types are not stored as templates.
- INFO (`store_info`): the terminal's `key=value` answer as JSON, and its firmware and user/record
  counts copied onto the device (`FWVersion`, `UserCount`, `TransactionCount`), where health shows them.

Each function is one transaction; the receiver answers the terminal only after it returned.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer, sessionmaker

from drivers.zk_push import BIO_TYPE_FACE, BIO_TYPE_FINGER, AttPhoto, OperLine
from gateway.devices.templates import store_uploaded, store_uploaded_faces
from gateway.store import Device, PushDeviceInfo, PushEnrolment, PushOperLog, PushPhoto, utcnow

log = logging.getLogger(__name__)


def _insert(session: Session):  # the dialect's insert (two types), for ON CONFLICT
    return sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert


def store_photo(factory: sessionmaker[Session], device_sn: str, photo: AttPhoto) -> bool:
    """Store the photo unless this terminal sent that file already; True when it was new."""
    row = {
        "device_sn": device_sn,
        "file_name": photo.file_name,
        "pin": photo.pin,
        "ts_local": photo.ts_local,
        "size": len(photo.jpeg),
        "jpeg": photo.jpeg,
        "received_at": utcnow(),
    }
    with factory() as session, session.begin():
        statement = _insert(session)(PushPhoto).on_conflict_do_nothing(index_elements=["device_sn", "file_name"])
        return bool(session.execute(statement.returning(PushPhoto.id), [row]).all())


def store_operlog(factory: sessionmaker[Session], device_sn: str, table: str, lines: Sequence[OperLine]) -> int:
    """Store the lines not stored yet and the enrolments they report; returns how many lines were new."""
    now = utcnow()
    rows = [
        {
            "device_sn": device_sn,
            "table_name": table[:16],
            "kind": line.kind,
            "pin": line.pin,
            "op_code": line.op_code,
            "ts_local": line.ts_local,
            "line": line.line[: PushOperLog.LINE_KEPT],
            "line_sha256": hashlib.sha256(line.line.encode("utf-8", "surrogatepass")).hexdigest(),
            "received_at": now,
        }
        for line in lines
    ]
    with factory() as session, session.begin():
        insert = _insert(session)
        new = 0
        if rows:
            statement = insert(PushOperLog).on_conflict_do_nothing(index_elements=["device_sn", "line_sha256"])
            new = len(session.execute(statement.returning(PushOperLog.id), rows).all())
        for line in lines:
            if line.enrolment is None:
                continue
            user = line.enrolment
            values = {"name": user.name, "card": user.card, "privilege": user.privilege, "source": table[:16]}
            statement = insert(PushEnrolment).values(device_sn=device_sn, pin=user.pin, first_seen=now, last_seen=now,
                                                     **values)  # fmt: skip
            session.execute(
                statement.on_conflict_do_update(index_elements=["device_sn", "pin"], set_={**values, "last_seen": now})
            )
        fingers = [line.template for line in lines if line.template is not None]
        if fingers:
            copy = store_uploaded(session, device_sn, fingers, datetime.now(UTC))
            log.info("terminal %s uploaded %d finger template(s): %d stored, %d differ from the stored ones, "
                     "%d of badges no current employee of its office has (not stored)", device_sn, copy.read,
                     copy.stored, copy.differs, copy.unknown)  # fmt: skip
        faces = [line.face for line in lines if line.face is not None]
        if faces:
            copy = store_uploaded_faces(session, device_sn, faces, datetime.now(UTC))
            log.info("terminal %s uploaded %d face template(s): %d stored, %d differ from the stored ones, "
                     "%d of badges no current employee of its office has (not stored)", device_sn, copy.read,
                     copy.stored, copy.differs, copy.unknown)  # fmt: skip
        others = sorted(
            {line.bio_type for line in lines if line.bio_type not in (None, BIO_TYPE_FINGER, BIO_TYPE_FACE)}
        )
        if others:
            log.info("terminal %s uploaded BIODATA of type(s) %s: kept as operation-log lines, not stored as "
                     "templates", device_sn, others)  # fmt: skip
        return new


def store_info(factory: sessionmaker[Session], device_sn: str, info: dict[str, str]) -> None:
    """Keep the terminal's INFO answer and copy its firmware and counts onto the device."""
    now = utcnow()
    with factory() as session, session.begin():
        statement = _insert(session)(PushDeviceInfo).values(device_sn=device_sn, info=json.dumps(info), reported_at=now)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["device_sn"], set_={"info": statement.excluded.info, "reported_at": now}
            )
        )
        changes: dict[str, object] = {}
        if info.get("FWVersion"):
            changes["firmware"] = info["FWVersion"][:100]
        for key, column in (("UserCount", "user_count"), ("TransactionCount", "record_count")):
            if info.get(key, "").isdigit():
                changes[column] = int(info[key])
        if changes:
            session.execute(update(Device).where(Device.sn == device_sn).values(**changes))


def info_of(session: Session, device_sn: str | None) -> tuple[dict[str, str], datetime] | None:
    """The terminal's last INFO answer and when it came, or None."""
    row = session.get(PushDeviceInfo, device_sn) if device_sn else None
    return (json.loads(row.info), row.reported_at) if row is not None else None


def photos_of_punch(session: Session, device_sn: str, pin: str, ts_local: datetime) -> list[PushPhoto]:
    return list(
        session.scalars(
            select(PushPhoto).where(
                PushPhoto.device_sn == device_sn, PushPhoto.pin == pin, PushPhoto.ts_local == ts_local
            )
        )
    )


def list_photos(session: Session, device_sn: str, limit: int, before_id: int | None) -> list[PushPhoto]:
    """A terminal's photos, newest first (the JPEG bytes are deferred: only what a list shows is read)."""
    query = select(PushPhoto).options(defer(PushPhoto.jpeg)).where(PushPhoto.device_sn == device_sn)
    if before_id is not None:
        query = query.where(PushPhoto.id < before_id)
    return list(session.scalars(query.order_by(PushPhoto.id.desc()).limit(limit)))


def list_operlog(session: Session, device_sn: str, limit: int, before_id: int | None) -> list[PushOperLog]:
    query = select(PushOperLog).where(PushOperLog.device_sn == device_sn)
    if before_id is not None:
        query = query.where(PushOperLog.id < before_id)
    return list(session.scalars(query.order_by(PushOperLog.id.desc()).limit(limit)))


def list_enrolments(session: Session, device_sn: str | None = None, pins: Sequence[str] = ()) -> list[PushEnrolment]:
    """Enrolments done at terminals, by terminal and pin; `device_sn` or `pins` narrow them."""
    query = select(PushEnrolment).order_by(PushEnrolment.device_sn, PushEnrolment.pin)
    if device_sn is not None:
        query = query.where(PushEnrolment.device_sn == device_sn)
    if pins:
        query = query.where(PushEnrolment.pin.in_(list(pins)))
    return list(session.scalars(query))
