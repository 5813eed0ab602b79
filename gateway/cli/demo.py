"""`punchclock demo`: two offices of simulated terminals → gateway → locked pay run → API, on a temporary SQLite.

What `setup_demo` builds, all in one temporary folder and on localhost:
- Shanghai HQ (office shift 09:00-18:00): a ZKTeco SOAP terminal and an ADMS push terminal that pushes
  into the running API; Dongguan plant (paired punches, office shift: day 08:00-17:00 + planned
  overtime; the ZK terminals' night workers have their own `shift_rule = "night"`, 20:00-05:00):
  a ZK binary-protocol terminal over TCP, one over UDP, and a Comet export file. Each office also has a
  terminal of a newer family that some of its staff moved to: a Hikvision ISAPI face terminal (HTTP, Digest)
  at HQ, which holds the month's punches of three SOAP-terminal employees, and an Anviz TC_B terminal on TCP
  at the plant, which holds two UDP-terminal workers'. Their punches move (they are not copied), so the
  month's attendance and pay are the same as when everyone badged on the old terminals; the badges of those
  employees are mapped on both terminals, as after a re-enrolment.
- Employees and badge mappings for the simulators' pins (badges are per terminal, since every
  simulator numbers its badges from 1001), with one pin per terminal left unmapped so the quarantine
  shows something (the ZK terminals add a few unknown badges of their own). Monthly staff in
  Shanghai and on the ZK TCP terminal, hourly workers on the UDP terminal, piece workers on the
  Comet file, whose piece counts are imported from a generated CSV.
- Punches for LAST month (relative to `today`), synced through the real drivers and the push receiver.
- Departments with managers in both offices, manager logins, annual leave accrued, and requests in every
  state (`gateway.cli.demo_requests`), made before the pay run so that it picks up the approved ones;
  then last month's pay run is computed and locked, and an HR token issued.

`run_demo` prints the URL, the token and a summary, and serves until Ctrl-C, then cleans up.
"""

from __future__ import annotations

import csv
import io
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import uvicorn
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import ApiSettings, create_app
from gateway import config as cfg
from gateway.access.keys import create_key_file
from gateway.access.tokens import issue_token
from gateway.access.users import create_user
from gateway.access.vault import BANK_ACCOUNT_NO, seal_for
from gateway.cli.demo_requests import (
    DEMO_PASSWORD_MANAGER,
    MANAGER_NAMES,
    STATES,
    add_organisation,
    add_requests,
)
from gateway.cli.report import payrun_table
from gateway.devices.inventory import register_config
from gateway.devices.sync import run_sync
from gateway.pay.payrun import payslips_of, run_payroll
from gateway.pay.piece_import import import_piece_file
from gateway.store import (
    Badge,
    BankAccount,
    Department,
    Device,
    Employee,
    Office,
    Punch,
    Quarantine,
    make_engine,
    session_factory,
    upgrade,
)
from payroll_core.money import fen_to_yuan
from simulators.anviz import AnvizBus, AnvizRecord, AnvizTerminal
from simulators.comet_export import write_export
from simulators.hik_isapi import HikTerminal, HikUser
from simulators.sample_punches import chinese_name, make_punches, make_users
from simulators.zk import ZKTerminal
from simulators.zk_data import generate_records, generate_users
from simulators.zk_push import PushTerminal
from simulators.zk_soap import ZKSoapTerminal

HQ, PLANT = "Shanghai HQ", "Dongguan plant"
NIGHT_SHIFT = "night"  # a shift of the plant's rule file (payroll_core/rules/offices/dongguan.toml)
PREFERRED_PORT = 8080
ACTOR = "demo"
PUSH_SN = "CQZ7224160001"
COMET_MACHINE = 3
COMET_SN = f"COMET-{COMET_MACHINE}"  # the comet-csv driver names a file's device after its 机器号
ZK_RECORD_LAYOUT, ZK_USER_LAYOUT = 40, 72  # current firmware layouts (simulators/zk_data.py)
HIK_PINS = ("1007", "1008", "1009")  # SOAP-terminal employees who badge on the face terminal now
ANVIZ_PINS = ("1008", "1009")  # UDP-terminal day workers who badge on the Anviz terminal now
ANVIZ_DEVICE_ID = 1
HIK_USER, HIK_PASSWORD = "admin", "Demo-Hik-2026"
_HIK_ATTENDANCE = {0: "checkIn", 1: "checkOut"}


@dataclass
class DemoLogin:
    role: str
    username: str
    password: str
    who: str


