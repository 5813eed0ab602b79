"""The payday rush: every employee logs in and opens their latest payslip, 50 in flight, next to the `/health` floor.

The database (SQLite, WAL) is benchmarks/api.py's generator at 10,000 employees with 42 workdays of punches
(February and March 2026), both months' pay runs computed and locked, and one employee login per employee,
created by `gateway.access.users.create_user` (audited like HR's). Cheaper path, documented: the logins are
created closed (no password, as an activation code leaves them) and then all get one Argon2id hash of
`PASSWORD`, so building them costs one hash instead of 10,000; logging in costs the same Argon2id
verification as with 10,000 different hashes, because the parameters travel in the hash. The database is
cached at `--db` and reused when it has the same number of employees; its login sessions are deleted at start.

uvicorn serves the app from a subprocess (`--workers`, default 2; a worker gets 120 s, not uvicorn's 5, to
import the app and answer its supervisor, or a busy machine sees workers killed and respawned for ever). Each of
the `--in-flight` clients is one phone (one httpx client, one keep-alive connection, its cookie jar cleared per
employee) taking the next employee and making the screens' calls in their order: the login page's
`POST /api/v1/session`, then `MyPayslipsView.js`'s `GET /api/v1/payslips?limit=24`, then a tap on the newest
card, `PayslipView.js`'s `GET /api/v1/payslips/{id}`. Every answer must be 200 and the opened payslip the
newest month's; the run stops at the first that is not. Phases, one after another on the same server:

1. the floor: `GET /health` (no login, no database), as many requests as employees;
2. the rush: every employee logs in, lists and opens;
3. the rush with the sessions of phase 2 still open: list and open only, so the payslip path's own cost shows
   (a login is an Argon2id verification by design, deliberately slow).

Reported per call kind: count, requests/s, p50/p95/p99 and their ratio to the floor's; per phase the server's
CPU per request (utime + stime of uvicorn and its workers from /proc, before and after); the logins' share of
the rush's CPU; the largest server process's peak RSS (getrusage of the waited-for server).

Run: `.venv/bin/python benchmarks/payday.py [--employees N] [--in-flight N] [--workers N] [--db PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402

from benchmarks.api import build_database, free_port, server_cpu_seconds  # noqa: E402
from gateway.access.keys import ENV_FILE, create_key_file, load_keys  # noqa: E402
from gateway.access.logins import COOKIE  # noqa: E402
from gateway.access.users import create_user, set_password  # noqa: E402
from gateway.pay.lock_checks import WARNING_CODES  # noqa: E402
from gateway.pay.payrun import run_payroll  # noqa: E402
from gateway.store import Employee, PayRun, User, make_engine, session_factory  # noqa: E402

PERIODS = ("2026-02", "2026-03")  # oldest first: March's year to date reads February's locked run
DAYS = 42  # the workdays of February and March 2026 (build_database counts back from 2026-03-31)
PASSWORD = "Payday-bench-2026"
SERVER = """
import os, sys, uvicorn
from pathlib import Path
from api.app import ApiSettings, create_app
from gateway.access.keys import load_keys
from gateway.store import make_engine, session_factory

def make():
    keys = load_keys(Path(os.environ["PUNCHCLOCK_KEY_FILE"]))
    return create_app(ApiSettings(session_factory=session_factory(make_engine(os.environ["BENCH_DB_URL"]), keys=keys)))

if __name__ == "__main__":
    uvicorn.run("__main__:make", factory=True, host="127.0.0.1", port=int(sys.argv[1]), workers=int(sys.argv[2]),
                log_level="warning", access_log=False, timeout_worker_healthcheck=120)
