"""Working-time systems through the pay run, in fen, and the art. 41 lock warnings with their text.

E001 (`pay_testkit.full_month`: salary 12,345.67 yuan at Shanghai HQ, 09:00-18:00 with a lunch hour) on comprehensive
hours by the quarter from 1 July 2026, punching 08:00-21:00 on chosen workdays: 13 h less the lunch hour = 720 min a
day. July: 15 days = 10,800; August: 15 days = 10,800 (21,600 so far); September: 13 days = 9,360, 30,960 in the
quarter. The quarter's standard is 62 working days × 480 = 29,760 min (人社部发〔2025〕2号): 30,960 − 29,760 = 1,200 min
settled in September at 150 %. The project's overtime rule (test_requests_into_pay): monthly ÷ (21.75 × 8 × 60) per
minute, rounded once: 1,234,567 × 1.5 × 1,200 ÷ 10,440 = 212,856.37… → 212,856 fen. No day of the punched ones is a
holiday (中秋 is 25 September) nor a 6th worked day in a row.
"""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, SN_SH, full_month
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches

JULY = [1, 2, 3, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 20, 21]
AUGUST = [3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21]
SEPTEMBER = [1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17]


def _long_days(factory: sessionmaker[Session], month: int, days: list[int]) -> None:
    punches = [RawPunch(SN_SH, "1001", datetime(2026, month, d, h, 0)) for d in days for h in (8, 21)]
    ingest_punches(factory, SN_SH, punches, source="zk-tcp", now=datetime(2026, 10, 1))


def _payslip(client: TestClient, hr: dict[str, str], period: str) -> dict:  # type: ignore[type-arg]
    run = client.post("/api/v1/payruns", json={"period": period, "scope": SCOPE}, headers=hr).json()
    assert client.post(f"/api/v1/payruns/{run['id']}/compute", headers=hr).status_code == 200
    [slip] = client.get(f"/api/v1/payruns/{run['id']}", headers=hr).json()["payslips"]
    return client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json()  # type: ignore[no-any-return]


def test_a_comprehensive_quarter_pays_its_overtime_at_150_in_september_only(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    full_month(factory)
    body = {
        "effective_from": "2026-07-01",
        "working_time_system": "comprehensive",
        "wts_period": "quarter",
        "wts_approval_no": "沪人社综字〔2026〕1号",
        "reason": "综合工时审批",
    }
    assert client.post("/api/v1/employees/E001/changes", json=body, headers=hr).status_code == 201
    for month, days in ((7, JULY), (8, AUGUST), (9, SEPTEMBER)):
        _long_days(factory, month, days)
    balances = []
    for period in ("2026-07", "2026-08", "2026-09"):
        slip = _payslip(client, hr, period)
        attendance = slip["attendance"]
        balances.append(
            (
                attendance["wts_period_minutes"],
                attendance["wts_standard_minutes"],
                attendance["wts_settled_minutes"],
                attendance["ot_workday_minutes"],
                attendance["ot_restday_minutes"],
                slip["figures"]["ot_workday_fen"],
                slip["figures"]["ot_pay_fen"],
                [line["code"] for line in slip["lines"] if line["code"].startswith("OT")],
            )
        )
    assert balances == [
        (10800, 29760, 0, 0, 0, 0, 0, []),
        (21600, 29760, 0, 0, 0, 0, 0, []),
        (30960, 29760, 1200, 1200, 0, 212_856, 212_856, ["OT_WORKDAY"]),
    ]


def test_a_standard_employee_with_4_overtime_hours_on_a_day_and_40_in_the_month_is_warned_of_both(
    client: TestClient, as_role, factory: sessionmaker[Session], overtime_by_punches: None
) -> None:
    """March 2026, the office counting the punches' overtime: out at 22:00 on Wed 4 March (18:00-22:00 = 240 min,
    60 beyond 3 h) and at 21:00 on 12 other workdays (180 each, 2,160): 2,400 min = 40 h, 240 = 4 h beyond 36 h."""
    full_month(factory)
    hr = as_role("hr")
    at_21 = [2, 3, 5, 6, 9, 11, 12, 13, 16, 17, 18, 19]
    late = [RawPunch(SN_SH, "1001", datetime(2026, 3, 4, 22, 0))]
    late += [RawPunch(SN_SH, "1001", datetime(2026, 3, d, 21, 0)) for d in at_21]
    ingest_punches(factory, SN_SH, late, source="zk-tcp", now=datetime(2026, 4, 1))
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()
    client.post(f"/api/v1/payruns/{run['id']}/compute", headers=hr)
    refused = client.post(f"/api/v1/payruns/{run['id']}/lock", headers=hr)
    assert refused.status_code == 409
    item = "E001 Worker E001 (1 day(s) over 3 h, 1 h beyond; 40 h in the month, 4 h over 36 h)"
    assert refused.json()["warnings"] == [
        {
            "code": "overtime_over_limit",
            "message": "1 employee(s) with overtime beyond 3 hours a day or 36 hours a month (劳动法 art. 41): "
            f"{item}; it is paid as counted, but check the approvals and the schedule",
            "items": [item],
        }
    ]
