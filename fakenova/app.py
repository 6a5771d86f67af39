"""The application factory: one Flask app, one fake cloud, nothing shared between apps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask import Flask

from .cloud import Cloud
from .domain.clock import ClockMode


def create_app(fixtures: Sequence[str | Path] = (), clock: ClockMode = "immediate",
               step: float = 1.0, cloud: Cloud | None = None) -> Flask:
    """Build an app serving a fresh cloud: the default accounts plus ``fixtures``.

    ``clock`` sets how state transitions advance (``immediate``, ``timed`` with ``step``
    seconds a transition, or ``manual``); pass ``cloud`` to serve an existing one.
    """
    from .api import common, compute, control, faults, identity, volume

    app = Flask("fakenova")
    app.extensions["fakenova"] = cloud or Cloud(fixtures, clock=clock, step=step)
    app.before_request(common.begin_request)
    app.after_request(common.finish_request)
    faults.register(app)
    app.register_blueprint(identity.bp)
    compute.register(app)
    app.register_blueprint(volume.bp)
    app.register_blueprint(control.bp)
    return app
