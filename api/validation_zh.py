"""A request validation error (422) in Chinese: one template per pydantic error `type` a form can hit.

Pydantic words its errors in English only; a Chinese screen gets these instead, filled from the error's `ctx`
(`string_too_long` → 最多 {max_length} 个字符). A validator's own refusal (`value_error`) is worded by the
`ValueRefused` it raised (`gateway.inputs`), which carries its Chinese. All or nothing: when one error of the
request has no Chinese (a plain `ValueError`, say), the whole answer stays English rather than mixing the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drivers.base import quote

_TEMPLATES = {
    "missing": "必填",
    "extra_forbidden": "不是已知字段：请对照 /docs 检查拼写",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符（须符合 {pattern}）",
    "string_type": "须为文本",
    "date_parsing": "不是有效的日期：请按 2026-03-16 的格式填写",
    "date_from_datetime_parsing": "不是有效的日期：请按 2026-03-16 的格式填写",
    "datetime_parsing": "不是有效的时间：请按 2026-03-16T08:30:00+08:00 的格式填写",
    "datetime_from_date_parsing": "不是有效的时间：请按 2026-03-16T08:30:00+08:00 的格式填写",
    "int_parsing": "不是有效的整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数，不能有小数",
    "bool_parsing": "须为 true 或 false",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "literal_error": "须为 {expected} 之一",
    "enum": "须为 {expected} 之一",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
}


def _location(loc: Sequence[int | str]) -> str:
    """('query', 'limit') → 查询参数 limit; ('body', 'items', 0, 'pin') → 字段 items[0].pin."""
    where, *path = loc
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    kinds = {"body": "字段", "query": "查询参数", "path": "路径参数", "header": "请求头", "cookie": "Cookie"}
    if where == "body" and not name:
        return "请求正文"
    return f"{kinds.get(str(where), str(where))} {name}" if name else kinds.get(str(where), str(where))


def chinese_messages(errors: Sequence[Any]) -> list[str] | None:
    """The errors worded in Chinese, one line each as the English ones; None when one has no template."""
    messages = []
    for error in errors:
        if error.get("type") == "json_invalid":
            messages.append(f"请求正文：不是有效的 JSON（第 {error['loc'][-1]} 个字符处）：请发送 JSON 对象")
            continue
        if error.get("type") == "value_error":
            text = getattr(error.get("ctx", {}).get("error"), "zh", None)
        else:
            template = _TEMPLATES.get(error.get("type", ""))
            text = None if template is None else template.format(**error.get("ctx", {}))
        if text is None:
            return None
        given = error.get("input")
        if (
            error["type"] not in ("missing", "extra_forbidden")
            and "input" in error
            and not isinstance(given, dict | list)
        ):
            text += f"（收到 {quote(given) if isinstance(given, str) else repr(given)}）"
        messages.append(f"{_location(error.get('loc', ('request',)))}：{text}")
    return messages
