"""HTTP API under load: requests/s, p50/p99 latency and server CPU per request, per route, SQLite and PostgreSQL.

The database holds `--employees` employees and two punches per employee per workday for `--days` workdays
up to 2026-03-31 on 20 terminals, generated with bulk inserts (SQLite `executemany`, PostgreSQL COPY), and a
computed, locked pay run for 2026-03. The defaults make a quick run; the issue's full run is
`--employees 10000 --days 150 --requests 3000` (3,000,000 punches). uvicorn (with httptools/uvloop) serves
the app from a subprocess; httpx async clients keep 50 requests in flight (`--workers` uvicorn processes,
default 2), each with the pool `serve` gives a process (`[api] db_pool_size` 10 connections, no overflow, a
checkout waiting at most `db_pool_timeout_s` 5 s; `--pool-size`, `--pool-timeout`). Server CPU is the
utime+stime of the uvicorn process tree (/proc) over the scenario, divided by its requests. Scenarios:

- floor: `GET /health` (no token, no database): what the framework and loopback cost on the same server
  and clients; each other scenario runs in `ROUNDS` rounds, each right after a round of the floor, and prints
  the median of its rounds' CPU divided by the floor's next to it (× floor), so that the machine's drift
  (other work on the same cores) cancels out; the floor row prints the median of all its rounds;
- payslip: `GET /payslips/{id}` for random payslips (hr token) — the "why is my pay this?" page;
- own payslips: `GET /payslips?period=2026-03` with random employee tokens (employee-scoped query);
- employee punches: `GET /punches?employee=…&start=…&end=…` (one employee's month, first page of 100);
- punch pages: `GET /punches?start=…` at a random day, then the following page by cursor (whole log);
- dashboard: `GET /dashboard` (hr): today per office, terminals, six months' trends.

Run: `.venv/bin/python benchmarks/api.py [--employees N] [--days D] [--requests R] [--db PATH] [--pg URL]`.
With `--pg URL` (a PostgreSQL server the user may create databases on) the same data goes into database
`--pg-database` there and both databases print, each with its own floor. A database already holding the
same size is reused (building 3M punches takes a while); one of another size is rebuilt.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import make_url, select, text
from sqlalchemy.exc import DBAPIError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.access.keys import create_key_file, load_keys  # noqa: E402
from gateway.access.tokens import issue_token  # noqa: E402
from gateway.config import Api  # noqa: E402
from gateway.store import make_engine, session_factory, upgrade  # noqa: E402

CLIENTS = 50
DEVICES = 20
PERIOD = "2026-03"
FLOOR = "floor: /health"
LAST_DAY = date(2026, 3, 31)
OFFICES = (("Shanghai HQ", "shanghai", "shanghai/office"), ("Dongguan plant", "dongguan", "dongguan/day"))
SERVER = """
import os, sys, uvicorn
from api.app import ApiSettings, create_app
from gateway.store import make_engine, session_factory

def make():
    size, timeout = int(os.environ["BENCH_POOL_SIZE"]), float(os.environ["BENCH_POOL_TIMEOUT"])
    engine = make_engine(os.environ["BENCH_DB_URL"], pool_size=size, pool_timeout_s=timeout)
    return create_app(ApiSettings(session_factory=session_factory(engine)))

if __name__ == "__main__":
    uvicorn.run("__main__:make", factory=True, host="127.0.0.1", port=int(sys.argv[1]), workers=int(sys.argv[2]),
                log_level="warning", access_log=False)
