"""The HR back-office screens (employees, terminals, quarantine, punches and corrections, piece counts, audit
log, users and tokens) at 1366×768 and 375×812, each photographed (tests/artifacts/screenshots/) and checked
to show its title and to log no error in the console; a viewer sees them without a write button."""

from __future__ import annotations

import pytest
from browser_kit import (
    ADMIN,
    ADMIN_MENU,
    DESKTOP,
    HR,
    HR_MENU,
    PHONE,
    VIEWER,
    VIEWER_MENU,
    Served,
    log_in,
    menu_entries,
    shoot,
)
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = pytest.mark.timeout(240)

HR_SCREENS = [
    ("employees", "/employees", "员工"),
    ("terminals", "/terminals", "考勤机"),
    ("quarantine", "/quarantine", "待处理打卡"),
    ("punches", "/punches?employee=E001&period=2026-03", "打卡与补卡"),
    ("pieces", "/pieces", "计件"),
    ("audit", "/audit", "审计日志"),
]
# Every write button of these screens, by its data-test name: none may show to a viewer.
WRITE_BUTTONS = [
    "employee-create", "employees-import", "activation", "terminal-add", "terminal-sync", "refused-add",
    "map-selected", "map-one", "piece-upload", "batch-delete", "correction-form",
]  # fmt: skip


def console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error" and "401" not in message.text:  # the first GET /session of a new browser
            errors.append(message.text)

    page.on("console", keep)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def tour(page: Page, base: str, screens: list[tuple[str, str, str]], prefix: str = "") -> None:
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        for name, path, title in screens:
            page.goto(f"{base}/#{path}")
            expect(page.locator(".page-title").first).to_have_text(title)
            page.wait_for_load_state("networkidle")
            shoot(page, f"{prefix}{name}-{size}")


def test_every_hr_screen_at_desktop_and_phone_sizes(page: Page, served: Served) -> None:
    errors = console_errors(page)
    log_in(page, served.url, HR.username, HR.password)
    assert menu_entries(page) == HR_MENU
    tour(page, served.url, HR_SCREENS)
    page.context.clear_cookies()
    page.reload()  # the page forgets the HR login it held
    page.set_viewport_size(DESKTOP)
    log_in(page, served.url, ADMIN.username, ADMIN.password)
    assert menu_entries(page) == ADMIN_MENU
    tour(page, served.url, [("users", "/users", "用户与令牌")])
    assert errors == []


def test_a_viewer_sees_the_screens_without_write_buttons(page: Page, served: Served) -> None:
    errors = console_errors(page)
    log_in(page, served.url, VIEWER.username, VIEWER.password)
    assert menu_entries(page) == VIEWER_MENU
    for name, path, title in HR_SCREENS[:-1]:
        page.goto(f"{served.url}/#{path}")
        expect(page.locator(".page-title").first).to_have_text(title)
        page.wait_for_load_state("networkidle")
        for button in WRITE_BUTTONS:
            expect(page.locator(f"[data-test={button}]")).to_have_count(0)
        shoot(page, f"viewer-{name}-desktop")
    page.goto(f"{served.url}/#/punches?employee=E001&period=2026-03")
    page.click("[data-day='2026-03-02']")
    expect(page.locator("[data-test=day-status]")).to_be_visible()
    expect(page.locator("[data-test=correction-form]")).to_have_count(0)
    page.goto(f"{served.url}/#/audit")  # the API keeps the audit log from viewers: so does the page
    expect(page.locator(".el-message--error")).to_have_text("您没有权限访问该页面，已返回首页")
    assert errors == []
