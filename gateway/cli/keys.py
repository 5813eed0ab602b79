"""`punchclock keys create` and `keys rotate`: the key file that keys the audit chain and encrypts personal data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config, open_store

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


@keys_app.command("rotate")
def keys_rotate(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Add a new active data key to the key file and re-encrypt every encrypted value under it: bank accounts,
    employees' and new hires' ID numbers, fingerprint templates (audited). Older keys stay in the file: locked
    payslips keep values sealed under them."""
    from gateway.access.keys import KeysError, key_file_path
    from gateway.access.rotation import add_data_key, reseal_all, resealed_text

    cfg = load_checked_config(config)
    try:
        path = key_file_path(Path(cfg.security.key_file))
        old, new = add_data_key(path)
    except KeysError as error:
        console.print(f"[red]keys not rotated[/red]: {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    factory = open_store(cfg)
    with factory() as session, session.begin():
        counts = reseal_all(session, "cli", old.active_id)
    console.print(
        f"data key {new.active_id} is now active in {path}; re-encrypted {resealed_text(counts)}. Keys "
        f"{', '.join(sorted(old.data_keys))} stay in the file. Restart a running `punchclock serve` so it reads the "
        "new key, and replace your safe copy of the key file: the old copy cannot open values sealed from now on.",
        highlight=False,
        soft_wrap=True,
    )
