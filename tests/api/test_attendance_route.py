"""GET /attendance: month totals computed through payroll_core from the stored punches."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month, punch_day
from sqlalchemy.orm import Session, sessionmaker

import gateway.pay.attendance as attendance_module

E001_MARCH = {
    "employee": "E001",
    "name": "Worker E001",
    "office": SCOPE,
    "scheduled_days": 22,
    "employed_days": 22,
    "worked_days": 21,
    "absent_days": 1,
    "absent_half_days": 0,
    "late_minutes": 0,
    "early_minutes": 0,
    "worked_minutes": 21 * 480,
    "ot_workday_minutes": 0,
    "ot_restday_minutes": 480,
    "ot_holiday_minutes": 0,
    "missing_punches": 0,
    # Saturday 14 March: 480 minutes of overtime, 300 beyond 3 hours (劳动法 art. 41)
    "overtime": {
        "in_lieu_minutes": 0,
        "days_over_day_limit": 1,
        "minutes_over_day_limit": 300,
        "minutes_over_month_limit": 0,
    },
    "paid_leave_minutes": 0,
    "unpaid_leave_minutes": 0,
    "sick_leave_minutes": 0,
    "leave_days": {},
    "counted_through": None,
    # absent on Tue 10 March: Wed 11–Sat 14 is 4 days in a row, Mon 16–Fri 20 five, the longest run
    "consecutive_days_max": 5,
    # standard hours: no comprehensive period
    "wts_period_minutes": 0,
    "wts_standard_minutes": 0,
    "wts_settled_minutes": 0,
}


@pytest.mark.usefixtures("overtime_by_punches")  # the punches' overtime, no approval needed
def test_month_totals_per_employee(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    punch_day(
        factory, date(2026, 3, 14), pin="1001"
    )  # a Saturday, 08:55-18:00: 545 − 60 lunch = 485 min → 480 in 30-min units, all overtime
    response = client.get(f"/api/v1/attendance?period={PERIOD}&office={SCOPE}", headers=as_role("viewer"))
    assert response.status_code == 200
    assert response.json() == {"period": PERIOD, "office": SCOPE, "employees": [E001_MARCH]}


def month_with_a_newcomer(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    """E001's full month, and E003 added with no punch at all."""
    full_month(factory)
    client.post(
        "/api/v1/employees",
        json={
            "code": "E003",
            "name": "Worker E003",
            "office": SCOPE,
            "pay_basis": "monthly",
            "monthly_salary_fen": 500_000,
        },
        headers=as_role("hr"),
    )


def test_a_month_in_progress_counts_up_to_the_offices_today(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    month_with_a_newcomer(client, as_role, factory)
    # 2026-03-10 20:30 in Shanghai: Mon 2 to Fri 6 and Mon 9, Tue 10 are the workdays so far
    monkeypatch.setattr("api.routes.attendance.utcnow", lambda: datetime(2026, 3, 10, 12, 30))
    rows = client.get(f"/api/v1/attendance?period={PERIOD}&office={SCOPE}", headers=as_role("hr")).json()["employees"]
    e003 = next(row for row in rows if row["employee"] == "E003")
    assert (e003["scheduled_days"], e003["employed_days"], e003["absent_days"], e003["counted_through"]) == (
        22,
        7,
        7,
        "2026-03-10",
    )
    e001 = next(row for row in rows if row["employee"] == "E001")
    assert e001["worked_days"] + e001["absent_days"] == e001["employed_days"] == 7
    # the month before the office's today is counted whole
    monkeypatch.setattr("api.routes.attendance.utcnow", lambda: datetime(2026, 3, 31, 16, 30))  # 04-01 00:30 local
    rows = client.get(f"/api/v1/attendance?period={PERIOD}&office={SCOPE}", headers=as_role("hr")).json()["employees"]
    assert next(row for row in rows if row["employee"] == "E003")["absent_days"] == 22


def test_employee_sees_only_own_row(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    month_with_a_newcomer(client, as_role, factory)
    everyone = client.get(f"/api/v1/attendance?period={PERIOD}&office={SCOPE}", headers=as_role("hr")).json()
    assert [e["employee"] for e in everyone["employees"]] == ["E001", "E003"]
    assert everyone["employees"][1]["absent_days"] == 22
    own = client.get(f"/api/v1/attendance?period={PERIOD}", headers=as_role("employee")).json()
    assert [e["employee"] for e in own["employees"]] == ["E001"]


def test_bad_queries(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    unknown = client.get(f"/api/v1/attendance?period={PERIOD}&office=Beijing", headers=hr)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no office named 'Beijing'")
    month13 = client.get("/api/v1/attendance?period=2026-13", headers=hr)
    assert (month13.status_code, month13.json()["detail"]) == (
        422,
        "query parameter period: expected a pay month YYYY-MM (month 01 to 12), e.g. 2026-03 (got '2026-13').",
    )
    year1 = client.get("/api/v1/attendance?period=0001-01", headers=hr)  # once a 500: the month before underflowed
    assert (year1.status_code, year1.json()["detail"]) == (
        422,
        "query parameter period: year 0001 is outside 2000-2099: punchclock keeps dates of the years 2000 to 2099 "
        "(got '0001-01').",
    )
    assert client.get(f"/api/v1/attendance?period={PERIOD}").status_code == 401


@pytest.fixture
def assembled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], int]]:
    """Every punch assembly of attendance: (employee codes it read punches for, punch rows it assembled)."""
    calls: list[tuple[list[str], int]] = []
    original = attendance_module._punch_columns

    def spy(session, employees, period, day=None):  # type: ignore[no-untyped-def]
        columns = original(session, employees, period, day)
        calls.append(([e.code for e in employees], len(columns.employee)))
        return columns

    monkeypatch.setattr(attendance_module, "_punch_columns", spy)
    return calls


def test_an_employee_token_reads_only_its_own_punches(client: TestClient, as_role, factory, assembled) -> None:  # type: ignore[no-untyped-def]
    # E001: 21 days x 2 punches and the seeded 08:00 of 2 March (its 18:00 is the same record); E002 (Urumqi)
    # has its one seeded punch in March
    full_month(factory)
    own = client.get(f"/api/v1/attendance?period={PERIOD}", headers=as_role("employee"))
    assert [(e["employee"], e["worked_days"]) for e in own.json()["employees"]] == [("E001", 21)]
    assert assembled == [(["E001"], 43)]


def test_an_employee_filter_reads_only_that_employee(client: TestClient, as_role, factory, assembled) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    one = client.get(f"/api/v1/attendance?period={PERIOD}&employee=E002", headers=as_role("hr"))
    # E002's one seeded punch in March is a missing punch: absent under the default missing_punch = "absent"
    rows = [(e["employee"], e["office"], e["worked_days"], e["missing_punches"]) for e in one.json()["employees"]]
    assert rows == [("E002", "Urumqi plant", 0, 1)]
    everyone = client.get(f"/api/v1/attendance?period={PERIOD}", headers=as_role("hr"))
    assert [e["employee"] for e in everyone.json()["employees"]] == ["E001", "E002"]
    assert assembled == [(["E002"], 1), (["E001", "E002"], 44)]
    mine_only = client.get(f"/api/v1/attendance?period={PERIOD}&employee=E002", headers=as_role("employee"))
    assert (mine_only.status_code, mine_only.json()["detail"]) == (404, "employee 'E002' does not exist")
