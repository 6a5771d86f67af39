"""Builds the OpenAPI 3.1 document of fakenova's surface (``build_document``).

Paths and methods are the routes the web layer serves, handed in as ``Route``s; each route
is documented by the ``Binding`` its service declares for its ``METHOD path``, under its
service's ``Conventions`` (``fakenova.openapi.bindings``), and the components are the
project's own schemas (``fakenova.openapi.components``). Nothing here knows one service
from another. No flask imports.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fakenova import __version__
from fakenova.openapi.bindings import (
    KEYSTONE_TOKEN,
    REF,
    VERSION_HEADER,
    Binding,
    Conventions,
    Documentation,
    Schema,
    Scheme,
    json_content,
    ref,
)
from fakenova.openapi.components import Components, Sources, error_schemas, read_schemas

OPENAPI_VERSION = "3.1.0"
_SEGMENTS = frozenset({"[^/]+", "[^/]{1,}"})  # werkzeug's default converter
_FAULT = re.compile(r"^fault\.(\d+)$")


@dataclass(frozen=True)
class Route:
    """One method of one URL rule, as the web layer routes it."""

    path: str  # OpenAPI's template: /compute/v2.1/servers/{server_id}
    method: str  # lower case
    endpoint: str
    view: str  # the view's qualified name: fakenova.http.compute.servers.show
    doc: str | None = None
    patterns: Mapping[str, str] = field(default_factory=dict)  # parameter -> its regex
    # Parameters whose segment the same operation is also routed without (a project id).
    optional: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Surface:
    """What the web layer knows and the document needs."""

    routes: Sequence[Route]
    services: Sequence[Documentation]
    sources: Sources  # where the schemas of schemas/ are read
    fault_key: Callable[[int], str]  # status -> Nova's fault key ("itemNotFound")


@dataclass(frozen=True)
class Bound:
    """A binding with what its module and service add: its tag and conventions."""

    binding: Binding
    tag: str
    conventions: Conventions


def route_key(route: Route) -> str:
    """A route's key among bindings: ``GET /compute/v2.1/servers`` (no project id segment)."""
    path = route.path
    for name in route.optional:
        path = path.replace(f"/{{{name}}}", "", 1)
    return f"{route.method.upper()} {path}"


def bindings(services: Iterable[Documentation]) -> dict[str, Bound]:
    """Every service's bindings by ``METHOD path``; two for one key are an error."""
    found: dict[str, Bound] = {}
    for service in services:
        for group in service.bindings:
            conventions = group.conventions or service.conventions
            for key, binding in group.operations.items():
                if key in found:
                    raise ValueError(f"{key} is bound twice")
                found[key] = Bound(binding, group.tag, conventions)
    return found


def unbound(routes: Iterable[Route], services: Iterable[Documentation]) -> list[Route]:
    """Routes no service binds: they are documented without schemas."""
    known = bindings(services)
    return [route for route in routes if route_key(route) not in known]


_UNBOUND = Bound(Binding(200, {"description": "Not described yet."}), "undocumented",
                 Conventions())


# -- operations ------------------------------------------------------------------------


def _ecma_escape(literal: str) -> str:
    """A literal as a regex both ECMA-262 (JSON Schema's ``pattern``) and Python read alike."""
    return re.sub(r"[\\^$.*+?()\[\]{}|]", r"\\\g<0>", literal)


def _segment_regex(segment: str, patterns: Mapping[str, str]) -> str:
    if segment.startswith("{"):
        return f"(?:{patterns.get(segment[1:-1], '[^/]+')})"
    return _ecma_escape(segment)


def _shadowed(route: Route, routes: Iterable[Route]) -> dict[str, list[str]]:
    """Per path parameter, regexes of the values it never receives because the path they make
    is another rule's of the same method: werkzeug's router tries a literal segment before a
    variable one and a ``path`` variable (one that spans slashes) after both, as OpenAPI 3.1
    matches concrete paths before templated ones. ``GET /servers/{server_id}`` never sees
    ``detail``; ``GET /compute/{rest}`` sees no path another compute rule serves."""
    mine = route.path.split("/")
    found: dict[str, set[str]] = {}
    for index, segment in enumerate(mine):
        if not segment.startswith("{"):
            continue
        name = segment[1:-1]
        pattern = route.patterns.get(name, "[^/]+")
        spans = index == len(mine) - 1 and re.fullmatch(pattern, "a/b") is not None
        for other in routes:
            theirs = other.path.split("/")
            if other.method != route.method or other.path == route.path:
                continue
            if spans:  # the rest of the path: any longer rule under the same prefix wins
                if len(theirs) > index and theirs[:index] == mine[:index]:
                    rest = theirs[index:]
                    if any(part.startswith("{") for part in rest) or re.fullmatch(
                            pattern, "/".join(rest)):
                        found.setdefault(name, set()).add(
                            "/".join(_segment_regex(part, other.patterns) for part in rest))
            elif (len(theirs) == len(mine) and not theirs[index].startswith("{")
                  and re.fullmatch(pattern, theirs[index])
                  and all(a == b for i, (a, b) in enumerate(zip(mine, theirs, strict=True))
                          if i != index)):
                found.setdefault(name, set()).add(_ecma_escape(theirs[index]))
    return {name: sorted(values) for name, values in found.items()}


