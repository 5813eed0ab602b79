"""Real `punchclock serve` processes on one database: started on free loopback ports, read line by line.

`deploy_kit` (on sys.path from here, as pytest's importlib mode puts no test folder there) writes a site's
config and starts, reads and stops the processes; every wait is bounded, so a process that never says what a
test waits for fails it instead of hanging it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
