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
    from fakenova.http import error_bodies as faults
    from fakenova.http import injection as fault_injection
    from fakenova.http import pipeline as common
    from fakenova.http.compute import pipeline as compute
    from fakenova.http.control import document as openapi
    from fakenova.http.control import guard as control_auth
    from fakenova.http.control import routes as control
    from fakenova.http.identity import tokens as identity
    from fakenova.http.volume import routes as volume

    app = _SyncFlask("fakenova", static_folder=None)
    app.session_interface = _NoSessions()
    app.extensions["fakenova"] = cloud or Cloud(fixtures, clock=clock, step=step,
                                                scenario=scenario, seed=seed,
                                                journal_cap=journal_cap, token_ttl=token_ttl)
    common.install(app, app.extensions["fakenova"], control_auth.guard(control_token))
    app.wsgi_app = fault_injection.DropConnections(app.wsgi_app)  # type: ignore[method-assign]
    faults.register(app)
    app.register_blueprint(identity.bp)
    compute.register(app)
    app.register_blueprint(volume.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(openapi.bp)
    return app
