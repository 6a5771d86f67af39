"""What every request goes through around its view: its service, request id, size limit,
fault rules and token; on the way out the service's headers, and the journal.

Upstream runs the request-id, size-limit and keystonemiddleware filters before routing,
so an oversized body gets 413 and a missing token 401 even on an unknown path.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flask import Flask, Request, Response, request

from fakenova.cloud import Cloud
from fakenova.domain.identity import validate_token
from fakenova.domain.model import new_id
from fakenova.errors import Unauthorized
from fakenova.http import injection
from fakenova.http.error_bodies import keystonemiddleware_401, webob_error
from fakenova.http.exchange import Exchange, exchange, start
from fakenova.http.service import OUTSIDE, Service
from fakenova.http.service_loader import ServiceLoader, segment_of

if TYPE_CHECKING:
    from fakenova.harness.request_log import Served

MAX_REQUEST_BODY = 114688


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


def install(app: Flask, cloud: Cloud, services: ServiceLoader) -> None:
    """Run every request through ``before_request`` and ``after_request``, with the service
    its path names (loaded before the request was routed)."""

    def before() -> Response | None:
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        service = services.loaded(segment_of(req.path)) or OUTSIDE
        return before_request(cloud, service, req)

    app.before_request(before)
    app.after_request(after_request)


def before_request(cloud: Cloud, service: Service, req: Request) -> Response | None:
    """The service's own guard, for one that has it; for the others the body, within its
    limit, a fault rule that fires before the request is handled, keystonemiddleware's part
    (a valid token, or 401, on every path that needs one), and what the service does before
    a view of its own."""
    ex = Exchange(cloud=cloud, service=service, request_id=f"req-{new_id()}")
    start(ex)
    if service.guard is not None:
        service.guard(req)
    if not service.harnessed:
        return None
    if service.read_body is not None:
        service.read_body(ex, req)
    else:
        body = _read_body(req)
        if isinstance(body, Response):
            return body
        ex.body = body
    injection.before(ex, req)
    if service.needs_token(req.path):
        try:
            ex.context = validate_token(cloud.state, req.environ.get("HTTP_X_AUTH_TOKEN"))
        except Unauthorized as error:
            ex.refusal = error.why
            return keystonemiddleware_401(error.message)
    if req.url_rule is not None:
        service.prepare(ex, req)
    return None


def after_request(response: Response) -> Response:
    """A fault rule that fires after the request was handled, the service's headers, and
    the journal."""
    ex = exchange()
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    response = injection.after(ex, req, response)
    ex.service.add_headers(ex, req, response)
    injection.record(ex, req, response)
    if ex.cloud.request_log is not None:
        ex.cloud.request_log.request(_served(ex, req, response))
    return response


def _served(ex: Exchange, req: Request, response: Response) -> Served:
    from fakenova.harness.request_log import Served  # imported by serve -v only

    project_id = ex.context.project_id if ex.context else injection.token_project(ex, req)
    project = ex.cloud.state.projects.get(project_id or "")
    return Served(req.method, req.full_path.rstrip("?"),
                  None if req.environ.get(injection.DROP_KEY) else response.status_code,
                  ex.version_text, project.name if project else None,
                  ex.fault_rule.id if ex.fault_rule else None,
                  (time.perf_counter() - ex.started) * 1000)
