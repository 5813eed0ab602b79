"""`punchclock sim comet|push|zk-soap|hik|anviz`: the commands run the simulators with their options."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api import iclock
from drivers.anviz import AnvizDriver
from drivers.base import DeviceUnreachable
from drivers.comet import CometCsvDriver
from drivers.hik_isapi import HikIsapiDriver
from drivers.zk_soap import ZKSoapDriver
from gateway.access.push_auth import set_push_key
from gateway.store import Device, Punch
from simulators.cli import app

if TYPE_CHECKING:
    from conftest import RestartableServer

SN = "CQZ7224160001"


def test_sim_comet_writes_an_export_the_driver_reads(tmp_path: Path) -> None:
    out = tmp_path / "march.xlsx"
    result = CliRunner().invoke(app, ["comet", "--out", str(out), "--records", "40", "--machine-no", "3"])
    assert (result.exit_code, result.output) == (0, f"wrote 40 punches to {out}\n")
    with CometCsvDriver(str(out)) as driver:
        assert (driver.info().serial_number, len(driver.read_punches())) == ("COMET-3", 40)


def test_sim_push_delivers_to_a_gateway(
    factory: sessionmaker[Session], live_server: Callable[[FastAPI], RestartableServer]
) -> None:
    gateway = FastAPI()
    iclock.mount(gateway, factory)
    server = live_server(gateway)
    result = CliRunner().invoke(
        app,
        ["push", "--server", f"http://127.0.0.1:{server.port}", "--sn", SN, "--records", "250", "--batch-size", "100"],
    )
    assert (result.exit_code, result.output) == (0, f"{SN}: 250 punches accepted in 3 batches, 0 retries\n")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Punch)) == 250


def test_sim_zk_soap_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from gateway.cli.app import main; main()",
            "sim",
            "zk-soap",
            "--port",
            "0",
            "--records",
            "30",
            "--sn",
            "CLI-SOAP",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline() if process.stdout else ""
        url = banner.split(" on ", 1)[1].split(" ", 1)[0]
        host, port = url.removeprefix("http://").removesuffix("/iWsService").split(":")
        with ZKSoapDriver(host, int(port)) as driver:
            assert (driver.info().serial_number, len(driver.read_punches())) == ("CLI-SOAP", 30)
    finally:
        process.terminate()
        process.wait()


def test_sim_push_with_an_unknown_serial_says_why_nothing_arrives(
    factory: sessionmaker[Session], live_server: Callable[[FastAPI], RestartableServer]
) -> None:
    gateway = FastAPI()
    iclock.mount(gateway, factory)
    server = live_server(gateway)
    result = CliRunner().invoke(
        app, ["push", "--server", f"http://127.0.0.1:{server.port}", "--sn", "NOPE1", "--max-attempts", "2"]
    )
    assert result.exit_code == 1
    assert result.output.endswith(
        "NOPE1: gave up after 2 attempts; last error: /iclock/cdata: HTTP 403: UNKNOWN DEVICE NOPE1: not in the "
        "gateway config\n"
    )


def test_sim_push_sends_its_push_comm_key_on_the_handshake(
    factory: sessionmaker[Session], live_server: Callable[[FastAPI], RestartableServer]
) -> None:
    with factory() as session, session.begin():
        device = session.scalar(select(Device).where(Device.sn == SN))
        assert device is not None
        set_push_key(device, "cli-key.7")
    gateway = FastAPI()
    iclock.mount(gateway, factory)
    server = live_server(gateway)
    base = ["push", "--server", f"http://127.0.0.1:{server.port}", "--sn", SN, "--records", "30", "--max-attempts", "1"]
    refused = CliRunner().invoke(app, base)
    assert (refused.exit_code, refused.output.splitlines()[-1]) == (
        1,
        f"{SN}: gave up after 1 attempts; last error: /iclock/cdata: HTTP 403: REFUSED {SN}: no push comm key",
    )
    accepted = CliRunner().invoke(app, [*base, "--push-comm-key", "cli-key.7"])
    assert (accepted.exit_code, accepted.output) == (0, f"{SN}: 30 punches accepted in 1 batches, 0 retries\n")


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`punchclock sim ARGS` in a child process, and its banner line."""
    command = [sys.executable, "-c", "from gateway.cli.app import main; main()", "sim", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline() if process.stdout else ""


def test_sim_hik_serves_a_terminal_the_driver_reads() -> None:
    process, banner = _serve("hik", "--port", "0", "--records", "40", "--denied-every", "10", "--password", "Pw-1")
    try:
        url = banner.split(" on ", 1)[1].split(" ", 1)[0]
        host, port = url.removeprefix("http://").split(":")
        with HikIsapiDriver(host, int(port), user="admin", password="Pw-1", timeout=5.0) as driver:
            punches, cursor = driver.read_punches_after(None)
        assert (len(punches), cursor) == (40, "44")  # 40 passes and 4 refused faces, serials 1..44
        assert banner.endswith("(10 users, 44 events; user 'admin'); Ctrl-C stops it\n")
    finally:
        process.terminate()
        process.wait()


def test_sim_anviz_serves_a_terminal_the_driver_reads() -> None:
    process, banner = _serve("anviz", "--port", "0", "--records", "60", "--device-id", "7")
    try:
        port = int(banner.split("tcp://127.0.0.1:", 1)[1].split(" ", 1)[0])
        with AnvizDriver("127.0.0.1", port, device_id=7, timeout=5.0) as driver:
            assert (driver.info().serial_number, len(driver.read_punches())) == ("ANVIZ00000007", 60)
        assert banner.startswith("Anviz terminal ANVIZ00000007 (device id 7) on tcp://127.0.0.1:")
    finally:
        process.terminate()
        process.wait()


def test_sim_anviz_silent_fault_makes_the_driver_time_out() -> None:
    process, banner = _serve("anviz", "--port", "0", "--records", "5", "--silent")
    try:
        port = int(banner.split("tcp://127.0.0.1:", 1)[1].split(" ", 1)[0])
        with pytest.raises(DeviceUnreachable), AnvizDriver("127.0.0.1", port, device_id=1, timeout=0.5) as driver:
            driver.info()
    finally:
        process.terminate()
        process.wait()
