"""The web app's files: served without a login, every vendored file as `tools/vendor-web.sh` made it, one
message catalogue per language with the same keys and every key a component uses, no literal text in a
component, and the one formatting module exact.

The pure modules (`format.js`, `explain.js`, the catalogues) run here under Node (skipped, with the reason,
where Node is missing): money must come out as the exports' yuan with thousands separators for every integer
fen, without a float ever touching it, and a payslip's explanations must carry the line's own amounts.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import subprocess
import textwrap
import typing
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import WEB_DIR
from api.routes.attendance import EmployeeAttendance
from api.routes.payruns import PayRunStatus
from gateway.access.users import USER_ROLES
from gateway.pay.lock_checks import WARNING_CODES
from payroll_core.cases import load_cases, result_of
from payroll_core.columns import INPUT_COLUMNS, OUTPUT_COLUMNS
from payroll_core.lines import build_lines
from payroll_core.money import fen_to_yuan
from payroll_core.rules import CONTRIBUTION_ITEMS

VENDOR = WEB_DIR / "vendor"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the page's JavaScript cannot run here")
# Modules that hold the interface's text (catalogues) or none at all (pure logic): the rest must not hold any.
CATALOGUES = ("locales/zh-CN.js", "locales/en.js")
TEXT_ATTRIBUTES = {
    "label", "title", "placeholder", "description", "content", "text", "alt", "aria-label",
    "confirm-button-text", "cancel-button-text", "empty-text", "inactive-text", "active-text",
}  # fmt: skip
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def web_modules() -> list[Path]:
    return sorted(p for p in WEB_DIR.rglob("*.js") if VENDOR not in p.parents)


def component_modules() -> list[Path]:
    return sorted(p for p in web_modules() if p.relative_to(WEB_DIR).as_posix() not in CATALOGUES)


def run_node(script: str, payload: Any = None) -> Any:
    """Run an ES module `script` with `input` = payload and `web` = the web folder's file URL; print `output`."""
    assert NODE is not None
    prelude = f"const web = {json.dumps(WEB_DIR.as_uri())};\nconst input = JSON.parse(process.argv[1]);\n"
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", prelude + script + "\nprocess.stdout.write(JSON.stringify(output));",
         json.dumps(payload)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def catalogues() -> dict[str, dict[str, Any]]:
    return run_node(
        "const zh = (await import(`${web}/locales/zh-CN.js`)).default;"
        "const en = (await import(`${web}/locales/en.js`)).default;"
        "const output = {zh, en};"
    )


