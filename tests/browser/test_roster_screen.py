"""The 排班 screen: HR opens Shanghai HQ's March 2026 (E001 and 张伟 E003 on the fixed `office` shift, one cell of
E003 on `flex` set beforehand), reads the headcount per shift per day, changes one cell and saves it (the API then
gives the new shift for that employee-day), puts a cell of its own back to the default shift, is refused a save in
a locked month with the reason beside the grid and nothing written, and gets the cell-by-cell report of an
exported sheet edited with a bad shift; pictures at desktop and phone size."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from browser_kit import DESKTOP, HR, MANAGER, PHONE, Served, api_get, log_in, shoot
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, Route, expect

from gateway.access.users import create_user
from gateway.people.departments import assign_employees, create_department
from gateway.people.rosters import CellInput, create_pattern, set_cells
from gateway.store import Employee, PayRun, utcnow

pytestmark = pytest.mark.timeout(240)

HQ = "Shanghai HQ"
MARCH = [f"2026-03-{d:02d}" for d in range(1, 32)]
# March 2026 has no statutory holiday: Monday to Friday are workdays, Sunday the 1st, the 7th, 8th, 14th, 15th,
# 21st, 22nd, 28th and 29th are the weekend. Both HQ employees work `office` on every workday, except E003 on
# `flex` the 2nd.
WEEKEND = {1, 7, 8, 14, 15, 21, 22, 28, 29}
OFFICE = [0 if d in WEEKEND else 2 for d in range(1, 32)]
OFFICE[1] = 1
FLEX = [0] * 31
FLEX[1] = 1


def _roster_page(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        set_cells(session, "test", HQ, [CellInput("E003", dt.date(2026, 3, 2), "flex")])
    log_in(page, served.url, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('排班')")
    page.goto(f"{served.url}/#/roster?office={HQ}&period=2026-03")
    expect(page.locator("[data-test=roster-grid] tbody tr")).to_have_count(2)


def counts(page: Page, shift: str) -> Locator:
    """The headcount row of `shift`, one cell per day: checked with `expect`, which waits for the grid's counts
    (read at once, they were sometimes still the first render's under load)."""
    return page.locator(f"[data-headcount={shift}] td")


def cell(page: Page, employee: str, date: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-test=roster-grid] tr[data-employee={employee}] td[data-date='{date}']")


def test_hr_reads_the_headcount_changes_a_cell_and_saves_it(page: Page, served: Served) -> None:
    _roster_page(page, served)
    expect(page.locator("[data-test=roster-legend]")).to_contain_text("office 09:00–18:00")
    expect(page.locator("[data-test=roster-legend]")).to_contain_text("flex 07:00–21:00")
    expect(counts(page, "office")).to_have_text([str(n) for n in OFFICE])
    expect(counts(page, "flex")).to_have_text([str(n) for n in FLEX])
    expect(cell(page, "E003", MARCH[1])).to_have_text("flex")
    expect(cell(page, "E001", MARCH[6])).to_have_text("休")
    expect(page.locator("[data-test=roster-grid] thead th[data-date='2026-03-07']")).to_contain_text("7周六休")
    shoot(page, "roster-desktop")

    cell(page, "E001", MARCH[6]).click()
    page.locator("[data-test=roster-pick] button[data-shift=office]").click()
    expect(page.locator("[data-test=roster-changes]")).to_have_text("已修改 1 格，尚未保存")
    expect(cell(page, "E001", MARCH[6])).to_have_text("office")
    expect(counts(page, "office").nth(6)).to_have_text("1")  # the foot counts the change before it is saved
    assert api_get(page, served.url, f"/rosters?office={HQ}&period=2026-03")["rows"][0]["cells"][6] is None
    shoot(page, "roster-edited-desktop")
    page.click("[data-test=roster-save]")
    expect(page.locator(".el-message--success")).to_have_text("已保存 1 格排班")
    expect(page.locator("[data-test=roster-changes]")).to_have_text("点击格子选择班次或休，改完后一次保存")
    grid = api_get(page, served.url, f"/rosters?office={HQ}&period=2026-03")
    assert [row["employee"] for row in grid["rows"]] == ["E001", "E003"]
    assert grid["rows"][0]["cells"][6] == "office"
    assert grid["headcount"]["office"] == [*OFFICE[:6], 1, *OFFICE[7:]]
    expect(counts(page, "office")).to_have_text([str(n) for n in grid["headcount"]["office"]])

    page.set_viewport_size(PHONE)
    expect(cell(page, "E001", MARCH[6])).to_have_text("office")
    shoot(page, "roster-phone")
    page.set_viewport_size(DESKTOP)


def test_a_cell_of_its_own_goes_back_to_the_default_shift(page: Page, served: Served) -> None:
    _roster_page(page, served)
    expect(cell(page, "E003", MARCH[1])).to_have_class("roster-cell type-workday editable own")
    expect(cell(page, "E003", MARCH[2])).to_have_class("roster-cell type-workday editable")
    cell(page, "E003", MARCH[2]).click()  # a day without a cell of its own has nothing to go back to
    expect(page.locator("[data-test=roster-pick] button[data-shift=office]")).to_be_visible()
    expect(page.locator("[data-test=roster-pick] button[data-shift=clear]")).to_have_count(0)
    page.keyboard.press("Escape")

    cell(page, "E003", MARCH[1]).click()
    page.locator("[data-test=roster-pick] button[data-shift=clear]").click()
    expect(page.locator("[data-test=roster-changes]")).to_have_text("已修改 1 格，尚未保存")
    shoot(page, "roster-clear-desktop")
    page.click("[data-test=roster-save]")
    expect(page.locator(".el-message--success")).to_have_text("已保存 1 格排班")
    expect(cell(page, "E003", MARCH[1])).to_have_text("office")  # the fixed shift decides the 2nd again
    expect(cell(page, "E003", MARCH[1])).to_have_class("roster-cell type-workday editable")
    row = api_get(page, served.url, f"/rosters?office={HQ}&period=2026-03")["rows"][1]
    assert (row["employee"], row["cells"][1], row["own"]) == ("E003", "office", [False] * 31)


def test_an_answer_for_the_month_first_opened_never_replaces_the_month_asked_for_after_it(
    page: Page, served: Served
) -> None:
    """The menu opens this month of the first office; a link then asks for HQ's March. The first answer is held
    back until March shows and then let through: the grid stays March (it once showed the late answer's month)."""
    held: list[Route] = []
    page.route(
        "**/api/v1/rosters?*",
        lambda route: route.continue_() if "period=2026-03" in route.request.url else held.append(route),
    )
    log_in(page, served.url, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('排班')")
    for _ in range(200):  # the screen asks for its first office and this month once it knows the offices
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1 and "period=2026-03" not in held[0].request.url
    page.goto(f"{served.url}/#/roster?office={HQ}&period=2026-03")
    expect(cell(page, "E001", MARCH[2])).to_have_text("office")
    with page.expect_response(lambda response: response.request == held[0].request):
        held[0].continue_()
    page.wait_for_timeout(300)  # the answer let through would be drawn within a frame or two
    expect(cell(page, "E001", MARCH[2])).to_have_text("office")


def test_a_refused_save_is_shown_beside_the_grid_and_writes_nothing(page: Page, served: Served) -> None:
    _roster_page(page, served)
    with served.factory() as session, session.begin():
        run = PayRun(period="2026-03", scope="all", status="locked", created_at=utcnow(), created_by="hr")
        session.add(run)
        session.flush()
        run_id = run.id
    cell(page, "E001", MARCH[2]).click()
    page.locator("[data-test=roster-pick] button[data-shift='']").click()
    cell(page, "E003", MARCH[3]).click()
    page.locator("[data-test=roster-pick] button[data-shift=flex]").click()
    page.click("[data-test=roster-save]")
    refusal = page.locator("[data-test=roster-refusal]")
    expect(refusal).to_contain_text("排班未保存（输入有误，请检查后重试）")
    expect(refusal).to_contain_text(
        f"2026-03 的工资已由已锁定的工资核算 {run_id} 发放：已锁定的工资月份不能再改排班；"
        "请从下一个未发薪的月份开始排班"
    )
    expect(page.locator("[data-test=roster-changes]")).to_have_text("已修改 2 格，尚未保存")
    expect(page.locator("[data-test=roster-save]")).to_be_enabled()  # the changes stay, to fix and send again
    grid = api_get(page, served.url, f"/rosters?office={HQ}&period=2026-03")
    assert (grid["rows"][0]["cells"][2], grid["rows"][1]["cells"][3]) == ("office", "office")
    shoot(page, "roster-refused-desktop")


def _edited(page: Page, tmp_path: Path, cells: dict[str, str], name: str) -> Path:
    """The month's sheet as 导出 Excel downloads it, with `cells` (e.g. "I4") set as HR would in Excel."""
    with page.expect_download() as download:
        page.click("[data-test=roster-export]")
    exported = tmp_path / "exported.xlsx"
    download.value.save_as(exported)
    book = load_workbook(exported)
    for where, value in cells.items():
        book.worksheets[0][where] = value
    path = tmp_path / name
    book.save(path)
    return path


def test_an_imported_sheet_with_a_bad_cell_is_refused_cell_by_cell_and_a_good_one_is_written(
    page: Page, served: Served, tmp_path: Path
) -> None:
    _roster_page(page, served)
    # row 3 is E001, row 4 E003 (rows 1 and 2: the headers and weekdays); column E is the 1st, so I the 5th, K the 7th
    bad = _edited(page, tmp_path, {"I4": "N2", "K3": "flex"}, "bad.xlsx")
    good = _edited(page, tmp_path, {"K3": "flex"}, "good.xlsx")
    page.click("[data-test=roster-import]")
    dialog = page.locator("[data-test=roster-import-dialog]")
    page.set_input_files("[data-test=roster-upload] input[type=file]", bad)
    dialog.locator("[data-test=roster-import-send]").click()
    report = dialog.locator("[data-test=row-report]")
    expect(report).to_contain_text("表格未导入，共 1 处问题：")
    expect(report.locator("li")).to_have_text(["第 4 行 I 列：班次 'N2' 不存在，可用：office, flex"])
    shoot(page, "roster-import-refused-desktop")
    grid = api_get(page, served.url, f"/rosters?office={HQ}&period=2026-03")
    assert (grid["rows"][0]["cells"][6], grid["rows"][1]["cells"][4]) == (None, "office")  # nothing written

    page.set_input_files("[data-test=roster-upload] input[type=file]", good)
    dialog.locator("[data-test=roster-import-send]").click()
    expect(page.locator(".el-message--success")).to_have_text("已导入 1 格排班")
    expect(cell(page, "E001", MARCH[6])).to_have_text("flex")
    assert api_get(page, served.url, f"/rosters?office={HQ}&period=2026-03")["rows"][0]["cells"][6] == "flex"


def test_bulk_rostering_writes_a_pattern_for_the_chosen_employee(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        cycle = ["office", "office", None, None]
        create_pattern(session, "test", office=HQ, code="2on2off", name="做二休二", cycle=cycle)
    _roster_page(page, served)
    page.click("[data-test=roster-assign]")
    dialog = page.locator("[data-test=roster-assign-dialog]")
    dialog.locator("[data-test=assign-send]").click()
    expect(dialog.locator("[data-test=assign-problem]")).to_have_text("请选择排班规律")
    page.locator("[data-test=assign-pattern]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="做二休二").click()
    expect(dialog.locator("[data-test=assign-cycle]")).to_have_text("4 天一轮：office → office → 休 → 休")
    page.locator("[data-test=assign-employees]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="E001").click()
    dialog.locator("[data-test=assign-cycle]").click()  # close the list
    shoot(page, "roster-assign-desktop")
    dialog.locator("[data-test=assign-send]").click()
    expect(page.locator(".el-message--success")).to_have_text("已排 31 格")
    # the month's defaults: the pattern's day 1 is 1 March, written 1..31 March — on, on, off, off from the 1st
    pattern = ["office" if (d - 1) % 4 < 2 else None for d in range(1, 32)]
    grid = api_get(page, served.url, f"/rosters?office={HQ}&period=2026-03")
    assert grid["rows"][0]["cells"] == pattern
    expect(cell(page, "E001", MARCH[2])).to_have_text("休")
    expect(cell(page, "E001", MARCH[6])).to_have_text("休")
    expect(cell(page, "E001", MARCH[8])).to_have_text("office")


def test_a_manager_reads_the_rows_of_their_department_without_editing(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        boss = Employee(code="E010", name="赵磊", office_id=1, pay_basis="monthly", monthly_salary_fen=900_000,
                        special_deductions_fen=0)  # fmt: skip
        session.add(boss)
        session.flush()
        create_department(session, "test", office=HQ, code="SH-OPS", name="运营部", manager="E010")
        assign_employees(session, "test", "SH-OPS", ["E001", "E010"])
        create_user(session, "test", MANAGER.username, MANAGER.display_name, "manager", MANAGER.password,
                    employee=boss)  # fmt: skip
    log_in(page, served.url, MANAGER.username, MANAGER.password)
    page.click("[data-test=menu] .el-menu-item:has-text('排班')")
    page.goto(f"{served.url}/#/roster?office={HQ}&period=2026-03")
    rows = page.locator("[data-test=roster-grid] tbody tr")
    expect(rows).to_have_count(1)  # E001 of 运营部; not 张伟 (no department), not the manager himself
    expect(rows.first).to_contain_text("E001Worker E001SH-OPS")
    expect(counts(page, "office")).to_have_text([str(0 if d in WEEKEND else 1) for d in range(1, 32)])
    expect(page.locator("[data-test=roster-save]")).to_have_count(0)
    expect(page.locator("[data-test=roster-export]")).to_have_count(0)
    cell(page, "E001", MARCH[6]).click()
    expect(page.locator("[data-test=roster-pick]")).to_be_hidden()
    shoot(page, "roster-manager-desktop")
