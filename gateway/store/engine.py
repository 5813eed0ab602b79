"""Engines, sessions and schema upgrades for the store (SQLite with WAL, or PostgreSQL)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VAULT_ATTRIBUTE = "vault"


class Sealer(Protocol):
    """What a migration needs to encrypt a value (`gateway.access.vault.Vault`; the store knows no keys)."""

    def seal(self, plaintext: str, context: str) -> str: ...


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite `url` (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _create_private(path: Path) -> None:
    """Create an empty database file with mode 0600; SQLite gives its -wal and -shm files the same mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def make_engine(
    url: str, *, pool_size: int | None = None, pool_timeout_s: float | None = None, **kwargs: object
) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    `pool_size` caps the connections the engine opens (no overflow beyond it, so a process's share of
    PostgreSQL's `max_connections` is known) and `pool_timeout_s` is how long a checkout waits for a free
    one before `sqlalchemy.exc.TimeoutError` (the API answers 503); both default to SQLAlchemy's (5 + 10
    overflow, 30 s). An in-memory SQLite database has one connection per thread and takes neither.

    WAL lets the API read while the poller writes; the busy timeout makes concurrent writers (poller
    threads, push receiver) queue instead of failing with "database is locked". `synchronous` stays
    at SQLite's default FULL: a device is cleared right after our commit, so the commit must survive
    a power cut, not only a process crash. A new database file is created readable by its owner only
    (0600), and `secure_delete` overwrites deleted and replaced content with zeros, so a value that
    was once stored in clear (before migration 0006 sealed it) does not linger in free pages.
    """
    if not url.startswith("sqlite") or sqlite_path(url) is not None:  # a QueuePool
        if pool_size is not None:
            kwargs = {"pool_size": pool_size, "max_overflow": 0, **kwargs}
        if pool_timeout_s is not None:
            kwargs = {"pool_timeout": pool_timeout_s, **kwargs}
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and path.parent.is_dir():
            _create_private(path)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle longer than this is checked (`SELECT 1`) before it is handed out."""


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle longer than `PING_AFTER_IDLE_S`.

    SQLAlchemy's `pool_pre_ping` checks at every checkout: one more round trip to the server per request
    (0.66 → 0.57 ms of CPU for a payslip by id without it, measured in-process). A connection that answered
    a moment ago is broken only if the server went away within that moment (a restart), and then the
    statement fails and SQLAlchemy's disconnect handling replaces the pool; one that idled longer (the server
    restarted, a firewall dropped it) is pinged and, when the ping fails, the whole pool is replaced and the
    checkout connects anew. This is SQLAlchemy's documented checkout-event recipe for pessimistic disconnect
    handling, with an idle limit.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: object) -> None:
        idle_from = record.info.get("idle_from")  # none yet: connected for this checkout
        idle_s = time.monotonic() - idle_from if idle_from is not None else 0.0
        if idle_s <= PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise InvalidatePoolError(f"a pooled connection idle for {idle_s:.0f} s failed its ping") from error


def session_factory(engine: Engine, **info: object) -> sessionmaker[Session]:
    """Sessions on `engine`, each carrying `info` (`session.info`) for the code above the store.

    The store does not look at it: the key ring (`keys=`) and the audit anchor file (`anchor_file=`)
    travel this way to `gateway.access.keys.keys_of(session)` and `gateway.access.anchors`.
    """
    return sessionmaker(engine, expire_on_commit=False, info={k: v for k, v in info.items() if v is not None})


def autocommit_sessions(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions like `factory`'s whose statements each run on their own (AUTOCOMMIT), for reads that write
    nothing: on PostgreSQL that saves the BEGIN and ROLLBACK round trips a transaction costs around them.

    A unit of work that must see one snapshot or commit together keeps `factory`. On SQLite (and for an
    unbound factory) it is `factory` itself: there SQLAlchemy emulates the isolation level with a PRAGMA
    at each checkout and checkin, which cost more than the transaction it saved.
    """
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name == "sqlite":
        return factory
    options = {name: value for name, value in factory.kw.items() if name != "bind"}
    return sessionmaker(bind.execution_options(isolation_level="AUTOCOMMIT"), **options)


def alembic_config(url: str, vault: Sealer | None = None) -> AlembicConfig:
    """The Alembic config for the migrations shipped inside this package (no alembic.ini needed).

    `vault` reaches the migrations that encrypt existing values as `config.attributes["vault"]`.
    """
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig(attributes={VAULT_ATTRIBUTE: vault})
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads", *, vault: Sealer | None = None) -> None:
    """Bring the database at `url` to `revision` (default: every head, so that migrations added by
    separate features on the same parent all apply until someone merges them).

    `vault` seals values a migration starts encrypting (0006: bank account numbers already stored);
    without one such a migration refuses to run on a database that holds them, before changing anything.
    """
    from alembic import command

    command.upgrade(alembic_config(url, vault), revision)
