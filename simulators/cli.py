"""`punchclock sim …`: standalone simulated terminals, one sub-command per protocol family."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("zk")
def zk(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(4370, help="Port to listen on (0 picks a free one)."),
    users: int = typer.Option(50, min=0, help="Users in the terminal's user table."),
    records: int = typer.Option(10_000, min=0, help="Attendance records in the log."),
    seed: int = typer.Option(1, help="Seed of the deterministic users and log."),
    udp: bool = typer.Option(False, "--udp", help="Speak UDP instead of TCP."),
    comm_key: int = typer.Option(0, "--comm-key", min=0, help="Comm Key clients must present (0: none)."),
    record_layout: int = typer.Option(40, help="Attendance record size in bytes: 40, 16 or 8."),
    user_layout: int = typer.Option(72, help="User record size in bytes: 72 or 28."),
) -> None:
    """A ZKTeco terminal on the binary protocol (port 4370), until Ctrl-C."""
    import threading

    from simulators.zk import ZKTerminal

    try:
        terminal = ZKTerminal(
            users, records, seed, udp=udp, comm_key=comm_key, host=host, port=port,
            record_layout=record_layout, user_layout=user_layout,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with terminal:
        typer.echo(
            f"ZKTeco terminal {terminal.serial} listening on {'udp' if udp else 'tcp'}://{host}:{terminal.port} "
            f"({len(terminal.users)} users, {len(terminal.records)} records); Ctrl-C stops it",
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            typer.echo("stopped")
