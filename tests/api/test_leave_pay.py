"""Approved leave into attendance and pay, through the API: the employee asks, the manager approves, HR computes
the run, and the payslip shows a LEAVE line and no absence deduction for the day (issue 12 (d)).

E001 (Shanghai HQ, 1,234,567 fen a month) punched every March 2026 workday but 10 March (`pay_testkit.full_month`);
without leave that day is an absence of 1,234,567 ÷ 21.75 = 56,761.7 → 56,762 fen.
"""

from __future__ import annotations

import base64
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import issue_token
from gateway.people.departments import assign_employees, create_department
from gateway.people.leave_ledger import adjust
from gateway.store import Employee

NOW = datetime(2026, 3, 9, 2, 0)  # 10:00 in Shanghai, the Monday before the leave
DAY_OFF = {"starts_at": "2026-03-10T00:00", "ends_at": "2026-03-11T00:00"}  # the day E001 did not punch


@pytest.fixture
def manager(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """E001's March, E001 in department SH under manager E010 (hired 2023-01-01), 10 days of annual leave."""
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: NOW)
    full_month(factory)
    with factory() as session, session.begin():
        session.add(Employee(code="E010", name="Manager E010", office_id=1, pay_basis="monthly",
                             monthly_salary_fen=900000, special_deductions_fen=0))  # fmt: skip
        session.flush()
        create_department(session, "test", office=SCOPE, code="SH", name="上海总部", manager="E010")
        assign_employees(session, "test", "SH", ["E001"])
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        e1.hired_on = date(2023, 1, 1)  # 3 full years on 2026-03-01: Shanghai's 70 % tier (from 2 years)
        adjust(session, "test", e1, "annual", 2026, 10, "opening balance")
        _row, secret = issue_token(session, "li-na", "manager", "E010", "test")
    return {"Authorization": f"Bearer {secret}"}


def _approved_leave(client: TestClient, employee: dict[str, str], manager: dict[str, str], kind: str) -> None:
    body = {"kind": "leave", "leave_type": kind, "reason": "家里有事", **DAY_OFF}
    if kind == "sick":
        body["attachment"] = {"filename": "note.pdf", "content_type": "application/pdf",
                              "data": base64.b64encode(b"%PDF-1.4 doctor's note").decode()}  # fmt: skip
    created = client.post("/api/v1/requests", json=body, headers=employee)
    assert created.status_code == 201, created.text
    decided = client.post("/api/v1/requests/decisions", json={"ids": [created.json()["id"]], "approve": True},
                          headers=manager).json()  # fmt: skip
    assert (decided[0]["ok"], decided[0]["status"]) == (True, "approved")


def _payslip(client: TestClient, hr: dict[str, str], run_id: int) -> dict:  # type: ignore[type-arg]
    computed = client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    assert computed.status_code == 200, computed.text
    [slip] = [s for s in client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
              if s["employee"] == "E001"]  # fmt: skip
    return client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json()  # type: ignore[no-any-return]


def _run(client: TestClient, hr: dict[str, str]) -> int:
    created = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _pay_lines(slip: dict) -> list[tuple[str, int]]:  # type: ignore[type-arg]
    lines = [(line["code"], line["amount_fen"]) for line in slip["lines"]]
    return lines[: [code for code, _ in lines].index("GROSS") + 1]


