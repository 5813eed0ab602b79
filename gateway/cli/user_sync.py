"""`punchclock devices users sync`: push the offices' employees to their terminals, remove leavers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, prepare_store

if TYPE_CHECKING:
    from gateway.devices.user_sync import TerminalPlan

devices_app = typer.Typer(no_args_is_help=True)
users_app = typer.Typer(no_args_is_help=True)
devices_app.add_typer(users_app, name="users", help="The users (employees' badges) held by the terminals.")


@users_app.command("sync")
def sync_users(
    config: ConfigOption = DEFAULT_CONFIG,
    device: Annotated[
        str | None, typer.Option("--device", "-d", help="Only this device (name or serial number).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan only; change no terminal.")] = False,
) -> None:
    """Make every terminal (or one) hold exactly its office's current employees: add and update their badges,
    delete leavers' badges from their leave date on; users punchclock does not know are listed, and deleted only
    where the office sets delete_unknown_users = true. ADMS (zk-push) terminals get their changes as commands
    queued in the database, which the terminal takes at its next poll of `serve`. Exit 1 if any terminal failed
    or was busy."""
    from gateway.devices.user_sync import sync_users as run
    from gateway.devices.user_sync import totals

    cfg, factory = prepare_store(config)
    if device is not None:
        try:
            cfg.device(device)
        except KeyError as error:
            console.print(error.args[0], highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
    plans = run(factory, cfg, device=device, dry_run=dry_run, actor="cli")
    console.print(summary_table(plans, dry_run))
    count = totals(plans)
    console.print(
        f"{'planned' if dry_run else 'done'}: {count['add']} added, {count['update']} updated, "
        f"{count['delete']} deleted, {count['unknown']} unknown users reported",
        highlight=False,
    )
    if any(p.error for p in plans):
        raise typer.Exit(1)


def summary_table(plans: list[TerminalPlan], dry_run: bool) -> Table:
    """One row per terminal: its counts per action and what became of it."""
    table = Table(title="user sync (dry run)" if dry_run else "user sync")
    for column in ("device", "sn", "kind", "add", "update", "delete", "unknown", "result"):
        table.add_column(column, justify="right" if column in ("add", "update", "delete", "unknown") else "left")
    for plan in plans:
        result = plan.error or ("planned" if dry_run else "applied")
        table.add_row(
            plan.device,
            plan.sn or "—",
            plan.kind,
            *(str(plan.count(a)) for a in ("add", "update", "delete", "unknown")),
            f"[red]{result}[/red]" if plan.error else result,
        )
    return table
