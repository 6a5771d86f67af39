"""Nova's front door: version documents, and what every v2.1 API request goes through
after routing (microversion, Content-Type, JSON body, the project id in the URL)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Request, abort, request
from werkzeug.routing import BaseConverter

from fakenova.errors import BadRequest, UnsupportedMediaType
from fakenova.http.bodies import parse_json
from fakenova.http.compute import attachments as volume_attachments
from fakenova.http.compute import flavors, servers
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import Exchange, context, exchange
from fakenova.microversion import MAX_VERSION, MIN_VERSION, compute_version

_JSON_TYPES = ("application/json", "application/vnd.openstack.compute+json")
_METHODS_WITH_BODY = ("POST", "PUT")

versions_bp = Blueprint("compute_versions", __name__, url_prefix="/compute")
api_bp = Blueprint("compute_api", __name__)
api_bp.register_blueprint(volume_attachments.bp)
api_bp.register_blueprint(servers.bp)
api_bp.register_blueprint(flavors.bp)


class ProjectIdConverter(BaseConverter):
    """Nova's router only takes a project id segment made of hex digits and dashes."""

    regex = "[0-9a-f-]+"


def register(app: Flask) -> None:
    app.url_map.converters["project_id"] = ProjectIdConverter
    app.register_blueprint(versions_bp)
    app.register_blueprint(api_bp, url_prefix="/compute/v2.1")
    app.register_blueprint(api_bp, url_prefix="/compute/v2.1/<project_id:project_id>",
                           name="compute_api_project")


# -- version documents ---------------------------------------------------------------


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


@versions_bp.get("")
@versions_bp.get("/")
def version_list() -> Any:
    """The version list; upstream's root document has no media-types."""
    versions = [{k: v for k, v in doc.items() if k != "media-types"}
                for doc in _versions(_base()).values()]
    return json_response({"versions": versions})


@versions_bp.get("/v2.1")
@versions_bp.get("/v2.1/")
def version_v21() -> Any:
    negotiate_version(exchange(), request)
    return json_response({"version": _version_doc("v2.1")})


@versions_bp.get("/v2")
@versions_bp.get("/v2/")
def version_v20() -> Any:
    return json_response({"version": _version_doc("v2.0")})


def _version_doc(version_id: str) -> dict[str, Any]:
    doc = _versions(_base())[version_id]
    doc["links"].append({"rel": "describedby", "type": "text/html",
                         "href": "http://docs.openstack.org/"})
    return doc


@versions_bp.get("/<path:rest>")
def version_choices(rest: str) -> Any:
    """Other paths under the root answer 300 with where the path exists in each version."""
    if rest.split("/", 1)[0] in ("v2", "v2.1"):
        abort(404)
    choices = []
    for version_id, doc in _versions(_base()).items():
        prefix = "v2" if version_id == "v2.0" else "v2.1"
        choices.append({"id": doc["id"], "status": doc["status"],
                        "links": [{"rel": "self", "href": f"{_base()}{prefix}/{rest.strip('/')}"}],
                        "media-types": doc["media-types"]})
    return json_response({"choices": choices}, 300)


# -- the v2.1 API pipeline -------------------------------------------------------------


def negotiate_version(ex: Exchange, req: Request) -> None:
    environ = req.environ  # the headers, read where werkzeug's Headers would read them
    version = compute_version(environ.get("HTTP_OPENSTACK_API_VERSION"),
                              environ.get("HTTP_X_OPENSTACK_NOVA_API_VERSION"))
    ex.version = version
    ex.version_text = str(version)


def prepare(ex: Exchange, req: Request) -> None:
    """What Nova's API pipeline does before a request routed to it reaches its view."""
    negotiate_version(ex, req)
    _check_content_type(req)
    ex.json_body = _parse_body(ex.body) if req.method in _METHODS_WITH_BODY else None
    # the project id in the URL, taken out before the view is called with the rest
    url_project = (req.view_args or {}).pop("project_id", None)
    if url_project and url_project != context().project_id:
        raise BadRequest(f"Malformed request URL: URL's project_id '{url_project}' doesn't "
                         f"match Context's project_id '{context().project_id}'")


def _check_content_type(req: Request) -> None:
    content_type = req.environ.get("CONTENT_TYPE")
    if content_type is None or content_type in _JSON_TYPES:
        return
    mimetype = req.mimetype
    if mimetype and mimetype != "text/plain" and mimetype not in _JSON_TYPES:
        raise UnsupportedMediaType("Unsupported Content-Type")


def _parse_body(raw: bytes) -> Any:
    return parse_json(raw) if raw else None
