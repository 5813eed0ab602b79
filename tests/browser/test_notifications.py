"""Browser test: an employee's leave is approved → the bell in the header shows 1, and the page the text."""

from __future__ import annotations

import re
from datetime import date, datetime

from browser_kit import EMPLOYEE, PHONE, Served, log_in, shoot
from playwright.sync_api import Page, expect
from sqlalchemy import select

from gateway.people import approvals, requests
from gateway.people.leave_ledger import adjust
from gateway.store import Employee


def test_an_approved_leave_rings_the_employees_bell(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        employee = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        adjust(session, "test", employee, "annual", 2026, 10, "opening balance")
        new = requests.NewRequest(kind="leave", leave_type="annual", starts_at=datetime(2026, 12, 7),
                                  ends_at=datetime(2026, 12, 9), reason="回老家")  # fmt: skip
        row = requests.submit(session, "employee:E001", employee, new, date(2026, 12, 1))
        approvals.decide(session, approvals.Decider("hr:li.na", "hr", None), row.id, True, "同意")
    page.set_viewport_size(PHONE)
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    bell = page.locator("[data-test=bell]")
    expect(bell.locator(".el-badge__content")).to_have_text("1")
    shoot(page, "notifications-bell-phone")
    bell.locator("button").click()
    expect(page).to_have_url(re.compile(r"#/notifications$"))
    card = page.locator("[data-test=notifications] .el-card")
    expect(card).to_have_count(1)
    expect(card.locator("strong")).to_have_text("已批准：您的年假申请")
    expect(card).to_contain_text("Worker E001，您的年假申请（2026-12-07 至 2026-12-08，共 2 天）已批准。审批意见：同意")
    card.click()  # read: the bell goes quiet
    expect(bell.locator(".el-badge__content")).to_be_hidden()
    shoot(page, "notifications-page-phone")
