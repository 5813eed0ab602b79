"""Onboarding through the API: a new hire submitted, approved by another HR user into an employee with badge, login,
activation code and welcome; the refusals (self approval, duplicate ID number, bad fields, a decided application)
with their exact messages; activation with the welcome's code (used, expired, wrong five times)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.tokens import issue_token
from gateway.config import Config
from gateway.notify.channels import Message
from gateway.notify.worker import ChannelConfig, run_pass
from gateway.people.departments import create_department
from gateway.people.employees import EmployeeValues, edit_employee, fields_of, office_names, values_of
from gateway.store import ActivationCode, AuditLog, Badge, Employee, Notification, Onboarding, User

ID_NUMBER = "11010519491231002X"  # a valid resident ID (GB 11643 check character X)
OTHER_ID = "110105194912310038"  # another valid one
NEW_HIRE = {
    "name": "陈小雨",
    "office": "Shanghai HQ",
    "position": "装配工",
    "hired_on": "2026-11-16",
    "pay_basis": "monthly",
    "monthly_salary_fen": 1_000_000,
    "probation_months": 3,
    "probation_salary_fen": 800_000,
    "id_type": "resident_id",
    "id_number": ID_NUMBER,
    "mobile": "13800138000",
    "email": "chen.xiaoyu@example.cn",
}


@pytest.fixture
def second_hr(factory: sessionmaker[Session]) -> dict[str, str]:
    """Headers of a second HR token ("hr:hr2-token"): HQ's approver, not the submitter."""
    with factory() as session, session.begin():
        _row, secret = issue_token(session, "hr2-token", "hr", None, "test")
    return {"Authorization": f"Bearer {secret}"}


