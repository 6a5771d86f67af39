"""Keystone v3: version documents and tokens, with Keystone's own error bodies."""

from __future__ import annotations

import re

from flask import Flask, Request, Response

from fakenova.errors import FakenovaError
from fakenova.http.error_bodies import ROUTE_NOT_FOUND, keystone_error
from fakenova.http.exchange import Exchange
from fakenova.http.identity import tokens
from fakenova.http.service import Service
from fakenova.openapi.bindings import Conventions, Documentation, ErrorBodies

_UNEXPECTED = "An unexpected error prevented the server from fulfilling your request."


def _register(app: Flask) -> None:
    app.register_blueprint(tokens.bp)


def _add_headers(ex: Exchange, req: Request, response: Response) -> None:
    response.headers["x-openstack-request-id"] = ex.request_id


def _render_error(error: FakenovaError) -> Response:
    return keystone_error(error.status, error.message)


def _render_unrouted(status: int) -> Response:
    return keystone_error(404, ROUTE_NOT_FOUND)


def _render_unexpected(error: Exception) -> Response:
    return keystone_error(500, _UNEXPECTED)


# Every error, 401 included, is Keystone's body; its answers carry the request id.
_DOCUMENTATION = Documentation(
    Conventions(request_ids=("x-openstack-request-id",),
                errors=ErrorBodies("keystone.error")),
    (tokens.VERSION_BINDINGS, tokens.BINDINGS))

SERVICE = Service(
    name="identity", segment="identity", register=_register,
    api_prefix=re.compile(r"^/identity(?:/v3)?"), add_headers=_add_headers,
    render_error=_render_error, render_unrouted=_render_unrouted,
    render_unexpected=_render_unexpected,
    documentation=_DOCUMENTATION)
