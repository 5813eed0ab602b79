"""Anviz download: N records (default 10,000) from the TC_B simulator over TCP through the anviz driver, and
the zk-tcp driver on a ZK simulator holding the same number of records in the same run, for the ratio.

TC_B sends at most 25 records (364 bytes) per request, so its cost is one round trip per 25 records; ZK sends
the log in 64 KiB chunks. The figure to watch is records/s; the ratio says how far TC_B's protocol, not our
code, keeps a poll behind a ZK terminal's (on RS-485 at 9600 baud the line, ~65 records/s, is the bound).

    .venv/bin/python benchmarks/download_anviz.py [--records N] [--runs N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from drivers.anviz import AnvizDriver
from drivers.base import Driver
from drivers.zk import ZKTcpDriver
from simulators.anviz import AnvizBus, AnvizTerminal
from simulators.zk import ZKTerminal


def best_of(runs: int, build: Callable[[], Driver], records: int) -> float:
    """The fastest of `runs` connect + download + parse passes (each checked to read every record)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with build() as driver:
            punches = driver.read_punches()
        times.append(time.perf_counter() - start)
        assert len(punches) == records, f"read {len(punches)} of {records} records"
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per driver; the best one counts")
    args = parser.parse_args()
    with AnvizBus([AnvizTerminal.sample(1, args.records)]) as bus:
        anviz_s = best_of(args.runs, lambda: AnvizDriver("127.0.0.1", bus.port, device_id=1), args.records)
    with ZKTerminal(records=args.records, capacity=max(args.records, 100_000)) as terminal:
        zk_s = best_of(args.runs, lambda: ZKTcpDriver("127.0.0.1", terminal.port, timeout=10), args.records)
    print(f"records: {args.records:,} over TCP from the simulators (connect + download + parse), best of {args.runs}")
    print(f"anviz (TC_B, 25/packet): {anviz_s:6.3f} s  {args.records / anviz_s:12,.0f} records/s")
    print(f"zk-tcp (64 KiB chunks) : {zk_s:6.3f} s  {args.records / zk_s:12,.0f} records/s")
    print(f"ratio anviz / zk-tcp   : {zk_s / anviz_s:6.2f} of ZK's records/s")


if __name__ == "__main__":
    main()
