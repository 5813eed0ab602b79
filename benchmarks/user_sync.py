"""User sync of 3,000 employees to 20 simulated ZK terminals (TCP), against pyzk's own `set_user` loop.

    .venv/bin/python -m benchmarks.user_sync [--employees 3000] [--terminals 20]

Prints the time of one full sync pass (the terminals in parallel, each under its lease, one batch and one
refresh per terminal) and the time pyzk's `set_user` loop (a refresh after every user) takes to write the
same employees to one terminal, measured in the same run with the same simulator pacing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from zk import ZK

from gateway import config as cfg
from gateway.access.keys import KeyRing
from gateway.devices.user_sync import sync_users, totals
from gateway.store import Badge, Device, Employee, Office, make_engine, session_factory, upgrade
from simulators.zk import ZKTerminal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=3000)
    parser.add_argument("--terminals", type=int, default=20)
    args = parser.parse_args()
    office = cfg.Office(name="Plant", timezone="Asia/Shanghai", city="shanghai")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        factory = session_factory(make_engine(url), keys=KeyRing.generate())
        terminals = [
            ZKTerminal(users=0, records=0, seed=n, user_capacity=10_000).start() for n in range(args.terminals + 1)
        ]
        try:
            with factory() as session, session.begin():
                row = Office(name=office.name, timezone=office.timezone, city=office.city)
                session.add(row)
                session.flush()
                for n in range(args.terminals):
                    session.add(Device(name=f"t{n}", sn=f"t{n}", kind="zk-tcp", office_id=row.id))
                for i in range(args.employees):
                    person = Employee(code=f"E{i:05d}", name=f"员工{i:05d}", office_id=row.id, pay_basis="monthly")
                    session.add(person)
                    session.flush()
                    session.add(Badge(pin=str(10_000 + i), employee_id=person.id, card=i))
            devices = [
                cfg.Device(name=f"t{n}", kind="zk-tcp", host="127.0.0.1", port=t.port, office=office.name)
                for n, t in enumerate(terminals[:-1])
            ]
            started = time.perf_counter()
            plans = sync_users(factory, cfg.Config(offices=[office], devices=devices), now=lambda: datetime.now(UTC))
            ours = time.perf_counter() - started
            assert not any(p.error for p in plans), [p.error for p in plans if p.error]
            assert all(len(t.users) == args.employees for t in terminals[:-1])
            written = totals(plans)["add"]

            conn = ZK("127.0.0.1", terminals[-1].port, ommit_ping=True, encoding="gbk").connect()
            conn.get_users()
            started = time.perf_counter()
            for i in range(args.employees):
                conn.set_user(uid=i + 1, name=f"员工{i:05d}", user_id=str(10_000 + i), card=i)
            theirs = time.perf_counter() - started
            conn.disconnect()
        finally:
            for t in terminals:
                t.stop()
    print(f"user sync: {written:,} users to {args.terminals} terminals in {ours:.2f} s ({written / ours:,.0f} users/s)")
    print(
        f"pyzk set_user loop: {args.employees:,} users to 1 terminal in {theirs:.2f} s "
        f"({args.employees / theirs:,.0f} users/s)"
    )
    print(f"ratio: user sync wrote {args.terminals}x the users in {ours / theirs:.2f}x pyzk's time for one terminal")


if __name__ == "__main__":
    main()