def test_annual_leave_approved_after_a_compute_removes_the_absence_on_recompute(
    client: TestClient,
    as_role,
    manager: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    hr = as_role("hr")
    run_id = _run(client, hr)
    before = _payslip(client, hr, run_id)
    assert _pay_lines(before) == [("BASE_PAY", 1_234_567), ("ABSENCE", -56_762), ("GROSS", 1_177_805)]
    _approved_leave(client, as_role("employee"), manager, "annual")
    slip = _payslip(client, hr, run_id)  # the same unlocked run, computed again
    assert _pay_lines(slip) == [("BASE_PAY", 1_234_567), ("LEAVE", 0), ("GROSS", 1_234_567)]
    leave = slip["lines"][1]
    assert leave["quantities"] == {
        "leave_type": "annual", "name": "年假", "unit": "half_day", "days": "1", "minutes": 480, "paid": "带薪",
        "amount_fen": 0, "source": "职工带薪年休假条例 art. 3; 企业职工带薪年休假实施办法 art. 5",
    }  # fmt: skip
    assert (
        leave["rule"]
        == "年假 1 天，带薪：月薪照发，不扣款（职工带薪年休假条例 art. 3; 企业职工带薪年休假实施办法 art. 5）"
    )
    assert (slip["attendance"]["absent_days"], slip["attendance"]["paid_leave_minutes"]) == (0, 480)
    assert (slip["figures"]["absence_fen"], slip["inputs"]["paid_leave_minutes"]) == (0, 480)
    changes = client.get(f"/api/v1/payruns/{run_id}", headers=hr).json()["changes"]
    assert {"employee": "E001", "field": "absence_fen", "old": 56_762, "new": 0} in changes

    month = client.get(f"/api/v1/employees/E001/month?period={PERIOD}", headers=as_role("employee")).json()
    day = month["days"][9]
    assert (day["date"], day["status"], day["leave"]) == ("2026-03-10", "normal", {"annual": "1"})
    assert (month["leave_days"], month["summary"]["absent_days"]) == ({"annual": "1"}, 0)
    [row] = client.get(f"/api/v1/attendance?period={PERIOD}&employee=E001", headers=hr).json()["employees"]
    assert (row["leave_days"], row["absent_days"], row["paid_leave_minutes"]) == ({"annual": "1"}, 0, 480)


def test_personal_leave_is_deducted_as_shijia_not_as_absence(
    client: TestClient,
    as_role,
    manager: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    hr = as_role("hr")
    _approved_leave(client, as_role("employee"), manager, "personal")
    slip = _payslip(client, hr, _run(client, hr))
    # 8 hours of 事假: 1,234,567 ÷ 21.75 ÷ 8 × 8 = 56,761.7 → 56,762, shown as the leave type, not as ABSENCE
    assert _pay_lines(slip) == [("BASE_PAY", 1_234_567), ("LEAVE", -56_762), ("GROSS", 1_177_805)]
    leave = slip["lines"][1]
    assert (leave["quantities"]["name"], leave["quantities"]["hours"], leave["quantities"]["deducted_fen"]) == (
        "事假", "8", 56_762)  # fmt: skip
    assert leave["rule"] == (
        "事假 8 小时，不带薪：扣 月薪 ÷ 21.75 ÷ 8 × 小时，与缺勤同算，fen_half_up"
        "（no statute: unpaid by common company rule [M]）"
    )
    assert (slip["figures"]["absence_fen"], slip["figures"]["unpaid_leave_fen"]) == (0, 56_762)


def test_sick_leave_pays_the_shanghai_share_for_three_years_of_service(
    client: TestClient,
    as_role,
    manager: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    hr = as_role("hr")
    _approved_leave(client, as_role("employee"), manager, "sick")
    slip = _payslip(client, hr, _run(client, hr))
    # the day's wage 56,762 out; sick pay in: max(1,234,567 × 0.7, 274,000 × 0.8) ÷ 21.75 = 39,733.2 → 39,733;
    # the line is 39,733 − 56,762 = −17,029, and gross 1,234,567 − 17,029 = 1,217,538
    assert _pay_lines(slip) == [("BASE_PAY", 1_234_567), ("LEAVE", -17_029), ("GROSS", 1_217_538)]
    q = slip["lines"][1]["quantities"]
    assert (q["name"], q["days"], q["sick_pay_fen"], q["wage_deducted_fen"], q["share"]) == (
        "病假", "1", 39_733, 56_762, "0.7")  # fmt: skip
    assert (slip["figures"]["sick_pay_fen"], slip["figures"]["absence_fen"]) == (39_733, 0)
    assert (slip["inputs"]["sick_share_num"], slip["inputs"]["sick_share_den"]) == (7, 10)
