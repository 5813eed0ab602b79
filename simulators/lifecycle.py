"""`Served`: the start/stop/`with` plumbing of a simulated terminal that serves in background threads."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Served:
    """A terminal that listens between `start()` and `stop()`; `with terminal:` does both.

    `start` returns the terminal so a test can write `ZKTerminal(...).start()` in a list; `stop` must be
    safe to call twice (a test's `finally` and the context manager may both call it).
    """

    def start(self) -> Self:  # pragma: no cover - overridden
        raise NotImplementedError

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
