"""`punchclock sim …`: standalone simulated terminals, one sub-command per protocol family."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated

import typer

from simulators.lifecycle import Served
from simulators.zk_transport import PACKET_GAP_S

app = typer.Typer(no_args_is_help=True)

# Options every simulated terminal shares, declared once.
Host = Annotated[str, typer.Option(help="Address to listen on.")]
Seed = Annotated[int, typer.Option(help="Seed of the deterministic users and punches.")]
CommKey = Annotated[int, typer.Option("--comm-key", min=0, help="Comm Key clients must present (0: none).")]
TableUsers = Annotated[int, typer.Option(min=0, help="Users in the terminal's user table.")]
LogRecords = Annotated[int, typer.Option(min=0, help="Attendance records in the log.")]


@app.command("zk")
def zk(
    host: Host = "127.0.0.1",
    port: int = typer.Option(4370, help="Port to listen on (0 picks a free one)."),
    users: TableUsers = 50,
    records: LogRecords = 10_000,
    seed: Seed = 1,
    udp: bool = typer.Option(False, "--udp", help="Speak UDP instead of TCP."),
    comm_key: CommKey = 0,
    record_layout: int = typer.Option(40, help="Attendance record size in bytes: 40, 16 or 8."),
    user_layout: int = typer.Option(72, help="User record size in bytes: 72 or 28."),
    packet_gap_ms: float = typer.Option(
        PACKET_GAP_S * 1000,
        min=0,
        help="Milliseconds between two packets the terminal sends, paced like hardware (0: back to back).",
    ),
) -> None:
    """A ZKTeco terminal on the binary protocol (port 4370), until Ctrl-C."""
    from simulators.errors import SimulatorError
    from simulators.zk import ZKTerminal

    try:
        terminal = ZKTerminal(
            users,
            records,
            seed,
            udp=udp,
            comm_key=comm_key,
            host=host,
            port=port,
            record_layout=record_layout,
            user_layout=user_layout,
            packet_gap_s=packet_gap_ms / 1000,
        )
    except (ValueError, SimulatorError) as exc:  # bad arguments, or a name the user layout cannot hold
        raise typer.BadParameter(str(exc)) from None
    _serve(
        terminal,
        lambda: (
            f"ZKTeco terminal {terminal.serial} listening on {'udp' if udp else 'tcp'}://{host}:{terminal.port} "
            f"({len(terminal.users)} users, {len(terminal.records)} records); Ctrl-C stops it"
        ),
    )


@app.command("zk-soap")
def zk_soap(
    host: Host = "127.0.0.1",
    port: int = typer.Option(8080, help="Port to listen on (real terminals use 80; 0 picks a free one)."),
    users: TableUsers = 50,
    records: LogRecords = 10_000,
    seed: Seed = 1,
    comm_key: CommKey = 0,
    serial_number: str = typer.Option("", "--sn", help="Serial number to report (default from the seed)."),
) -> None:
    """A ZKTeco terminal's SOAP web service (POST /iWsService), until Ctrl-C."""
    from simulators.zk_soap import ZKSoapTerminal

    terminal = ZKSoapTerminal(
        host=host, port=port, users=users, records=records, seed=seed, comm_key=comm_key, serial_number=serial_number
    )
    _serve(
        terminal,
        lambda: (
            f"ZKTeco SOAP terminal {terminal.state.serial_number} on http://{host}:{terminal.port}/iWsService "
            f"({users} users, {len(terminal.state.punches)} records); Ctrl-C stops it"
        ),
    )


@app.command("push")
def push(
    server: str = typer.Option(
        ..., help="Gateway base URL, e.g. http://127.0.0.1:8000 (the terminal posts to /iclock/*)."
    ),
    sn: str = typer.Option("CQZ7224160001", "--sn", help="Serial number the terminal identifies itself with."),
    users: int = typer.Option(50, min=1, help="Users whose punches are generated."),
    records: int = typer.Option(2_000, min=0, help="Punches to push."),
    seed: Seed = 1,
    batch_size: int = typer.Option(200, min=1, help="Punches per ATTLOG upload."),
    follow: bool = typer.Option(False, "--follow", help="After pushing, keep polling for commands until Ctrl-C."),
    max_attempts: int = typer.Option(
        20, min=0, help="Give up a step after this many failures (0: retry forever, like a terminal)."
    ),
    push_comm_key: str = typer.Option(
        "", help="Push comm key sent on the handshake, like a terminal with one set (the gateway's push_comm_key)."
    ),
) -> None:
    """A ZKTeco terminal in ADMS push mode: uploads its punches, re-sends until OK, obeys commands."""
    import time

    import httpx

    from simulators.zk_push import PushGaveUp, PushReport, PushTerminal

    terminal = PushTerminal(
        server,
        sn,
        users=users,
        records=records,
        seed=seed,
        batch_size=batch_size,
        max_attempts=max_attempts or None,
        push_comm_key=push_comm_key or None,
    )
    report = PushReport()
    try:
        terminal.push_all(report)
        typer.echo(
            f"{sn}: {report.records_sent} punches accepted in {report.batches_accepted} batches, {report.retries} "
            "retries"
        )
        while follow:
            time.sleep(10)
            try:
                if terminal.poll_commands(report):
                    typer.echo(f"{sn}: ran {report.commands_run[-1]!r}")
            except httpx.HTTPError as exc:
                typer.echo(f"{sn}: poll failed ({exc}); retrying in 10 s")
    except PushGaveUp as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        terminal.close()


