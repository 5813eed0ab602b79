"""Helpers and constants of the browser tests: the logins of the served store, logging in through the page,
requests with the page's session, the catalogue's Chinese texts the tests expect, and yuan with thousands
separators as the page writes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from payroll_core.money import fen_to_yuan

SCREENSHOTS = Path(__file__).parents[1] / "artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 812}


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    display_name: str


HR = Login("li.na", "Renshi-2026-spring", "李娜")
VIEWER = Login("zhou.viewer", "Chakan-2026-spring", "周敏")
EMPLOYEE = Login("E001", "Yuangong-2026-spring", "Worker E001")
ADMIN = Login("chen.admin", "Guanli-2026-spring", "陈强")
MANAGER = Login("zhao.lei", "Jingli-2026-spring", "赵磊")  # made by the test that needs one (test_inbox.py)


# The side menu of each staff role, in order (api/web/router.js); a viewer has no audit log, only admins users.
HR_MENU = ["工作台", "员工", "部门", "考勤机", "待处理打卡", "打卡与补卡", "计件", "工资核算", "工资单"]
HR_MENU += ["待我审批", "申请管理", "入职管理", "排班", "审计日志"]
HR_MENU_EN = [
    "Dashboard",
    "Employees",
    "Departments",
    "Terminals",
    "Quarantine",
    "Punches",
    "Piece counts",
    "Pay runs",
    "Payslips",
    "Approvals",
    "Requests",
    "Onboarding",
    "Roster",
    "Audit log",
]
VIEWER_MENU = [entry for entry in HR_MENU if entry not in ("待我审批", "审计日志")]
ADMIN_MENU = [*HR_MENU, "用户与令牌"]


@dataclass
class Served:
    url: str
    factory: sessionmaker[Session]


def shoot(page: Any, name: str) -> None:
    """A screenshot of the page as it is, for people to look at (tests/artifacts/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # a full-page picture of a scrolled page shifts its sticky header
    page.wait_for_timeout(400)  # let dialogs and charts finish their entry animation: a picture, not a check
    # A long page (ReDoc's whole API) on two busy cores took more than Playwright's default 10 s to paint whole.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, timeout=60_000)


# Chinese names of payslip lines as a payroll clerk knows them (api/web/locales/zh-CN.js, `lines`).
LINE_NAMES = {
    "BASE_PAY": "基本工资",
    "ABSENCE": "缺勤扣款",
    "LATE": "迟到扣款",
    "PIECE": "计件工资",
    "OT_WORKDAY": "工作日加班费",
    "OT_RESTDAY": "休息日加班费",
    "OT_HOLIDAY": "法定节假日加班费",
    "GROSS": "应发工资",
    "PENSION_EMPLOYEE": "养老保险",
    "MEDICAL_EMPLOYEE": "医疗保险",
    "UNEMPLOYMENT_EMPLOYEE": "失业保险",
    "HOUSING_FUND_EMPLOYEE": "住房公积金",
    "IIT": "个人所得税",
    "NET": "实发工资",
    "PENSION_EMPLOYER": "养老保险（单位）",
    "MEDICAL_EMPLOYER": "医疗保险（单位）",
    "UNEMPLOYMENT_EMPLOYER": "失业保险（单位）",
    "INJURY_EMPLOYER": "工伤保险（单位）",
    "MATERNITY_EMPLOYER": "生育保险（单位）",
    "HOUSING_FUND_EMPLOYER": "住房公积金（单位）",
}


def yuan(fen: int) -> str:
    """The page's money text: fen_to_yuan's digits with a comma every three (12,345.67)."""
    text = fen_to_yuan(fen)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, cents = digits.split(".")
    return f"{sign}{int(whole):,}.{cents}"


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/#/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-test=login-submit]")
    expect(page.locator("[data-test=user-menu]")).to_be_visible()


def api_get(page: Page, base: str, path: str) -> Any:
    """GET /api/v1 with the page's own session cookie (the page's context shares it)."""
    response = page.context.request.get(f"{base}/api/v1{path}")
    assert response.ok, (path, response.status, response.text())
    return response.json()


def menu_entries(page: Page) -> list[str]:
    return [re.sub(r"\s+", "", text) for text in page.locator("[data-test=menu] .el-menu-item").all_inner_texts()]
