"""HTTP API under load: requests/s and p50/p99 latency with 50 concurrent clients on loopback.

The database (SQLite, WAL) holds 10,000 employees and 3,000,000 punches (two per employee per workday,
150 workdays, on 20 terminals), generated with bulk inserts, and a computed, locked pay run for
2026-03 (10,000 payslips with their lines). uvicorn (with httptools/uvloop) serves the app from a subprocess;
httpx async clients keep 50 requests in flight (`--workers` uvicorn processes, default 2). Scenarios:

- payslip: `GET /payslips/{id}` for random payslips (hr token) — the "why is my pay this?" page;
- own payslips: `GET /payslips?period=2026-03` with random employee tokens (employee-scoped query);
- employee punches: `GET /punches?employee=…&start=…&end=…` (one employee's month, first page of 100);
- punch pages: `GET /punches?start=…` at a random day, then the following page by cursor (whole log);
- reference: `GET /health` (no token, no database): the floor the framework and loopback set on the
  same server and clients, so each scenario's cost above it is what the route itself adds.

Run: `.venv/bin/python benchmarks/api.py [--employees N] [--days D] [--requests R] [--db PATH]`.
A database already at PATH with the same size is reused (building 3M punches takes a while).
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
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.access.keys import create_key_file, load_keys  # noqa: E402
from gateway.access.tokens import issue_token  # noqa: E402
from gateway.store import make_engine, session_factory, upgrade  # noqa: E402

CLIENTS = 50
DEVICES = 20
PERIOD = "2026-03"
LAST_DAY = date(2026, 3, 31)
OFFICES = (("Shanghai HQ", "shanghai", "shanghai/office"), ("Dongguan plant", "dongguan", "dongguan/day"))
SERVER = """
import os, sys, uvicorn
from api.app import ApiSettings, create_app
from gateway.store import make_engine, session_factory

def make():
    return create_app(ApiSettings(session_factory=session_factory(make_engine(os.environ["BENCH_DB_URL"]))))

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


def build_database(path: Path, employees: int, days: int) -> None:
    """Schema by the migrations, then offices, devices, employees, badges and punches by bulk insert."""
    url = f"sqlite:///{path}"
    upgrade(url)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    for name, city, rule in OFFICES:
        db.execute(
            "INSERT INTO offices (name, timezone, city, double_punch_window_s, shift_rule) VALUES (?, "
            "'Asia/Shanghai', ?, 60, ?)",
            (name, city, rule),
        )
    db.executemany(
        "INSERT INTO devices (name, sn, kind, host, port, office_id, model, firmware, consecutive_failures) "
        "VALUES (?, ?, 'zk-tcp', '127.0.0.1', 4370, ?, '', '', 0)",
        [(f"door-{d:02d}", f"BENCH{d:04d}", 1 + d % 2) for d in range(DEVICES)],
    )
    db.executemany(
        "INSERT INTO employees (id, code, name, office_id, pay_basis, monthly_salary_fen, hired_on, "
        "special_deductions_fen) "
        "VALUES (?, ?, ?, ?, 'monthly', ?, '2020-01-01', 0)",
        [
            (i, f"E{i:05d}", f"Worker {i}", 1 + (i % DEVICES) % 2, 600_000 + (i % 50) * 1_000)
            for i in range(1, employees + 1)
        ],
    )
    db.executemany(
        "INSERT INTO badges (pin, employee_id, device_sn) VALUES (?, ?, NULL)",
        [(str(10_000 + i), i) for i in range(1, employees + 1)],
    )
    rng = random.Random(7)
    # Shanghai is UTC+8 all year: 08:xx local is 00:xx UTC and 17:xx/18:xx local is 09:xx/10:xx UTC, same date.
    ins = [(f"08:{m:02d}:{s:02d}.000000", f"00:{m:02d}:{s:02d}.000000") for m in range(0, 60, 3) for s in (7, 31, 52)]
    outs = [
        (f"{17 + m // 60}:{m % 60:02d}:{s:02d}.000000", f"{9 + m // 60:02d}:{m % 60:02d}:{s:02d}.000000")
        for m in range(0, 120, 4)
        for s in (3, 44)
    ]
    sql = (
        "INSERT INTO punches (device_sn, pin, ts_local, ts_utc, status, punch_state, verify_mode, workcode, source, "
        "received_at, employee_id, flags, is_double_tap) VALUES (?, ?, ?, ?, ?, 0, 1, '', 'zk-tcp', ?, ?, 0, 0)"
    )
    for day in workdays(days):
        received = f"{day + timedelta(days=1)} 00:00:00.000000"
        rows = []
        for i in range(1, employees + 1):
            sn, pin = f"BENCH{i % DEVICES:04d}", str(10_000 + i)
            for status, (local, utc) in ((0, rng.choice(ins)), (1, rng.choice(outs))):
                rows.append((sn, pin, f"{day} {local}", f"{day} {utc}", status, received, i))
        db.executemany(sql, rows)
    db.commit()
    db.execute("ANALYZE")
    db.close()


