"""Backup and restore of the whole database, one file each, verified before anything is replaced.

A backup file is an uncompressed tar (mode 0600) of two members:

- `manifest.json`: format version, when, database kind, schema revision(s), the row count of every
  table, the audit log's row count and head hash, and the dump's name, size and SHA-256;
- the dump: for SQLite a copy of the database made with SQLite's online backup API (consistent
  while the gateway goes on writing: WAL readers do not block writers); for PostgreSQL a
  `pg_dump --format=custom` taken on a snapshot exported from the same transaction that counted
  the rows, so the manifest describes exactly what the dump holds.

The key file is NOT in a backup: the backup's bank account and ID numbers are sealed and its audit
chain is keyed with it, so it is kept apart, and a restore needs the key file of the backed-up
database (or a later one: rotation keeps older keys).

Restore refuses a file whose format, digest, database kind or schema is wrong, checks the restored
rows against the manifest and the audit chain with `gateway.access.audit.verify_chain`, and never
silently replaces data: a database holding rows is replaced only with `force`, after a safety
backup of it. SQLite is checked on the extracted copy before the target is touched; PostgreSQL is
checked after `pg_restore --single-transaction`, and put back (from the safety backup, or emptied
when it was empty) if the check fails.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, func, inspect, make_url, select, table, text
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit, verify_chain
from gateway.access.keys import SESSION_INFO_KEY, KeyRing
from gateway.errors import GatewayError
from gateway.store import AuditLog, alembic_config, make_engine
from gateway.store.engine import sqlite_path

log = logging.getLogger(__name__)

FORMAT = "punchclock-backup/1"
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
_CHUNK = 1 << 20


class BackupError(GatewayError):
    """A backup cannot be written or restored; the message names the file or database and what to do."""


@dataclass(frozen=True)
class Manifest:
    format: str
    created_at: str
    database: str
    schema_revision: list[str]
    tables: dict[str, int]
    audit_rows: int
    audit_head: str | None
    dump: str
    dump_bytes: int
    dump_sha256: str

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode("utf-8")


@dataclass(frozen=True)
class Snapshot:
    """What a database holds, as the manifest records it and a restore checks it."""

    schema_revision: list[str]
    tables: dict[str, int]
    audit_rows: int
    audit_head: str | None


def database_kind(url: str) -> str:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgresql"


def snapshot_of(connection: Connection) -> Snapshot:
    """Row counts of every table (but Alembic's), the audit head and the schema revision(s)."""
    names = sorted(n for n in inspect(connection).get_table_names() if n != "alembic_version")
    counts = {name: connection.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}
    head = connection.scalar(select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1))
    revisions = sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))
    return Snapshot(revisions, counts, counts.get("audit_log", 0), head)


def _chain_break(connection: Connection, keys: KeyRing) -> int | None:
    with Session(bind=connection, info={SESSION_INFO_KEY: keys}) as session:
        return verify_chain(session)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def _private_dir(near: Path) -> Iterator[Path]:
    """A scratch folder (mode 0700) beside `near`, removed afterwards: dumps never land in /tmp."""
    folder = Path(tempfile.mkdtemp(prefix=".punchclock-backup-", dir=near))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy the database `source` into `target` page by page with SQLite's online backup API."""
    if not target.exists():
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@contextmanager
def _read_only(path: Path) -> Iterator[Connection]:
    """A read-only connection to the SQLite file `path` (checking a dump never changes it)."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


# ---------------------------------------------------------------- PostgreSQL tools


def _pg_tool(name: str) -> str:
    """`pg_dump` / `pg_restore`: on the PATH, else the newest in Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: [int(part) for part in p.parts[-3].split(".") if part.isdigit()],
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"{name} was not found: install the PostgreSQL client tools of the server's major version or newer "
        "(Debian/Ubuntu: apt-get install postgresql-client) so that it is on the PATH"
    )


