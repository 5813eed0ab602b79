"""Who may push to /iclock as a terminal: its push comm key at the handshake, its networks on every request.

What real firmware sends, from the ZKTeco PUSH SDK's own client code (C, public; functions `svr_init`,
`url_init`, `cmd_get_proc`, `cmd_return_svr_post`, found in the public code corpus by `pushcommkey`):

* the handshake is `GET {root}cdata?SN=…&options=all&pushver=…&language=…`, and `&pushcommkey=<key>`
  is appended — unescaped — only when the terminal has a push comm key set;
* uploads (`cdata?SN=…&table=ATTLOG&Stamp=…`), command polls (`getrequest?SN=…[&INFO=…]`) and
  command results (`devicecmd?SN=…`) carry the serial number and nothing else: no key, no token.

So the key proves only the handshake. punchclock ties what follows to it: a device with a key accepts
uploads, polls and results only from the address that last completed a handshake with the right key
(`Device.push_handshake_from`, stored so every process and a restart see it). A request from any
other address, or before any such handshake, is refused — the safe side where the public material
is silent on how a terminal proves itself after the handshake; it shakes hands again whenever it
reconnects. A wrong-key handshake changes nothing (so a stranger cannot unbind the real terminal).
Changing a device's key clears the binding: the terminal must shake hands with the new key.

`allow_from` (CIDR networks) is checked on every request, handshake included, against the TCP peer
address; no `X-Forwarded-For` header is trusted. A device without a key accepts any request from its
networks, as before. Refusals name a reason (`REFUSAL_*`) for the list of refused terminals.

Only the SHA-256 of the key is stored (`Device.push_key_sha256`) and compared in constant time; the
key itself is never stored, logged or returned.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.store import Device

REFUSAL_UNKNOWN = "unknown serial number"
REFUSAL_ADDRESS = "address not allowed"
REFUSAL_NO_KEY = "no push comm key"
REFUSAL_WRONG_KEY = "wrong push comm key"
REFUSAL_NO_HANDSHAKE = "no handshake from this address"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request was refused: a `REFUSAL_*` reason and a sentence for the operator (never the key)."""

    reason: str
    detail: str


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def allowed_networks(device: Device) -> list[str]:
    return list(json.loads(device.push_allow_from)) if device.push_allow_from else []


def refuse_address(device: Device, address: str) -> Refusal | None:
    """A refusal when `address` is outside the device's `allow_from` networks (none: anywhere)."""
    networks = allowed_networks(device)
    if not networks:
        return None
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        peer = None
    if peer is not None and any(peer in ipaddress.ip_network(n, strict=False) for n in networks):
        return None
    return Refusal(
        REFUSAL_ADDRESS,
        f"{address or 'an unknown address'} is not in allow_from ({', '.join(networks)}) of device {device.name!r}",
    )


def refuse_handshake(device: Device, offered_key: str | None, address: str) -> Refusal | None:
    """A refusal for a handshake, or None: then the caller records `address` as the bound one."""
    refused = refuse_address(device, address)
    if refused is not None or device.push_key_sha256 is None:
        return refused
    if not offered_key:
        return Refusal(
            REFUSAL_NO_KEY,
            f"device {device.name!r} has a push comm key but the handshake carried none: set the same key on "
            "the terminal (Menu → Comm. → Cloud Server)",
        )
    if not hmac.compare_digest(key_digest(offered_key), device.push_key_sha256):
        return Refusal(
            REFUSAL_WRONG_KEY,
            f"the handshake's push comm key is not the one of device {device.name!r}: set the same key on the "
            "terminal and in punchclock",
        )
    return None


def refuse_request(device: Device, address: str) -> Refusal | None:
    """A refusal for an upload, poll or result (no key on the wire), or None."""
    refused = refuse_address(device, address)
    if refused is not None or device.push_key_sha256 is None or device.push_handshake_from == address:
        return refused
    bound = (
        f"its last handshake with the right key came from {device.push_handshake_from}"
        if device.push_handshake_from
        else "it has not shaken hands with the right key since its key was set"
    )
    return Refusal(
        REFUSAL_NO_HANDSHAKE,
        f"device {device.name!r} has a push comm key and {bound}, not from {address or 'an unknown address'}: "
        "restart the terminal (or let it reconnect) so it shakes hands again",
    )


def set_push_key(device: Device, key: str | None) -> None:
    """Store the digest of the device's push comm key (None: no key); a changed key unbinds its last handshake."""
    digest = key_digest(key) if key else None
    if digest != device.push_key_sha256:
        device.push_handshake_from = device.push_handshake_at = None
    device.push_key_sha256 = digest


def set_allow_from(device: Device, allow_from: Sequence[str]) -> None:
    """Store the networks the device may push from (checked by `gateway.config.check_network`; empty: anywhere)."""
    device.push_allow_from = json.dumps(list(allow_from)) if allow_from else None