def prepare(path: Path, employees: int, days: int) -> dict[str, object]:
    """Build (or reuse) the database, run and lock the pay run, issue tokens; returns what the scenarios need."""
    url = f"sqlite:///{path}"
    expected = employees * days * 2
    if path.exists():
        with sqlite3.connect(path) as db:
            held = db.execute("SELECT count(*) FROM punches").fetchone()[0]
        if held != expected:
            path.unlink()
    if not path.exists():
        started = time.perf_counter()
        build_database(path, employees, days)
        print(f"built {employees:,} employees and {expected:,} punches in {time.perf_counter() - started:.0f} s")
    # Audit rows (the pay run, the tokens) are chained under the key file's key, kept next to the database.
    key_file = path.with_suffix(".key")
    keys = load_keys(key_file) if key_file.exists() else create_key_file(key_file)
    factory = session_factory(make_engine(url), keys=keys)
    from sqlalchemy import select

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
        "reference: /health": lambda: ("/health", {}, {}),
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
                        await client.get(path, params={**query, "cursor": cursor}, headers=headers)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=150, help="workdays of punches (2 per employee per day)")
    parser.add_argument("--requests", type=int, default=3_000, help="requests per scenario")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default: one per core here)")
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "punchclock-bench-api.db")
    args = parser.parse_args()
    ctx = prepare(args.db, args.employees, args.days)
    port = free_port()
    script = Path(tempfile.gettempdir()) / "punchclock_bench_api_server.py"
    script.write_text(SERVER, encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, str(script), str(port), str(args.workers)],
        cwd=ROOT,
        env={**os.environ, "BENCH_DB_URL": str(ctx["url"]), "PYTHONPATH": str(ROOT)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        rng = random.Random(3)
        print(
            f"{args.requests:,} requests per scenario with {CLIENTS} clients in flight, then "
            f"{args.requests // 10:,} from "
            f"one client alone (the route's own latency, no queueing); {args.workers} uvicorn worker(s), SQLite WAL"
        )
        print(
            f"{'scenario':<28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'srv CPU ms/req':>15} | {'alone p50':>9} "
            f"{'alone p99':>9}"
        )
        for name, make in scenarios(ctx, rng).items():
            asyncio.run(measure(base, make, min(300, args.requests), CLIENTS))  # warm caches and connections
            cpu_before = server_cpu_seconds(server.pid)
            seconds, latencies = asyncio.run(measure(base, make, args.requests, CLIENTS))
            cpu_ms = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / len(latencies)
            _alone_s, alone = asyncio.run(measure(base, make, args.requests // 10, 1))
            q, a = statistics.quantiles(latencies, n=100), statistics.quantiles(alone, n=100)
            print(
                f"{name:<28} {len(latencies) / seconds:>7.0f} {q[49]:>7.1f} {q[98]:>7.1f} {cpu_ms:>15.2f} | "
                f"{a[49]:>9.1f} {a[98]:>9.1f}"
            )
        print(
            "At 50 in flight, latency is mostly queueing: about 50 / (req/s). The reference row is the floor that "
            "uvicorn, loopback and the httpx clients set on this machine; server CPU ms/req is what one request costs "
            "the server, so one core serves at most 1000 / that many requests per second."
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
