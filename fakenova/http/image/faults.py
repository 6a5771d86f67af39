"""Glance's error answers: webob's own HTTP errors (plain text, HTML or JSON as the Accept
header asks), which ``glance.common.wsgi.Resource`` passes on as raised."""

from __future__ import annotations

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from fakenova.errors import FakenovaError, UnsupportedMediaType
from fakenova.http.error_bodies import ROUTE_NOT_FOUND, webob_error


class MediaTypeRefused(UnsupportedMediaType):
    """webob's 415, whose explanation names the request's media type and whose detail says
    what was wanted; ``headers`` go on the answer (the PATCH's ``Accept-Patch``)."""

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


def render_error(error: FakenovaError) -> Response:
    if isinstance(error, MediaTypeRefused):
        media = request.headers.get("Content-Type", "")
        response = webob_error(415, f"The request media type {media} is not supported by "
                                    "this server.", error.detail)
        response.headers.update(error.headers)
        return response
    return webob_error(error.status, error.message)


_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")  # as Glance's router lists them


def _allowed_methods() -> list[str]:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        with current_app.routing:  # type: ignore[attr-defined]
            adapter.match(method="--")
    except MethodNotAllowed as refused:
        valid = set(refused.valid_methods or ())
        return [method for method in _METHOD_ORDER if method in valid]
    except HTTPException:  # no route at all: nothing is allowed
        return []
    return []


def render_unrouted(status: int) -> Response:
    """An unknown path under ``/image/v2`` is webob's 404; a known one with another method
    is the router's 405 with ``Allow``; any other path is the version list (below)."""
    from fakenova.http.image.versions import version_choices

    if not (request.path.startswith("/image/v2/") or request.path == "/image/v2"):
        return version_choices()
    if status == 405:
        methods = _allowed_methods()
        response = webob_error(405, f"The method {request.method} is not allowed for this "
                                    "resource.")
        response.headers["Allow"] = ", ".join(methods)
        return response
    return webob_error(404, ROUTE_NOT_FOUND)


def render_unexpected(error: Exception) -> Response:
    return webob_error(500, "The server has either erred or is incapable of performing the "
                            "requested operation.")
