"""Engines, sessions and schema upgrades for the store (SQLite with WAL, or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    WAL lets the API read while the poller writes; the busy timeout makes concurrent writers (poller
    threads, push receiver) queue instead of failing with "database is locked". `synchronous` stays
    at SQLite's default FULL: a device is cleared right after our commit, so the commit must survive
    a power cut, not only a process crash.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine, **info: object) -> sessionmaker[Session]:
    """Sessions on `engine`, each carrying `info` (`session.info`) for the code above the store.

    The store does not look at it: the key ring (`keys=`) and the audit anchor file (`anchor_file=`)
    travel this way to `gateway.access.keys.keys_of(session)` and `gateway.access.anchors`.
    """
    return sessionmaker(engine, expire_on_commit=False, info={k: v for k, v in info.items() if v is not None})


def alembic_config(url: str) -> AlembicConfig:
    """The Alembic config for the migrations shipped inside this package (no alembic.ini needed)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to `revision` (default: every head, so that migrations added by
    separate features on the same parent all apply until someone merges them)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
