"""SOAP download and ADMS push intake, each against the ZK TCP download of the same number of records.

    .venv/bin/python benchmarks/soap_push.py [--records 20000] [--runs 3] [--batch-size 1000]

* ZK TCP (reference): `drivers.zk.ZKTcpDriver.read_punches()` from `simulators.zk.ZKTerminal`.
* SOAP: `drivers.zk_soap.ZKSoapDriver.read_punches()` (zeep, shipped WSDL) from the SOAP simulator.
* Push: `simulators.zk_push.PushTerminal` posting ATTLOG batches over real HTTP to the `/iclock`
  receiver under uvicorn, storing into a fresh SQLite file; a batch counts once answered `OK`, i.e.
  after its commit. So the push figure includes database writes that the two downloads do not.

Best of `--runs` for each; records per second and the ratio to ZK TCP are printed.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where the benchmark benchmarks/api.py
# would shadow the `api` package imported below.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import uvicorn
from fastapi import FastAPI

from api import iclock
from drivers.zk import ZKTcpDriver
from drivers.zk_soap import ZKSoapDriver
from gateway.store import Device, Office, make_engine, session_factory, upgrade
from simulators.zk import ZKTerminal
from simulators.zk_push import PushTerminal
from simulators.zk_soap import ZKSoapTerminal

PUSH_SN = "BENCH0000001"


def timed_read(read: Callable[[], int], expected: int, what: str) -> float:
    """Seconds one `read()` took; it must return all `expected` records."""
    start = time.perf_counter()
    got = read()
    elapsed = time.perf_counter() - start
    assert got == expected, f"{what}: {got} of {expected} records"
    return elapsed


def zk_tcp(records: int, users: int, runs: int) -> float:
    with ZKTerminal(users=users, records=records, capacity=max(records, 100_000)) as terminal:

        def read() -> int:
            with ZKTcpDriver("127.0.0.1", terminal.port, timeout=30) as driver:
                return len(driver.read_punches())

        return min(timed_read(read, records, "zk-tcp") for _ in range(runs))


def soap(records: int, users: int, runs: int) -> float:
    with ZKSoapTerminal(users=users, records=records, seed=1) as terminal:

        def read() -> int:
            with ZKSoapDriver(terminal.host, terminal.port, timeout=60) as driver:
                return len(driver.read_punches())

        return min(timed_read(read, records, "zk-soap") for _ in range(runs))


def push_once(records: int, users: int, batch_size: int) -> float:
    """Seconds for a push terminal to get all `records` accepted by a fresh receiver + SQLite store."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = session_factory(engine)
        with factory() as session, session.begin():
            office = Office(
                name="bench", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=60, shift_rule="standard"
            )
            session.add(office)
            session.flush()
            session.add(Device(name="bench", sn=PUSH_SN, kind="zk-push", office_id=office.id, consecutive_failures=0))
        app = FastAPI()
        iclock.mount(app, factory)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            thread.join(0.01)
        terminal = PushTerminal(
            f"http://127.0.0.1:{port}", PUSH_SN, users=users, records=records, batch_size=batch_size
        )
        try:
            return timed_read(lambda: terminal.push_all().records_sent, records, "push")
        finally:
            terminal.close()
            server.should_exit = True
            thread.join()
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1000, help="ATTLOG lines per push upload")
    args = parser.parse_args()

    n = args.records
    tcp_s = zk_tcp(n, args.users, args.runs)
    soap_s = soap(n, args.users, args.runs)
    push_s = min(push_once(n, args.users, args.batch_size) for _ in range(args.runs))
    tcp_rate = n / tcp_s
    print(f"records: {n:,}  (best of {args.runs})")
    print(f"ZK TCP download (reference): {tcp_s:7.3f} s  {tcp_rate:12,.0f} records/s")
    print(
        f"SOAP download (zeep):        {soap_s:7.3f} s  {n / soap_s:12,.0f} records/s  ratio to ZK TCP "
        f"{tcp_s / soap_s:6.3f}"
    )
    print(
        f"ADMS push accepted (+commit): {push_s:6.3f} s  {n / push_s:12,.0f} punches/s  ratio to ZK TCP "
        f"{tcp_s / push_s:6.3f}"
    )


if __name__ == "__main__":
    main()
