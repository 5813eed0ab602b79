"""Named pause points that let the crash tests kill the gateway at an exact step.

Production never sets `PUNCHCLOCK_CRASHPOINT`, and then `crashpoint()` is one dictionary lookup.
With `PUNCHCLOCK_CRASHPOINT=ingest.before_commit,poll.before_clear` the process announces
`CRASHPOINT <name>` on stderr when it reaches one of those points and then sleeps
`PUNCHCLOCK_CRASHPOINT_PAUSE_S` seconds (default 30), so a test that reads stderr can SIGKILL it
exactly there instead of hoping a random kill lands in a millisecond-wide window.
"""

from __future__ import annotations

import os
import sys
import time

ENV = "PUNCHCLOCK_CRASHPOINT"
PAUSE_ENV = "PUNCHCLOCK_CRASHPOINT_PAUSE_S"


def crashpoint(name: str) -> None:
    armed = os.environ.get(ENV)
    if not armed or name not in armed.split(","):
        return
    sys.stderr.write(f"CRASHPOINT {name}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get(PAUSE_ENV, "30")))
