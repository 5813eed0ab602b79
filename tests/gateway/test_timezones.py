"""Device wall time → UTC across offices: China's single zone, Xinjiang's own, a night shift, a DST office."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gateway_testkit import punch, seed_device, seed_employee
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.devices.ingest import ingest_punches
from gateway.devices.normalize import local_to_utc
from gateway.store import Punch, PunchFlag

NOW = datetime(2026, 12, 1, 0, 0, 0)


def utc_rows(factory: sessionmaker[Session], sn: str) -> list[tuple[str, str, int]]:
    with factory() as session:
        return [
            (p.ts_local.isoformat(" "), p.ts_utc.isoformat(" "), p.flags)
            for p in session.scalars(select(Punch).where(Punch.device_sn == sn).order_by(Punch.ts_local))
        ]


def test_same_wall_time_in_shanghai_and_urumqi_is_two_hours_apart(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="SH", timezone="Asia/Shanghai", office="Shanghai HQ")
    seed_device(factory, sn="XJ", timezone="Asia/Urumqi", office="Urumqi plant")
    seed_employee(factory, "E001", pin="1")
    ingest_punches(factory, "SH", [punch("1", "2026-06-01 09:00:00", sn="SH")], source="zk-tcp", now=NOW)
    ingest_punches(factory, "XJ", [punch("1", "2026-06-01 09:00:00", sn="XJ")], source="zk-tcp", now=NOW)
    assert utc_rows(factory, "SH") == [("2026-06-01 09:00:00", "2026-06-01 01:00:00", 0)]
    assert utc_rows(factory, "XJ") == [("2026-06-01 09:00:00", "2026-06-01 03:00:00", 0)]


def test_night_shift_across_midnight_keeps_its_order_and_dates(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="SH")
    seed_employee(factory, "E001", pin="1")
    shift = [punch("1", "2026-06-01 22:00:00", sn="SH"), punch("1", "2026-06-02 06:05:00", sn="SH")]
    ingest_punches(factory, "SH", shift, source="zk-tcp", now=NOW)
    assert utc_rows(factory, "SH") == [
        ("2026-06-01 22:00:00", "2026-06-01 14:00:00", 0),
        ("2026-06-02 06:05:00", "2026-06-01 22:05:00", 0),
    ]


def test_dst_office_fall_back_and_spring_forward(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="NY", timezone="America/New_York", office="New York sales", window_s=0)
    seed_employee(factory, "E001", pin="1")
    punches = [
        punch("1", "2026-03-08 01:59:00", sn="NY"),  # EST, before the spring-forward jump
        punch("1", "2026-03-08 02:30:00", sn="NY"),  # does not exist: read with EST → 03:30 EDT
        punch("1", "2026-03-08 03:00:00", sn="NY"),  # EDT
        punch("1", "2026-11-01 01:30:00", sn="NY"),  # occurs twice: first (EDT) occurrence taken
        punch("1", "2026-11-01 02:00:00", sn="NY"),  # EST again
    ]
    ingest_punches(factory, "NY", punches, source="zk-tcp", now=NOW)
    assert utc_rows(factory, "NY") == [
        ("2026-03-08 01:59:00", "2026-03-08 06:59:00", 0),
        ("2026-03-08 02:30:00", "2026-03-08 07:30:00", PunchFlag.DST_GAP),
        ("2026-03-08 03:00:00", "2026-03-08 07:00:00", 0),
        ("2026-11-01 01:30:00", "2026-11-01 05:30:00", PunchFlag.DST_AMBIGUOUS),
        ("2026-11-01 02:00:00", "2026-11-01 07:00:00", 0),
    ]


def test_local_to_utc_is_plain_offset_where_no_dst() -> None:
    assert local_to_utc(datetime(2026, 1, 1, 0, 0), ZoneInfo("Asia/Shanghai")) == (
        datetime(2025, 12, 31, 16, 0),
        PunchFlag.NONE,
    )


def test_hour_cache_agrees_with_the_exact_conversion_around_transitions() -> None:
    from datetime import timedelta

    from gateway.devices.normalize import UtcConverter

    for name in ("America/New_York", "Australia/Lord_Howe", "Asia/Shanghai", "America/St_Johns"):
        zone = ZoneInfo(name)
        convert = UtcConverter(zone)
        for start in (
            datetime(2026, 3, 7, 22, 0),
            datetime(2026, 10, 31, 22, 0),
            datetime(2026, 4, 4, 22, 0),
            datetime(2026, 11, 1, 0, 0),
        ):
            for minute in range(0, 6 * 60, 7):
                ts = start + timedelta(minutes=minute, seconds=13)
                assert convert(ts) == local_to_utc(ts, zone), (name, ts)


def test_simulated_terminal_seven_minutes_fast_is_measured_kept_and_then_corrected(
    factory: sessionmaker[Session],
) -> None:
    from datetime import UTC

    from gateway import config as cfg
    from gateway.devices.inventory import register_config
    from gateway.devices.poller import poll_device
    from gateway.store import AuditLog, Device
    from simulators.zk import ZKTerminal

    def shanghai_now() -> datetime:
        return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)

    with ZKTerminal(users=3, records=0, seed=5, clock=shanghai_now, clock_drift_s=420) as sim:
        sim.add_punch("1001", sim.device_time())  # stamped by the fast clock: 7 minutes "ahead"
        office = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai")
        device = cfg.Device(name="gate", kind="zk-tcp", host="127.0.0.1", port=sim.port, office="HQ", timeout_s=2.0)
        register_config(factory, cfg.Config(offices=[office], devices=[device]))

        first = poll_device(factory, device, office)
        assert (first.error, first.new, first.clock_set) == (None, 1, False)
        assert first.clock_offset_s in (419, 420, 421)
        with factory() as session:
            assert session.scalars(select(Punch.flags)).all() == [0]  # not FUTURE: the device clock is known fast
            assert session.scalars(select(Device.clock_offset_s)).one() == first.clock_offset_s

        fixing = device.model_copy(update={"sync_clock": True, "max_clock_drift_s": 60})
        second = poll_device(factory, fixing, office)
        assert second.clock_set is True and second.clock_offset_s in (-1, 0, 1)
        assert abs((sim.device_time() - shanghai_now()).total_seconds()) <= 1
        with factory() as session:
            assert session.scalars(select(AuditLog.action)).all() == ["device.set_time"]
