"""Request bodies under a size limit: refused before any byte is read, or cut off at the chunk that passes it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request

from api.bodies import BodyTooLarge, read_limited

LIMIT = 4096


def request_with(headers: dict[str, str], chunks: list[bytes], pulled: list[int]) -> Request:
    """A Starlette request whose body arrives in `chunks`; `pulled` counts the messages read."""

    async def receive() -> dict[str, Any]:
        pulled.append(1)
        index = len(pulled) - 1
        return {"type": "http.request", "body": chunks[index], "more_body": index < len(chunks) - 1}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    return Request(scope, receive)


def test_a_declared_length_over_the_limit_is_refused_before_any_byte_is_read() -> None:
    pulled: list[int] = []
    request = request_with({"Content-Length": str(50 * 1024 * 1024)}, [b"x" * 1000] * 3, pulled)
    with pytest.raises(BodyTooLarge) as err:
        asyncio.run(read_limited(request, LIMIT))
    assert (str(err.value), pulled) == ("the body of 52,428,800 bytes is over the limit of 4,096 bytes", [])


def test_a_chunked_body_is_cut_at_the_chunk_that_passes_the_limit() -> None:
    pulled: list[int] = []
    request = request_with({}, [b"x" * 1500] * 10, pulled)
    with pytest.raises(BodyTooLarge) as err:
        asyncio.run(read_limited(request, LIMIT))
    assert (str(err.value), len(pulled)) == ("the body without Content-Length is over the limit of 4,096 bytes", 3)