def submit(client: TestClient, headers: dict[str, str], **changes: object) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/onboarding", json={**NEW_HIRE, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_approved_new_hire_becomes_an_employee_with_badge_login_code_and_welcome(
    client: TestClient, as_role, second_hr: dict[str, str], factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    submitted = submit(client, as_role("hr"))
    assert (submitted["status"], submitted["id_number"], submitted["employee_code"], submitted["pin"]) == (
        "pending",
        ID_NUMBER,
        None,
        None,
    )
    assert [(e["actor"], e["action"]) for e in submitted["history"]] == [("hr:hr-token", "submitted")]
    listed = client.get("/api/v1/onboarding?status=pending", headers=as_role("viewer")).json()
    assert [(o["id"], o["id_number"]) for o in listed] == [(submitted["id"], "**** 002X")]

    decided = client.post(
        f"/api/v1/onboarding/{submitted['id']}/decision", json={"approve": True, "comment": "同意"}, headers=second_hr
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    # E001 and E002 exist: E003; Shanghai's highest badge is 1001, and 1002 is Urumqi's: 1003.
    assert (body["employee"], body["pin"], body["onboarding"]["status"]) == ("E003", "1003", "approved")
    code = body["activation"]["code"]
    assert body["activation"]["link"] == f"/activate?code={code}"
    assert [(e["actor"], e["action"], e["comment"]) for e in body["onboarding"]["history"]] == [
        ("hr:hr-token", "submitted", ""),
        ("hr:hr2-token", "approved", "同意"),
    ]
    assert (body["onboarding"]["yours"], body["welcome"]["title"]) == (False, "欢迎入职：Shanghai HQ")
    with factory() as session:
        employee = session.scalars(select(Employee).where(Employee.code == "E003")).one()
        values = fields_of(session, employee, office_names(session))
        assert {
            k: values[k] for k in ("name", "office", "pay_basis", "monthly_salary_fen", "hired_on", "id_number")
        } == {
            "name": "陈小雨",
            "office": "Shanghai HQ",
            "pay_basis": "monthly",
            "monthly_salary_fen": 800_000,
            "hired_on": datetime(2026, 11, 16).date(),
            "id_number": ID_NUMBER,
        }
        assert [
            (b.pin, b.device_sn) for b in session.scalars(select(Badge).where(Badge.employee_id == employee.id))
        ] == [("1003", None)]
        user = session.scalars(select(User).where(User.employee_id == employee.id)).one()
        assert (user.username, user.role, user.password_hash) == ("E003", "employee", None)
        stored = session.scalars(select(ActivationCode).where(ActivationCode.employee_id == employee.id)).one()
        assert stored.code_hash is not None and stored.code_hash.startswith("$argon2id$")
        assert code.split("-", 1)[1] not in stored.code_hash and (stored.expires_at - stored.created_at) == timedelta(
            days=14
        )
        welcome = session.scalars(select(Notification).where(Notification.kind == "employee_welcome")).one()
        assert (welcome.recipient_employee_id, welcome.title, welcome.link) == (
            employee.id,
            "欢迎入职：Shanghai HQ",
            f"/activate?code={code}",
        )
        assert body["welcome"]["body"] == welcome.body
        assert welcome.body == (
            "陈小雨，欢迎加入！您的入职日期：2026-11-16。"
            "报到地点：上海市徐汇区漕溪北路 88 号 12 楼前台；报到时间：2026-11-16 "
            "09:00。请携带：身份证原件、银行卡、学历证书、离职证明、体检报告、一寸照片。"
            f"您的工号（登录名）：E003。请打开激活链接设置登录密码（激活码 {code}）。"
        )
        actions = [a for (a,) in session.execute(select(AuditLog.action).order_by(AuditLog.seq))]
        assert actions[-6:] == [
            "onboarding.submit",
            "employee.add",
            "badge.add",
            "user.create",
            "user.activation_code",
            "onboarding.approved",
        ]
        submit_audit = session.scalars(select(AuditLog).where(AuditLog.action == "onboarding.submit")).one()
        assert ID_NUMBER not in submit_audit.after_json and "**** 002X" in submit_audit.after_json

    again = client.post(f"/api/v1/onboarding/{submitted['id']}/decision", json={"approve": False}, headers=second_hr)
    assert (again.status_code, again.json()["detail"]) == (
        409,
        f"onboarding {submitted['id']} is approved already: only a pending one is decided",
    )


def test_the_submitter_cannot_approve_their_own_new_hire(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    submitted = submit(client, as_role("hr"))
    refused = client.post(
        f"/api/v1/onboarding/{submitted['id']}/decision", json={"approve": True}, headers=as_role("hr")
    )
    assert (refused.status_code, refused.json()["errors"]) == (
        422,
        [f"onboarding {submitted['id']} was submitted by you: another HR user or admin decides it (four eyes)"],
    )
    assert client.get(f"/api/v1/onboarding/{submitted['id']}", headers=as_role("hr")).json()["status"] == "pending"


def test_a_duplicate_id_number_is_refused_against_employees_and_pending_applications(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    first = submit(client, as_role("hr"))
    twice = client.post("/api/v1/onboarding", json=NEW_HIRE, headers=as_role("admin"))
    assert (twice.status_code, twice.json()["errors"]) == (
        422,
        [f"id_number: **** 002X is on pending onboarding {first['id']}: decide or withdraw that one first"],
    )
    withdrawn = client.post(f"/api/v1/onboarding/{first['id']}/withdraw", json={}, headers=as_role("hr"))
    assert withdrawn.json()["status"] == "withdrawn"
    with factory() as session, session.begin():
        e001 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        record = fields_of(session, e001, office_names(session))
        new: EmployeeValues = values_of({**record, "id_type": "resident_id", "id_number": ID_NUMBER})
        edit_employee(session, e001, new, "test")
    employed = client.post("/api/v1/onboarding", json=NEW_HIRE, headers=as_role("hr"))
    assert (employed.status_code, employed.json()["errors"]) == (
        422,
        ["id_number: **** 002X is the ID number of employee 'E001': a person is employed once"],
    )


def test_every_bad_field_is_named_at_once_and_nothing_is_stored(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    bad = {
        **NEW_HIRE,
        "office": "Beijing",
        "monthly_salary_fen": None,
        "probation_months": 7,
        "id_number": "110105194912310021",
        "mobile": "12345",
        "pin": "1001",
    }
    refused = client.post("/api/v1/onboarding", json=bad, headers=as_role("hr"))
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        "office: no office named 'Beijing': offices are 'Shanghai HQ', 'Urumqi plant'",
        "probation_months: 7: probation is 0 to 6 months (劳动合同法 art. 19)",
        "pin: pin '1001' company-wide already belongs to employee 'E001': remove that badge first",
        "mobile: '12345': a mainland mobile number is 11 digits starting with 1",
    ]
    low = client.post("/api/v1/onboarding", json={**NEW_HIRE, "probation_salary_fen": 799_999}, headers=as_role("hr"))
    assert low.json()["errors"] == [
        "probation_salary_fen: 7999.99 yuan is less than 80 % of the agreed 10000.00 yuan: "
        "劳动合同法 art. 20 sets that floor"
    ]
    chinese = client.post("/api/v1/onboarding", json=bad, headers={**as_role("hr"), "Accept-Language": "zh-CN"})
    assert (chinese.status_code, chinese.headers["content-language"]) == (422, "zh-CN")
    assert chinese.json()["errors"] == [
        "office: 没有名为 'Beijing' 的办公地点：现有的是 'Shanghai HQ'、'Urumqi plant'",
        "probation_months: 7：试用期为 0 至 6 个月（劳动合同法第十九条）",
        "pin: 工牌号 '1001' 在全公司已属于员工 'E001'：请先删除那个工牌",
        "mobile: '12345'：中国大陆手机号为以 1 开头的 11 位数字",
    ]
    assert chinese.json()["detail"] == "；".join(chinese.json()["errors"])
    with factory() as session:
        assert session.scalars(select(Onboarding)).all() == []


def test_viewers_and_employees_do_not_submit_or_decide(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    for role in ("viewer", "employee"):
        assert client.post("/api/v1/onboarding", json=NEW_HIRE, headers=as_role(role)).status_code == 403
    submitted = submit(client, as_role("hr"))
    decided = client.post(
        f"/api/v1/onboarding/{submitted['id']}/decision", json={"approve": True}, headers=as_role("viewer")
    )
    assert decided.status_code == 403


def _approved_code(client: TestClient, as_role, second_hr: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    submitted = submit(client, as_role("hr"))
    decided = client.post(f"/api/v1/onboarding/{submitted['id']}/decision", json={"approve": True}, headers=second_hr)
    return str(decided.json()["activation"]["code"])


def test_the_welcome_code_opens_the_login_once(client: TestClient, as_role, second_hr: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    code = _approved_code(client, as_role, second_hr)
    weak = client.post("/api/v1/session/activate", json={"code": code, "password": "1234567890"})
    assert (weak.status_code, weak.json()["detail"]) == (
        422,
        "the password must not be digits only: add letters or signs",
    )
    opened = client.post("/api/v1/session/activate", json={"code": code.lower(), "password": "春天来了 spring-2026"})
    assert opened.status_code == 200, opened.text
    assert (opened.json()["username"], opened.json()["role"]) == ("E003", "employee")
    client.cookies.clear()
    used = client.post("/api/v1/session/activate", json={"code": code, "password": "春天来了 spring-2026"})
    assert used.status_code == 401
    assert used.json()["detail"].startswith("this activation code was used (or replaced by a newer one) on ")
    assert used.json()["detail"].endswith(" UTC: log in with your employee code and password, or ask HR for a new code")
    login = client.post("/api/v1/session", json={"username": "E003", "password": "春天来了 spring-2026"})
    assert login.status_code == 200


def test_an_expired_code_is_refused_with_its_date(
    client: TestClient, as_role, second_hr: dict[str, str], factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    code = _approved_code(client, as_role, second_hr)
    with factory() as session, session.begin():
        row = session.scalars(select(ActivationCode).where(ActivationCode.code_hash.is_not(None))).one()
        row.expires_at = datetime(2026, 11, 30, 8, 0)
    expired = client.post("/api/v1/session/activate", json={"code": code, "password": "春天来了 spring-2026"})
    assert (expired.status_code, expired.json()["detail"]) == (
        401,
        "this activation code expired on 2026-11-30 08:00 UTC: ask HR for a new one",
    )


def test_wrong_codes_count_and_the_fifth_locks_the_code(client: TestClient, as_role, second_hr: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    code = _approved_code(client, as_role, second_hr)
    lookup = code.split("-")[0]
    unknown = client.post(
        "/api/v1/session/activate", json={"code": "00000000-0000", "password": "春天来了 spring-2026"}
    )
    assert (unknown.status_code, unknown.json()["detail"]) == (
        401,
        "this activation code is not valid: type it exactly as in the welcome message, or ask HR for a new one",
    )
    answers = [
        client.post(
            "/api/v1/session/activate",
            json={"code": f"{lookup}-0000-0000-0000-0000", "password": "春天来了 spring-2026"},
        ).status_code
        for _ in range(5)
    ]
    assert answers == [401, 401, 401, 401, 423]
    locked = client.post("/api/v1/session/activate", json={"code": code, "password": "春天来了 spring-2026"})
    assert locked.status_code == 423
    assert locked.json()["detail"].startswith("this activation code is locked after 5 wrong tries in a row, until ")


def test_the_list_filters_by_office_and_department_and_marks_your_own(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        create_department(session, "test", office="Shanghai HQ", code="ASM", name="装配部")
    mine = submit(client, as_role("hr"), department="ASM")
    other = submit(client, as_role("admin"), id_number=OTHER_ID, name="李雷", office="Urumqi plant")
    listed = client.get("/api/v1/onboarding", headers=as_role("hr")).json()
    assert [(o["id"], o["yours"]) for o in listed] == [(other["id"], False), (mine["id"], True)]
    by_department = client.get("/api/v1/onboarding?department=ASM", headers=as_role("hr")).json()
    assert [o["id"] for o in by_department] == [mine["id"]]
    by_office = client.get("/api/v1/onboarding?office=Urumqi plant", headers=as_role("hr")).json()
    assert [o["id"] for o in by_office] == [other["id"]]
    assert client.get("/api/v1/onboarding?office=Nowhere", headers=as_role("hr")).json() == []


def test_a_given_badge_number_taken_before_the_approval_is_refused_by_field(
    client: TestClient, as_role, second_hr: dict[str, str], factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    submitted = submit(client, as_role("hr"), pin="1500")
    with factory() as session, session.begin():
        e002 = session.scalars(select(Employee).where(Employee.code == "E002")).one()
        session.add(Badge(pin="1500", employee_id=e002.id, device_sn=None))
    refused = client.post(f"/api/v1/onboarding/{submitted['id']}/decision", json={"approve": True}, headers=second_hr)
    assert (refused.status_code, refused.json()["errors"]) == (
        422,
        [
            "pin: pin '1500' company-wide already belongs to employee 'E002': remove that badge first; reject this "
            "application and submit it with another number, or none for the office's next"
        ],
    )
    with factory() as session:
        assert session.get_one(Onboarding, submitted["id"]).status == "pending"
        assert session.scalar(select(Employee.id).where(Employee.name == "陈小雨")) is None


def _welcome(factory: sessionmaker[Session]) -> tuple[str, str | None]:
    with factory() as session:
        row = session.scalars(select(Notification).where(Notification.kind == "employee_welcome")).one()
        return row.body, row.link


def _mail_config() -> Config:
    return Config.model_validate({
        "offices": [{"name": "Shanghai HQ", "timezone": "Asia/Shanghai", "city": "shanghai", "notify": {
            "email": {"host": "smtp.example.cn", "sender": "hr@example.cn", "to": ["hr-team@example.cn"]},
            "wecom": {"webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wk-1"},
        }}],
    })  # fmt: skip


def test_the_welcome_is_mailed_to_the_new_hire_alone_and_forgets_its_code_once_used(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, second_hr: dict[str, str], factory: sessionmaker[Session]
) -> None:
    code = _approved_code(client, as_role, second_hr)
    sent: list[tuple[str, list[str], str, str]] = []

    def capture(channel: ChannelConfig, message: Message) -> None:
        sent.append((type(channel).__name__, list(getattr(channel, "to", [])), message.title, message.body))

    result = run_pass(factory, _mail_config(), sender=capture)
    body, link = _welcome(factory)
    assert (result.sent, sent) == (1, [("EmailChannel", ["chen.xiaoyu@example.cn"], "欢迎入职：Shanghai HQ", body)])
    assert code in body and link == f"/activate?code={code}"
    opened = client.post("/api/v1/session/activate", json={"code": code, "password": "春天来了 spring-2026"})
    assert opened.status_code == 200, opened.text
    body, link = _welcome(factory)
    assert (code in body, link) == (False, "/login")
    assert body.endswith("请打开激活链接设置登录密码（激活码 已使用）。")


def test_a_welcome_without_an_email_is_not_sent_and_an_expired_code_is_forgotten(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, second_hr: dict[str, str], factory: sessionmaker[Session]
) -> None:
    submitted = submit(client, as_role("hr"), email=None)
    decided = client.post(f"/api/v1/onboarding/{submitted['id']}/decision", json={"approve": True}, headers=second_hr)
    code = decided.json()["activation"]["code"]
    sent: list[Message] = []
    approved_at = datetime.fromisoformat(decided.json()["onboarding"]["decided_at"]).replace(tzinfo=None)
    day_13 = run_pass(factory, _mail_config(), now=lambda: approved_at + timedelta(days=13), sender=lambda _c, m: None)
    assert (day_13.fanned_out, day_13.sent, code in _welcome(factory)[0]) == (2, 0, True)
    run_pass(factory, _mail_config(), now=lambda: approved_at + timedelta(days=14, minutes=1),
             sender=lambda _c, m: sent.append(m))  # fmt: skip
    body, link = _welcome(factory)
    assert (sent, code in body, body.endswith("（激活码 已过期）。"), link) == ([], False, True, "/login")
