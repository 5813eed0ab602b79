"""Dated employee terms through the API: a change is a record "from this day on", never an overwrite; a correction
keeps what it replaced; the history says who, when, why and what it replaced; refusals name the reason."""

from __future__ import annotations

import json
from datetime import date

from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from pay_testkit import SALARY_FEN as SALARY
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.lock_checks import WARNING_CODES
from gateway.store import AuditLog, Employee, Payslip

URL = "/api/v1/employees/E001"


def _raise(client: TestClient, hr: dict[str, str], **extra: object) -> dict[str, object]:
    body = {"effective_from": "2026-03-16", "monthly_salary_fen": 950000, "reason": "调薪 2026", **extra}
    answer = client.post(f"{URL}/changes", json=body, headers=hr)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_raise_is_a_dated_record_and_the_history_shows_what_it_replaced(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    made = _raise(client, hr)
    assert made["effective_from"] == "2026-03-16"
    assert made["values"] == {"monthly_salary_fen": 950000}
    assert made["before"]["monthly_salary_fen"] == 600000
    assert made["created_by"] == "hr:hr-token"
    history = client.get(f"{URL}/history", params={"as_of": "2026-03-15"}, headers=hr).json()
    opening, change = history["records"]
    assert (opening["effective_from"], opening["values"]["monthly_salary_fen"], opening["superseded_by"]) == (
        "2000-01-01",
        600000,
        None,
    )
    assert opening["values"]["office"] == "Shanghai HQ"
    assert (change["id"], change["reason"], change["corrects"]) == (made["id"], "调薪 2026", None)
    assert history["terms"]["monthly_salary_fen"] == 600000  # the day before the raise
    later = client.get(f"{URL}/history", params={"as_of": "2026-03-16"}, headers=hr).json()
    assert later["terms"]["monthly_salary_fen"] == 950000
    # the employee row holds the terms in force today (the raise is in the past)
    assert client.get(URL, headers=hr).json()["monthly_salary_fen"] == 950000
    with factory() as session:
        row = session.scalar(select(AuditLog).where(AuditLog.action == "employee.change"))
        assert row is not None and row.target == "employee:E001"


def test_a_future_change_leaves_todays_terms_on_the_employee_row(client: TestClient, as_role) -> None:
    hr = as_role("hr")
    _raise(client, hr, effective_from="2099-01-01", entity="东莞制造有限公司")
    assert client.get(URL, headers=hr).json()["monthly_salary_fen"] == 600000
    terms = client.get(f"{URL}/history", params={"as_of": "2099-01-01"}, headers=hr).json()["terms"]
    assert (terms["monthly_salary_fen"], terms["entity"]) == (950000, "东莞制造有限公司")


def test_a_correction_keeps_the_record_it_replaces(client: TestClient, as_role) -> None:
    hr = as_role("hr")
    made = _raise(client, hr)
    fixed = _raise(client, hr, corrects=made["id"], monthly_salary_fen=900000, reason="typo: 9000, not 9500")
    assert (fixed["corrects"], fixed["effective_from"], fixed["values"]) == (
        made["id"],
        "2026-03-16",
        {"monthly_salary_fen": 900000},
    )
    records = client.get(f"{URL}/history", headers=hr).json()["records"]
    replaced = next(r for r in records if r["id"] == made["id"])
    assert replaced["superseded_by"] == fixed["id"]
    assert client.get(URL, headers=hr).json()["monthly_salary_fen"] == 900000
    again = client.post(
        f"{URL}/changes", json={"corrects": made["id"], "monthly_salary_fen": 1, "reason": "x"}, headers=hr
    )
    assert again.status_code == 422
    assert "was already corrected: correct the record that replaced it" in again.json()["detail"]


def test_patch_corrects_the_record_in_force(client: TestClient, as_role) -> None:
    hr = as_role("hr")
    made = _raise(client, hr)
    assert client.patch(URL, json={"monthly_salary_fen": 960000}, headers=hr).status_code == 200
    records = client.get(f"{URL}/history", headers=hr).json()["records"]
    assert [(r["corrects"], r["values"].get("monthly_salary_fen"), r["superseded_by"] is None) for r in records] == [
        (None, 600000, True),
        (None, 950000, False),
        (made["id"], 960000, True),
    ]
    assert records[2]["reason"].startswith("edited on the employee record")


def test_refusals_say_why(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:
    hr = as_role("hr")
    unknown = client.post(
        f"{URL}/changes", json={"effective_from": "2026-03-16", "salary": 1, "reason": "x"}, headers=hr
    )
    assert unknown.status_code == 422
    assert "salary" in unknown.json()["detail"]
    with factory() as session, session.begin():
        employee = session.scalar(select(Employee).where(Employee.code == "E001"))
        assert employee is not None
        employee.hired_on = date(2026, 3, 2)
    early = client.post(
        f"{URL}/changes", json={"effective_from": "2026-03-01", "monthly_salary_fen": 1, "reason": "x"}, headers=hr
    )
    assert early.status_code == 422
    assert early.json()["detail"] == (
        "employee E001 was hired on 2026-03-02: a change cannot take effect on 2026-03-01, before hiring; give a day "
        "on or after the hiring day"
    )
    no_salary = client.post(
        f"{URL}/changes", json={"effective_from": "2026-03-16", "monthly_salary_fen": None, "reason": "x"}, headers=hr
    )
    assert no_salary.status_code == 422
    assert "the pay basis is monthly but monthly_salary_fen is not set" in no_salary.json()["detail"]


def test_a_change_inside_a_locked_month_is_refused_naming_the_run(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    full_month(factory)
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{run}/compute", headers=hr).status_code == 200
    locked = client.post(f"/api/v1/payruns/{run}/lock", json={"acknowledge": list(WARNING_CODES)}, headers=hr)
    assert locked.status_code == 200, locked.text
    refused = client.post(
        f"{URL}/changes", json={"effective_from": "2026-02-20", "monthly_salary_fen": 1, "reason": "x"}, headers=hr
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"employee E001: a change from 2026-02-20 would alter 2026-03, which locked pay run {run} (scope "
        "'Shanghai HQ') paid; a locked run never changes: date the change in the month after 2026-03, and pay what "
        "is owed for the past as a correction in that month's run"
    )
    assert client.get(f"{URL}/history", headers=hr).json()["records"] == []
    assert _raise(client, hr, effective_from="2026-04-01")["effective_from"] == "2026-04-01"


def test_employees_only_read_no_history(client: TestClient, as_role) -> None:
    assert client.get(f"{URL}/history", headers=as_role("employee")).status_code == 403
    assert client.post(f"{URL}/changes", json={"reason": "x"}, headers=as_role("viewer")).status_code == 403


def _march_slip(client: TestClient, hr: dict[str, str]) -> dict[str, object]:
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    computed = client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    assert computed.status_code == 200, computed.text
    [slip] = client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
    return dict(client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json())


def test_a_raise_on_the_16th_pays_each_part_of_march_at_its_salary(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    """full_month: 12,345.67 yuan, 22 workdays, absent on the 10th; 15,000.00 from the 16th (12 workdays).
    base = (1234567 × 10 + 1500000 × 12) ÷ 22 = 1379348.64 → 1379349; the absence is at the old day rate,
    1234567 ÷ 21.75 = 56761.70 → 56762."""
    hr = as_role("hr")
    full_month(factory)
    _raise(client, hr, monthly_salary_fen=1_500_000)
    slip = _march_slip(client, hr)
    assert [(line["code"], line["amount_fen"]) for line in slip["lines"][:3]] == [  # type: ignore[index]
        ("BASE_PAY", 1_379_349),
        ("ABSENCE", -56_762),
        ("GROSS", 1_322_587),
    ]


def test_a_later_raise_leaves_march_at_the_march_salary(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    """The employees row holds today's salary (the April raise); March is paid as its own terms were."""
    hr = as_role("hr")
    full_month(factory)
    _raise(client, hr, effective_from="2026-04-01", monthly_salary_fen=1_500_000)
    assert client.get(URL, headers=hr).json()["monthly_salary_fen"] == 1_500_000
    slip = _march_slip(client, hr)
    assert slip["gross_fen"] == 1_234_567 - 56_762


def test_more_than_four_pieces_in_a_month_is_refused(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    full_month(factory)
    for day, salary in ((5, 1_300_000), (10, 1_310_000), (16, 1_320_000), (23, 1_330_000)):
        _raise(client, hr, effective_from=f"2026-03-{day:02d}", monthly_salary_fen=salary)
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    refused = client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"pay run {run} (2026-03): employee E001 (Worker E001): the terms change 4 times in one month (from "
        "2026-03-05, 2026-03-10, 2026-03-16, 2026-03-23); a month is paid in at most 4 pieces: merge changes into "
        "fewer dated records (correct one to a later day)"
    )


def _ytd_months(factory: sessionmaker[Session], run: int) -> int:
    with factory() as session:
        inputs = session.scalar(select(Payslip.inputs_json).where(Payslip.payrun_id == run))
        assert inputs is not None
        return int(json.loads(inputs)["ytd_months"])


def test_a_new_employing_entity_restarts_the_cumulative_tax_year(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    """February is locked under the first entity; from March 1 a new entity employs E001: March's year-to-date
    starts again (0 months), as a new withholding agent's would. Without the change it counts February."""
    hr = as_role("hr")
    full_month(factory)
    february = client.post("/api/v1/payruns", json={"period": "2026-02", "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{february}/compute", headers=hr).status_code == 200
    locked = client.post(f"/api/v1/payruns/{february}/lock", json={"acknowledge": list(WARNING_CODES)}, headers=hr)
    assert locked.status_code == 200, locked.text
    march = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{march}/compute", headers=hr).status_code == 200
    assert _ytd_months(factory, march) == 1
    refused = client.post(
        f"{URL}/changes", json={"effective_from": "2026-02-01", "entity": "东莞制造有限公司", "reason": "x"}, headers=hr
    )
    assert refused.status_code == 422 and f"locked pay run {february}" in refused.json()["detail"]
    _raise(client, hr, effective_from="2026-03-01", entity="东莞制造有限公司", monthly_salary_fen=SALARY)
    assert client.post(f"/api/v1/payruns/{march}/compute", headers=hr).status_code == 200
    assert _ytd_months(factory, march) == 0


def test_a_transfer_on_the_10th_counts_each_office_by_its_own_rules(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    """E001 punches 08:55-18:00 Shanghai time every March workday but the 10th. Transferred to the Urumqi plant
    (Asia/Urumqi, two hours behind; shift 10:00-19:30 there, punches read from 3 hours before) from the 10th, the
    same punches are 06:55-16:00 there: the 06:55 one is outside the shift's window, so each of the 15 workdays
    worked from the 10th has a missing punch and no counted time (a full-day absence under the default
    missing_punch = "absent": 15 absences besides the unpunched 10th), while the 6 workdays before (Shanghai's
    rules) count 480 minutes each. SI/HF stay Shanghai's, the city of the 1st (one contribution city a month)."""
    hr = as_role("hr")
    full_month(factory)
    with factory() as session, session.begin():  # the seed's Urumqi worker: a city with pay rules
        session.execute(update(Employee).where(Employee.code == "E002").values(si_city="shanghai"))
    _raise(client, hr, effective_from="2026-03-10", office="Urumqi plant", monthly_salary_fen=SALARY, reason="调动")
    assert client.get(URL, headers=hr).json()["office"] == "Urumqi plant"
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": "all"}, headers=hr).json()["id"]
    computed = client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    assert computed.status_code == 200, computed.text
    with factory() as session:
        slip = session.scalar(
            select(Payslip).join(Employee, Payslip.employee_id == Employee.id).where(Employee.code == "E001")
        )
        assert slip is not None
        days, figures = json.loads(slip.attendance_json), json.loads(slip.figures_json)
    assert (days["scheduled_days"], days["absent_days"], days["missing_punches"], days["worked_minutes"]) == (
        22,
        1 + 15,
        15,
        6 * 480,
    )
    # Shanghai: pension 8 %, medical 2 %, unemployment 0.5 % of 1234567; housing fund 7 % in whole yuan
    assert (figures["si_employee_fen"], figures["hf_employee_fen"]) == (98765 + 24691 + 6173, 86400)


def test_working_time_terms_are_refused_without_their_period_and_approval(client: TestClient, as_role) -> None:
    hr = as_role("hr")
    body = {"effective_from": "2026-03-01", "working_time_system": "comprehensive", "reason": "综合工时审批"}
    refused = client.post(f"{URL}/changes", json=body, headers=hr)
    assert (refused.status_code, refused.json()["detail"]) == (
        422,
        "employee E001, from 2026-03-01: comprehensive hours (综合计算工时) need wts_period, the settlement period "
        "the labour bureau approved: one of week, month, quarter, year",
    )
    patched = client.patch(URL, json={"working_time_system": "flexible"}, headers=hr)
    assert patched.status_code == 422
    assert "flexible hours need wts_approval_no" in patched.text


def test_comprehensive_hours_by_the_month_settle_in_the_month(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:
    hr = as_role("hr")
    full_month(factory)
    standard = client.get(f"/api/v1/attendance?period={PERIOD}&employee=E001", headers=hr).json()["employees"][0]
    body = {
        "effective_from": "2026-03-01",
        "working_time_system": "comprehensive",
        "wts_period": "month",
        "wts_approval_no": "沪人社综字〔2026〕1号",
        "reason": "综合工时审批",
    }
    assert client.post(f"{URL}/changes", json=body, headers=hr).status_code == 201
    [row] = client.get(f"/api/v1/attendance?period={PERIOD}&employee=E001", headers=hr).json()["employees"]
    assert standard["wts_standard_minutes"] == 0
    assert row["wts_standard_minutes"] == 9920  # 248 working days × 480 min ÷ 12 (人社部发〔2025〕2号)
    # March's worked minutes by hand: 21 workdays punched (22 less Tue 10 March); 20 of them 08:55-18:00 less the
    # lunch hour = 485 min → 9,700; Mon 2 March the seed's 08:00 in → 08:00-18:00 less lunch = 540; 10,240 in all
    # (= 21 × 480 regular + 20 × 5 + 60 before the shift). 10,240 − 9,920 = 320 settled at 150 %.
    assert (row["wts_period_minutes"], row["wts_settled_minutes"]) == (10240, 320)
    assert (row["ot_workday_minutes"], row["ot_restday_minutes"], standard["ot_workday_minutes"]) == (320, 0, 0)
