"""The multi-site soak (issue 17): 3 site gateways, their simulated terminals and 2 API processes on one PostgreSQL.

    .venv/bin/python benchmarks/soak.py [--terminals 60] [--duration 300] [--clients 50] [--poll-interval 15]
        [--punch-every 10] [--no-pg-restart] [--db-url postgresql+psycopg://…]   (or `make soak`)

On a scratch database of the PostgreSQL server at `--db-url` (default `PUNCHCLOCK_TEST_PG_URL`) it starts, all on
loopback: one `punchclock serve` per site (SH, BJ, GZ) with `--terminals` simulated terminals each (ZK TCP, ZK UDP,
SOAP and ADMS in turn; 5 % of them, at least one per site, faulty: refusing, stalling or holding another comm
key), and two `serve --api-only` processes. Each healthy terminal gets one punch every `--punch-every` seconds,
its content known in advance (two employees per terminal, a 2026-11 workday each four punches: both in, both
out); `--clients` async httpx clients (in a process of their own, so their CPU does not slow the terminals) log in
and read payslips, punches and the dashboard on both API processes, and now and then queue a user sync to an ADMS
terminal. At 45 % of `--duration` the BJ gateway is SIGKILLed and started again; at 70 % PostgreSQL is restarted
(`pg_ctlcluster … restart`, which needs root or the cluster's owner; otherwise the step is skipped and the
reason printed).

At the end it checks every punch the simulators produced against the database by the natural key (device, badge,
local time): none lost, none twice, none unexpected; counts each healthy polled terminal's polls against its
interval over the time its gateway ran; prints each route's requests, errors (those outside the PostgreSQL
restart apart), p50 and p99, and the exceptions the API processes logged; and computes the 2026-11 pay run on
the shared database and on a fresh SQLite database into which one process ingested the same punches, comparing
every payslip's figures and lines to the fen. The closing block starts "soak:".
`tests/deploy/test_soak.py` runs the same harness small.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pwd
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from multiprocessing import get_context
from pathlib import Path
from typing import TypedDict

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.base import RawPunch  # noqa: E402
from gateway.access.keys import KeyRing, create_key_file  # noqa: E402
from gateway.access.users import create_user  # noqa: E402
from gateway.config import load_config  # noqa: E402
from gateway.devices.ingest import ingest_punches  # noqa: E402
from gateway.devices.inventory import register_config  # noqa: E402
from gateway.pay.lock_checks import WARNING_CODES  # noqa: E402
from gateway.pay.payrun import lines_of, payslips_of, run_payroll  # noqa: E402
from gateway.store import Badge, Employee, Office, Payslip, Punch, make_engine, session_factory, upgrade  # noqa: E402
from simulators.sample_punches import SimPunch  # noqa: E402
from simulators.zk import ZKTerminal  # noqa: E402
from simulators.zk_push import PushTerminal  # noqa: E402
from simulators.zk_soap import ZKSoapTerminal  # noqa: E402

# Imported as the deploy tests import it (tests/deploy/conftest.py puts its folder on sys.path), not as
# `tests.deploy.deploy_kit`: a test dependency (hikvisionapi) installs a top-level `tests` package of its own,
# which wins over this repository's `tests` folder when a script runs outside pytest.
sys.path.insert(0, str(ROOT / "tests" / "deploy"))
from deploy_kit import Served, free_port, serve  # noqa: E402

# (site, its office, the office's city for social insurance, its shift rules: payroll_core/rules/offices/)
SITES = (
    ("SH", "Shanghai HQ", "shanghai", "shanghai"),
    ("BJ", "Beijing plant", "beijing", "shanghai"),
    ("GZ", "Guangzhou plant", "guangzhou", "dongguan"),
)
KILLED_SITE = "BJ"
KINDS = ("zk-tcp", "zk-udp", "zk-soap", "zk-push")
# A refusing terminal is a TCP one: a refusing UDP simulator frees its port, which the kernel may hand to another
# client socket of this process (see tests/gateway/test_many_terminals.py). A stalling one answers after its timeout.
FAULT_KINDS = {"refuse": "zk-tcp", "stall": "zk-udp", "wrong key": "zk-tcp"}
COMM_KEY, WRONG_KEY = 4711, 4712
TIMEOUT_S = 3.0
RESTART_GRACE_S = 10.0
# The last line of a traceback an API process logged: the exception and its message. A class from a module
# (`sqlalchemy.exc.NoResultFound: …`) whatever its name, or a builtin one named as errors are.
EXCEPTION_LINE = re.compile(
    r"^(?:(?:[a-z_][a-z0-9_]*\.)+[A-Z]\w*|[A-Za-z_]*(?:Error|Exception|Timeout|Refused))(?::|$)"
)
PERIOD, EARLIER_PERIOD = "2026-11", "2026-10"
PASSWORD = "soak horse battery 9"
NOVEMBER_WORKDAYS = [date(2026, 11, d) for d in range(1, 31) if date(2026, 11, d).weekday() < 5]
ADMIN_URL_ENV = "PUNCHCLOCK_TEST_PG_URL"
Simulator = ZKTerminal | ZKSoapTerminal | PushTerminal


class RouteLoad(TypedDict):
    """One route under the load: each request's latency, and the status of each that failed ("no answer") with
    the monotonic times it was sent and ended (to tell the failures during the PostgreSQL restart from the rest)."""

    ms: list[float]
    failed: list[tuple[str, float, float]]
    busy: int  # 409s of a user sync: another client's sync held the terminal's lease, the answer that case needs


@dataclass(frozen=True)
class Plan:
    """How big and how long; `benchmarks/soak.py --help` names each."""

    terminals_per_site: int = 60
    duration_s: float = 300.0
    clients: int = 50
    poll_interval_s: float = 15.0
    punch_every_s: float = 10.0
    restart_postgres: bool = True


@dataclass
class Terminal:
    """One simulated terminal, where its gateway finds it, and every punch it was given (the ledger)."""

    site: str
    office: str
    number: int  # across all sites: picks its serial, its badges and its punch minutes
    name: str
    kind: str
    fault: str | None
    sim: Simulator
    serial: str
    port: int = 0
    produced: list[RawPunch] = field(default_factory=list)

    @property
    def pins(self) -> tuple[str, str]:
        return str(10_000 + 2 * self.number), str(10_001 + 2 * self.number)

    def next_punch(self) -> bool:
        """Give the terminal its next punch (the same sequence every run); False once November is full."""
        n = len(self.produced)
        if n >= 4 * len(NOVEMBER_WORKDAYS):
            return False
        day, slot = NOVEMBER_WORKDAYS[n // 4], n % 4
        pin, state = self.pins[slot % 2], slot // 2  # both in, then both out
        minute = self.number % 25
        at = clock(8, 30 + minute, slot) if state == 0 else clock(17, 35 + minute, slot)
        ts = datetime.combine(day, at)
        sim = self.sim
        if isinstance(sim, ZKTerminal):
            sim.add_punch(pin, ts, status=1, punch=state)
        elif isinstance(sim, ZKSoapTerminal):
            sim.state.punches.append(SimPunch(pin, ts, state, 1))
        else:
            sim.punches.append(SimPunch(pin, ts, state, 1))
        self.produced.append(RawPunch(self.serial, pin, ts, status=1, punch_state=state, verify_mode=1))
        return True

    def device_toml(self) -> str:
        where = f'sn = "{self.serial}"\n'  # known beforehand, so a fresh database knows each terminal's office too
        if self.kind != "zk-push":
            key = WRONG_KEY if self.fault == "wrong key" else COMM_KEY
            where += f'host = "127.0.0.1"\nport = {self.port}\ncomm_key = {key}\n'
        return f'[[devices]]\nname = "{self.name}"\nkind = "{self.kind}"\n{where}office = "{self.office}"\n'


def make_terminals(plan: Plan, gateway_urls: dict[str, str]) -> list[Terminal]:
    """Each site's terminals: the faulty ones first (one fault kind after another), then the kinds in turn."""
    faulty = max(1, round(plan.terminals_per_site * 0.05))
    terminals = []
    for s, (site, office, _city, _rules) in enumerate(SITES):
        for i in range(plan.terminals_per_site):
            number = s * plan.terminals_per_site + i
            fault = list(FAULT_KINDS)[(s + i) % len(FAULT_KINDS)] if i < faulty else None
            kind = FAULT_KINDS[fault] if fault else KINDS[i % len(KINDS)]
            seed = 1000 + number
            sim: Simulator
            if kind in ("zk-tcp", "zk-udp"):
                sim = ZKTerminal(users=0, records=0, seed=seed, udp=kind == "zk-udp", comm_key=COMM_KEY, packet_gap_s=0)
                serial = sim.serial
            elif kind == "zk-soap":
                sim = ZKSoapTerminal(users=0, records=0, seed=seed, comm_key=COMM_KEY)
                serial = sim.state.serial_number
            else:
                serial = f"ADMS{seed:08d}"
                sim = PushTerminal(gateway_urls[site], serial, users=0, records=0, seed=seed, max_backoff_s=1.0)
            name = f"{site.lower()}-{i:02d}"
            terminals.append(Terminal(site, office, number, name, kind, fault, sim, serial))
    return terminals