def _parameters(route: Route, bound: Bound, routes: Sequence[Route],
                schemas: Mapping[str, Schema]) -> list[Schema]:
    binding = bound.binding
    found: list[Schema] = []
    shadowed = _shadowed(route, routes)
    for name in re.findall(r"{([^}]+)}", route.path):
        pattern = route.patterns.get(name, "[^/]+")
        schema: Schema = {"type": "string", "minLength": 1}
        # A segment, any text but a slash, is what a path says: the default converter's
        # regex goes without saying. A value another rule takes is left out by a lookahead
        # rather than a ``not``: the two validate alike, but a fuzzer's negative mode sends
        # what a ``not`` names as this operation's invalid input, and that request is the
        # other rule's (GET /servers/detail is no server's show).
        if name in shadowed:
            schema["pattern"] = f"^(?!(?:{'|'.join(shadowed[name])})$)(?:{pattern})$"
        elif pattern not in _SEGMENTS:
            schema["pattern"] = f"^(?:{pattern})$"
        found.append({"name": name, "in": "path", "required": True, "schema": schema})
    if bound.conventions.version is not None:
        found.append(bound.conventions.version.parameter())
    if binding.query is not None:
        for name, schema in schemas[binding.query].get("properties", {}).items():
            found.append({"name": name, "in": "query", "required": False, "style": "form",
                          "explode": True, "schema": copy.deepcopy(schema)})
    found += [{"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
              for name in binding.request_headers]
    found += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
              for name in binding.params]
    return found


def _success_headers(bound: Bound) -> Schema:
    headers: Schema = {name: {"required": True, "schema": {"type": "string"}}
                       for name in bound.binding.headers}
    conventions = bound.conventions
    if conventions.version is not None:
        headers[VERSION_HEADER] = conventions.version.answered()
    for name in conventions.request_ids:
        headers[name] = {"required": True, "schema": {"type": "string", "pattern": "^req-"}}
    return headers


def _summary(route: Route) -> str:
    if not route.doc:
        return route.view.rsplit(".", 1)[-1].replace("_", " ")
    return " ".join(route.doc.strip().split("\n\n")[0].split())


def _security(bound: Bound) -> list[Schema]:
    return [{scheme.name: []} if scheme else {} for scheme in _schemes(bound)]


def _schemes(bound: Bound) -> tuple[Scheme | None, ...]:
    return (KEYSTONE_TOKEN,) if bound.binding.token else bound.conventions.security


def _operation(route: Route, bound: Bound, routes: Sequence[Route],
               schemas: Mapping[str, Schema], operation_id: str) -> Schema:
    binding, conventions = bound.binding, bound.conventions
    success: Schema = {"description": HTTPStatus(binding.status).phrase}
    if binding.response is not None:
        success["content"] = {binding.media_type: {"schema": binding.response}}
    if headers := _success_headers(bound):
        success["headers"] = headers
    responses: Schema = {str(binding.status): success}
    for status, body in binding.successes:
        responses[str(status)] = {"description": HTTPStatus(status).phrase,
                                  **({"content": json_content(body)} if body else {})}
    for status in sorted({*binding.errors, *conventions.common_errors}):
        responses[str(status)] = {"description": HTTPStatus(status).phrase,
                                  "content": conventions.errors.content(status)}
    operation: Schema = {
        "operationId": operation_id, "summary": _summary(route),
        "tags": [bound.tag],
        "parameters": _parameters(route, bound, routes, schemas),
        "responses": responses,
        "security": _security(bound),
        "x-fakenova-view": route.view,
    }
    if binding.body is not None:
        operation["requestBody"] = {"required": True, "content": json_content(ref(binding.body))}
    return operation


def _references(node: Any) -> Iterator[str]:
    """The component names ``node`` refers to."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith(REF):
            yield node["$ref"].removeprefix(REF)
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _info(services: Iterable[Documentation]) -> Schema:
    versions = [service.conventions.version for service in services
                if service.conventions.version is not None]
    described = ", ".join(f"{header.service} {header.version}" for header in versions)
    return {"title": "fakenova", "version": __version__, "description": (
        "A test double of OpenStack Nova's volume-attachment API, with the Keystone and "
        "Cinder parts clients need. Microversioned services are described at their newest "
        f"microversions: {described}.")}


def build_document(surface: Surface) -> Schema:
    """The whole OpenAPI 3.1 document."""
    known = bindings(surface.services)
    components = Components()
    components.add_all(read_schemas(surface.sources))
    for service in surface.services:
        components.add_all(service.conventions.errors.components)
        for group in service.bindings:
            components.add_all(group.components)
            if group.conventions is not None:
                components.add_all(group.conventions.errors.components)
    paths: dict[str, Schema] = {}
    schemes: dict[str, Schema] = {}
    taken: set[str] = set()
    for route in surface.routes:
        bound = known.get(route_key(route), _UNBOUND)
        operation_id = route.endpoint
        number = 1
        while operation_id in taken:
            number += 1
            operation_id = f"{route.endpoint}.{number}"
        taken.add(operation_id)
        paths.setdefault(route.path, {})[route.method] = _operation(
            route, bound, surface.routes, components.schemas, operation_id)
        schemes.update((s.name, s.definition) for s in _schemes(bound) if s is not None)
    # Nova's fault bodies for the statuses an answer names one of.
    faults = {int(match[1]) for name in _references(paths) if (match := _FAULT.match(name))}
    components.add_all(error_schemas(sorted(faults), surface.fault_key))
    return {
        "openapi": OPENAPI_VERSION,
        "info": _info(surface.services),
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": schemes,
        },
    }
