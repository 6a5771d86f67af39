"""The application factory: one Flask app, one fake cloud, nothing shared between apps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask import Flask

from .cloud import Cloud
from .domain.clock import ClockMode
from .journal import DEFAULT_CAP


def create_app(fixtures: Sequence[str | Path] = (), clock: ClockMode = "immediate",
               step: float = 1.0, scenario: str | Path | None = None, seed: int | None = None,
               journal_cap: int = DEFAULT_CAP, control_token: str | None = None,
               cloud: Cloud | None = None) -> Flask:
    """Build an app serving a fresh cloud: the default accounts plus ``fixtures``.

    ``clock`` sets how state transitions advance (``immediate``, ``timed`` with ``step``
    seconds a transition, or ``manual``); ``scenario`` names a file of fault rules;
    ``seed`` makes ids and fault probabilities repeat; pass ``cloud`` to serve an existing one.
    """
    from .api import (
        common,
        compute,
        control,
        control_auth,
        fault_injection,
        faults,
        identity,
        openapi,
        volume,
    )

    app = Flask("fakenova")
    app.extensions["fakenova"] = cloud or Cloud(fixtures, clock=clock, step=step,
                                                scenario=scenario, seed=seed,
                                                journal_cap=journal_cap)
    # before_request functions run in this order, after_request ones in reverse.
    app.before_request(common.begin_request)
    app.before_request(fault_injection.before)
    app.before_request(common.authenticate)
    app.after_request(fault_injection.record)
    app.after_request(common.finish_request)
    app.after_request(fault_injection.after)
    app.wsgi_app = fault_injection.DropConnections(app.wsgi_app)  # type: ignore[method-assign]
    faults.register(app)
    app.register_blueprint(identity.bp)
    compute.register(app)
    app.register_blueprint(volume.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(openapi.bp)
    control_auth.register(app, control_token)
    return app
