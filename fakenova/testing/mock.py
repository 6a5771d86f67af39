"""``fakenova.mock()``: a fake cloud in this process that real clients reach with no socket,
as moto's ``mock_aws`` does for AWS. A context manager, a decorator, or ``start()`` and
``stop()``; each gives the handle the ``fakenova`` pytest fixture gives."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import SplitResult, urlsplit

from fakenova.domain.clock import ClockMode
from fakenova.testing.handle import Fakenova, LocalBackend

if TYPE_CHECKING:
    from fakenova.http.inprocess import WSGIApp

F = TypeVar("F", bound=Callable[..., Any])


class InProcessServer:
    """An app taken over at ``url`` in this process: what ``fakenova serve`` is over a
    socket (``app``, ``url``, a context manager), with no socket."""

    def __init__(self, app: WSGIApp | Any, url: str = "http://fakenova.test") -> None:
        parts = self.check_url(url)
        self.app, self.url = app, url.rstrip("/")
        self._where = (parts.hostname or "", parts.port or 80)

    @staticmethod
    def check_url(url: str) -> SplitResult:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"an in-process url is http://host[:port] with no path, "
                             f"not {url!r}")
        return parts

    def start(self) -> InProcessServer:
        from fakenova.http.inprocess import take_over

        take_over(*self._where, self.app)
        return self

    def stop(self) -> None:
        from fakenova.http.inprocess import give_back

        give_back(*self._where)

    def __enter__(self) -> InProcessServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class mock:  # lower case, as moto's mock_aws and unittest.mock are
    """While active, HTTP requests to ``url`` (any urllib3-based client) are answered by a
    fresh fakenova in this process, made from ``fixtures`` (none by default)."""

    def __init__(self, fixtures: Sequence[str | Path] = (), clock: ClockMode = "immediate",
                 url: str = "http://fakenova.test", seed: int | None = None) -> None:
        InProcessServer.check_url(url)
        self.url = url.rstrip("/")
        self.fixtures, self.clock, self.seed = list(fixtures), clock, seed
        self.handle: Fakenova | None = None
        self._server: InProcessServer | None = None

    def start(self) -> Fakenova:
        """Take the URL over with a cloud made afresh; the handle to it."""
        from fakenova.app import create_app

        if self.handle is not None:
            raise RuntimeError(f"this mock of {self.url} is already started")
        app = create_app(self.fixtures, clock=self.clock, seed=self.seed)
        self._server = InProcessServer(app, self.url).start()
        self.handle = Fakenova(LocalBackend(app.extensions["fakenova"], self.url,
                                            in_process=True), name="mock")
        return self.handle

    def stop(self) -> None:
        """Give the URL back: requests to it fail again, as to any unknown host."""
        if self._server is not None:
            self._server.stop()
            self._server, self.handle = None, None

    def __enter__(self) -> Fakenova:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __call__(self, function: F) -> F:
        """As a decorator: the function runs with a fresh cloud, its handle first."""

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mock(self.fixtures, self.clock, self.url, self.seed) as cloud:
                return function(cloud, *args, **kwargs)

        return wrapper  # type: ignore[return-value]
