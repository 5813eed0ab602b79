"""pyzk itself (not our driver) against the simulator: every field it reads equals what the terminal holds."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from zk.exception import ZKErrorResponse
from zk_testkit import FROZEN, expected_attendance, frozen_clock, pyzk

from simulators.zk import ZKTerminal

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_pyzk_reads_100k_records_users_time_and_info(udp: bool) -> None:
    layout = 16 if udp else 40  # pyzk's 40-byte path over TCP, its 16-byte path over UDP
    with ZKTerminal(users=50, records=100_000, udp=udp, record_layout=layout, user_layout=72, clock=frozen_clock) as t:
        client = pyzk(t)
        client.connect()
        assert client.get_serialnumber() == t.serial
        assert client.get_platform() == "ZMM220_TFT"
        assert client.get_device_name() == "K40"
        assert client.get_firmware_version() == "Ver 6.60 Apr 28 2017"
        assert client.get_mac() == t.options["MAC"]
        client.read_sizes()
        assert (client.users, client.records, client.rec_cap, client.rec_av) == (50, 100_000, 100_000, 0)
        users = client.get_users()
        assert [(u.uid, u.user_id, u.name, u.privilege, u.password, u.card, u.group_id) for u in users] == [
            (u.uid, u.user_id, u.name, u.privilege, u.password, u.card, u.group_id) for u in t.users
        ]
        attendance = client.get_attendance()
        assert [(a.user_id, a.timestamp, a.status, a.punch) for a in attendance] == expected_attendance(t)
        assert client.get_time() == FROZEN
        client.disconnect()


@pytest.mark.parametrize(
    ("udp", "record_layout", "user_layout"),
    [(False, 8, 72), (True, 8, 28), (False, 16, 28), (True, 40, 72)],
)
def test_pyzk_reads_every_layout(udp: bool, record_layout: int, user_layout: int) -> None:
    with ZKTerminal(users=30, records=2_000, udp=udp, record_layout=record_layout, user_layout=user_layout) as t:
        client = pyzk(t)
        client.connect()
        users = client.get_users()
        assert [(u.uid, u.user_id, u.name, u.card) for u in users] == [
            (u.uid, u.user_id, u.name, u.card) for u in t.users
        ]
        assert client.user_packet_size == user_layout
        got = [(a.user_id, a.timestamp, a.status, a.punch) for a in client.get_attendance()]
        assert got == expected_attendance(t)
        client.disconnect()


def test_small_tables_come_back_as_one_direct_data_packet() -> None:
    # 5 users x 72 bytes and 20 records x 40 bytes fit one CMD_DATA: no PREPARE/READ_BUFFER round trip.
    with ZKTerminal(users=5, records=20) as t:
        client = pyzk(t)
        client.connect()
        assert [u.user_id for u in client.get_users()] == ["1001", "1002", "1003", "1004", "1005"]
        assert [(a.user_id, a.timestamp, a.status, a.punch) for a in client.get_attendance()] == expected_attendance(t)
        client.disconnect()


@pytest.mark.parametrize("udp", [False, True], ids=["tcp", "udp"])
def test_pyzk_comm_key(udp: bool) -> None:
    with ZKTerminal(users=3, records=10, udp=udp, comm_key=123456) as t:
        good = pyzk(t, password=123456)
        good.connect()
        assert good.get_serialnumber() == t.serial
        good.disconnect()
        with pytest.raises(ZKErrorResponse, match="Unauthenticated"):
            pyzk(t, password=654321).connect()


def test_pyzk_set_time_then_get_time_and_clear() -> None:
    with ZKTerminal(users=3, records=10, clock=frozen_clock, clock_drift_s=-90) as t:
        client = pyzk(t)
        client.connect()
        assert client.get_time() == datetime(2026, 3, 2, 9, 28, 30)
        client.set_time(datetime(2026, 3, 2, 9, 30, 5))
        assert client.get_time() == datetime(2026, 3, 2, 9, 30, 5) == t.device_time()
        assert not t.was_cleared
        client.clear_attendance()
        assert t.was_cleared and t.records == []
        client.read_sizes()
        assert client.records == 0
        assert client.get_attendance() == []
        client.disconnect()


@pytest.mark.parametrize(("udp", "user_layout"), [(False, 72), (True, 28)], ids=["tcp-32-byte", "udp-12-byte"])
def test_pyzk_live_capture_receives_a_pushed_event(udp: bool, user_layout: int) -> None:
    with ZKTerminal(users=3, records=10, udp=udp, user_layout=user_layout) as t:
        client = pyzk(t)
        client.connect()
        events = []
        registered = threading.Event()

        def capture() -> None:
            for event in client.live_capture(new_timeout=0.2):
                if event is None:
                    registered.set()  # live_capture has registered and is waiting
                    continue
                events.append(event)
                client.end_live_capture = True

        reader = threading.Thread(target=capture)
        reader.start()
        assert registered.wait(10)
        at = datetime(2026, 3, 2, 8, 1, 2)
        assert t.push_event("1002", at, status=15, punch=0) == 1
        reader.join(10)
        assert [(e.user_id, e.timestamp, e.status, e.punch, e.uid) for e in events] == [("1002", at, 15, 0, 2)]
        assert t.records[-1].user_id == "1002" and t.records[-1].timestamp == at
        client.disconnect()


def test_log_full_stores_nothing_and_sizes_say_so() -> None:
    with ZKTerminal(users=3, records=100, capacity=100) as t:
        assert not t.add_punch("1001", datetime(2026, 3, 2, 8, 0))
        client = pyzk(t)
        client.connect()
        client.read_sizes()
        assert (client.records, client.rec_cap, client.rec_av) == (100, 100, 0)
        client.disconnect()
    with pytest.raises(ValueError, match=r"records \(101\) must be between 0 and the log capacity \(100\)"):
        ZKTerminal(records=101, capacity=100)


def test_unknown_command_is_answered_ack_unknown() -> None:
    with ZKTerminal(users=1, records=1) as t:
        client = pyzk(t)
        client.connect()
        assert client._ZK__send_command(9999) == {"status": False, "code": 0xFFFF}
        with pytest.raises(ZKErrorResponse, match="can0t get pin width"):
            client.get_pin_width()
        client.disconnect()
