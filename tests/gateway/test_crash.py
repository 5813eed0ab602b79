"""SIGKILL the gateway again and again while it syncs 200,000 punches: nothing is lost, nothing doubled.

The simulated terminals live in this test process; `punchclock sync` runs as a subprocess that is
killed at random moments and, through `gateway.devices.crashpoints`, exactly inside the insert transaction,
between commit and verification, just before and just after the device clear. After every kill the
test checks that no terminal was cleared of a punch the database lacks; after a final clean sync the
database holds every punch any terminal ever recorded, exactly once.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.store import make_engine
from simulators.zk import ZKTerminal

PUNCHCLOCK = str(Path(sys.executable).with_name("punchclock"))
# (records, udp, clear_after_download): 200,000 punches in total; the one never cleared is re-read every round.
TERMINALS = [(95_000, False, True), (95_000, True, True), (10_000, False, False)]
CRASHPOINTS = ["ingest.before_commit", "poll.before_verify", "poll.before_clear", "poll.after_clear"]
KILLS_PER_CRASHPOINT = 4
RANDOM_KILLS = 7


@pytest.fixture
def terminals() -> Iterator[list[ZKTerminal]]:
    sims = [
        ZKTerminal(users=300, records=n, seed=7 + i, udp=udp, capacity=100_000).start()
        for i, (n, udp, _clear) in enumerate(TERMINALS)
    ]
    try:
        yield sims
    finally:
        for sim in sims:
            sim.stop()


def write_config(path: Path, sims: list[ZKTerminal]) -> None:
    lines = [
        f'[database]\nurl = "sqlite:///{path.parent / "crash.db"}"\n',
        '[[offices]]\nname = "HQ"\ntimezone = "UTC"\ncity = "shanghai"\n',
    ]
    for i, (sim, (_n, _udp, clear)) in enumerate(zip(sims, TERMINALS, strict=True)):
        lines.append(
            f'[[devices]]\nname = "t{i}"\nkind = "{sim.kind}"\nhost = "127.0.0.1"\nport = {sim.port}\n'
            f'office = "HQ"\ntimeout_s = 10\nclear_after_download = {str(clear).lower()}\n'
        )
    path.write_text("\n".join(lines), encoding="utf-8")


class Gateway:
    """One `punchclock sync` subprocess whose stderr lines arrive on a queue."""

    def __init__(self, config: Path, crashpoint: str | None) -> None:
        env = dict(os.environ, PUNCHCLOCK_CRASHPOINT=crashpoint or "", PUNCHCLOCK_CRASHPOINT_PAUSE_S="30")
        self.process = subprocess.Popen(
            [PUNCHCLOCK, "sync", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, marker: str, timeout: float = 60.0) -> bool:
        """True when the process announced `marker`; False when it ended without reaching it."""
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                return False
            if line.startswith(marker):
                return True

    def kill(self) -> bool:
        """SIGKILL; True if the process was still running (a real kill, not a corpse)."""
        alive = self.process.poll() is None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        return alive


def keys_in_db(db: Path) -> dict[str, set[tuple[str, str]]]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT device_sn, pin, ts_local FROM punches")).all()
            distinct = connection.execute(
                text("SELECT count(*) FROM (SELECT DISTINCT device_sn, pin, ts_local FROM punches)")
            ).scalar_one()
    except Exception:  # the first gateway may be killed before it created the schema
        return {}
    finally:
        engine.dispose()
    assert distinct == len(rows)
    found: dict[str, set[tuple[str, str]]] = {}
    for sn, pin, ts in rows:
        found.setdefault(sn, set()).add((pin, ts[:19].replace(" ", "T")))
    return found


def sim_keys(records: object) -> set[tuple[str, str]]:
    return {(r.user_id, r.timestamp.isoformat()) for r in records}  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_at_any_moment_loses_and_duplicates_nothing(terminals: list[ZKTerminal], tmp_path: Path) -> None:
    config = tmp_path / "punchclock.toml"
    write_config(config, terminals)
    db = tmp_path / "crash.db"
    ever = {sim.serial: sim_keys(sim.records) for sim in terminals}
    assert sum(len(k) for k in ever.values()) == 200_000
    rng = random.Random(20261123)
    plan = [point for point in CRASHPOINTS for _ in range(KILLS_PER_CRASHPOINT)] + [None] * RANDOM_KILLS
    rng.shuffle(plan)
    kills: dict[str, int] = {}
    for round_no, point in enumerate(plan):
        # New punches keep arriving, so cleared terminals always have something to download and clear.
        for sim in terminals:
            base = max(r.timestamp for r in sim.records) if sim.records else sim.device_time()
            for n in range(25):
                pin = str(1001 + (round_no * 25 + n) % 300)
                assert sim.add_punch(pin, base + timedelta(minutes=1 + n))
            ever[sim.serial] |= sim_keys(sim.records[-25:])
        if point is None:
            # A sync with little left to do may finish first; then try again with a shorter fuse.
            delay, landed = rng.uniform(0.3, 1.5), False
            while not landed and delay > 0.05:
                gateway = Gateway(config, None)
                threading.Event().wait(delay)
                landed, delay = gateway.kill(), delay / 2
        else:
            gateway = Gateway(config, point)
            landed = gateway.wait_for(f"CRASHPOINT {point}") and gateway.kill()
            if not landed:
                gateway.kill()
        if landed:
            kills[point or "random"] = kills.get(point or "random", 0) + 1
        stored = keys_in_db(db)
        for sim in terminals:
            cleared_away = ever[sim.serial] - sim_keys(sim.records)
            missing = cleared_away - stored.get(sim.serial, set())
            assert not missing, (
                f"round {round_no} ({point}): {sim.serial} was cleared of {len(missing)} punches the database lacks"
            )

    final = subprocess.run([PUNCHCLOCK, "sync", "--config", str(config)], capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-2000:]
    assert keys_in_db(db) == ever
    assert [len(sim.records) for sim, (_n, _u, clear) in zip(terminals, TERMINALS, strict=True) if clear] == [0, 0]
    assert sum(kills.values()) >= 20 and all(kills.get(p, 0) >= 3 for p in CRASHPOINTS), kills
