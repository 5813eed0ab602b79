"""`punchclock leave …`: the yearly annual-leave accrual, the year end (carry-over, expiry) and HR's manual
adjustments of a balance."""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config, open_store

leave_app = typer.Typer(no_args_is_help=True)


@leave_app.command("accrue")
def leave_accrue(
    year: Annotated[int, typer.Argument(help="The leave year, e.g. 2026.", min=2000, max=2099)],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Grant every employee employed in YEAR their statutory annual leave (5/10/15 days by years of work,
    pro-rated for joiners and leavers). Safe to run again: an employee accrued once gets nothing more."""
    from gateway.people.leave_ledger import accrue_year

    factory = open_store(load_checked_config(config))
    with factory() as session, session.begin():
        report = accrue_year(session, "cli", year)
    console.print(f"annual leave {year}: {report.added} accrued, {report.already} already accrued", highlight=False)
    if report.skipped:
        console.print(
            "[yellow]not accrued[/yellow] (no 参加工作日期 / work start date, or no office): "
            f"{', '.join(report.skipped)} — set it (PUT /api/v1/departments/work-start/CODE), then run this again",
            highlight=False,
            soft_wrap=True,
        )


@leave_app.command("adjust")
def leave_adjust(
    employee: Annotated[str, typer.Argument(help="The employee code, e.g. E001.")],
    leave_type: Annotated[str, typer.Argument(help="annual, sick, personal, marriage, … (leave-types.toml).")],
    year: Annotated[int, typer.Argument(help="The leave year.", min=2000, max=2099)],
    steps: Annotated[
        int, typer.Argument(help="Change in the type's smallest step: days, half days or minutes (negative removes).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why: kept with the ledger row and in the audit log.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Correct a leave balance by hand (a ledger row of kind adjustment)."""
    from sqlalchemy import select

    from gateway.people.leave_ledger import LeaveError, adjust
    from gateway.store import Employee

    factory = open_store(load_checked_config(config))
    try:
        with factory() as session, session.begin():
            row = session.scalar(select(Employee).where(Employee.code == employee))
            if row is None:
                raise LeaveError(f"employee {employee!r} does not exist")
            adjust(session, "cli", row, leave_type, year, steps, reason)
    except LeaveError as error:
        console.print(f"[red]not adjusted[/red]: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"{employee} {leave_type} {year}: {steps:+d} recorded", highlight=False)


@leave_app.command("close-year")
def leave_close_year(
    year: Annotated[int, typer.Argument(help="The leave year to close, e.g. 2026.", min=2000, max=2099)],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Close YEAR's annual leave: unused days up to the office's carry_over_days (leave-types.toml [policy]) move
    into the next year, the rest expire. Run it once the year's leave is all approved; running it again writes
    nothing."""
    from gateway.people.leave_ledger import close_year

    factory = open_store(load_checked_config(config))
    with factory() as session, session.begin():
        report = close_year(session, "cli", year)
    console.print(
        f"annual leave {year} closed: {report.carried} employee(s) carried days into {year + 1}, "
        f"{report.expired} had days expire",
        highlight=False,
        soft_wrap=True,
    )


@leave_app.command("expire")
def leave_expire(
    year: Annotated[int, typer.Argument(help="The year the days were carried into, e.g. 2027.", min=2000, max=2099)],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Expire the days carried into YEAR that are still unused after the office's carry_over_expires date (e.g.
    03-31). Offices whose date has not passed yet are left alone; running it again writes nothing."""
    from datetime import date

    from gateway.people.leave_ledger import expire_carried

    factory = open_store(load_checked_config(config))
    with factory() as session, session.begin():
        report = expire_carried(session, "cli", year, date.today())
    console.print(
        f"carried annual leave of {year}: {report.expired} employee(s) had days expire", highlight=False, soft_wrap=True
    )
