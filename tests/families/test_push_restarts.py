"""50,000 punches pushed over real HTTP while the receiver restarts and fails around commits."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import iclock
from gateway.devices.ingest import ingest_punches
from gateway.store import Punch
from simulators.sample_punches import make_punches, make_users
from simulators.zk_push import PushTerminal

if TYPE_CHECKING:
    from conftest import RestartableServer

SN = "CQZ7224160001"
RECORDS = 50_000


@pytest.fixture
def server(
    factory: sessionmaker[Session], live_server: Callable[[FastAPI], RestartableServer]
) -> Iterator[RestartableServer]:
    app = FastAPI()
    iclock.mount(app, factory)
    rng = random.Random(11)

    def faulty_ingest(*args: object, **kwargs: object) -> object:
        roll = rng.random()
        if roll < 0.1:
            raise RuntimeError("died between receive and commit")
        result = ingest_punches(*args, **kwargs)  # type: ignore[arg-type]
        if roll < 0.2:
            raise RuntimeError("died after commit, before OK")
        return result

    app.dependency_overrides[iclock.get_ingest] = lambda: faulty_ingest
    yield live_server(app)


@pytest.mark.slow
def test_50000_punches_arrive_exactly_once_through_restarts_and_faults(
    server: RestartableServer, factory: sessionmaker[Session]
) -> None:
    terminal = PushTerminal(
        f"http://127.0.0.1:{server.port}",
        SN,
        users=100,
        records=RECORDS,
        seed=9,
        batch_size=1000,
        timeout=5,
        backoff_s=0.01,
        max_backoff_s=0.2,
    )
    done = threading.Event()

    def restarter() -> None:
        while not done.wait(0.4):
            server.stop()
            done.wait(0.1)  # down for a moment: the terminal's posts are refused meanwhile
            server.start()

    restarts = threading.Thread(target=restarter)
    restarts.start()
    try:
        report = terminal.push_all()
    finally:
        done.set()
        restarts.join()
        terminal.close()

    with factory() as session:
        count = session.scalar(select(func.count()).select_from(Punch))
        keys = {(pin, ts) for pin, ts in session.execute(select(Punch.pin, Punch.ts_local))}
    expected: set[tuple[str, datetime]] = {(p.pin, p.ts) for p in make_punches(make_users(100, 9), RECORDS, 9)}
    assert count == RECORDS
    assert keys == expected
    assert report.batches_accepted == RECORDS // 1000
    assert report.retries > 0 and server.starts > 1  # faults and restarts really happened