def _pg_env(url: str) -> dict[str, str]:
    """libpq's environment for `url`: the password travels in PGPASSWORD, never on a command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", parsed.port),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if value is not None:
            env[var] = str(value)
    return env


def _run_pg(args: list[str], url: str, what: str) -> None:
    result = subprocess.run(args, env=_pg_env(url), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
        raise BackupError(f"{what} failed: {detail}")


# ---------------------------------------------------------------- backup


def _write_archive(out: Path, manifest: Manifest, dump: Path, guard: Guard | None) -> None:
    """The tar file at `out` (0600), written beside it under a temporary name and renamed when complete (after
    `guard`, which may still refuse it)."""
    partial = out.with_name(f".{out.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
                body = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(datetime.now(UTC).timestamp())
                archive.addfile(info, io.BytesIO(body))
                archive.add(dump, arcname=manifest.dump, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        if out.exists():
            raise BackupError(f"{out} already exists: choose another --out file (a backup never overwrites one)")
        if guard is not None:
            guard()
        os.rename(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _manifest(kind: str, snapshot: Snapshot, dump: Path) -> Manifest:
    return Manifest(
        format=FORMAT,
        created_at=_now(),
        database=kind,
        schema_revision=snapshot.schema_revision,
        tables=snapshot.tables,
        audit_rows=snapshot.audit_rows,
        audit_head=snapshot.audit_head,
        dump=DUMPS[kind],
        dump_bytes=dump.stat().st_size,
        dump_sha256=_sha256(dump),
    )


#: Called after the dump and again just before the finished file gets its name; raises `BackupError` to stop the
#: backup with nothing left behind (the scheduled backups: the backup lock was lost meanwhile).
Guard = Callable[[], None]


def create_backup(url: str, out: Path, guard: Guard | None = None) -> Manifest:
    """Write a backup of the database at `url` to the new file `out` (mode 0600); returns its manifest."""
    if out.exists():
        raise BackupError(f"{out} already exists: choose another --out file (a backup never overwrites one)")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a folder: create it or choose another --out file")
    kind = database_kind(url)
    with _private_dir(out.parent) as scratch:
        dump = scratch / DUMPS[kind]
        if kind == "sqlite":
            source = sqlite_path(url)
            if source is None or not source.exists():
                raise BackupError(f"there is no SQLite database at {url}: check [database] url")
            _sqlite_copy(source, dump)
            copy = sqlite3.connect(dump)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            copy.close()
            with _read_only(dump) as connection:
                snapshot = snapshot_of(connection)
        else:
            snapshot = _pg_dump(url, dump)
        if guard is not None:
            guard()
        manifest = _manifest(kind, snapshot, dump)
        _write_archive(out, manifest, dump, guard)
    log.info("backup of %s written to %s (%d bytes)", kind, out, manifest.dump_bytes)
    return manifest


def _pg_dump(url: str, dump: Path) -> Snapshot:
    """pg_dump on the snapshot of the transaction that counts the rows (so both describe the same instant)."""
    tool = _pg_tool("pg_dump")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                exported = connection.scalar(text("SELECT pg_export_snapshot()"))
                snapshot = snapshot_of(connection)
                _run_pg(
                    [tool, "--format=custom", f"--snapshot={exported}", f"--file={dump}", "--no-owner"],
                    url,
                    "pg_dump",
                )
    finally:
        engine.dispose()
    return snapshot


# ---------------------------------------------------------------- restore


def read_backup(source: Path, scratch: Path) -> tuple[Manifest, Path]:
    """The manifest and the dump extracted into `scratch`, once the dump's size and SHA-256 match the manifest."""
    try:
        with tarfile.open(source, mode="r:") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            raw = json.loads(member.read())
            if raw.get("format") != FORMAT:
                raise BackupError(f"{source}: backup format {raw.get('format')!r} is not {FORMAT!r}")
            manifest = Manifest(**raw)
            dump = scratch / Path(manifest.dump).name
            data = archive.extractfile(manifest.dump)
            if data is None:
                raise KeyError(manifest.dump)
            with data, dump.open("wb") as copy:
                shutil.copyfileobj(data, copy, _CHUNK)
    except (tarfile.TarError, KeyError, json.JSONDecodeError, TypeError, OSError) as error:
        raise BackupError(
            f"{source} is not a readable punchclock backup ({type(error).__name__}: {error}): "
            "use a file written by `punchclock db backup`"
        ) from None
    digest = _sha256(dump)
    if digest != manifest.dump_sha256 or dump.stat().st_size != manifest.dump_bytes:
        raise BackupError(
            f"{source}: the database dump's SHA-256 is {digest}, the manifest says {manifest.dump_sha256}: the file "
            "is damaged or was altered; restore another backup"
        )
    return manifest, dump


