"""The HR dashboard on the 10,000-employee benchmark database: server time of one page load, next to /health.

The database is `benchmarks/api.py`'s (10,000 employees in two offices, 3,000,000 punches over 150 workdays
up to 2026-03-31, a locked pay run of 2026-03 with 10,000 payslips; built once and reused). One uvicorn
worker serves the app from a subprocess; one client sends requests one after another, so each latency
is the server's time for that request plus loopback, with no queueing. Scenarios:

- `GET /api/v1/dashboard?day=2026-03-31`: a workday with punches — both offices' attendance of the day
  from the kernel, terminal health, six months of trends from the payslips;
- `GET /api/v1/dashboard`: today (no punches on the benchmark's today: the cheapest case of the first);
- `GET /health`: the floor that uvicorn, loopback and the client set.

Server CPU ms per request is measured from /proc (the worker's user + system time), so it is the cost
of the route on the server whatever the client adds. Goal: a page load under 1 s of server time.

Run: `.venv/bin/python benchmarks/dashboard.py [--requests N] [--db PATH]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.api import SERVER, free_port, prepare, server_cpu_seconds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=150)
    parser.add_argument("--requests", type=int, default=30, help="requests per scenario (after 3 to warm up)")
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "punchclock-bench-api.db")
    args = parser.parse_args()
    ctx = prepare(args.db, args.employees, args.days)
    port = free_port()
    script = Path(tempfile.gettempdir()) / "punchclock_bench_dashboard_server.py"
    script.write_text(SERVER, encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, str(script), str(port), "1"],
        cwd=ROOT,
        env={**os.environ, "BENCH_DB_URL": str(ctx["url"]), "PYTHONPATH": str(ROOT)},
    )
    base = f"http://127.0.0.1:{port}"
    hr = {"Authorization": f"Bearer {ctx['hr']}"}
    scenarios = {
        "dashboard, 2026-03-31": ("/api/v1/dashboard", {"day": "2026-03-31"}, hr),
        "dashboard, today": ("/api/v1/dashboard", {}, hr),
        "reference: /health": ("/health", {}, {}),
    }
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(300):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"{args.requests} requests per scenario, one at a time, 1 uvicorn worker, SQLite WAL")
            print(f"{'scenario':<24} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8} {'srv CPU ms/req':>15}")
            for name, (path, params, headers) in scenarios.items():
                for _ in range(3):  # numba's cached kernels load, SQLite's pages come into the cache
                    client.get(path, params=params, headers=headers).raise_for_status()
                latencies = []
                cpu_before = server_cpu_seconds(server.pid)
                for _ in range(args.requests):
                    started = time.perf_counter()
                    response = client.get(path, params=params, headers=headers)
                    latencies.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                cpu_ms = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / args.requests
                q = statistics.quantiles(latencies, n=10)
                print(f"{name:<24} {q[4]:>8.1f} {q[8]:>8.1f} {max(latencies):>8.1f} {cpu_ms:>15.1f}")
            figures = client.get("/api/v1/dashboard", params={"day": "2026-03-31"}, headers=hr).json()
            print("offices on 2026-03-31:", [(o["office"], o["headcount"], o["present"]) for o in figures["offices"]])
            print("trend months:", figures["trends"]["months"])
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
