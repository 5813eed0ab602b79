"""Hikvision ISAPI download: N face passes (default 10,000) from the simulated DS-K1T terminal through the
hik-isapi driver (Digest over HTTP, 30 records a request as the terminal serves them), and the same number of
records from the ZK simulator over TCP through the zk-tcp driver, measured in the same run. Prints both
throughputs and the ratio.

    .venv/bin/python benchmarks/download_hik.py [--records N] [--runs N] [--https]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from drivers.hik_isapi import HikIsapiDriver
from drivers.zk import ZKTcpDriver
from simulators.hik_isapi import HikTerminal
from simulators.zk import ZKTerminal


def best_of(runs: int, read: Callable[[], int], records: int) -> float:
    """The fastest of `runs` full downloads (connect + download + parse), each checked for every record."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        count = read()
        times.append(time.perf_counter() - start)
        assert count == records, f"read {count} of {records} records"
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3, help="runs per kind; the best one counts")
    parser.add_argument(
        "--https", action="store_true", help="the Hikvision terminal over HTTPS, its certificate pinned"
    )
    args = parser.parse_args()

    with HikTerminal(users=args.users, records=args.records, https=args.https) as hik:
        options = {"scheme": "https", "tls_fingerprint": hik.fingerprint} if args.https else {}

        def read_hik() -> int:
            with HikIsapiDriver(hik.host, hik.port, user=hik.user, password=hik.password, **options) as driver:  # type: ignore[arg-type]
                return len(driver.read_punches())

        hik_s = best_of(args.runs, read_hik, args.records)
        requests = -(-args.records // hik.page_cap)

    with ZKTerminal(users=args.users, records=args.records, capacity=max(args.records, 100_000)) as zk:

        def read_zk() -> int:
            with ZKTcpDriver("127.0.0.1", zk.port, timeout=10) as driver:
                return len(driver.read_punches())

        zk_s = best_of(args.runs, read_zk, args.records)

    scheme = "HTTPS, pinned" if args.https else "HTTP"
    print(f"records: {args.records:,} from each simulator (connect + download + parse), best of {args.runs}")
    print(
        f"hik-isapi ({scheme}): {hik_s:6.3f} s  {args.records / hik_s:10,.0f} records/s  ({requests:,} AcsEvent pages)"
    )
    print(f"zk-tcp             : {zk_s:6.3f} s  {args.records / zk_s:10,.0f} records/s")
    print(f"ratio              : hik-isapi takes {hik_s / zk_s:5.1f}x the time of zk-tcp for the same records")


if __name__ == "__main__":
    main()
