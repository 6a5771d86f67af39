"""The application factory: one Flask app, one fake cloud, nothing shared between apps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fakenova.cloud import Cloud
from fakenova.domain.clock import ClockMode
from fakenova.domain.identity import DEFAULT_TOKEN_TTL
from fakenova.harness.journal import DEFAULT_CAP
from fakenova.http.service import CatalogEntry
from fakenova.http.service_loader import Listing

if TYPE_CHECKING:
    from fakenova.http.flask_app import FakenovaFlask

# What the app serves, each service loaded on the first request to its segment. A new
# service is a package under fakenova/http and a line here.
SERVICES = (
    Listing("identity", "fakenova.http.identity",
            (CatalogEntry("identity", "keystone", "identity"),)),
    Listing("compute", "fakenova.http.compute",
            (CatalogEntry("compute", "nova", "compute/v2.1"),)),
    Listing("volume", "fakenova.http.volume",
            (CatalogEntry("volumev3", "cinderv3", "volume/v3/{project_id}"),
             CatalogEntry("block-storage", "cinder", "volume/v3/{project_id}"))),
    Listing("image", "fakenova.http.image", (CatalogEntry("image", "glance", "image"),)),
    Listing("_fakenova", "fakenova.http.control"),
)


def create_app(fixtures: Sequence[str | Path] = (), clock: ClockMode = "immediate",
               step: float = 1.0, scenario: str | Path | None = None, seed: int | None = None,
               journal_cap: int = DEFAULT_CAP, control_token: str | None = None,
               cloud: Cloud | None = None, token_ttl: float = DEFAULT_TOKEN_TTL) -> FakenovaFlask:
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
    from fakenova.http import error_bodies, injection, pipeline
    from fakenova.http.flask_app import FakenovaFlask

    if control_token is not None:  # now, though the control API loads on its first request
        from fakenova.harness.access import check_control_token

        check_control_token(control_token)
    app = FakenovaFlask(SERVICES, control_token)
    fake = cloud or Cloud(fixtures, clock=clock, step=step, scenario=scenario, seed=seed,
                          journal_cap=journal_cap, token_ttl=token_ttl)
    app.extensions["fakenova"] = fake
    pipeline.install(app, fake, app.services)
    app.wsgi_app = injection.DropConnections(app.wsgi_app)  # type: ignore[method-assign]
    error_bodies.register(app)
    return app
