"""Exactly-once storage of raw punches.

The key `(device_sn, pin, ts_local)` is UNIQUE and every insert is `INSERT … ON CONFLICT DO NOTHING`,
so storing the same records again (a re-read log, a re-sent push, a gateway killed mid-batch and
restarted) never duplicates a punch and never fails. Each batch is one transaction; `ingest_punches`
returns only after the last one committed, which is what lets callers acknowledge a push or clear a
device afterwards. Keys already stored are skipped before normalization, so re-reading a whole log
costs one indexed range scan per batch instead of a write per record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.crashpoints import crashpoint
from gateway.devices.normalize import (
    NormalizeContext,
    PunchRow,
    UtcConverter,
    device_now_local,
    normalize_punches,
    unknown_pin_reason,
)
from gateway.errors import IngestError
from gateway.store import Badge, Device, Office, Punch, Quarantine

DEFAULT_BATCH_SIZE = 20_000
DEFAULT_FUTURE_TOLERANCE_S = 300
_punches = Punch.__table__
_COLUMNS = ", ".join(PunchRow._fields)
_ON_CONFLICT = "ON CONFLICT (device_sn, pin, ts_local) DO NOTHING"


@dataclass(frozen=True, slots=True)
class IngestResult:
    read: int
    new: int
    duplicate: int
    quarantined: int


def ingest_punches(
    session_factory: sessionmaker[Session],
    device_sn: str,
    punches: Sequence[RawPunch],
    *,
    source: str,
    office_tz: str | None = None,
    double_tap_window_s: int | None = None,
    clock_offset_s: int | None = None,
    future_tolerance_s: int = DEFAULT_FUTURE_TOLERANCE_S,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> IngestResult:
    """Store `punches` read from `device_sn`; idempotent, one transaction per `batch_size` punches.

    `office_tz`, `double_tap_window_s` and `clock_offset_s` default to what the store knows about the
    device (its office's zone and window, its last measured clock offset). `now` (naive UTC) is for
    tests. Unknown pins are stored and quarantined with the reason. `progress(done, total)` is called
    after each committed batch.
    """
    for index, punch in enumerate(punches):
        if punch.device_sn != device_sn:
            raise IngestError(
                f"punch #{index} (pin {punch.pin!r} at {punch.ts_local}) says device {punch.device_sn!r} "
                f"but is being stored for device {device_sn!r}: ingest each device's punches separately"
            )
    unique = sorted({(p.pin, p.ts_local): p for p in reversed(punches)}.values(), key=lambda p: p.ts_local)
    received_at = now or datetime.now(UTC).replace(tzinfo=None)
    with session_factory() as session:
        ctx, first_record = _context(
            session,
            device_sn,
            unique,
            source,
            office_tz,
            double_tap_window_s,
            clock_offset_s,
            future_tolerance_s,
            received_at,
        )
        if first_record is not None:
            session.execute(
                update(Device)
                .where(Device.sn == device_sn, Device.first_record_ts_local.is_(None))
                .values(first_record_ts_local=first_record)
            )
            session.commit()
    new = quarantined = 0
    for start in range(0, len(unique), batch_size):
        batch_new, batch_quarantined = _store_batch(session_factory, unique[start : start + batch_size], ctx)
        new += batch_new
        quarantined += batch_quarantined
        if progress is not None:
            progress(min(start + batch_size, len(unique)), len(unique))
    return IngestResult(read=len(punches), new=new, duplicate=len(punches) - new, quarantined=quarantined)


def _context(
    session: Session,
    device_sn: str,
    punches: Sequence[RawPunch],
    source: str,
    office_tz: str | None,
    double_tap_window_s: int | None,
    clock_offset_s: int | None,
    future_tolerance_s: int,
    received_at: datetime,
) -> tuple[NormalizeContext, datetime | None]:
    """The normalization context, and the first-record time to record if the device has none yet."""
    row = session.execute(
        select(Device, Office).outerjoin(Office, Device.office_id == Office.id).where(Device.sn == device_sn)
    ).first()
    device, office = (row[0], row[1]) if row else (None, None)
    zone_name = office_tz or (office.timezone if office else None)
    if zone_name is None:
        raise IngestError(
            f"no time zone for device {device_sn!r}: give the device an office in the config "
            "(devices[].office) or pass office_tz"
        )
    window = double_tap_window_s if double_tap_window_s is not None else (office.double_punch_window_s if office else 0)
    offset = clock_offset_s if clock_offset_s is not None else (device.clock_offset_s if device else None)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise IngestError(
            f"unknown IANA time zone {zone_name!r} for device {device_sn!r}: use a name such as 'Asia/Shanghai'"
        ) from None
    future_limit = device_now_local(received_at, zone, offset or 0) + timedelta(seconds=future_tolerance_s)
    badges = {
        (pin, sn): employee_id
        for pin, sn, employee_id in session.execute(
            select(Badge.pin, Badge.device_sn, Badge.employee_id).where(
                (Badge.device_sn == device_sn) | Badge.device_sn.is_(None)
            )
        )
    }
    first_known = device.first_record_ts_local if device else None
    ctx = NormalizeContext(
        device_sn=device_sn,
        to_utc=UtcConverter(zone),
        double_tap_window=timedelta(seconds=window),
        badges=badges,
        future_limit_local=future_limit,
        first_record_ts_local=first_known,
        source=source,
        received_at=received_at,
        direction=device.direction if device else "auto",
    )
    first_record = punches[0].ts_local if device is not None and first_known is None and punches else None
    return ctx, first_record


def _store_batch(factory: sessionmaker[Session], batch: Sequence[RawPunch], ctx: NormalizeContext) -> tuple[int, int]:
    """Insert one batch in one transaction; returns (newly inserted, newly quarantined)."""
    with factory() as session, session.begin():
        connection = session.connection()
        low, high = batch[0].ts_local - ctx.double_tap_window, batch[-1].ts_local
        stored = _stored_between(connection, ctx.device_sn, low, high)
        known = {(pin, ts) for pin, ts, _double in stored}
        fresh = [p for p in batch if (p.pin, p.ts_local) not in known]
        if not fresh:
            return 0, 0
        rows = normalize_punches(fresh, stored, ctx)
        inserted = _insert_rows(connection, rows)
        unknown = {(r.pin, r.ts_local) for r in rows if r.employee_id is None}
        quarantined = _quarantine_unknown(connection, ctx, unknown, low, high) if unknown else 0
        crashpoint("ingest.before_commit")
    return inserted, quarantined


def _insert_rows(connection: Connection, rows: list[PunchRow]) -> int:
    """`INSERT … ON CONFLICT DO NOTHING` of `rows`; returns how many were inserted.

    This is the hot path, so it bypasses SQLAlchemy's per-parameter processing:
    - SQLite: the driver's executemany. Datetimes are written as text in exactly SQLAlchemy's SQLite
      DATETIME storage format (`YYYY-MM-DD HH:MM:SS.ffffff`), which the ORM reads back and which the
      unique key compares (a test holds the ORM and this path to the same key).
    - PostgreSQL: COPY into a transaction-scoped temporary table, then one INSERT … SELECT, which is
      several times faster than executemany's round trips.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        received = rows[0].received_at.isoformat(" ", "microseconds")
        params = [
            (
                r.device_sn,
                r.pin,
                r.ts_local.isoformat(" ", "microseconds"),
                r.ts_utc.isoformat(" ", "microseconds"),
                r.status,
                r.punch_state,
                r.verify_mode,
                r.workcode,
                r.source,
                received,
                r.employee_id,
                r.flags,
                r.is_double_tap,
                r.direction,
            )
            for r in rows
        ]
        sql = f"INSERT INTO punches ({_COLUMNS}) VALUES ({', '.join('?' * len(PunchRow._fields))}) {_ON_CONFLICT}"
        return connection.exec_driver_sql(sql, params).rowcount
    if dialect == "postgresql":
        connection.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS punches_incoming ON COMMIT DELETE ROWS AS "
            f"SELECT {_COLUMNS} FROM punches WITH NO DATA"
        )
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY punches_incoming ({_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return connection.exec_driver_sql(
            f"INSERT INTO punches ({_COLUMNS}) SELECT {_COLUMNS} FROM punches_incoming {_ON_CONFLICT}"
        ).rowcount
    raise IngestError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")


def _quarantine_unknown(
    connection: Connection,
    ctx: NormalizeContext,
    unknown: set[tuple[str, datetime]],
    low: datetime,
    high: datetime,
) -> int:
    """Quarantine the rows this batch inserted for unknown pins (rows a concurrent writer inserted first
    carry its `received_at` and are quarantined by that writer)."""
    ids = [
        {"punch_id": punch_id, "reason": unknown_pin_reason(pin, ctx.device_sn), "created_at": ctx.received_at}
        for punch_id, pin, ts in connection.execute(
            select(_punches.c.id, _punches.c.pin, _punches.c.ts_local).where(
                _punches.c.device_sn == ctx.device_sn,
                _punches.c.ts_local.between(low, high),
                _punches.c.employee_id.is_(None),
                _punches.c.received_at == ctx.received_at,
            )
        )
        if (pin, ts) in unknown
    ]
    if not ids:
        return 0
    insert = sqlite.insert if connection.dialect.name == "sqlite" else postgresql.insert
    statement = insert(Quarantine).on_conflict_do_nothing(index_elements=["punch_id"]).returning(Quarantine.id)
    return len(connection.execute(statement, ids).all())


def _stored_between(
    connection: Connection, device_sn: str, low: datetime, high: datetime
) -> list[tuple[str, datetime, bool]]:
    return [
        (pin, ts, bool(double))
        for pin, ts, double in connection.execute(
            select(_punches.c.pin, _punches.c.ts_local, _punches.c.is_double_tap).where(
                _punches.c.device_sn == device_sn, _punches.c.ts_local.between(low, high)
            )
        )
    ]


def missing_keys(
    factory: sessionmaker[Session], device_sn: str, punches: Sequence[RawPunch]
) -> list[tuple[str, datetime]]:
    """Keys of `punches` that the database does not hold (sorted); empty means it is safe to clear the device."""
    if not punches:
        return []
    wanted = {(p.pin, p.ts_local) for p in punches}
    low = min(ts for _pin, ts in wanted)
    high = max(ts for _pin, ts in wanted)
    with factory() as session:
        held = {(pin, ts) for pin, ts, _double in _stored_between(session.connection(), device_sn, low, high)}
    return sorted(wanted - held, key=lambda key: (key[1], key[0]))


def remap_quarantine(session: Session, pin: str, employee_id: int, device_sn: str | None = None) -> int:
    """After a badge for `pin` is added: give its quarantined punches to `employee_id` and resolve them.

    `device_sn` limits the re-map to that device (a device-bound badge); None re-maps every device
    (a company-wide badge). Returns how many punches were re-mapped; the caller commits.
    """
    open_punch_ids = (
        select(Quarantine.punch_id)
        .join(Punch, Punch.id == Quarantine.punch_id)
        .where(Quarantine.resolved_at.is_(None), Punch.pin == pin, Punch.employee_id.is_(None))
    )
    if device_sn is not None:
        open_punch_ids = open_punch_ids.where(Punch.device_sn == device_sn)
    ids = list(session.scalars(open_punch_ids))
    if not ids:
        return 0
    resolved_at = datetime.now(UTC).replace(tzinfo=None)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(update(Punch).where(Punch.id.in_(chunk)).values(employee_id=employee_id))
        session.execute(
            update(Quarantine)
            .where(Quarantine.punch_id.in_(chunk), Quarantine.resolved_at.is_(None))
            .values(resolved_at=resolved_at)
        )
    return len(ids)
