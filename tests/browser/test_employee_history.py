"""HR adds a dated raise in the employee drawer's 变更记录 tab: the history shows the day, the field, old → new,
who and why; the API has the record; a change with nothing to change is stopped in the page."""

from __future__ import annotations

import pytest
from browser_kit import HR, Served, api_get, log_in, shoot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.timeout(240)


def test_hr_adds_a_dated_raise_and_sees_the_history(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('员工')")
    page.click("[data-test=employee-create]")
    drawer = page.locator("[data-test=employee-drawer]")
    drawer.locator("input[name=code]").fill("E031")
    drawer.locator("input[name=name]").fill("王芳")
    drawer.locator("input[name=salary]").fill("9000")
    drawer.locator("[data-test=employee-save]").click()
    expect(page.locator(".el-message--success")).to_have_text("已新增员工 王芳，可继续填写银行账户和工卡")
    drawer.locator(".el-tabs__item:has-text('变更记录')").click()
    history = drawer.locator("[data-test=employee-history]")
    expect(history.locator("[data-test=terms-table]")).to_contain_text("9,000.00")
    history.locator("input[name=effective_from]").fill("2026-03-16")
    history.locator("input[name=effective_from]").press("Enter")
    history.locator("[data-test=terms-add]").click()
    expect(history.locator("[data-test=terms-problem]")).to_contain_text("请填写变更原因")
    history.locator("input[name=reason]").fill("2026 年度调薪")
    history.locator("[data-test=terms-add]").click()
    expect(history.locator("[data-test=terms-problem]")).to_contain_text("请至少填写一项变更内容")
    history.locator("input[name=monthly_salary_fen]").fill("9500")
    history.locator("[data-test=terms-add]").click()
    expect(page.locator(".el-message--success").last).to_have_text("变更已保存，自 2026-03-16 起生效")
    raise_row = history.locator("[data-test=terms-table] .el-table__body tr").last
    expect(raise_row).to_contain_text("2026-03-16")
    expect(raise_row).to_contain_text("月薪")
    expect(raise_row).to_contain_text("9,000.00 → 9,500.00")
    expect(raise_row).to_contain_text(HR.username)
    expect(raise_row).to_contain_text("2026 年度调薪")
    records = api_get(page, served.url, "/employees/E031/history")["records"]
    assert [(r["effective_from"], r["values"].get("monthly_salary_fen")) for r in records] == [
        ("2000-01-01", 900000),
        ("2026-03-16", 950000),
    ]
    drawer.locator(".el-drawer__body").evaluate("body => body.scrollTo(0, 0)")  # the history, not the form
    shoot(page, "employee-history-desktop")
