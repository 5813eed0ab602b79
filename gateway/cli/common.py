"""What every command group shares: the `--config` option, loading the checked config, opening the store.

Heavy imports (SQLAlchemy, drivers) happen inside the functions so that `punchclock --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gateway.access.keys import KeyRing
    from gateway.config import Config

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The gateway's TOML config file.")]
DEFAULT_CONFIG = Path("punchclock.toml")

console = Console(stderr=True)


def shown_url(url: str) -> str:
    """The database URL as the console and logs may show it: the password masked (`***`)."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def actor() -> str:
    """The audit "who" of a command: the operating-system user that ran it."""
    import getpass

    return f"cli:{getpass.getuser()}"


def load_checked_config(path: Path) -> Config:
    """The checked config, or exit 2 with every problem listed."""
    from gateway.config import load_config
    from gateway.errors import ConfigError

    try:
        return load_config(path)
    except ConfigError as error:
        console.print(f"[red]config error[/red]\n{error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def load_checked_keys(config: Config, *, new_database: bool = False) -> KeyRing:
    """The key ring the config names, or exit 2 saying how to create or fix it.

    For a database that does not exist yet a missing key file is created (and announced): nothing can
    have been encrypted or chained with another key. For an existing database it never is, because
    a new key would silently make the old data unreadable.
    """
    from gateway.access.keys import KeysError, create_key_file, load_keys

    path = Path(config.security.key_file)
    try:
        if new_database and not path.exists():
            ring = create_key_file(path)
            console.print(
                f"new database: created the key file {path} (mode 0600); keep a copy apart from the backups",
                highlight=False,
            )
            return ring
        return load_keys(path)
    except KeysError as error:
        console.print(f"[red]keys[/red]: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def open_store(config: Config) -> sessionmaker[Session]:
    """A session factory on the config's database (migrated to the newest schema first), with the keys.

    The migrations get the key ring's vault, so one that starts encrypting a column seals the values
    already stored in the same run (migration 0006: bank account numbers).
    """
    import stat

    from sqlalchemy import inspect

    from gateway.access.vault import Vault
    from gateway.store import make_engine, session_factory, upgrade
    from gateway.store.engine import sqlite_path

    engine = make_engine(
        config.database.url, pool_size=config.api.db_pool_size, pool_timeout_s=config.api.db_pool_timeout_s
    )
    keys = load_checked_keys(config, new_database=not inspect(engine).has_table("alembic_version"))
    upgrade(config.database.url, vault=Vault(keys))
    path = sqlite_path(config.database.url)
    if path is not None and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        console.print(
            f"[yellow]warning[/yellow]: the database file {path} is readable by other users "
            f"(mode {stat.filemode(path.stat().st_mode)}): run chmod 600 {path}",
            highlight=False,
            soft_wrap=True,
        )
    return session_factory(engine, keys=keys, anchor_file=config.security.anchor_file)


def prepare_store(path: Path) -> tuple[Config, sessionmaker[Session]]:
    """Config, migrated database with the config's offices and devices, and a session factory."""
    from gateway.devices.inventory import register_config

    config = load_checked_config(path)
    factory = open_store(config)
    register_config(factory, config)
    return config, factory
