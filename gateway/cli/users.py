"""`punchclock user …`: logins for the web app — create users, list them, hand out employees' activation codes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config, open_store

user_app = typer.Typer(no_args_is_help=True)


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option("--username", help="The login name, e.g. wang.fang (no spaces).")],
    role: Annotated[str, typer.Option("--role", help="admin | hr | viewer | manager (employees get activation codes)")],
    name: Annotated[str | None, typer.Option("--name", help="The person's name as shown, e.g. 王芳.")] = None,
    employee: Annotated[
        str | None, typer.Option("--employee", help="manager only: the manager's own employee code, e.g. E007.")
    ] = None,
    department: Annotated[
        list[str] | None,
        typer.Option(
            "--department", help="manager only: a department code they manage (repeat for several; below it too)."
        ),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Create a web-app user; asks for a temporary password twice, to be changed at the first login.

    A manager is one of the employees: give --employee and one --department per department they approve for.
    """
    from sqlalchemy import select

    from gateway.access.users import MIN_PASSWORD, USER_ROLES, UserError, create_user
    from gateway.people.departments import DepartmentError, edit_department
    from gateway.store import Employee

    if role not in USER_ROLES or role == "employee":
        console.print(
            f"[red]user not created[/red]: role {role!r}: use admin, hr, viewer or manager (an employee logs in "
            "with the code from `punchclock user activation EMPLOYEE`)",
            highlight=False,
        )
        raise typer.Exit(2)
    if (role == "manager") != (employee is not None) or (department and role != "manager"):
        console.print(
            "[red]user not created[/red]: --employee and --department are for managers, and a manager needs "
            "--employee (their own employee code)",
            highlight=False,
        )
        raise typer.Exit(2)
    factory = open_store(load_checked_config(config))
    password = typer.prompt(
        f"temporary password for {username} (at least {MIN_PASSWORD} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )
    try:
        with factory() as session, session.begin():
            row = None
            if employee is not None:
                row = session.scalar(select(Employee).where(Employee.code == employee))
                if row is None:
                    raise UserError(f"employee {employee!r} does not exist")
            create_user(
                session, "cli", username, name or username, role, password, employee=row, must_change_password=True
            )
            for code in department or []:
                edit_department(session, "cli", code, manager=employee)
    except (UserError, DepartmentError) as error:
        console.print(f"[red]user not created[/red]: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"user {username!r} ({role}) created; they choose their own password at the first login")


@user_app.command("list")
def user_list(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Every user with role, employee, and whether disabled or locked."""
    from sqlalchemy import select

    from gateway.store import Employee, User, utcnow

    factory = open_store(load_checked_config(config))
    table = Table("user", "name", "role", "employee", "state")
    with factory() as session:
        now = utcnow()
        for user, code in session.execute(
            select(User, Employee.code).outerjoin(Employee, User.employee_id == Employee.id).order_by(User.username)
        ):
            state = (
                "disabled"
                if user.disabled_at
                else f"locked until {user.locked_until:%H:%M} UTC"
                if user.locked_until and user.locked_until > now
                else "not activated"
                if user.password_hash is None
                else "active"
            )
            table.add_row(user.username, user.display_name, user.role, code or "", state)
    console.print(table)


@user_app.command("activation")
def user_activation(
    employee: Annotated[str, typer.Argument(help="The employee code, e.g. E001.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Print a one-time activation code (valid 14 days) for the employee to set their login's password."""
    from sqlalchemy import select

    from gateway.access.users import issue_activation
    from gateway.store import Employee

    factory = open_store(load_checked_config(config))
    with factory() as session, session.begin():
        row = session.scalar(select(Employee).where(Employee.code == employee))
        if row is None:
            console.print(f"[red]no code issued[/red]: employee {employee!r} does not exist", highlight=False)
            raise typer.Exit(2)
        made = issue_activation(session, row, "cli")
    console.print(
        f"activation code for {employee} ({row.name}), valid until {made.expires_at:%Y-%m-%d} UTC; the employee opens "
        "the web app, chooses 'first login' and enters their employee code, this code and a new password:",
        highlight=False,
    )
    print(made.code)


@user_app.command("unlock")
def user_unlock(
    username: Annotated[str, typer.Argument(help="The login name.")], config: ConfigOption = DEFAULT_CONFIG
) -> None:
    """Clear the lock a login gets after 5 wrong passwords in a row."""
    from sqlalchemy import select

    from gateway.access.users import unlock
    from gateway.store import User

    factory = open_store(load_checked_config(config))
    with factory() as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            console.print(f"[red]not unlocked[/red]: user {username!r} does not exist", highlight=False)
            raise typer.Exit(2)
        unlock(session, user, "cli")
    console.print(f"user {username!r} unlocked")