"""
KINDS = ("login", "list", "detail")


def prepare(path: Path, employees: int) -> tuple[str, Path, list[str]]:
    """The cached database with both locked runs and a login per employee; returns its URL, key file and codes."""
    url, key_file, anchors = f"sqlite:///{path}", path.with_suffix(".key"), path.with_suffix(".anchors")
    if path.exists():
        with sqlite3.connect(path) as db:
            held = db.execute("SELECT count(*) FROM employees").fetchone()[0]
        if held != employees or not key_file.exists():
            for stale in (path, key_file, anchors):
                stale.unlink(missing_ok=True)
    if not path.exists():
        started = time.perf_counter()
        build_database(path, employees, DAYS)
        print(
            f"built {employees:,} employees and {employees * DAYS * 2:,} punches in "
            f"{time.perf_counter() - started:.0f} s"
        )
    keys = load_keys(key_file) if key_file.exists() else create_key_file(key_file)
    factory = session_factory(make_engine(url), keys=keys, anchor_file=anchors)
    for period in PERIODS:
        with factory() as session, session.begin():
            if session.scalar(select(PayRun.id).where(PayRun.period == period)) is None:
                started = time.perf_counter()
                # No bank accounts and no terminals to read here: accept what the lock warns of.
                run_payroll(session, period, "all", "benchmark", lock=True, acknowledge=list(WARNING_CODES))
                print(f"pay run {period} computed and locked in {time.perf_counter() - started:.0f} s")
    with factory() as session, session.begin():
        if not session.scalar(select(func.count()).select_from(User).where(User.role == "employee")):
            started = time.perf_counter()
            people = list(session.scalars(select(Employee).order_by(Employee.id)))
            for person in people:
                create_user(session, "benchmark", person.code, person.name, "employee", None, employee=person)
            first = session.scalar(select(User).where(User.employee_id == people[0].id))
            assert first is not None
            set_password(session, first, "benchmark", PASSWORD)
            session.execute(update(User).where(User.role == "employee").values(password_hash=first.password_hash))
            print(f"{len(people):,} employee logins created in {time.perf_counter() - started:.0f} s")
        codes = list(session.scalars(select(Employee.code).order_by(Employee.id)))
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM login_sessions")  # every run starts with nobody logged in
    return url, key_file, codes


class Rush:
    """One phase: latencies (ms) per call kind, its wall time and the server CPU seconds it took."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {kind: [] for kind in (*KINDS, "health")}
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())


async def _call(client: httpx.AsyncClient, rush: Rush, kind: str, request: httpx.Request) -> httpx.Response:
    started = time.perf_counter()
    response = await client.send(request)
    rush.latencies[kind].append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        raise RuntimeError(f"{request.method} {request.url.path}: {response.status_code} {response.text[:300]}")
    return response


async def phone(base: str, queue: Iterator[str], rush: Rush, sessions: dict[str, str], latest: str) -> None:
    """One phone taking employees off the shared queue; logs in unless `sessions` holds the employee's cookie."""
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        for code in queue:
            client.cookies.clear()
            if code in sessions:
                client.cookies.set(COOKIE, sessions[code])
            else:
                body = {"username": code, "password": PASSWORD}
                login = await _call(client, rush, "login", client.build_request("POST", "/api/v1/session", json=body))
                sessions[code] = login.cookies[COOKIE]
            page = await _call(client, rush, "list", client.build_request("GET", "/api/v1/payslips?limit=24"))
            newest = page.json()["items"][0]
            if newest["period"] != latest:
                raise RuntimeError(f"{code}'s newest payslip is {newest['period']}, not {latest}")
            await _call(client, rush, "detail", client.build_request("GET", f"/api/v1/payslips/{newest['id']}"))


async def health_floor(base: str, total: int, in_flight: int, rush: Rush) -> None:
    remaining = iter(range(total))

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            for _ in remaining:
                await _call(client, rush, "health", client.build_request("GET", "/health"))

    await asyncio.gather(*(client_loop() for _ in range(in_flight)))


Phase = Callable[["Rush"], Coroutine[object, object, None]]


def timed_phase(server_pid: int, run: Phase) -> Rush:
    """Run one phase, recording its wall time and the server's CPU seconds around it."""
    rush = Rush()
    cpu_before, started = server_cpu_seconds(server_pid), time.perf_counter()
    asyncio.run(run(rush))
    rush.seconds, rush.cpu_seconds = time.perf_counter() - started, server_cpu_seconds(server_pid) - cpu_before
    return rush


def quantiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 (statistics' exclusive method; one value is its own quantiles)."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    q = statistics.quantiles(values, n=100)
    return q[49], q[94], q[98]


def report(title: str, rush: Rush, floor: tuple[float, float, float]) -> None:
    print(f"{title}: {rush.requests:,} requests in {rush.seconds:.1f} s, {rush.requests / rush.seconds:.0f} req/s, "
          f"server CPU {rush.cpu_seconds * 1000 / rush.requests:.2f} ms/req")  # fmt: skip
    for kind, values in rush.latencies.items():
        if values:
            p50, p95, p99 = quantiles(values)
            print(
                f"  {kind:<7} {len(values):>7,} {p50:>9.1f} {p95:>9.1f} {p99:>9.1f} "
                f"{p50 / floor[0]:>10.1f}× {p99 / floor[2]:>9.1f}×"
            )


def wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    """Until the server answers `/health` (importing the app takes a while on a busy machine), or fail saying so."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not answer /health within 300 s (exit code {server.poll()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000, help="employees, each logging in once")
    parser.add_argument("--in-flight", type=int, default=50, help="phones making their calls at the same time")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default: one per core here)")
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "punchclock-bench-payday.db")
    args = parser.parse_args()
    url, key_file, codes = prepare(args.db, args.employees)
    port = free_port()
    script = Path(tempfile.gettempdir()) / f"punchclock_bench_payday_server_{os.getpid()}.py"
    script.write_text(SERVER, encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, str(script), str(port), str(args.workers)],
        cwd=ROOT,
        env={**os.environ, "BENCH_DB_URL": url, ENV_FILE: str(key_file), "PYTHONPATH": str(ROOT)},
    )
    base, latest = f"http://127.0.0.1:{port}", PERIODS[-1]
    sessions: dict[str, str] = {}  # employee code → session cookie, from the rush's logins
    try:
        wait_for(base, server)
        load = " ".join(f"{figure:.2f}" for figure in os.getloadavg())
        print(
            f"payday rush: {len(codes):,} employees, {args.in_flight} in flight, {args.workers} uvicorn worker(s), "
            f"SQLite WAL; load average before the run {load} on {os.cpu_count()} core(s)"
        )
        print(
            f"  {'call':<7} {'count':>7} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'p50/floor':>11} {'p99/floor':>10}"
        )
        floor = timed_phase(server.pid, lambda rush: health_floor(base, len(codes), args.in_flight, rush))
        floor_q = quantiles(floor.latencies["health"])
        report("floor, GET /health", floor, floor_q)

        async def everyone(rush: Rush) -> None:
            queue = iter(codes)
            await asyncio.gather(*(phone(base, queue, rush, sessions, latest) for _ in range(args.in_flight)))

        cold = timed_phase(server.pid, everyone)
        report("rush: log in, list, open", cold, floor_q)
        warm = timed_phase(server.pid, everyone)
        report("rush with sessions open: list, open", warm, floor_q)
        path_cpu = warm.cpu_seconds / warm.requests
        login_cpu = (cold.cpu_seconds - path_cpu * (cold.requests - len(cold.latencies["login"]))) / len(codes)
        share = login_cpu * len(codes) / cold.cpu_seconds if cold.cpu_seconds else 0.0
        print(
            f"server CPU per login ≈ {login_cpu * 1000:.1f} ms against {path_cpu * 1000:.2f} ms per payslip call: the "
            f"logins take {share:.0%} of the rush's server CPU"
        )
        if share > 0.5:
            print(
                "the logins dominate: each is an Argon2id verification (pwdlib's recommended parameters), slow by "
                "design so a stolen hash is slow to guess; the rush with sessions open is the payslip path's own cost"
            )
        print(f"every response 200: {cold.requests + warm.requests + floor.requests:,} requests")
    finally:
        server.terminate()
        server.wait(timeout=60)
        script.unlink(missing_ok=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of the largest server process: {peak:.0f} MiB ({args.workers} worker(s) and the supervisor)")


if __name__ == "__main__":
    main()
