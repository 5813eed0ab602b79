"""The HR page: served without a token, its pay sections present, and its formatting exact.

The page's pure functions live in `api/web/format.js` with no DOM, so they run here under Node (skipped,
with the reason, where Node is missing): money must come out as the same yuan text as the exports, for
every integer fen, without a float ever touching it.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import WEB_DIR
from payroll_core.money import fen_to_yuan

ASSETS = {
    "/web/format.js": "javascript",
    "/web/pay.js": "javascript",
    "/web/app.js": "javascript",
    "/web/style.css": "text/css",
}
PAY_IDS = {
    "pay-runs",
    "payrun-form",
    "payruns",
    "offices",
    "payrun-changes",
    "payrun-changes-title",
    "payslips-section",
    "payslip-filter",
    "payslips",
    "payslip-detail",
    "payslip-title",
    "payslip-attendance",
    "payslip-lines",
    "error",
}
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the page's JavaScript cannot run here")


class _Page(HTMLParser):
    """Element ids and script sources of index.html, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if named.get("id"):
            self.ids.append(str(named["id"]))
        if tag == "script" and named.get("src"):
            self.scripts.append(str(named["src"]))


def parse_page() -> _Page:
    page = _Page()
    page.feed((WEB_DIR / "index.html").read_text(encoding="utf-8"))
    return page


def run_js(body: str, payload: Any) -> Any:
    """Run `body` under Node with format.js's exports in scope as `f` and `payload` as `input`; return `output`."""
    script = (
        "const f = require(process.argv[1]);"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        f"let output; {body}; process.stdout.write(JSON.stringify(output));"
    )
    assert NODE is not None
    done = subprocess.run(
        [NODE, "-e", script, str(WEB_DIR / "format.js")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_page_and_its_assets_are_served_without_a_token(client: TestClient) -> None:
    page = client.get("/")
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    for path, media in ASSETS.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert media in response.headers["content-type"], (path, response.headers["content-type"])
        assert response.text == (WEB_DIR / path.removeprefix("/web/")).read_text(encoding="utf-8")


def test_page_has_the_pay_sections_and_loads_its_scripts_in_order() -> None:
    page = parse_page()
    assert PAY_IDS - set(page.ids) == set()
    assert len(page.ids) == len(set(page.ids)), "an id is used twice"
    # format.js and pay.js only define functions; app.js starts the page, so it comes last.
    assert page.scripts == ["/web/format.js", "/web/pay.js", "/web/app.js"]


def test_every_element_the_scripts_look_up_exists() -> None:
    """A renamed id in index.html would otherwise break a section only when someone clicks it."""
    ids = set(parse_page().ids)
    wanted = set()
    for script in ("pay.js", "app.js"):
        text = (WEB_DIR / script).read_text(encoding="utf-8")
        wanted |= set(re.findall(r'getElementById\("([^"]+)"\)', text))
        wanted |= set(re.findall(r'querySelector\("#([\w-]+)', text))
    assert len(wanted) >= 20
    assert wanted - ids == set()


@needs_node
def test_yuan_is_the_exports_text_for_every_integer_fen() -> None:
    edges = [
        0,
        1,
        -1,
        5,
        -5,
        99,
        100,
        -100,
        101,
        29,
        1234567,
        -99310,
        78292233,
        10**13,
        -(10**13),
        2**53 - 1,
        -(2**53 - 1),
        2**53,
        2**53 + 1,
        2**63 - 1,
        -(2**63),
    ]
    rng = random.Random(20261123)
    values = (
        edges
        + [rng.randint(-(2**63), 2**63 - 1) for _ in range(500)]
        + [rng.randint(-(10**9), 10**9) for _ in range(500)]
    )
    safe = [v for v in values if abs(v) <= 2**53 - 1]
    got = run_js(
        "output = {big: input.big.map((v) => f.yuan(BigInt(v))), num: input.num.map(f.yuan)}",
        {"big": [str(v) for v in values], "num": safe},
    )
    assert got["big"] == [fen_to_yuan(v) for v in values]
    assert got["num"] == [fen_to_yuan(v) for v in safe]
    assert got["big"][:6] == ["0.00", "0.01", "-0.01", "0.05", "-0.05", "0.99"]


@needs_node
def test_yuan_refuses_what_is_not_an_exact_integer() -> None:
    got = run_js(
        "output = input.map((v) => { try { return f.yuan(v); } catch (e) { return `${e.name}: ${e.message}`; } })",
        [1.5, 2**53, "100", None],
    )
    assert got == [
        "RangeError: not an exact integer number of fen: 1.5",
        "RangeError: not an exact integer number of fen: 9007199254740992",
        "TypeError: fen must be an integer number, got string: 100",
        "TypeError: fen must be an integer number, got object: null",
    ]


@needs_node
def test_payslip_quantities_show_money_in_yuan_under_their_name() -> None:
    quantities = {
        "monthly_salary_fen": 2160000,
        "absent_days": 1,
        "multiplier": "1.5",
        "base_fen": -5,
        "contribution_from": "2026-07",
        "missing": None,
    }
    assert run_js("output = f.quantitiesText(input)", quantities) == (
        "monthly_salary 21600.00 · absent_days 1 · multiplier 1.5 · base -0.05 · contribution_from 2026-07 · missing —"
    )


@needs_node
def test_api_problems_become_title_status_and_detail(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    refused = client.post("/api/v1/payruns", json={"period": "2026-03", "scope": "Nowhere"}, headers=as_role("hr"))
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["detail"].startswith("scope 'Nowhere' is neither 'all' nor an office name")
    got = run_js(
        "output = input.map(([status, body]) => f.problemText(status, body))",
        [
            [422, problem],
            [409, {"title": "Conflicts with the current state", "status": 409}],
            [502, None],
            [504, "<html>Gateway Timeout</html>"],
        ],
    )
    fallback = "the server answered without a problem description (is a proxy in the way?)"
    assert got == [
        f"Invalid request (422): {problem['detail']}",
        "Conflicts with the current state (409)",
        f"HTTP 502: {fallback}",
        f"HTTP 504: {fallback}",
    ]
