"""HR sets a badge's card number and device privilege in the employee drawer, and the API has them; the
drawer lists where the badge is on the terminals (none yet)."""

from __future__ import annotations

import pytest
from browser_kit import HR, Served, api_get, log_in, shoot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.timeout(240)


def test_hr_sets_a_card_and_privilege_in_the_drawer(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('员工')")
    page.click("[data-test=employee-create]")
    drawer = page.locator("[data-test=employee-drawer]")
    drawer.locator("input[name=code]").fill("E021")
    drawer.locator("input[name=name]").fill("周杰")
    drawer.locator("input[name=salary]").fill("6000")
    drawer.locator("[data-test=employee-save]").click()
    expect(page.locator(".el-message--success")).to_have_text("已新增员工 周杰，可继续填写银行账户和工卡")
    drawer.locator(".el-tabs__item:has-text('工卡')").click()
    drawer.locator("input[name=pin]").fill("2021")
    drawer.locator("[data-test=badge-add]").click()
    expect(drawer.locator("[data-test=badges] .el-table__body tr")).to_have_count(1)
    expect(drawer.locator("[data-test=terminal-access]")).to_contain_text("尚未写入任何考勤机")
    row = drawer.locator("[data-test=badges] .el-table__body tr").first
    row.locator("input[name=badge_card]").fill("12AB")
    row.locator("[data-test=badge-save]").click()
    expect(page.locator(".el-message--error").last).to_have_text("卡号只能是数字，最多 10 位")
    row.locator("input[name=badge_card]").fill("0012345678")
    row.locator("[data-test=badge-privilege]").click()
    page.locator(".el-select-dropdown__item:visible:has-text('管理员')").click()
    row.locator("[data-test=badge-save]").click()
    expect(page.locator(".el-message--success").last).to_have_text(
        "已保存工卡 2021 的卡号和设备权限，下次用户同步时写入考勤机"
    )
    expect(row.locator("input[name=badge_card]")).to_have_value("12345678")
    [badge] = api_get(page, served.url, "/employees/E021")["badges"]
    assert (badge["pin"], badge["card"], badge["device_privilege"]) == ("2021", "12345678", "admin")
    shoot(page, "employee-badge-card-desktop")
