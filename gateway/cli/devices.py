"""`punchclock serve` and `punchclock sync`: poll the terminals (and serve the API) from the command line."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, prepare_store, shown_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gateway.config import Config
    from gateway.devices.poller import PollerStats
    from gateway.devices.poller_lock import PollerLock


def serve(
    config: ConfigOption = DEFAULT_CONFIG,
    api_only: Annotated[
        bool,
        typer.Option(
            "--api-only",
            help="Serve the API and the web page only: no polling, backups, user sync or notifications. Any "
            "number of these may share one database with the site gateways.",
        ),
    ] = False,
) -> None:
    r"""Poll the configured devices on their schedule and serve the API (HTTPS with \[api] tls_cert/tls_key) until
    stopped (SIGTERM/Ctrl-C finish the polls in flight); with \[backup] dir set, take scheduled backups too;
    send notification deliveries (\[offices.notify]).
    One serve per site (top-level `site`) per database polls: a second one says which process does and serves
    the API only. One per database takes the backups."""
    from api.app import ApiServer
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
    if api_only:
        console.print("API only: this process polls no terminals and takes no backups", highlight=False)
        stop.wait()
        api.stop()
        console.print("stopped")
        return
    stats = _poll_until_stopped(cfg, factory, stop)
    api.stop()
    busy = f", {stats.busy} put off while the terminal was busy" if stats.busy else ""
    console.print(f"stopped after {stats.polls} polls ({stats.failures} failed{busy})")


def _poll_until_stopped(cfg: Config, factory: sessionmaker[Session], stop: threading.Event) -> PollerStats:
    """Under the site's poller lock: poll, sync users, deliver notifications and keep the live connections until
    `stop`; without it (another process polls this site) serve the API only."""
    from contextlib import ExitStack

    from gateway.devices.poller import Poller, PollerStats, PollResult
    from gateway.devices.poller_lock import backup_lock, poller_lock

    def report(result: PollResult) -> None:
        if result.error:
            console.print(f"[red]{result.device}[/red]: {result.error}", highlight=False, soft_wrap=True)
        else:
            console.print(
                f"{result.device} ({result.sn}): read {result.read}, new {result.new}, "
                f"quarantined {result.quarantined}{', cleared' if result.cleared else ''}",
                highlight=False,
            )

    with ExitStack() as held:  # the locks are held until stopped, released by the OS if this process dies
        lock = held.enter_context(poller_lock(cfg.database.url, cfg.site))
        if lock.holder is not None:
            console.print(lock.refusal(), highlight=False, soft_wrap=True)
            stop.wait()
            return PollerStats()
        where = shown_url(cfg.database.url)
        of_site = f"site {cfg.site}: " if cfg.site is not None else ""
        console.print(f"{of_site}polling {len(cfg.devices)} devices into {where}", highlight=False)
        if cfg.backup.dir is not None:  # one process per database backs it up, whichever site it polls
            backups = held.enter_context(backup_lock(cfg.database.url))
            if backups.holder is None:
                _start_backups(cfg, factory, stop, backups)
            else:
                console.print(f"[yellow]{backups.refusal()}[/yellow]", highlight=False, soft_wrap=True)
        if cfg.user_sync.interval_s > 0:  # and syncs its site's terminals' users
            _start_user_sync(cfg, factory, stop)
        _start_notifications(cfg, factory, stop)  # and delivers its site's offices' notifications
        _start_realtime(cfg, factory, stop)  # and keeps the live connections of `realtime = true` terminals
        stats = Poller(cfg, factory, on_result=report, lock=lock).run(stop)
        stop.wait()  # with no devices the poller returns at once; the API serves until stopped
    return stats


def _start_backups(cfg: Config, factory: sessionmaker[Session], stop: threading.Event, lock: PollerLock) -> None:
    """Scheduled backups in their own thread (`[backup]`) under the backup `lock`, each one reported here."""
    from datetime import timedelta
    from pathlib import Path

    from gateway.access.backup_schedule import BackupResult, ScheduledBackups
    from gateway.access.keys import keys_of

    assert cfg.backup.dir is not None
    folder = Path(cfg.backup.dir)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        console.print(f"[red]backups not started[/red]: {error}: fix [backup] dir", highlight=False)
        raise typer.Exit(2) from None

    def report(result: BackupResult) -> None:
        if result.error is not None:
            console.print(f"[red]backup failed[/red]: {escape(result.error)}", highlight=False, soft_wrap=True)
        else:
            pruned = f", removed {len(result.removed)} older" if result.removed else ""
            console.print(f"backup written to {result.path}{pruned}", highlight=False, soft_wrap=True)

    with factory() as session:
        keys = keys_of(session)
    every = timedelta(seconds=cfg.backup.every_s)
    ScheduledBackups(cfg.database.url, keys, folder, every, cfg.backup.keep, report, lock=lock).start(stop)
    console.print(
        f"backups every {cfg.backup.every} into {folder}, keeping {cfg.backup.keep}; the key file is not in them: "
        "keep a copy of it apart",
        highlight=False,
        soft_wrap=True,
    )


def _start_user_sync(cfg: Config, factory: sessionmaker[Session], stop: threading.Event) -> None:
    """User sync (then template copy) every `[user_sync] interval_s` in its own thread (ADMS commands queued in
    the database)."""

    def loop() -> None:
        while not stop.is_set():
            user_sync_pass(cfg, factory)
            stop.wait(cfg.user_sync.interval_s)

    threading.Thread(target=loop, name="user-sync", daemon=True).start()


def user_sync_pass(cfg: Config, factory: sessionmaker[Session]) -> None:
    """One scheduled pass of `serve`: user sync of every terminal, then — with `[user_sync] copy_templates` — the
    template copy, so a finger enrolled on one terminal reaches the office's others (whose users the sync just
    added) without anyone running a command. Changes and failures are reported, a quiet pass prints nothing."""
    from gateway.devices.templates import copy_templates
    from gateway.devices.user_sync import sync_users, totals

    plans = sync_users(factory, cfg, actor="serve")
    count = totals(plans)
    if count["add"] or count["update"] or count["delete"] or count["unknown"]:
        console.print(
            f"user sync: {count['add']} added, {count['update']} updated, {count['delete']} deleted, "
            f"{count['unknown']} unknown users on terminals",
            highlight=False,
        )
    for plan in plans:
        if plan.error:
            console.print(f"[red]user sync {plan.device}[/red]: {escape(plan.error)}", soft_wrap=True)
    if not cfg.user_sync.copy_templates:
        return
    copies = copy_templates(factory, cfg, actor="serve")
    stored, written = sum(c.stored for c in copies), sum(c.written for c in copies)
    if stored or written:
        console.print(f"template copy: {stored} fingers stored, {written} written to terminals", highlight=False)
    for copy in copies:
        if copy.error:
            console.print(f"[red]template copy {copy.device}[/red]: {escape(copy.error)}", soft_wrap=True)


def _start_realtime(cfg: Config, factory: sessionmaker[Session], stop: threading.Event) -> None:
    """One live event connection per `realtime = true` terminal, each in its own thread; stored punches reported."""
    from drivers.base import RawPunch
    from gateway.config import Device
    from gateway.devices.realtime import start_listeners

    def report(device: Device, punches: Sequence[RawPunch], new: int) -> None:
        console.print(f"{device.label}: realtime {len(punches)} punches, new {new}", highlight=False)

    listeners = start_listeners(factory, cfg, stop, on_stored=report)
    if listeners:
        console.print(f"realtime punches from {', '.join(li.device.label for li in listeners)}", highlight=False)


def _start_notifications(cfg: Config, factory: sessionmaker[Session], stop: threading.Event) -> None:
    """The notification delivery worker in its own thread; each pass that did something is reported here."""
    from gateway.notify.worker import DeliveryWorker, PassResult

    def report(result: PassResult) -> None:
        if result.sent or result.retried or result.failed:
            console.print(f"notifications: sent {result.sent}, to retry {result.retried}, failed {result.failed}",
                          highlight=False)  # fmt: skip
        for line in result.errors:
            console.print(f"[red]{escape(line)}[/red]", highlight=False, soft_wrap=True)

    DeliveryWorker(factory, cfg, report).start(stop)


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
