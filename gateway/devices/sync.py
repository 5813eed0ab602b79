"""`punchclock sync`: one pass over the configured devices, with a progress bar per device and a summary.

All devices are polled at once in worker threads (the same `poll_device` the poller uses), so a dead
terminal costs its own timeout and nothing else.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config, Device
from gateway.devices.poller import DriverFactory, PollResult, build_driver, poll_device


def run_sync(
    config: Config,
    factory: sessionmaker[Session],
    *,
    only: str | None = None,
    console: Console | None = None,
    build: DriverFactory = build_driver,
) -> list[PollResult]:
    """Poll every polled device (or just `only`, a name or serial) once; results in config order."""
    console = console or Console()
    devices = [config.device(only)] if only is not None else config.polled_devices
    if not devices:
        return []
    columns = (
        TextColumn("{task.description:<24}"),
        TextColumn("{task.fields[stage]:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        tasks = {d.label: progress.add_task(d.label, total=None, stage="waiting") for d in devices}

        def poll(device: Device) -> PollResult:
            task = tasks[device.label]

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, stage=stage, completed=done, total=total)

            result = poll_device(
                factory,
                device,
                config.office(device.office),
                build=build,
                future_tolerance_s=config.poller.future_tolerance_s,
                progress=report,
            )
            progress.update(task, stage="busy" if result.busy else "failed" if result.error else "done")
            return result

        with ThreadPoolExecutor(
            max_workers=min(config.poller.max_workers, len(devices)), thread_name_prefix="sync"
        ) as pool:
            results = list(pool.map(poll, devices))
    console.print(summary_table(results))
    return results


def summary_table(results: list[PollResult]) -> Table:
    table = Table(title="sync summary")
    for name, justify in (
        ("device", "left"),
        ("sn", "left"),
        ("read", "right"),
        ("new", "right"),
        ("duplicate", "right"),
        ("quarantined", "right"),
        ("cleared", "left"),
        ("error", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in results:
        table.add_row(
            r.device,
            r.sn or "",
            str(r.read),
            str(r.new),
            str(r.duplicate),
            str(r.quarantined),
            "yes" if r.cleared else "",
            r.error or r.note,
        )
    return table