@contextmanager
def running(terminals: list[Terminal]) -> Iterator[None]:
    """Start the polled simulators (with their faults) and stop them all at the end."""
    started: list[ZKTerminal | ZKSoapTerminal] = []
    try:
        for t in terminals:
            if isinstance(t.sim, PushTerminal):
                continue
            started.append(t.sim.start())
            t.port = t.sim.port
            if isinstance(t.sim, ZKTerminal) and t.fault == "refuse":
                t.sim.faults.refuse = True
            elif isinstance(t.sim, ZKTerminal) and t.fault == "stall":
                t.sim.faults.stall_s = TIMEOUT_S + 2
        yield
    finally:
        for sim in started:
            sim.stop()
        for t in terminals:
            if isinstance(t.sim, PushTerminal):
                t.sim.close()


# --- the database, the configs and the people -------------------------------------------------------------------


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A migrated database of its own on `admin_url`'s server, dropped at the end (as the tests' fixture does)."""
    name = f"punchclock_soak_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def config_text(url: str, port: int, site: str, devices: list[Terminal], plan: Plan) -> str:
    offices = "".join(
        f'[[offices]]\nname = "{office}"\ntimezone = "Asia/Shanghai"\ncity = "{city}"\nsite = "{code}"\n'
        f'shift_rule = "{rules}"\n\n'
        for code, office, city, rules in SITES
    )
    body = "\n".join(
        t.device_toml() + f"timeout_s = {TIMEOUT_S}\npoll_interval_s = {plan.poll_interval_s}\n" for t in devices
    )
    return (
        f'site = "{site}"\n\n[database]\nurl = "{url}"\n\n[api]\nbind = "127.0.0.1:{port}"\n\n'
        '[security]\nkey_file = "punchclock.key"\n\n[user_sync]\ninterval_s = 0\n\n' + offices + body
    )


def seed_people(factory: sessionmaker[Session], terminals: list[Terminal]) -> None:
    """Two employees per terminal in its office, badged with its pins, and a locked 2026-10 run before the soak (so
    that payslips exist to read, and November's tax has the same year to date in both databases)."""
    with factory() as session, session.begin():
        offices = {o.name: o.id for o in session.scalars(select(Office))}
        for t in terminals:
            for pin in t.pins:
                employee = Employee(code=f"E{pin}", name=f"员工{pin}", office_id=offices[t.office], pay_basis="monthly",
                                    monthly_salary_fen=600_000 + 1_37 * int(pin[-3:]), special_deductions_fen=0,
                                    hired_on=date(2025, 1, 1))  # fmt: skip
                session.add(employee)
                session.flush()
                session.add(Badge(pin=pin, employee_id=employee.id))
    with factory() as session, session.begin():
        run_payroll(session, EARLIER_PERIOD, "all", "soak", lock=True, acknowledge=WARNING_CODES)


def seed_logins(factory: sessionmaker[Session], clients: int) -> list[tuple[str, str]]:
    """(username, role) per client: even ones HR, odd ones an employee each."""
    logins = []
    with factory() as session, session.begin():
        employees = session.scalars(select(Employee).order_by(Employee.code)).all()
        for i in range(clients):
            if i % 2 == 0:
                logins.append((create_user(session, "soak", f"hr{i:02d}", f"人事{i}", "hr", PASSWORD).username, "hr"))
            else:
                employee = employees[i % len(employees)]
                user = create_user(
                    session, "soak", f"emp{i:02d}", employee.name, "employee", PASSWORD, employee=employee
                )
                logins.append((user.username, "employee"))
    return logins


# --- API load (in a process of its own) --------------------------------------------------------------------------


def run_clients(
    apis: list[str], logins: list[tuple[str, str]], payslips: list[int], push: list[str], duration_s: float
) -> dict[str, RouteLoad]:
    """Per route: request latencies (ms) and the status of each failure. The entry point of the load process."""
    return asyncio.run(_clients(apis, logins, payslips, push, duration_s))


async def _clients(
    apis: list[str], logins: list[tuple[str, str]], payslips: list[int], push: list[str], duration_s: float
) -> dict[str, RouteLoad]:
    latencies: dict[str, list[float]] = {}
    failures: dict[str, list[tuple[str, float, float]]] = {}
    busy: Counter[str] = Counter()
    deadline = time.monotonic() + duration_s
    month = {"start": "2026-11-01T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"}

    async def call(
        client: httpx.AsyncClient, route: str, request: httpx.Request, busy_ok: bool = False
    ) -> httpx.Response:
        started, sent = time.perf_counter(), time.monotonic()
        status = "no answer"
        try:
            response = await client.send(request)
            status = str(response.status_code)
            return response
        finally:
            latencies.setdefault(route, []).append((time.perf_counter() - started) * 1000)
            if busy_ok and status == "409":
                busy[route] += 1
            elif not status.startswith("2"):
                failures.setdefault(route, []).append((status, sent, time.monotonic()))

    async def one(i: int, username: str, role: str) -> None:
        rng = random.Random(i)
        async with httpx.AsyncClient(timeout=30) as client:
            csrf = ""
            n = 0
            while time.monotonic() < deadline:
                base = apis[(i + n) % len(apis)]  # a session opened on one API process is used on the other
                api = f"{base}/api/v1"
                try:
                    if not csrf or n % 100 == 0:  # a client whose login failed logs in again first
                        body = {"username": username, "password": PASSWORD}
                        login = await call(client, "log in", client.build_request("POST", f"{api}/session", json=body))
                        csrf = login.json().get("csrf_token", "") if login.status_code == 200 else ""
                    elif role == "employee":
                        await call(client, "my payslips", client.build_request("GET", f"{api}/payslips"))
                        mine = client.build_request("GET", f"{api}/punches", params=month)
                        await call(client, "my month's punches", mine)
                    else:
                        slip = client.build_request("GET", f"{api}/payslips/{rng.choice(payslips)}")
                        await call(client, "payslip by id", slip)
                        page = client.build_request("GET", f"{api}/punches", params={"start": month["start"]})
                        await call(client, "punch page", page)
                        await call(client, "dashboard", client.build_request("GET", f"{api}/dashboard"))
                        if n % 25 == 1 and push:
                            sync = f"{api}/devices/{rng.choice(push)}/users/sync"
                            queue = client.build_request("POST", sync, headers={"X-CSRF-Token": csrf})
                            await call(client, "queue a push user sync", queue, busy_ok=True)
                except httpx.HTTPError:
                    await asyncio.sleep(0.5)  # counted in `call`; a server restarting is not hammered
                n += 1

    await asyncio.gather(*(one(i, username, role) for i, (username, role) in enumerate(logins)))
    return {
        route: RouteLoad(ms=latencies[route], failed=failures.get(route, []), busy=busy[route]) for route in latencies
    }


# --- PostgreSQL restart ------------------------------------------------------------------------------------------


def restart_postgres(url: str) -> str | None:
    """Restart the Debian cluster serving `url` (`pg_ctlcluster VER NAME restart -m fast`, which waits until it
    accepts connections again); None when done, else why it was skipped."""
    parsed = make_url(url)
    if parsed.host not in ("127.0.0.1", "localhost", "::1"):
        return f"the server {parsed.host} is not on this machine"
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return "no pg_lsclusters/pg_ctlcluster here (PostgreSQL not from Debian's packages)"
    port = str(parsed.port or 5432)
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    cluster = next((row.split() for row in listed.splitlines() if row.split()[2:3] == [port]), None)
    if cluster is None:
        return f"no Debian cluster listens on port {port}"
    version, name, owner = cluster[0], cluster[1], cluster[4]
    if os.geteuid() not in (0, pwd.getpwnam(owner).pw_uid):
        return f"only root or {owner} may restart cluster {version}/{name}, and this is {pwd.getpwuid(os.geteuid())[0]}"
    subprocess.run(["pg_ctlcluster", version, name, "restart", "-m", "fast"], check=True, timeout=180)
    return None


# --- the run -----------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a soak found; `report()` prints it, the test asserts on it."""

    plan: Plan
    terminals: list[Terminal]
    produced: int = 0
    stored: int = 0
    lost: list[tuple[str, str, str]] = field(default_factory=list)
    duplicated: int = 0
    unexpected: int = 0
    kills: int = 0
    pg_restart: str = "not reached"
    restart_window: tuple[float, float] | None = None  # monotonic times the PostgreSQL restart began and ended
    polls: dict[str, tuple[int, float]] = field(default_factory=dict)  # healthy polled terminal: (polls, expected)
    healthy_errors: dict[str, list[str]] = field(default_factory=dict)  # outside the PostgreSQL restart
    api_exceptions: Counter[str] = field(default_factory=Counter)  # "exception line (during|outside the restart)"
    errors_in_restart: int = 0
    faulty_failures: dict[str, int] = field(default_factory=dict)
    first_polls_after_restart: set[str] = field(default_factory=set)
    routes: dict[str, RouteLoad] = field(default_factory=dict)
    payslips: int = 0
    pay_differences: list[str] = field(default_factory=list)
    gateway_exits: dict[str, str] = field(default_factory=dict)

    def healthy(self) -> list[Terminal]:
        return [t for t in self.terminals if t.fault is None]

    def overlaps_restart(self, start: float, end: float) -> bool:
        """Whether [start, end] (monotonic) meets the PostgreSQL restart, or the grace after it in which the
        pools replace the connections the restart cut (each dead one is found when next used)."""
        window = self.restart_window
        return window is not None and start <= window[1] + RESTART_GRACE_S and end >= window[0]

    def report(self) -> str:
        polled = self.polls.values()
        behind = sorted(name for name, (n, expected) in self.polls.items() if n < int(expected) - 1)
        ratios = [n / expected for n, expected in polled if expected > 0]
        faults = Counter(t.fault for t in self.terminals if t.fault)
        kinds = Counter(t.kind for t in self.terminals)
        lines = [
            f"soak: {len(SITES)} sites x {self.plan.terminals_per_site} terminals ("
            + ", ".join(f"{kinds[k]} {k}" for k in KINDS)
            + f"), {self.plan.duration_s:.0f} s, {self.plan.clients} API clients on 2 API processes",
            f"  faulty terminals: {sum(faults.values())} ("
            + ", ".join(f"{n} {f}" for f, n in faults.items())
            + f"), their failed polls {sum(self.faulty_failures.values())}, excluded",
            f"  punches produced {self.produced}, stored {self.stored}, lost {len(self.lost)}, "
            f"duplicated {self.duplicated}, unexpected {self.unexpected}",
            f"  gateway SIGKILLs {self.kills} ({KILLED_SITE}, restarted), PostgreSQL restart: {self.pg_restart}",
            f"  healthy polled terminals {len(self.polls)}: polls/expected min {min(ratios, default=0):.2f} "
            f"median {statistics.median(ratios) if ratios else 0:.2f}, behind schedule {len(behind)}"
            + (f" ({', '.join(behind[:8])})" if behind else ""),
            f"  healthy terminals' failed polls: {sum(map(len, self.healthy_errors.values()))} outside the "
            f"PostgreSQL restart, {self.errors_in_restart} during it",
        ]
        total = sum(len(r["ms"]) for r in self.routes.values())
        failed = [f for r in self.routes.values() for f in r["failed"]]
        during = sum(self.overlaps_restart(sent, ended) for _status, sent, ended in failed)
        lines.append(
            f"  API: {total} requests, {len(failed)} failed ({100 * len(failed) / max(total, 1):.2f} %): "
            f"{during} overlapping the PostgreSQL restart, {len(failed) - during} outside it"
        )
        for route, r in sorted(self.routes.items()):
            ms = r["ms"]
            cuts = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
            statuses = Counter(
                status + ("" if self.overlaps_restart(sent, end) else " outside") for status, sent, end in r["failed"]
            )
            why = f" [{', '.join(f'{s}: {n}' for s, n in sorted(statuses.items()))}]" if statuses else ""
            lines.append(
                f"    {route:<24} {len(ms):6} req  p50 {cuts[49]:7.1f} ms  p99 {cuts[98]:7.1f} ms  "
                f"errors {sum(statuses.values())}{why}" + (f", refused busy (409) {r['busy']}" if r["busy"] else "")
            )
        lines.extend(f"    API log: {n} x {line}" for line, n in self.api_exceptions.most_common(6))
        verdict = "equal" if not self.pay_differences else f"{len(self.pay_differences)} DIFFERENCES"
        lines.append(
            f"  pay run {PERIOD}: {self.payslips} payslips, shared database vs single-process ingest: {verdict}"
        )
        lines.extend(f"    {d}" for d in self.pay_differences[:10])
        return "\n".join(lines)


POLL_LINE = re.compile(r"^([a-z]{2}-\d{2})(?: \(\S+\): read \d+, .*|: (.*))$")  # a poll's line, or its error


class Gateways:
    """The three site gateways and the two API processes, each site's runs kept for the poll counts."""

    def __init__(self, folder: Path, url: str, plan: Plan, terminals: list[Terminal], ports: dict[str, int]) -> None:
        self.configs: dict[str, Path] = {}
        self.ports = ports
        for site, _office, _city, _rules in SITES:
            own = [t for t in terminals if t.site == site]
            self.configs[site] = folder / f"site-{site}.toml"
            self.configs[site].write_text(config_text(url, ports[site], site, own, plan), encoding="utf-8")
        push_sh = [t for t in terminals if t.site == "SH" and t.kind == "zk-push" and t.fault is None]
        self.api_configs = []
        for i in range(2):
            path = folder / f"api-{i}.toml"
            path.write_text(config_text(url, ports[f"api{i}"], "SH", push_sh, plan), encoding="utf-8")
            self.api_configs.append(path)
        self.runs: dict[str, list[tuple[Served, float, float | None]]] = {site: [] for site, _o, _c, _r in SITES}
        self.apis: list[Served] = []

    def start_site(self, site: str) -> None:
        gateway = serve(self.configs[site], self.ports[site])
        gateway.wait_for(f"site {site}: polling ")
        self.runs[site].append((gateway, time.monotonic(), None))

    def kill_site(self, site: str) -> None:
        gateway, started, _ = self.runs[site][-1]
        gateway.kill()
        self.runs[site][-1] = (gateway, started, time.monotonic())

    def start_apis(self) -> list[str]:
        for i, config in enumerate(self.api_configs):
            api = serve(config, self.ports[f"api{i}"], "--api-only")
            self.apis.append(api)
        return [api.url for api in self.apis]

    def stop_all(self) -> dict[str, str]:
        """SIGTERM every process still running; what each printed last when it did not exit cleanly."""
        problems = {}
        for site, runs in self.runs.items():
            for i, (gateway, started, ended) in enumerate(runs):
                if ended is None:
                    try:
                        gateway.stop()
                    except AssertionError as failure:
                        problems[f"{site} run {i}"] = str(failure)[-2000:]
                    runs[i] = (gateway, started, time.monotonic())
        for i, api in enumerate(self.apis):
            try:
                api.stop()
            except AssertionError as failure:
                problems[f"api {i}"] = str(failure)[-2000:]
        return problems


def soak(plan: Plan, admin_url: str, say: Callable[[str], None] = print) -> Outcome:
    """Run the whole soak on a scratch database of `admin_url`'s server; see the module docstring."""
    with tempfile.TemporaryDirectory(prefix="punchclock-soak-") as tmp, scratch_database(admin_url) as url:
        folder = Path(tmp)
        ring = create_key_file(folder / "punchclock.key")
        ports = {name: free_port() for name in ("SH", "BJ", "GZ", "api0", "api1")}
        terminals = make_terminals(plan, {site: f"http://127.0.0.1:{ports[site]}" for site, _o, _c, _r in SITES})
        outcome = Outcome(plan, terminals)
        engine = make_engine(url)
        factory = session_factory(engine, keys=ring, anchor_file=folder / "punchclock.anchors")
        with ExitStack() as stack:
            stack.enter_context(running(terminals))
            stack.callback(engine.dispose)
            gateways = Gateways(folder, url, plan, terminals, ports)
            for config in gateways.configs.values():
                register_config(factory, load_config(config))
            seed_people(factory, terminals)
            logins = seed_logins(factory, plan.clients)
            with factory() as session:
                payslip_ids = list(session.scalars(select(Payslip.id)))
            say(f"soak: {len(terminals)} terminals, {len(logins)} logins, database {make_url(url).database}")
            try:
                _drive(plan, url, gateways, terminals, logins, payslip_ids, outcome, say)
            finally:
                outcome.gateway_exits = gateways.stop_all()
            say("soak: every process stopped; checking")
            _count_polls(plan, gateways, outcome)
            _count_api_exceptions(gateways, outcome)
            _check_punches(factory, outcome)
            _compare_pay(factory, folder, ring, gateways, outcome)
        return outcome


def _drive(
    plan: Plan,
    url: str,
    gateways: Gateways,
    terminals: list[Terminal],
    logins: list[tuple[str, str]],
    payslips: list[int],
    outcome: Outcome,
    say: Callable[[str], None],
) -> None:
    """Start everything, produce punches for `duration_s` with the kill and the restart, then wait for the last."""
    for site, _office, _city, _rules in SITES:
        gateways.start_site(site)
    apis = gateways.start_apis()
    say("soak: gateways and API processes up")
    stop = threading.Event()
    healthy = [t for t in terminals if t.fault is None]
    pushers = [threading.Thread(target=_push_loop, args=(t.sim, stop), daemon=True)
               for t in healthy if isinstance(t.sim, PushTerminal)]  # fmt: skip
    for pusher in pushers:
        pusher.start()
    push = [t.name for t in healthy if t.site == "SH" and t.kind == "zk-push"]
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool, ThreadPoolExecutor(1) as chaos:
        load = pool.submit(run_clients, apis, logins, payslips, push, plan.duration_s)
        started = time.monotonic()
        faults = chaos.submit(_kill_and_restart, plan, url, gateways, outcome, started, say)
        next_punch = started
        while time.monotonic() < started + plan.duration_s:  # the terminals' punches go on through the faults
            for t in healthy:
                t.next_punch()
            next_punch += plan.punch_every_s
            time.sleep(max(0.0, next_punch - time.monotonic()))
        say("soak: punches done, waiting for the API clients")
        outcome.routes = load.result(timeout=plan.duration_s + 300)
        faults.result(timeout=300)
    _wait_until_stored(plan, url, healthy, say)
    stop.set()
    deadline = time.monotonic() + 60  # an ADMS terminal whose gateway is gone retries for ever, as firmware does
    for pusher in pushers:
        pusher.join(timeout=max(0.0, deadline - time.monotonic()))


def _kill_and_restart(
    plan: Plan, url: str, gateways: Gateways, outcome: Outcome, started: float, say: Callable[[str], None]
) -> None:
    """At 45 % of the run SIGKILL the BJ gateway and start it again; at 70 % restart PostgreSQL."""
    time.sleep(max(0.0, started + 0.45 * plan.duration_s - time.monotonic()))
    gateways.kill_site(KILLED_SITE)
    outcome.kills += 1
    say(f"soak: {KILLED_SITE} gateway SIGKILLed at {time.monotonic() - started:.0f} s")
    time.sleep(1)
    gateways.start_site(KILLED_SITE)
    say(f"soak: {KILLED_SITE} gateway polling again at {time.monotonic() - started:.0f} s")
    time.sleep(max(0.0, started + 0.70 * plan.duration_s - time.monotonic()))
    if not plan.restart_postgres:
        outcome.pg_restart = "skipped (not asked for)"
    else:
        down = time.monotonic()
        skipped = restart_postgres(url)
        up = time.monotonic()
        outcome.pg_restart = (
            f"skipped: {skipped}" if skipped else f"done in {up - down:.1f} s at {down - started:.0f} s"
        )
        if not skipped:
            outcome.restart_window = (down, up)
    say(f"soak: PostgreSQL restart {outcome.pg_restart}")


def _push_loop(sim: PushTerminal, stop: threading.Event) -> None:
    """An ADMS terminal: upload what it holds (retrying while its gateway is down), then look again shortly."""
    while True:
        if sim.stamp < len(sim.punches):
            sim.push_all()
        elif stop.is_set():
            return
        stop.wait(0.5)


def _stored_keys(url: str, serials: list[str]) -> list[tuple[str, str, datetime]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(Punch.device_sn, Punch.pin, Punch.ts_local).where(Punch.device_sn.in_(serials))
            return [(sn, pin, ts) for sn, pin, ts in connection.execute(query)]
    finally:
        engine.dispose()


def _wait_until_stored(plan: Plan, url: str, healthy: list[Terminal], say: Callable[[str], None]) -> None:
    """The last punches reach the database within a poll interval or two; wait for them, bounded."""
    expected = {(t.serial, p.pin, p.ts_local) for t in healthy for p in t.produced}
    deadline = time.monotonic() + 3 * plan.poll_interval_s + 120
    started = time.monotonic()
    while time.monotonic() < deadline:
        missing = len(expected - set(_stored_keys(url, [t.serial for t in healthy])))
        if missing == 0:
            say(f"soak: every punch stored {time.monotonic() - started:.0f} s after the load ended")
            return
        time.sleep(2)
    say(f"soak: {missing} punches still missing after the wait")


def _count_api_exceptions(gateways: Gateways, outcome: Outcome) -> None:
    """What the API processes logged as exceptions, each shortened to its first 120 characters."""
    for api in gateways.apis:
        for at, line in api.stamped:
            if EXCEPTION_LINE.match(line):
                when = "during" if outcome.overlaps_restart(at, at) else "outside"
                outcome.api_exceptions[f"{line[:120]} ({when} the restart)"] += 1


def _count_polls(plan: Plan, gateways: Gateways, outcome: Outcome) -> None:
    window = outcome.restart_window
    by_name = {t.name: t for t in outcome.terminals}
    for site, runs in gateways.runs.items():
        for run, (gateway, started, ended) in enumerate(runs):
            assert ended is not None
            for at, line in gateway.stamped:
                match = POLL_LINE.match(line)
                if match is None or match[1] not in by_name:
                    continue
                t = by_name[match[1]]
                if t.fault is not None:
                    outcome.faulty_failures[t.name] = outcome.faulty_failures.get(t.name, 0) + (match[2] is not None)
                elif match[2] is None:
                    polls, expected = outcome.polls.get(t.name, (0, 0.0))
                    outcome.polls[t.name] = (polls + 1, expected)
                    if run > 0:
                        outcome.first_polls_after_restart.add(t.name)
                elif window and window[0] - 1 <= at <= window[1] + plan.poll_interval_s + 2 * TIMEOUT_S + 10:
                    outcome.errors_in_restart += 1
                else:
                    outcome.healthy_errors.setdefault(t.name, []).append(f"{line} (run {run} of {site})")
            for t in outcome.healthy():
                if t.site == site and t.kind != "zk-push":
                    polls, expected = outcome.polls.get(t.name, (0, 0.0))
                    outcome.polls[t.name] = (polls, expected + (ended - started) / plan.poll_interval_s)


def _check_punches(factory: sessionmaker[Session], outcome: Outcome) -> None:
    healthy = outcome.healthy()
    expected = {(t.serial, p.pin, p.ts_local) for t in healthy for p in t.produced}
    with factory() as session:
        rows = session.execute(select(Punch.device_sn, Punch.pin, Punch.ts_local)).all()
    counted = Counter((sn, pin, ts) for sn, pin, ts in rows)
    outcome.produced = len(expected)
    outcome.stored = sum(counted.values())
    outcome.duplicated = sum(n - 1 for n in counted.values())
    outcome.lost = sorted((sn, pin, ts.isoformat()) for sn, pin, ts in expected - counted.keys())
    outcome.unexpected = len(counted.keys() - expected)


def _figures(factory: sessionmaker[Session]) -> dict[str, tuple[dict[str, int], list[tuple[str, int]]]]:
    """The 2026-11 run computed now: per employee code its figures and its lines."""
    with factory() as session, session.begin():
        run, _changes = run_payroll(session, PERIOD, "all", "soak")
    with factory() as session:
        return {
            employee.code: (slip.figures, [(line.code, line.amount_fen) for line in lines_of(session, slip.id)])
            for slip, employee in payslips_of(session, run.id)
        }


def _compare_pay(
    shared: sessionmaker[Session], folder: Path, ring: KeyRing, gateways: Gateways, outcome: Outcome
) -> None:
    """The pay run on the shared database against the same on a fresh SQLite one, ingested by this one process."""
    url = f"sqlite:///{folder / 'single.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        single = session_factory(engine, keys=ring, anchor_file=folder / "single.anchors")
        for config in gateways.configs.values():
            register_config(single, load_config(config))
        seed_people(single, outcome.terminals)
        for t in outcome.healthy():
            ingest_punches(single, t.serial, t.produced, source=t.kind)
        mine, theirs = _figures(shared), _figures(single)
    finally:
        engine.dispose()
    outcome.payslips = len(mine)
    for code in sorted(mine.keys() | theirs.keys()):
        if mine.get(code) != theirs.get(code):
            outcome.pay_differences.append(f"{code}: shared {mine.get(code)} != single {theirs.get(code)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=Plan.terminals_per_site, help="simulated terminals per site")
    parser.add_argument("--duration", type=float, default=Plan.duration_s, help="seconds of punches and API load")
    parser.add_argument("--clients", type=int, default=Plan.clients, help="concurrent API clients")
    parser.add_argument("--poll-interval", type=float, default=Plan.poll_interval_s, help="each terminal's, seconds")
    parser.add_argument("--punch-every", type=float, default=Plan.punch_every_s, help="seconds between punches")
    parser.add_argument("--no-pg-restart", action="store_true", help="leave the PostgreSQL server running")
    parser.add_argument(
        "--db-url", default=os.environ.get(ADMIN_URL_ENV), help=f"PostgreSQL (default ${ADMIN_URL_ENV})"
    )
    args = parser.parse_args()
    if not args.db_url:
        parser.error(f"give --db-url or set {ADMIN_URL_ENV} (bash .ci/postgres.sh starts a local server)")
    plan = Plan(
        args.terminals, args.duration, args.clients, args.poll_interval, args.punch_every, not args.no_pg_restart
    )
    outcome = soak(plan, args.db_url)
    print(outcome.report())
    for name, output in outcome.gateway_exits.items():
        print(f"{name} did not stop cleanly:\n{output}")
    clean = not (outcome.lost or outcome.duplicated or outcome.unexpected or outcome.pay_differences)
    sys.exit(0 if clean and not outcome.healthy_errors and not outcome.gateway_exits else 1)


if __name__ == "__main__":
    main()
