"""50 simulated ZKTeco terminals (TCP and UDP) in one sync pass, a third of them broken in different ways."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway import config as cfg
from gateway.access.keys import KeyRing
from gateway.devices.inventory import register_config
from gateway.devices.poller import PollResult
from gateway.devices.sync import run_sync
from gateway.store import Device, Punch, make_engine, session_factory, upgrade
from simulators.zk import ZKTerminal

TERMINALS = 50
COMM_KEY = 4711
# Short enough that the stalling terminals time out quickly in the first pass. The recovery pass uses
# the production default: fifty terminals and their pollers share one Python process (one GIL) here,
# and on a loaded CI machine one 2,500-record UDP transfer once went a second without an answer.
FIRST_TIMEOUT_S = 1.0
# index → fault; everything else is healthy (odd index = UDP). Drop faults need transfers longer than
# one chunk. "refuse" is on TCP terminals only: a refusing UDP simulator frees its port, which the
# kernel may hand to another terminal's client socket in this same process — a collision no real
# site has (a silent UDP terminal is what "stall" covers).
FAULTS = (
    dict.fromkeys((0, 2, 16, 18), "refuse")
    | dict.fromkeys((4, 5, 6, 7), "stall")
    | dict.fromkeys((8, 9, 10, 11), "drop")
    | dict.fromkeys((12, 13, 14, 15), "comm_key")
)


def records_for(index: int) -> int:
    return 2_500 if FAULTS.get(index) == "drop" else 30


@pytest.fixture
def terminals() -> Iterator[list[ZKTerminal]]:
    sims = [
        ZKTerminal(users=12, records=records_for(i), seed=100 + i, udp=i % 2 == 1, comm_key=COMM_KEY).start()
        for i in range(TERMINALS)
    ]
    try:
        yield sims
    finally:
        for sim in sims:
            sim.stop()


def break_terminal(sim: ZKTerminal, fault: str) -> None:
    if fault == "refuse":
        sim.faults.refuse = True
    elif fault == "stall":
        sim.faults.stall_s = 3 * FIRST_TIMEOUT_S
    elif fault == "drop":
        sim.faults.drop_after_chunks = 1
    elif fault == "comm_key":
        sim.comm_key = COMM_KEY + 1


def stored_keys(factory: sessionmaker[Session], sn: str) -> list[tuple[str, str]]:
    with factory() as session:
        rows = session.execute(
            select(Punch.pin, Punch.ts_local).where(Punch.device_sn == sn).order_by(Punch.ts_local, Punch.pin)
        )
        return [(pin, ts.isoformat()) for pin, ts in rows]


def sim_keys(sim: ZKTerminal) -> list[tuple[str, str]]:
    return sorted(((r.user_id, r.timestamp.isoformat()) for r in sim.records), key=lambda k: (k[1], k[0]))


def expected_error(sim: ZKTerminal, fault: str) -> tuple[str, str]:
    """(error type, a phrase the driver's message must contain) for each fault."""
    where = f"{'UDP' if sim.udp else 'TCP'} device 127.0.0.1:{sim.port}"
    if fault == "comm_key":
        return "AuthFailed", f"wrong comm key for {where}"
    if fault == "refuse" and not sim.udp:
        return "DeviceUnreachable", f"{where} refused the TCP connection"
    if fault == "drop" and not sim.udp:
        return "DeviceUnreachable", f"lost the connection to {where}"
    return "DeviceUnreachable", f"no answer from {where}"


@pytest.mark.slow
def test_healthy_terminals_deliver_broken_ones_report_and_recover(terminals: list[ZKTerminal], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine, keys=KeyRing.generate())
    office = cfg.Office(name="HQ", timezone="UTC", city="shanghai")
    devices = [
        cfg.Device(
            name=f"t{i:02d}",
            kind=s.kind,
            host="127.0.0.1",
            port=s.port,
            comm_key=COMM_KEY,
            office="HQ",
            timeout_s=FIRST_TIMEOUT_S,
        )
        for i, s in enumerate(terminals)
    ]
    config = cfg.Config(offices=[office], devices=devices)
    register_config(factory, config)
    for index, fault in FAULTS.items():
        break_terminal(terminals[index], fault)
    quiet = Console(file=io.StringIO(), width=200)

    first = {r.device: r for r in run_sync(config, factory, console=quiet)}

    for i, sim in enumerate(terminals):
        result: PollResult = first[f"t{i:02d}"]
        if i in FAULTS:
            kind, phrase = expected_error(sim, FAULTS[i])
            assert result.error is not None and result.error.startswith(f"{kind}: ") and phrase in result.error, (
                i,
                result.error,
            )
        else:
            assert (result.error, result.sn, result.read, result.new) == (None, sim.serial, 30, 30), i
            assert stored_keys(factory, sim.serial) == sim_keys(sim)
    with factory() as session:
        health = {d.name: d for d in session.scalars(select(Device))}
    for i in FAULTS:
        row = health[f"t{i:02d}"]
        assert (row.last_error, row.consecutive_failures, row.last_success_at) == (first[f"t{i:02d}"].error, 1, None)
    assert quiet.file.getvalue().count("t00") >= 1  # the summary table names every device  # type: ignore[attr-defined]

    for index in FAULTS:
        terminals[index].faults.clear()
        terminals[index].comm_key = COMM_KEY
    patient = cfg.Config(offices=[office], devices=[d.model_copy(update={"timeout_s": 10.0}) for d in devices])
    second = {r.device: r for r in run_sync(patient, factory, console=quiet)}

    assert {name: r.error for name, r in second.items() if r.error} == {}
    for i, sim in enumerate(terminals):
        assert stored_keys(factory, sim.serial) == sim_keys(sim), i
        if i in FAULTS:
            assert second[f"t{i:02d}"].new == records_for(i)
    with factory() as session:
        assert all(
            d.consecutive_failures == 0 and d.last_success_at is not None for d in session.scalars(select(Device))
        )
    engine.dispose()
