"""`punchclock roster assign|export|import`: the services behind the roster API, from the command line."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from gateway.cli.app import app
from gateway.people.rosters import create_pattern
from gateway.store import Employee, Office

from .test_cli_people import WIDE, _store, config  # noqa: F401 (the config fixture)

runner = CliRunner()


def test_assign_export_edit_import(config: Path, tmp_path: Path) -> None:  # noqa: F811
    sheet = tmp_path / "roster.xlsx"
    args = ["--office", "HQ", "--period", "2026-03", "--config", str(config)]
    empty = runner.invoke(app, ["roster", "export", *args, "--out", str(sheet)], env=WIDE)
    assert empty.exit_code == 0, empty.output
    with _store(config)() as session, session.begin():
        office = session.query(Office).filter_by(name="HQ").one()
        session.add(Employee(code="A1", name="张三", office_id=office.id, pay_basis="monthly", monthly_salary_fen=0,
                             special_deductions_fen=0))  # fmt: skip
        create_pattern(session, "test", office="HQ", code="alt", name="隔天", cycle=["office", None])
    assigned = runner.invoke(
        app,
        ["roster", "assign", "alt", "A1", "--office", "HQ", "--start", "2026-03-01", "--from", "2026-03-01",
         "--to", "2026-03-04", "--config", str(config)],
        env=WIDE,
    )  # fmt: skip
    assert assigned.exit_code == 0, assigned.output
    assert "4 roster cell(s) written from pattern alt" in assigned.output
    exported = runner.invoke(app, ["roster", "export", *args, "--out", str(sheet)], env=WIDE)
    assert exported.exit_code == 0, exported.output
    book = load_workbook(sheet)
    grid = book["排班"]
    assert [c.value for c in grid[3]][:8] == ["A1", "张三", None, None, "office", None, "office", None]
    grid["F3"] = "N2"
    book.save(sheet)
    refused = runner.invoke(app, ["roster", "import", str(sheet), *args], env=WIDE)
    assert refused.exit_code == 2
    assert "第 3 行 F 列：班次 'N2' 不存在，可用：office, flex" in refused.output
    grid["F3"] = "office"
    book.save(sheet)
    done = runner.invoke(app, ["roster", "import", str(sheet), *args], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "roster.xlsx: 1 roster cell(s) written" in done.output
    for command in ("assign", "export", "import"):
        helped = runner.invoke(app, ["roster", command, "--help"], env=WIDE)
        assert helped.exit_code == 0 and "--office" in helped.output
