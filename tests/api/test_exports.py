"""Exports of a small hand-checked month: exact pay sheet CSV, the same figures in XLSX, exact bank CSV.

E001 (Shanghai HQ, 1,234,567 fen a month, March 2026: 22 workdays, absent on 10 March), by hand:
  absence   1,234,567 ÷ 21.75                       =  56,761.7  →  56,762
  gross     1,234,567 − 56,762                                     = 1,177,805
  pension   8 % × 1,234,567 = 98,765.36 → 98,765;  medical 2 % → 24,691.34 → 24,691
  unemployment 0.5 % → 6,172.835 → 6,173;          SI employee = 129,629
  housing fund 7 % × 1,234,567 = 86,419.69 fen = 864.20 yuan → whole yuan (Shanghai) → 86,400
  taxable   1,177,805 − 500,000 − 129,629 − 86,400                 =   461,776;  IIT 3 % = 13,853.28 → 13,853
  net       1,177,805 − 129,629 − 86,400 − 13,853                  =   947,923  → bank file "9479.23"
  employer  pension 16 % 197,531; medical 9 % (maternity included, shanghai.toml [T]) 111,111; unemployment 6,173;
            injury 0.16 % 1,975; maternity 0;  SI employer = 197,531 + 111,111 + 6,173 + 1,975 + 0 = 316,790
  minimum-wage floor 274,000 × 21 ÷ 22 = 261,545.45 → 261,545
"""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.exports import PAY_SHEET_HEADER, neutralise
from gateway.store import BankAccount
from payroll_core.money import fen_to_yuan

E001 = {
    "base_pay_fen": 1_234_567,
    "absence_fen": 56_762,
    "late_fen": 0,
    "ot_workday_fen": 0,
    "ot_restday_fen": 0,
    "ot_holiday_fen": 0,
    "ot_pay_fen": 0,
    "piece_pay_fen": 0,
    "leave_pay_fen": 0,
    "min_wage_floor_fen": 261_545,
    "min_wage_shortfall_fen": 0,
    "min_wage_topup_fen": 0,
    "gross_fen": 1_177_805,
    "pension_employee_fen": 98_765,
    "pension_employer_fen": 197_531,
    "medical_employee_fen": 24_691,
    "medical_employer_fen": 111_111,
    "unemployment_employee_fen": 6_173,
    "unemployment_employer_fen": 6_173,
    "injury_employee_fen": 0,
    "injury_employer_fen": 1_975,
    "maternity_employee_fen": 0,
    "maternity_employer_fen": 0,
    "si_employee_fen": 129_629,
    "si_employer_fen": 316_790,
    "hf_employee_fen": 86_400,
    "hf_employer_fen": 86_400,
    "taxable_cumulative_fen": 461_776,
    "tax_cumulative_fen": 13_853,
    "iit_fen": 13_853,
    "net_fen": 947_923,
    "hf_deductible_fen": 86_400,
    "hf_employee_excess_fen": 0,
    "hf_employer_excess_fen": 0,
    "hf_rate_flag": 0,
    "si_hf_deductible_fen": 216_029,
    "cumulative_income_fen": 1_177_805,
    "bonus_tax_fen": 0,
    "bonus_separate": 0,
    "bonus_recommended_separate": 0,
    "bonus_year_tax_separate_fen": 0,
    "bonus_year_tax_combined_fen": 0,
    "severance_fen": 0,
    "severance_exempt_fen": 0,
    "severance_tax_fen": 0,
    "damages_deducted_fen": 0,
    "damages_limit_fen": 235_561,  # 20 % of 1,177,805 rounded down (pay after own SI/HF stays above the minimum)
    "damages_flag": 0,
    "paid_leave_fen": 0,
    "unpaid_leave_fen": 0,
    "sick_wage_fen": 0,
    "sick_pay_fen": 0,
}


@pytest.fixture
def run_id(client: TestClient, as_role, factory: sessionmaker[Session]) -> int:  # type: ignore[no-untyped-def]
    full_month(factory)
    hr = as_role("hr")
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{run}/compute", headers=hr).status_code == 200
    return int(run)