def flat(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out |= flat(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            out |= {f"{prefix}{key}.{i}": item for i, item in enumerate(value)}
        else:
            out[f"{prefix}{key}"] = value
    return out


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.importmap = ""
        self.in_map = False
        self.links: list[str] = []
        self.module: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.in_map = tag == "script" and named.get("type") == "importmap"
        if tag == "script" and named.get("type") == "module":
            self.module = named.get("src")
        if tag == "link" and named.get("rel") == "stylesheet":
            self.links.append(str(named["href"]))

    def handle_data(self, data: str) -> None:
        if self.in_map:
            self.importmap += data


def parse_index() -> _Page:
    page = _Page()
    page.feed((WEB_DIR / "index.html").read_text(encoding="utf-8"))
    return page


def test_the_app_and_every_file_it_loads_are_served_without_a_login(client: TestClient) -> None:
    page = client.get("/")
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    index = parse_index()
    imports = json.loads(index.importmap)["imports"]
    assert sorted(imports) == [
        "@element-plus/icons-vue", "echarts", "element-plus", "element-plus/locale/en", "element-plus/locale/zh-cn",
        "vue", "vue-i18n", "vue-router",
    ]  # fmt: skip
    assert index.module == "/web/main.js"
    wanted = {*imports.values(), *index.links, index.module}
    wanted |= {f"/web/{p.relative_to(WEB_DIR).as_posix()}" for p in web_modules()}
    for path in sorted(wanted):
        response = client.get(path)
        assert response.status_code == 200, path
        kind = "text/css" if path.endswith(".css") else "javascript"
        assert kind in response.headers["content-type"], (path, response.headers["content-type"])
        assert response.content == (WEB_DIR / path.removeprefix("/web/")).read_bytes()


def test_relative_imports_of_the_web_modules_name_files_that_exist() -> None:
    """A renamed module would otherwise break a screen only when someone opens it."""
    found = 0
    for module in web_modules():
        for target in re.findall(r'^import .*? from "(\.{1,2}/[^"]+)";$', module.read_text(encoding="utf-8"), re.M):
            found += 1
            assert (module.parent / target).resolve().is_file(), (module, target)
    assert found > 40


def test_vendored_files_are_exactly_what_the_vendor_script_fetched() -> None:
    listed = {}
    for line in (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file() and p.parent != VENDOR}
    assert present == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    folders = sorted({name.split("/")[0] for name in listed})
    assert all(f"{folder}/LICENSE" in listed for folder in folders)
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    script = (Path(__file__).parents[2] / "tools" / "vendor-web.sh").read_text(encoding="utf-8")
    for folder in folders:
        assert f"`{folder}`" in readme, folder
        assert f"|{folder}|" in script, folder


@needs_node
def test_both_catalogues_hold_the_same_keys_and_every_key_the_app_uses() -> None:
    books = catalogues()
    zh, en = flat(books["zh"]), flat(books["en"])
    assert sorted(set(zh) ^ set(en)) == []
    assert all(isinstance(v, str) and v.strip() for v in [*zh.values(), *en.values()])
    # vue-i18n's message syntax: "{name}" is a value, "@" starts a linked message and "|" a plural form.
    unsafe = {k: v for k, v in [*zh.items(), *en.items()] if re.search(r"[@|{}]", re.sub(r"\{\w+\}", "", v))}
    assert unsafe == {}
    for key in zh:
        assert set(re.findall(r"\{(\w+)\}", zh[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key
    used: set[str] = set()
    for module in component_modules():
        keys = re.findall(r"""\$?\bte?\(\s*["'`]([\w.-]+)["'`]""", module.read_text(encoding="utf-8"))
        used |= {key for key in keys if not key.endswith(".")}  # "status." + status: listed below
    assert len(used) > 150
    # Keys built at run time: every value the API can send has its label.
    lines = {"BASE_PAY", "ABSENCE", "LATE", "PIECE", "ALLOWANCES", "NIGHT_ALLOWANCE", "ANNUAL_LEAVE_PAY",
             "MIN_WAGE_TOP_UP", "GROSS", "IIT", "NET", "BONUS", "BONUS_TAX", "SEVERANCE", "SEVERANCE_TAX",
             "DAMAGES", "HOUSING_FUND_TAX"}  # fmt: skip
    lines |= {f"OT_{kind}" for kind in ("WORKDAY", "RESTDAY", "HOLIDAY")}
    lines |= {f"{item.upper()}_{side}" for item in CONTRIBUTION_ITEMS for side in ("EMPLOYEE", "EMPLOYER")}
    lines_code = (Path(__file__).parents[2] / "payroll_core" / "lines.py").read_text(encoding="utf-8")
    assert set(re.findall(r'^\s+"([A-Z_]+)",$', lines_code, re.M)) <= lines
    used |= {f"lines.{code}" for code in lines}
    used |= {f"explain.otKind.OT_{kind}" for kind in ("WORKDAY", "RESTDAY", "HOLIDAY")}
    used |= {f"warnings.{code}.{part}" for code in WARNING_CODES for part in ("title", "hint")}
    used |= {f"figures.{column}" for column in OUTPUT_COLUMNS}
    used |= {
        f"attendance.{field}"
        for field in EmployeeAttendance.model_fields
        if field.endswith(("_days", "_minutes", "_punches"))
    }
    used |= {f"status.{status}" for status in typing.get_args(PayRunStatus)}
    used |= {f"user.role.{role}" for role in USER_ROLES}
    used |= {f"terminal.state.{s}" for s in ("ok", "warning", "failing", "never_polled")}
    used |= {f"terminal.problem.{p}" for p in ("unreachable", "wrong_comm_key", "clock_drift", "not_read_recently")}
    used |= {f"my.weekday.{day}" for day in range(7)}
    kinds = (WEB_DIR / "api" / "http.js").read_text(encoding="utf-8").split("export function errorKind")[1]
    errors = re.findall(r'"(\w+)"', kinds.split("\n}\n")[0])
    used |= {f"errors.{kind}" for kind in errors if kind[0].islower()}
    assert sorted(used - set(zh)) == []
    assert "errors.csrf" in used and "lines.HOUSING_FUND_EMPLOYEE" in used


class _Template(HTMLParser):
    """Text and text attributes of a component template that are literal (not bound, not interpolated)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.literals: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and re.search(r"[^\W\d_]", value):
                self.literals.append(f'{tag} {name}="{value}"')

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\{\{.*?\}\}", "", data, flags=re.S)
        if re.search(r"[^\W\d_]", text):
            self.literals.append(text.strip())


def literals_of(module: Path) -> list[str]:
    source = module.read_text(encoding="utf-8")
    found = [f"CJK {m.group()!r}" for m in CJK.finditer(re.sub(r"^\s*//.*$", "", source, flags=re.M))]
    for template in re.findall(r"template: `(.*?)`", source, re.S):
        parser = _Template()
        parser.feed(template)
        found += parser.literals
    return found


def test_components_hold_no_literal_text() -> None:
    templates = [m for m in component_modules() if "template: `" in m.read_text(encoding="utf-8")]
    assert len(templates) >= 15
    assert {m.name: literals_of(m) for m in component_modules() if literals_of(m)} == {}


def test_the_literal_check_finds_text_in_a_template(tmp_path: Path) -> None:
    module = tmp_path / "Bad.js"
    module.write_text(
        'export default { template: `<el-button title="Save">{{ $t("a") }} 保存</el-button>'
        '<el-table-column label="Name" :label="x" /><span>{{ n }} · 42</span>` };',
        encoding="utf-8",
    )
    assert literals_of(module) == [
        "CJK '保'",
        "CJK '存'",
        'el-button title="Save"',
        "保存",
        'el-table-column label="Name"',
    ]


def pythons_yuan(fen: int) -> str:
    text = fen_to_yuan(fen)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, cents = digits.split(".")
    return f"{sign}{int(whole):,}.{cents}"


@needs_node
def test_yuan_is_the_exports_text_with_separators_for_every_integer_fen() -> None:
    edges = [0, 1, -1, 5, -5, 99, 100, -100, 101, 29, 99999, 100000, 1234567, -1234567, -99310, 78292233,
             10**13, -(10**13), 2**53 - 1, -(2**53 - 1), 2**53, 2**53 + 1, 2**63 - 1, -(2**63)]  # fmt: skip
    rng = random.Random(20261123)
    values = (
        edges
        + [rng.randint(-(2**63), 2**63 - 1) for _ in range(500)]
        + [rng.randint(-(10**9), 10**9) for _ in range(500)]
    )
    safe = [v for v in values if abs(v) <= 2**53 - 1]
    got = run_node(
        "const f = await import(`${web}/format.js`);"
        "const output = {big: input.big.map((v) => f.yuan(BigInt(v))), num: input.num.map(f.yuan)};",
        {"big": [str(v) for v in values], "num": safe},
    )
    assert got["big"] == [pythons_yuan(v) for v in values]
    assert got["num"] == [pythons_yuan(v) for v in safe]
    assert got["big"][:10] == ["0.00", "0.01", "-0.01", "0.05", "-0.05", "0.99", "1.00", "-1.00", "1.01", "0.29"]
    assert got["big"][11:14] == ["1,000.00", "12,345.67", "-12,345.67"]


@needs_node
def test_yuan_refuses_what_is_not_an_exact_integer() -> None:
    got = run_node(
        "const f = await import(`${web}/format.js`);"
        "const output = input.map((v) => {"
        "  try { return f.yuan(v); } catch (e) { return `${e.name}: ${e.message}`; } });",
        [1.5, 2**53, "100", None],
    )
    assert got == [
        "RangeError: not an exact integer number of fen: 1.5",
        "RangeError: not an exact integer number of fen: 9007199254740992",
        "TypeError: fen must be an integer number, got string: 100",
        "TypeError: fen must be an integer number, got null: null",
    ]


@needs_node
def test_times_show_on_the_offices_clock_and_rates_as_people_write_them() -> None:
    got = run_node(
        "const f = await import(`${web}/format.js`);"
        "const output = ["
        "f.dateTime('2026-03-01T16:30:00Z', 'Asia/Shanghai'), f.dateTime('2026-03-01T16:30:00+00:00', 'Asia/Urumqi'),"
        "f.dateTime('2026-03-02T08:05:59.999999+08:00', 'Asia/Shanghai'), f.dateTime(null, 'Asia/Shanghai'),"
        "f.localDateTime('2026-03-02T08:00:05'),"
        "f.ratio('11/10'), f.ratio('1/3'), f.ratio('21/20'), f.percent('0.08'), f.percent('0.005'),"
        "f.percentOfBp(1234), f.percentOfBp(5), String(f.divRound(1234567n * 100n, 2175n * 8n)),"
        "f.duration(1050), f.duration(20)];",
    )
    assert got == [
        "2026-03-02 00:30", "2026-03-01 22:30", "2026-03-02 08:05", "", "2026-03-02 08:00",
        "1.1", "1/3", "1.05", "8", "0.5", "12.34", "0.05", "7095",
        {"hours": 17, "minutes": 30, "decimal": "17.5"}, {"hours": 0, "minutes": 20, "decimal": None},
    ]  # fmt: skip


CASE = textwrap.dedent(
    """\
    name: lines of every kind the payslip screen explains
    period: 2026-04
    city: shenzhen
    employees:
    - id: M01
      pay_basis: monthly
      monthly_salary_fen: 600000
      attendance: {scheduled_days: 22, employed_days: 20, worked_days: 19, absent_days: 1, absent_half_days: 1,
                   late_minutes: 25, ot_workday_minutes: 1050, ot_restday_minutes: 125}
    - id: H01
      pay_basis: hourly
      hourly_rate_fen: 2600
      attendance: {scheduled_days: 22, worked_days: 22, worked_minutes: 10530, ot_workday_minutes: 90}
    - id: P01
      pay_basis: piece
      attendance: {scheduled_days: 22, worked_days: 22, worked_minutes: 10560, ot_restday_minutes: 480}
      pieces: [{item: LAMP-01, qty: 4000, rejects: 20, unit_fen: 120, grade_coef: "1.10"}]
    expect: {}
    """
)


def explanations(slips: list[dict[str, Any]]) -> Any:
    """Each slip's explanation per line code, under both catalogues (`{"zh-CN": [...], "en": [...]}`)."""
    return run_node(
        "const { explainLine } = await import(`${web}/explain.js`);"
        "const output = {};"
        "for (const lang of ['zh-CN', 'en']) {"
        "  const book = (await import(`${web}/locales/${lang}.js`)).default;"
        "  const t = (key, values = {}) => key.split('.').reduce((node, part) => node[part], book)"
        "    .replace(/\\{(\\w+)\\}/g, (_, name) => String(values[name]));"
        "  output[lang] = input.map((slip) => Object.fromEntries("
        "    slip.lines.map((line) => [line.code, explainLine(line, slip, t)])));"
        "}",
        slips,
    )


@needs_node
def test_payslip_explanations_carry_the_actual_numbers_and_the_lines_own_amounts(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    [case] = load_cases(path)
    result = result_of(case, path)
    assert result.inputs is not None
    slips = [
        {
            "lines": [
                {"code": x.code, "amount_fen": x.amount_fen, "quantities": x.quantities, "rule": x.rule}
                for x in build_lines(result, i)
            ],  # fmt: skip
            "figures": result.row(i),
            "inputs": {name: int(getattr(result.inputs, name)[i]) for name in INPUT_COLUMNS},
        }
        for i in range(3)
    ]
    both = explanations(slips)
    got = both["zh-CN"]
    monthly, hourly, piece = got
    assert both["en"][0]["OT_WORKDAY"] == (
        "Workday overtime 17.5 h × hourly rate 34.48 yuan (salary 6,000.00 yuan ÷ 21.75 days ÷ 8 h) × 1.5 = 905.17 yuan"
    )
    assert all(text for slip in both["en"] for text in slip.values())
    amount = {x["code"]: pythons_yuan(abs(x["amount_fen"])) for x in slips[0]["lines"]}
    assert amount["OT_WORKDAY"] == "905.17"  # 600000 ÷ 21.75 ÷ 8 × 1.5 × 17.5 h, rounded once by the kernel
    assert monthly["OT_WORKDAY"] == (
        "工作日加班 17.5 小时 × 时薪 34.48 元（月薪 6,000.00 元 ÷ 21.75 天 ÷ 8 小时）× 1.5 = 905.17 元"
    )
    salary = "（月薪 6,000.00 元 ÷ 21.75 天 ÷ 8 小时）"
    assert monthly["OT_RESTDAY"] == f"休息日加班 2 小时 5 分钟 × 时薪 34.48 元{salary}× 2 = {amount['OT_RESTDAY']} 元"
    assert monthly["BASE_PAY"] == f"月薪 6,000.00 元 × 在职 20 个工作日 ÷ 本月 22 个工作日 = {amount['BASE_PAY']} 元"
    assert monthly["ABSENCE"] == (
        f"日工资 275.86 元（月薪 6,000.00 元 ÷ 21.75 天）× 缺勤 1.5 天 = {amount['ABSENCE']} 元"
    )
    assert monthly["LATE"].startswith("迟到共 25 分钟，扣除每月宽限 ")
    assert monthly["LATE"].endswith(f"（月薪 ÷ 21.75 天 ÷ 8 小时 ÷ 60）= {amount['LATE']} 元")
    assert monthly["PENSION_EMPLOYEE"] == f"缴费基数 6,000.00 元 × 个人比例 8% = {amount['PENSION_EMPLOYEE']} 元"
    employer_rate = next(x for x in slips[0]["lines"] if x["code"] == "PENSION_EMPLOYER")["quantities"]["rate"]
    percent = format(Decimal(employer_rate) * 100, "f").rstrip("0").rstrip(".")
    assert monthly["PENSION_EMPLOYER"] == f"单位按 {percent}% 缴纳，不从工资中扣除"
    f = slips[0]["figures"]
    assert monthly["NET"] == (
        f"应发工资 {pythons_yuan(f['gross_fen'])} 元 − 个人社保 {pythons_yuan(f['si_employee_fen'])} 元 − 个人公积金 "
        f"{pythons_yuan(f['hf_employee_fen'])} 元 − 个人所得税 {pythons_yuan(f['iit_fen'])} 元 = {amount['NET']} 元"
    )
    hourly_amount = {x["code"]: pythons_yuan(x["amount_fen"]) for x in slips[1]["lines"]}
    assert hourly["BASE_PAY"] == f"时薪 26.00 元 × 正常工时 175.5 小时 = {hourly_amount['BASE_PAY']} 元"
    assert hourly["OT_WORKDAY"] == f"工作日加班 1.5 小时 × 时薪 26.00 元 × 1.5 = {hourly_amount['OT_WORKDAY']} 元"
    piece_amount = {x["code"]: pythons_yuan(x["amount_fen"]) for x in slips[2]["lines"]}
    assert (
        piece["PIECE"]
        == "（数量 4000 − 次品 20）× 单价 1.20 元 × 等级系数 1.1 = 5,253.60 元"
        == (f"（数量 4000 − 次品 20）× 单价 1.20 元 × 等级系数 1.1 = {piece_amount['PIECE']} 元")
    )
    assert piece["OT_RESTDAY"] == (
        f"休息日加班 8 小时：按计件工资折算，加班部分另付 (2 − 1) 倍 = {piece_amount['OT_RESTDAY']} 元"
    )
    assert all(text for slip in got for text in slip.values()), got


@needs_node
def test_the_lines_of_bonus_severance_damages_and_the_housing_fund_are_explained_with_their_numbers() -> None:
    slips = []
    for name in (
        "bonus_both_ways_beijing",
        "severance_beijing",
        "damages_guard_guangzhou",
        "hf_above_12_percent_beijing",
    ):
        path = Path(__file__).parents[1] / "cases" / f"{name}.yaml"
        case = load_cases(path)[0]
        result = result_of(case, path)
        slips.append(
            {
                "lines": [
                    {"code": x.code, "amount_fen": x.amount_fen, "quantities": x.quantities, "rule": x.rule}
                    for x in build_lines(result, 0)
                ],
                "figures": result.row(0),
            }
        )
    both = explanations(slips)
    bonus, severance, damages, housing = both["zh-CN"]
    assert bonus["BONUS"] == (
        "全年一次性奖金 36,000.00 元，单独计税（按建议）。按全年预计：单独计税共缴个税 11,156.40 元，"
        "并入工资共缴 15,472.80 元；建议单独计税"
    )
    assert bonus["BONUS_TAX"] == (
        "奖金 36,000.00 元 ÷ 12 所在档的税率 × 奖金 − 速算扣除数 = 1,080.00 元（财政部 税务总局公告2023年第30号）"
    )
    assert bonus["NET"].endswith(
        f"− 单独计税的个税及赔偿扣款 1,080.00 元 = {pythons_yuan(slips[0]['figures']['net_fen'])} 元"
    )
    # 32 half months = 16 months of service, but a wage above the cap counts 12 years at most: 36,348 × 12
    assert severance["SEVERANCE"] == (
        "月工资 50,000.00 元超过当地职工月平均工资的三倍，按 36,348.00 元计，且最多计 12 年（工作年限折合 16 个月）："
        "36,348.00 元 × 12 个月 = 436,176.00 元（劳动合同法第四十七条）"
    )
    assert damages["DAMAGES"] == (
        "录入赔偿扣款 3,000.00 元，超过法定上限 1,600.00 元（当月工资的 20%，且扣后不低于最低工资），"
        "请核对；实扣 1,600.00 元"
    )
    assert housing["HOUSING_FUND_TAX"] == (
        "公积金超过基数 12% 的部分不免税：个人多缴 600.00 元、单位多缴 600.00 元，计入应纳税所得，不另行发放；"
        "公积金缴存比例不在法定的 5%–12% 之间，请核对"
    )
    assert all(text for slip in both["en"] for text in slip.values()), both["en"]


@needs_node
def test_a_request_reads_the_same_on_the_employees_and_the_approvers_screens() -> None:
    """`whenText`/`amountText` in the leave type's unit: whole days as days, half days 上午/下午, hours a window."""
    requests = [
        {"kind": "leave", "unit": "half_day", "starts_at": "2026-03-23T00:00:00+08:00",
         "ends_at": "2026-03-25T00:00:00+08:00", "amount": 4},
        {"kind": "leave", "unit": "half_day", "starts_at": "2026-03-23T12:00:00+08:00",
         "ends_at": "2026-03-24T12:00:00+08:00", "amount": 2},
        {"kind": "leave", "unit": "half_day", "starts_at": "2026-03-20T12:00:00+08:00",
         "ends_at": "2026-03-21T00:00:00+08:00", "amount": 1},
        {"kind": "leave", "unit": "day", "starts_at": "2026-03-05T00:00:00+08:00",
         "ends_at": "2026-03-06T00:00:00+08:00", "amount": 1},
        {"kind": "leave", "unit": "hour", "starts_at": "2026-03-13T09:00:00+08:00",
         "ends_at": "2026-03-13T12:00:00+08:00", "amount": 180},
        {"kind": "overtime", "unit": None, "starts_at": "2026-03-16T22:00:00+08:00",
         "ends_at": "2026-03-17T01:30:00+08:00", "amount": 210},
        {"kind": "correction", "unit": None, "starts_at": "2026-03-02T08:00:00+08:00",
         "ends_at": "2026-03-02T08:00:00+08:00", "amount": 0},
    ]  # fmt: skip
    got = run_node(
        "const { amountText, whenText } = await import(`${web}/components/requestText.js`);"
        "const book = (await import(`${web}/locales/zh-CN.js`)).default;"
        "const t = (key, values = {}) => key.split('.').reduce((node, part) => node[part], book)"
        "  .replace(/\\{(\\w+)\\}/g, (_, name) => String(values[name]));"
        "const output = input.map((r) => [whenText(r, t), amountText(r, t)]);"
        "const { kindText } = await import(`${web}/components/requestText.js`);"
        "const change = (c) => ({ kind: 'change', change: { change_type: c } });"
        "output.push(['probation', 'raise', 'transfer'].map((c) => kindText(change(c), t, () => true)));",
        requests,
    )
    assert got == [
        ["2026-03-23 至 2026-03-24", "2 天"],
        ["2026-03-23 下午 至 2026-03-24 上午", "1 天"],
        ["2026-03-20 下午", "0.5 天"],
        ["2026-03-05", "1 天"],
        ["2026-03-13 09:00–12:00", "3 小时"],
        ["2026-03-16 22:00–次日 01:30", "3.5 小时"],
        ["2026-03-02 08:00", ""],
        ["转正", "调薪", "调动"],  # a personnel change reads as its type, not as a trip
    ]
