"""What every request goes through before a view: service, request id, size limit, token.

Upstream runs the request-id, size-limit and keystonemiddleware filters before routing,
so an oversized body gets 413 and a missing token 401 even on an unknown path.
"""

from __future__ import annotations

from flask import Response, current_app, g, request

from ..cloud import Cloud
from ..domain.identity import validate_token
from ..domain.model import Context, new_id
from .faults import webob_error

MAX_REQUEST_BODY = 114688
_SERVICES = {"identity": "identity", "compute": "compute", "volume": "volume",
             "_fakenova": "control"}
# Paths of each service that answer without a token (version documents).
_OPEN_PATHS = {
    "compute": ("/compute/v2.1", "/compute/v2"),
    "volume": ("/volume/v3",),
}


def cloud() -> Cloud:
    return current_app.extensions["fakenova"]


def context() -> Context:
    return g.context


def service_of(path: str) -> str | None:
    return _SERVICES.get(path.lstrip("/").split("/", 1)[0])


def _needs_token(service: str | None, path: str) -> bool:
    if service not in _OPEN_PATHS:
        return False
    for version_root in _OPEN_PATHS[service]:
        if path.startswith(version_root + "/") and path.rstrip("/") != version_root:
            return True
    return False


def _read_body() -> bytes | Response:
    declared = request.content_length
    if declared is not None and declared > MAX_REQUEST_BODY:
        return webob_error(413, "Request is too large. Larger than max_request_body_size "
                                f"({MAX_REQUEST_BODY}).")
    body = request.stream.read(MAX_REQUEST_BODY + 1)
    if len(body) > MAX_REQUEST_BODY:
        return webob_error(413, f"Request is too large. Larger than {MAX_REQUEST_BODY}.")
    return body


def begin_request() -> Response | None:
    g.service = service_of(request.path)
    g.request_id = f"req-{new_id()}"
    if g.service in (None, "control"):
        return None
    body = _read_body()
    if isinstance(body, Response):
        return body
    g.body = body
    return None


def authenticate() -> None:
    """keystonemiddleware's part: a valid token, or 401, on every API path that needs one."""
    if _needs_token(g.service, request.path):
        g.context = validate_token(cloud().state, request.headers.get("X-Auth-Token"))


def finish_request(response: Response) -> Response:
    if g.get("service") == "compute" and request.path.rstrip("/") != "/compute":
        response.headers["x-openstack-request-id"] = g.request_id
        response.headers["x-compute-request-id"] = g.request_id
    elif g.get("service") in ("identity", "volume"):
        response.headers["x-openstack-request-id"] = g.request_id
    version_text = g.get("version_text")
    if version_text:
        response.headers["OpenStack-API-Version"] = f"compute {version_text}"
        response.headers["X-OpenStack-Nova-API-Version"] = version_text
        response.headers.add("Vary", "OpenStack-API-Version")
        response.headers.add("Vary", "X-OpenStack-Nova-API-Version")
    return response
