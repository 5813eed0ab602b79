"""The gateway's error family: everything the gateway raises on purpose is a `GatewayError`.

Callers (CLI, API) catch `GatewayError` to turn it into a message a person can act on; anything else
is a bug. Driver failures keep their own family (`drivers.base.DriverError`) because drivers may not
import the gateway.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every deliberate gateway error.

    `zh` is the same refusal in Chinese, for a reader whose screen is Chinese (the API answers it to an
    `Accept-Language` preferring Chinese); `str(error)` stays the English text the CLI and logs show.
    """

    def __init__(self, *args: object, zh: str | None = None) -> None:
        super().__init__(*args)
        self.zh = zh


class ConfigError(GatewayError):
    """The config file is unreadable or wrong; each problem names the file, the key path and the fix."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {key}: {reason}" if key else f"{path}: {reason}" for key, reason in problems]
        super().__init__("\n".join(lines))


class IngestError(GatewayError):
    """Punches cannot be stored as asked (for example: no time zone is known for the device)."""


class UnverifiedDownload(GatewayError):
    """After commit, some records read from a device are not in the database, so it must not be cleared."""


class TerminalBusy(GatewayError):
    """Another operation (a poll, a user sync; maybe in another process) is talking to this terminal now."""
