"""Nova: version documents, the v2.1 pipeline, and the APIs served below it (volume
attachments, servers, flavors). A new Nova API is a blueprint listed in ``_APIS``."""

from __future__ import annotations

from flask import Blueprint, Flask

from fakenova.http.compute import attachments, flavors, pipeline, servers, versions
from fakenova.http.service import CatalogEntry, Service

_APIS = (attachments.bp, servers.bp, flavors.bp)


def _register(app: Flask) -> None:
    api = Blueprint("compute_api", __name__)
    for blueprint in _APIS:
        api.register_blueprint(blueprint)
    app.register_blueprint(versions.bp)
    app.register_blueprint(api, url_prefix="/compute/v2.1")
    app.register_blueprint(api, url_prefix="/compute/v2.1/<project_id:project_id>",
                           name="compute_api_project")


SERVICE = Service(
    name="compute", segment="compute", register=_register, api_prefix=pipeline.API_PREFIX,
    needs_token=pipeline.needs_token, prepare=pipeline.prepare,
    note_version=pipeline.note_version, requested_version=pipeline.requested_version,
    add_headers=pipeline.add_headers, render_error=pipeline.render_error,
    catalog=(CatalogEntry("compute", "nova", "compute/v2.1"),))
