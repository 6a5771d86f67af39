"""Turning errors into each service's own fault body, in one place.

- Nova and Cinder: ``{"itemNotFound": {"code": 404, "message": ...}}``
- Keystone, and keystonemiddleware's 401: ``{"error": {"code", "title", "message"}}``
- webob's generic errors (unrouted paths, oversized bodies), shaped by the Accept header.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from fakenova.errors import FakenovaError, Unauthorized, VersionNotSupported
from fakenova.http.exchange import exchange_or_none

_FAULT_KEYS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}
_ROUTE_NOT_FOUND = "The resource could not be found."
_BR = re.compile(r"<br.*?>", re.I | re.S)
_TAG = re.compile(r"<.*?>", re.S)


def json_response(body: Any, status: int = 200, content_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type=content_type, headers=headers)


def fault_key(status: int) -> str:
    return _FAULT_KEYS.get(status, "computeFault")


def openstack_fault(status: int, message: str) -> Response:
    """Nova's (and Cinder's) fault body."""
    body = {fault_key(status): {"code": status, "message": message}}
    return json_response(body, status, "application/json; charset=UTF-8")


def keystone_error(status: int, message: str) -> Response:
    body = {"error": {"code": status, "title": HTTP_STATUS_CODES.get(status, "Error"),
                      "message": message}}
    return json_response(body, status)


def webob_error(status: int, explanation: str) -> Response:
    """A bare webob HTTP error, which picks plain text, HTML or JSON from the Accept header."""
    code = f"{status} {HTTP_STATUS_CODES.get(status, '')}"
    body = f"{explanation}<br /><br />\n\n\n"
    best = request.accept_mimetypes.best_match(
        ("text/plain", "text/html", "application/json"), default="text/plain"
    )
    if best == "application/json":
        title = HTTP_STATUS_CODES.get(status, "")
        return json_response({"message": body, "code": code, "title": title}, status)
    if best == "text/html":
        html = (f"<html>\n <head>\n  <title>{code}</title>\n </head>\n <body>\n"
                f"  <h1>{code}</h1>\n  {body}\n </body>\n</html>")
        return Response(html, status, content_type="text/html; charset=UTF-8")
    text = _TAG.sub("", _BR.sub("\n", body.replace("\n", " ").replace("\r", "")))
    return Response(f"{code}\n\n{text}", status, content_type="text/plain; charset=UTF-8")


def render_error(error: FakenovaError) -> Response:
    ex = exchange_or_none()
    service = ex.service if ex else None
    if isinstance(error, VersionNotSupported) and ex is not None:
        ex.version_text = error.requested
    if isinstance(error, Unauthorized) or service == "identity":
        response = keystone_error(error.status, error.message)
        if isinstance(error, Unauthorized) and service in ("compute", "volume"):
            response.headers["WWW-Authenticate"] = f'Keystone uri="{request.host_url}identity"'
        return response
    if service == "control":
        return json_response({"error": {"code": error.status, "message": error.message}},
                             error.status)
    return openstack_fault(error.status, error.message)


def render_http_exception(error: HTTPException) -> Response:
    """Werkzeug's routing errors: an unknown path or method is webob's plain 404 upstream."""
    status = error.code or 500
    ex = exchange_or_none()
    service = ex.service if ex else None
    if status in (404, 405) and request.url_rule is None and ex is not None:
        ex.unrouted = True  # the journal names the nearest route fakenova does have
    if status in (404, 405):
        if service == "identity":
            return keystone_error(404, _ROUTE_NOT_FOUND)
        if service == "control":
            return json_response({"error": {"code": 404, "message": _ROUTE_NOT_FOUND}}, 404)
        return webob_error(404, _ROUTE_NOT_FOUND)
    return webob_error(status, error.description or "")


def render_unexpected(error: Exception) -> Response:
    """A bug in fakenova: still answered in the service's own shape, with status 500."""
    if isinstance(error, HTTPException):
        return render_http_exception(error)
    ex = exchange_or_none()
    service = ex.service if ex else None
    if service == "identity":
        return keystone_error(500, "An unexpected error prevented the server from fulfilling "
                                   "your request.")
    if service == "control":
        return json_response({"error": {"code": 500, "message": repr(error)}}, 500)
    return openstack_fault(
        500, f"Unexpected API Error. Please contact the administrator\n{type(error)}"
    )


def register(app: Flask) -> None:
    app.register_error_handler(FakenovaError, render_error)
    app.register_error_handler(HTTPException, render_http_exception)
    app.register_error_handler(Exception, render_unexpected)
