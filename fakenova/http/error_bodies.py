"""Turning errors into fault bodies, in one place: the bodies themselves, and the handlers
that ask the request's service which of them it answers with.

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

from fakenova.errors import FakenovaError
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
ROUTE_NOT_FOUND = "The resource could not be found."
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


def webob_error(status: int, explanation: str, detail: str = "") -> Response:
    """A bare webob HTTP error, which picks plain text, HTML or JSON from the Accept header."""
    code = f"{status} {HTTP_STATUS_CODES.get(status, '')}"
    body = f"{explanation}<br /><br />\n{detail}\n\n"
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


def nova_unexpected(error: Exception) -> Response:
    """Nova's answer to an error it did not expect: a 500 naming only the error's class."""
    return openstack_fault(
        500, f"Unexpected API Error. Please contact the administrator\n{type(error)}")


def keystonemiddleware_401(message: str) -> Response:
    """keystonemiddleware's refusal of a request without a valid token, in front of a
    service: Keystone's body, and where to get a token."""
    response = keystone_error(401, message)
    response.headers["WWW-Authenticate"] = f'Keystone uri="{request.host_url}identity"'
    return response


def render_error(error: FakenovaError) -> Response:
    ex = exchange_or_none()
    if ex is None:
        return openstack_fault(error.status, error.message)
    return ex.service.render_error(error)


def render_http_exception(error: HTTPException) -> Response:
    """Werkzeug's routing errors: a path or method no route serves is the service's own
    "not found" (webob's plain 404 upstream, for most)."""
    status = error.code or 500
    ex = exchange_or_none()
    if status in (404, 405):
        if ex is None:
            return webob_error(404, ROUTE_NOT_FOUND)
        if request.url_rule is None:
            ex.unrouted = True  # the journal names the nearest route fakenova does have
        return ex.service.render_unrouted(status)
    return webob_error(status, error.description or "")


def render_unexpected(error: Exception) -> Response:
    """A bug in fakenova: still answered in the service's own shape, with status 500."""
    if isinstance(error, HTTPException):
        return render_http_exception(error)
    ex = exchange_or_none()
    if ex is None:
        return nova_unexpected(error)
    return ex.service.render_unexpected(error)


def register(app: Flask) -> None:
    app.register_error_handler(FakenovaError, render_error)
    app.register_error_handler(HTTPException, render_http_exception)
    app.register_error_handler(Exception, render_unexpected)
