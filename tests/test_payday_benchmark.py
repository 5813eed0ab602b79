"""benchmarks/payday.py, run tiny: every call answers 200 and every figure the benchmark promises is printed.

No figure is judged (the machine is shared); the test holds the benchmark runnable and its report complete.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"[\d.,]+"


def test_payday_rush_tiny(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/payday.py", "--employees", "20", "--in-flight", "4", "--workers", "1",
         "--db", str(tmp_path / "payday.db")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "20 employee logins created in" in out
    assert re.search(
        r"^payday rush: 20 employees, 4 in flight, 1 uvicorn worker\(s\), SQLite WAL; load average", out, re.M
    )
    for title, requests in (("floor, GET /health", 20), ("rush: log in, list, open", 60),
                            ("rush with sessions open: list, open", 40)):  # fmt: skip
        assert re.search(
            rf"^{re.escape(title)}: {requests} requests in {NUMBER} s, {NUMBER} req/s, server CPU {NUMBER} ms/req$",
            out,
            re.M,
        ), title
    rows = re.findall(rf"^  (health|login|list|detail) +(\d+)(?: +{NUMBER}){{3}} +{NUMBER}× +{NUMBER}×$", out, re.M)
    assert rows == [("health", "20"), ("login", "20"), ("list", "20"), ("detail", "20"), ("list", "20"),
                    ("detail", "20")]  # fmt: skip
    assert re.search(
        rf"^server CPU per login ≈ {NUMBER} ms against {NUMBER} ms per payslip call: the logins take", out, re.M
    )
    assert re.search(r"^every response 200: 120 requests$", out, re.M)
    assert re.search(
        r"^peak RSS of the largest server process: \d+ MiB \(1 worker\(s\) and the supervisor\)$", out, re.M
    )
