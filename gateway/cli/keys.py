"""`punchclock keys create`: the key file that keys the audit chain and encrypts personal data."""

from __future__ import annotations

from pathlib import Path

import typer

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config

keys_app = typer.Typer(no_args_is_help=True)


@keys_app.command("create")
def keys_create(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Write a new key file (mode 0600) where the config's [security] key_file says; never overwrites one."""
    from gateway.access.keys import KeysError, create_key_file

    path = Path(load_checked_config(config).security.key_file)
    try:
        create_key_file(path)
    except KeysError as error:
        console.print(f"[red]keys not created[/red]: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(
        f"key file written to {path} (mode 0600). Keep a copy somewhere safe and apart from the database "
        "backups: without it the encrypted data and the audit chain cannot be checked or read.",
        highlight=False,
    )
