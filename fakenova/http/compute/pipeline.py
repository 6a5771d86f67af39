"""What Nova's v2.1 API does around each request routed to it: the microversion from its
two headers, Content-Type, the JSON body and the project id in the URL before the view; the
request-id and microversion headers of every answer; fault bodies."""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import Request, Response

from fakenova.errors import (
    BadRequest,
    FakenovaError,
    InvalidVersion,
    UnsupportedMediaType,
    VersionNotSupported,
)
from fakenova.http.bodies import parse_json
from fakenova.http.error_bodies import openstack_fault
from fakenova.http.exchange import Exchange, context, exchange_or_none
from fakenova.microversion import MAX_VERSION, MIN_VERSION, VERSION_RE, APIVersion, parse_version

_JSON_TYPES = ("application/json", "application/vnd.openstack.compute+json")
_METHODS_WITH_BODY = ("POST", "PUT")
# The version documents answer without a token; every path below a version needs one.
_OPEN_ROOTS = ("/compute/v2.1", "/compute/v2")
API_PREFIX = re.compile(r"^/compute/v2(?:\.1)?(?:/[0-9a-f-]{16,})?")


def needs_token(path: str) -> bool:
    return any(path.startswith(root + "/") and path.rstrip("/") != root
               for root in _OPEN_ROOTS)


def _requested_text(openstack_api_version: str | None, legacy_header: str | None) -> str | None:
    if openstack_api_version:
        chosen = None
        for entry in openstack_api_version.split(","):
            parts = entry.strip().split(None, 1)
            if len(parts) == 2 and parts[0].lower() == "compute":
                chosen = parts[1].strip()
        if chosen is not None:
            return chosen
    if legacy_header and legacy_header.strip():
        return legacy_header.split(",")[-1].strip()
    return None


@functools.lru_cache(maxsize=256)  # clients send the same few headers over and over
def compute_version(openstack_api_version: str | None, legacy_header: str | None) -> APIVersion:
    """The microversion a request asks for, as microversion_parse reads Nova's headers; no
    header means the minimum."""
    text = _requested_text(openstack_api_version, legacy_header)
    if text is None:
        return MIN_VERSION
    if text == "latest":
        return MAX_VERSION
    if not VERSION_RE.match(text):
        raise InvalidVersion(
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
        )
    version = parse_version(text)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise VersionNotSupported(
            f"Version {version} is not supported by the API. "
            f"Minimum is {MIN_VERSION} and maximum is {MAX_VERSION}.",
            requested=str(version),
        )
    return version


def requested_version(req: Request) -> APIVersion:
    environ = req.environ  # the headers, read where werkzeug's Headers would read them
    return compute_version(environ.get("HTTP_OPENSTACK_API_VERSION"),
                           environ.get("HTTP_X_OPENSTACK_NOVA_API_VERSION"))


def _is_api(req: Request) -> bool:
    return (req.blueprint or "").startswith("compute_api")


def note_version(ex: Exchange, req: Request) -> None:
    if _is_api(req):
        negotiate_version(ex, req)


def negotiate_version(ex: Exchange, req: Request) -> None:
    version = requested_version(req)
    ex.version = version
    ex.version_text = str(version)


def prepare(ex: Exchange, req: Request) -> None:
    """What Nova's API pipeline does before a request routed to it reaches its view."""
    if not _is_api(req):
        return
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


def add_headers(ex: Exchange, req: Request, response: Response) -> None:
    """The request id (twice) on every answer but the root's, and the microversion."""
    headers = response.headers
    if req.path.rstrip("/") != "/compute":
        headers.add("x-openstack-request-id", ex.request_id)
        headers.add("x-compute-request-id", ex.request_id)
    if ex.version_text:
        headers.add("OpenStack-API-Version", f"compute {ex.version_text}")
        headers.add("X-OpenStack-Nova-API-Version", ex.version_text)
        headers.add("Vary", "OpenStack-API-Version")
        headers.add("Vary", "X-OpenStack-Nova-API-Version")


def render_error(error: FakenovaError) -> Response:
    """Nova's fault body; a 406 for an unserved version still names the one asked for."""
    ex = exchange_or_none()
    if isinstance(error, VersionNotSupported) and ex is not None:
        ex.version_text = error.requested
    return openstack_fault(error.status, error.message)
