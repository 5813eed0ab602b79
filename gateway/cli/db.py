"""`punchclock db upgrade|backup|restore`: the database's schema, and backups of it (see gateway.access.backup)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from gateway.cli.common import (
    DEFAULT_CONFIG,
    ConfigOption,
    console,
    load_checked_config,
    load_checked_keys,
    open_store,
    shown_url,
)

db_app = typer.Typer(no_args_is_help=True)

KEY_FILE_NOTE = (
    "The key file {key_file} is NOT in the backup: keep a copy of it apart from the backups; without it the "
    "backed-up bank account and ID numbers cannot be read nor the audit chain checked."
)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Create or migrate the database named in the config to the newest schema (with the key file, which
    encrypts the values a migration starts protecting; a new database gets a new key file)."""
    cfg = load_checked_config(config)
    open_store(cfg)
    console.print(f"database at {shown_url(cfg.database.url)} is at the newest schema", highlight=False)


@db_app.command("backup")
def db_backup(
    out: Annotated[Path, typer.Option("--out", "-o", help="The backup file to write (an existing file is refused).")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write one backup file (database dump and manifest, mode 0600) while the gateway keeps running.

    SQLite is copied with its online backup API, PostgreSQL with pg_dump. The manifest records the rows
    per table, the audit log's head and the dump's SHA-256, which `db restore` checks. Audited.
    """
    from gateway.access.backup import BackupError, audit, create_backup, summary

    cfg = load_checked_config(config)
    keys = load_checked_keys(cfg)
    started = time.monotonic()
    try:
        manifest = create_backup(cfg.database.url, out)
    except BackupError as error:
        console.print(f"[red]no backup written[/red]: {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    audit(cfg.database.url, keys, "cli", "backup.create", f"backup:{out.name}", summary(manifest))
    console.print(
        f"backup written to {out} in {time.monotonic() - started:.1f} s: {sum(manifest.tables.values())} rows in "
        f"{len(manifest.tables)} tables, audit log {manifest.audit_rows} rows, SHA-256 {manifest.dump_sha256}. "
        + KEY_FILE_NOTE.format(key_file=cfg.security.key_file),
        highlight=False,
        soft_wrap=True,
    )


@db_app.command("restore")
def db_restore(
    file: Annotated[
        Path, typer.Argument(help="A file written by `punchclock db backup`.", exists=True, dir_okay=False)
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds data (after a safety backup of it).")
    ] = False,
    safety_dir: Annotated[
        Path | None,
        typer.Option(help="Where the safety backup goes (default: [backup] dir, else the config file's folder)."),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Replace the config's database with a backup, after checking its SHA-256, its rows and its audit chain.

    A database holding data is replaced only with --force, and a safety backup of it is written first.
    Stop `punchclock serve` before restoring. The key file the backup was made with must be in place
    (it is not in the backup).
    """
    from gateway.access.backup import BackupError, restore_backup

    cfg = load_checked_config(config)
    keys = load_checked_keys(cfg)
    folder = safety_dir or Path(cfg.backup.dir or config.resolve().parent)
    started = time.monotonic()
    try:
        restored = restore_backup(cfg.database.url, file, keys, force=force, safety_dir=folder, actor="cli")
    except BackupError as error:
        console.print(f"[red]not restored[/red]: {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    manifest = restored.manifest
    safety = f" The database it replaced is in {restored.safety_backup}." if restored.safety_backup else ""
    console.print(
        f"restored {file} (taken {manifest.created_at}) in {time.monotonic() - started:.1f} s: "
        f"{sum(manifest.tables.values())} rows checked against the manifest, audit chain intact.{safety} "
        "Start punchclock again; it migrates an older schema on start.",
        highlight=False,
        soft_wrap=True,
    )
