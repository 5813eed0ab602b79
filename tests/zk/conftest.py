"""ZKTeco tests: pytest's importlib mode puts no test folder on sys.path; these share `zk_testkit`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
