"""Request bodies read under a size limit, so a huge upload is refused before it fills the server's memory.

`read_limited(request, limit)` refuses at once when `Content-Length` is over the limit (nothing of the
body is read), and otherwise reads the stream chunk by chunk, stopping at the first chunk that takes
it past the limit (a chunked body has no Content-Length to trust).
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is over `limit` bytes: `declared` says how large its Content-Length said (None: cut off)."""

    def __init__(self, limit: int, declared: int | None) -> None:
        self.limit = limit
        self.declared = declared
        size = f"of {declared:,} bytes" if declared is not None else "without Content-Length"
        super().__init__(f"the body {size} is over the limit of {limit:,} bytes")


def declared_length(request: Request) -> int | None:
    """The Content-Length header as a number (None when absent; the HTTP server has checked its syntax)."""
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or `BodyTooLarge` before reading it (Content-Length) or as soon as it passes `limit`."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit, declared)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit, declared)
    return bytes(body)