"""


def workdays(count: int) -> list[date]:
    """The last `count` Monday–Friday dates up to LAST_DAY, oldest first."""
    days: list[date] = []
    day = LAST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


Rows = list[tuple[object, ...]]


def bulk_rows(employees: int, days: int) -> Iterator[tuple[str, tuple[str, ...], Rows]]:
    """Offices, devices, employees, badges, then each workday's punches, as (table, columns, rows)."""
    yield (
        "offices",
        ("name", "timezone", "city", "double_punch_window_s", "shift_rule"),
        [(name, "Asia/Shanghai", city, 60, rule) for name, city, rule in OFFICES],
    )
    yield (
        "devices",
        ("name", "sn", "kind", "host", "port", "office_id", "model", "firmware", "consecutive_failures"),
        [(f"door-{d:02d}", f"BENCH{d:04d}", "zk-tcp", "127.0.0.1", 4370, 1 + d % 2, "", "", 0) for d in range(DEVICES)],
    )
    yield "employees", ("id", "code", "name", "office_id", "pay_basis", "monthly_salary_fen", "hired_on",
                        "special_deductions_fen"), [
        (i, f"E{i:05d}", f"Worker {i}", 1 + (i % DEVICES) % 2, "monthly", 600_000 + (i % 50) * 1_000, "2020-01-01", 0)
        for i in range(1, employees + 1)
    ]  # fmt: skip
    yield "badges", ("pin", "employee_id"), [(str(10_000 + i), i) for i in range(1, employees + 1)]
    rng = random.Random(7)
    # Shanghai is UTC+8 all year: 08:xx local is 00:xx UTC and 17:xx/18:xx local is 09:xx/10:xx UTC, same date.
    ins = [(f"08:{m:02d}:{s:02d}.000000", f"00:{m:02d}:{s:02d}.000000") for m in range(0, 60, 3) for s in (7, 31, 52)]
    outs = [
        (f"{17 + m // 60}:{m % 60:02d}:{s:02d}.000000", f"{9 + m // 60:02d}:{m % 60:02d}:{s:02d}.000000")
        for m in range(0, 120, 4)
        for s in (3, 44)
    ]
    columns = ("device_sn", "pin", "ts_local", "ts_utc", "status", "punch_state", "verify_mode", "workcode", "source",
               "received_at", "employee_id", "flags", "is_double_tap")  # fmt: skip
    for day in workdays(days):
        received = f"{day + timedelta(days=1)} 00:00:00.000000"
        rows: Rows = []
        for i in range(1, employees + 1):
            sn, pin = f"BENCH{i % DEVICES:04d}", str(10_000 + i)
            for status, (local, utc) in ((0, rng.choice(ins)), (1, rng.choice(outs))):
                rows.append(
                    (sn, pin, f"{day} {local}", f"{day} {utc}", status, 0, 1, "", "zk-tcp", received, i, 0, False)
                )
        yield "punches", columns, rows


