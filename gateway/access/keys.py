"""The gateway's secret keys: the audit chain's HMAC key and the AES-256 keys that encrypt personal data.

None of them lives in the database: an attacker with a copy of the database (or of a backup) can
neither read the encrypted columns nor re-chain the audit log. They come from a key file (JSON, mode
0600, `[security] key_file` in the config, default `punchclock.key` next to it), or from the
environment: `PUNCHCLOCK_KEY_FILE` names another file, `PUNCHCLOCK_KEYS` holds the file's content
itself (for a systemd credential or a container secret).

File format (`punchclock keys create` writes it)::

    {"format": "punchclock-keys/1",
     "audit_key": "<base64 of 32 bytes>",
     "data_keys": {"k1": "<base64 of 32 bytes>", "k2": "..."},
     "active": "k2"}

`active` names the data key new values are encrypted with; older data keys stay in the file so that
values sealed under them (locked payslips' snapshots, which never change) can still be read.

At run time the key ring travels with the session factory (`session_factory(engine, keys=ring)`),
so every function that gets a `Session` can reach it through `keys_of(session)`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from gateway.errors import GatewayError

FORMAT = "punchclock-keys/1"
KEY_BYTES = 32
ENV_FILE = "PUNCHCLOCK_KEY_FILE"
ENV_KEYS = "PUNCHCLOCK_KEYS"
SESSION_INFO_KEY = "keys"


class KeysError(GatewayError):
    """The keys cannot be loaded or used; the message names the file (or variable) and the fix."""


@dataclass(frozen=True)
class KeyRing:
    audit_key: bytes
    data_keys: Mapping[str, bytes]
    active_id: str

    @classmethod
    def generate(cls) -> KeyRing:
        """A fresh ring: a new audit key and one data key `k1`."""
        return cls(secrets.token_bytes(KEY_BYTES), {"k1": secrets.token_bytes(KEY_BYTES)}, "k1")

    @property
    def active_key(self) -> bytes:
        return self.data_keys[self.active_id]

    def data_key(self, key_id: str) -> bytes:
        try:
            return self.data_keys[key_id]
        except KeyError:
            raise KeysError(
                f"data key {key_id!r} is not in the key file (it holds {', '.join(sorted(self.data_keys))}): "
                "restore the key file this database was written with"
            ) from None

    def with_new_data_key(self) -> KeyRing:
        """This ring plus a fresh data key `k<n+1>` made active; the older keys stay, so their values still open."""
        numbers = [int(key_id[1:]) for key_id in self.data_keys if key_id[:1] == "k" and key_id[1:].isdigit()]
        new_id = f"k{max(numbers, default=0) + 1}"
        return KeyRing(self.audit_key, {**self.data_keys, new_id: secrets.token_bytes(KEY_BYTES)}, new_id)

    def to_json(self) -> str:
        def b64(key: bytes) -> str:
            return base64.b64encode(key).decode("ascii")

        return json.dumps(
            {
                "format": FORMAT,
                "audit_key": b64(self.audit_key),
                "data_keys": {key_id: b64(key) for key_id, key in self.data_keys.items()},
                "active": self.active_id,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> KeyRing:
        try:
            raw = json.loads(text)
            if raw.get("format") != FORMAT:
                raise ValueError(f"format is {raw.get('format')!r}, expected {FORMAT!r}")
            data_keys = {key_id: _key(value, f"data_keys.{key_id}") for key_id, value in raw["data_keys"].items()}
            ring = cls(_key(raw["audit_key"], "audit_key"), data_keys, str(raw["active"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise KeysError(
                f"{where}: not a punchclock key file ({detail}); create one with `punchclock keys create`"
            ) from None
        if ring.active_id not in ring.data_keys:
            raise KeysError(f"{where}: active key {ring.active_id!r} is not among data_keys")
        return ring


def _key(value: object, name: str) -> bytes:
    try:
        key = base64.b64decode(str(value), validate=True)
    except binascii.Error:
        raise ValueError(f"{name} is not base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"{name} holds {len(key)} bytes, not {KEY_BYTES}")
    return key


def write_private(path: Path, content: bytes) -> None:
    """Create `path` with mode 0600 from the start (never world-readable, not even for a moment), on disk
    before this returns."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())


def replace_key_file(path: Path, ring: KeyRing) -> None:
    """Replace the key file at `path` with `ring` atomically: a temporary file (0600, fsynced) beside it is
    renamed over it, so a crash leaves either the old file or the new one, never a torn one."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    write_private(temporary, ring.to_json().encode("utf-8"))
    try:
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def key_file_path(path: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The key file `load_keys` reads (`PUNCHCLOCK_KEY_FILE` wins over `path`); `KeysError` when the keys
    come from `PUNCHCLOCK_KEYS`, which no program can rewrite."""
    if environ.get(ENV_KEYS):
        raise KeysError(
            f"the keys come from ${ENV_KEYS}, not from a file: put them in a key file (mode 0600) named by "
            f"[security] key_file or ${ENV_FILE}, rotate, then hand the new content to ${ENV_KEYS}"
        )
    return Path(environ[ENV_FILE]) if environ.get(ENV_FILE) else path


def create_key_file(path: Path) -> KeyRing:
    """Write a new key file at `path` (mode 0600); refuses to overwrite one, since that loses every key."""
    if path.exists():
        raise KeysError(f"{path} already exists: keep it (every encrypted value needs it), or move it away first")
    ring = KeyRing.generate()
    write_private(path, ring.to_json().encode("utf-8"))
    return ring


def load_keys(path: Path, environ: Mapping[str, str] = os.environ) -> KeyRing:
    """The key ring from `PUNCHCLOCK_KEYS`, else the file `PUNCHCLOCK_KEY_FILE`, else `path`."""
    if environ.get(ENV_KEYS):
        return KeyRing.from_json(environ[ENV_KEYS], f"${ENV_KEYS}")
    path = key_file_path(path, environ)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeysError(
            f"no key file at {path}: create one with `punchclock keys create --config ...` and keep a copy "
            "somewhere safe (without it, encrypted data cannot be read)"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeysError(f"{path} is readable by other users (mode {stat.filemode(mode)}): run chmod 600 {path}")
    return KeyRing.from_json(path.read_text(encoding="utf-8"), str(path))


def keys_of(session: Session) -> KeyRing:
    """The key ring bound to the session's factory (`session_factory(engine, keys=...)`)."""
    ring = session.info.get(SESSION_INFO_KEY)
    if not isinstance(ring, KeyRing):
        raise KeysError(
            "this session has no key ring: open the store with session_factory(engine, keys=load_keys(...))"
        )
    return ring
