"""`punchclock db upgrade`: create or migrate the database named in the config."""

from __future__ import annotations

import typer

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config

db_app = typer.Typer(no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Create or migrate the database named in the config to the newest schema."""
    from gateway.store import upgrade

    cfg = load_checked_config(config)
    upgrade(cfg.database.url)
    console.print(f"database at {cfg.database.url} is at the newest schema")
