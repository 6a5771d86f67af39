"""The Flask application class fakenova serves with.

Its services are loaded on first use (``fakenova.http.service_loader``), so routes are added
after the app has answered requests: Flask allows that while a service is being added
(``adding_routes``), and requests are routed one at a time with the lock under which routes
are added (``routing``), so that no request is matched against a map being changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, Request, Response
from flask.ctx import RequestContext
from flask.sessions import NullSession, SessionInterface, SessionMixin

from fakenova.http.routing import CONVERTERS, LazyBuildRule
from fakenova.http.service_loader import Listing, ServiceLoader


class _NoSessions(SessionInterface):
    """fakenova keeps no sessions: every request shares one empty, read-only session
    instead of Flask making one for each request only to find no secret key."""

    _none = NullSession()

    def open_session(self, app: Flask, request: Request) -> NullSession:
        return self._none

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


class _RoutedInTurn(RequestContext):
    """A request context that loads the service its path names before routing, and routes
    while no service is being added."""

    def match_request(self) -> None:
        app: FakenovaFlask = self.app  # type: ignore[assignment]
        with app.routing:
            app.services.load(self.request.path)
            super().match_request()


class FakenovaFlask(Flask):
    url_rule_class = LazyBuildRule
    session_interface = _NoSessions()

    def __init__(self, services: Sequence[Listing], control_token: str | None) -> None:
        super().__init__("fakenova", static_folder=None)
        self.url_map.converters.update(CONVERTERS)
        self.routing = threading.RLock()
        self.services = ServiceLoader(self, services, control_token)
        self._adding = False

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Every view and hook of fakenova is synchronous: skip Flask's check, made for
        async views, of each function on each request."""
        return func

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return _RoutedInTurn(self, environ)

    def adding_routes(self, register: Callable[[Flask], None]) -> None:
        """Run ``register`` (a service's blueprints), even after the first request."""
        with self.routing:
            self._adding = True
            try:
                register(self)
            finally:
                self._adding = False

    def _check_setup_finished(self, f_name: str) -> None:
        if not self._adding:
            super()._check_setup_finished(f_name)
