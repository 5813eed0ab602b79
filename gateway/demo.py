"""`punchclock demo`: simulated terminals, downloaded through the real drivers, summarised.

For now: two simulated ZKTeco terminals on loopback (one TCP with a comm key, one UDP), their users
and attendance logs read through `zk-tcp` / `zk-udp` exactly as from hardware, and a table of what
came back.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from drivers.base import driver_class
from simulators.zk import ZKTerminal


@dataclass(frozen=True, slots=True)
class _DemoTerminal:
    users: int
    records: int
    seed: int
    udp: bool
    comm_key: int


_TERMINALS = (
    _DemoTerminal(users=50, records=10_000, seed=1, udp=False, comm_key=1234),
    _DemoTerminal(users=30, records=5_000, seed=2, udp=True, comm_key=0),
)


def run_demo(console: Console | None = None) -> Table:
    """Start the terminals, download everything through the drivers, print and return the summary."""
    console = console or Console()
    table = Table(title="Simulated ZKTeco terminals, read through the drivers")
    for column in ("device", "serial", "users", "records", "first punch", "last punch"):
        table.add_column(column, justify="right" if column in ("users", "records") else "left")
    for spec in _TERMINALS:
        with ZKTerminal(spec.users, spec.records, spec.seed, udp=spec.udp, comm_key=spec.comm_key) as terminal:
            driver = driver_class(terminal.kind)("127.0.0.1", terminal.port, comm_key=spec.comm_key, timeout=5.0)
            with console.status(f"downloading {terminal.kind} 127.0.0.1:{terminal.port}"), driver:
                info = driver.info()
                users = driver.read_users()
                punches = driver.read_punches()
            first = min(p.ts_local for p in punches) if punches else None
            last = max(p.ts_local for p in punches) if punches else None
            table.add_row(
                f"{terminal.kind} 127.0.0.1:{terminal.port}",
                info.serial_number,
                f"{len(users):,}",
                f"{len(punches):,}",
                f"{first:%Y-%m-%d %H:%M:%S}" if first else "-",
                f"{last:%Y-%m-%d %H:%M:%S}" if last else "-",
            )
    console.print(table)
    return table
