"""Start `punchclock serve` processes for the deployment tests, and read what they print."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PUNCHCLOCK = str(Path(sys.executable).with_name("punchclock"))
# rich wraps at the terminal width, 80 columns in a pipe: keep each message on one line
WIDE = dict(os.environ, COLUMNS="400")
WAIT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """A running `punchclock serve`: its API's base URL and every line it printed so far."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)
    # Every line with the monotonic time it was read, filled by the reader itself (for the soak's timings).
    stamped: list[tuple[float, str]] = field(default_factory=list)
    _new: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def start_reading(self) -> None:
        def pump() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.stamped.append((time.monotonic(), line.rstrip("\n")))
                self._new.put(line.rstrip("\n"))
            self._new.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, prefix: str, timeout_s: float = WAIT_S) -> str:
        """The first line (seen before or from now on) starting with `prefix`; AssertionError after `timeout_s`."""
        for seen in self.lines:
            if seen.startswith(prefix):
                return seen
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line starting {prefix!r} in: " + "\n".join(self.lines))

    def stop(self) -> str:
        """SIGTERM, wait for a clean exit, and every line it printed."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT_S)
        while (line := self._new.get(timeout=WAIT_S)) is not None:  # the pump ends with the process's stderr
            self.lines.append(line)
        assert code == 0, "\n".join(self.lines)
        return "\n".join(self.lines)

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would, and wait until the process and its output end."""
        self.process.kill()
        self.process.wait(timeout=WAIT_S)
        while (line := self._new.get(timeout=WAIT_S)) is not None:
            self.lines.append(line)


def serve(config: Path, port: int, *args: str) -> Served:
    """`punchclock serve --config CONFIG ARGS`, ready once its API answers."""
    process = subprocess.Popen(
        [PUNCHCLOCK, "serve", "--config", str(config), *args],
        env=WIDE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    served.start_reading()
    served.wait_for("API and HR page at ")
    return served


def write_config(path: Path, url: str, port: int, body: str = "", site: str | None = None) -> Path:
    """A config for one process on database `url`, its API on `port`, the key file beside it."""
    head = f'site = "{site}"\n\n' if site is not None else ""
    path.write_text(
        f'{head}[database]\nurl = "{url}"\n\n[api]\nbind = "127.0.0.1:{port}"\n\n'
        '[security]\nkey_file = "punchclock.key"\n\n'
        '[[offices]]\nname = "Shanghai HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\nsite = "SH"\n\n'
        '[[offices]]\nname = "Beijing plant"\ntimezone = "Asia/Shanghai"\ncity = "beijing"\nsite = "BJ"\n\n' + body,
        encoding="utf-8",
    )
    return path
