"""The whole pay run end to end: database → attendance → pay → payslips stored → locked, per stage.

    .venv/bin/python benchmarks/payrun_e2e.py [--employees 100000] [--days 20] [--db /tmp/payrun-e2e.sqlite]
        [--db-url postgresql+psycopg://punchclock:punchclock@127.0.0.1:5432/punchclock]

Builds (or reuses) a SQLite database with `benchmarks.api.build_database` (two offices, badges, 2 punches
per employee and workday: 100,000 × 20 = 4,000,000 punches). With `--db-url` (a PostgreSQL server) it creates
a scratch database there as the tests' fixture does, migrates it, copies the SQLite data in by COPY and drops
it at the end; the pay run then runs on PostgreSQL. It then times one `run_payroll(..., lock=True)`
of March 2026 over every employee. The stages are timed by wrapping the functions `compute_payrun` calls
(attendance assembly, the pay kernel, storing payslips and lines) and the lock; the kernel-only time is the
`payroll_core.pipeline.compute` call inside the same run. Prints per-stage seconds, the total, peak RSS
(`resource.getrusage`, the whole process including the database build when it happens in the same run) and
the ratio total / kernel, and this process's CPU seconds per stage (on a shared machine the wall time is
mostly waiting for a core). On SQLite the previous run is deleted with the guard triggers dropped, which are
then put back (`--without-triggers` leaves them off, as the benchmark did before). Figures: docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import sqlite3
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gateway.pay.payrun as payrun
from benchmarks.api import PERIOD, build_database
from gateway.access.keys import KeyRing
from gateway.pay.lock_checks import WARNING_CODES
from gateway.store import make_engine, session_factory, upgrade

TIMES: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)  # this process's CPU seconds per stage: what a loaded machine blurs less


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] += time.perf_counter() - started
            CPU[name] += time.process_time() - cpu

    return wrapper


def _guard_statements(dialect: str) -> list[str]:
    """Migration 0005's guard triggers, put back after the previous run is deleted (as tests/conftest.py does)."""
    path = Path(__file__).resolve().parents[1] / "gateway/store/migrations/versions/0005_payrun_integrity.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    statements: list[str] = module.guard_statements(dialect)
    return statements


def postgres_copy(sqlite_path: Path, admin_url: str) -> tuple[str, Callable[[], None]]:
    """A migrated scratch database on `admin_url`'s server holding the SQLite database's data; returns its URL
    and the function that drops it."""
    name = f"punchclock_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    source = sqlite3.connect(sqlite_path)
    with make_engine(url).begin() as target:
        cursor = target.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for table in ("offices", "devices", "employees", "badges", "punches"):
            rows = source.execute(f"SELECT * FROM {table}")
            columns = ", ".join(d[0] for d in rows.description)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            target.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        target.exec_driver_sql("ANALYZE")
    source.close()

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--db-url", default=None, help="a PostgreSQL server URL: run there in a scratch database")
    parser.add_argument(
        "--without-triggers", action="store_true", help="SQLite: leave the guard triggers dropped (as before speed13b)"
    )
    args = parser.parse_args()
    path = args.db or Path(f"/tmp/payrun-e2e-{args.employees}-{args.days}.sqlite")
    if not path.exists():
        started = time.perf_counter()
        build_database(path, args.employees, args.days)
        print(f"built {args.employees:,} employees, {args.employees * args.days * 2:,} punches in "
              f"{time.perf_counter() - started:.1f} s (not part of the pay run)")  # fmt: skip
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if args.db_url:
        started = time.perf_counter()
        url, drop = postgres_copy(path, args.db_url)
        print(f"copied into PostgreSQL in {time.perf_counter() - started:.1f} s (not part of the pay run)")
    else:
        url = f"sqlite:///{path}"
        upgrade(url)  # a database cached by an older checkout gets the newer migrations
    engine = make_engine(url)
    factory = session_factory(engine, keys=KeyRing.generate())
    with engine.begin() as db:  # a fresh run each time: drop the previous one (triggers refuse a locked one's rows)
        if not args.db_url:
            for trigger in db.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'")).scalars().all():
                db.execute(text(f"DROP TRIGGER {trigger}"))
        # the previous run's payslip notifications too: each run posts one per payslip, and 100,000 more a run
        # made every later run's lock insert into a bigger table than the one before
        db.execute(text("DELETE FROM notifications WHERE payslip_id IS NOT NULL"))
        db.execute(text("DELETE FROM payslip_lines"))
        db.execute(text("DELETE FROM payslips"))
        db.execute(text("DELETE FROM payruns"))
        if not args.db_url and not args.without_triggers:  # the run is measured with the guards it has in use
            for statement in _guard_statements("sqlite"):
                db.execute(text(statement))
    payrun.month_attendance = timed("attendance (punches → kernel → summary)", payrun.month_attendance)
    payrun.compute = timed("pay kernel (payroll_core.compute)", payrun.compute)
    payrun._pay = timed("pay inputs + kernel", payrun._pay)
    payrun._store_payslips = timed("store payslips + lines", payrun._store_payslips)
    payrun.lock_payrun = timed("lock (checks, snapshot, digests)", payrun.lock_payrun)
    started, cpu = time.perf_counter(), time.process_time()
    with factory() as session, session.begin():
        payrun.run_payroll(session, PERIOD, "all", "benchmark", lock=True, acknowledge=WARNING_CODES)
        committing = time.perf_counter()
    TIMES["commit"] = time.perf_counter() - committing
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    kernel = TIMES["pay kernel (payroll_core.compute)"]
    engine.dispose()
    drop()
    where = "PostgreSQL" if args.db_url else "SQLite"
    print(f"pay run {PERIOD}, {args.employees:,} employees, {args.employees * args.days * 2:,} punches, {where}:")
    for name, seconds in TIMES.items():
        print(f"  {name:<42} {seconds:7.2f} s" + (f"  (CPU {CPU[name]:6.2f} s)" if name in CPU else ""))
    print(f"  {'total (run_payroll + commit)':<42} {total:7.2f} s")
    print(
        f"  {'CPU time of this process in it':<42} {cpu:7.2f} s (below the total: waits for the database or the cores)"
    )
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    print(f"  ratio end-to-end / kernel-only: {total / kernel:,.0f}x (kernel {kernel:.2f} s)")


if __name__ == "__main__":
    main()
