"""benchmarks/api.py, run tiny: every scenario answers 200 on SQLite (and PostgreSQL when the tests have one).

No figure is judged (the machine is shared); the test holds the benchmark runnable and its rows complete.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text

from gateway.store import make_engine

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("floor: /health", "payslip (hr, by id)", "own payslips (employee)", "employee punches, 1 month",
             "punch page (whole log)", "dashboard (hr)")  # fmt: skip


def test_api_benchmark_tiny(tmp_path: Path) -> None:
    pg = os.environ.get("PUNCHCLOCK_TEST_PG_URL")
    name = f"punchclock_bench_test_{uuid.uuid4().hex[:8]}"
    argv = ["--employees", "20", "--days", "2", "--requests", "20", "--workers", "1", "--db", str(tmp_path / "a.db")]
    try:
        done = subprocess.run(
            [sys.executable, "benchmarks/api.py", *argv, *(["--pg", pg, "--pg-database", name] if pg else [])],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    finally:
        if pg:
            admin = make_engine(pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    assert done.returncode == 0, done.stderr[-3000:]
    labels = ["SQLite WAL", *(["PostgreSQL"] if pg else [])]
    assert re.findall(r"^(.+): every response 200$", done.stdout, re.M) == labels
    rows = re.findall(r"^(.+?) +\d+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+× \|", done.stdout, re.M)
    assert rows == list(SCENARIOS) * len(labels)
