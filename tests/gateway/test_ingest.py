"""Exactly-once ingest, employee mapping, quarantine and flags — on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from gateway_testkit import punch, seed_device, seed_employee
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.devices.ingest import IngestResult, ingest_punches, missing_keys, remap_quarantine
from gateway.errors import IngestError
from gateway.store import Device, Punch, PunchFlag, Quarantine

NOW = datetime(2026, 3, 2, 14, 0, 0)  # naive UTC = 22:00 in Shanghai


def stored(factory: sessionmaker[Session]) -> list[tuple[str, str, str, str, int | None, int, bool]]:
    with factory() as session:
        return [
            (p.device_sn, p.pin, p.ts_local.isoformat(), p.ts_utc.isoformat(), p.employee_id, p.flags, p.is_double_tap)
            for p in session.scalars(select(Punch).order_by(Punch.ts_local, Punch.pin))
        ]


def test_new_and_duplicate_punches_are_counted_and_stored_once(factory: sessionmaker[Session]) -> None:
    seed_device(factory)
    alice = seed_employee(factory, "E001", pin="1")
    first = [punch("1", "2026-03-02 08:59:00"), punch("1", "2026-03-02 18:01:00"), punch("1", "2026-03-02 08:59:00")]

    assert ingest_punches(factory, "SN1", first, source="zk-tcp", now=NOW) == IngestResult(3, 2, 1, 0)
    again = first[:2] + [punch("1", "2026-03-02 19:30:00")]
    assert ingest_punches(factory, "SN1", again, source="zk-tcp", now=NOW, batch_size=1) == IngestResult(3, 1, 2, 0)

    assert stored(factory) == [
        ("SN1", "1", "2026-03-02T08:59:00", "2026-03-02T00:59:00", alice, 0, False),
        ("SN1", "1", "2026-03-02T18:01:00", "2026-03-02T10:01:00", alice, 0, False),
        ("SN1", "1", "2026-03-02T19:30:00", "2026-03-02T11:30:00", alice, 0, False),
    ]


def test_raw_fields_and_source_are_kept(factory: sessionmaker[Session]) -> None:
    seed_device(factory)
    seed_employee(factory, "E001", pin="7")
    raw = punch("7", "2026-03-02 09:00:00", status=1, punch_state=4, verify_mode=15, workcode="W42")
    ingest_punches(factory, "SN1", [raw], source="push", now=NOW)
    with factory() as session:
        row = session.scalars(select(Punch)).one()
        assert (row.status, row.punch_state, row.verify_mode, row.workcode, row.source, row.received_at) == (
            1,
            4,
            15,
            "W42",
            "push",
            NOW,
        )


def test_unknown_pin_is_stored_and_quarantined_then_remapped_by_a_new_badge(factory: sessionmaker[Session]) -> None:
    seed_device(factory)
    seed_device(factory, sn="SN2")
    punches = [punch("99", "2026-03-02 09:00:00"), punch("99", "2026-03-02 18:00:00")]
    assert ingest_punches(factory, "SN1", punches, source="zk-tcp", now=NOW) == IngestResult(2, 2, 0, 2)
    assert ingest_punches(
        factory, "SN2", [punch("99", "2026-03-02 09:05:00", sn="SN2")], source="zk-tcp", now=NOW
    ) == IngestResult(1, 1, 0, 1)
    with factory() as session:
        reasons = session.scalars(select(Quarantine.reason).order_by(Quarantine.id)).all()
    assert reasons[0] == (
        "unknown badge pin '99' on device SN1: add a badge for pin '99' "
        "(company-wide or for this device) and its quarantined punches are re-mapped"
    )
    assert reasons[2].startswith("unknown badge pin '99' on device SN2:")

    bob = seed_employee(factory, "E002", pin="99", device_sn="SN1")
    with factory() as session, session.begin():
        assert remap_quarantine(session, "99", bob, device_sn="SN1") == 2
    with factory() as session:
        assert session.scalars(select(Punch.employee_id).order_by(Punch.id)).all() == [bob, bob, None]
        open_items = session.scalars(select(Quarantine.punch_id).where(Quarantine.resolved_at.is_(None))).all()
        assert len(open_items) == 1
    with factory() as session, session.begin():
        assert remap_quarantine(session, "99", bob) == 1
        assert remap_quarantine(session, "99", bob) == 0


def test_device_badge_wins_over_company_wide_badge(factory: sessionmaker[Session]) -> None:
    seed_device(factory)
    seed_device(factory, sn="SN2")
    company = seed_employee(factory, "E001", pin="5")
    local = seed_employee(factory, "E002", pin="5", device_sn="SN2")
    ingest_punches(factory, "SN1", [punch("5", "2026-03-02 09:00:00")], source="zk-tcp", now=NOW)
    ingest_punches(factory, "SN2", [punch("5", "2026-03-02 09:00:00", sn="SN2")], source="zk-tcp", now=NOW)
    assert [(row[0], row[4]) for row in stored(factory)] == [("SN1", company), ("SN2", local)]


def test_double_taps_are_marked_against_the_last_accepted_punch_across_batches(factory: sessionmaker[Session]) -> None:
    seed_device(factory, window_s=30)
    seed_employee(factory, "E001", pin="1")
    seed_employee(factory, "E002", pin="2")
    taps = [punch("1", f"2026-03-02 09:00:{s:02d}") for s in (0, 20, 40)] + [punch("2", "2026-03-02 09:00:10")]
    ingest_punches(factory, "SN1", taps[:2], source="zk-tcp", now=NOW)
    # The 09:00:40 tap arrives in a later call: it is judged against 09:00:00, the last accepted tap.
    ingest_punches(factory, "SN1", taps, source="zk-tcp", now=NOW, batch_size=2)
    assert [(row[1], row[2][11:], row[6]) for row in stored(factory)] == [
        ("1", "09:00:00", False),
        ("2", "09:00:10", False),
        ("1", "09:00:20", True),
        ("1", "09:00:40", False),
    ]


def test_clock_seven_minutes_fast_moves_the_future_limit(factory: sessionmaker[Session]) -> None:
    seed_device(factory, clock_offset_s=420)
    seed_employee(factory, "E001", pin="1")
    # True local time is 22:00; the device reads 22:07; tolerance 300 s → limit 22:12:00 device time.
    punches = [punch("1", "2026-03-02 22:07:00"), punch("1", "2026-03-02 22:12:00"), punch("1", "2026-03-02 22:12:01")]
    ingest_punches(factory, "SN1", punches, source="zk-tcp", now=NOW, future_tolerance_s=300)
    assert [row[5] for row in stored(factory)] == [0, 0, PunchFlag.FUTURE]
    # The same punch from a device with an accurate clock is in the future.
    seed_device(factory, sn="SN2", clock_offset_s=0)
    ingest_punches(
        factory, "SN2", [punch("1", "2026-03-02 22:07:00", sn="SN2")], source="zk-tcp", now=NOW, future_tolerance_s=300
    )
    assert stored(factory)[1][:2] == ("SN2", "1") and stored(factory)[1][5] == PunchFlag.FUTURE


def test_punches_before_the_first_record_are_flagged_and_kept(factory: sessionmaker[Session]) -> None:
    seed_device(factory)
    seed_employee(factory, "E001", pin="1")
    ingest_punches(
        factory, "SN1", [punch("1", "2026-03-01 09:00:00"), punch("1", "2026-03-02 09:00:00")], source="zk-tcp", now=NOW
    )
    with factory() as session:
        assert session.scalars(select(Device.first_record_ts_local)).one() == datetime(2026, 3, 1, 9, 0)
    # A battery-dead terminal restarts at 2000-01-01.
    assert ingest_punches(factory, "SN1", [punch("1", "2000-01-01 00:03:00")], source="zk-tcp", now=NOW).new == 1
    assert [(row[2], row[5]) for row in stored(factory)] == [
        ("2000-01-01T00:03:00", PunchFlag.BEFORE_FIRST_RECORD),
        ("2026-03-01T09:00:00", 0),
        ("2026-03-02T09:00:00", 0),
    ]


def test_punch_from_another_device_is_refused_with_the_index(factory: sessionmaker[Session]) -> None:
    seed_device(factory)
    with pytest.raises(IngestError) as error:
        ingest_punches(
            factory,
            "SN1",
            [punch("1", "2026-03-02 09:00:00"), punch("1", "2026-03-02 09:01:00", sn="SN9")],
            source="zk-tcp",
        )
    assert str(error.value) == (
        "punch #1 (pin '1' at 2026-03-02 09:01:00) says device 'SN9' but is being stored for device 'SN1': "
        "ingest each device's punches separately"
    )
    assert stored(factory) == []


def test_unknown_device_without_time_zone_is_refused(factory: sessionmaker[Session]) -> None:
    with pytest.raises(IngestError) as error:
        ingest_punches(factory, "NEW", [punch("1", "2026-03-02 09:00:00", sn="NEW")], source="push")
    assert str(error.value) == (
        "no time zone for device 'NEW': give the device an office in the config (devices[].office) or pass office_tz"
    )
    result = ingest_punches(
        factory, "NEW", [punch("1", "2026-03-02 09:00:00", sn="NEW")], source="push", office_tz="Asia/Shanghai", now=NOW
    )
    assert result == IngestResult(1, 1, 0, 1)


def test_missing_keys_lists_what_the_database_lacks(factory: sessionmaker[Session]) -> None:
    seed_device(factory)
    held = [punch("1", "2026-03-02 09:00:00"), punch("2", "2026-03-02 09:00:00")]
    ingest_punches(factory, "SN1", held, source="zk-tcp", now=NOW)
    extra = punch("3", "2026-03-02 08:00:00")
    assert missing_keys(factory, "SN1", held) == []
    assert missing_keys(factory, "SN1", [*held, extra]) == [("3", datetime(2026, 3, 2, 8, 0))]
    assert missing_keys(factory, "SN2", held[:1]) == [("1", datetime(2026, 3, 2, 9, 0))]


def test_orm_written_punch_and_bulk_ingest_share_one_key(factory: sessionmaker[Session]) -> None:
    """The bulk path writes datetimes itself; a punch stored through the ORM must still be its duplicate."""
    seed_device(factory)
    with factory() as session, session.begin():
        session.add(
            Punch(
                device_sn="SN1",
                pin="1",
                ts_local=datetime(2026, 3, 2, 9, 0, 0, 250000),
                ts_utc=datetime(2026, 3, 2, 1, 0, 0, 250000),
                source="push",
                received_at=NOW,
                status=0,
                punch_state=0,
                verify_mode=0,
                workcode="",
                flags=0,
                is_double_tap=False,
            )
        )
    again = punch("1", "2026-03-02 09:00:00.250000")
    assert ingest_punches(factory, "SN1", [again], source="zk-tcp", now=NOW) == IngestResult(1, 0, 1, 0)


def test_unknown_zone_name_is_refused(factory: sessionmaker[Session]) -> None:
    with pytest.raises(IngestError) as error:
        ingest_punches(
            factory, "X", [punch("1", "2026-03-02 09:00:00", sn="X")], source="push", office_tz="Mars/Olympus"
        )
    assert (
        str(error.value) == "unknown IANA time zone 'Mars/Olympus' for device 'X': use a name such as 'Asia/Shanghai'"
    )


def test_concurrent_writers_store_each_punch_once(factory: sessionmaker[Session]) -> None:
    """Two sites (or a retrying pusher) storing overlapping punches at once: every key once, counted once."""
    import threading
    from datetime import timedelta

    seed_device(factory, window_s=0)
    seed_employee(factory, "E001", pin="1")
    start = datetime(2026, 3, 1, 0, 0)
    punches = [punch(str(1 + n % 3), (start + timedelta(seconds=n)).isoformat()) for n in range(3000)]
    results: list[IngestResult] = []
    go = threading.Barrier(2)

    def writer(batch_size: int) -> None:
        go.wait()
        results.append(ingest_punches(factory, "SN1", punches, source="zk-tcp", now=NOW, batch_size=batch_size))

    threads = [threading.Thread(target=writer, args=(size,)) for size in (250, 700)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.new for r in results) == 3000 and sum(r.duplicate for r in results) == 3000
    assert sum(r.quarantined for r in results) == 2000  # pins 2 and 3 have no badge
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Punch)) == 3000
        assert session.scalar(select(func.count()).select_from(Quarantine)) == 2000
