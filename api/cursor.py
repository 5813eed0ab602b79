"""Opaque keyset-paging cursors: the sort key of a page's last row, for the next page's WHERE.

A cursor is the URL-safe base64 of the key's parts joined by a separator that cannot occur in them;
it is not a secret (it only names a position), and a cursor this API did not issue is a 422 saying so.
"""

from __future__ import annotations

import base64
import binascii

from api.errors import Unprocessable

_SEPARATOR = "\x1f"  # ASCII unit separator: refused in every text field, so it never occurs in a key


def encode_cursor(*parts: str | int) -> str:
    return base64.urlsafe_b64encode(_SEPARATOR.join(map(str, parts)).encode()).decode()


def bad_cursor(cursor: str) -> Unprocessable:
    return Unprocessable(
        f"query parameter cursor: {cursor!r} is not a cursor this API issued: "
        "pass next_cursor from the previous page unchanged"
    )


def decode_cursor(cursor: str, count: int) -> list[str]:
    """The `count` parts of `cursor` as text (the route converts them back; raise `bad_cursor` if it can't)."""
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split(_SEPARATOR)
    except (binascii.Error, UnicodeError, ValueError):
        raise bad_cursor(cursor) from None
    if len(parts) != count:
        raise bad_cursor(cursor)
    return parts
