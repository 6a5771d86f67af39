"""What a Glance site offers (``glance.api.v2.discovery.InfoController``): no import method
(fakenova models none of the import workflow) and a single store."""

from __future__ import annotations

from flask import Response

from fakenova.errors import NotFound
from fakenova.http.error_bodies import json_response
from fakenova.http.image.routing import bp
from fakenova.openapi.bindings import Binding, Bindings, object_schema


@bp.get("/v2/info/import")
def import_methods() -> Response:
    return json_response({"import-methods": {
        "description": "Import methods available.", "type": "array", "value": []}})


@bp.get("/v2/info/stores")
def stores() -> Response:
    raise NotFound("Multi backend is not supported at this site.")


BINDINGS = Bindings("image discovery", {
    "GET /image/v2/info/import": Binding(200, object_schema(**{
        "import-methods": {"type": "object"}}), errors=(401,)),
    "GET /image/v2/info/stores": Binding(200, {"type": "object"}, errors=(401, 404)),
})
