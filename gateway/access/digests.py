"""Keyed digests: the one way punchclock hashes what it must later prove unchanged.

HMAC-SHA-256 under the audit key (`gateway.access.keys`), over a canonical JSON form (sorted keys, no
spaces), with a domain word in front so that a digest of one kind (an audit row, an anchor, a payslip)
can never pass for another. Without the key nobody can recompute a digest that verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

# What `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)` does, without
# building an encoder per call (a locked 100,000-employee run hashes 100,000 payslips).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces, so the same content always hashes the same."""
    return _CANONICAL.encode(value)


def keyed_hash(key: bytes, domain: str, value: Any) -> str:
    """HMAC-SHA-256 (hex) of `value`'s canonical JSON under `key`, separated by `domain`."""
    return hmac.digest(key, f"{domain}\n{canonical(value)}".encode(), "sha256").hex()


def text_digest(text: str) -> str:
    """SHA-256 (hex) of a long stored text, for a keyed hash to seal in the text's place: in the canonical form a
    JSON text has every quote escaped again, which cost more than hashing it (a payslip holds four)."""
    return hashlib.sha256(text.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two digests (None equals nothing)."""
    return a is not None and b is not None and hmac.compare_digest(a, b)