# The demo's logins: an HR clerk and two employees of each office (their activation already done).
DEMO_PASSWORD_HR = "Payroll-Demo-2026"
DEMO_PASSWORD_EMPLOYEE = "Employee-Demo-2026"


@dataclass
class DemoResult:
    url: str
    token: str
    period: str
    workdir: Path
    summary: dict[str, int]
    tables: list[Table]
    _cleanup: ExitStack = field(repr=False)
    logins: list[DemoLogin] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the server and the simulators and delete the temporary folder."""
        self._cleanup.close()


def last_month(today: date) -> date:
    """The first day of the month before `today`'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_end(first: date) -> datetime:
    """Midnight after the month's last day, plus the morning that closes its last night shift."""
    return datetime.combine((first + timedelta(days=32)).replace(day=1), time(12, 0))


def zk_terminal_for_month(first: date, seed: int, users: int, *, udp: bool) -> ZKTerminal:
    """A ZK terminal holding exactly the punches of the month starting `first` (its log is a prefix of one seed)."""
    staff = generate_users(users, seed, ZK_USER_LAYOUT)
    end = _month_end(first)
    probe = generate_records(staff, users * 4 * 32, seed, layout=ZK_RECORD_LAYOUT, first_day=first)
    count = sum(1 for r in probe if r.timestamp < end)
    return ZKTerminal(
        users=users,
        records=count,
        seed=seed,
        udp=udp,
        first_day=first,
        record_layout=ZK_RECORD_LAYOUT,
        user_layout=ZK_USER_LAYOUT,
        serial=f"DG{'U' if udp else 'T'}{seed:06d}",
    )


def _weekdays(first: date) -> int:
    end = _month_end(first).date()
    return sum(1 for n in range((end - first).days) if (first + timedelta(days=n)).weekday() < 5)


def free_socket(preferred: int) -> socket.socket:
    """A listening socket on localhost: the preferred port if free, else any free one."""
    for port in (preferred, 0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        return sock
    raise OSError("no free TCP port on 127.0.0.1")


def _serve(stack: ExitStack, factory: sessionmaker[Session], config: cfg.Config, port: int) -> str:
    sock = free_socket(port)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ApiSettings(session_factory=factory, config=config)), log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="demo-api", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join()
        sock.close()

    stack.callback(stop)
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass(frozen=True)
class _Staff:
    """Employees of one terminal: `pins` get badges on device `sn`; the last pin is left unmapped.

    `night_pins` work the night shift of the office's rule file instead of the office's own shift.
    """

    prefix: str
    sn: str
    office: str
    pins: list[tuple[str, str]]  # (pin, name)
    pay: Callable[[int], dict[str, object]]
    night_pins: frozenset[str] = frozenset()


def _add_staff(factory: sessionmaker[Session], staff: list[_Staff]) -> None:
    with factory() as session, session.begin():
        offices = {o.name: o.id for o in session.scalars(select(Office))}
        for group in staff:
            for k, (pin, terminal_name) in enumerate(group.pins[:-1]):
                code = f"{group.prefix}{pin}"
                # HR files the legal name in Chinese even where the terminal shows a Latin display name;
                # user sync then writes HR's name to the terminals.
                name = MANAGER_NAMES.get(code) or (terminal_name if not terminal_name.isascii() else chinese_name(code))
                employee = Employee(
                    code=code,
                    name=name,
                    office_id=offices[group.office],
                    shift_rule=NIGHT_SHIFT if pin in group.night_pins else None,
                    special_deductions_fen=100_000 if k % 3 == 0 else 0,
                    **group.pay(k),
                )
                session.add(employee)
                session.flush()
                session.add(Badge(pin=pin, employee_id=employee.id, device_sn=group.sn))
                session.add(
                    BankAccount(
                        employee_id=employee.id,
                        bank_name="ICBC",
                        account_no=seal_for(session, BANK_ACCOUNT_NO, employee.id, f"622202{employee.id:010d}"),
                        account_name=name,
                    )
                )


