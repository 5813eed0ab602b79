"""Reads on the event loop itself, for the hot routes: a payslip, the payslip listing, the punch listing.

Why: an endpoint's work in the thread pool costs far more than the work. Measured in-process on PostgreSQL with
25 requests in flight, `GET /payslips/{id}` cost 1.10 ms of CPU through the pool and 0.36 ms with the same two
selects awaited on the loop (`/health`, itself a pool call, 0.29 ms): with the pool, the loop and the threads pass
the GIL back and forth on every request, and that cost grows with the requests in flight (0.73 ms with one).

The app makes its reader on the loop that serves it, at its start (`open_loop_reader`, from the lifespan), so a
uvicorn worker has one:

- PostgreSQL: psycopg's async connections from a small pool (`psycopg_pool`, `LOOP_POOL_SIZE`), in AUTOCOMMIT
  like `api.db.read_each`, made with the connect arguments of the engine's dialect, so that values load as the
  engine's connections load them.
- SQLite (a database file): one connection of the loop's own, `query_only`, with no busy timeout. A read of a
  few indexed rows takes microseconds; one that would wait for a lock fails at once instead of holding the loop.
- An in-memory SQLite database, or anything else: no reader.

A route tries its loop path first; `OffLoop` sends the request to its thread-pool path, which can do everything:
there is no reader, the loop's connection failed (a server restart: the pool replaces it), the pool had no free
connection within `LOOP_POOL_TIMEOUT_S`, SQLite was busy, a login's `last_seen_at` is due to be written, a
document must be built. The loop path only ever reads, so running the request again on the threads is safe.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

import psycopg
from fastapi import FastAPI, Request
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Dialect, Engine

from gateway.store import DriverSelect
from gateway.store.engine import sqlite_path

LOOP_POOL_SIZE = 4
"""PostgreSQL connections each API process (each uvicorn worker) keeps for its loop's reads, beside its
`[api] db_pool_size`. A hot read holds one for two round trips, so a few serve every request in flight."""

LOOP_POOL_TIMEOUT_S = 0.5
"""How long a loop read waits for one of them before the request goes to the thread pool instead."""


LOOP_APPLICATION_NAME = "punchclock loop reads"
"""How they are named in PostgreSQL's `pg_stat_activity`."""


class OffLoop(Exception):
    """This request cannot be answered on the loop: run the route's thread-pool path."""


class Reads(Protocol):
    """Statements run on the loop for one request, on one connection."""

    async def first(self, statement: DriverSelect, params: Mapping[str, Any]) -> Any:
        """`statement`'s first row for `params`, or None."""

    async def all(self, statement: DriverSelect, params: Mapping[str, Any]) -> list[Any]:
        """Every row of `statement` for `params`."""


class Reader(Protocol):
    """Where a process's loop reads come from: a PostgreSQL pool or a SQLite connection."""

    async def open(self) -> None: ...

    def reads(self) -> AbstractAsyncContextManager[Reads]:
        """`Reads` on one connection, for one request; `OffLoop` when it cannot be had or fails."""
        ...

    async def close(self) -> None: ...


class _PostgresReads:
    def __init__(self, connection: psycopg.AsyncConnection[Any], dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    async def first(self, statement: DriverSelect, params: Mapping[str, Any]) -> Any:
        rows = await self._rows(statement, params, many=False)
        return rows[0] if rows else None

    async def all(self, statement: DriverSelect, params: Mapping[str, Any]) -> list[Any]:
        return await self._rows(statement, params, many=True)

    async def _rows(self, statement: DriverSelect, params: Mapping[str, Any], many: bool) -> list[Any]:
        sql, arguments = statement.statement_for(self._dialect, params)
        cursor = await self._connection.execute(sql, arguments)
        if many:
            rows = await cursor.fetchall()
        else:
            row = await cursor.fetchone()
            rows = [] if row is None else [row]
        return statement.loaded(self._dialect, rows)


class _PostgresReader:
    """A pool of async connections, connecting in the background from the app's start."""

    def __init__(self, engine: Engine) -> None:
        self._dialect = engine.dialect
        _args, connect = engine.dialect.create_connect_args(engine.url)
        named = {"application_name": LOOP_APPLICATION_NAME, **connect}  # a name in the URL wins
        self._pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            "", kwargs={**named, "autocommit": True}, min_size=1, max_size=LOOP_POOL_SIZE, open=False
        )

    async def open(self) -> None:
        await self._pool.open(wait=False)  # a server that is down does not stop the API from starting

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[Reads]:
        try:
            async with self._pool.connection(timeout=LOOP_POOL_TIMEOUT_S) as connection:
                yield _PostgresReads(connection, self._dialect)
        except (psycopg.OperationalError, PoolTimeout) as error:
            raise OffLoop from error

    async def close(self) -> None:
        await self._pool.close()


class _SqliteReads:
    def __init__(self, connection: sqlite3.Connection, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    async def first(self, statement: DriverSelect, params: Mapping[str, Any]) -> Any:
        sql, arguments = statement.statement_for(self._dialect, params)
        row = self._connection.execute(sql, arguments).fetchone()
        return None if row is None else statement.loaded(self._dialect, [row])[0]

    async def all(self, statement: DriverSelect, params: Mapping[str, Any]) -> list[Any]:
        sql, arguments = statement.statement_for(self._dialect, params)
        return statement.loaded(self._dialect, self._connection.execute(sql, arguments).fetchall())


class _SqliteReader:
    """One read-only connection to the database file, used only on the loop's thread."""

    def __init__(self, engine: Engine, path: str) -> None:
        self._dialect = engine.dialect
        self._connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        self._connection.execute("PRAGMA query_only=ON")
        self._connection.execute("PRAGMA cache_size=-65536")

    async def open(self) -> None:
        return

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[Reads]:
        try:
            yield _SqliteReads(self._connection, self._dialect)
        except sqlite3.OperationalError as error:  # busy, locked: never wait on the loop
            raise OffLoop from error

    async def close(self) -> None:
        self._connection.close()


def reader_for(engine: Engine) -> Reader | None:
    """The loop reader for `engine`'s database, unopened; None where there is none (an in-memory SQLite database)."""
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        return _PostgresReader(engine)
    if engine.dialect.name == "sqlite":
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        return None if path is None else _SqliteReader(engine, str(path))
    return None


async def open_loop_reader(app: FastAPI) -> None:
    """Make and open the app's reader, on the loop that serves it (the app's start: its lifespan). Without it
    (a test client used outside `with`, which runs each request on a loop of its own) every request takes
    the thread pool."""
    engine = app.state.settings.session_factory.kw.get("bind")
    reader = reader_for(engine) if isinstance(engine, Engine) else None
    if reader is not None:
        await reader.open()
    app.state.loop_reader = reader


async def close_loop_reader(app: FastAPI) -> None:
    """Close the app's reader (the app's shutdown)."""
    reader: Reader | None = getattr(app.state, "loop_reader", None)
    app.state.loop_reader = None
    if reader is not None:
        await reader.close()


@asynccontextmanager
async def loop_reads(request: Request) -> AsyncIterator[Reads]:
    """Reads on the running loop for one request (`OffLoop` without a reader, or when they fail)."""
    reader: Reader | None = getattr(request.app.state, "loop_reader", None)
    if reader is None:
        raise OffLoop
    async with reader.reads() as reads:
        yield reads
