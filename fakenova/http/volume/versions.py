"""Cinder's version documents, and the redirects of the paths without a trailing slash."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from fakenova.http.error_bodies import json_response
from fakenova.http.volume.pipeline import MAX_VERSION, MIN_VERSION
from fakenova.http.volume.routing import bp
from fakenova.openapi.bindings import VERSION_DOCUMENTS, Binding, Bindings, envelope

VERSIONS_UPDATED = "2023-08-31T00:00:00Z"


def render_versions() -> dict[str, Any]:
    return {"versions": [{
        "id": "v3.0", "status": "CURRENT", "version": str(MAX_VERSION),
        "min_version": str(MIN_VERSION), "updated": VERSIONS_UPDATED,
        "links": [{"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": f"{request.host_url}volume/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
    }]}


@bp.get("/", provide_automatic_options=False)
def version_list() -> Response:
    return json_response(render_versions(), 300)


@bp.get("/v3/", provide_automatic_options=False)
def version_v3() -> Response:
    return json_response(render_versions())


def _redirect(location: str) -> Response:
    """What the routes library answers for a path without its trailing slash."""
    return Response(b"", 302, headers={"Location": location},
                    content_type="text/plain; charset=utf8")


@bp.get("", provide_automatic_options=False)
def root_redirect() -> Response:
    return _redirect("/volume/")


@bp.get("/v3", provide_automatic_options=False)
def v3_redirect() -> Response:
    return _redirect("/volume/v3/")


BINDINGS = Bindings("versions", {
    "GET /volume": Binding(302, headers=("Location",)),
    "GET /volume/": Binding(300, envelope("versions", True)),
    "GET /volume/v3": Binding(302, headers=("Location",)),
    "GET /volume/v3/": Binding(200, envelope("versions", True)),
}, conventions=VERSION_DOCUMENTS)
