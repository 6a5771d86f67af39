"""Serving an app over HTTP with werkzeug's threaded server, in the foreground or a thread."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class ServerError(RuntimeError):
    """The server could not start (for example, its port is taken)."""


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, logging each request only when the server is asked to."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if getattr(self.server, "log_requests", False):
            super().log_request(code, size)


class FakenovaServer:
    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0,
                 log_requests: bool = False) -> None:
        self.app = app
        try:
            # make_server binds here, in the caller, so a busy port fails at once.
            self._server: BaseWSGIServer = make_server(host, port, app, threaded=True,
                                                       request_handler=_RequestHandler)
        except SystemExit as error:  # werkzeug prints the OSError and exits on a bind failure
            raise ServerError(f"cannot listen on {host}:{port} (is the port in use?)") from error
        self._server.log_requests = log_requests  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve until interrupted (KeyboardInterrupt ends it quietly)."""
        self._server.serve_forever()

    def start(self) -> FakenovaServer:
        if self._thread is not None:
            raise ServerError("the server is already running")
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="fakenova-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop at once: the serving loop is woken by a connection instead of waiting for its
        half-second poll to notice the shutdown."""
        if self._thread is None:
            self._server.server_close()
            return
        stopping = threading.Thread(target=self._server.shutdown)
        stopping.start()
        while stopping.is_alive():
            self._wake()
            stopping.join(0.002)
        self._thread.join()
        self._thread = None

    def _wake(self) -> None:
        with contextlib.suppress(OSError), socket.create_connection(
                (self.host, self.port), timeout=0.1):
            pass

    def __enter__(self) -> FakenovaServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
