"""Every screen of every role at 1366×768 and 375×812, photographed for people to look at
(tests/artifacts/screenshots/), each checked to show its own title and to log no error in the console."""

from __future__ import annotations

import re

import pytest
from browser_kit import DESKTOP, EMPLOYEE, HR, HR_MENU, PHONE, Served, log_in, shoot
from playwright.sync_api import ConsoleMessage, Page, expect

from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import run_payroll

pytestmark = pytest.mark.timeout(240)

HR_SCREENS = [
    ("dashboard", "/dashboard", "工作台"),
    ("payruns", "/payruns", "工资核算"),
    ("payrun", "/payruns/{run}", "工资核算 #{run}：2026-03（Shanghai HQ）"),
    ("payslips", "/payslips", "工资单"),
    ("password", "/password", "修改密码"),
    ("not-found", "/no/such/screen", "页面不存在"),
]
EMPLOYEE_SCREENS = [
    ("my-payslips", "/my/payslips", "我的工资单"),
    ("my-punches", "/my/punches", "我的打卡"),
    ("my-password", "/password", "修改密码"),
]


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        # The first GET /api/v1/session of a browser without a session answers 401 by design.
        if message.type == "error" and "401" not in message.text:
            errors.append(message.text)

    page.on("console", keep)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _tour(page: Page, base: str, screens: list[tuple[str, str, str]], run: int) -> None:
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        for name, path, title in screens:
            page.goto(f"{base}/#{path.format(run=run)}")
            heading = page.locator(".page-title, .el-result__title").first
            expect(heading).to_have_text(title.format(run=run))
            page.wait_for_load_state("networkidle")
            shoot(page, f"{name}-{size}")


def test_every_screen_at_desktop_and_phone_sizes(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        run, _ = run_payroll(session, "2026-03", "Shanghai HQ", "test", lock=True, acknowledge=list(WARNING_CODES))
        run_id = run.id
        run_payroll(session, "2026-02", "Shanghai HQ", "test")
    errors = _console_errors(page)
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(f"{served.url}/#/login")
        expect(page.locator(".auth-title")).to_have_text("登录")
        shoot(page, f"login-{size}")
        page.goto(f"{served.url}/#/activate")
        expect(page.locator(".auth-title")).to_have_text("员工账号激活")
        shoot(page, f"activate-{size}")
    page.set_viewport_size(DESKTOP)
    log_in(page, served.url, HR.username, HR.password)
    _tour(page, served.url, HR_SCREENS, run_id)
    page.set_viewport_size(PHONE)
    page.click(".shell-header button[aria-label='展开或收起菜单']")
    expect(page.locator(".el-drawer [data-test=menu] .el-menu-item")).to_have_count(len(HR_MENU))
    shoot(page, "hr-menu-phone")
    page.keyboard.press("Escape")

    page.context.clear_cookies()
    page.reload()  # the page forgets the HR login it held
    expect(page.locator(".auth-title")).to_have_text("登录")
    page.set_viewport_size(DESKTOP)
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    expect(page).to_have_url(re.compile(r"#/my/payslips$"))
    _tour(page, served.url, EMPLOYEE_SCREENS, run_id)
    assert errors == []
