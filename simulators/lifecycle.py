"""`Served`: the start/stop/`with` plumbing of a simulated terminal that serves in background threads;
`HttpServed`: the same for a terminal that is an HTTP server (SOAP, ISAPI)."""

from __future__ import annotations

import errno
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Self

from simulators.errors import PortInUse


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


class HttpServed(Served):
    """An HTTP terminal on `host:port` (0: a free port), served by a `ThreadingHTTPServer` in one thread.

    Subclasses set `_host`, `_port`, `_server = None`, `_thread = None` in `__init__` and build their server in
    `_new_server` (its handler class, and anything wrapped around its socket); `start` turns a port in use into
    `PortInUse` with the fix.
    """

    _host: str
    _port: int
    _server: ThreadingHTTPServer | None
    _thread: threading.Thread | None
    _thread_name = "http-sim"

    def _new_server(self) -> ThreadingHTTPServer:  # pragma: no cover - overridden
        raise NotImplementedError

    def start(self) -> Self:
        try:
            server = self._new_server()
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(
                f"port {self._port}/tcp on {self._host} is already in use (another simulator or program listens "
                "there): stop it, or choose another port (0 picks a free one)"
            ) from None
        server.daemon_threads = True
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name=f"{self._thread_name}:{self._port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
