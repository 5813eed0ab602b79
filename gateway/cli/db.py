"""`punchclock db upgrade`: create or migrate the database named in the config."""

from __future__ import annotations

import typer

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config, open_store

db_app = typer.Typer(no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Create or migrate the database named in the config to the newest schema (with the key file, which
    encrypts the values a migration starts protecting; a new database gets a new key file)."""
    cfg = load_checked_config(config)
    open_store(cfg)
    console.print(f"database at {cfg.database.url} is at the newest schema")
