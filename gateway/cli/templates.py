"""`punchclock devices templates copy`: fingers enrolled on one terminal of an office written to its others."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, prepare_store

templates_app = typer.Typer(no_args_is_help=True)


@templates_app.command("copy")
def copy(
    config: ConfigOption = DEFAULT_CONFIG,
    office: Annotated[str | None, typer.Option("--office", help="Only this office's terminals.")] = None,
) -> None:
    """Read the fingerprint templates of every zk-tcp, zk-udp and zk-soap terminal of each office (or one),
    keep them encrypted in the database, and write them to the office's other terminals, so an employee
    enrols once.
    A terminal lacking the employee's badge gets the finger after the next user sync. Exit 1 if any terminal
    failed or was busy."""
    from gateway.devices.templates import copy_templates

    cfg, factory = prepare_store(config)
    if office is not None and office not in {o.name for o in cfg.offices}:
        known = ", ".join(o.name for o in cfg.offices)
        console.print(f"no office named {office!r} in the config; offices are {known}", highlight=False)
        raise typer.Exit(2)
    copies = copy_templates(factory, cfg, actor="cli", office=office)
    table = Table(title="template copy")
    for column in ("device", "sn", "read", "stored", "written", "differs", "unknown", "waiting for user", "result"):
        table.add_column(column)
    for c in copies:
        table.add_row(
            c.device, c.sn or "", str(c.read), str(c.stored), str(c.written), str(c.differs), str(c.unknown),
            ", ".join(c.no_user), c.error or "ok",
        )  # fmt: skip
    console.print(table)
    if any(c.error for c in copies):
        raise typer.Exit(1)
