"""Employee-month pay inputs, opening balances and the employee's HF rate / part-time flag through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from gateway.cli.app import app as cli

PROBLEM = "application/problem+json"
HEADER = "工号,姓名,截至月份,累计月数,累计收入额,累计专项扣除,累计专项附加扣除,累计其他扣除,累计已预缴税额\n"


@pytest.fixture
def run_id(client: TestClient, as_role, factory: sessionmaker[Session]) -> int:  # type: ignore[no-untyped-def]
    full_month(factory)
    response = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=as_role("hr"))
    return int(response.json()["id"])


def test_hr_sets_a_bonus_for_the_run_and_the_payslip_shows_both_ways(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    put = client.put(
        f"/api/v1/payruns/{run_id}/inputs/E001", json={"bonus_fen": 3_600_000, "damages_fen": 50_000}, headers=hr
    )
    assert put.status_code == 200, put.text
    body = put.json()
    assert {k: v for k, v in body.items() if k != "updated_at"} == {
        "employee": "E001",
        "period": PERIOD,
        "bonus_fen": 3_600_000,
        "bonus_method": "recommended",
        "severance": False,
        "severance_base_fen": None,
        "damages_fen": 50_000,
        "updated_by": "hr:hr-token",
    }
    assert body["updated_at"].endswith("Z")
    assert client.get(f"/api/v1/payruns/{run_id}/inputs", headers=as_role("viewer")).json() == [body]
    assert client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr).status_code == 200
    [slip] = client.get(f"/api/v1/payruns/{run_id}", headers=hr).json()["payslips"]
    lines = client.get(f"/api/v1/payslips/{slip['id']}", headers=hr).json()["lines"]
    bonus = next(line for line in lines if line["code"] == "BONUS")
    assert bonus["amount_fen"] == 3_600_000
    assert set(bonus["quantities"]) >= {
        "taxed_separately",
        "chosen_by_hr",
        "recommended_separately",
        "year_tax_separate_fen",
        "year_tax_combined_fen",
    }
    damages = next(line for line in lines if line["code"] == "DAMAGES")
    assert damages["amount_fen"] == -50_000


def test_inputs_are_refused_exactly(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    viewer = client.put(f"/api/v1/payruns/{run_id}/inputs/E001", json={"bonus_fen": 1}, headers=as_role("viewer"))
    assert viewer.status_code == 403
    outside = client.put(f"/api/v1/payruns/{run_id}/inputs/E002", json={"bonus_fen": 1}, headers=hr)
    assert (outside.status_code, outside.headers["content-type"]) == (404, PROBLEM)
    assert outside.json()["detail"] == f"employee 'E002' is not one pay run {run_id} (scope '{SCOPE}') pays"
    bad = client.put(f"/api/v1/payruns/{run_id}/inputs/E001", json={"bonus_method": "split"}, headers=hr)
    assert bad.status_code == 422
    first = client.put(
        f"/api/v1/payruns/{run_id}/inputs/E001", json={"bonus_fen": 1_000, "bonus_method": "separate"}, headers=hr
    )
    assert first.status_code == 200
    april = client.post("/api/v1/payruns", json={"period": "2026-04", "scope": SCOPE}, headers=hr).json()["id"]
    second = client.put(
        f"/api/v1/payruns/{april}/inputs/E001", json={"bonus_fen": 1_000, "bonus_method": "separate"}, headers=hr
    )
    assert second.status_code == 409
    assert second.json()["detail"].startswith(
        "employee E001: a bonus of 2026 is already taxed separately in 2026-03 (entered for that month)"
    )
    assert client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr).status_code == 200
    assert client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).status_code == 200
    locked = client.put(f"/api/v1/payruns/{run_id}/inputs/E001", json={"bonus_fen": 1}, headers=hr)
    assert locked.status_code == 409
    assert locked.json()["detail"].startswith(f"pay run {run_id} ({PERIOD}, scope '{SCOPE}') is locked")


def test_opening_balances_upload_list_and_refusal(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    good = (HEADER + "E001,Worker E001,2026-02,2,24000,4200,0,0,150\n").encode()
    created = client.post("/api/v1/opening-balances", params={"filename": "期初.csv"}, content=good, headers=hr)
    assert created.status_code == 201, created.text
    assert {k: v for k, v in created.json().items() if k != "sha256"} == {
        "source": "期初.csv",
        "imported": 1,
        "replaced": 0,
        "tax_years": [2026],
    }
    listed = client.get("/api/v1/opening-balances", params={"year": 2026}, headers=as_role("viewer")).json()
    assert [{k: v for k, v in b.items() if k != "imported_at"} for b in listed] == [
        {
            "employee": "E001",
            "name": "Worker E001",
            "tax_year": 2026,
            "through": "2026-02",
            "months": 2,
            "income_fen": 2_400_000,
            "si_hf_fen": 420_000,
            "special_deductions_fen": 0,
            "other_deductions_fen": 0,
            "tax_withheld_fen": 15_000,
            "source": "期初.csv row 2",
            "imported_by": "hr:hr-token",
        }
    ]
    bad = (HEADER + "E001,Worker E001,2026-02,2,100,0,0,0,200\nE404,X,2026-02,1,1,0,0,0,0\n").encode()
    refused = client.post("/api/v1/opening-balances", params={"filename": "期初.csv"}, content=bad, headers=hr)
    assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
    assert refused.json()["errors"] == [
        "row 2, column 累计已预缴税额: is more than the income: the tax is a part of the income",
        "row 3, column 工号: no employee with code 'E404'",
    ]
    viewer = client.post(
        "/api/v1/opening-balances", params={"filename": "期初.csv"}, content=good, headers=as_role("viewer")
    )
    assert viewer.status_code == 403
    assert client.get("/api/v1/opening-balances", params={"year": 1999}, headers=hr).status_code == 422


def test_employee_hf_rate_and_part_time(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    edited = client.patch("/api/v1/employees/E001", json={"hf_rate": "0.15"}, headers=hr)
    assert (edited.status_code, edited.json()["hf_rate"], edited.json()["part_time"]) == (200, "0.15", False)
    refused = client.patch("/api/v1/employees/E001", json={"part_time": True}, headers=hr)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "a part-time (非全日制) worker is paid by the hour: set pay_basis to hourly"
    hourly = client.patch(
        "/api/v1/employees/E001", json={"part_time": True, "pay_basis": "hourly", "hourly_rate_fen": 2_600}, headers=hr
    )
    assert (hourly.status_code, hourly.json()["part_time"]) == (200, True)
    assert client.patch("/api/v1/employees/E001", json={"hf_rate": "12%"}, headers=hr).status_code == 422


def test_cli_imports_opening_balances_or_lists_every_problem(client: TestClient, config_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "期初.csv"
    good.write_bytes((HEADER + "E001,Worker E001,2026-02,2,24000,4200,0,0,150\n").encode("utf-8"))
    result = CliRunner().invoke(cli, ["payroll", "opening-balances", str(good), "--config", str(config_file)])
    assert (result.exit_code, result.output) == (
        0,
        f"imported 1 opening balances (0 replaced) of tax year 2026 from {good}\n",
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HEADER + "E001,Worker E001,2026-02,13,1,0,0,0,0\n").encode("utf-8"))
    result = CliRunner().invoke(cli, ["payroll", "opening-balances", str(bad), "--config", str(config_file)])
    assert result.exit_code == 2
    assert result.output == (
        "error: bad.csv: nothing imported, 1 problem(s):\n"
        "row 2, column 累计月数: '13' is not a number of months 1..12\n"
    )
