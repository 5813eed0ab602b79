"""End to end: simulated terminal → driver → sync → pay run → payslip via the API, against payroll_core directly.

The expected payslips are built without the gateway: the simulator's own records go through the
plain-Python attendance reference (`payroll_core.reference.attendance`), its month totals are written
into `EmployeeMonthColumns` by hand, and `payroll_core.pipeline.compute` pays them. The API's payslip
must equal that in every fen field. Then the demo's setup runs end to end (without blocking).
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from api.app import ApiSettings, create_app
from gateway import config as cfg
from gateway.access.keys import KeyRing
from gateway.access.tokens import issue_token
from gateway.cli.demo import setup_demo, zk_terminal_for_month
from gateway.devices.inventory import register_config
from gateway.devices.sync import run_sync
from gateway.pay.attendance import OFFICE_RULES_DIR
from gateway.store import Badge, Employee, Office, make_engine, session_factory, upgrade
from payroll_core.columns import OUTPUT_COLUMNS, EmployeeMonthColumns
from payroll_core.pipeline import compute
from payroll_core.reference.attendance import reference_attendance, reference_summary
from payroll_core.rules import load_rules
from payroll_core.shifts import load_rules as load_office_rules

FIRST = date(2026, 3, 1)
PERIOD = "2026-03"
DAYS = 31
SALARY = {0: 600_000, 1: 650_000, 2: 700_000, 3: 750_000, 4: 800_000, 5: 850_000}
PLANT = "Dongguan plant"


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    upgrade(url)
    return session_factory(make_engine(url), keys=KeyRing.generate())


def _expected(records, pins: list[str], night: set[str]) -> tuple[dict[str, dict[str, int]], list[dict[str, int]]]:  # type: ignore[no-untyped-def]
    """Payslip figures per employee code, and the reference month summaries they were paid from."""
    book = load_office_rules([OFFICE_RULES_DIR / "dongguan.toml"])
    day, night_shift = book.shift_index("dongguan", "day"), book.shift_index("dongguan", "night")
    index = {pin: i for i, pin in enumerate(pins)}
    epoch = datetime(1970, 1, 1)
    employee, minute = [], []
    for r in records:
        if r.user_id in index:  # Asia/Shanghai has no DST: UTC = local − 8 h; seconds truncated like the gateway
            employee.append(index[r.user_id])
            minute.append(int((r.timestamp - timedelta(hours=8) - epoch).total_seconds()) // 60)
    roster = [[night_shift if pin in night else day] * (DAYS + 1) for pin in pins]
    facts = reference_attendance(employee, minute, roster, book, FIRST, DAYS)
    summaries = [reference_summary(days) for days in facts]
    regular = [sum(d["regular_minutes"] for d in days if d["day_type"] == 0) for days in facts]
    inputs = EmployeeMonthColumns.build(
        len(pins),
        city=0,
        pay_basis=0,
        monthly_salary_fen=[SALARY[i] for i in range(len(pins))],
        worked_minutes=regular,
        **{
            key: [s[key] for s in summaries]
            for key in (
                "scheduled_days",
                "absent_days",
                "absent_half_days",
                "late_minutes",
                "ot_workday_minutes",
                "ot_restday_minutes",
                "ot_holiday_minutes",
            )
        },
    )
    result = compute(inputs, load_rules(PERIOD, ["dongguan"]))
    return {f"DG{pin}": result.row(i) for i, pin in enumerate(pins)}, summaries


def test_simulator_to_payslip_equals_payroll_core(factory: sessionmaker[Session]) -> None:
    terminal = zk_terminal_for_month(FIRST, seed=4, users=6, udp=False)
    with terminal:
        night = {r.user_id for r in terminal.records if r.timestamp.hour >= 18}
        pins = [u.user_id for u in terminal.users]
        config = cfg.Config(
            offices=[cfg.Office(name=PLANT, timezone="Asia/Shanghai", city="dongguan", shift_rule="dongguan/day")],
            devices=[
                cfg.Device(
                    name="line-1", sn=terminal.serial, kind="zk-tcp", host="127.0.0.1", port=terminal.port, office=PLANT
                )
            ],
        )
        register_config(factory, config)
        with factory() as s, s.begin():
            plant = s.query(Office).filter_by(name=PLANT).one()
            for i, pin in enumerate(pins):  # day and night workers share the plant; night workers have their own shift
                e = Employee(
                    code=f"DG{pin}",
                    name=f"Worker {pin}",
                    office_id=plant.id,
                    shift_rule="night" if pin in night else None,
                    pay_basis="monthly",
                    monthly_salary_fen=SALARY[i],
                    special_deductions_fen=0,
                )
                s.add(e)
                s.flush()
                s.add(Badge(pin=pin, employee_id=e.id, device_sn=terminal.serial))
            _row, token = issue_token(s, "e2e-hr", "hr", None, "test")
        [result] = run_sync(config, factory, console=Console(file=io.StringIO()))
        assert (result.error, result.read) == (None, len(terminal.records))
        expected, summaries = _expected(terminal.records, pins, night)
    assert night  # the seed gives at least one night worker, so both shifts are exercised
    hr = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(ApiSettings(session_factory=factory))) as client:
        run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": "all"}, headers=hr).json()
        assert client.post(f"/api/v1/payruns/{run['id']}/compute", headers=hr).status_code == 200
        slips = client.get(f"/api/v1/payslips?period={PERIOD}&limit=500", headers=hr).json()["items"]
    got = {s["employee"]: s["figures"] for s in slips}
    assert set(got) == set(expected)
    for code, figures in expected.items():
        assert {k: got[code][k] for k in OUTPUT_COLUMNS} == figures, code
    # not a trivially perfect month: everyone comes late some days, and some punches are missing
    assert all(s["late_minutes"] > 0 for s in summaries)
    assert sum(s["missing_punches"] for s in summaries) == 3


@pytest.mark.timeout(120)
def test_demo_setup_runs_end_to_end(tmp_path: Path) -> None:
    out = io.StringIO()
    demo = setup_demo(tmp_path, today=date(2026, 4, 15), port=0, console=Console(file=out, width=160))
    try:
        assert demo.period == "2026-03"
        assert demo.url.startswith("http://127.0.0.1:")
        summary = demo.summary
        # 10 SOAP + 8 push + 24 ZK TCP + 12 ZK UDP + 8 Comet users, one pin per terminal left unmapped
        assert (summary["employees"], summary["payslips"]) == (57, 57)
        assert summary["quarantined"] > 0
        hr = {"Authorization": f"Bearer {demo.token}"}
        runs = httpx.get(f"{demo.url}/api/v1/payruns", headers=hr).json()
        assert [(r["period"], r["status"], r["net_total_fen"]) for r in runs] == [
            ("2026-03", "locked", summary["net_fen"])
        ]
        slips = httpx.get(f"{demo.url}/api/v1/payslips?period=2026-03&limit=500", headers=hr).json()["items"]
        assert sum(s["gross_fen"] for s in slips) == summary["gross_fen"]
        assert sum(s["figures"]["piece_pay_fen"] for s in slips if s["employee"].startswith("DG-C")) > 0
        bank = httpx.get(f"{demo.url}/api/v1/exports/2026-03/bank", headers=hr)
        assert bank.status_code == 200
        assert len(bank.text.strip().splitlines()) == 59  # header, 57 transfers, the totals line
        assert "push terminal CQZ7224160001" in out.getvalue()
        # the Hikvision and Anviz terminals are polled like the others and listed with what was read from them;
        # their punches moved from the SOAP (3 staff x 22 workdays x 2) and UDP terminals, so the pay is unchanged
        terminals = io.StringIO()
        Console(file=terminals, width=120).print(demo.tables[1])
        rows = [line.split("│")[1:-1] for line in terminals.getvalue().splitlines() if line.count("│") == 5]
        assert [[cell.strip() for cell in row] for row in rows if row[1].strip() in ("hik-isapi", "anviz")] == [
            ["hq-face", "hik-isapi", "Shanghai HQ", "132"],
            ["dg-anviz", "anviz", "Dongguan plant", "214"],
        ]
        staff = httpx.get(f"{demo.url}/api/v1/employees", params={"limit": 500}, headers=hr).json()["items"]
        # one plant office for day and night workers: the ZK terminals' night workers carry shift "night"
        assert {e["office"] for e in staff if e["code"].startswith("DG-")} == {"Dongguan plant"}
        # (the pins whose seed-11 (TCP) and seed-12 (UDP) records start after 18:00; on the day shift each of their
        # days was one missing punch, a full-day absence under missing_punch = "absent", so their net pay fell below
        # zero; pin 1024 / 1012 is each terminal's unmapped one)
        assert [e["code"] for e in staff if e["shift_rule"] is not None] == [
            "DG-T1004",
            "DG-T1013",
            "DG-T1015",
            "DG-T1018",
            "DG-T1021",
            "DG-T1022",
            "DG-U1003",
            "DG-U1010",
        ]
        assert {e["shift_rule"] for e in staff} == {None, "night"}
        # the printed logins work: HR sees everyone's payslips, an employee only their own
        assert [(login.role, login.username) for login in demo.logins] == [
            ("hr", "wang.fang"),
            ("employee", "SH-P1001"),
            ("employee", "DG-T1001"),
            ("manager", "li.na"),
            ("manager", "zhou.min"),
        ]
        # requests in every state, counted honestly in the printed summary
        counts = {state: summary[f"requests_{state}"] for state in ("pending", "approved", "rejected", "withdrawn")}
        assert counts == {"pending": 5, "approved": 6, "rejected": 1, "withdrawn": 1}
        assert summary["departments"] == 5
        table = io.StringIO()
        Console(file=table, width=80).print(demo.tables[0])
        for state, count in counts.items():
            assert re.search(rf"│ requests {state} +│ +{count} │", table.getvalue()), table.getvalue()
        everything = httpx.get(f"{demo.url}/api/v1/requests", headers=hr).json()
        assert {state: sum(r["status"] == state for r in everything) for state in counts} == counts
        approved = {(r["kind"], r["leave_type"], r["starts_at"][:7], r["steps"]) for r in everything
                    if r["status"] == "approved"}  # fmt: skip
        assert approved == {("leave", "annual", "2026-03", 1), ("leave", "sick", "2026-03", 1),
                            ("leave", "personal", "2026-03", 1), ("overtime", None, "2026-03", 1),
                            ("correction", None, "2026-03", 1), ("leave", "annual", "2026-03", 2)}  # fmt: skip
        assert {r["starts_at"][:7] for r in everything if r["status"] == "pending"} == {"2026-04"}
        for login in demo.logins[3:]:  # each manager's inbox holds their people's pending requests, nobody else's
            with httpx.Client(base_url=demo.url) as browser:
                me = browser.post("/api/v1/session", json={"username": login.username, "password": login.password})
                assert (me.status_code, me.json()["role"]) == (200, "manager"), me.text
                inbox = browser.get("/api/v1/requests/inbox").json()
                assert {r["employee"][:4] for r in inbox} == {"li.na": {"DG-T", "DG-C"}, "zhou.min": {"SH-S"}}[
                    login.username
                ]
                assert len(inbox) == {"li.na": 3, "zhou.min": 1}[login.username]
        hr_inbox = httpx.get(f"{demo.url}/api/v1/requests/inbox", headers=hr).json()
        assert [(r["employee"], r["step"], r["steps"]) for r in hr_inbox if r["step"] == 2] == [("SH-P1003", 2, 2)]
        for login in demo.logins[:3]:
            with httpx.Client(base_url=demo.url) as browser:
                me = browser.post("/api/v1/session", json={"username": login.username, "password": login.password})
                assert me.status_code == 200, me.text
                mine = browser.get("/api/v1/payslips", params={"limit": 500}).json()["items"]
                expected = {s["employee"] for s in slips} if login.role == "hr" else {login.username}
                assert {s["employee"] for s in mine} == expected
    finally:
        demo.stop()


def test_a_taken_port_is_replaced_by_a_free_one() -> None:
    from gateway.cli.demo import free_socket

    taken = free_socket(0)
    port = taken.getsockname()[1]
    try:
        other = free_socket(port)
        assert other.getsockname()[1] not in (port, 0)
        other.close()
    finally:
        taken.close()
