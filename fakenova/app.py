"""The application factory: one Flask app, one fake cloud, nothing shared between apps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface, SessionMixin

from fakenova.cloud import Cloud
from fakenova.domain.clock import ClockMode
from fakenova.domain.identity import DEFAULT_TOKEN_TTL
from fakenova.harness.journal import DEFAULT_CAP


class _SyncFlask(Flask):
    """Every view and hook of fakenova is synchronous: skip Flask's check, made for async
    views, of each function on each request."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return func


class _NoSessions(SessionInterface):
    """fakenova keeps no sessions: every request shares one empty, read-only session
    instead of Flask making one for each request only to find no secret key."""

    _none = NullSession()

    def open_session(self, app: Flask, request: Request) -> NullSession:
        return self._none

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def create_app(fixtures: Sequence[str | Path] = (), clock: ClockMode = "immediate",
               step: float = 1.0, scenario: str | Path | None = None, seed: int | None = None,
               journal_cap: int = DEFAULT_CAP, control_token: str | None = None,
               cloud: Cloud | None = None, token_ttl: float = DEFAULT_TOKEN_TTL) -> Flask:
    """Build an app serving a fresh cloud: the default accounts plus ``fixtures``.

    ``clock`` sets how state transitions advance (``immediate``, ``timed`` with ``step``
    seconds a transition, or ``manual``); ``scenario`` names a file of fault rules;
    ``seed`` makes ids and fault probabilities repeat; Keystone tokens are valid for
    ``token_ttl`` seconds (3600 by default, as Keystone's). With ``control_token``, every
    ``/_fakenova`` request must carry it in ``X-Fakenova-Control-Token`` (401 otherwise);
    without one, the control API answers callers on loopback only (403 for others).
    Pass ``cloud`` to serve an existing one; it keeps its own settings (the clock, the
    token lifetime, ...).
    """
    from fakenova.http import (
        compute,
        control,
        error_bodies,
        identity,
        image,
        injection,
        pipeline,
        volume,
    )
    from fakenova.http.routing import CONVERTERS, LazyBuildRule

    app = _SyncFlask("fakenova", static_folder=None)
    app.session_interface = _NoSessions()
    app.url_rule_class = LazyBuildRule
    app.url_map.converters.update(CONVERTERS)
    fake = cloud or Cloud(fixtures, clock=clock, step=step, scenario=scenario, seed=seed,
                          journal_cap=journal_cap, token_ttl=token_ttl)
    app.extensions["fakenova"] = fake
    services = (identity.SERVICE, compute.SERVICE, volume.SERVICE, image.SERVICE,
                control.service(control_token))
    app.extensions["fakenova.services"] = services
    pipeline.install(app, fake, services)
    app.wsgi_app = injection.DropConnections(app.wsgi_app)  # type: ignore[method-assign]
    error_bodies.register(app)
    return app