def _piece_csv(first: date, piece_workers: list[str]) -> bytes:
    """A month of piece counts for the Comet file's workers: two products each, fixed figures per worker."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["employee", "period", "item", "qty", "rejects", "unit_fen", "grade_coef"])
    for k, code in enumerate(piece_workers):
        writer.writerow([code, f"{first:%Y-%m}", "LAMP-01", 4_000 + 150 * k, 20 + k, 120, "1.10" if k % 2 else "1.00"])
        writer.writerow([code, f"{first:%Y-%m}", "SHADE-07", 1_200 + 40 * k, 5, 85, "1.05"])
    return out.getvalue().encode()


def setup_demo(
    workdir: Path, *, today: date | None = None, port: int = PREFERRED_PORT, console: Console | None = None
) -> DemoResult:
    """Build and start everything (see the module docstring); `DemoResult.stop()` undoes it."""
    console = console or Console()
    today = today or date.today()
    first = last_month(today)
    period = f"{first:%Y-%m}"
    stack = ExitStack()
    try:
        return _setup(workdir, today, first, period, port, console, stack)
    except BaseException:
        stack.close()
        raise


def _setup(
    workdir: Path, today: date, first: date, period: str, port: int, console: Console, stack: ExitStack
) -> DemoResult:
    url_db = f"sqlite:///{workdir / 'punchclock.db'}"
    upgrade(url_db)
    engine = make_engine(url_db)
    stack.callback(engine.dispose)
    factory = session_factory(
        engine, keys=create_key_file(workdir / "punchclock.key"), anchor_file=workdir / "punchclock.anchors"
    )

    tcp = zk_terminal_for_month(first, seed=11, users=24, udp=False)
    udp = zk_terminal_for_month(first, seed=12, users=12, udp=True)
    soap_users = 10
    soap = ZKSoapTerminal(users=soap_users, records=0, seed=21, serial_number="SOAP0000021")
    soap.state.punches = make_punches(soap.state.users, soap_users * 2 * _weekdays(first), 21, start=first)
    hik = _hik_terminal(soap)
    anviz = _anviz_bus(udp)
    for sim in (tcp, udp, soap, hik, anviz):
        sim.start()
        stack.callback(sim.stop)
    comet_users = 8
    comet_file = workdir / f"comet-{period}.csv"
    write_export(
        comet_file,
        users=comet_users,
        records=comet_users * 2 * _weekdays(first),
        seed=31,
        machine_no=COMET_MACHINE,
        start=first,
    )

    offices = [
        cfg.Office(name=HQ, timezone="Asia/Shanghai", city="shanghai", shift_rule="shanghai/office"),
        cfg.Office(name=PLANT, timezone="Asia/Shanghai", city="dongguan", shift_rule="dongguan/day"),
    ]
    devices = [
        cfg.Device(name="dg-line-tcp", sn=tcp.serial, kind="zk-tcp", host="127.0.0.1", port=tcp.port, office=PLANT),
        cfg.Device(name="dg-gate-udp", sn=udp.serial, kind="zk-udp", host="127.0.0.1", port=udp.port, office=PLANT),
        cfg.Device(
            name="hq-soap", sn=soap.state.serial_number, kind="zk-soap", host="127.0.0.1", port=soap.port, office=HQ
        ),
        cfg.Device(name="dg-comet-file", sn=COMET_SN, kind="comet-csv", host=str(comet_file), port=0, office=PLANT),
        cfg.Device(
            name="hq-face",
            sn=hik.state.serial_number,
            kind="hik-isapi",
            host="127.0.0.1",
            port=hik.port,
            office=HQ,
            user=HIK_USER,
            password=SecretStr(HIK_PASSWORD),
        ),
        cfg.Device(
            name="dg-anviz",
            sn=anviz.terminals[0].serial,
            kind="anviz",
            host="127.0.0.1",
            port=anviz.port,
            office=PLANT,
            device_id=ANVIZ_DEVICE_ID,
        ),
    ]
    config = cfg.Config(
        offices=offices,
        devices=devices,
        database=cfg.Database(url=url_db),
        security=cfg.Security(
            key_file=str(workdir / "punchclock.key"), anchor_file=str(workdir / "punchclock.anchors")
        ),
    )
    register_config(factory, config)
    with factory() as session, session.begin():
        ids = dict(session.execute(select(Office.name, Office.id)).all())
        session.add(
            Device(
                name="hq-push",
                sn=PUSH_SN,
                kind="zk-push",
                host="",
                port=0,
                office_id=ids[HQ],
                model="",
                firmware="",
                consecutive_failures=0,
            )
        )

    push_users = 8
    push_people = make_users(push_users, 22)
    night = frozenset(r.user_id for r in tcp.records if r.timestamp.hour >= 18)
    # the UDP terminal's seed has night workers too: on the day shift their 20:00 in is a missing punch a day
    night_udp = frozenset(r.user_id for r in udp.records if r.timestamp.hour >= 18)
    comet_people = make_users(comet_users, 31, chinese_names=True)
    staff = [
        _Staff(
            "SH-S",
            soap.state.serial_number,
            HQ,
            [(u.pin, u.name) for u in soap.state.users],
            lambda k: {"pay_basis": "monthly", "monthly_salary_fen": 900_000 + 75_000 * k},
        ),
        _Staff(
            "SH-P",
            PUSH_SN,
            HQ,
            [(u.pin, u.name) for u in push_people],
            lambda k: {"pay_basis": "monthly", "monthly_salary_fen": 1_500_000 + 110_000 * k},
        ),
        _Staff(
            "DG-T",
            tcp.serial,
            PLANT,
            [(u.user_id, u.name) for u in tcp.users],
            lambda k: {"pay_basis": "monthly", "monthly_salary_fen": 520_000 + 15_000 * k},
            night,
        ),
        _Staff(
            "DG-U",
            udp.serial,
            PLANT,
            [(u.user_id, u.name) for u in udp.users],
            lambda k: {"pay_basis": "hourly", "hourly_rate_fen": 2_600 + 100 * k},
            night_udp,
        ),
        _Staff("DG-C", COMET_SN, PLANT, [(u.pin, u.name) for u in comet_people], lambda k: {"pay_basis": "piece"}),
    ]
    _add_staff(factory, staff)
    _add_badges(factory, "SH-S", HIK_PINS, hik.state.serial_number)
    _add_badges(factory, "DG-U", ANVIZ_PINS, anviz.terminals[0].serial)
    with factory() as session, session.begin():
        _row, token = issue_token(session, "demo-hr", "hr", None, ACTOR)
        logins = _add_logins(session)
        after = (first + timedelta(days=32)).replace(day=1)
        for manager in add_organisation(session, ACTOR, HQ, PLANT, [first.year, after.year]):
            who = MANAGER_NAMES[manager.employee]
            logins.append(DemoLogin("manager", manager.username, DEMO_PASSWORD_MANAGER, who))

    url = _serve(stack, factory, config, port)
    run_sync(config, factory, console=console)
    pusher = PushTerminal(url, PUSH_SN, users=push_users, records=0, seed=22)
    pusher.punches = make_punches(push_people, push_users * 2 * _weekdays(first), 22, start=first)
    try:
        pushed = pusher.push_all()
    finally:
        pusher.close()
    console.print(
        f"push terminal {PUSH_SN}: {pushed.records_sent} punches in {pushed.batches_accepted} batches", highlight=False
    )

    piece_workers = [f"DG-C{pin}" for pin, _name in staff[-1].pins[:-1]]
    with factory() as session, session.begin():
        import_piece_file(session, f"pieces-{period}.csv", _piece_csv(first, piece_workers), ACTOR)
    with factory() as session, session.begin():
        requests = add_requests(session, first, today, {login.username for login in logins if login.role == "employee"})
    with factory() as session, session.begin():
        # The demo keeps a few unknown badges on purpose, so the quarantine screen has something to show.
        run, _changes = run_payroll(session, period, "all", ACTOR, lock=True, acknowledge=["open_quarantine"])
        slips = payslips_of(session, run.id)
        summary = {
            "employees": session.scalar(select(func.count()).select_from(Employee)) or 0,
            "punches": session.scalar(select(func.count()).select_from(Punch)) or 0,
            "quarantined": session.scalar(select(func.count()).select_from(Quarantine)) or 0,
            "payslips": len(slips),
            "gross_fen": run.gross_total_fen,
            "net_fen": run.net_total_fen,
            "payrun": run.id,
            "departments": session.scalar(select(func.count()).select_from(Department)) or 0,
            **{f"requests_{state}": count for state, count in requests.items()},
        }
        tables = [_summary_table(summary, period), _terminals_table(session), payrun_table(run, slips, largest=3)]
    return DemoResult(url, token, period, workdir, summary, tables, stack, logins)


def _hik_terminal(soap: ZKSoapTerminal) -> HikTerminal:
    """HQ's face terminal, holding the month's punches of `HIK_PINS`, which leave the SOAP terminal."""
    hik = HikTerminal(users=0, records=0, user=HIK_USER, password=HIK_PASSWORD, serial_number="DS-K1T671M0001")
    names = {u.pin: u.name for u in soap.state.users}
    hik.state.users = {pin: HikUser(pin, names[pin]) for pin in HIK_PINS}
    moved = [p for p in soap.state.punches if p.pin in HIK_PINS]
    soap.state.punches = [p for p in soap.state.punches if p.pin not in HIK_PINS]
    for p in moved:
        hik.punch(p.pin, p.ts, _HIK_ATTENDANCE.get(p.state, "undefined"))
    return hik


def _anviz_bus(udp: ZKTerminal) -> AnvizBus:
    """The plant's Anviz terminal on TCP, holding the month's records of `ANVIZ_PINS`, which leave the UDP one."""
    moved = [r for r in udp.records if r.user_id in ANVIZ_PINS]
    udp.records[:] = [r for r in udp.records if r.user_id not in ANVIZ_PINS]
    records = [AnvizRecord(int(r.user_id), r.timestamp, record_type=r.punch) for r in moved]
    return AnvizBus([AnvizTerminal(ANVIZ_DEVICE_ID, records=records, users=len(ANVIZ_PINS))])


def _add_badges(factory: sessionmaker[Session], prefix: str, pins: tuple[str, ...], device_sn: str) -> None:
    """The employees `prefix + pin` also badge on `device_sn`, with the same pin."""
    with factory() as session, session.begin():
        for pin in pins:
            employee_id = session.scalar(select(Employee.id).where(Employee.code == f"{prefix}{pin}"))
            assert employee_id is not None
            session.add(Badge(pin=pin, employee_id=employee_id, device_sn=device_sn))


def _terminals_table(session: Session) -> Table:
    """Every terminal of the demo with its kind, office and the punches stored from it."""
    table = Table(title="terminals")
    for column in ("name", "kind", "office", "punches"):
        table.add_column(column, justify="right" if column == "punches" else "left")
    counts = dict(session.execute(select(Punch.device_sn, func.count()).group_by(Punch.device_sn)).all())
    rows = session.execute(
        select(Device.name, Device.kind, Office.name, Device.sn).outerjoin(Office).order_by(Device.id)
    )
    for name, kind, office, sn in rows:
        table.add_row(name, kind, office, str(counts.get(sn or "", 0)))
    return table


def _add_logins(session: Session) -> list[DemoLogin]:
    hr = create_user(session, ACTOR, "wang.fang", "王芳 (HR)", "hr", DEMO_PASSWORD_HR)
    logins = [DemoLogin("hr", hr.username, DEMO_PASSWORD_HR, hr.display_name)]
    for prefix in ("SH", "DG-T"):
        employee = session.scalar(select(Employee).where(Employee.code.like(f"{prefix}%")).order_by(Employee.code))
        assert employee is not None
        create_user(session, ACTOR, employee.code, employee.name, "employee", DEMO_PASSWORD_EMPLOYEE, employee=employee)
        logins.append(DemoLogin("employee", employee.code, DEMO_PASSWORD_EMPLOYEE, employee.name))
    return logins


def _summary_table(summary: dict[str, int], period: str) -> Table:
    table = Table(title=f"punchclock demo — pay month {period}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key in ("employees", "departments", "punches", "quarantined", "payslips"):
        table.add_row(key, str(summary[key]))
    for state in STATES:
        table.add_row(f"requests {state}", str(summary[f"requests_{state}"]))
    table.add_row("gross total (yuan)", fen_to_yuan(summary["gross_fen"]))
    table.add_row("net total (yuan)", fen_to_yuan(summary["net_fen"]))
    return table


def run_demo(port: int = PREFERRED_PORT) -> None:
    """Set the demo up, print how to use it, serve until Ctrl-C (or SIGTERM), then clean up."""
    console = Console()
    workdir = Path(tempfile.mkdtemp(prefix="punchclock-demo-"))
    stop = threading.Event()
    try:
        result = setup_demo(workdir, port=port, console=console)
        try:
            for table in result.tables:
                console.print(table)
            console.print(f"\nweb app:  {result.url}/   API: {result.url}/docs", highlight=False)
            logins = Table(title="logins (user name / password)")
            for column in ("role", "user name", "password", "who"):
                logins.add_column(column)
            for login in result.logins:
                logins.add_row(login.role, login.username, login.password, login.who)
            console.print(logins)
            console.print(f"HR token: {result.token}", highlight=False)
            console.print(
                f"try:      curl -H 'Authorization: Bearer {result.token}' "
                f"'{result.url}/api/v1/payslips?period={result.period}'",
                highlight=False,
                soft_wrap=True,
            )
            console.print("Ctrl-C stops the demo and deletes its temporary database.")
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
        finally:
            result.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
