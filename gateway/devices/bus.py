"""One lock per serial line, so that terminals sharing an RS-485 bus are talked to one at a time.

Several Anviz terminals on one bus (one `serial_port`, local or a serial device server's URL) answer on the
same wires: two polls at once would interleave their frames and each would read the other's replies. The
poller runs devices in parallel workers, so every driver built for a port gets that port's lock and holds it
from `open` to `close` (`drivers.anviz`). The registry is module-level because the lock must be shared by
every driver of a port in this process, whoever builds it (the poller, a manual sync); locks are never
dropped, one per distinct port in the config.
"""

from __future__ import annotations

import os
import threading

_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


def bus_key(serial_port: str) -> str:
    """The line a port names: a device path through its symlinks (/dev/serial/by-id/… is /dev/ttyUSB0), a
    URL (socket://, rfc2217://) as written, lower-cased."""
    if "://" in serial_port:
        return serial_port.strip().lower()
    return os.path.realpath(serial_port)


def bus_lock(serial_port: str) -> threading.Lock:
    """The lock of the bus `serial_port` is on, the same object for every name of the same line."""
    key = bus_key(serial_port)
    with _GUARD:
        return _LOCKS.setdefault(key, threading.Lock())
