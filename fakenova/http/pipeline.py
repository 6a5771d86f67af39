"""What every request goes through around its view: service, request id, size limit, fault
rules, token, and on the way out the headers every answer carries and the journal.

Upstream runs the request-id, size-limit and keystonemiddleware filters before routing,
so an oversized body gets 413 and a missing token 401 even on an unknown path.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Request, Response, request

from fakenova.cloud import Cloud
from fakenova.domain.identity import validate_token
from fakenova.domain.model import new_id
from fakenova.http import injection as fault_injection
from fakenova.http.compute import pipeline as compute
from fakenova.http.error_bodies import webob_error
from fakenova.http.exchange import Exchange, exchange, start
from fakenova.http.volume import routes as volume

MAX_REQUEST_BODY = 114688
_SERVICES = {"identity": "identity", "compute": "compute", "volume": "volume",
             "_fakenova": "control"}
# Paths of each service that answer without a token (version documents).
_OPEN_PATHS = {
    "compute": ("/compute/v2.1", "/compute/v2"),
    "volume": ("/volume/v3",),
}


def service_of(path: str) -> str | None:
    return _SERVICES.get(path.lstrip("/").split("/", 1)[0])


def _needs_token(service: str | None, path: str) -> bool:
    if service not in _OPEN_PATHS:
        return False
    for version_root in _OPEN_PATHS[service]:
        if path.startswith(version_root + "/") and path.rstrip("/") != version_root:
            return True
    return False


def _read_body(req: Request) -> bytes | Response:
    declared = req.content_length
    if declared is not None and declared > MAX_REQUEST_BODY:
        return webob_error(413, "Request is too large. Larger than max_request_body_size "
                                f"({MAX_REQUEST_BODY}).")
    if not declared and "wsgi.input_terminated" not in req.environ:
        return b""  # no length and not chunked: werkzeug reads no body either
    if declared is not None and "wsgi.input_terminated" not in req.environ:
        return req.environ["wsgi.input"].read(declared)  # werkzeug's stream reads as much
    body = req.stream.read(MAX_REQUEST_BODY + 1)
    if len(body) > MAX_REQUEST_BODY:
        return webob_error(413, f"Request is too large. Larger than {MAX_REQUEST_BODY}.")
    return body


def install(app: Flask, cloud: Cloud, guard_control: Callable[[Request], None]) -> None:
    """Run every request through ``before_request`` and ``after_request``; the control API
    answers only whom ``guard_control`` lets through."""

    def before() -> Response | None:
        return before_request(cloud, guard_control)

    app.before_request(before)
    app.after_request(after_request)


def before_request(cloud: Cloud, guard_control: Callable[[Request], None]
                   ) -> Response | None:
    """The body, within its limit; a fault rule that fires before the request is handled;
    keystonemiddleware's part (a valid token, or 401, on every path that needs one); then
    what compute's or Cinder's pipeline does before a view of theirs. A control request only
    has its caller checked."""
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    path = req.path
    service = service_of(path)
    ex = Exchange(cloud=cloud, service=service, request_id=f"req-{new_id()}")
    start(ex)
    if service is None:
        return None
    if service == "control":
        guard_control(req)
        return None
    body = _read_body(req)
    if isinstance(body, Response):
        return body
    ex.body = body
    fault_injection.before(ex, req)
    if _needs_token(service, path):
        ex.context = validate_token(cloud.state, req.environ.get("HTTP_X_AUTH_TOKEN"))
    blueprint = req.blueprint or ""  # the API a routed request reached
    if blueprint.startswith("compute_api"):
        compute.prepare(ex, req)
    elif blueprint == "volume":
        volume.prepare(ex, req)
    return None


def after_request(response: Response) -> Response:
    """A fault rule that fires after the request was handled, the request id and
    microversion headers, and the journal."""
    ex = exchange()
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    response = fault_injection.after(ex, req, response)
    _add_headers(ex, req, response)
    if ex.service == "volume":
        volume.add_headers(ex, response)
    fault_injection.record(ex, req, response)
    return response


def _add_headers(ex: Exchange, req: Request, response: Response) -> None:
    headers = response.headers
    if ex.service == "compute" and req.path.rstrip("/") != "/compute":
        headers.add("x-openstack-request-id", ex.request_id)
        headers.add("x-compute-request-id", ex.request_id)
    elif ex.service in ("identity", "volume"):
        headers.set("x-openstack-request-id", ex.request_id)
    if ex.version_text:
        headers.add("OpenStack-API-Version", f"compute {ex.version_text}")
        headers.add("X-OpenStack-Nova-API-Version", ex.version_text)
        headers.add("Vary", "OpenStack-API-Version")
        headers.add("Vary", "X-OpenStack-Nova-API-Version")
