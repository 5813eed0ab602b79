"""Logging in on screen: Chinese refusals (wrong password, locked until …), session expiry back to the login
page, logout, the language switch kept per browser; each role sees only its menu, and an employee who types
an HR address by hand is refused and sees only their own payslips and punches."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from browser_kit import (
    EMPLOYEE,
    HR,
    HR_MENU,
    HR_MENU_EN,
    PHONE,
    VIEWER,
    VIEWER_MENU,
    Served,
    api_get,
    log_in,
    menu_entries,
    shoot,
    yuan,
)  # fmt: skip
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import run_payroll
from gateway.store import LoginSession, User

pytestmark = pytest.mark.timeout(180)


def attempt(page: Page, username: str, password: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-test=login-submit]")


def test_wrong_passwords_are_refused_in_chinese_then_the_login_locks(page: Page, served: Served) -> None:
    page.goto(f"{served.url}/")
    expect(page).to_have_url(re.compile(r"#/login\?next=/dashboard$"))
    page.click("[data-test=login-submit]")  # nothing typed: the form says so before anything is sent
    expect(page.locator(".el-form-item__error")).to_have_text(["请填写用户名", "请填写密码"])
    shoot(page, "login-empty-desktop")
    error = page.locator("[data-test=login-error]")
    for n in range(1, 5):
        attempt(page, HR.username, f"wrong-password-{n}")
        expect(error).to_have_text("用户名或密码错误")
    attempt(page, "nobody.here", "wrong-password-x")  # an unknown name reads alike
    expect(error).to_have_text("用户名或密码错误")
    shoot(page, "login-wrong-desktop")
    attempt(page, HR.username, "wrong-password-5")
    expect(error).to_contain_text("账户已锁定至")
    with served.factory() as session:
        until = session.scalar(select(User.locked_until).where(User.username == HR.username))
    assert until is not None
    shown = (until + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # on China Standard Time
    locked = f"密码错误次数过多，账户已锁定至 {shown}。请到时再试，或请管理员解锁。"
    expect(error).to_have_text(locked)
    attempt(page, HR.username, HR.password)  # the right password does not open a locked login
    expect(error).to_have_text(locked)
    shoot(page, "login-locked-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "login-locked-phone")


def test_an_expired_session_goes_back_to_the_login_page_with_a_message(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    # let the dashboard's own requests finish first: one of them meeting the expired session would already
    # send the page to the login screen, and the menu item clicked below would be gone
    page.wait_for_load_state("networkidle")
    with served.factory() as session, session.begin():
        session.execute(update(LoginSession).values(expires_at=datetime(2026, 1, 1)))
    page.click("[data-test=menu] .el-menu-item:has-text('工资核算')")
    expect(page).to_have_url(re.compile(r"#/login\?reason=expired"))
    expect(page.locator("[data-test=expired]")).to_have_text("登录已过期，请重新登录")
    shoot(page, "login-expired-desktop")
    attempt(page, HR.username, HR.password)
    expect(page).to_have_url(re.compile(r"#/payruns$"))  # back where the session ended


def test_logout_and_the_language_switch_kept_per_browser(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    assert menu_entries(page) == HR_MENU
    page.locator(".lang-switch").get_by_text("English").click()
    expect(page.locator("[data-test=menu] .el-menu-item")).to_have_text(HR_MENU_EN)
    page.reload()
    expect(page.locator("[data-test=menu] .el-menu-item")).to_have_text(HR_MENU_EN)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shoot(page, "dashboard-english-desktop")
    page.locator(".lang-switch").get_by_text("中文").click()
    page.click("[data-test=user-menu]")
    page.locator("[data-test=logout]").click()
    expect(page).to_have_url(re.compile(r"#/login$"))
    assert page.context.request.get(f"{served.url}/api/v1/session").status == 401


def test_a_viewer_sees_the_read_screens_without_their_buttons(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        run_payroll(session, "2026-03", "Shanghai HQ", "test")
    log_in(page, served.url, VIEWER.username, VIEWER.password)
    assert menu_entries(page) == VIEWER_MENU
    page.click("[data-test=menu] .el-menu-item:has-text('工资核算')")
    expect(page.locator("[data-test=payruns] .el-table__row")).to_have_count(1)
    expect(page.locator("[data-test=create-run]")).to_have_count(0)
    expect(page.locator("[data-test=payruns] .el-table__row").get_by_role("button")).to_have_text(["查看"])
    page.locator("[data-test=payruns] .el-table__row").get_by_role("button", name="查看").click()
    expect(page.locator("[data-test=run-payslips] .el-table__row")).to_have_count(2)
    expect(page.locator("[data-test=compute]")).to_have_count(0)
    expect(page.locator("[data-test=bank-check]")).to_have_count(0)


def test_an_employee_sees_only_their_own_screens(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        run, _ = run_payroll(session, "2026-03", "Shanghai HQ", "test", lock=True, acknowledge=list(WARNING_CODES))
        run_id = run.id
    page.set_viewport_size(PHONE)
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    expect(page).to_have_url(re.compile(r"#/my/payslips$"))
    page.click(".shell-header button[aria-label='展开或收起菜单']")
    assert menu_entries(page) == ["我的工资单", "我的打卡", "我的考勤", "我的申请", "我的假期", "我的社保公积金"]
    shoot(page, "employee-menu-phone")
    page.keyboard.press("Escape")

    for hr_screen in ("/payruns", "/dashboard", f"/payruns/{run_id}", "/payslips"):
        page.goto(f"{served.url}/#{hr_screen}")
        expect(page.locator(".el-message--error").last).to_have_text("您没有权限访问该页面，已返回首页")
        expect(page).to_have_url(re.compile(r"#/my/payslips$"))
    assert page.context.request.get(f"{served.url}/api/v1/dashboard").status in (403, 404, 200)

    expect(page.locator(".el-message")).to_have_count(0)  # the refusals fade before the pictures
    own = api_get(page, served.url, "/payslips")["items"]
    assert [(s["employee"], s["status"]) for s in own] == [("E001", "locked")]
    cards = page.locator("[data-test=my-payslips] .slip-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("2026-03")
    expect(cards.first.locator(".slip-amount")).to_have_text(yuan(own[0]["net_fen"]))
    shoot(page, "employee-payslips-phone")
    cards.first.click()
    expect(page).to_have_url(re.compile(rf"#/my/payslips/{own[0]['id']}$"))
    expect(page.locator(".line-card[data-code=NET] .num")).to_have_text(yuan(own[0]["net_fen"]))
    expect(page.locator(".el-alert")).to_have_count(0)  # a locked payslip carries no "may still change"
    shoot(page, "employee-payslip-phone")

    page.goto(f"{served.url}/#/my/punches")
    page.locator(".el-date-editor input").fill("2026-03")
    page.locator(".el-date-editor input").press("Enter")
    days = page.locator("[data-test=my-punches] .day-row")
    expect(days).to_have_count(21)  # every March workday but the 10th
    expect(days.first).to_contain_text("2026-03-02")
    expect(days.first.locator(".el-tag")).to_have_text(["08:00", "08:55", "18:00"])  # the seed's 2 March punches too
    expect(page.locator("[data-test=my-attendance]")).to_contain_text("缺勤天数1 天")
    shoot(page, "employee-punches-phone")
    page.set_viewport_size({"width": 1366, "height": 768})
    shoot(page, "employee-punches-desktop")


def test_an_employee_activates_their_login_with_hrs_code(page: Page, served: Served) -> None:
    from gateway.access.users import create_user, issue_activation
    from gateway.store import Employee

    with served.factory() as session, session.begin():
        e003 = session.scalar(select(Employee).where(Employee.code == "E003"))
        assert e003 is not None
        create_user(session, "test", "E003", e003.name, "employee", None, employee=e003)
        code = issue_activation(session, e003, "test").code
    page.set_viewport_size(PHONE)
    page.goto(f"{served.url}/#/login")
    page.get_by_text("员工首次登录？使用激活码设置密码").click()
    expect(page.locator(".auth-title")).to_have_text("员工账号激活")
    page.fill("input[name=employee]", "E003")
    page.fill("input[name=code]", code)
    page.fill("input[name=password]", "1234567890")
    page.fill("input[name=confirm]", "1234567899")
    page.locator("input[name=confirm]").blur()
    expect(page.locator(".el-form-item__error")).to_have_text(["密码不能全是数字", "两次输入的密码不一致"])
    shoot(page, "activate-invalid-phone")
    page.fill("input[name=password]", "Zhangwei-2026!")
    page.fill("input[name=confirm]", "Zhangwei-2026!")
    page.get_by_role("button", name="激活并登录").click()
    expect(page).to_have_url(re.compile(r"#/my/payslips$"))
    expect(page.locator("[data-test=user-menu]")).to_contain_text("张伟")
    page.context.clear_cookies()
    page.goto(f"{served.url}/#/login")
    page.reload()
    attempt(page, "E003", "Zhangwei-2026!")
    expect(page).to_have_url(re.compile(r"#/my/payslips$"))


def test_a_new_user_changes_the_temporary_password_first(page: Page, served: Served) -> None:
    from gateway.access.users import create_user

    with served.factory() as session, session.begin():
        create_user(session, "test", "chen.jing", "陈静", "hr", "Temporary-2026", must_change_password=True)
    page.goto(f"{served.url}/#/login")
    attempt(page, "chen.jing", "Temporary-2026")
    expect(page).to_have_url(re.compile(r"#/password$"))
    expect(page.locator(".el-alert")).to_contain_text("首次登录请先修改密码")
    expect(page.locator(".rules-box li")).to_have_text(["至少 10 个字符", "不能全是数字", "不能包含用户名"])
    page.click("[data-test=menu] .el-menu-item:has-text('工资核算')")
    expect(page).to_have_url(re.compile(r"#/password$"))  # nothing else opens before the change
    fields = page.locator(".page input[type=password]")
    fields.nth(0).fill("wrong-current-1")
    fields.nth(1).fill("chen.jing-2026")
    fields.nth(2).fill("chen.jing-2026")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator(".el-form-item__error")).to_have_text(["密码不能包含用户名"])
    shoot(page, "password-rules-desktop")
    fields.nth(1).fill("Chenjing-Spring-26")
    fields.nth(2).fill("Chenjing-Spring-26")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator(".el-message--error")).to_have_text("当前密码不正确，密码未修改")
    fields.nth(0).fill("Temporary-2026")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator(".el-message--success")).to_have_text("密码已修改")
    expect(page).to_have_url(re.compile(r"#/dashboard$"))
    with served.factory() as session:
        user = session.scalar(select(User).where(User.username == "chen.jing"))
        assert user is not None and user.must_change_password is False
