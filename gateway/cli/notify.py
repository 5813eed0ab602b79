"""`punchclock notify …`: send the pending notification deliveries once, and list how deliveries went."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.markup import escape

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, prepare_store

notify_app = typer.Typer(no_args_is_help=True)


@notify_app.command("send")
def notify_send(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Send every notification delivery that is due now, once (e-mail, WeCom, DingTalk: each office's
    offices.notify tables in the config), and print what happened; `punchclock serve` does this every
    notify.interval_s. A failed delivery is tried again later (notify.backoff_base_s, doubling each time) and
    given up after notify.max_attempts. Exit 1 if any attempt failed."""
    from gateway.notify.worker import run_pass

    cfg, factory = prepare_store(config)
    result = run_pass(factory, cfg)
    console.print(
        f"notifications: {result.fanned_out} new, deliveries sent {result.sent}, to retry {result.retried}, "
        f"failed for good {result.failed}",
        highlight=False,
    )
    for line in result.errors:
        console.print(f"[red]{escape(line)}[/red]", highlight=False, soft_wrap=True)
    if result.errors:
        raise typer.Exit(1)


@notify_app.command("list")
def notify_list(
    config: ConfigOption = DEFAULT_CONFIG,
    status: Annotated[
        Literal["pending", "sent", "failed"] | None,
        typer.Option(help="Only deliveries in this state: pending, sent or failed."),
    ] = "failed",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 50,
) -> None:
    """List notification deliveries (the failed ones unless --status says otherwise) with their last error."""
    from rich.table import Table

    from gateway.notify.inbox import deliveries

    _cfg, factory = prepare_store(config)
    with factory() as session:
        rows = deliveries(session, status, None, limit, None)
    table = Table("id", "notification", "office", "channel", "status", "attempts", "last error")
    for delivery, notification, office in rows:
        table.add_row(str(delivery.id), escape(notification.title), escape(office or "—"), delivery.channel,
                      delivery.status, str(delivery.attempts), escape(delivery.last_error or ""))  # fmt: skip
    console.print(table)
