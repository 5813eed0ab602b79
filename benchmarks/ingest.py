"""Ingest and polling throughput.

1. Punches/s for a 1,000,000-punch load (5 % duplicates, 10 % unknown pins) through
   `ingest_punches` into SQLite and, when reachable, PostgreSQL — against a simple reference on a
   sample of the same input: row-by-row ORM inserts (look the key up, add, flush), the way one would
   write it without thinking about bulk paths.
2. Polling: 200 simulated ZKTeco terminals (TCP and UDP) polled every 10 s by the `Poller`; reports
   polls/s and the worst lag of a poll behind its schedule (falling behind would show as growing lag).

Run: `.venv/bin/python benchmarks/ingest.py [--punches N] [--poll-seconds S] [--skip-poll]`.
PostgreSQL: `PUNCHCLOCK_TEST_PG_URL` (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway import config as cfg
from gateway.devices.ingest import ingest_punches
from gateway.devices.inventory import register_config
from gateway.store import Badge, Device, Employee, Office, Punch, make_engine, session_factory, upgrade

SN = "BENCH0001"
PG_ENV = "PUNCHCLOCK_TEST_PG_URL"
REFERENCE_SAMPLE = 5_000


def make_load(count: int, seed: int = 42) -> list[RawPunch]:
    """`count` punches: unique ones in device (time) order, with 5 % of them repeated at the end."""
    rng = random.Random(seed)
    unique = count - count // 20
    start = datetime(2025, 1, 1, 7, 0)
    punches = [
        RawPunch(SN, str(1000 + rng.randrange(2200)), start + timedelta(seconds=7 * i), status=1, punch_state=i % 2)
        for i in range(unique)
    ]
    return punches + rng.sample(punches, count - unique)


def seed(factory: sessionmaker[Session]) -> None:
    """One office, the device, and badges for pins 1000–2999 (so 1000+ pins above 3000 are unknown)."""
    with factory() as session, session.begin():
        office = Office(
            name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=60, shift_rule="standard"
        )
        session.add(office)
        session.flush()
        session.add(
            Device(
                name=SN,
                sn=SN,
                kind="zk-tcp",
                host="",
                port=0,
                office_id=office.id,
                model="",
                firmware="",
                consecutive_failures=0,
            )
        )
        employees = [
            Employee(code=f"E{pin}", name=f"Worker {pin}", pay_basis="monthly", special_deductions_fen=0)
            for pin in range(1000, 3000)
        ]
        session.add_all(employees)
        session.flush()
        session.add_all(Badge(pin=str(1000 + i), employee_id=e.id) for i, e in enumerate(employees))


def reference_insert(factory: sessionmaker[Session], punches: list[RawPunch]) -> None:
    """The naive path: one ORM object per punch, after a key lookup, in one transaction."""
    badges = {}
    with factory() as session, session.begin():
        for b in session.scalars(select(Badge)):
            badges[b.pin] = b.employee_id
        now = datetime.now(UTC).replace(tzinfo=None)
        for p in punches:
            exists = session.scalar(
                select(Punch.id).where(Punch.device_sn == SN + "REF", Punch.pin == p.pin, Punch.ts_local == p.ts_local)
            )
            if exists is None:
                session.add(
                    Punch(
                        device_sn=SN + "REF",
                        pin=p.pin,
                        ts_local=p.ts_local,
                        ts_utc=p.ts_local - timedelta(hours=8),
                        status=p.status,
                        punch_state=p.punch_state,
                        verify_mode=0,
                        workcode="",
                        source="zk-tcp",
                        received_at=now,
                        employee_id=badges.get(p.pin),
                        flags=0,
                        is_double_tap=False,
                    )
                )
                session.flush()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_database(label: str, url: str, punches: list[RawPunch]) -> None:
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    seed(factory)
    seconds = timed(lambda: ingest_punches(factory, SN, punches, source="zk-tcp", office_tz="Asia/Shanghai"))
    result_holder: list[object] = []
    again = timed(
        lambda: result_holder.append(ingest_punches(factory, SN, punches, source="zk-tcp", office_tz="Asia/Shanghai"))
    )
    sample = [RawPunch(SN + "REF", p.pin, p.ts_local, p.status, p.punch_state) for p in punches[:REFERENCE_SAMPLE]]
    ref_seconds = timed(lambda: reference_insert(factory, sample))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM punches WHERE device_sn = :sn"), {"sn": SN}).scalar_one()
    engine.dispose()
    rate, ref_rate = len(punches) / seconds, len(sample) / ref_seconds
    print(
        f"{label:10} ingest {len(punches):,} punches: {seconds:6.2f} s = {rate:>9,.0f} punches/s "
        f"({stored:,} stored); re-ingest of the same load {len(punches) / again:>9,.0f} punches/s"
    )
    print(
        f"{label:10} reference row-by-row ORM on {len(sample):,}: {ref_rate:>9,.0f} punches/s "
        f"→ bulk ingest is {rate / ref_rate:.1f}× faster"
    )


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    from sqlalchemy import make_url

    name = f"punchclock_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_polling(terminals: int, interval_s: float, seconds: float) -> None:
    from simulators.zk import ZKTerminal

    sims = [ZKTerminal(users=10, records=40, seed=i + 1, udp=i % 3 == 0).start() for i in range(terminals)]
    try:
        office = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai")
        devices = [
            cfg.Device(
                name=f"t{i:03d}",
                kind=s.kind,
                host="127.0.0.1",
                port=s.port,
                office="HQ",
                poll_interval_s=interval_s,
                timeout_s=5.0,
            )
            for i, s in enumerate(sims)
        ]
        config = cfg.Config(offices=[office], devices=devices, poller=cfg.Poller(max_workers=64))
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/poll.db"
            upgrade(url)
            engine = make_engine(url)
            factory = session_factory(engine)
            register_config(factory, config)
            stop = threading.Event()
            from gateway.devices.poller import Poller, PollResult

            durations: list[float] = []

            errors: list[str] = []

            def collect(result: PollResult) -> None:
                durations.append(result.elapsed_s)
                if result.error:
                    errors.append(f"{result.device}: {result.error}")

            poller = Poller(config, factory, on_result=collect)
            timer = threading.Timer(seconds, stop.set)
            timer.start()
            started = time.perf_counter()
            stats = poller.run(stop)
            elapsed = time.perf_counter() - started
            engine.dispose()
        rounds = stats.polls / terminals
        print(
            f"polling    {terminals} terminals every {interval_s:g} s for {elapsed:.1f} s: {stats.polls} polls "
            f"({rounds:.1f} per terminal, {stats.failures} failed) = {stats.polls / elapsed:.1f} polls/s; "
            f"worst start lag {stats.max_lag_s:.2f} s "
            f"({'keeps up' if stats.max_lag_s < interval_s else 'FALLS BEHIND'}; needed "
            f"{terminals / interval_s:.0f} polls/s)"
        )
        for error in errors[:5]:
            print(f"polling    failed poll: {error}")
        durations.sort()
        mean = sum(durations) / len(durations)
        print(
            "polling    one poll (connect, info, time, download 40 records, store, verify): mean "
            f"{mean * 1000:.0f} ms, "
            f"p95 {durations[int(len(durations) * 0.95)] * 1000:.0f} ms; even strictly one at a time that is "
            f"{1 / mean:,.0f} polls/s ≈ {interval_s / mean:,.0f} terminals at a {interval_s:g} s interval "
            f"(the worker threads add headroom for slow or timing-out terminals)"
        )
    finally:
        for s in sims:
            s.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--punches", type=int, default=1_000_000)
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--poll-seconds", type=float, default=32.0)
    parser.add_argument("--skip-poll", action="store_true")
    args = parser.parse_args()
    punches = make_load(args.punches)
    with tempfile.TemporaryDirectory() as tmp:
        bench_database("sqlite", f"sqlite:///{tmp}/bench.db", punches)
    admin_url = os.environ.get(PG_ENV)
    if admin_url:
        with scratch_postgres(admin_url) as url:
            bench_database("postgresql", url, punches)
    else:
        print(f"postgresql skipped: set {PG_ENV} (see .ci/postgres.sh)")
    if not args.skip_poll:
        bench_polling(args.terminals, 10.0, args.poll_seconds)


if __name__ == "__main__":
    main()
