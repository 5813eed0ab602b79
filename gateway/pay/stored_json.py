"""The JSON text a pay run stores for its payslips and lines, byte for byte what `json.dumps` writes, faster.

The stored text is what the keyed digests seal (`gateway.access.integrity`): a locked run's digest is verified
again later against the same bytes, so an encoder change (orjson's compact separators, say) would make every
run locked before it fail `audit verify`. A 100,000-employee run stores 300,000 payslip documents and 1,700,000
lines, where `json.dumps`' per-call set-up (an encoder object, its C encoder built again) cost more than the
encoding itself. Here the same output is made without it; `tests/gateway/test_stored_json.py` pins it equal to
`json.dumps` for every kind of value the lines hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

import numpy as np


def _quantities_encoder() -> Callable[[Mapping[str, Any]], str]:
    plain = json.JSONEncoder(ensure_ascii=False)
    if c_make_encoder is None:  # no C accelerator (another interpreter): the encoder itself
        return plain.encode
    # What `JSONEncoder(ensure_ascii=False).iterencode(value, _one_shot=True)` builds on every call, built once:
    # no circular-reference markers (a line's quantities are flat: names → int, str or bool).
    chunks = c_make_encoder(None, plain.default, encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(chunks(value, 0))


#: `json.dumps(quantities, ensure_ascii=False)` of a line's quantities
quantities_text = _quantities_encoder()


def int_objects(columns: Mapping[str, np.ndarray], rows: range) -> list[str]:
    """`json.dumps({name: int(column[i]) for name, column in columns.items()})` for each row i of `rows` (step 1),
    in order: one "%d" template for the whole chunk over each column's slice as Python ints."""
    if not columns:
        return ["{}"] * len(rows)
    values = [column[rows.start : rows.stop].tolist() for column in columns.values()]
    if any(column.dtype.kind not in "iu" for column in columns.values()):  # a bool is `true` in JSON, not 1
        names = list(columns)
        return [json.dumps(dict(zip(names, row, strict=True))) for row in zip(*values, strict=True)]
    template = "{" + ", ".join(f"{json.dumps(name)}: %d" for name in columns) + "}"
    return [template % row for row in zip(*values, strict=True)]
