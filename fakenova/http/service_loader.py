"""The services an app serves, each imported and routed when a request first reaches it.

A service is one package under ``fakenova/http``. Importing all of them and adding their
routes was most of what a cold start cost, and a test reaches two or three services, so an
app starts knowing only where each service lives and what Keystone's catalog says of it
(``Listing``); ``ServiceLoader`` loads a service on the first request to its segment, and a
service's ``parts`` on the first request below theirs (compute's APIs are not needed for its
version documents, a client's first request), or every one when something needs them all
(the OpenAPI document, the route table).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import NamedTuple, Protocol

from flask import Flask

from fakenova.http.service import CatalogEntry, Part, Service
from fakenova.openapi.bindings import Documentation


class Listing(NamedTuple):
    """A service before it is loaded: its path segment, its package (whose ``SERVICE`` it
    serves, or whose ``service(control_token)`` builds it) and its catalog entries."""

    segment: str
    package: str
    catalog: tuple[CatalogEntry, ...] = ()

    def load(self, control_token: str | None) -> Service:
        module = importlib.import_module(self.package)
        service = getattr(module, "SERVICE", None)
        built: Service = service if service is not None else module.service(control_token)
        if built.segment != self.segment:
            raise RuntimeError(f"{self.package} serves /{built.segment}, not /{self.segment}")
        return built


class Routes(Protocol):
    """The app routes are added to: it lets them in after its first request
    (``adding_routes``) and routes one request at a time with them (``routing``)."""

    routing: threading.RLock

    def adding_routes(self, register: Callable[[Flask], None]) -> None: ...


class ServiceLoader:
    """The services of one app, by segment, each loaded once, and their parts. Loading adds
    routes to the map other threads route requests with; the app's ``routing`` lock makes
    them take turns."""

    def __init__(self, app: Routes, listings: Sequence[Listing],
                 control_token: str | None) -> None:
        self._app = app
        self._listings = {listing.segment: listing for listing in listings}
        self._control_token = control_token
        self._loaded: dict[str, Service] = {}
        self._parts: dict[str, ModuleType] = {}

    def loaded(self, segment: str) -> Service | None:
        """The service at ``segment`` if it is loaded (it is, once a request reached it)."""
        return self._loaded.get(segment)

    def load(self, path: str) -> Service | None:
        """The service ``path`` is below, loaded now with the parts it needs if they were
        not; None if no service is."""
        service = self._service(segment_of(path))
        if service is not None:
            for part in service.parts:
                if part.module not in self._parts and part.below.match(path):
                    self._load_part(part)
        return service

    def _service(self, segment: str) -> Service | None:
        found = self._loaded.get(segment)
        if found is not None or segment not in self._listings:
            return found
        with self._app.routing:
            if segment not in self._loaded:
                service = self._listings[segment].load(self._control_token)
                self._app.adding_routes(service.register)
                self._loaded[segment] = service
        return self._loaded[segment]

    def _load_part(self, part: Part) -> None:
        with self._app.routing:
            if part.module not in self._parts:
                module = importlib.import_module(part.module)
                self._app.adding_routes(module.register)
                self._parts[part.module] = module

    def all(self) -> list[Service]:
        """Every service, loaded with all its parts, in the order they are listed."""
        services = [service for segment in self._listings
                    if (service := self._service(segment)) is not None]
        for service in services:
            for part in service.parts:
                self._load_part(part)
        return services

    def documentation(self) -> list[Documentation]:
        """How each service documents its operations, its parts' bindings included."""
        return [service.documentation._replace(bindings=(
                    *service.documentation.bindings,
                    *(bindings for part in service.parts
                      for bindings in self._parts[part.module].BINDINGS)))
                for service in self.all()]

    def catalog(self) -> list[CatalogEntry]:
        """Keystone's catalog, loaded or not: every listed service's entries, in order."""
        return [entry for listing in self._listings.values() for entry in listing.catalog]


def segment_of(path: str) -> str:
    """The first segment of a path: ``compute`` for ``/compute/v2.1/servers``."""
    return path.lstrip("/").split("/", 1)[0]
