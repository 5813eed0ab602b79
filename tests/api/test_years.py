"""One year rule for every date, time and pay month the API and the CLI accept: 2000 to 2099, one message.

Year 0001 once answered 500 (a correction at 0001-01-01T00:00:00+08:00 overflowed converting to UTC)
or was stored as given (an employee hired in year 1); now it is refused with its field named, and
nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from gateway.access.keys import create_key_file
from gateway.cli.app import app as cli
from gateway.store import Base


def refused(year: str) -> str:
    return f"year {year} is outside 2000-2099: punchclock keeps dates of the years 2000 to 2099"


def row_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


CASES: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "POST",
        "/api/v1/punches/corrections",
        {"json": {"action": "add", "employee": "E001", "ts_utc": "0001-01-01T00:00:00+08:00", "reason": "missed"}},
        f"body field ts_utc: {refused('0001')} (got '0001-01-01T00:00:00+08:00')",
    ),
    (
        "POST",
        "/api/v1/punches/corrections",
        {"json": {"action": "move", "punch_id": 1, "ts_utc": "2100-01-01T00:00:00Z", "reason": "late"}},
        f"body field ts_utc: {refused('2100')} (got '2100-01-01T00:00:00Z')",
    ),
    (
        "GET",
        "/api/v1/punches",
        {"params": {"start": "0001-01-01T00:00:00+08:00"}},
        f"query parameter start: {refused('0001')} (got '0001-01-01T00:00:00+08:00')",
    ),
    (
        "GET",
        "/api/v1/punches",
        {"params": {"end": "1999-12-31T23:59:59Z"}},
        f"query parameter end: {refused('1999')} (got '1999-12-31T23:59:59Z')",
    ),
    (
        "GET",
        "/api/v1/attendance",
        {"params": {"period": "0001-01"}},
        f"query parameter period: {refused('0001')} (got '0001-01')",
    ),
    (
        "GET",
        "/api/v1/payslips",
        {"params": {"period": "2100-01"}},
        f"query parameter period: {refused('2100')} (got '2100-01')",
    ),
    (
        "GET",
        "/api/v1/payruns",
        {"params": {"period": "0001-01"}},
        f"query parameter period: {refused('0001')} (got '0001-01')",
    ),
    (
        "POST",
        "/api/v1/payruns",
        {"json": {"period": "0001-01"}},
        f"body field period: {refused('0001')} (got '0001-01')",
    ),
    (
        "GET",
        "/api/v1/piece-records",
        {"params": {"period": "0001-01"}},
        f"query parameter period: {refused('0001')} (got '0001-01')",
    ),
    ("GET", "/api/v1/exports/0001-01/csv", {}, f"path parameter period: {refused('0001')} (got '0001-01')"),
    (
        "POST",
        "/api/v1/employees",
        {"json": {"code": "E003", "name": "Li Lei", "monthly_salary_fen": 500000, "hired_on": "0001-01-01"}},
        f"body field hired_on: {refused('0001')} (got '0001-01-01')",
    ),
    (
        "PATCH",
        "/api/v1/employees/E001",
        {"json": {"left_on": "2100-01-31"}},
        f"body field left_on: {refused('2100')} (got '2100-01-31')",
    ),
    (
        "POST",
        "/api/v1/tokens",
        {"json": {"name": "kiosk", "role": "viewer", "expires_at": "0001-01-01T00:00:00+08:00"}},
        f"body field expires_at: {refused('0001')} (got '0001-01-01T00:00:00+08:00')",
    ),
]


@pytest.mark.parametrize("seeded", ["sqlite"], indirect=True)  # refused before any query
@pytest.mark.parametrize(
    ("method", "url", "request_args", "error"), CASES, ids=[f"{c[0]} {c[1]} {c[3]}" for c in CASES]
)
def test_a_year_outside_2000_2099_is_refused_with_one_message_and_nothing_written(
    client: TestClient, as_role, factory, method: str, url: str, request_args: dict[str, Any], error: str
) -> None:  # type: ignore[no-untyped-def]
    before = row_counts(factory)
    response = client.request(method, url, headers=as_role("admin"), **request_args)
    assert (response.status_code, response.json()["errors"]) == (422, [error])
    assert row_counts(factory) == before


@pytest.mark.parametrize("period", ["2000-01", "2099-12"])
def test_the_first_and_last_months_are_accepted(client: TestClient, as_role, period: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/payslips", params={"period": period}, headers=as_role("hr")).json()["items"] == []


def test_a_move_to_the_first_instant_of_2000_east_of_utc_is_accepted(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    """The rule reads the year as given: 2000-01-01T00:00+08:00 is 1999-12-31T16:00Z, and it is in 2000."""
    body = {"action": "move", "punch_id": 1, "ts_utc": "2000-01-01T00:00:00+08:00", "reason": "clock reset"}
    response = client.post("/api/v1/punches/corrections", json=body, headers=as_role("hr"))
    assert (response.status_code, response.json()["ts_utc"]) == (201, "1999-12-31T16:00:00Z")


@pytest.mark.parametrize(
    "args",
    [
        ["payroll", "run", "--period", "0001-01"],
        ["export", "--period", "0001-01", "--format", "csv", "--out", "sheet.csv"],
    ],
    ids=["payroll run", "export"],
)
def test_the_cli_period_keeps_the_same_rule(db_url: str, tmp_path: Path, args: list[str]) -> None:
    config = tmp_path / "punchclock.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    create_key_file(tmp_path / "punchclock.key")
    result = CliRunner().invoke(cli, [*args, "--config", str(config)])
    assert result.exit_code == 2
    assert f"period '0001-01': {refused('0001')}" in " ".join(result.output.replace("│", " ").split())
    assert not (tmp_path / "sheet.csv").exists()
