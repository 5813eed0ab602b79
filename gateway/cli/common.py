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

    from gateway.config import Config

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The gateway's TOML config file.")]
DEFAULT_CONFIG = Path("punchclock.toml")

console = Console(stderr=True)


def load_checked_config(path: Path) -> Config:
    """The checked config, or exit 2 with every problem listed."""
    from gateway.config import load_config
    from gateway.errors import ConfigError

    try:
        return load_config(path)
    except ConfigError as error:
        console.print(f"[red]config error[/red]\n{error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def open_store(config: Config) -> sessionmaker[Session]:
    """A session factory on the config's database, migrated to the newest schema first."""
    from gateway.store import make_engine, session_factory, upgrade

    upgrade(config.database.url)
    return session_factory(make_engine(config.database.url))


def prepare_store(path: Path) -> tuple[Config, sessionmaker[Session]]:
    """Config, migrated database with the config's offices and devices, and a session factory."""
    from gateway.devices.inventory import register_config

    config = load_checked_config(path)
    factory = open_store(config)
    register_config(factory, config)
    return config, factory
