"""The systemd units in deploy/ parse without a single warning (`systemd-analyze verify`), as an instance each.

`verify` checks that ExecStart's program exists, so the check runs on a copy whose /opt/punchclock/.venv is
this checkout's environment; every other line is the shipped one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parents[2] / "deploy"
VENV = Path(sys.executable).parent.parent


@pytest.mark.parametrize(
    ("template", "instance"), [("punchclock-gateway@.service", "SH"), ("punchclock-api@.service", "1")]
)
def test_the_unit_verifies_cleanly_and_is_hardened(template: str, instance: str, tmp_path: Path) -> None:
    text = (DEPLOY / template).read_text(encoding="utf-8")
    for line in ("User=punchclock", "ProtectSystem=strict", "Restart=on-failure", "NoNewPrivileges=yes"):
        assert line in text.splitlines()
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (package systemd): the units were not verified")
    unit = tmp_path / template.replace("@.", f"@{instance}.")
    unit.write_text(text.replace("/opt/punchclock/.venv", str(VENV)), encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
