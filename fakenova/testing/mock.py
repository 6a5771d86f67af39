"""``fakenova.mock()``: a fake cloud in this process that real clients reach with no socket,
as moto's ``mock_aws`` does for AWS. A context manager, a decorator, or ``start()`` and
``stop()``; each gives the handle the ``fakenova`` pytest fixture gives."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fakenova.domain.clock import ClockMode
from fakenova.testing.handle import Fakenova, LocalBackend

F = TypeVar("F", bound=Callable[..., Any])


class mock:  # lower case, as moto's mock_aws and unittest.mock are
    """While active, HTTP requests to ``url`` (any urllib3-based client) are answered by a
    fresh fakenova in this process, made from ``fixtures`` (none by default)."""

    def __init__(self, fixtures: Sequence[str | Path] = (), clock: ClockMode = "immediate",
                 url: str = "http://fakenova.test", seed: int | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"mock(url=...) is http://host[:port] with no path, not {url!r}")
        self.url = url.rstrip("/")
        self._host, self._port = parts.hostname, parts.port or 80
        self.fixtures, self.clock, self.seed = list(fixtures), clock, seed
        self.handle: Fakenova | None = None

    def start(self) -> Fakenova:
        """Take the URL over with a cloud made afresh; the handle to it."""
        from fakenova.app import create_app
        from fakenova.http.inprocess import take_over

        if self.handle is not None:
            raise RuntimeError(f"this mock of {self.url} is already started")
        app = create_app(self.fixtures, clock=self.clock, seed=self.seed)
        take_over(self._host, self._port, app)
        self.handle = Fakenova(LocalBackend(app.extensions["fakenova"], self.url,
                                            in_process=True), name="mock")
        return self.handle

    def stop(self) -> None:
        """Give the URL back: requests to it fail again, as to any unknown host."""
        from fakenova.http.inprocess import give_back

        if self.handle is not None:
            give_back(self._host, self._port)
            self.handle = None

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
