"""The SOAP simulator answers the widely copied PHP fsockopen snippet byte for byte as a terminal does.

The request is what `production/finger.php` (irwinsyah27/HCGS-ASTO) and the x601 `tarik-data.php` sample
send: a bare `<GetAttLog>` with `xsi:type` attributes and no namespace declaration, `POST /iWsService
HTTP/1.0`, Content-Length of the body and then one CRLF more; the reply is read until the server closes
and cut up the way the snippet does (between `<GetAttLogResponse>` tags, split on CRLF, fields by tag).
"""

from __future__ import annotations

import re
import socket

import pytest

from simulators.zk_soap import ZKSoapTerminal

pytestmark = pytest.mark.timeout(30)


def php_get_att_log(port: int, key: str) -> bytes:
    body = (
        f'<GetAttLog><ArgComKey xsi:type="xsd:integer">{key}</ArgComKey>'
        '<Arg><PIN xsi:type="xsd:integer">All</PIN></Arg></GetAttLog>'
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connect:
        # fputs per line, as the snippet writes them
        connect.sendall(b"POST /iWsService HTTP/1.0\r\n")
        connect.sendall(b"Content-Type: text/xml\r\n")
        connect.sendall(b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        connect.sendall(body + b"\r\n")
        buffer = b""
        while chunk := connect.recv(1024):  # fgets($Connect, 1024) until the server closes
            buffer += chunk
    return buffer


def parse_data(data: str, p1: str, p2: str) -> str:
    """The snippet's Parse_Data: the text between the first p1 and the p2 after it."""
    start = data.find(p1)
    if start < 0:
        return ""
    end = data.find(p2, start + len(p1))
    return data[start + len(p1) : end] if end >= 0 else ""


def test_the_bare_php_request_is_answered_with_every_record() -> None:
    with ZKSoapTerminal(users=8, records=60, seed=5, comm_key=123) as t:
        reply = php_get_att_log(t.port, "123")
        punches = list(t.state.punches)
    head, _, _ = reply.partition(b"\r\n\r\n")
    assert re.match(rb"HTTP/1\.0 200 OK\r\n", head), head
    text = reply.decode("iso8859-1")
    rows = [
        parse_data(line, "<Row>", "</Row>")
        for line in parse_data(text, "<GetAttLogResponse>", "</GetAttLogResponse>").split("\r\n")
    ]
    got = [
        (
            parse_data(r, "<PIN>", "</PIN>"),
            parse_data(r, "<DateTime>", "</DateTime>"),
            parse_data(r, "<Verified>", "</Verified>"),
            parse_data(r, "<Status>", "</Status>"),
        )
        for r in rows
        if r
    ]
    assert got == [(p.pin, f"{p.ts:%Y-%m-%d %H:%M:%S}", str(p.verify), str(p.state)) for p in punches]
    assert len(got) == 60


def test_the_bare_php_request_with_a_wrong_key_is_refused_as_a_terminal_does() -> None:
    with ZKSoapTerminal(users=2, records=5, comm_key=123) as t:
        reply = php_get_att_log(t.port, "0")
    assert reply.endswith(
        b"<GetAttLogResponse><Row><Result>0</Result><Information>Fail!</Information></Row></GetAttLogResponse>"
    )
