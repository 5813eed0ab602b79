"""One device poll (health, clock, clear rules) and the scheduler, with in-memory terminals."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime

import pytest
from gateway_testkit import FakeDriver, punch
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import AuthFailed
from gateway import config as cfg
from gateway.devices.inventory import register_config
from gateway.devices.poller import Poller, PollResult, backoff_delay, poll_device
from gateway.store import AuditLog, Device, Punch

OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=0)
RECORDS = [punch("1", "2026-03-02 09:00:00", sn="ZK1"), punch("2", "2026-03-02 09:01:00", sn="ZK1")]


def device(name: str = "door", **fields: object) -> cfg.Device:
    return cfg.Device(name=name, kind="zk-tcp", host="10.0.0.5", office="HQ", **fields)  # type: ignore[arg-type]


def setup(factory: sessionmaker[Session], *devices: cfg.Device) -> cfg.Config:
    config = cfg.Config(
        offices=[OFFICE], devices=list(devices), poller=cfg.Poller(backoff_base_s=0.01, backoff_max_s=0.02)
    )
    register_config(factory, config)
    return config


def device_row(factory: sessionmaker[Session], name: str = "door") -> Device:
    with factory() as session:
        return session.scalars(select(Device).where(Device.name == name)).one()


def test_poll_stores_punches_and_health(factory: sessionmaker[Session]) -> None:
    dev = device()
    setup(factory, dev)
    fake = FakeDriver("ZK1", RECORDS, clock_offset_s=-90)
    result = poll_device(factory, dev, OFFICE, build=lambda _d: fake)
    assert (result.sn, result.read, result.new, result.duplicate, result.quarantined, result.cleared, result.error) == (
        "ZK1",
        2,
        2,
        0,
        2,
        False,
        None,
    )
    assert result.clock_offset_s in (-91, -90, -89)
    row = device_row(factory)
    assert (row.sn, row.model, row.record_count, row.record_capacity, row.user_count, row.consecutive_failures) == (
        "ZK1",
        "Fake",
        2,
        100000,
        3,
        0,
    )
    assert row.watermark_ts_local == datetime(2026, 3, 2, 9, 1)
    assert row.last_success_at is not None and row.last_error is None
    assert fake.set_times == [] and fake.cleared == 0
    assert poll_device(factory, dev, OFFICE, build=lambda _d: fake).duplicate == 2


def test_clear_happens_only_after_everything_read_is_stored(factory: sessionmaker[Session]) -> None:
    dev = device(clear_after_download=True)
    setup(factory, dev)
    fake = FakeDriver("ZK1", RECORDS)
    assert poll_device(factory, dev, OFFICE, build=lambda _d: fake).cleared is True
    assert fake.records == [] and device_row(factory).record_count == 0
    with factory() as session:
        assert session.scalars(select(Punch.pin).order_by(Punch.pin)).all() == ["1", "2"]


def test_device_that_gained_records_during_download_is_not_cleared(factory: sessionmaker[Session]) -> None:
    dev = device(clear_after_download=True)
    setup(factory, dev)
    fake = FakeDriver("ZK1", RECORDS, grows_during_download=1)
    result = poll_device(factory, dev, OFFICE, build=lambda _d: fake)
    assert (result.cleared, fake.cleared, len(fake.records)) == (False, 0, 3)
    assert result.note == (
        "not cleared: the device holds 3 records but 2 were read (punches made during the download); "
        "it is cleared on a later poll"
    )
    fake.grows_during_download = 0
    assert poll_device(factory, dev, OFFICE, build=lambda _d: fake).cleared is True


def test_clock_beyond_the_drift_threshold_is_corrected_and_audited(factory: sessionmaker[Session]) -> None:
    dev = device(sync_clock=True, max_clock_drift_s=60)
    setup(factory, dev)
    fake = FakeDriver("ZK1", RECORDS, clock_offset_s=420)
    result = poll_device(factory, dev, OFFICE, build=lambda _d: fake)
    assert result.clock_set is True and len(fake.set_times) == 1 and result.clock_offset_s in (-1, 0, 1)
    with factory() as session:
        audit = session.scalars(select(AuditLog)).one()
    assert (audit.actor, audit.action, audit.target) == ("poller", "device.set_time", "device:ZK1")
    assert '"offset_s":0' in audit.after_json and (
        '"offset_s":420' in audit.before_json or '"offset_s":419' in audit.before_json
    )
    # Within the threshold nothing is touched.
    fake.clock_offset = fake.clock_offset.__class__(seconds=30)
    assert poll_device(factory, dev, OFFICE, build=lambda _d: fake).clock_set is False and len(fake.set_times) == 1


def test_driver_error_lands_in_health_with_its_message(factory: sessionmaker[Session]) -> None:
    dev = device()
    setup(factory, dev)
    fake = FakeDriver("ZK1", RECORDS, error=AuthFailed("wrong comm key for device 10.0.0.5:4370"))
    for _ in range(2):
        assert (
            poll_device(factory, dev, OFFICE, build=lambda _d: fake).error
            == "AuthFailed: wrong comm key for device 10.0.0.5:4370"
        )
    row = device_row(factory)
    assert (row.last_error, row.consecutive_failures, row.last_success_at) == (
        "AuthFailed: wrong comm key for device 10.0.0.5:4370",
        2,
        None,
    )
    fake.error = None
    assert poll_device(factory, dev, OFFICE, build=lambda _d: fake).error is None
    row = device_row(factory)
    assert (
        row.consecutive_failures == 0 and row.last_success_at is not None and row.last_success_at >= row.last_error_at
    )


def test_serial_that_contradicts_the_config_is_refused(factory: sessionmaker[Session]) -> None:
    dev = device(sn="ZK9")
    setup(factory, dev)
    result = poll_device(factory, dev, OFFICE, build=lambda _d: FakeDriver("ZK1", RECORDS))
    assert result.error == (
        "GatewayError: device door at 10.0.0.5:4370 reports serial 'ZK1' but the config says sn = 'ZK9': "
        "fix the sn or the host in the config"
    )


def test_backoff_doubles_caps_and_jitters() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, 5.0, 60.0, rng) for n in (1, 2, 3, 4, 5, 6)]
    for delay, full in zip(delays, (5, 10, 20, 40, 60, 60), strict=True):
        assert full * 0.5 <= delay <= full
    assert len(set(delays)) == 6


def test_a_hung_device_does_not_delay_the_others(factory: sessionmaker[Session]) -> None:
    hung_dev, ok_dev = device("hung", poll_interval_s=0.01), device("ok", poll_interval_s=0.01)
    config = setup(factory, hung_dev, ok_dev)
    gate = threading.Event()
    fakes = {"hung": FakeDriver("ZK0", [], gate=gate), "ok": FakeDriver("ZK1", RECORDS)}
    stop = threading.Event()
    seen: list[str] = []

    def on_result(result: PollResult) -> None:
        seen.append(result.device)
        if seen.count("ok") == 5:
            stop.set()
            gate.set()  # let the hung poll finish so run() can return

    stats = Poller(config, factory, build=lambda d: fakes[d.label], on_result=on_result).run(stop)
    assert seen[:5] == ["ok"] * 5
    assert seen.count("hung") == 1 and stats.polls == 6 and stats.failures == 0


@pytest.mark.parametrize("fail_times", [1, 3])
def test_failed_device_is_retried_with_backoff_and_recovers(factory: sessionmaker[Session], fail_times: int) -> None:
    dev = device(poll_interval_s=0.01)
    config = setup(factory, dev)
    fake = FakeDriver("ZK1", RECORDS, error=AuthFailed("wrong comm key"))
    stop = threading.Event()
    results: list[PollResult] = []

    def on_result(result: PollResult) -> None:
        results.append(result)
        if len(results) == fail_times:
            fake.error = None
        if result.error is None:
            stop.set()

    stats = Poller(config, factory, build=lambda _d: fake, on_result=on_result, rng=random.Random(1)).run(stop)
    assert [r.error for r in results] == ["AuthFailed: wrong comm key"] * fail_times + [None]
    assert (stats.polls, stats.failures) == (fail_times + 1, fail_times)
    assert device_row(factory).consecutive_failures == 0


def test_push_terminals_are_registered_but_never_polled(factory: sessionmaker[Session]) -> None:
    push = cfg.Device(name="lobby", kind="zk-push", sn="PUSH1", office="HQ")
    config = setup(factory, push, device(poll_interval_s=0.01))
    stop = threading.Event()
    seen: list[str] = []

    def on_result(result: PollResult) -> None:
        seen.append(result.device)
        if len(seen) == 3:
            stop.set()

    Poller(config, factory, build=lambda d: FakeDriver("ZK1", RECORDS), on_result=on_result).run(stop)
    assert seen == ["door"] * 3
    assert device_row(factory, "lobby").sn == "PUSH1"


def test_a_database_failure_outside_the_poll_is_a_failed_poll_and_the_poller_goes_on(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the soak (issue 17): during a PostgreSQL restart the lease or the health write raised out of
    `poll_device`, `future.result()` re-raised it in `Poller.run`, and every site gateway stopped polling for good."""
    from sqlalchemy.exc import OperationalError

    import gateway.devices.poller as poller

    config = setup(factory, device(poll_interval_s=0.01))
    calls: list[int] = []

    def down_once(*args: object, **kwargs: object) -> PollResult:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return poll_device(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(poller, "poll_device", down_once)
    stop = threading.Event()
    results: list[PollResult] = []

    def on_result(result: PollResult) -> None:
        results.append(result)
        if result.error is None:
            stop.set()

    stats = Poller(config, factory, build=lambda _d: FakeDriver("ZK1", RECORDS), on_result=on_result).run(stop)
    assert [r.error for r in results] == [
        "OperationalError: (builtins.Exception) server closed the connection unexpectedly\n"
        "[SQL: SELECT 1]\n(Background on this error at: https://sqlalche.me/e/21/e3q8)",
        None,
    ]
    assert (stats.polls, stats.failures) == (2, 1)


def test_slots_missed_while_no_poll_could_start_are_skipped_not_caught_up(factory: sessionmaker[Session]) -> None:
    """After the site lock was not held for ten intervals, the next poll is on the grid after now, not ten polls in
    a row for the slots missed."""
    dev = device(poll_interval_s=60)
    poller = Poller(setup(factory, dev), factory)
    was_due = time.monotonic() - 10 * 60 - 1
    next_due = poller._next_due(dev, PollResult(device="door"), was_due, {"door": 0})
    assert next_due == was_due + 11 * 60
