"""`punchclock roster …`: the month's roster as an Excel grid (export, import back) and bulk assignment of a
rotation pattern (HR's CLI counterpart of `/api/v1/rosters`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, prepare_store

if TYPE_CHECKING:
    from payroll_core.attendance import Period

roster_app = typer.Typer(no_args_is_help=True)

OfficeOption = Annotated[
    str, typer.Option("--office", help="The office's name from the config, e.g. 'Dongguan plant'.")
]
PeriodOption = Annotated[str, typer.Option("--period", help="The month, YYYY-MM, e.g. 2026-03.")]


def _refused(what: str, error: Exception) -> typer.Exit:
    console.print(f"[red]{what}[/red]: {error}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _period(text: str) -> Period:
    from gateway.pay.attendance import AttendanceError, parse_period

    try:
        return parse_period(text)
    except AttendanceError as error:
        raise _refused("no such month", error) from None


@roster_app.command("export")
def roster_export(
    office: OfficeOption,
    period: PeriodOption,
    out: Annotated[Path, typer.Option("--out", help="Where to write the .xlsx.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write the month's roster as an Excel grid: 工号 姓名 部门 班组, then a column per day (shift; empty = 休)."""
    from gateway.people.roster_sheet import export_sheet
    from gateway.people.rosters import RosterError

    month = _period(period)
    _settings, factory = prepare_store(config)
    try:
        with factory() as session:
            content = export_sheet(session, office, month)
    except RosterError as error:
        raise _refused("no roster written", error) from None
    out.write_bytes(content)
    console.print(f"wrote {out} ({len(content):,} bytes)", highlight=False)


@roster_app.command("import")
def roster_import(
    path: Annotated[Path, typer.Argument(help="An edited roster sheet from `roster export`.", exists=True)],
    office: OfficeOption,
    period: PeriodOption,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write the cells edited in a roster sheet, all or none; every bad cell is listed by row and column."""
    from gateway.people.roster_sheet import import_sheet
    from gateway.people.rosters import RosterError

    month = _period(period)
    _settings, factory = prepare_store(config)
    try:
        with factory() as session, session.begin():
            written = import_sheet(session, "cli", office, month, path.read_bytes())
    except RosterError as error:
        raise _refused("nothing imported", error) from None
    console.print(f"{path.name}: {written} roster cell(s) written", highlight=False)


@roster_app.command("assign")
def roster_assign(
    pattern: Annotated[str, typer.Argument(help="The roster pattern's code, e.g. 4crew.")],
    office: OfficeOption,
    start: Annotated[str, typer.Option("--start", help="The day the pattern's cycle begins (its day 1), YYYY-MM-DD.")],
    first: Annotated[str, typer.Option("--from", help="The first day to write, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="The last day to write, YYYY-MM-DD (at most 366 days).")],
    employees: Annotated[list[str] | None, typer.Argument(help="Employee codes, e.g. E001 E002.")] = None,
    crew: Annotated[str | None, typer.Option("--crew", help="Every member of this crew.")] = None,
    department: Annotated[str | None, typer.Option("--department", help="This department and those below.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write a rotation pattern's days as roster cells for employees, a crew and/or a department (all or none)."""
    from gateway.people.rosters import RosterError, Targets, assign_pattern

    try:
        days = [date.fromisoformat(text) for text in (start, first, last)]
    except ValueError as error:
        raise _refused("nothing assigned", ValueError(f"{error}: give dates as YYYY-MM-DD")) from None
    _settings, factory = prepare_store(config)
    try:
        with factory() as session, session.begin():
            written = assign_pattern(
                session, "cli", office=office, pattern=pattern, start=days[0], first=days[1], last=days[2],
                targets=Targets(tuple(employees or ()), crew, department),
            )  # fmt: skip
    except RosterError as error:
        raise _refused("nothing assigned", error) from None
    console.print(f"{written} roster cell(s) written from pattern {pattern}", highlight=False)
