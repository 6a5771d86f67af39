"""Nova's version documents: the root, v2 and v2.1, and the 300 with where a path below the
root exists in each version."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, request

from fakenova.http.compute.pipeline import negotiate_version
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import exchange
from fakenova.microversion import MAX_VERSION, MIN_VERSION
from fakenova.openapi.bindings import VERSION_DOCUMENTS, Binding, Bindings, envelope

bp = Blueprint("compute_versions", __name__, url_prefix="/compute")


def register(app: Flask) -> None:
    app.register_blueprint(bp)


def _versions(base: str) -> dict[str, dict[str, Any]]:
    return {
        "v2.0": {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
                 "updated": "2025-07-04T12:00:00Z",
                 "links": [{"rel": "self", "href": f"{base}v2/"}],
                 "media-types": [{"base": "application/json",
                                  "type": "application/vnd.openstack.compute+json;version=2"}]},
        "v2.1": {"id": "v2.1", "status": "CURRENT", "version": str(MAX_VERSION),
                 "min_version": str(MIN_VERSION), "updated": "2013-07-23T11:33:21Z",
                 "links": [{"rel": "self", "href": f"{base}v2.1/"}],
                 "media-types": [{"base": "application/json",
                                  "type": "application/vnd.openstack.compute+json;version=2.1"}]},
    }


def _base() -> str:
    return f"{request.host_url}compute/"


@bp.get("")
@bp.get("/")
def version_list() -> Any:
    """The version list; upstream's root document has no media-types."""
    versions = [{k: v for k, v in doc.items() if k != "media-types"}
                for doc in _versions(_base()).values()]
    return json_response({"versions": versions})


@bp.get("/v2.1")
@bp.get("/v2.1/")
def version_v21() -> Any:
    negotiate_version(exchange(), request)
    return json_response({"version": _version_doc("v2.1")})


@bp.get("/v2")
@bp.get("/v2/")
def version_v20() -> Any:
    return json_response({"version": _version_doc("v2.0")})


def _version_doc(version_id: str) -> dict[str, Any]:
    doc = _versions(_base())[version_id]
    doc["links"].append({"rel": "describedby", "type": "text/html",
                         "href": "http://docs.openstack.org/"})
    return doc


@bp.get("/<path:rest>")
def version_choices(rest: str) -> Any:
    """Other paths under the root answer 300 with where the path exists in each version."""
    if rest.split("/", 1)[0] in ("v2", "v2.1"):
        exchange().unrouted = True  # a path below a version no route of it serves
        abort(404)
    choices = []
    for version_id, doc in _versions(_base()).items():
        prefix = "v2" if version_id == "v2.0" else "v2.1"
        choices.append({"id": doc["id"], "status": doc["status"],
                        "links": [{"rel": "self", "href": f"{_base()}{prefix}/{rest.strip('/')}"}],
                        "media-types": doc["media-types"]})
    return json_response({"choices": choices}, 300)


_VERSION = envelope("version")
BINDINGS = Bindings("versions", {
    "GET /compute": Binding(200, envelope("versions", True)),
    "GET /compute/": Binding(200, envelope("versions", True)),
    "GET /compute/v2": Binding(200, _VERSION),
    "GET /compute/v2/": Binding(200, _VERSION),
    "GET /compute/v2.1": Binding(200, _VERSION, errors=(400, 406)),
    "GET /compute/v2.1/": Binding(200, _VERSION, errors=(400, 406)),
    "GET /compute/{rest}": Binding(300, envelope("choices", True), errors=(401, 404)),
}, conventions=VERSION_DOCUMENTS)