@app.command("comet")
def comet(
    out: str = typer.Option(..., help="File to write: .xlsx for a workbook, anything else for CSV."),
    records: int = typer.Option(500, min=0, help="Punches to write."),
    users: int = typer.Option(20, min=1, help="Users whose punches are generated."),
    seed: Seed = 1,
    machine_no: int = typer.Option(1, help="Machine number (机器号) written in every row."),
    encoding: str = typer.Option("gb18030", help="CSV text encoding (gb18030, utf-8, utf-8-sig)."),
) -> None:
    """Write a sample Comet (科密)-style attendance export for the comet-csv import driver."""
    from pathlib import Path

    from simulators.comet_export import write_export

    count = write_export(Path(out), users=users, records=records, seed=seed, machine_no=machine_no, encoding=encoding)
    typer.echo(f"wrote {count} punches to {out}")


@app.command("hik")
def hik(
    host: Host = "127.0.0.1",
    port: int = typer.Option(8000, help="Port to listen on (real terminals use 80, or 443 with --https; 0: any)."),
    users: TableUsers = 10,
    records: LogRecords = 200,
    seed: Seed = 1,
    user: str = typer.Option("admin", help="Web account user name (HTTP Digest), as in the gateway's `user`."),
    password: str = typer.Option("Hik12345", help="Web account password, as in the gateway's `password`."),
    https: bool = typer.Option(
        False, "--https", help="Serve HTTPS with a fresh self-signed certificate; its SHA-256 is printed to pin."
    ),
    page_cap: int = typer.Option(30, min=1, help="Events or users served per search page at most, as DS-K1T do."),
    denied_every: int = typer.Option(
        0, min=0, help="Log a refused face (minor 76, no attendance) after every N-th pass (0: none)."
    ),
    ignore_serial_bounds: bool = typer.Option(
        False, "--ignore-serial-bounds", help="Ignore beginSerialNo in searches, like some older firmware."
    ),
) -> None:
    """A Hikvision DS-K1T face terminal speaking ISAPI (HTTP Digest), until Ctrl-C."""
    from simulators.hik_isapi import HikTerminal

    terminal = HikTerminal(
        host=host,
        port=port,
        users=users,
        records=records,
        seed=seed,
        user=user,
        password=password,
        https=https,
        page_cap=page_cap,
        denied_every=denied_every,
        honour_serial_bounds=not ignore_serial_bounds,
    )
    pin = f"; tls_fingerprint = {terminal.fingerprint!r}" if https else ""
    _serve(
        terminal,
        lambda: (
            f"Hikvision terminal {terminal.state.serial_number} on {terminal.url} ({users} users, "
            f"{len(terminal.state.events)} events; user {user!r}{pin}); Ctrl-C stops it"
        ),
    )


@app.command("anviz")
def anviz(
    host: Host = "127.0.0.1",
    port: int = typer.Option(5010, help="TCP port to listen on (Anviz terminals use 5010; 0 picks a free one)."),
    users: int = typer.Option(20, min=1, help="Users whose punches are generated."),
    records: LogRecords = 500,
    seed: Seed = 1,
    device_id: int = typer.Option(1, min=1, help="The terminal's device id, as in the gateway's `device_id`."),
    bad_crc: bool = typer.Option(False, "--bad-crc", help="Fault: corrupt the CRC of every reply."),
    silent: bool = typer.Option(False, "--silent", help="Fault: never answer, so the gateway times out."),
    answer_as: int = typer.Option(
        0, min=0, help="Fault: reply with this device id instead, like a second terminal on the bus (0: off)."
    ),
) -> None:
    """An Anviz TC_B terminal on TCP (its Ethernet port, or a serial device server in TCP mode), until Ctrl-C."""
    from simulators.anviz import AnvizBus, AnvizFaults, AnvizTerminal

    faults = AnvizFaults(bad_crc=bad_crc, silent=silent, answer_as=answer_as or None)
    terminal = AnvizTerminal.sample(device_id, records, seed, users, faults=faults)
    bus = AnvizBus([terminal], host=host, port=port)
    _serve(
        bus,
        lambda: (
            f"Anviz terminal {terminal.serial} (device id {device_id}) on tcp://{host}:{bus.port} "
            f"({len(terminal.records)} records, all new); Ctrl-C stops it"
        ),
    )


def _serve(terminal: Served, banner: Callable[[], str]) -> None:
    """Start listening (or say why not and exit 2), print `banner()` (the port is known then), serve until Ctrl-C."""
    _start_or_exit(terminal)
    try:
        typer.echo(banner())
        threading.Event().wait()  # the terminal serves from its own threads
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        terminal.stop()


def _start_or_exit(terminal: Served) -> None:
    """Start listening, or say why not (a port in use) and exit 2, without a traceback."""
    from simulators.errors import SimulatorError

    try:
        terminal.start()
    except SimulatorError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
