"""The JSON text a pay run stores for its payslips' figures, inputs and attendance, byte for byte what `json.dumps`
writes, faster.

The stored text is what the keyed digests seal (`gateway.access.integrity`, by its SHA-256 since migration 0040)
and what the lock checks' JSON functions read; it stays `json.dumps`' text so that every run's payslips hold the
same form whichever version computed them, and the pinned digests (`tests/gateway/test_payrun_digest_pinned.py`)
hold. A 100,000-employee run stores 300,000 of these objects, where `json.dumps`' per-call set-up cost more than
the encoding itself. Here the same output is made without it; `tests/gateway/test_stored_json.py` pins it equal
to `json.dumps`. (The lines' text is orjson's: `gateway.pay.payslip_lines`.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np


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
