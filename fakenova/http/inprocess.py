"""The in-process transport: urllib3's HTTP connections to a host fakenova has taken over
call its WSGI app directly, with no socket, no port and no server thread. Every client
built on urllib3 (requests, keystoneauth1, openstacksdk, novaclient, tempest.lib, the
``openstack`` CLI run in-process) goes through it unchanged.

One small patch of urllib3's own (``HTTPConnectionPool._new_conn``), made while a host is
taken over and undone after, rather than a third-party interceptor: ``wsgi-intercept``
covers urllib3 2 only in part, and a connection class of fakenova's keeps the failures a
client sees those of a socket (a dropped connection is a connection error, a slow answer
past the read timeout a read timeout).
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.client import RemoteDisconnected
from typing import Any

import urllib3
from urllib3 import exceptions
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.response import HTTPResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

WSGIApp = Callable[..., Iterable[bytes]]

_LOCK = threading.Lock()
_HOSTS: dict[tuple[str, int], WSGIApp] = {}
_ORIGINAL_NEW_CONN = HTTPConnectionPool._new_conn
_PROXY_VARIABLES = ("no_proxy", "NO_PROXY")


class InProcessConnection(urllib3.connection.HTTPConnection):
    """An HTTP connection whose requests are answered by a WSGI app in this process."""

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._sent: tuple[str, str, Any, Mapping[str, str], dict[str, Any]] | None = None

    def _app(self) -> WSGIApp:
        """The app that has the host now; once given back, the host is unknown again (a
        pooled connection outliving the take-over fails as a new one would)."""
        app = _HOSTS.get((self.host, self.port or 80))
        if app is None:
            # Looked up here, not imported at the top: urllib3 1.26 has no
            # NameResolutionError, and a failed import would come before take_over's clear
            # refusal of urllib3 1.
            raise exceptions.NameResolutionError(self.host, self, socket.gaierror(
                socket.EAI_NONAME, "Name or service not known"))
        return app

    # No socket: always "connected", never dropped by the pool.
    def connect(self) -> None:
        self._app()

    @property
    def is_closed(self) -> bool:
        return False

    @property
    def is_connected(self) -> bool:
        return True

    @property
    def has_connected_to_proxy(self) -> bool:
        return False

    def request(self, method: str, url: str, body: Any = None,  # type: ignore[override]
                headers: Mapping[str, str] | None = None, *, chunked: bool = False,
                preload_content: bool = True, decode_content: bool = True,
                enforce_content_length: bool = True) -> None:
        self.connect()
        self._sent = (method, url, body, dict(headers or {}),
                      {"preload_content": preload_content, "decode_content": decode_content,
                       "enforce_content_length": enforce_content_length})

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        if self._sent is None:
            raise RuntimeError("getresponse() before request()")
        method, url, body, headers, options = self._sent
        self._sent = None
        environ = EnvironBuilder(
            path=url, method=method, headers=headers, data=_bytes(body),
            base_url=f"http://{self.host}:{self.port}",
            environ_base={"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": 0}).get_environ()
        started = time.monotonic()
        try:
            chunks, status, answer_headers = run_wsgi_app(self._app(), environ, buffered=True)
            data = b"".join(chunks)
        except ConnectionAbortedError as error:  # a fault rule dropped the connection
            raise RemoteDisconnected("Remote end closed connection without response") \
                from error
        timeout = self.timeout
        if isinstance(timeout, int | float) and time.monotonic() - started > timeout:
            raise TimeoutError("timed out")  # the pool turns it into its read timeout
        code, _, reason = status.partition(" ")
        response = HTTPResponse(
            body=io.BytesIO(data), headers=list(answer_headers.items()), status=int(code),
            version=11, reason=reason, request_method=method, request_url=url,
            connection=self, **options)
        # Set, not passed: HTTPResponse takes version_string from urllib3 2.2 on (2.0 and
        # 2.1 refuse the argument), and the pool's log line reads it.
        response.version_string = "HTTP/1.1"
        return response


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if hasattr(body, "read"):
        return _bytes(body.read())
    return b"".join(_bytes(part) for part in body)  # a chunked body: an iterable of parts


def _new_conn(pool: HTTPConnectionPool) -> urllib3.connection.HTTPConnection:
    if pool.scheme != "http" or (pool.host, pool.port or 80) not in _HOSTS:
        return _ORIGINAL_NEW_CONN(pool)
    return InProcessConnection(pool.host, pool.port or 80,
                               timeout=pool.timeout.connect_timeout)


def take_over(host: str, port: int, app: WSGIApp) -> None:
    """From now on, HTTP requests to ``host:port`` are answered by ``app``, in this process;
    the host also joins ``no_proxy``, so that a proxy variable cannot send them elsewhere."""
    if int(urllib3.__version__.split(".")[0]) < 2:
        raise RuntimeError(f"the in-process transport needs urllib3 2 or newer, not "
                           f"{urllib3.__version__}")
    with _LOCK:
        if (host, port) in _HOSTS:
            raise RuntimeError(f"http://{host}:{port} is already taken over in this process")
        _HOSTS[host, port] = app
        HTTPConnectionPool._new_conn = _new_conn  # type: ignore[method-assign]
        for name in _PROXY_VARIABLES:
            listed = [h for h in os.environ.get(name, "").split(",") if h]
            os.environ[name] = ",".join([*listed, host])


def give_back(host: str, port: int) -> None:
    """Undo ``take_over``: requests to ``host:port`` go to the network again (and fail, as
    for any host that does not resolve)."""
    with _LOCK:
        _HOSTS.pop((host, port), None)
        for name in _PROXY_VARIABLES:
            listed = [h for h in os.environ.get(name, "").split(",") if h]
            if host in listed:
                listed.remove(host)
            if listed:
                os.environ[name] = ",".join(listed)
            else:
                os.environ.pop(name, None)
        if not _HOSTS:
            HTTPConnectionPool._new_conn = _ORIGINAL_NEW_CONN  # type: ignore[method-assign]
