"""`punchclock sim zk` starts a terminal, prints where it listens, and serves until stopped."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.zk import ZKTcpDriver, ZKUdpDriver

PUNCHCLOCK = str(Path(sys.executable).parent / "punchclock")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_sim_zk_prints_its_address_and_serves(udp: bool) -> None:
    args = [
        PUNCHCLOCK,
        "sim",
        "zk",
        "--port",
        "0",
        "--users",
        "5",
        "--records",
        "321",
        "--seed",
        "4",
        "--comm-key",
        "77",
    ]
    proc = subprocess.Popen(
        [*args, "--udp"] if udp else args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        transport = "udp" if udp else "tcp"
        match = re.fullmatch(
            rf"ZKTeco terminal SIM[TU]0000004 listening on {transport}://127\.0\.0\.1:(\d+) \(5 users, 321 "
            r"records\); Ctrl-C stops it\n",
            line,
        )
        assert match, line
        cls = ZKUdpDriver if udp else ZKTcpDriver
        with cls("127.0.0.1", int(match.group(1)), comm_key=77, timeout=5) as d:
            assert len(d.read_punches()) == 321
    finally:
        proc.terminate()
        proc.wait(10)


def test_sim_zk_rejects_a_bad_layout_with_the_reason() -> None:
    result = subprocess.run(
        [PUNCHCLOCK, "sim", "zk", "--port", "0", "--record-layout", "20"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "record_layout must be one of (40, 16, 8), got 20" in result.stderr
