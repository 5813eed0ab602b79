"""`punchclock demo` (for now): both simulated terminals are read through the drivers and summarised."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from gateway.demo import run_demo


@pytest.mark.timeout(60)
def test_demo_summarises_both_terminals() -> None:
    out = io.StringIO()
    table = run_demo(Console(file=out, width=200))
    cells = [[str(c) for c in column.cells] for column in table.columns]
    rows = list(zip(*cells))
    assert [(r[0].split()[0], r[1], r[2], r[3]) for r in rows] == [
        ("zk-tcp", "SIMT0000001", "50", "10,000"),
        ("zk-udp", "SIMU0000002", "30", "5,000"),
    ]
    assert [r[4] for r in rows] == ["2025-01-06 07:46:22", "2025-01-06 07:45:04"]
    assert "SIMU0000002" in out.getvalue()