def _lock(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    assert client.post(f"/api/v1/payruns/{run_id}/lock", headers=as_role("hr")).status_code == 200


def test_pay_sheet_csv_is_exact(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/exports/{PERIOD}/csv", headers=as_role("viewer"))
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"pay-{PERIOD}-fen.csv\"; filename*=UTF-8''%E5%B7%A5%E8%B5%84%E8%A1%A8-{PERIOD}-fen.csv"
    )
    expected = (
        ",".join(PAY_SHEET_HEADER)
        + "\r\n"
        + ",".join(["E001", "Worker E001", SCOPE, str(run_id), "computed", *(str(v) for v in E001.values())])
        + "\r\n"
    )
    assert list(E001) == list(PAY_SHEET_HEADER[5:])
    assert response.content == "\ufeff".encode() + expected.encode()


def test_bank_csv_amounts_are_exact_and_need_a_locked_run(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    early = client.get(f"/api/v1/exports/{PERIOD}/bank", headers=hr)
    assert early.status_code == 409
    assert early.json()["detail"] == (
        f"pay run(s) {run_id} ({SCOPE}, computed) of {PERIOD} are not locked; review and "
        "lock them before exporting the bank transfer file"
    )
    _lock(client, as_role, run_id)
    assert client.get(f"/api/v1/exports/{PERIOD}/bank", headers=as_role("viewer")).status_code == 403
    response = client.get(f"/api/v1/exports/{PERIOD}/bank", headers=hr)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["账号", "户名", "金额", "开户行", "用途"],
        ["6222020000000001", "Worker E001", "9479.23", "ICBC Shanghai", "工资"],
        ["合计", "1笔", "9479.23", "", ""],
    ]


def test_the_bank_file_leaves_out_zero_pay_and_missing_accounts_and_lists_them(
    client: TestClient, as_role, run_id: int, factory
) -> None:  # type: ignore[no-untyped-def]
    """E003 joined without ever coming (negative net pay); E001's account is removed before the lock."""
    hr = as_role("hr")
    body = {
        "code": "E003",
        "name": "Worker E003",
        "office": SCOPE,
        "pay_basis": "monthly",
        "monthly_salary_fen": 500_000,
    }
    client.post("/api/v1/employees", json=body, headers=hr)
    client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    with factory() as session, session.begin():
        session.execute(delete(BankAccount))
    refused = client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr)
    assert refused.status_code == 409
    warnings = {w["code"]: w for w in refused.json()["warnings"]}
    assert list(warnings) == ["net_not_positive", "no_bank_account", "no_punches"]
    # A month with no work still owes the employee's social insurance and housing fund: negative net pay.
    assert warnings["net_not_positive"]["items"] == ["E003 Worker E003 (-1133.30 yuan)"]
    assert warnings["no_bank_account"]["items"] == ["E001 Worker E001"]
    assert warnings["no_bank_account"]["message"].startswith(
        "1 employee(s) with net pay but no bank account: E001 Worker E001; add their accounts first"
    )
    assert refused.json()["detail"].endswith(
        'Fix these, or lock with acknowledge: ["net_not_positive", "no_bank_account", "no_punches"] to lock anyway '
        "(recorded in the audit log)"
    )
    locked = client.post(f"/api/v1/payruns/{run_id}/lock", json={"acknowledge": list(warnings)}, headers=hr)
    assert locked.status_code == 200, locked.text
    assert [w["code"] for w in locked.json()["acknowledged"]] == list(warnings)
    bank = client.get(f"/api/v1/exports/{PERIOD}/bank", headers=hr)
    assert bank.status_code == 200
    assert bank.text.removeprefix("\ufeff").splitlines() == ["账号,户名,金额,开户行,用途", "合计,0笔,0.00,,"]
    check = client.get(f"/api/v1/exports/{PERIOD}/bank/check", headers=hr).json()
    assert (check["transfers"], check["total_fen"]) == (0, 0)
    assert [(e["employee"], e["net_fen"], e["reason"]) for e in check["excluded"]] == [
        ("E001", 947_923, "no bank account when the run was locked"),
        ("E003", -113_330, "net pay is not positive"),
    ]


