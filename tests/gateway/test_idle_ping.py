"""PostgreSQL pooled connections are pinged before use only after idling (`gateway.store.engine._ping_when_idle`).

The server end of a pooled connection is ended by another session (`pg_terminate_backend`, what a server restart
does to every connection). After an idle spell the checkout notices, replaces the pool, and the statement runs;
right after use it does not ping, so that one statement fails as a disconnect and the next checkout is served.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

import gateway.store.engine as store_engine
from gateway.store import make_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr(store_engine, "PING_AFTER_IDLE_S", 0.2)
    engine = make_engine(pg_url, pool_size=1)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _end_backend(pg_url: str, pid: int) -> None:
    other = make_engine(pg_url)
    with other.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one() is True
    other.dispose()
    time.sleep(0.05)  # the server closes the socket after answering


def test_a_connection_ended_while_idle_is_replaced_at_checkout_and_the_statement_runs(
    engine: Engine, pg_url: str
) -> None:
    first = _backend_pid(engine)
    _end_backend(pg_url, first)
    time.sleep(0.3)  # longer than PING_AFTER_IDLE_S: the checkout pings

    assert _backend_pid(engine) != first


def test_a_connection_used_a_moment_ago_is_not_pinged_so_one_statement_fails_and_the_next_is_served(
    engine: Engine, pg_url: str
) -> None:
    first = _backend_pid(engine)
    _end_backend(pg_url, first)  # within PING_AFTER_IDLE_S of its last use

    with pytest.raises(OperationalError) as failed:
        _backend_pid(engine)
    assert failed.value.connection_invalidated

    assert _backend_pid(engine) != first


def test_a_connection_used_a_moment_ago_costs_no_ping(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", pings.append)
    _backend_pid(engine)

    _backend_pid(engine)
    assert pings == []
    time.sleep(0.3)
    _backend_pid(engine)
    assert len(pings) == 1
