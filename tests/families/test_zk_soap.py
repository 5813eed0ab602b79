"""ZK SOAP driver (zeep + shipped WSDL) against the simulated terminal: data, reply quirks, faults."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from datetime import datetime

import pytest

from drivers.base import (
    AuthFailed,
    DeviceBusy,
    DeviceUnreachable,
    FingerTemplate,
    ProtocolError,
    RawPunch,
    RawUser,
    driver_class,
)
from drivers.zk_soap import ZKSoapDriver
from simulators.sample_punches import SimPunch, make_punches, make_users
from simulators.zk_soap import ZKSoapTerminal


@pytest.fixture
def terminal() -> Iterator[ZKSoapTerminal]:
    with ZKSoapTerminal(users=12, records=100, seed=7, serial_number="CKJW201460001") as t:
        yield t


def expected_punches(sn: str, users: int, records: int, seed: int) -> list[RawPunch]:
    return [
        RawPunch(sn, p.pin, p.ts, p.state, p.state, p.verify, p.workcode)
        for p in make_punches(make_users(users, seed), records, seed)
    ]


def test_registry_resolves_the_kind() -> None:
    assert driver_class("zk-soap") is ZKSoapDriver


def test_zeep_reads_20000_records_and_all_users() -> None:
    with (
        ZKSoapTerminal(users=40, records=20_000, seed=3, serial_number="OIN7030067011") as t,
        ZKSoapDriver(t.host, t.port, timeout=10) as driver,
    ):
        punches = driver.read_punches()
        users = driver.read_users()
    assert punches == expected_punches("OIN7030067011", 40, 20_000, 3)
    assert len(users) == 40
    assert users[0] == RawUser(
        "OIN7030067011", "1001", users[0].name, uid=1, privilege=14, card=users[0].card, group_id="1"
    )
    assert [u.pin for u in users] == [str(1001 + i) for i in range(40)]


def test_request_uses_the_element_names_terminals_parse(terminal: ZKSoapTerminal) -> None:
    with ZKSoapDriver(terminal.host, terminal.port, comm_key=0) as driver:
        driver.read_punches()
    body = terminal.last_request.decode()
    assert (
        '<GetAttLog xmlns="http://www.zksoftware/Service/message/">'
        "<ArgComKey>0</ArgComKey><Arg><PIN>All</PIN></Arg></GetAttLog>"
    ) in body


@pytest.mark.parametrize(
    ("qualified", "declaration", "bare_replies"),
    [(True, True, False), (False, True, False), (True, False, False), (False, False, True)],
    ids=["qualified", "unqualified", "no-declaration", "bare-no-envelope"],
)
def test_reply_shape_variants_parse_the_same(qualified: bool, declaration: bool, bare_replies: bool) -> None:
    with (
        ZKSoapTerminal(
            users=5,
            records=30,
            seed=2,
            serial_number="SN-Q",
            qualified=qualified,
            declaration=declaration,
            bare_replies=bare_replies,
        ) as t,
        ZKSoapDriver(t.host, t.port) as driver,
    ):
        assert driver.read_punches() == expected_punches("SN-Q", 5, 30, 2)
        assert driver.info().serial_number == "SN-Q"


def test_info_reports_what_the_soap_service_offers(terminal: ZKSoapTerminal) -> None:
    with ZKSoapDriver(terminal.host, terminal.port) as driver:
        info = driver.info()
    assert (info.serial_number, info.model, info.platform, info.firmware) == (
        "CKJW201460001",
        "iClock580",
        "ZEM600_TFT",
        "",
    )
    assert (info.user_count, info.record_count, info.record_capacity) == (12, 100, 0)


def test_set_time_then_get_time_and_clear(terminal: ZKSoapTerminal) -> None:
    with ZKSoapDriver(terminal.host, terminal.port) as driver:
        driver.set_time(datetime(2026, 1, 5, 8, 0, 0))
        got = driver.get_time()
        refused = (driver.clear_punches(99), len(driver.read_punches()))  # not what we stored: nothing cleared
        held = driver.clear_punches(100)
        after_clear = driver.read_punches()
    assert refused == (100, 100) and held == 100
    assert datetime(2026, 1, 5, 8, 0, 0) <= got <= datetime(2026, 1, 5, 8, 0, 5)
    assert after_clear == []


def test_wrong_comm_key_is_auth_failed_then_right_key_works() -> None:
    with ZKSoapTerminal(users=3, records=6, seed=1, comm_key=1234, serial_number="SN-K") as t:
        with pytest.raises(AuthFailed) as err:
            ZKSoapDriver(t.host, t.port, comm_key=0).open()
        assert str(err.value) == (
            f"http://{t.host}:{t.port}/iWsService: terminal refused GetOption with comm key 0 (Result 0, 'Fail!'); "
            "set the device's comm key in the config to the terminal's Comm. → PC Connection → Comm Key"
        )
        with ZKSoapDriver(t.host, t.port, comm_key=1234) as driver:
            assert len(driver.read_punches()) == 6


@pytest.mark.parametrize(
    ("fault", "seconds", "error", "message_part"),
    [
        ("stall", 1.0, DeviceUnreachable, "GetAttLog got no reply within 0.3s"),
        ("drop", 0.0, DeviceUnreachable, "connection dropped in the middle of the GetAttLog reply"),
        ("malformed", 0.0, ProtocolError, "GetAttLog reply is not well-formed XML"),
        ("busy", 0.0, DeviceBusy, "terminal answered GetAttLog with HTTP 503"),
    ],
)
def test_fault_maps_to_error_and_retry_succeeds(
    terminal: ZKSoapTerminal, fault: str, seconds: float, error: type[Exception], message_part: str
) -> None:
    with ZKSoapDriver(terminal.host, terminal.port, timeout=0.3) as driver:
        terminal.inject(fault, times=1, seconds=seconds)
        with pytest.raises(error) as err:
            driver.read_punches()
        assert message_part in str(err.value)
        assert str(err.value).startswith(f"http://{terminal.host}:{terminal.port}/iWsService: ")
        assert driver.read_punches() == expected_punches("CKJW201460001", 12, 100, 7)


def test_refused_connection_is_unreachable_and_retry_after_restart_succeeds(terminal: ZKSoapTerminal) -> None:
    terminal.inject("refuse")
    with pytest.raises(DeviceUnreachable) as err:
        ZKSoapDriver(terminal.host, terminal.port, timeout=2).open()
    assert "cannot connect for GetOption (ConnectionError); check host, port" in str(err.value)
    terminal.heal()
    with ZKSoapDriver(terminal.host, terminal.port, timeout=2) as driver:
        assert len(driver.read_punches()) == 100


def test_incomplete_record_names_row_and_field(terminal: ZKSoapTerminal) -> None:
    terminal.state.punches[4] = SimPunch("", datetime(2026, 3, 2, 8, 0), 0, 1)
    with ZKSoapDriver(terminal.host, terminal.port) as driver, pytest.raises(ProtocolError) as err:
        driver.read_punches()
    assert str(err.value).endswith("GetAttLog row 5 has no <PIN>; the terminal sent an incomplete record")


def test_http_error_on_wrong_path_says_what_to_check(terminal: ZKSoapTerminal) -> None:
    driver = ZKSoapDriver(terminal.host, terminal.port)
    driver.url = f"http://{terminal.host}:{terminal.port}/wrong"
    with pytest.raises(ProtocolError) as err:
        driver.open()
    assert "GetOption got HTTP 404; is" in str(err.value)
    assert "first bytes: 4e 6f 74 20 46 6f 75 6e 64" in str(err.value)


def test_terminal_without_serial_number_is_refused_with_the_alternative(terminal: ZKSoapTerminal) -> None:
    terminal.state.serial_number = ""
    with pytest.raises(ProtocolError) as err:
        ZKSoapDriver(terminal.host, terminal.port).open()
    assert str(err.value).endswith("this firmware may not serve it over SOAP — use kind zk-tcp for this terminal")


def test_bare_php_style_request_gets_the_reply_recorded_from_a_real_terminal(terminal: ZKSoapTerminal) -> None:
    """Byte shape of cobisja/tad-php test/lib/RealTADTest.php build_expected_response('SetDateResponse')."""
    import urllib.request

    body = b"<SetDate><ArgComKey>0</ArgComKey><Arg><Date>2026-01-05</Date><Time>08:00:00</Time></Arg></SetDate>"
    request = urllib.request.Request(
        f"http://{terminal.host}:{terminal.port}/iWsService", data=body, headers={"Content-Type": "text/xml"}
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert reply.read() == (
            b'<?xml version="1.0" encoding="iso8859-1" standalone="no"?>'
            b"<SetDateResponse><Row><Result>1</Result><Information>Successfully!</Information></Row></SetDateResponse>"
        )


VX9 = base64.b64decode(
    "ocosgoulTUEdNKVRwRQ0I27BDTEkdMEONK9KQQunMVSBK6VPLEENk9MwgQ+DP3PBC1FTXEEG4ihpQQQ3vFQBO4K+WwERYilHAQ8ztktBEBbK"
)  # the opening bytes of tad-php RealTADTest.php's VX9 sample (any opaque bytes do)


def test_templates_are_written_and_read_as_tad_php_sends_them(terminal: ZKSoapTerminal) -> None:
    """SetUserTemplate carries PIN (the badge), FingerID, Size, Valid, Template (base64) in tad-php's order, then
    one RefreshDB; GetUserTemplate PIN All reads them back by badge; a badge with no user is returned, not sent."""
    with ZKSoapDriver(terminal.host, terminal.port) as driver:
        assert driver.read_templates() == []
        missing = driver.write_templates(
            [
                FingerTemplate("1003", 6, 1, VX9),
                FingerTemplate("1001", 0, 3, b"\x00\xff"),
                FingerTemplate("77", 1, 1, VX9),
            ]
        )
        assert missing == ["77"]
        assert terminal.last_request.decode().startswith("<?xml") and "<RefreshDB" in terminal.last_request.decode()
        assert driver.read_templates() == [FingerTemplate("1001", 0, 3, b"\x00\xff"), FingerTemplate("1003", 6, 1, VX9)]
    assert terminal.state.templates == {("1001", 0): (3, b"\x00\xff"), ("1003", 6): (1, VX9)}


def test_set_user_template_request_shape(terminal: ZKSoapTerminal) -> None:
    seen: list[bytes] = []
    original = terminal.answer

    def recording(body: bytes) -> tuple[str, bool]:
        seen.append(body)
        return original(body)

    terminal.answer = recording  # type: ignore[method-assign]
    with ZKSoapDriver(terminal.host, terminal.port) as driver:
        driver.write_templates([FingerTemplate("1002", 4, 1, b"\x01\x02\x03")])
    [call] = [b.decode() for b in seen if b"SetUserTemplate" in b]
    assert (
        '<SetUserTemplate xmlns="http://www.zksoftware/Service/message/"><ArgComKey>0</ArgComKey><Arg><PIN>1002</PIN>'
        "<FingerID>4</FingerID><Size>3</Size><Valid>1</Valid><Template>AQID</Template></Arg></SetUserTemplate>"
    ) in call


def test_a_template_whose_size_disagrees_is_refused_with_the_row(terminal: ZKSoapTerminal) -> None:
    terminal.enrol("1001", 2, VX9)
    original = terminal.answer
    terminal.answer = lambda body: (original(body)[0].replace(f"<Size>{len(VX9)}</Size>", "<Size>9</Size>"), True)  # type: ignore[method-assign]
    with ZKSoapDriver(terminal.host, terminal.port) as driver, pytest.raises(ProtocolError) as err:
        driver.read_templates()
    assert str(err.value).endswith(
        f"GetUserTemplate row 1 <Size> is 9 but its <Template> holds {len(VX9)} bytes; the reply was cut or the "
        "firmware encodes templates differently — read this terminal over zk-tcp"
    )


def test_bare_php_style_template_request_is_answered_with_the_rows(terminal: ZKSoapTerminal) -> None:
    """The PHP raw-socket snippet (xsi:type attributes, no namespace declaration, HTTP/1.0, CRLF after the body)."""
    terminal.enrol("1002", 1, b"\x05\x06")
    body = (
        b'<GetUserTemplate><ArgComKey xsi:type="xsd:integer">0</ArgComKey><Arg><PIN xsi:type="xsd:integer">All</PIN>'
        b"</Arg></GetUserTemplate>"
    )
    with socket.create_connection((terminal.host, terminal.port), timeout=5) as conn:
        conn.sendall(
            b"POST /iWsService HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
            + b"\r\n"
        )
        conn.shutdown(socket.SHUT_WR)
        reply = b"".join(iter(lambda: conn.recv(4096), b""))
    assert reply.partition(b"\r\n\r\n")[2] == (
        b'<?xml version="1.0" encoding="iso8859-1" standalone="no"?><GetUserTemplateResponse>\r\n'
        b"<Row><PIN>1002</PIN><FingerID>1</FingerID><Size>2</Size><Valid>1</Valid><Template>BQY=</Template></Row>\r\n"
        b"</GetUserTemplateResponse>"
    )
