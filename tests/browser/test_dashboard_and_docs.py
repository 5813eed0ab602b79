"""The dashboard draws its figures (canvases present, every chart's series equal to the API's numbers, the
36-hour overtime limit as a mark line, terminal flags), and /docs and /redoc render with no network at all
(every request off 127.0.0.1 is refused by the `offline` fixture, and none may be attempted)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_kit import HR, PHONE, Served, api_get, log_in, shoot
from playwright.sync_api import Page, expect

from gateway.pay.payrun import run_payroll

pytestmark = pytest.mark.timeout(180)

ECHARTS = "/web/vendor/echarts@6.1.0/echarts.esm.min.mjs"


def chart_options(page: Page) -> dict[str, Any]:
    """Each chart's option as ECharts holds it (the page's own echarts module, so its own instances)."""
    return page.evaluate(
        """async (url) => {
            const echarts = await import(url);
            const out = {};
            for (const el of document.querySelectorAll('[data-chart]')) {
                const option = echarts.getInstanceByDom(el).getOption();
                out[el.dataset.chart] = {
                    canvases: el.querySelectorAll('canvas').length,
                    months: option.xAxis[0].data,
                    series: option.series.map((s) => ({
                        name: s.name,
                        values: s.data.map((d) => d.value),
                        raw: s.data.map((d) => d.raw),
                        markLine: s.markLine ? s.markLine.data.map((d) => d.yAxis) : null,
                    })),
                };
            }
            return out;
        }""",
        ECHARTS,
    )


def test_the_dashboard_charts_hold_the_apis_figures(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():  # the trends are those of computed pay months
        run_payroll(session, "2026-03", "Shanghai HQ", "test")
    log_in(page, served.url, HR.username, HR.password)
    expect(page.locator("[data-chart] canvas")).to_have_count(5)
    data = api_get(page, served.url, "/dashboard")
    trends = data["trends"]
    assert trends["months"] and trends["offices"]
    charts = chart_options(page)
    assert sorted(charts) == ["absence-rate", "headcount", "late-rate", "overtime", "pay"]
    for chart in charts.values():
        assert chart["canvases"] >= 1
        assert chart["months"] == trends["months"]
    offices = trends["offices"]
    by_office = {
        "late-rate": ("late_rate_bp", lambda bp: bp / 100),
        "absence-rate": ("absence_rate_bp", lambda bp: bp / 100),
        "overtime": ("ot_minutes_per_employee", lambda minutes: minutes / 60),
        "headcount": ("headcount", lambda n: n),
    }
    for name, (field, convert) in by_office.items():
        got = [(s["name"], s["values"], s["raw"]) for s in charts[name]["series"]]
        assert got == [(o["office"], [convert(v) for v in o[field]], o[field]) for o in offices], name
    assert charts["overtime"]["series"][0]["markLine"] == [trends["ot_limit_minutes"] / 60]  # 36 hours
    pay = [(s["name"], s["raw"]) for s in charts["pay"]["series"]]
    assert pay == [
        pair
        for o in offices
        for pair in ((f"{o['office']} 应发", o["gross_fen"]), (f"{o['office']} 实发", o["net_fen"]))
    ]
    assert [s["values"] for s in charts["pay"]["series"]][0] == [fen / 100 for fen in offices[0]["gross_fen"]]

    for office in data["offices"]:
        card = page.locator(f"[data-office='{office['office']}']")
        shown = ["headcount", "present", "late", "absent", "missing_punch"]
        if office["on_leave"] is not None:
            shown.append("on_leave")
        expect(card.locator(".today-value")).to_have_text([str(office[k]) for k in shown])
    terminals = page.locator("[data-test=terminals] .el-table__row")
    expect(terminals).to_have_count(len(data["terminals"]))
    drift = next(t for t in data["terminals"] if any(p["code"] == "clock_drift" for p in t["problems"]))
    row = terminals.filter(has_text=drift["name"])
    expect(row.locator("[data-problem=clock_drift]")).to_contain_text("时钟偏差过大")
    hours = next(p["clock_offset_s"] for p in drift["problems"] if p["code"] == "clock_drift") // 3600
    expect(row.locator(".problem-offset")).to_have_text(f"偏差 +{hours} 小时")
    assert drift["state"] in ("warning", "failing"), "a terminal whose clock is off is flagged, not ok"
    state_text = {"warning": "需注意", "failing": "故障"}[drift["state"]]
    expect(row.locator(f"[data-state='{drift['state']}']")).to_have_text(state_text)
    shoot(page, "dashboard-desktop")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    shoot(page, "dashboard-phone")


def test_a_dashboard_without_pay_months_says_so_instead_of_empty_charts(page: Page, served: Served) -> None:
    page.route("**/api/v1/dashboard", lambda route: route.fulfill(json=_without_trends(route)))
    log_in(page, served.url, HR.username, HR.password)
    expect(page.locator("[data-test=no-trends]")).to_contain_text("还没有已计算的工资月份")
    expect(page.locator("[data-chart]")).to_have_count(0)


def _without_trends(route: Any) -> Any:
    body = route.fetch().json()
    body["trends"] = {"months": [], "ot_limit_minutes": body["trends"]["ot_limit_minutes"], "offices": []}
    return body


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".swagger-ui .info .title"), ("/redoc", ".api-content h1")])
def test_api_docs_render_without_internet(page: Page, served: Served, path: str, rendered: str) -> None:
    page.goto(f"{served.url}{path}")
    expect(page.locator(rendered)).to_contain_text("punchclock")
    if path == "/docs":
        expect(page.locator(".opblock-tag-section").first).to_be_visible()
        assert re.search(r"/web/vendor/swagger-ui-dist@[\d.]+/swagger-ui-bundle.js", page.content())
    shoot(page, f"api{path.replace('/', '-')}-desktop")
