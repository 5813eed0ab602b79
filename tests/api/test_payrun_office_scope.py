"""Which office's run pays a month: the office in force on the month's last employed day (dated terms), not the
office of today. E001 moves from Shanghai HQ to the Dongguan plant on 10 March 2026 (the hand-checked case
`tests/cases/transfer_shanghai_dongguan_10th.yaml`: 8,000.00 a month, January paid before punchclock, February
paid by a locked Shanghai run)."""

from __future__ import annotations

import json
from datetime import date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.lock_checks import WARNING_CODES
from gateway.store import Device, Employee, Office, OpeningBalance, Payslip, Quarantine

SN = "SH0001"
SALARY = 800_000


def _punch(factory: sessionmaker[Session], day: date, *clocks: str) -> None:
    punches = [RawPunch(SN, "1001", datetime.combine(day, datetime.strptime(c, "%H:%M").time())) for c in clocks]
    ingest_punches(factory, SN, punches, source="zk-tcp", now=datetime(2026, 4, 1))


def _seed(factory: sessionmaker[Session]) -> None:
    """The Dongguan plant; E001 at 8,000.00 with January's pay as an opening balance (48.00 withheld)."""
    with factory() as session, session.begin():
        session.add(Office(name="Dongguan plant", timezone="Asia/Shanghai", city="dongguan",
                           double_punch_window_s=60, shift_rule="dongguan/day"))  # fmt: skip
        employee = session.scalar(select(Employee).where(Employee.code == "E001"))
        assert employee is not None
        employee.monthly_salary_fen = SALARY
        session.add(OpeningBalance(employee_id=employee.id, tax_year=2026, through_period="2026-01", months=1,
                                   income_fen=SALARY, si_hf_fen=140_000, special_deductions_fen=0,
                                   other_deductions_fen=0, tax_withheld_fen=4_800, source="test", imported_by="test",
                                   imported_at=datetime(2026, 2, 1)))  # fmt: skip
        session.execute(update(Device).where(Device.sn == SN).values(last_success_at=datetime(2026, 4, 1, 8, 0)))
        session.execute(update(Quarantine).values(resolved_at=datetime(2026, 4, 1, 8, 0)))


def _run(client: TestClient, hr: dict[str, str], period: str, scope: str) -> tuple[int, int, str]:
    run = client.post("/api/v1/payruns", json={"period": period, "scope": scope}, headers=hr).json()["id"]
    computed = client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    return run, computed.status_code, computed.text


def _figures(factory: sessionmaker[Session], run: int) -> dict[str, dict[str, int]]:
    with factory() as session:
        rows = session.execute(
            select(Employee.code, Payslip.figures_json, Payslip.office_name)
            .join(Employee, Payslip.employee_id == Employee.id)
            .where(Payslip.payrun_id == run)
        )
        return {code: {**json.loads(figures), "office": office} for code, figures, office in rows}


def test_the_office_in_force_on_the_last_day_pays_the_month(
    client: TestClient, as_role, factory: sessionmaker[Session], overtime_by_punches: None
) -> None:
    """The plant pays its planned overtime by the clock (`overtime_by_punches`), as the hand-checked case counts it."""
    hr = as_role("hr")
    _seed(factory)
    february = client.get("/api/v1/employees/E001/month?period=2026-02", headers=hr).json()["days"]
    for day in february:  # every Shanghai workday of February, 8 hours
        if day["day_type"] in ("workday", "makeup_workday"):
            _punch(factory, date.fromisoformat(day["date"]), "08:55", "18:00")
    for d in (3, 4, 5, 6, 9):  # Shanghai, 2-9 March (the seed punched the 2nd)
        _punch(factory, date(2026, 3, d), "08:55", "18:00")
    for d in range(10, 32):  # Dongguan, Monday to Saturday: 8 h, the meal break, 2.5 h planned overtime
        if date(2026, 3, d).isoweekday() != 7:
            _punch(factory, date(2026, 3, d), "08:00", "12:00", "13:00", "17:00", "17:30", "20:00")
    transfer = {"effective_from": "2026-03-10", "office": "Dongguan plant", "reason": "调动 上海→东莞"}
    moved = client.post("/api/v1/employees/E001/changes", headers=hr, json=transfer)
    assert moved.status_code == 201, moved.text
    assert client.get("/api/v1/employees/E001", headers=hr).json()["office"] == "Dongguan plant"

    run, status, text = _run(client, hr, "2026-02", "Shanghai HQ")  # computed after the transfer
    assert status == 200, text
    paid = _figures(factory, run)
    assert list(paid) == ["E001"]
    assert (paid["E001"]["gross_fen"], paid["E001"]["iit_fen"], paid["E001"]["office"]) == (SALARY, 4_800, None)
    locked = client.post(f"/api/v1/payruns/{run}/lock", json={"acknowledge": list(WARNING_CODES)}, headers=hr)
    assert locked.status_code == 200, locked.text
    assert _figures(factory, run)["E001"]["office"] == "Shanghai HQ"

    shanghai, status, text = _run(client, hr, "2026-03", "Shanghai HQ")
    assert (status, json.loads(text)["detail"]) == (
        422,
        f"pay run {shanghai}: no employee of 'Shanghai HQ' is employed in 2026-03; add employees (with an office, "
        "hired_on/left_on) first",
    )
    dongguan, status, text = _run(client, hr, "2026-03", "Dongguan plant")
    assert status == 200, text
    march = _figures(factory, dongguan)
    assert list(march) == ["E001"]
    expected = {"base_pay_fen": 800000, "ot_workday_fen": 327586, "gross_fen": 1127586, "si_employee_fen": 84000,
                "hf_employee_fen": 56000, "taxable_cumulative_fen": 807586, "iit_fen": 14628,
                "net_fen": 972958}  # fmt: skip
    assert {key: march["E001"][key] for key in expected} == expected