def _check(connection: Connection, manifest: Manifest, keys: KeyRing, source: Path) -> None:
    """The restored rows are those the manifest counted and the audit chain verifies, or `BackupError`."""
    found = snapshot_of(connection)
    expected = Snapshot(manifest.schema_revision, manifest.tables, manifest.audit_rows, manifest.audit_head)
    if found != expected:
        differ = [
            name
            for name in sorted(set(found.tables) | set(expected.tables))
            if found.tables.get(name) != expected.tables.get(name)
        ]
        raise BackupError(
            f"{source}: the restored database does not match the manifest (tables {', '.join(differ) or 'none'} differ"
            f"{', audit head differs' if found.audit_head != expected.audit_head else ''}): restore another backup"
        )
    broken = _chain_break(connection, keys)
    if broken is not None:
        raise BackupError(
            f"{source}: the audit chain of the backed-up database is broken at row {broken} (edited, or a row before "
            "it deleted): restore another backup, or the key file this database was written with"
        )


def _known_revisions(url: str) -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}


def _target_rows(url: str) -> int:
    """Rows in the target database now (0 for a missing or empty one)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return 0
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return (
                sum(snapshot_of(connection).tables.values()) if inspect(connection).has_table("alembic_version") else 0
            )
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    safety_backup: Path | None


def restore_backup(url: str, source: Path, keys: KeyRing, *, force: bool, safety_dir: Path, actor: str) -> Restored:
    """Replace the database at `url` with the backup `source` (see the module docstring for the checks)."""
    kind = database_kind(url)
    with _private_dir(safety_dir) as scratch:
        manifest, dump = read_backup(source, scratch)
        if manifest.database != kind:
            raise BackupError(
                f"{source} is a backup of a {manifest.database} database, and [database] url is {kind}: restore it "
                f"into a {manifest.database} database"
            )
        unknown = sorted(set(manifest.schema_revision) - _known_revisions(url))
        if unknown:
            raise BackupError(
                f"{source} has schema revision {', '.join(unknown)}, which this punchclock does not know: it was made "
                "by a newer version; install that version (or newer) to restore it"
            )
        if kind == "sqlite":
            with _read_only(dump) as connection:
                _check(connection, manifest, keys, source)
        rows = _target_rows(url)
        safety = None
        if rows:
            if not force:
                raise BackupError(
                    f"the database at {url} holds {rows} rows, which the restore would replace: run again with --force "
                    f"(a safety backup of the current database is written to {safety_dir} first)"
                )
            safety = safety_dir / f"punchclock-before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}.backup"
            create_backup(url, safety)
        if kind == "sqlite":
            target = sqlite_path(url)
            assert target is not None
            _sqlite_copy(dump, target)
        else:
            _pg_restore(url, dump, manifest, keys, source, safety)
    after = {**summary(manifest), "safety_backup": None if safety is None else str(safety)}
    audit(url, keys, actor, "backup.restore", f"backup:{source.name}", after)
    log.info("database %s restored from %s", kind, source)
    return Restored(manifest, safety)


def _pg_restore(url: str, dump: Path, manifest: Manifest, keys: KeyRing, source: Path, safety: Path | None) -> None:
    tool = _pg_tool("pg_restore")
    database = make_url(url).database or ""
    args = [tool, "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    _run_pg([*args, f"--dbname={database}", str(dump)], url, "pg_restore")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _check(connection, manifest, keys, source)
    except BackupError as error:
        if safety is not None:
            with tempfile.TemporaryDirectory(dir=safety.parent) as folder:
                _safety_manifest, safety_dump = read_backup(safety, Path(folder))
                _run_pg([*args, f"--dbname={database}", str(safety_dump)], url, "pg_restore of the safety backup")
            raise BackupError(f"{error}; the database was put back from the safety backup {safety}") from None
        with engine.begin() as connection:
            for name in [*manifest.tables, "alembic_version"]:
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        raise BackupError(f"{error}; the database was emptied again") from None
    finally:
        engine.dispose()


def audit(url: str, keys: KeyRing, actor: str, action: str, target: str, after: dict[str, object]) -> None:
    """One audit row in the database at `url`, in its own transaction (after the backup or restore it records)."""
    engine = make_engine(url)
    try:
        with Session(bind=engine, info={SESSION_INFO_KEY: keys}) as session, session.begin():
            append_audit(session, actor, action, target, None, after)
    finally:
        engine.dispose()


def summary(manifest: Manifest) -> dict[str, object]:
    """What the audit log records of a backup: when, how much, and its digest."""
    return {
        "created_at": manifest.created_at,
        "rows": sum(manifest.tables.values()),
        "dump_bytes": manifest.dump_bytes,
        "dump_sha256": manifest.dump_sha256,
    }
