"""Which language a reader asked for: Chinese or English, from the request's `Accept-Language`.

The web app sends `zh-CN` or `en` with every request (its current locale); another client may send
any RFC 9110 §12.5.4 list. Werkzeug parses it and orders it by q-value (`en;q=1, zh;q=0.5` is English,
`zh;q=0` refuses Chinese); `zh-CN`, `zh-Hans`, `zh-Hans-CN` are Chinese by their primary tag.
No header, a header naming neither, or a refusal without a Chinese wording: English.
"""

from __future__ import annotations

from fastapi import Request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

ENGLISH, CHINESE = "en", "zh-CN"  # the Content-Language of each wording


def prefers_chinese(accept_language: str | None) -> bool:
    """The first range by preference (q descending, then the client's order) naming Chinese, English or `*`.

    Not `LanguageAccept.best_match`: it takes an exact `en;q=0.4` over `zh-CN;q=0.6` before matching primary tags.
    """
    for tag, quality in parse_accept_header(accept_language, LanguageAccept):
        primary = tag.split("-", 1)[0].lower()
        if quality > 0 and primary in ("zh", "en", "*"):
            return primary == "zh"
    return False


def reads_chinese(request: Request) -> bool:
    """Whether the reader of `request` asked for Chinese (`prefers_chinese` of its `Accept-Language`)."""
    return prefers_chinese(request.headers.get("Accept-Language"))


def wording(request: Request, english: str, zh: str | None) -> tuple[str, str]:
    """The text the reader of `request` gets, and its language tag (for `Content-Language`)."""
    if zh is not None and reads_chinese(request):
        return zh, CHINESE
    return english, ENGLISH
