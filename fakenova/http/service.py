"""What a service brings to the pipeline every request goes through.

The pipeline finds a request's service by the first segment of its path and asks it for each
of its parts: how it reads a request before its views run, the headers its answers carry,
the bodies of its errors, the prefix its paths share. It never branches on a service's name,
so a new service is one package that builds a ``Service`` and one line in the app factory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from flask import Flask, Request, Response

from fakenova.errors import FakenovaError
from fakenova.http.error_bodies import (
    ROUTE_NOT_FOUND,
    nova_unexpected,
    openstack_fault,
    webob_error,
)
from fakenova.openapi.bindings import Documentation

if TYPE_CHECKING:
    from fakenova.http.exchange import Exchange
    from fakenova.microversion import APIVersion

def _never(path: str) -> bool:
    return False


def _nothing(ex: Exchange, req: Request) -> None:
    return None


def _no_version(req: Request) -> APIVersion | None:
    return None


def _no_headers(ex: Exchange, req: Request, response: Response) -> None:
    return None


def _webob_not_found(status: int) -> Response:
    return webob_error(404, ROUTE_NOT_FOUND)


def _openstack_fault(error: FakenovaError) -> Response:
    return openstack_fault(error.status, error.message)


class CatalogEntry(NamedTuple):
    """One service of Keystone's catalog; ``{project_id}`` in the path is the token's."""

    type: str
    name: str
    path: str  # below the host: "compute/v2.1", "volume/v3/{project_id}"


class Part(NamedTuple):
    """Routes of a service added on the first request whose path ``below`` matches: the
    module ``module``, whose ``register(app)`` adds them and whose ``BINDINGS`` document
    them. A request any other path of the service serves must not depend on them."""

    below: re.Pattern[str]
    module: str


class Service(NamedTuple):
    """One API fakenova serves under ``/{segment}``, and how the shared pipeline treats it.

    ``harnessed`` services have fault rules applied to their requests and the journal
    records them (every one but the fake's own control API). ``needs_token`` says which of
    its paths keystonemiddleware guards; ``guard`` checks every request before routing
    instead. ``prepare`` runs before a view of the service (with the URL's variables in
    ``req.view_args``); ``note_version`` is what a request refused before its view still
    reports (the microversion its answer names); ``requested_version`` is what fault rules
    compare ``min_version`` and ``max_version`` with. ``documentation`` is how the OpenAPI
    document describes its operations: its route modules' bindings and the conventions they
    share; its ``parts`` add theirs."""

    name: str  # how fault rules and the journal name it
    segment: str  # the path's first segment: "compute" for /compute/...
    register: Callable[[Flask], None]
    api_prefix: re.Pattern[str] | None = None  # the version and project prefix of its paths
    harnessed: bool = True
    # Reads the body into the exchange with its own limit, before fault rules see it; None:
    # the pipeline reads it, up to Nova's and Cinder's limit.
    read_body: Callable[[Exchange, Request], None] | None = None
    needs_token: Callable[[str], bool] = _never
    guard: Callable[[Request], None] | None = None
    prepare: Callable[[Exchange, Request], None] = _nothing
    note_version: Callable[[Exchange, Request], None] = _nothing
    requested_version: Callable[[Request], APIVersion | None] = _no_version
    add_headers: Callable[[Exchange, Request, Response], None] = _no_headers
    render_error: Callable[[FakenovaError], Response] = _openstack_fault
    render_unrouted: Callable[[int], Response] = _webob_not_found
    render_unexpected: Callable[[Exception], Response] = nova_unexpected
    documentation: Documentation = Documentation()
    parts: tuple[Part, ...] = ()  # routes loaded on the first request below their path

    def service_path(self, path: str) -> str:
        """The path after the service's version and project prefix: ``/servers/x/...``."""
        if self.api_prefix is None:
            return path
        return self.api_prefix.sub("", path, count=1) or "/"


OUTSIDE = Service(name="", segment="", register=lambda app: None, harnessed=False)
"""Paths no service owns: refused as webob refuses them, with nothing else done."""
