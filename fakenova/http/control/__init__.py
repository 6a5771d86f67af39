"""The fake's control API under ``/_fakenova``: who may use it (``guard``), its routes, and
the OpenAPI document of the whole surface. It answers in its own error shape, sees no fault
rules and is not journaled."""

from __future__ import annotations

from flask import Flask, Request, Response

from fakenova.errors import FakenovaError
from fakenova.harness.access import HEADER
from fakenova.http.control import document, guard, pages, routes
from fakenova.http.error_bodies import ROUTE_NOT_FOUND, json_response
from fakenova.http.exchange import Exchange
from fakenova.http.service import Service
from fakenova.openapi.bindings import (
    Conventions,
    Documentation,
    ErrorBodies,
    Scheme,
    object_schema,
)


def _register(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    app.register_blueprint(document.bp)
    app.register_blueprint(pages.bp)


def _error(status: int, message: str) -> Response:
    return json_response({"error": {"code": status, "message": message}}, status)


def _render_error(error: FakenovaError) -> Response:
    return _error(error.status, error.message)


def _render_unrouted(status: int) -> Response:
    return _error(404, ROUTE_NOT_FOUND)


def _render_unexpected(error: Exception) -> Response:
    return _error(500, repr(error))


def _end_the_line(ex: Exchange, req: Request, response: Response) -> None:
    """A JSON answer ends with a newline, so that a shell prompt (or the next curl) does
    not run on after it."""
    if response.mimetype == "application/json" and not response.direct_passthrough:
        data = response.get_data()
        if data and not data.endswith(b"\n"):
            response.set_data(data + b"\n")


_TEXT = {"type": "string"}
_ERROR = {"title": "The control API's error body", **object_schema(error={
    **object_schema(code={"type": "integer"}, message=_TEXT), "additionalProperties": False}),
    "additionalProperties": False}
_TOKEN = Scheme("control", {
    "type": "apiKey", "in": "header", "name": HEADER,
    "description": "The control token fakenova was started with; without one, the control "
                   "API answers callers on loopback only."})
# Its own error bodies; the guard may refuse any call (401, 403); loopback needs no token.
_DOCUMENTATION = Documentation(
    Conventions(errors=ErrorBodies("control.error", components={"control.error": _ERROR}),
                common_errors=(401, 403), security=(None, _TOKEN)),
    (routes.BINDINGS, document.BINDINGS, pages.BINDINGS))


def service(control_token: str | None) -> Service:
    """The control API, answering whom ``control_token`` (or, without one, loopback) lets
    through."""
    return Service(name="control", segment="_fakenova", register=_register, harnessed=False,
                   guard=guard.guard(control_token), render_error=_render_error,
                   render_unrouted=_render_unrouted, render_unexpected=_render_unexpected,
                   add_headers=_end_the_line, documentation=_DOCUMENTATION)
