"""A new hire opens the welcome's link on a phone (375 px): the code is filled in, no employee code is asked, a
password opens the login and lands on their payslips."""

from __future__ import annotations

import re

import pytest
from browser_kit import PHONE, Served, shoot
from playwright.sync_api import Page, expect
from sqlalchemy import select

from gateway.access.users import create_user, issue_welcome_activation
from gateway.store import Employee

pytestmark = pytest.mark.timeout(180)


def test_the_welcome_link_activates_the_login_on_a_phone(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        e003 = session.scalar(select(Employee).where(Employee.code == "E003"))
        assert e003 is not None
        create_user(session, "test", "E003", e003.name, "employee", None, employee=e003)
        code = issue_welcome_activation(session, e003, "test", 14).code
    page.set_viewport_size(PHONE)
    page.goto(f"{served.url}/#/activate?code={code}")
    expect(page.locator(".auth-title")).to_have_text("员工账号激活")
    expect(page.locator("input[name=code]")).to_have_value(code)
    expect(page.locator("input[name=employee]")).to_have_count(0)
    expect(page.locator(".auth-card .muted")).to_have_text(
        "欢迎入职！激活码已填好，请设置登录密码（至少 10 位），之后用工号和密码登录。"
    )
    shoot(page, "activate-welcome-phone")
    page.fill("input[name=password]", "Chenxiaoyu-2026!")
    page.fill("input[name=confirm]", "Chenxiaoyu-2026!")
    page.get_by_role("button", name="激活并登录").click()
    expect(page).to_have_url(re.compile(r"#/my/payslips$"))
    shoot(page, "activate-welcome-done-phone")
