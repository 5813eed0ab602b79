"""Departments on the HR screens: HR creates a department, puts an employee in it from the employee drawer, the
list shows and filters by it, and the API agrees; pictures at desktop and phone size."""

from __future__ import annotations

import pytest
from browser_kit import DESKTOP, HR, PHONE, Served, api_get, log_in, shoot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.timeout(240)


def choose(page: Page, select: str, label: str) -> None:
    page.locator(select).click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()


def test_hr_creates_a_department_and_moves_an_employee_into_it_from_the_drawer(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('部门')")
    page.click("[data-test=department-create]")
    dialog = page.locator("[data-test=department-dialog]")
    choose(page, "[data-test=department-office]", "Shanghai HQ")
    dialog.locator("input[name=department_code]").fill("SH-OPS")
    dialog.locator("input[name=department_name]").fill("运营部")
    dialog.locator("[data-test=department-save]").click()
    expect(page.locator(".el-message--success")).to_have_text("部门“运营部”已保存")
    tree = page.locator("[data-test='departments-Shanghai HQ'] .el-table__body tr")
    expect(tree).to_have_count(1)
    expect(tree.first).to_contain_text("运营部SH-OPS未设负责人0")
    shoot(page, "departments-desktop")

    page.click("[data-test=menu] .el-menu-item:has-text('员工')")
    page.locator("[data-test=employees] .el-table__body tr", has_text="E001").locator("button:has-text('编辑')").click()
    drawer = page.locator("[data-test=employee-drawer]")
    choose(page, "[data-test=employee-department]", "运营部")
    drawer.locator("[data-test=employee-save]").click()
    expect(page.locator(".el-message--success").last).to_contain_text("E001")
    # the department is saved after the record, by its own request: wait for it rather than for the toast
    for _ in range(100):
        stored = api_get(page, served.url, "/employees/E001")
        if stored["department"] is not None:
            break
        page.wait_for_timeout(100)
    assert (stored["department"], stored["department_name"]) == ("SH-OPS", "运营部")
    expect(drawer.locator("[data-test=department-problem]")).to_have_count(0)
    drawer.locator(".el-drawer__close-btn").click()

    choose(page, "[data-test=filter-department]", "运营部")
    page.click("[data-test=employees-search]")
    rows = page.locator("[data-test=employees] .el-table__body tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E001Worker E001Shanghai HQ运营部")
    shoot(page, "employees-by-department-desktop")
    assert [d["members"] for d in api_get(page, served.url, "/departments") if d["code"] == "SH-OPS"] == [1]

    page.set_viewport_size(PHONE)
    expect(page.locator("[data-test=employees] .line-card")).to_contain_text(["Shanghai HQ · 运营部"])
    shoot(page, "employees-by-department-phone")
    page.goto(f"{served.url}/#/departments")
    expect(page.locator("[data-test='departments-Shanghai HQ'] .el-table__body tr").first).to_contain_text("1")
    shoot(page, "departments-phone")
    page.set_viewport_size(DESKTOP)
