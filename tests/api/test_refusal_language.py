"""A refusal's `detail` in the reader's language: the Chinese wording to an `Accept-Language` preferring Chinese
(q-values honoured), the English one otherwise and wherever no Chinese wording exists; `Content-Language` says which.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from api.languages import prefers_chinese, wording
from gateway.people.leave_ledger import adjust
from gateway.store import Employee, PayRun


@pytest.mark.parametrize(
    ("header", "chinese"),
    [
        ("zh-CN", True),
        ("zh", True),
        ("zh-Hans", True),
        ("zh-Hans-CN", True),
        ("zh-CN,zh;q=0.9,en;q=0.8", True),
        ("fr, zh;q=0.2", True),
        ("en;q=0.4, zh-CN;q=0.6", True),
        ("en;q=1, zh;q=0.5", False),
        ("zh;q=0, en", False),
        ("zh;q=0", False),
        ("en", False),
        ("en-US,en;q=0.9", False),
        ("*", False),
        ("", False),
        (None, False),
        ("fr", False),
    ],
)
def test_which_language_the_header_asks_for(header: str | None, chinese: bool) -> None:
    assert prefers_chinese(header) is chinese


def _request(accept_language: str) -> Request:
    return Request({"type": "http", "headers": [(b"accept-language", accept_language.encode())]})


def test_a_refusal_without_a_chinese_wording_stays_english() -> None:
    assert wording(_request("zh-CN"), "no such thing", None) == ("no such thing", "en")
    assert wording(_request("zh-CN"), "no such thing", "没有此项") == ("没有此项", "zh-CN")
    assert wording(_request("en;q=1, zh;q=0.5"), "no such thing", "没有此项") == ("no such thing", "en")


@pytest.mark.parametrize(
    ("headers", "detail", "language"),
    [
        ({"Accept-Language": "zh-CN"}, "申请 999 不存在", "zh-CN"),
        ({"Accept-Language": "en;q=1, zh;q=0.5"}, "request 999 does not exist", "en"),
        ({}, "request 999 does not exist", "en"),
    ],
)
def test_the_problem_document_answers_in_the_asked_language(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, headers: dict[str, str], detail: str, language: str
) -> None:
    response = client.get("/api/v1/requests/999", headers=as_role("employee") | headers)
    assert (response.status_code, response.json()["detail"]) == (404, detail)
    assert (response.headers["Content-Language"], response.headers["Vary"]) == (language, "Accept-Language")


# Each family's refusal: the set-up makes the state, `refuse` sends the refused call with the extra headers.
NOW = datetime(2026, 12, 1, 6, 0)  # 14:00 in Shanghai
LEAVE = {"kind": "leave", "leave_type": "annual", "reason": "family visit"}


def _leave(client: TestClient, headers: dict[str, str], start: str, end: str) -> Response:
    return client.post("/api/v1/requests", json=LEAVE | {"starts_at": start, "ends_at": end}, headers=headers)


def _balance(factory: sessionmaker[Session], days: int) -> None:
    with factory() as session, session.begin():
        adjust(session, "test", session.get_one(Employee, 1), "annual", 2026, days * 2, "opening balance")


def _locked_run(factory: sessionmaker[Session], period: str, status: str = "locked") -> int:
    with factory() as session, session.begin():
        run = PayRun(period=period, scope="all", status=status, created_at=NOW, created_by="hr",
                     locked_at=NOW if status == "locked" else None,
                     locked_by="hr:li.na" if status == "locked" else None)  # fmt: skip
        session.add(run)
        session.flush()
        return run.id


def _overlap(client, as_role, factory):  # type: ignore[no-untyped-def]
    _balance(factory, 5)
    assert _leave(client, as_role("employee"), "2026-12-07T00:00", "2026-12-09T00:00").status_code == 201
    return lambda extra: _leave(client, as_role("employee") | extra, "2026-12-08T00:00", "2026-12-10T00:00")


def _no_balance(client, as_role, factory):  # type: ignore[no-untyped-def]
    return lambda extra: _leave(client, as_role("employee") | extra, "2026-12-08T00:00", "2026-12-10T00:00")


def _locked_month(client, as_role, factory):  # type: ignore[no-untyped-def]
    _balance(factory, 5)
    _locked_run(factory, "2026-10")
    return lambda extra: _leave(client, as_role("employee") | extra, "2026-10-29T00:00", "2026-10-30T00:00")


def _withdrawn_twice(client, as_role, factory):  # type: ignore[no-untyped-def]
    _balance(factory, 5)
    created = _leave(client, as_role("employee"), "2026-12-07T00:00", "2026-12-08T00:00").json()
    path = f"/api/v1/requests/{created['id']}/withdraw"
    assert client.post(path, json={}, headers=as_role("employee")).status_code == 200
    return lambda extra: client.post(path, json={}, headers=as_role("employee") | extra)


def _wrong_password(client, as_role, factory):  # type: ignore[no-untyped-def]
    body = {"username": "nobody", "password": "not-the-password"}
    return lambda extra: client.post("/api/v1/session", json=body, headers=extra)


def _not_for_this_role(client, as_role, factory):  # type: ignore[no-untyped-def]
    return lambda extra: client.get("/api/v1/payruns", headers=as_role("employee") | extra)


def _locked_payrun(client, as_role, factory):  # type: ignore[no-untyped-def]
    run = _locked_run(factory, "2026-03")
    return lambda extra: client.post(f"/api/v1/payruns/{run}/compute", headers=as_role("hr") | extra)


def _roster_in_locked_month(client, as_role, factory):  # type: ignore[no-untyped-def]
    _locked_run(factory, "2026-03")
    cells = {"office": "Shanghai HQ", "cells": [{"employee": "E001", "date": "2026-03-03", "shift": None}]}
    return lambda extra: client.put("/api/v1/rosters/cells", json=cells, headers=as_role("hr") | extra)


def _roster_range(client, as_role, factory):  # type: ignore[no-untyped-def]
    body = {"office": "Shanghai HQ", "pattern": "none", "start": "2026-03-01", "first": "2026-03-10",
            "last": "2026-03-09", "employees": ["E001"]}  # fmt: skip
    return lambda extra: client.post("/api/v1/rosters/assign", json=body, headers=as_role("hr") | extra)


def _wrong_activation_code(client, as_role, factory):  # type: ignore[no-untyped-def]
    body = {"code": "0BADC0DE-AAAA-BBBB-CCCC-DDDD", "password": "a-long-password"}
    return lambda extra: client.post("/api/v1/session/activate", json=body, headers=extra)


def _short_password(client, as_role, factory):  # type: ignore[no-untyped-def]
    code = client.post("/api/v1/employees/E001/activation", headers=as_role("hr")).json()["code"]
    body = {"employee": "E001", "code": code, "password": "short"}
    return lambda extra: client.post("/api/v1/activation", json=body, headers=extra)


def _token_name_taken(client, as_role, factory):  # type: ignore[no-untyped-def]
    body = {"name": "hr-token", "role": "hr"}
    return lambda extra: client.post("/api/v1/tokens", json=body, headers=as_role("admin") | extra)


def _employee_code_taken(client, as_role, factory):  # type: ignore[no-untyped-def]
    body = {"code": "E001", "name": "Li Lei", "office": "Shanghai HQ", "pay_basis": "hourly", "hourly_rate_fen": 2500}
    return lambda extra: client.post("/api/v1/employees", json=body, headers=as_role("hr") | extra)


def _badge_pin_taken(client, as_role, factory):  # type: ignore[no-untyped-def]
    return lambda extra: client.post(
        "/api/v1/employees/E002/badges", json={"pin": "1001"}, headers=as_role("hr") | extra
    )


def _unknown_department(client, as_role, factory):  # type: ignore[no-untyped-def]
    body = {"effective_from": "2026-12-01", "department": "D404", "reason": "调动"}
    return lambda extra: client.post("/api/v1/employees/E001/changes", json=body, headers=as_role("hr") | extra)


def _lock_not_computed(client, as_role, factory):  # type: ignore[no-untyped-def]
    run = _locked_run(factory, "2026-03", status="draft")
    return lambda extra: client.post(f"/api/v1/payruns/{run}/lock", headers=as_role("hr") | extra)


def _export_without_run(client, as_role, factory):  # type: ignore[no-untyped-def]
    return lambda extra: client.get("/api/v1/exports/2026-03/pay-sheet", headers=as_role("hr") | extra)


@pytest.mark.parametrize(
    ("make", "status", "english", "chinese"),
    [
        (_overlap, 422,
         "this overlaps request 1 (annual leave, pending, 2026-12-07 00:00 to 2026-12-09 00:00): withdraw that one "
         "first or choose other days",
         "与申请 1（年假，待审批，2026-12-07 00:00 至 2026-12-09 00:00）时间重叠：请先撤回该申请或另选日期"),
        (_no_balance, 422,
         "not enough balance: this leave takes 2 day(s), but the 2026 balance of 年假 is 0 day(s)",
         "余额不足：本次请假需 2 天，但2026 年年假余额为 0 天"),
        (_locked_month, 422,
         "2026-10 is already paid in locked pay run 1: a request for a locked month cannot change it; ask HR to "
         "correct it in a later month's run",
         "2026-10 的工资已由已锁定的工资核算 1 发放：申请不能再改动已锁定的工资月份；请 HR 在之后月份的工资核算中更正"),
        (_withdrawn_twice, 409,
         "request 1 is withdrawn already: only a pending request is withdrawn",
         "申请 1 已撤回：只有待审批的申请可以撤回"),
        (_wrong_password, 401, "wrong user name or password", "用户名或密码错误"),
        (_not_for_this_role, 403,
         "token 'employee-token' has role 'employee'; this needs one of: admin, hr, viewer",
         "令牌 'employee-token' 的角色是 员工，无权执行此操作：需要 管理员、HR、只读用户"),
        (_locked_payrun, 409,
         "pay run 1 (2026-03, scope 'all') was locked at 2026-12-01 06:00 UTC by hr:li.na; a locked run is "
         "immutable, so pay any correction in a later month's run",
         "工资核算 1（2026-03，范围 'all'）已于 2026-12-01 06:00 UTC 由 hr:li.na 锁定；已锁定的工资核算不能再改动，"
         "更正请在之后月份的工资核算中发放"),
        (_roster_in_locked_month, 422,
         "2026-03 is already paid in locked pay run 1: its roster cannot change any more; roster from the next "
         "unpaid month",
         "2026-03 的工资已由已锁定的工资核算 1 发放：已锁定的工资月份不能再改排班；请从下一个未发薪的月份开始排班"),
        (_roster_range, 422,
         "range 2026-03-10 to 2026-03-09: give a first day on or before the last, at most 366 days",
         "日期范围 2026-03-10 至 2026-03-09：开始日期须不晚于结束日期，最长 366 天"),
        (_wrong_activation_code, 401,
         "this activation code is not valid: type it exactly as in the welcome message, or ask HR for a new one",
         "激活码无效：请按欢迎消息中的原样输入，或请 HR 重新发放"),
        (_short_password, 422, "the password must have at least 10 characters", "密码至少需要 10 个字符"),
        (_token_name_taken, 409,
         "a token named 'hr-token' already exists: pick another name or revoke that one",
         "名为 'hr-token' 的令牌已存在：请换一个名称，或先吊销那个令牌"),
        (_employee_code_taken, 409,
         "employee code 'E001' is already used: pick another code or edit that employee",
         "工号 'E001' 已被使用：请换一个工号，或编辑该员工"),
        (_badge_pin_taken, 409,
         "pin '1001' company-wide already belongs to employee 'E001': remove that badge first",
         "工牌号 '1001' 在全公司已属于员工 'E001'：请先删除那个工牌"),
        (_unknown_department, 422,
         "employee E001: department: no department with code 'D404'; create it or give an existing code",
         "员工 E001：department：没有编码为 'D404' 的部门；请先创建，或填写已有的部门编码"),
        (_lock_not_computed, 409,
         "pay run 1 (2026-03) has not been computed; compute and review it before locking",
         "工资核算 1（2026-03）尚未计算：请先计算并复核，再锁定"),
        (_export_without_run, 409,
         "no computed pay run for 2026-03; create and compute one first (punchclock payroll run --period 2026-03)",
         "2026-03 没有已计算的工资核算：请先新建并计算（punchclock payroll run --period 2026-03）"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)  # fmt: skip
def test_each_family_refuses_in_chinese_and_in_english(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, factory, monkeypatch: pytest.MonkeyPatch, make, status, english, chinese
) -> None:
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: NOW)
    refuse = make(client, as_role, factory)
    chinese_answer, english_answer = refuse({"Accept-Language": "zh-CN"}), refuse({})
    assert (chinese_answer.status_code, chinese_answer.json()["detail"]) == (status, chinese)
    assert chinese_answer.headers["Content-Language"] == "zh-CN"
    assert (english_answer.status_code, english_answer.json()["detail"]) == (status, english)


ASSIGN = {"office": "Shanghai HQ", "pattern": "none", "start": "2026-03-01", "first": "2026-03-10",
          "last": "2026-03-11", "employees": ["E001"]}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "english", "chinese"),
    [
        ("POST", "/api/v1/session", {},
         "body field username: is required; body field password: is required.",
         "字段 username：必填；字段 password：必填。"),
        ("POST", "/api/v1/session", {"username": "u" * 65, "password": "p"},
         f"body field username: String should have at most 64 characters (got '{'u' * 65}').",
         f"字段 username：最多 64 个字符（收到 '{'u' * 65}'）。"),
        ("GET", "/api/v1/audit?limit=0", None,
         "query parameter limit: Input should be greater than or equal to 1 (got '0').",
         "查询参数 limit：不能小于 1（收到 '0'）。"),
        ("POST", "/api/v1/rosters/assign", ASSIGN | {"start": "2026-13-01", "extra": 1},
         "body field start: Input should be a valid date or datetime, month value is outside expected range of 1-12 "
         "(got '2026-13-01'); body field extra: is not a known field: check its spelling against /docs.",
         "字段 start：不是有效的日期：请按 2026-03-16 的格式填写（收到 '2026-13-01'）；"
         "字段 extra：不是已知字段：请对照 /docs 检查拼写。"),
        # a validator's own check (`value_error`), worded by the `ValueRefused` it raised
        ("POST", "/api/v1/employees", {"code": "E050", "name": "赵六", "office": "Shanghai HQ"},
         "request body: a monthly employee needs monthly_salary_fen (integer fen, e.g. 600000 for 6,000.00 yuan).",
         "请求正文：月薪员工需要 monthly_salary_fen（整数，单位分，例如 600000 即 6,000.00 元）。"),
        ("POST", "/api/v1/punches/corrections", {"action": "void", "punch_id": 1, "reason": "按错了",
                                                 "ts_utc": "2026-03-02T08:00:00+08:00"},
         "request body: action 'void' takes punch_id and no ts_utc.",
         "请求正文：作废（action 'void'）须填写 punch_id，不填 ts_utc。"),
        ("POST", "/api/v1/punches/corrections", {"action": "add", "employee": "E001", "reason": "忘打卡",
                                                 "ts_utc": "2026-03-02T08:00:00"},
         "body field ts_utc: give the time with its UTC offset, e.g. 2026-03-02T08:00:00+08:00 or "
         "2026-03-02T00:00:00Z (got '2026-03-02T08:00:00').",
         "字段 ts_utc：时间须带 UTC 偏移，例如 2026-03-02T08:00:00+08:00 或 2026-03-02T00:00:00Z"
         "（收到 '2026-03-02T08:00:00'）。"),
        ("GET", "/api/v1/payslips?period=2026-13", None,
         "query parameter period: expected a pay month YYYY-MM (month 01 to 12), e.g. 2026-03 (got '2026-13').",
         "查询参数 period：须为工资月份 YYYY-MM（月份 01 至 12），例如 2026-03（收到 '2026-13'）。"),
    ],
    ids=["missing", "too_long", "out_of_range", "bad_date_and_extra", "model_check", "correction_shape", "naive_time",
         "pay_month"],
)  # fmt: skip
def test_request_validation_answers_in_chinese(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, method: str, path: str, body: dict[str, object] | None, english: str, chinese: str
) -> None:
    """From the templates of pydantic's error types, and from the refusal a validator raised."""

    def send(extra: dict[str, str]) -> Response:
        return client.request(method, path, json=body, headers=as_role("admin") | extra)

    chinese_answer, english_answer = send({"Accept-Language": "zh-CN"}), send({})
    assert (chinese_answer.status_code, chinese_answer.json()["detail"]) == (422, chinese)
    assert chinese_answer.json()["errors"] == chinese.removesuffix("。").split("；")
    assert chinese_answer.headers["Content-Language"] == "zh-CN"
    assert (english_answer.status_code, english_answer.json()["detail"]) == (422, english)
    assert english_answer.headers["Content-Language"] == "en"


def test_a_validation_error_without_a_template_stays_english_whole(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    body = ASSIGN | {"start": "2026-13-01", "employees": "E001"}  # a list_type error has no Chinese template
    answer = client.post("/api/v1/rosters/assign", json=body, headers=as_role("hr") | {"Accept-Language": "zh-CN"})
    assert (answer.status_code, answer.headers["Content-Language"]) == (422, "en")
    assert answer.json()["detail"].startswith("body field start: Input should be a valid date")


def test_a_body_that_is_not_json_answers_in_chinese(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/api/v1/employees",
        content=b'{"code": "E050",',
        headers=as_role("hr") | {"Accept-Language": "zh-CN", "Content-Type": "application/json"},
    )
    assert (answer.status_code, answer.json()["detail"]) == (
        422,
        "请求正文：不是有效的 JSON（第 16 个字符处）：请发送 JSON 对象。",
    )
