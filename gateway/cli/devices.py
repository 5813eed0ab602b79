"""`punchclock serve` and `punchclock sync`: poll the terminals (and serve the API) from the command line."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.console import Console

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, prepare_store


def serve(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Poll every configured device on its schedule and serve the API until stopped (SIGTERM/Ctrl-C finish the
    polls in flight). Only one serve per database polls: a second one says which process does and serves the
    API only."""
    from sqlalchemy import make_url

    from api.app import ApiServer
    from gateway.devices.poller import Poller, PollerStats, PollResult
    from gateway.devices.poller_lock import poller_lock
    from gateway.errors import GatewayError

    cfg, factory = prepare_store(config)
    try:
        api = ApiServer(cfg, factory)
        api.start()
    except GatewayError as error:
        console.print(f"[red]API not started[/red]: {error}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"API and HR page at {api.url}", highlight=False)
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        console.print(f"{signal.Signals(signum).name}: finishing the polls in flight, then exiting")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def report(result: PollResult) -> None:
        if result.error:
            console.print(f"[red]{result.device}[/red]: {result.error}", highlight=False, soft_wrap=True)
        else:
            console.print(
                f"{result.device} ({result.sn}): read {result.read}, new {result.new}, "
                f"quarantined {result.quarantined}{', cleared' if result.cleared else ''}",
                highlight=False,
            )

    with poller_lock(cfg.database.url) as lock:  # held until stopped, released by the OS if this process dies
        if lock.holder is None:
            where = make_url(cfg.database.url).render_as_string(hide_password=True)  # no password in the log
            console.print(f"polling {len(cfg.devices)} devices into {where}", highlight=False)
            stats = Poller(cfg, factory, on_result=report).run(stop)
        else:
            console.print(lock.refusal(), highlight=False, soft_wrap=True)
            stats = PollerStats()
        stop.wait()  # with no devices the poller returns at once; the API serves until stopped
    api.stop()
    console.print(f"stopped after {stats.polls} polls ({stats.failures} failed)")


def sync(
    config: ConfigOption = DEFAULT_CONFIG,
    device: Annotated[
        str | None, typer.Option("--device", "-d", help="Only this device (name or serial number).")
    ] = None,
) -> None:
    """Poll every device (or one) once, with progress bars and a summary; exit 1 if any device failed."""
    from gateway.devices.sync import run_sync

    cfg, factory = prepare_store(config)
    if device is not None:
        try:
            chosen = cfg.device(device)
        except KeyError as error:
            console.print(error.args[0], highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        if not chosen.polled:
            console.print(
                f"device {chosen.label} is a {chosen.kind} terminal: it sends its punches to /iclock, "
                "there is nothing to poll",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2)
    results = run_sync(cfg, factory, only=device, console=Console())
    if any(r.error for r in results):
        raise typer.Exit(1)
