"""An employee's refusal in the screen's language: a leave overlapping one already asked for is refused in
Chinese on the Chinese phone screen, and in English once the screen is switched to English."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from browser_kit import EMPLOYEE, PHONE, Served, log_in, shoot
from playwright.sync_api import Page, expect
from sqlalchemy import select

from gateway.people import requests
from gateway.people.leave_ledger import adjust
from gateway.store import Employee

NOW = datetime(2026, 3, 13, 6, 0)  # Friday 13 March 2026, 14:00 in Shanghai


def _ask_leave(page: Page, first: str, last: str) -> None:
    page.click("[data-test=new-request]")
    form = page.locator("[data-test=request-form]")
    form.locator("[data-test=request-kind] label").first.click()  # 请假 / Leave
    form.locator(".el-select").click()
    page.locator(".el-select-dropdown__item:visible").filter(has_text=re.compile("年假|[Aa]nnual")).click()
    for index, day in enumerate((first, last)):
        field = form.locator(".el-date-editor input").nth(index)
        field.fill(day)
        field.press("Enter")
    form.locator("textarea[name=reason]").fill("回老家探亲")
    form.locator("[data-test=request-submit]").click()


def test_an_overlapping_leave_is_refused_in_the_screens_language(
    page: Page, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: NOW)
    with served.factory() as session, session.begin():
        e001 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        adjust(session, "test", e001, "annual", 2026, 10, "opening balance")
        leave = requests.NewRequest("leave", datetime(2026, 3, 23), datetime(2026, 3, 25), "婚礼", leave_type="annual")
        first = requests.submit(session, "employee:user:E001", e001, leave, NOW.date()).id
    page.set_viewport_size(PHONE)
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    page.goto(f"{served.url}/#/my/requests")
    _ask_leave(page, "2026-03-24", "2026-03-26")
    problem = page.locator("[data-test=request-form] [data-test=request-problem]")
    expect(problem).to_have_text(
        f"与申请 {first}（年假，待审批，2026-03-23 00:00 至 2026-03-25 00:00）时间重叠：请先撤回该申请或另选日期"
    )
    shoot(page, "refusal-zh-phone")

    page.evaluate("window.localStorage.setItem('punchclock.lang', 'en')")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _ask_leave(page, "2026-03-24", "2026-03-26")
    expect(problem).to_have_text(
        f"this overlaps request {first} (annual leave, pending, 2026-03-23 00:00 to 2026-03-25 00:00): withdraw "
        "that one first or choose other days"
    )
    shoot(page, "refusal-en-phone")
