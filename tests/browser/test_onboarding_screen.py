"""入职管理 end to end in the browser: HR A submits a new hire (one field refused by the API first: its message under
that field, nothing stored), HR A sees no approve button on their own application, HR B approves it and is shown
the employee code, badge number and activation code once; the new hire activates the login on a phone (375 px) with
that code and lands on their payslips. Screenshots at desktop and phone width."""

from __future__ import annotations

import re

import pytest
from browser_kit import HR, PHONE, Served, log_in, shoot
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from gateway.access.users import create_user
from gateway.store import Onboarding

pytestmark = pytest.mark.timeout(240)

HR_B = ("wang.fang", "Renshi-B-2026-spring", "王芳")


def pick(page: Page, select: str, label: str) -> None:
    page.locator(select).click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()


def fill_form(page: Page, probation_yuan: str) -> None:
    dialog = page.locator("[data-test=onboarding-dialog]")
    dialog.locator("input[name=name]").fill("陈小雨")
    dialog.locator("input[name=id_number]").fill("11010519491231002X")
    dialog.locator("input[name=mobile]").fill("13800138000")
    pick(page, "[data-test=onboarding-office]", "Shanghai HQ")
    dialog.locator("input[name=position]").fill("装配工")
    hired = dialog.locator("input[name=hired_on]")
    hired.fill("2026-11-16")
    hired.press("Enter")
    dialog.locator("input[name=salary]").fill("10000")
    months = dialog.locator("input[name=probation_months]")
    months.fill("3")
    months.press("Tab")
    dialog.locator("input[name=probation_salary]").fill(probation_yuan)


def test_hr_submits_another_hr_approves_and_the_new_hire_activates(
    page: Page, served: Served, browser: Browser
) -> None:
    with served.factory() as session, session.begin():
        create_user(session, "test", HR_B[0], HR_B[2], "hr", HR_B[1])
    log_in(page, served.url, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('入职管理')")
    expect(page.locator(".page-title")).to_have_text("入职管理")
    page.click("[data-test=onboarding-create]")
    fill_form(page, "7000")
    page.click("[data-test=onboarding-submit]")
    item = page.locator(".el-form-item:has(input[name=probation_salary])")
    expect(item.locator(".el-form-item__error")).to_have_text(
        "7000.00 元低于约定工资 10000.00 元的 80%：劳动合同法第二十条规定了这一下限"
    )
    shoot(page, "onboarding-form-refused-desktop")
    with served.factory() as session:
        assert session.scalar(select(func.count()).select_from(Onboarding)) == 0

    page.locator("input[name=probation_salary]").fill("8000")
    page.click("[data-test=onboarding-submit]")
    drawer = page.locator("[data-test=onboarding-drawer]")
    expect(drawer.locator("[data-test=onboarding-status]")).to_have_text("待审批")
    expect(drawer.locator("[data-test=onboarding-four-eyes]")).to_have_text(
        "这是您提交的申请，需由另一位人事或系统管理员审批。"
    )
    expect(drawer.locator("[data-test=onboarding-approve]")).to_have_count(0)
    expect(drawer.locator("[data-test=onboarding-history] .el-timeline-item")).to_have_count(1)
    shoot(page, "onboarding-submitted-desktop")

    other = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    hr_b = other.new_page()
    log_in(hr_b, served.url, HR_B[0], HR_B[1])
    hr_b.goto(f"{served.url}/#/onboarding")
    expect(hr_b.locator("[data-test=onboardings] .el-table__row")).to_have_count(1)
    shoot(hr_b, "onboarding-list-phone")
    hr_b.locator("[data-test=onboardings] .el-table__row", has_text="陈小雨").click()
    hr_b.locator("[data-test=onboarding-drawer] textarea[name=comment]").fill("材料齐全")
    hr_b.click("[data-test=onboarding-approve]")
    result = hr_b.locator("[data-test=onboarding-result]")
    expect(result.locator("[data-test=result-employee]")).to_have_text("E004")
    expect(result.locator("[data-test=result-pin]")).to_have_text("1004")
    code = result.locator("[data-test=result-code]").inner_text()
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){4}", code), code
    welcome = result.locator("textarea[data-test=result-welcome]").input_value()
    assert welcome.startswith("欢迎入职：Shanghai HQ\n陈小雨，欢迎加入！您的入职日期：2026-11-16。")
    assert welcome.endswith(f"激活链接：{served.url}/#/activate?code={code}")
    expect(hr_b.locator("[data-test=onboarding-status]")).to_have_text("已通过")
    shoot(hr_b, "onboarding-approved-phone")
    hr_b.set_viewport_size({"width": 1366, "height": 768})
    shoot(hr_b, "onboarding-approved-desktop")
    other.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    newcomer = phone.new_page()
    newcomer.goto(f"{served.url}/#/activate?code={code}")
    newcomer.fill("input[name=password]", "Chenxiaoyu-2026!")
    newcomer.fill("input[name=confirm]", "Chenxiaoyu-2026!")
    newcomer.get_by_role("button", name="激活并登录").click()
    expect(newcomer).to_have_url(re.compile(r"#/my/payslips$"))
    shoot(newcomer, "onboarding-activated-phone")
    phone.close()