def test_bank_account_set_through_the_api_is_used(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    hr, me = as_role("hr"), as_role("employee")
    account = {"bank_name": "CCB Pudong", "account_no": "6217000010001234567", "account_name": "Worker E001"}
    put = client.put("/api/v1/employees/E001/bank-account", json=account, headers=hr)
    assert put.status_code == 200
    assert put.json() == {"employee": "E001", **account}
    mine = client.get("/api/v1/employees/E001/bank-account", headers=me).json()
    assert mine == {"employee": "E001", **account, "account_no": "**** 4567"}
    assert client.get("/api/v1/employees/E002/bank-account", headers=me).status_code == 404
    assert client.put("/api/v1/employees/E001/bank-account", json=account, headers=me).status_code == 403
    bad = client.put("/api/v1/employees/E001/bank-account", json={**account, "account_no": "6217-0000"}, headers=hr)
    assert bad.status_code == 422
    # the account changed after the compute: the lock asks for a recompute first
    assert client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).json()["warnings"][0]["items"] == [
        "1 × employee.bank_account"
    ]
    client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    _lock(client, as_role, run_id)
    rows = client.get(f"/api/v1/exports/{PERIOD}/bank", headers=hr).content.decode("utf-8-sig").splitlines()
    assert rows[1] == "6217000010001234567,Worker E001,9479.23,CCB Pudong,工资"
    audit = client.get("/api/v1/audit", headers=as_role("admin")).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    entry = [e for e in entries if e["action"] == "employee.bank_account"][0]  # newest first
    assert entry["before"]["bank_name"] == "ICBC Shanghai" and entry["after"]["bank_name"] == "CCB Pudong"


def test_nothing_to_export(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/exports/2026-05/csv", headers=as_role("hr"))
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "no computed pay run for 2026-05; create and compute one first (punchclock payroll run --period 2026-05)"
    )


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (5, "0.05"), (100, "1.00"), (947_923, "9479.23"), (-5, "-0.05"), (123_456_789_012, "1234567890.12")],
)
def test_fen_to_yuan(fen: int, text: str) -> None:
    assert fen_to_yuan(fen) == text


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


def test_formula_like_names_are_neutralised_in_every_export(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    """Spreadsheet formula injection (OWASP): a name that starts a formula is written as text with an apostrophe."""
    hr = as_role("hr")
    name, holder, bank_name = FORMULAS[0], FORMULAS[1], FORMULAS[2]
    assert client.patch("/api/v1/employees/E001", json={"name": name}, headers=hr).status_code == 200
    account = {"bank_name": bank_name, "account_no": "6222020000000001", "account_name": holder}
    assert client.put("/api/v1/employees/E001/bank-account", json=account, headers=hr).status_code == 200
    client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    _lock(client, as_role, run_id)
    sheet = list(csv.reader(io.StringIO(client.get(f"/api/v1/exports/{PERIOD}/csv", headers=hr).text.lstrip("\ufeff"))))
    assert sheet[1][:3] == ["E001", "'" + name, SCOPE]
    bank = list(csv.reader(io.StringIO(client.get(f"/api/v1/exports/{PERIOD}/bank", headers=hr).text.lstrip("\ufeff"))))
    assert bank[1][:4] == ["6222020000000001", "'" + holder, "9479.23", "'" + bank_name]
    for kind in ("xlsx", "bank?format=xlsx", "attendance"):
        workbook = load_workbook(io.BytesIO(client.get(f"/api/v1/exports/{PERIOD}/{kind}", headers=hr).content))
        texts = [c.value for sheet in workbook for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert {"'" + name, "'" + holder, "'" + bank_name} & set(texts), kind
        assert not [v for v in texts if v.startswith(("=", "+", "@"))], kind
        formulas = [c.coordinate for sheet in workbook for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], kind
    sheet = load_workbook(io.BytesIO(client.get(f"/api/v1/exports/{PERIOD}/xlsx", headers=hr).content))[SCOPE]
    assert (sheet["B3"].value, sheet["B3"].data_type) == ("'" + name, "s")


@pytest.mark.parametrize("text", FORMULAS + ["\tcalc", "\rcalc"])
def test_neutralise_follows_the_owasp_rule(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert neutralise("张伟") == "张伟" and neutralise("E001") == "E001" and neutralise("") == ""
