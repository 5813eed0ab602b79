"""`punchclock department …`: the department tree per office, its managers and members (HR's CLI counterpart of
`/api/v1/departments`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config, open_store

department_app = typer.Typer(no_args_is_help=True)


def _refused(what: str, error: Exception) -> typer.Exit:
    console.print(f"[red]{what}[/red]: {error}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@department_app.command("add")
def department_add(
    code: Annotated[str, typer.Argument(help="A short unique code, e.g. SH-QA.")],
    name: Annotated[str, typer.Argument(help="The name as people say it, e.g. 质检部.")],
    office: Annotated[str, typer.Option("--office", help="The office's name from the config, e.g. 'Shanghai HQ'.")],
    parent: Annotated[str | None, typer.Option("--parent", help="The code of the department above it.")] = None,
    manager: Annotated[str | None, typer.Option("--manager", help="The manager's employee code.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Add a department to an office's tree."""
    from gateway.people.departments import DepartmentError, create_department

    factory = open_store(load_checked_config(config))
    try:
        with factory() as session, session.begin():
            create_department(session, "cli", office=office, code=code, name=name, parent=parent, manager=manager)
    except DepartmentError as error:
        raise _refused("department not added", error) from None
    console.print(f"department {code} ({name}) added to {office}", highlight=False)


@department_app.command("list")
def department_list(
    office: Annotated[str | None, typer.Option("--office", help="Only this office.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Every department with its parent, manager and number of members."""
    from gateway.people.departments import list_departments

    factory = open_store(load_checked_config(config))
    table = Table("code", "name", "office", "parent", "manager", "members")
    with factory() as session:
        for view in list_departments(session, office):
            manager = f"{view.manager} {view.manager_name}" if view.manager else ""
            table.add_row(view.code, view.name, view.office, view.parent or "", manager, str(view.members))
    console.print(table)


@department_app.command("members")
def department_members(
    code: Annotated[str, typer.Argument(help="The department's code.")],
    employees: Annotated[list[str], typer.Argument(help="Employee codes to move into it, e.g. E001 E002.")],
    effective_from: Annotated[
        str | None, typer.Option("--from", help="The first day in the department, YYYY-MM-DD (default: today).")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why, shown in the history (变更记录).")] = "部门调整",
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Move employees into a department from --from on (all or none): a dated change each, kept in the history;
    refused inside a locked pay run's month."""
    from datetime import date

    from gateway.people.departments import DepartmentError, move_employees

    try:
        day = date.fromisoformat(effective_from) if effective_from is not None else None
    except ValueError:
        raise _refused("nobody moved", ValueError(f"--from {effective_from!r} is not a date like 2026-03-16")) from None
    factory = open_store(load_checked_config(config))
    try:
        with factory() as session, session.begin():
            move_employees(session, "cli", code, employees, day, reason)
    except DepartmentError as error:
        raise _refused("nobody moved", error) from None
    console.print(f"{len(employees)} employee(s) now in {code}", highlight=False)


@department_app.command("delete")
def department_delete(
    code: Annotated[str, typer.Argument(help="The department's code.")], config: ConfigOption = DEFAULT_CONFIG
) -> None:
    """Delete an empty department (move its sub-departments and members first)."""
    from gateway.people.departments import DepartmentError, delete_department

    factory = open_store(load_checked_config(config))
    try:
        with factory() as session, session.begin():
            delete_department(session, "cli", code)
    except DepartmentError as error:
        raise _refused("department not deleted", error) from None
    console.print(f"department {code} deleted", highlight=False)
