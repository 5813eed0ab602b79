"""`punchclock employee template|import|add`, `badge map` and `piece import`: the API's services and row reports
from the command line, exit 2 on bad input with nothing written."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from drivers.base import RawPunch
from gateway.access.keys import load_keys
from gateway.cli.app import app
from gateway.devices.ingest import ingest_punches
from gateway.people.employee_sheet import COLUMNS
from gateway.people.employee_terms import terms_as_of
from gateway.store import Badge, Device, Employee, PieceRecord, make_engine, session_factory

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "punchclock.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "hr.db"}"\n\n'
        '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
        '[[devices]]\nname = "door"\nsn = "DOOR1"\nkind = "zk-tcp"\nhost = "127.0.0.1"\noffice = "HQ"\n',
        encoding="utf-8",
    )
    return path


def _store(config: Path):  # type: ignore[no-untyped-def]
    return session_factory(
        make_engine(f"sqlite:///{config.parent / 'hr.db'}"), keys=load_keys(config.parent / "punchclock.key")
    )


def _fill(template: Path, rows: list[dict[str, object]], out: Path) -> Path:
    book = load_workbook(template)
    sheet = book["员工"]
    for r, row in enumerate(rows, start=2):
        for name, value in row.items():
            sheet.cell(row=r, column=COLUMNS.index(name) + 1, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def test_template_then_import_then_a_refused_sheet(config: Path, tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    made = runner.invoke(app, ["employee", "template", "--out", str(template), "--config", str(config)], env=WIDE)
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith(f"wrote {template} (")
    good = _fill(
        template,
        [
            {"工号": "A1", "姓名": "张三", "办公地点": "HQ", "计薪方式": "月薪", "月薪(元)": "6000", "考勤号": "501"},
            {"工号": "A2", "姓名": "李四", "办公地点": "HQ", "计薪方式": "计件"},
        ],
        tmp_path / "good.xlsx",
    )
    dry = runner.invoke(app, ["employee", "import", str(good), "--dry-run", "--config", str(config)], env=WIDE)
    assert dry.exit_code == 0, dry.output
    assert "good.xlsx: 2 rows (dry run: nothing stored)" in dry.stdout
    with _store(config)() as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 0
    done = runner.invoke(app, ["employee", "import", str(good), "--config", str(config)], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "│ created   │         2 │ A1, A2 │" in done.stdout
    assert "badges added: 1 (quarantined punches re-mapped: 0); bank accounts set: 0" in done.stdout
    bad = _fill(
        template,
        [{"工号": "A3", "姓名": "王五", "办公地点": "Mars", "计薪方式": "月薪"}, {"工号": "A1", "月薪(元)": "1.234"}],
        tmp_path / "bad.xlsx",
    )
    refused = runner.invoke(app, ["employee", "import", str(bad), "--config", str(config)], env=WIDE)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "bad.xlsx: nothing imported, 2 problem(s):",
        "  row 2, column 办公地点: no office named 'Mars': offices are 'HQ'",
        "  row 3, column 月薪(元): '1.234' is not an amount in yuan with at most two decimals, e.g. 6000 or 6000.50",
    ]
    with _store(config)() as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 2


def test_employee_add_and_badge_map(config: Path) -> None:
    base = ["--config", str(config)]
    added = runner.invoke(
        app,
        ["employee", "add", "--code", "B1", "--name", "赵六", "--office", "HQ", "--monthly-salary", "6500.50", *base],
        env=WIDE,
    )
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "employee B1 (赵六) added at HQ; 0 badge(s), 0 punch(es) re-mapped"
    factory = _store(config)
    with factory() as session:
        employee = session.scalar(select(Employee).where(Employee.code == "B1"))
        assert employee is not None and employee.monthly_salary_fen == 650_050
    again = runner.invoke(
        app, ["employee", "add", "--code", "B1", "--name", "x", "--office", "HQ", "--monthly-salary", "1", *base]
    )
    assert (again.exit_code, again.stderr.strip()) == (
        2,
        "error: employee code 'B1' is already used: pick another code",
    )
    no_salary = runner.invoke(app, ["employee", "add", "--code", "B2", "--name", "x", "--office", "HQ", *base])
    assert no_salary.exit_code == 2
    assert no_salary.stderr.strip() == (
        "error: options: a monthly employee needs monthly_salary_fen (integer fen, e.g. 600000 for 6,000.00 yuan)"
    )
    ingest_punches(
        factory,
        "DOOR1",
        [RawPunch("DOOR1", "777", datetime(2026, 3, 2, 9, 0))],
        source="zk-tcp",
        now=datetime(2026, 3, 3),
    )
    mapped = runner.invoke(app, ["badge", "map", "777", "B1", "--device", "DOOR1", *base], env=WIDE)
    assert (mapped.exit_code, mapped.stdout.strip()) == (
        0,
        "badge 777 on DOOR1 → B1; 1 quarantined punch(es) re-mapped",
    )
    taken = runner.invoke(app, ["badge", "map", "777", "B1", "--device", "DOOR1", *base], env=WIDE)
    assert (taken.exit_code, taken.stderr.strip()) == (
        2,
        "error: pin '777' on device DOOR1 already belongs to employee 'B1': remove that badge first",
    )
    nobody = runner.invoke(app, ["badge", "map", "778", "NOPE", *base])
    assert (nobody.exit_code, nobody.stderr.strip()) == (2, "error: employee 'NOPE' does not exist")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Badge)) == 1
        assert session.scalar(select(Device.sn)) == "DOOR1"


def test_piece_import_with_dry_run_and_row_report(config: Path, tmp_path: Path) -> None:
    base = ["--config", str(config)]
    assert (
        runner.invoke(
            app, ["employee", "add", "--code", "C1", "--name", "x", "--office", "HQ", "--pay-basis", "piece", *base]
        ).exit_code
        == 0
    )
    good = tmp_path / "march.csv"
    good.write_text("employee,period,item,qty,rejects,unit_fen,grade_coef\nC1,2026-03,LAMP,300,4,120,1.10\n", "utf-8")
    dry = runner.invoke(app, ["piece", "import", str(good), "--dry-run", *base], env=WIDE)
    assert dry.exit_code == 0, dry.output
    assert "│ C1       │ x    │    1 │ 300 │       4 │" in dry.stdout
    done = runner.invoke(app, ["piece", "import", str(good), "--name", "March", *base], env=WIDE)
    assert (done.exit_code, done.stdout.strip()) == (
        0,
        "imported 1 rows (300 pieces, 2026-03) as piece batch 1 ('March')",
    )
    twice = runner.invoke(app, ["piece", "import", str(good), *base], env=WIDE)
    assert twice.exit_code == 2 and "was imported as piece batch 1 ('March')" in twice.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("employee,period,item,qty,rejects,unit_fen,grade_coef\nC9,2026-03,LAMP,ten,0,120,1\n", "utf-8")
    refused = runner.invoke(app, ["piece", "import", str(bad), *base], env=WIDE)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "bad.csv: nothing imported, 2 problem(s):",
        "  row 2, column employee: no employee with code 'C9'; add the employee first or fix the code",
        "  row 2, column qty: 'ten' is not a whole number",
    ]
    with _store(config)() as session:
        assert session.scalar(select(func.count()).select_from(PieceRecord)) == 1


def test_badge_card_and_privilege_from_the_command_line(config: Path) -> None:
    base = ["--config", str(config)]
    for code in ("K1", "K2"):
        made = runner.invoke(
            app, ["employee", "add", "--code", code, "--name", "x", "--office", "HQ", "--monthly-salary", "1", *base]
        )
        assert made.exit_code == 0, made.output
    mapped = runner.invoke(app, ["badge", "map", "801", "K1", "--card", "0012345678", "--privilege", "admin", *base])
    assert (mapped.exit_code, mapped.stdout.strip()) == (
        0,
        "badge 801 company-wide → K1; 0 quarantined punch(es) re-mapped",
    )
    assert runner.invoke(app, ["badge", "map", "802", "K2", *base]).exit_code == 0
    taken = runner.invoke(app, ["badge", "set", "802", "--card", "12345678", *base], env=WIDE)
    assert (taken.exit_code, taken.stderr.strip()) == (
        2,
        "error: card 12345678 is already on badge '801' of employee 'K1' in office HQ: clear it there first (one "
        "card opens one badge per office)",
    )
    too_big = runner.invoke(app, ["badge", "set", "802", "--card", "4294967296", *base], env=WIDE)
    assert (too_big.exit_code, too_big.stderr.strip()) == (
        2,
        "error: --card: card number 4294967296 is more than 4294967295, the largest a ZK terminal stores (32 bits): "
        "check the number printed on the card",
    )
    bad_level = runner.invoke(app, ["badge", "set", "802", "--privilege", "root", *base])
    assert (bad_level.exit_code, bad_level.stderr.strip()) == (2, "error: --privilege 'root': write user or admin")
    nothing = runner.invoke(app, ["badge", "set", "802", *base])
    assert (nothing.exit_code, nothing.stderr.strip()) == (2, "error: nothing to set: give --card and/or --privilege")
    unknown = runner.invoke(app, ["badge", "set", "803", "--card", "1", *base])
    assert (unknown.exit_code, unknown.stderr.strip()) == (
        2,
        "error: no badge 803 company-wide: see the employee's badges (or give --device SERIAL)",
    )
    cleared = runner.invoke(app, ["badge", "set", "801", "--card", "0", *base])
    assert (cleared.exit_code, cleared.stdout.strip()) == (
        0,
        "badge 801 company-wide of K1 now has card none, privilege admin",
    )
    given = runner.invoke(app, ["badge", "set", "802", "--card", "12345678", *base])
    assert (given.exit_code, given.stdout.strip()) == (
        0,
        "badge 802 company-wide of K2 now has card 12345678, privilege user",
    )
    with _store(config)() as session:
        assert sorted(session.execute(select(Badge.pin, Badge.card, Badge.device_privilege))) == [
            ("801", 0, "admin"),
            ("802", 12345678, "user"),
        ]
    help_text = runner.invoke(app, ["badge", "set", "--help"], env=WIDE).stdout
    assert "The card number printed on the ZK card" in help_text and "user, or admin" in help_text


def test_employee_change_is_a_dated_record(config: Path) -> None:
    base = ["--config", str(config)]
    added = runner.invoke(
        app,
        ["employee", "add", "--code", "C1", "--name", "钱七", "--office", "HQ", "--monthly-salary", "9000", *base],
        env=WIDE,
    )
    assert added.exit_code == 0, added.output
    changed = runner.invoke(
        app,
        ["employee", "change", "C1", "--from", "2026-03-16", "--salary", "9500.00", "--reason", "调薪", *base],
        env=WIDE,
    )
    assert changed.exit_code == 0, changed.output
    assert changed.stdout.strip() == "employee C1: change 2 from 2026-03-16: monthly_salary_fen = 950000"
    with _store(config)() as session:
        employee = session.scalar(select(Employee).where(Employee.code == "C1"))
        assert employee is not None and employee.monthly_salary_fen == 950_000
    bad = runner.invoke(
        app, ["employee", "change", "C1", "--from", "2026-03-16", "--salary", "9.999", "--reason", "x", *base]
    )
    assert bad.exit_code == 2
    assert "an amount in yuan with at most two decimals, e.g. 9500.00" in bad.stderr


def test_department_members_is_a_dated_move(config: Path) -> None:
    base = ["--config", str(config)]
    added = runner.invoke(
        app, ["employee", "add", "--code", "B1", "--name", "赵六", "--office", "HQ", "--monthly-salary", "6500", *base]
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["department", "add", "QA", "质检部", "--office", "HQ", *base]).exit_code == 0
    bad_day = runner.invoke(app, ["department", "members", "QA", "B1", "--from", "16/04/2026", *base], env=WIDE)
    assert (bad_day.exit_code, bad_day.output.strip()) == (
        2,
        "nobody moved: --from '16/04/2026' is not a date like 2026-03-16",
    )
    moved = runner.invoke(app, ["department", "members", "QA", "B1", "--from", "2026-04-16", *base], env=WIDE)
    assert (moved.exit_code, moved.output.strip()) == (0, "1 employee(s) now in QA")
    with _store(config)() as session:
        employee = session.scalar(select(Employee).where(Employee.code == "B1"))
        assert employee is not None
        assert [terms_as_of(session, employee, date(2026, 4, d))["department"] for d in (15, 16)] == [None, "QA"]
