"""ZKTeco download: 100,000 attendance records from the simulator over TCP, through the zk-tcp driver,
with pyzk's own `get_attendance()` on the same terminal as the reference. Prints both throughputs and
the ratio; goal: the driver downloads 100,000 records in under 3 seconds.

    .venv/bin/python benchmarks/zk_download.py [--records N] [--runs N]
"""

from __future__ import annotations

import argparse
import time

from zk import ZK

from drivers.zk import ZKTcpDriver
from simulators.zk import ZKTerminal

GOAL_S = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3, help="driver runs; the best one counts")
    args = parser.parse_args()

    with ZKTerminal(users=args.users, records=args.records, capacity=max(args.records, 100_000)) as terminal:
        driver_s = []
        for _ in range(args.runs):
            start = time.perf_counter()
            with ZKTcpDriver("127.0.0.1", terminal.port, timeout=10) as driver:
                punches = driver.read_punches()
            driver_s.append(time.perf_counter() - start)
        assert len(punches) == args.records, f"driver read {len(punches)} of {args.records} records"

        start = time.perf_counter()
        client = ZK("127.0.0.1", terminal.port, timeout=10, ommit_ping=True)
        client.connect()
        reference = client.get_attendance()
        client.disconnect()
        pyzk_s = time.perf_counter() - start
        assert [(a.user_id, a.timestamp) for a in reference] == [(p.pin, p.ts_local) for p in punches], (
            "the driver and pyzk disagree on the records"
        )

    best = min(driver_s)
    print(f"records: {args.records:,} x 40 bytes over TCP from the simulator (connect + download + parse)")
    print(f"zk-tcp driver : {best:6.3f} s  {args.records / best:12,.0f} records/s  (best of {args.runs})")
    print(f"pyzk reference: {pyzk_s:6.3f} s  {args.records / pyzk_s:12,.0f} records/s  (get_attendance)")
    print(f"ratio         : {pyzk_s / best:6.1f}x faster than pyzk alone")
    verdict = "met" if best < GOAL_S * args.records / 100_000 else "MISSED"
    print(f"goal          : 100,000 records in < {GOAL_S:g} s: {verdict}")


if __name__ == "__main__":
    main()
