"""What Cinder's ``wsgi.Resource`` does around each request routed to it: the microversion,
Content-Type, the JSON body and the project id in the URL before the view, and the headers
of every answer."""

from __future__ import annotations

import re
from typing import Any

from flask import Request, Response

from fakenova.errors import BadRequest, NotAcceptable, UnsupportedMediaType
from fakenova.http.bodies import parse_json
from fakenova.http.exchange import Exchange, context, exchange
from fakenova.microversion import VERSION_RE, APIVersion, parse_version

MIN_VERSION = APIVersion(3, 0)
MAX_VERSION = APIVersion(3, 71)
API_PREFIX = re.compile(r"^/volume/v3(?:/[0-9a-f-]{16,})?")
_VOLUME_VERSION = re.compile(r"volume\s+(\d+\.\d+)", re.I)
_JSON_TYPES = ("application/json", "application/vnd.openstack.volume+json")
# webob's default explanations, for errors upstream lets through without a message.
_WEBOB_400 = ("The server could not comply with the request since it is either malformed "
              "or otherwise incorrect.")
_NO_BODY: Any = object()


def request_version() -> APIVersion:
    """The microversion negotiated for this request."""
    return exchange().version  # type: ignore[return-value]


def needs_token(path: str) -> bool:
    return path.startswith("/volume/v3/") and path.rstrip("/") != "/volume/v3"


def _is_redirect(req: Request) -> bool:
    return (req.endpoint or "").endswith("_redirect")


def requested_version(req: Request) -> APIVersion | None:
    """The version a request names, as fault rules compare it (no header: none)."""
    found = _VOLUME_VERSION.search(req.headers.get("OpenStack-API-Version", ""))
    return parse_version(found.group(1)) if found else None


def note_version(ex: Exchange, req: Request) -> None:
    if req.blueprint == "volume" and not _is_redirect(req):
        ex.compute_request_id = True
        ex.version = negotiate_version(req.headers.get("OpenStack-API-Version"), ex)
        ex.version_text = str(ex.version)


def negotiate_version(header: str | None, ex: Exchange) -> APIVersion:
    """``OpenStack-API-Version: volume X.Y``; no header means 3.0, ``latest`` the newest."""
    if header is None:
        return MIN_VERSION
    entry = next((e for e in header.split(",") if "volume" in e), None)
    if entry is None:
        raise BadRequest(_WEBOB_400)  # VersionNotFoundForAPIMethod, passed on without text
    parts = entry.split()
    text = parts[1] if len(parts) == 2 else entry.strip()
    # Upstream fails with a 500 on an entry that is not "volume X.Y"; bad input is a 400 here.
    if text == "latest":
        return MAX_VERSION
    if not VERSION_RE.match(text):
        raise BadRequest(f"API Version String {text} is of invalid format. Must be of format "
                         "MajorNum.MinorNum.")
    version = parse_version(text)
    ex.version_text = str(version)  # the 406 still names the version asked for
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NotAcceptable(f"Version {version} is not supported by the API. Minimum is "
                            f"{MIN_VERSION} and maximum is {MAX_VERSION}.")
    return version


def _json_body(raw: bytes, req: Request) -> Any:
    """The request's JSON, or _NO_BODY: an empty body or one without Content-Type is none."""
    if not raw or "Content-Type" not in req.headers:
        return _NO_BODY
    if req.mimetype not in _JSON_TYPES:
        raise UnsupportedMediaType("Unsupported Content-Type")
    return parse_json(raw)


def prepare(ex: Exchange, req: Request) -> None:
    """What Cinder's wsgi.Resource does before a request routed to it reaches its view."""
    if _is_redirect(req):
        return
    ex.compute_request_id = True
    ex.version = negotiate_version(req.headers.get("OpenStack-API-Version"), ex)
    ex.version_text = str(ex.version)
    body = _json_body(ex.body, req)
    # the project id in the URL, taken out before the view is called with the rest
    url_project = (req.view_args or {}).pop("project_id", None)
    if url_project and url_project != context().project_id:
        raise BadRequest("Malformed request url")
    # Upstream passes the body to the controller method as an argument: an unexpected one
    # is a TypeError (400), a missing one a KeyError (a 500 upstream; bad input is a 400 here).
    if req.method == "POST" and body is _NO_BODY and req.path.endswith("/action"):
        # wsgi.Resource.get_method: no body (or no Content-Type) is no media type, whose
        # action_peek is missing: a KeyError of None.
        raise BadRequest("There is no such action: None. Verify the request body and "
                         "Content-Type header and try again.")
    if req.method in ("POST", "PUT") and body is _NO_BODY:
        raise BadRequest("Missing required element 'volume' in request body.")
    if req.method not in ("POST", "PUT") and body is not _NO_BODY:
        raise BadRequest(_WEBOB_400)
    ex.json_body = body


def add_headers(ex: Exchange, req: Request, response: Response) -> None:
    """The request id on every answer; the served version on every Resource answer, and
    x-compute-request-id on most."""
    response.headers["x-openstack-request-id"] = ex.request_id
    if ex.version_text is not None:
        response.headers["OpenStack-API-Version"] = f"volume {ex.version_text}"
        response.headers["Vary"] = "OpenStack-API-Version"
    if ex.compute_request_id:
        response.headers["x-compute-request-id"] = ex.request_id
