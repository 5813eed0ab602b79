"""A resignation end to end through the API (issue 19): submit → manager → HR → the last day → user sync removes
the badge from the simulated ZK terminal (read back with pyzk) → the July pay run → the 离职结算单 equals the
hand-checked case tests/cases/resignation_20th_shanghai.yaml to the fen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from zk import ZK

from api.app import ApiSettings, create_app
from drivers.base import RawPunch
from gateway import config as cfg
from gateway.access.tokens import issue_token
from gateway.devices.ingest import ingest_punches
from gateway.people.departments import assign_employees, create_department
from gateway.people.leave_ledger import accrue_year, add_entry, balance_steps
from gateway.store import AuditLog, Employee, LeaveEntry, OpeningBalance, PayMonthInput
from payroll_core.rules import load_rules
from payroll_core.settlement import unused_annual_leave
from simulators.zk import ZKTerminal
from tests.api.pay_testkit import SN_SH

SUBMITTED = datetime(2026, 7, 10, 2, 0)  # 10:00 in Shanghai
LAST_DAY = date(2026, 7, 20)
ON_LAST_DAY = datetime(2026, 7, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai on the last day
DAY_AFTER = datetime(2026, 7, 20, 16, 30, tzinfo=UTC)  # 00:30 in Shanghai on July 21st
JULY_WORKDAYS = [date(2026, 7, d) for d in range(1, 21) if date(2026, 7, d).isoweekday() < 6]  # 14 days


def _frozen(now: datetime) -> type[datetime]:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Frozen:  # type: ignore[override]
            return cls.fromtimestamp(now.timestamp(), tz=UTC)

    return Frozen


@pytest.fixture
def leaver(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """E001 as in the case: 12,000 a month, hired 2021-03-01, working since 2014-06, 2026's 10 days accrued and one
    taken, January–June paid before punchclock; manager E010 (token); punches on every workday July 1–20."""
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: SUBMITTED)
    monkeypatch.setattr("gateway.access.leaver_logins.utcnow", lambda: SUBMITTED)  # the leaver's login is open
    with factory() as session, session.begin():
        session.add(Employee(code="E010", name="Manager", office_id=1, pay_basis="monthly",
                             monthly_salary_fen=900000, special_deductions_fen=0))  # fmt: skip
        session.flush()
        create_department(session, "test", office="Shanghai HQ", code="SH", name="上海总部", manager="E010")
        assign_employees(session, "test", "SH", ["E001"])
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        e1.monthly_salary_fen, e1.hired_on, e1.work_started_on = 1_200_000, date(2021, 3, 1), date(2014, 6, 1)
        accrue_year(session, "test", 2026)
        add_entry(session, "test", e1, "annual", 2026, -2, "use", "one day in March")  # half days: 2 = one day
        session.add(OpeningBalance(employee_id=e1.id, tax_year=2026, through_period="2026-06", months=6,
                                   income_fen=7_200_000, si_hf_fen=1_260_000, special_deductions_fen=0,
                                   other_deductions_fen=0, tax_withheld_fen=88_200, source="test", imported_by="test",
                                   imported_at=datetime(2026, 7, 1)))  # fmt: skip
        _row, secret = issue_token(session, "li-na", "manager", "E010", "test")
    for day in JULY_WORKDAYS:
        ingest_punches(factory, SN_SH, [RawPunch(SN_SH, "1001", datetime(2026, 7, day.day, 8, 55)),
                                        RawPunch(SN_SH, "1001", datetime(2026, 7, day.day, 18, 0))],
                       source="zk-tcp", now=datetime(2026, 7, 21))  # fmt: skip
    return {"manager": {"Authorization": f"Bearer {secret}"}}


@pytest.fixture
def terminal() -> Iterator[ZKTerminal]:
    with ZKTerminal(users=0, records=0, packet_gap_s=0) as t:
        yield t


def _pyzk_pins(t: ZKTerminal) -> list[str]:
    conn = ZK("127.0.0.1", t.port, ommit_ping=True, encoding="gbk").connect()
    try:
        return sorted(u.user_id for u in conn.get_users())
    finally:
        conn.disconnect()


def test_resignation_to_final_settlement(  # type: ignore[no-untyped-def]
    factory, as_role, leaver, terminal: ZKTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = cfg.Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai")
    device = cfg.Device(name="hq-door", sn=SN_SH, kind="zk-tcp", host="127.0.0.1", port=terminal.port,
                        office=office.name)  # fmt: skip
    app = create_app(ApiSettings(session_factory=factory, config=cfg.Config(offices=[office], devices=[device])))
    hr, me = as_role("hr"), as_role("employee")
    with TestClient(app, raise_server_exceptions=False) as client:
        past = {"kind": "resignation", "starts_at": "2026-07-09T00:00", "reason": "回老家发展"}
        refused = client.post("/api/v1/requests", json=past, headers=me)
        assert (refused.status_code, refused.json()["detail"]) == (422, (
            "the last day 2026-07-09 is before today (2026-07-10): a resignation names today or a later day; "
            "HR corrects a past leave date on the employee record"))  # fmt: skip
        created = client.post("/api/v1/requests", json={**past, "starts_at": "2026-07-20T00:00"}, headers=me).json()
        assert (created["kind"], created["status"], created["steps"], created["starts_at"]) == (
            "resignation", "pending", 2, "2026-07-20T00:00:00+08:00")  # fmt: skip
        rid = created["id"]
        for headers, status in ((leaver["manager"], "pending"), (hr, "approved")):
            done = client.post("/api/v1/requests/decisions", json={"ids": [rid], "approve": True}, headers=headers)
            assert [(d["ok"], d["status"]) for d in done.json()] == [(True, status)]
        marked = client.put(f"/api/v1/resignations/{rid}/termination", headers=hr,
                            json={"termination": "mutual_by_employer", "severance_base_fen": 1_200_000})  # fmt: skip
        assert marked.status_code == 200, marked.text
        terms = marked.json()
        assert (terms["last_day"], terms["termination"]["severance"], terms["handover"][:2]) == ("2026-07-20", True, [
            {"position": 0, "item": "工作交接", "done_by": None, "done_at": None},
            {"position": 1, "item": "归还工牌/门禁卡", "done_by": None, "done_at": None}])  # fmt: skip
        ticked = client.put(f"/api/v1/resignations/{rid}/handover/1", json={"done": True}, headers=hr).json()
        assert ticked["handover"][1]["done_by"] == "hr:hr-token"

        with factory() as session:
            e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
            assert e1.left_on == LAST_DAY
            ledger = session.execute(select(LeaveEntry.kind, LeaveEntry.delta).where(LeaveEntry.employee_id == e1.id)
                                     .order_by(LeaveEntry.id)).all()  # fmt: skip
            assert ledger == [("accrual", 20), ("use", -2), ("adjustment", -10)]  # half days: 10, −1, pro-rated to 5
            conventions = load_rules("2026-07", ["shanghai"]).cities[0].conventions
            kernel = unused_annual_leave(last_day=LAST_DAY, cumulative_years=12, taken_days=1, conventions=conventions)
            assert (balance_steps(session, e1.id, "annual", 2026) // 2, kernel.unused_days) == (4, 4)
            entry = session.scalars(select(PayMonthInput).where(PayMonthInput.employee_id == e1.id)).one()
            assert (entry.period, entry.severance, entry.severance_base_fen) == ("2026-07", True, 1_200_000)
            after = session.scalar(select(AuditLog.after_json).where(AuditLog.action == "employee.left_on"))
            assert json.loads(after or "null") == {"left_on": "2026-07-20", "request": rid}

        sync = f"/api/v1/devices/{SN_SH}/users/sync"
        monkeypatch.setattr("gateway.devices.user_sync.datetime", _frozen(ON_LAST_DAY))
        assert client.post(sync, headers=hr).status_code == 200
        assert _pyzk_pins(terminal) == ["1001"]  # the last day: still punches in and out
        monkeypatch.setattr("gateway.devices.user_sync.datetime", _frozen(DAY_AFTER))
        plan = client.post(sync, headers=hr).json()
        assert [(c["action"], c["pin"], c["employee"], c["reason"]) for c in plan["changes"]] == [
            ("delete", "1001", "E001", "left")
        ]
        assert _pyzk_pins(terminal) == []

        run = client.post("/api/v1/payruns", json={"period": "2026-07", "scope": "Shanghai HQ"}, headers=hr).json()
        computed = client.post(f"/api/v1/payruns/{run['id']}/compute", headers=hr)
        assert computed.status_code == 200, computed.text
        for headers in (hr, me):
            settlement = client.get("/api/v1/settlements/E001", headers=headers).json()
            amounts = {line["code"]: line["amount_fen"] for line in settlement["lines"]}
            assert amounts == {
                "BASE_PAY": 730435, "ANNUAL_LEAVE_PAY": 441379, "SEVERANCE": 6600000, "GROSS": 7771814,
                "PENSION_EMPLOYEE": -96000, "MEDICAL_EMPLOYEE": -24000, "UNEMPLOYMENT_EMPLOYEE": -6000,
                "HOUSING_FUND_EMPLOYEE": -84000, "IIT": -13854, "NET": 7547960,
            }  # fmt: skip
            assert (settlement["net_fen"], settlement["locked"], settlement["termination"]["name"]) == (
                7547960, False, "协商解除(单位提出)")  # fmt: skip
        rules = {line["code"]: line["rule"] for line in settlement["lines"]}
        assert rules["ANNUAL_LEAVE_PAY"].startswith("未休年假 4 天 × 日工资 551.72（月工资 12,000.00 ÷ 21.75）× 200%")
        assert rules["BASE_PAY"].startswith("月薪 12,000.00 × 在职 14 个工作日 ÷ 本月 23 个工作日")
        assert rules["SEVERANCE"].startswith("经济补偿 5.5 个月 × 月工资 12,000.00")
        assert rules["GROSS"] == "以上各项合计" and rules["IIT"].startswith("累计预扣法：累计应纳税所得额 ")
        assert [code for code, rule in rules.items() if rule.isascii()] == []  # a Chinese sheet: no English rule
        other = client.get("/api/v1/settlements/E002", headers=me)
        assert (other.status_code, other.json()["detail"]) == (404, "employee 'E002' does not exist")
        sheet = client.get("/api/v1/settlements/E001/xlsx", headers=me)
        rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert rows[0][0].startswith("离职结算单 Worker E001（E001）Shanghai HQ · 最后工作日 2026-07-20")  # type: ignore[union-attr]
        assert [(r[0], Decimal(str(r[1]))) for r in rows[2:5]] == [  # yuan, shown with two decimals
            ("工资（计至最后工作日）", Decimal("7304.35")), ("未休年休假工资", Decimal("4413.79")),
            ("经济补偿金", Decimal("66000.00"))]  # fmt: skip
