"""Quarantine listing and dismissal, the audit log (list, verify, tampering found by the CLI), token administration."""

from __future__ import annotations

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from gateway.cli.app import app as cli
from gateway.store import AuditLog


@pytest.mark.parametrize("role", ["admin", "hr", "viewer"])
def test_open_quarantine_lists_the_unknown_pin(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api/v1/quarantine", headers=as_role(role)).json()
    assert page["total"] == 1
    entry = page["items"][0]
    assert (entry["id"], entry["state"], entry["punch"]["pin"], entry["punch"]["device_sn"], entry["resolved_at"]) == (
        1,
        "open",
        "9999",
        "SH0001",
        None,
    )
    assert entry["reason"] == (
        "unknown badge pin '9999' on device SH0001: add a badge for pin '9999' (company-wide or for "
        "this device) and its quarantined punches are re-mapped"
    )
    assert client.get("/api/v1/quarantine", params={"device": "UR0001"}, headers=as_role(role)).json() == {
        "items": [],
        "total": 0,
        "next_cursor": None,
    }


def test_employees_cannot_see_quarantine(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/quarantine", headers=as_role("employee")).status_code == 403


def test_dismiss_closes_once_and_is_audited(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    assert (
        client.post("/api/v1/quarantine/1/dismiss", json={"reason": "visitor"}, headers=as_role("viewer")).status_code
        == 403
    )
    response = client.post("/api/v1/quarantine/1/dismiss", json={"reason": "visitor card"}, headers=as_role("hr"))
    assert (response.status_code, response.json()["state"]) == (200, "dismissed")
    assert audit_rows(factory)[-1] == (
        "hr:hr-token",
        "quarantine.dismiss",
        "punch:2",
        {"reason": response.json()["reason"]},
        {"dismissed_because": "visitor card"},
    )
    again = client.post("/api/v1/quarantine/1/dismiss", json={"reason": "visitor card"}, headers=as_role("hr"))
    assert again.status_code == 409 and again.json()["detail"].startswith("quarantine entry 1 was already resolved at ")
    assert client.get("/api/v1/quarantine", headers=as_role("hr")).json()["total"] == 0
    assert client.get("/api/v1/quarantine", params={"state": "resolved"}, headers=as_role("hr")).json()["total"] == 1
    assert client.post("/api/v1/quarantine/9/dismiss", json={"reason": "x y"}, headers=as_role("hr")).status_code == 404


def test_audit_lists_newest_first_and_verifies(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/v1/employees/E002/badges", json={"pin": "9999"}, headers=as_role("hr"))
    rows = client.get("/api/v1/audit", params={"limit": 2}, headers=as_role("admin")).json()
    assert [(r["id"], r["action"], r["target"], r["actor"]) for r in rows] == [
        (5, "badge.add", "employee:E002", "hr:hr-token"),
        (4, "token.create", "token:employee-token", "test"),
    ]
    assert rows[0]["after"] == {
        "pin": "9999",
        "device_sn": None,
        "card": 0,
        "device_privilege": "user",
        "remapped_punches": 1,
    }
    assert rows[0]["prev_hash"] == rows[1]["row_hash"]
    older = client.get("/api/v1/audit", params={"before_id": 2}, headers=as_role("hr")).json()
    assert [r["id"] for r in older] == [1]
    verified = client.get("/api/v1/audit/verify", headers=as_role("hr")).json()
    assert (verified["intact"], verified["first_broken_id"], verified["rows"], verified["findings"]) == (
        True,
        None,
        5,
        [],
    )
    for role in ("viewer", "employee"):
        assert client.get("/api/v1/audit", headers=as_role(role)).status_code == 403


def test_cli_audit_verify_names_the_row_edited_behind_the_apps_back(
    client: TestClient, as_role, factory, config_file, drop_triggers
) -> None:  # type: ignore[no-untyped-def]
    client.patch("/api/v1/devices/SH0001", json={"host": "10.0.0.9"}, headers=as_role("admin"))
    client.post("/api/v1/employees/E002/badges", json={"pin": "9999"}, headers=as_role("hr"))
    runner = CliRunner()
    intact = runner.invoke(cli, ["audit", "verify", "--config", str(config_file)])
    assert intact.exit_code == 0, intact.output
    assert " ".join(intact.output.split()).endswith(
        "audit log intact: 6 audit rows (head seq 6), 0 anchors, 0 locked pay runs, 0 bank accounts checked"
    )
    drop_triggers(factory.kw["bind"])
    with factory() as session, session.begin():  # someone edits the device change's record in the database
        session.execute(update(AuditLog).where(AuditLog.id == 5).values(after_json='{"host":"127.0.0.1"}'))
    broken = runner.invoke(cli, ["audit", "verify", "--config", str(config_file)])
    assert broken.exit_code == 1
    said = " ".join(broken.output.split())
    assert "1 finding(s) in 6 audit rows" in said
    assert "edited: row 5 (seq 5, " in said
    assert (
        "admin:admin-token, device.edit device:hq-door) was edited: its content no longer matches its keyed hash"
        in said
    )
    verified = client.get("/api/v1/audit/verify", headers=as_role("admin")).json()
    assert (verified["intact"], verified["first_broken_id"]) == (False, 5)
    assert [f["kind"] for f in verified["findings"]] == ["edited"]


def test_cli_token_create_prints_a_working_secret_once(client: TestClient, config_file) -> None:  # type: ignore[no-untyped-def]
    config = config_file
    result = CliRunner().invoke(
        cli, ["token", "create", "--name", "ops", "--role", "employee", "--employee", "E002", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert [p["employee"] for p in client.get("/api/v1/punches", headers=headers).json()["items"]] == ["E002"]
    bad = CliRunner().invoke(cli, ["token", "create", "--name", "x", "--role", "employee", "--config", str(config)])
    assert bad.exit_code == 2
    assert " ".join(bad.output.split()) == (
        "token not created: an employee token must name the employee it belongs to (its employee code, e.g. E001)"
    )


def test_admin_issues_lists_and_revokes_tokens(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/tokens", json={"name": "payroll-pc", "role": "hr"}, headers=as_role("admin"))
    assert created.status_code == 201
    token, secret = created.json()["token"], created.json()["secret"]
    assert secret.startswith(f"pc_{token['prefix']}_")
    assert client.get("/api/v1/employees", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listed = client.get("/api/v1/tokens", headers=as_role("admin")).json()
    assert [(t["name"], t["role"], t["employee"]) for t in listed] == [
        ("admin-token", "admin", None),
        ("hr-token", "hr", None),
        ("viewer-token", "viewer", None),
        ("employee-token", "employee", "E001"),
        ("payroll-pc", "hr", None),
    ]
    assert all("secret" not in t and "secret_sha256" not in t for t in listed)
    revoked = client.delete(f"/api/v1/tokens/{token['id']}", headers=as_role("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/employees", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert [row[1:3] for row in audit_rows(factory)[-2:]] == [
        ("token.create", "token:payroll-pc"),
        ("token.revoke", "token:payroll-pc"),
    ]
    assert secret not in str(audit_rows(factory))
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=as_role("admin")).status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"name": "hr-token", "role": "hr"},
            409,
            "a token named 'hr-token' already exists: pick another name or revoke that one",
        ),
        (
            {"name": "n", "role": "hr", "employee": "E001"},
            422,
            "only employee and manager tokens are bound to an employee: drop the employee code for a hr token",
        ),
        (
            {"name": "n", "role": "employee", "employee": "E404"},
            422,
            "no employee with code 'E404': add the employee first, then issue the token",
        ),
    ],
)
def test_bad_token_requests(client: TestClient, as_role, body, status, detail) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/tokens", json=body, headers=as_role("admin"))
    assert (response.status_code, response.json()["detail"]) == (status, detail)


@pytest.mark.parametrize("role", ["hr", "viewer", "employee"])
def test_only_admins_manage_tokens(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/tokens", json={"name": "n", "role": "admin"}, headers=as_role(role)).status_code == 403
    assert client.delete("/api/v1/tokens/1", headers=as_role(role)).status_code == 403
