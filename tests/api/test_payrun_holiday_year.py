"""A pay run for a year no holiday calendar covers is refused with what to add, as problem+json."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pay_testkit import SCOPE, full_month
from sqlalchemy.orm import Session, sessionmaker

MISSING_2028 = (
    "2028 年节假日安排尚未收录：升级 chinesecalendar，或添加 payroll_core/rules/holidays/cn-2028.toml "
    "(no holiday calendar for cn 2028: upgrade chinesecalendar, or add payroll_core/rules/holidays/cn-2028.toml "
    "from the State Council notice)"
)


def test_a_2028_pay_run_says_which_calendar_to_add(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    headers = as_role("hr")
    created = client.post("/api/v1/payruns", json={"period": "2028-01", "scope": SCOPE}, headers=headers)
    assert created.status_code == 201, created.text
    response = client.post(f"/api/v1/payruns/{created.json()['id']}/compute", headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == f"pay run {created.json()['id']}: {MISSING_2028}"
    assert "Traceback" not in response.text
