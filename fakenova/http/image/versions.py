"""Glance's version list (``glance.api.versions.Controller``), as devstack configures it
(an image cache directory, one store): 300 on any path that names no version, 200 on
``/versions``; no token needed."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from fakenova.http.error_bodies import json_response
from fakenova.http.image.routing import bp
from fakenova.openapi.bindings import VERSION_DOCUMENTS, Binding, Bindings, envelope

# newest first, as Glance lists them with image_cache_dir set and no enabled_backends
_VERSIONS = (("2.18", "CURRENT"), *((f"2.{minor}", "SUPPORTED") for minor in (17, 16, 15, 14)),
             ("2.9", "SUPPORTED"),
             *((f"2.{minor}", "SUPPORTED") for minor in (7, 6, 5, 4, 3, 2, 1, 0)))


def render_versions() -> dict[str, Any]:
    href = f"{request.host_url}image/v2/"
    return {"versions": [{"id": f"v{version}", "status": status,
                          "links": [{"rel": "self", "href": href}]}
                         for version, status in _VERSIONS]}


def version_choices() -> Response:
    return json_response(render_versions(), 300)


@bp.get("", provide_automatic_options=False)
def root() -> Response:
    return version_choices()


@bp.get("/", provide_automatic_options=False)
def root_slash() -> Response:
    return version_choices()


@bp.get("/versions", provide_automatic_options=False)
def versions() -> Response:
    return json_response(render_versions())


BINDINGS = Bindings("image versions", {
    "GET /image": Binding(300, envelope("versions", True)),
    "GET /image/": Binding(300, envelope("versions", True)),
    "GET /image/versions": Binding(200, envelope("versions", True)),
}, conventions=VERSION_DOCUMENTS)
