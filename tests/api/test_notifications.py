"""Notifications: each request state change and a lock's payslips write an inbox row in the change's own
transaction (rolled back with it), the inbox routes (mine, unread first, read one/all, 404 for another's),
and the delivery worker: a failing channel retried with backoff, failed after N, the request unharmed, no
secret in any log line."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import issue_token
from gateway.config import Config
from gateway.notify.worker import run_pass
from gateway.people import approvals, requests
from gateway.people.departments import assign_employees, create_department
from gateway.people.leave_ledger import adjust
from gateway.store import Employee, Notification, NotificationDelivery, StaffRequest
from tests.gateway.notify_peers import robot_server

NOW = datetime(2026, 12, 1, 6, 0)  # 14:00 in Shanghai, a Tuesday
WECOM_KEY, DING_TOKEN, DING_SECRET = "wk-693a91f6-secret", "dt-98975521-secret", "SECd1a9a08c69511ddf5fa9d2"


@pytest.fixture
def people(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """E001 in SH (manager E010), E003 in QA (manager E011); 10 half days of annual leave for E001."""
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: NOW)
    with factory() as session, session.begin():
        for code in ("E010", "E011", "E003"):
            session.add(Employee(code=code, name=f"Worker {code}", office_id=1, pay_basis="monthly",
                                 monthly_salary_fen=900000, special_deductions_fen=0))  # fmt: skip
        session.flush()
        create_department(session, "test", office="Shanghai HQ", code="SH", name="上海总部", manager="E010")
        create_department(session, "test", office="Shanghai HQ", code="QA", name="质检", manager="E011")
        assign_employees(session, "test", "SH", ["E001"])
        assign_employees(session, "test", "QA", ["E003"])
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        adjust(session, "test", e1, "annual", 2026, 10, "opening balance")
        tokens = {}
        for name, code in (("li-na", "E010"), ("wang", "E011")):
            _row, secret = issue_token(session, name, "manager", code, "test")
            tokens[name] = {"Authorization": f"Bearer {secret}"}
    return tokens


def _leave(client: TestClient, headers: dict[str, str], start: str, end: str) -> dict:  # type: ignore[type-arg]
    body = {"kind": "leave", "leave_type": "annual", "starts_at": start, "ends_at": end, "reason": "family visit"}
    answer = client.post("/api/v1/requests", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _inbox(client: TestClient, headers: dict[str, str]) -> list[tuple[str, str, str]]:
    return [
        (n["kind"], n["title"], n["body"]) for n in client.get("/api/v1/notifications", headers=headers).json()["items"]
    ]


def _decide(client: TestClient, headers: dict[str, str], request_id: int, approve: bool, comment: str = "") -> None:
    done = client.post("/api/v1/requests/decisions", json={"ids": [request_id], "approve": approve, "comment": comment},
                       headers=headers).json()  # fmt: skip
    assert done[0]["ok"] is True, done


def test_submitted_to_the_manager_approved_to_the_employee(client: TestClient, as_role, people) -> None:  # type: ignore[no-untyped-def]
    me = as_role("employee")
    created = _leave(client, me, "2026-12-07T00:00", "2026-12-09T12:00")
    assert _inbox(client, people["li-na"]) == [("request_submitted", "待审批：Worker E001的年假申请",
        "Worker E001提交了年假申请：2026-12-07 00:00 至 2026-12-09 12:00，共 2.5 天。事由：family visit")]  # fmt: skip
    assert _inbox(client, people["wang"]) == []  # another department's manager hears nothing
    assert _inbox(client, me) == []
    _decide(client, people["li-na"], created["id"], True, "ok, enjoy")
    page = client.get("/api/v1/notifications", headers=me).json()
    assert page["unread"] == 1
    [note] = page["items"]
    assert (note["kind"], note["title"], note["body"], note["link"], note["request_id"], note["read_at"]) == (
        "request_approved", "已批准：您的年假申请",
        "Worker E001，您的年假申请（2026-12-07 00:00 至 2026-12-09 12:00，共 2.5 天）已批准。审批意见：ok, enjoy",
        "/notifications", created["id"], None)  # fmt: skip
    assert client.get("/api/v1/notifications/unread-count", headers=me).json() == {"unread": 1}
    read = client.post(f"/api/v1/notifications/{note['id']}/read", headers=me)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count", headers=me).json() == {"unread": 0}
    managers = client.get("/api/v1/notifications", headers=people["li-na"]).json()["items"]
    theirs = client.post(f"/api/v1/notifications/{managers[0]['id']}/read", headers=me)
    assert (theirs.status_code, theirs.json()["detail"]) == (404, f"notification {managers[0]['id']} does not exist")


def test_second_step_to_hr_reject_and_withdraw(client: TestClient, as_role, people) -> None:  # type: ignore[no-untyped-def]
    me, hr, admin = as_role("employee"), as_role("hr"), as_role("admin")
    long = _leave(client, me, "2026-12-14T00:00", "2026-12-18T00:00")  # 4 days > 3: HR too
    _decide(client, people["li-na"], long["id"], True)
    step = "Worker E001的年假申请（2026-12-14 至 2026-12-17，共 4 天）已通过第 1 步审批，"
    step += "等待 HR 审批（第 2 步，共 2 步）。"
    assert _inbox(client, hr) == [("request_step", "待 HR 审批：Worker E001的年假申请", step)]
    _decide(client, hr, long["id"], False, "year end")
    assert _inbox(client, me) == [("request_rejected", "已驳回：您的年假申请",
        "Worker E001，您的年假申请（2026-12-14 至 2026-12-17，共 4 天）已驳回。审批意见：year end")]  # fmt: skip
    short = _leave(client, me, "2026-12-21T00:00", "2026-12-22T00:00")
    client.post(f"/api/v1/requests/{short['id']}/withdraw", json={}, headers=me)
    assert _inbox(client, people["li-na"])[:2] == [
        ("request_withdrawn", "已撤回：Worker E001的年假申请",
         "Worker E001撤回了年假申请（2026-12-21，共 1 天），无需再审批。"),
        ("request_submitted", "待审批：Worker E001的年假申请",
         "Worker E001提交了年假申请：2026-12-21，共 1 天。事由：family visit"),
    ]  # fmt: skip
    assert client.post("/api/v1/notifications/read-all", headers=hr).json() == {"marked": 1}
    assert client.get("/api/v1/notifications", headers=admin).json()["unread"] == 0  # HR's inbox is shared
    assert client.get("/api/v1/notifications", headers=as_role("viewer")).json()["items"] == []


def test_the_inbox_row_is_written_and_rolled_back_with_the_change(factory: sessionmaker[Session], people) -> None:  # type: ignore[no-untyped-def]
    new = requests.NewRequest(kind="leave", leave_type="annual", starts_at=datetime(2026, 12, 7),
                              ends_at=datetime(2026, 12, 8), reason="x")  # fmt: skip
    count = select(func.count()).select_from(Notification)
    with factory() as session:
        employee = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        requests.submit(session, "employee:E001", employee, new, NOW.date())
        assert session.scalar(count) == 1  # inside the request's transaction
        session.rollback()
        assert session.scalar(count) == 0
        session.rollback()
        employee = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        row_id = requests.submit(session, "employee:E001", employee, new, NOW.date()).id
        session.commit()
        approvals.decide(session, approvals.Decider("hr:hr", "hr", None), row_id, True, "")
        assert session.scalar(count) == 2
        session.rollback()
        assert session.scalar(count) == 1
        assert session.get_one(StaffRequest, row_id).status == "pending"


def test_a_lock_releases_each_payslip_into_its_employees_inbox(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    hr = as_role("hr")
    run_id = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr)
    assert _inbox(client, as_role("employee")) == []  # computed is not released
    assert client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).status_code == 200
    [slip] = client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
    [note] = client.get("/api/v1/notifications", headers=as_role("employee")).json()["items"]
    assert (note["kind"], note["title"], note["body"], note["link"], note["payslip_id"]) == (
        "payslip_released", "工资条已发放：2026年3月",
        "Worker E001，您2026年3月的工资条已发放（2026-03），请登录查看明细；如有疑问请联系 HR。",
        f"/my/payslips/{slip['id']}", slip["id"])  # fmt: skip


def _config(base: str) -> Config:
    return Config.model_validate({
        "offices": [{"name": "Shanghai HQ", "timezone": "Asia/Shanghai", "city": "shanghai", "notify": {
            "wecom": {"webhook": f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}"},
            "dingtalk": {"webhook": f"{base}/robot/send?access_token={DING_TOKEN}", "secret": DING_SECRET},
        }}],
        "notify": {"public_url": "https://hr.example.cn", "max_attempts": 3, "backoff_base_s": 60},
    })  # fmt: skip


def test_a_failing_channel_is_retried_with_backoff_then_failed_and_the_request_stands(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, people, factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = _leave(client, as_role("employee"), "2026-12-07T00:00", "2026-12-08T00:00")
    t0 = datetime(2026, 12, 1, 7, 0)
    with robot_server() as (robot, base):
        robot.refusals["/cgi-bin/webhook/send"] = {"errcode": 45009, "errmsg": "api freq out of limit"}
        config = _config(base)

        def attempt(seconds: int) -> tuple[int, int, int, int]:
            result = run_pass(factory, config, now=lambda: t0 + timedelta(seconds=seconds))
            return result.fanned_out, result.sent, result.retried, result.failed

        assert attempt(0) == (1, 1, 1, 0)  # DingTalk sent; WeCom refused, next try in 60 s
        with factory() as session:
            wecom = session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == "wecom")).one()
            assert (wecom.status, wecom.attempts, wecom.next_attempt_at, wecom.last_error) == (
                "pending", 1, t0 + timedelta(seconds=60),
                "the robot refused the message: errcode 45009: api freq out of limit")  # fmt: skip
        assert [attempt(s) for s in (59, 60, 179, 180, 100_000)] == [
            (0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 0, 0)]  # fmt: skip
    paths = [path.split("?")[0] for path, _body in robot.received]
    assert paths == ["/cgi-bin/webhook/send", "/robot/send", "/cgi-bin/webhook/send", "/cgi-bin/webhook/send"]
    [(ding_path, ding_body)] = [(p, b) for p, b in robot.received if p.startswith("/robot/send")]
    assert ding_path.startswith(f"/robot/send?access_token={DING_TOKEN}&timestamp=") and "&sign=" in ding_path
    text = "待审批：Worker E001的年假申请\nWorker E001提交了年假申请：2026-12-07，共 1 天。事由：family visit\n"
    assert ding_body == {"msgtype": "text", "text": {"content": text + "https://hr.example.cn/#/notifications"}}
    shown = client.get("/api/v1/notifications/deliveries", headers=as_role("hr")).json()
    assert sorted((d["channel"], d["status"], d["attempts"], d["last_error"]) for d in shown) == [
        ("dingtalk", "sent", 1, None),
        ("wecom", "failed", 3, "the robot refused the message: errcode 45009: api freq out of limit"),
    ]
    assert client.get("/api/v1/notifications/deliveries", headers=as_role("employee")).status_code == 403
    status = client.get(f"/api/v1/requests/{created['id']}", headers=as_role("employee")).json()["status"]
    assert status == "pending"  # the request never waited for, nor failed with, a channel
    assert "gave up after 3 attempts" in caplog.text
    for secret in (WECOM_KEY, DING_TOKEN, DING_SECRET):
        assert secret not in caplog.text
