"""The one error base of the simulators package, so a caller can catch every simulator refusal at once."""

from __future__ import annotations


class SimulatorError(Exception):
    """Base of the errors a simulated terminal raises about the bytes or requests it was given."""


class PortInUse(SimulatorError):
    """The port a simulated terminal should listen on is taken (the message says which and what to do)."""
