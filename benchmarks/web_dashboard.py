"""A page load of the dashboard: server time for everything the browser asks for, on the 10,000-employee database.

The database is benchmarks/api.py's (10,000 employees, 3,000,000 punches; reused when it exists) with a key
file beside it, the 2026-03 pay run computed and locked, and an HR login. uvicorn serves the app from a
subprocess (one worker). One "page load" is what the browser requests for the dashboard of a logged-in HR
user: `/`, every module and stylesheet the page imports (found by following the import map and the modules'
imports, as the browser does), `GET /api/v1/session` and `GET /api/v1/dashboard`. They are requested one
after another on one keep-alive connection, so the sum of their latencies is the server's time (plus
loopback) with nothing queued; a browser fetches modules in parallel, so its page is ready sooner.
Reported: p50 and max over the loads after a warm-up, and the slowest requests. The target: under 1 s of
server time.

Run: `.venv/bin/python benchmarks/web_dashboard.py [--loads 20] [--db PATH]`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.api import PERIOD, build_database, free_port  # noqa: E402
from gateway.access.keys import ENV_FILE, create_key_file, load_keys  # noqa: E402
from gateway.access.users import create_user  # noqa: E402
from gateway.pay.lock_checks import WARNING_CODES  # noqa: E402
from gateway.pay.payrun import run_payroll  # noqa: E402
from gateway.store import PayRun, User, make_engine, session_factory  # noqa: E402

USERNAME, PASSWORD = "bench.hr", "Benchmark-HR-2026"
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
    uvicorn.run("__main__:make", factory=True, host="127.0.0.1", port=int(sys.argv[1]), workers=1,
                log_level="warning", access_log=False)
"""
IMPORT = re.compile(r"""^import .*? from ["']([^"']+)["'];$|^import ["']([^"']+)["'];$""", re.M)


def page_files(client: httpx.Client) -> list[str]:
    """Every path the dashboard page loads: the import map's targets, stylesheets, and modules by their imports."""
    index = client.get("/").text
    imports = json.loads(re.search(r'<script type="importmap">(.*?)</script>', index, re.S).group(1))["imports"]  # type: ignore[union-attr]
    wanted = re.findall(r'<link rel="stylesheet" href="([^"]+)"', index)
    queue = [re.search(r'<script type="module" src="([^"]+)"', index).group(1)]  # type: ignore[union-attr]
    seen: set[str] = set()
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.startswith("/web/vendor/"):
            continue  # vendored bundles import only each other through bare names, listed in the import map
        text = client.get(path).text
        for relative, bare in IMPORT.findall(text):
            target = relative or bare
            if target in imports:
                queue.append(imports[target])
            else:
                queue.append(os.path.normpath(os.path.join(os.path.dirname(path), target)))
    return ["/", *wanted, *sorted(seen), "/api/v1/session", "/api/v1/dashboard"]


def prepare(path: Path, employees: int, days: int) -> tuple[str, Path]:
    """The database (built unless one of this size exists), its key file, the locked pay run and the HR login."""
    url, key_file = f"sqlite:///{path}", path.with_suffix(".key")
    if path.exists() and not key_file.exists():
        path.unlink()  # built without keys (by benchmarks/api.py): its audit rows cannot be chained on
    if not path.exists():
        started = time.perf_counter()
        build_database(path, employees, days)
        print(f"built {employees:,} employees in {time.perf_counter() - started:.0f} s")
    keys = load_keys(key_file) if key_file.exists() else create_key_file(key_file)
    factory = session_factory(make_engine(url), keys=keys, anchor_file=path.with_suffix(".anchors"))
    with factory() as session, session.begin():
        if session.query(PayRun).filter_by(period=PERIOD).first() is None:
            run_payroll(session, PERIOD, "all", "benchmark", lock=True, acknowledge=list(WARNING_CODES))
        if session.query(User).filter_by(username=USERNAME).first() is None:
            create_user(session, "benchmark", USERNAME, "Benchmark HR", "hr", PASSWORD)
    return url, key_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=150)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "punchclock-bench-web.db")
    args = parser.parse_args()
    url, key_file = prepare(args.db, args.employees, args.days)
    port = free_port()
    script = Path(tempfile.gettempdir()) / "punchclock_bench_web_server.py"
    script.write_text(SERVER, encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, str(script), str(port)],
        cwd=ROOT,
        env={**os.environ, "BENCH_DB_URL": url, ENV_FILE: str(key_file), "PYTHONPATH": str(ROOT)},
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(300):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert client.post("/api/v1/session", json={"username": USERNAME, "password": PASSWORD}).status_code == 200
            files = page_files(client)
            dashboard = client.get("/api/v1/dashboard").status_code
            if dashboard != 200:
                print(f"GET /api/v1/dashboard answers {dashboard}: this code has no dashboard route yet")
                files.remove("/api/v1/dashboard")
            totals: list[float] = []
            slowest: dict[str, float] = {}
            for load in range(args.loads + 2):  # two warm-up loads
                took = 0.0
                for path in files:
                    started = time.perf_counter()
                    response = client.get(path)
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 200, (path, response.status_code)
                    took += elapsed
                    if load >= 2:
                        slowest[path] = max(slowest.get(path, 0.0), elapsed)
                if load >= 2:
                    totals.append(took)
            size = sum(len(client.get(path).content) for path in files)
            print(f"dashboard page load: {len(files)} requests, {size / 1e6:.1f} MB, {args.employees:,} employees")
            print(
                f"server time per load (sequential, loopback): p50 {statistics.median(totals) * 1000:.0f} ms, "
                f"max {max(totals) * 1000:.0f} ms over {len(totals)} loads"
            )
            for path, seconds in sorted(slowest.items(), key=lambda kv: -kv[1])[:5]:
                print(f"  slowest {path}: {seconds * 1000:.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