def build_database(path: Path, employees: int, days: int) -> None:
    """Schema by the migrations, then every row by `executemany` in one transaction."""
    upgrade(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    for table, columns, rows in bulk_rows(employees, days):
        marks = ", ".join("?" * len(columns))
        db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    db.commit()
    db.execute("ANALYZE")
    db.close()


def build_postgres(url: str, employees: int, days: int) -> None:
    """Schema by the migrations, then every row by COPY; the employees' id sequence follows the explicit ids."""
    upgrade(url)
    with psycopg.connect(libpq_url(url)) as db, db.cursor() as cursor:
        for table, columns, rows in bulk_rows(employees, days):
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute("SELECT setval('employees_id_seq', (SELECT max(id) FROM employees))")
    with psycopg.connect(libpq_url(url), autocommit=True) as db:
        db.execute("ANALYZE")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL `url` as psycopg takes it (no `+psycopg` driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def punch_count(url: str) -> int | None:
    """Punches held by the database at `url`, or None when it has no schema yet."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM punches")).scalar_one())
    except DBAPIError:
        return None
    finally:
        engine.dispose()


def sqlite_database(path: Path, employees: int, days: int) -> str:
    """The SQLite file at `path`, built unless it already holds this size."""
    url = f"sqlite:///{path}"
    if path.exists() and punch_count(url) != employees * days * 2:
        # with its write-ahead log: a stale -wal beside a new file makes SQLite call the new one malformed
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    if not path.exists():
        timed(f"built {employees:,} employees and {employees * days * 2:,} punches in SQLite", build_database,
              path, employees, days)  # fmt: skip
    return url


def postgres_database(server_url: str, name: str, employees: int, days: int) -> str:
    """Database `name` on the PostgreSQL server of `server_url`, (re)built unless it already holds this size."""
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists is not None and punch_count(url) != employees * days * 2:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            timed(f"built {employees:,} employees and {employees * days * 2:,} punches in PostgreSQL", build_postgres,
                  url, employees, days)  # fmt: skip
    admin.dispose()
    return url


def prepare(path: Path, employees: int, days: int) -> dict[str, object]:
    """The SQLite database at `path` built (or reused) and prepared; what the other benchmarks start from."""
    return prepare_run(sqlite_database(path, employees, days), path.with_suffix(".key"), employees, days)


def timed(what: str, work: Callable[..., object], *args: object) -> None:
    started = time.perf_counter()
    work(*args)
    print(f"{what} in {time.perf_counter() - started:.0f} s")


def prepare_run(url: str, key_file: Path, employees: int, days: int) -> dict[str, object]:
    """Run and lock the pay run (unless done), issue tokens; returns what the scenarios need."""
    # Audit rows (the pay run, the tokens) are chained under the key file's key, kept next to the database.
    keys = load_keys(key_file) if key_file.exists() else create_key_file(key_file)
    factory = session_factory(make_engine(url), keys=keys)
    from gateway.pay.lock_checks import WARNING_CODES
    from gateway.pay.payrun import run_payroll
    from gateway.store import PayRun, Payslip

    with factory() as session:
        payslip_ids = list(session.scalars(select(Payslip.id).join(PayRun).where(PayRun.period == PERIOD)))
    if not payslip_ids:
        started = time.perf_counter()
        with factory() as session, session.begin():
            # The benchmark has no bank accounts and never polls its terminals: accept what the lock warns of.
            run_payroll(session, PERIOD, "all", "benchmark", lock=True, acknowledge=WARNING_CODES)
        with factory() as session:
            payslip_ids = list(session.scalars(select(Payslip.id).join(PayRun).where(PayRun.period == PERIOD)))
        print(
            f"pay run {PERIOD}: {len(payslip_ids):,} payslips computed and locked in "
            f"{time.perf_counter() - started:.0f} s"
        )
    rng = random.Random(1)
    with factory() as session, session.begin():
        suffix = f"{time.time_ns()}"
        _row, hr = issue_token(session, f"bench-hr-{suffix}", "hr", None, "benchmark")
        employee_codes = [f"E{rng.randrange(1, employees + 1):05d}" for _ in range(CLIENTS)]
        employee_tokens = [
            issue_token(session, f"bench-{code}-{suffix}-{n}", "employee", code, "benchmark")[1]
            for n, code in enumerate(employee_codes)
        ]
    factory.kw["bind"].dispose()
    return {
        "url": url,
        "hr": hr,
        "payslips": payslip_ids,
        "employees": employees,
        "employee_tokens": employee_tokens,
        "days": workdays(days),
    }


Request = tuple[str, dict[str, str], dict[str, str]]  # path, query, headers


def scenarios(ctx: dict[str, object], rng: random.Random) -> dict[str, Callable[[], Request]]:
    hr = {"Authorization": f"Bearer {ctx['hr']}"}
    payslips: list[int] = ctx["payslips"]  # type: ignore[assignment]
    employee_tokens: list[str] = ctx["employee_tokens"]  # type: ignore[assignment]
    days: list[date] = ctx["days"]  # type: ignore[assignment]
    employees: int = ctx["employees"]  # type: ignore[assignment]
    return {
        FLOOR: lambda: ("/health", {}, {}),
        "payslip (hr, by id)": lambda: (f"/api/v1/payslips/{rng.choice(payslips)}", {}, hr),
        "own payslips (employee)": lambda: (
            "/api/v1/payslips",
            {"period": PERIOD},
            {"Authorization": f"Bearer {rng.choice(employee_tokens)}"},
        ),
        "employee punches, 1 month": lambda: (
            "/api/v1/punches",
            {
                "employee": f"E{rng.randrange(1, employees + 1):05d}",
                "start": "2026-03-01T00:00:00+08:00",
                "end": "2026-04-01T00:00:00+08:00",
            },
            hr,
        ),
        "punch page (whole log)": lambda: (
            "/api/v1/punches",
            {"start": f"{rng.choice(days)}T00:00:00Z", "limit": "100"},
            hr,
        ),
        "dashboard (hr)": lambda: ("/api/v1/dashboard", {}, hr),
    }


async def measure(base: str, make: Callable[[], Request], total: int, clients: int) -> tuple[float, list[float]]:
    """Run `total` requests from `clients` concurrent clients; returns (seconds, per-request latencies in ms).

    Each client is its own `httpx.AsyncClient` with one keep-alive connection, like 50 browsers; one shared
    pool of 50 connections spends more time in httpx's pool bookkeeping than the server spends answering.
    """
    latencies: list[float] = []
    remaining = total

    async def client_loop() -> None:
        nonlocal remaining
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while remaining > 0:
                remaining -= 1
                path, query, headers = make()
                started = time.perf_counter()
                response = await client.get(path, params=query, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} {query}: {response.status_code} {response.text[:300]}")
                if path == "/api/v1/punches" and "employee" not in query:  # follow one page by cursor
                    cursor = response.json()["next_cursor"]
                    if cursor:
                        started = time.perf_counter()
                        response = await client.get(path, params={**query, "cursor": cursor}, headers=headers)
                        if response.status_code != 200:
                            raise RuntimeError(f"GET {path} by cursor: {response.status_code} {response.text[:300]}")
                        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    return time.perf_counter() - started, latencies


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by the uvicorn process `pid` and its worker processes (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        pending += [int(child) for child in children]
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


ROUNDS = 3
"""Each scenario runs in this many rounds, each right after a round of the floor: the machine's speed drifts
(other work on its cores) by more than the routes differ, so each round's CPU is set against the floor measured
next to it, and the rows print the medians of those ratios."""


@dataclass
class Figures:
    """One scenario under load: requests/s, latencies, server CPU per request, × the floor next to it, alone."""

    per_second: float
    latencies: list[float]
    cpu_ms: float
    floor_ratio: float = 1.0
    alone: list[float] = field(default_factory=list)  # latencies of one client alone (at least two)

    @classmethod
    def of_rounds(cls, rounds: list[tuple[Figures, float]], alone: list[float]) -> Figures:
        """The rounds together: all their latencies, the median CPU and the median of each round's CPU ÷ floor."""
        return cls(
            statistics.median(r.per_second for r, _floor in rounds),
            [ms for r, _floor in rounds for ms in r.latencies],
            statistics.median(r.cpu_ms for r, _floor in rounds),
            statistics.median(r.cpu_ms / floor if floor else 0.0 for r, floor in rounds),
            alone,
        )

    def line(self) -> str:
        q, a = statistics.quantiles(self.latencies, n=100), statistics.quantiles(self.alone, n=100)
        return (
            f"{self.per_second:>7.0f} {q[49]:>7.1f} {q[98]:>7.1f} {self.cpu_ms:>15.2f} {self.floor_ratio:>7.1f}× | "
            f"{a[49]:>9.1f} {a[98]:>9.1f}"
        )


def _load(pid: int, base: str, make: Callable[[], Request], requests: int) -> Figures:
    """`requests` requests of one scenario from `CLIENTS` clients, and the server CPU (`pid`'s tree) they cost."""
    cpu_before = server_cpu_seconds(pid)
    seconds, latencies = asyncio.run(measure(base, make, requests, CLIENTS))
    return Figures(len(latencies) / seconds, latencies, (server_cpu_seconds(pid) - cpu_before) * 1000 / len(latencies))


def serve_and_measure(
    label: str, ctx: dict[str, object], requests: int, workers: int, pool: tuple[int, float] = (10, 5.0)
) -> None:
    """Start uvicorn on the database of `ctx`, run every scenario, print one line per scenario."""
    port = free_port()
    script = Path(tempfile.gettempdir()) / "punchclock_bench_api_server.py"
    script.write_text(SERVER, encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, str(script), str(port), str(workers)],
        cwd=ROOT,
        env={
            **os.environ,
            "BENCH_DB_URL": str(ctx["url"]),
            "BENCH_POOL_SIZE": str(pool[0]),
            "BENCH_POOL_TIMEOUT": str(pool[1]),
            "PYTHONPATH": str(ROOT),
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a busy shared machine can take minutes to import and start workers
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        rng = random.Random(3)
        print(
            f"{label}: {requests:,} requests per scenario with {CLIENTS} clients in flight in {ROUNDS} rounds, each "
            f"after as many /health requests; then {requests // 10:,} from one client alone (the route's own latency, "
            f"no queueing); {workers} uvicorn worker(s)"
        )
        print(
            f"{'scenario':<28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'srv CPU ms/req':>15} {'× floor':>8} | "
            f"{'alone p50':>9} {'alone p99':>9}"
        )
        routes = scenarios(ctx, rng)
        floor = routes.pop(FLOOR)
        rows: dict[str, Figures] = {}
        floors: list[Figures] = []
        for name, make in routes.items():
            for warm in (floor, make):
                asyncio.run(measure(base, warm, min(300, requests), CLIENTS))  # warm caches and connections
            rounds = []
            for _ in range(ROUNDS):
                floors.append(_load(server.pid, base, floor, max(requests // ROUNDS, 2)))
                rounds.append((_load(server.pid, base, make, max(requests // ROUNDS, 2)), floors[-1].cpu_ms))
            rows[name] = Figures.of_rounds(rounds, asyncio.run(measure(base, make, max(requests // 10, 2), 1))[1])
        floor_alone = asyncio.run(measure(base, floor, max(requests // 10, 2), 1))[1]
        rows = {FLOOR: Figures.of_rounds([(f, f.cpu_ms) for f in floors], floor_alone), **rows}
        for name, figures in rows.items():
            print(f"{name:<28} {figures.line()}")
        print(f"{label}: every response 200")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog="Full run: --employees 10000 --days 150 --requests 3000"
    )
    parser.add_argument("--employees", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=20, help="workdays of punches (2 per employee per day)")
    parser.add_argument("--requests", type=int, default=1_000, help="requests per scenario")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default: one per core here)")
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "punchclock-bench-api.db")
    parser.add_argument(
        "--pg", metavar="URL", help="also measure PostgreSQL: a server URL (postgresql+psycopg://user:pw@host/db)"
    )
    parser.add_argument("--pg-database", default="punchclock_bench_api", help="the database --pg builds and reuses")
    defaults = Api()
    parser.add_argument(
        "--pool-size", type=int, default=defaults.db_pool_size, help="connections per worker, as [api] db_pool_size"
    )
    parser.add_argument(
        "--pool-timeout", type=float, default=defaults.db_pool_timeout_s, help="as [api] db_pool_timeout_s"
    )
    args = parser.parse_args(argv)
    runs = [("SQLite WAL", sqlite_database(args.db, args.employees, args.days), args.db.with_suffix(".key"))]
    if args.pg:
        url = postgres_database(args.pg, args.pg_database, args.employees, args.days)
        runs.append(("PostgreSQL", url, args.db.with_name(f"{args.pg_database}.key")))
    for label, url, key_file in runs:
        ctx = prepare_run(url, key_file, args.employees, args.days)
        serve_and_measure(label, ctx, args.requests, args.workers, (args.pool_size, args.pool_timeout))
    print(
        "At 50 in flight, latency is mostly queueing: about 50 / (req/s). The /health row is the floor that "
        "uvicorn, loopback and the httpx clients set on this machine; server CPU ms/req is what one request costs "
        "the server (so one core serves at most 1000 / that many requests per second), × floor that cost against "
        "the floor's measured right before it on the same server (the median over the rounds)."
    )


if __name__ == "__main__":
    main()
