"""The OpenAPI 3.1 document of fakenova's surface, built from the project's own schemas.

Paths and methods are the routes the web layer serves, handed in as ``Route``s by
``fakenova.http.control.document``; ``BINDINGS`` says, for each ``METHOD path``, what documents it:
request bodies and query parameters from ``schemas/`` (the generated attachment schemas of
the newest microversion range, the hand-written ones for servers, Cinder, Keystone and fault
rules), the attachment answers from their generated response schemas, and the errors from
the bodies each service answers with. Compute is described at its newest microversion and
Cinder at its newest; the ``OpenStack-API-Version`` header that selects them is required.
No flask imports.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib.resources.abc import Traversable
from typing import Any, Literal

from fakenova.harness.fixture_files import _SECTIONS as FIXTURE_SECTIONS
from fakenova.harness.presets import PRESETS

from . import __version__
from .microversion import MAX_VERSION, APIVersion
from .resources import schemas_dir

Schema = dict[str, Any]
Service = Literal["compute", "volume", "identity", "control", "versions"]

OPENAPI_VERSION = "3.1.0"
SECURITY_SCHEME = "keystone"
CONTROL_SCHEME = "control"
_REF = "#/components/schemas/"
_VOLUME_FILE = re.compile(r"^volumes\.(\w+)\.request\.(\d+\.\d+)-(\d+\.\d+)\.json$")
_WEBOB_TYPES = ("text/plain", "text/html")
_SEGMENTS = frozenset({"[^/]+", "[^/]{1,}"})  # werkzeug's default converter


@dataclass(frozen=True)
class Route:
    """One method of one URL rule, as the web layer routes it."""

    path: str  # OpenAPI's template: /compute/v2.1/servers/{server_id}
    method: str  # lower case
    endpoint: str
    view: str  # the view's qualified name: fakenova.http.compute.servers.show
    doc: str | None = None
    patterns: Mapping[str, str] = field(default_factory=dict)  # parameter -> its regex


@dataclass(frozen=True)
class Surface:
    """What the web layer knows and the document needs."""

    routes: Sequence[Route]
    # (file in schemas/compute/, version, action or None) -> the schema at that version
    compute_schema: Callable[[str, APIVersion, str | None], Schema]
    fault_key: Callable[[int], str]  # status -> Nova's fault key ("itemNotFound")
    volume_version: APIVersion
    volume_list_params: tuple[str, ...] = ()
    control_header: str | None = None  # the header that carries the control token


@dataclass(frozen=True)
class Binding:
    """How one operation is documented: its success answer, body, query and errors.

    ``service`` decides the error bodies, the security and the version headers; "versions"
    are the unauthenticated version documents."""

    service: Service
    status: int
    response: Schema | None = None  # None: the answer has no body
    body: str | None = None  # component name of the request body
    query: str | None = None  # component whose properties are the query parameters
    params: tuple[str, ...] = ()  # free-form string query parameters; "*": Cinder's list
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()  # response headers of the success answer
    request_headers: tuple[str, ...] = ()  # required request headers (strings)
    token: bool = False  # needs X-Auth-Token (every compute and volume call does)


def _object(**properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


def _envelope(key: str, array: bool = False) -> Schema:
    inner: Schema = {"type": "object"}
    return _object(**{key: {"type": "array", "items": inner} if array else inner})


def _ref(name: str) -> Schema:
    return {"$ref": _REF + name}


_READ = (400, 401, 403, 404, 406)
_WRITE = (*_READ, 409, 413, 415)
_VERSIONS = _envelope("versions", array=True)
_ATTACHMENTS = "/compute/v2.1/servers/{server_id}/os-volume_attachments"
_TOKENS = "/identity/v3/auth/tokens"

# "METHOD path", the path without the optional project id segment of compute and Cinder.
BINDINGS: dict[str, Binding] = {
    f"GET {_ATTACHMENTS}": Binding("compute", 200, _ref("volume_attachments.list.response"),
                                   query="volume_attachments.list.query", errors=_READ),
    f"POST {_ATTACHMENTS}": Binding("compute", 202, body="volume_attachments.create.request",
                                    errors=_WRITE),
    f"GET {_ATTACHMENTS}/{{volume_id}}": Binding(
        "compute", 200, _ref("volume_attachments.show.response"),
        query="volume_attachments.show.query", errors=_READ),
    f"PUT {_ATTACHMENTS}/{{volume_id}}": Binding(
        "compute", 202, body="volume_attachments.update.request", errors=_WRITE),
    f"DELETE {_ATTACHMENTS}/{{volume_id}}": Binding("compute", 202, errors=(*_READ, 409)),
    "GET /compute/v2.1/servers": Binding("compute", 200, _envelope("servers", True),
                                         query="servers.index.query", errors=_READ),
    "GET /compute/v2.1/servers/detail": Binding("compute", 200, _envelope("servers", True),
                                                query="servers.index.query", errors=_READ),
    "POST /compute/v2.1/servers": Binding(
        "compute", 202, {"anyOf": [_envelope("server"), _envelope("reservation_id")]},
        body="servers.create.request", errors=_WRITE),
    "GET /compute/v2.1/servers/{server_id}": Binding(
        "compute", 200, _envelope("server"), query="show.query", errors=_READ),
    "DELETE /compute/v2.1/servers/{server_id}": Binding("compute", 204, errors=(*_READ, 409)),
    "POST /compute/v2.1/servers/{server_id}/action": Binding(
        "compute", 202, body="servers.action.request", errors=_WRITE),
    "GET /compute/v2.1/flavors": Binding("compute", 200, _envelope("flavors", True),
                                         query="flavors.index.query", errors=_READ),
    "GET /compute/v2.1/flavors/detail": Binding("compute", 200, _envelope("flavors", True),
                                                query="flavors.index.query", errors=_READ),
    "GET /compute/v2.1/flavors/{flavor_id}": Binding(
        "compute", 200, _envelope("flavor"), query="show.query", errors=_READ),
    "GET /volume/v3/volumes": Binding("volume", 200, _envelope("volumes", True),
                                      params=("*",), errors=_READ),
    "GET /volume/v3/volumes/detail": Binding("volume", 200, _envelope("volumes", True),
                                             params=("*",), errors=_READ),
    "POST /volume/v3/volumes": Binding("volume", 202, _envelope("volume"),
                                       body="volumes.create.request", errors=_WRITE),
    "GET /volume/v3/volumes/{volume_id}": Binding("volume", 200, _envelope("volume"),
                                                  errors=_READ),
    "PUT /volume/v3/volumes/{volume_id}": Binding("volume", 200, _envelope("volume"),
                                                  body="volumes.update.request",
                                                  errors=_WRITE),
    "DELETE /volume/v3/volumes/{volume_id}": Binding("volume", 202, errors=_READ),
    "GET /compute": Binding("versions", 200, _VERSIONS),
    "GET /compute/": Binding("versions", 200, _VERSIONS),
    "GET /compute/v2": Binding("versions", 200, _envelope("version")),
    "GET /compute/v2/": Binding("versions", 200, _envelope("version")),
    "GET /compute/v2.1": Binding("versions", 200, _envelope("version"), errors=(400, 406)),
    "GET /compute/v2.1/": Binding("versions", 200, _envelope("version"), errors=(400, 406)),
    "GET /compute/{rest}": Binding("versions", 300, _envelope("choices", True),
                                   errors=(401, 404)),
    "GET /volume": Binding("versions", 302, headers=("Location",)),
    "GET /volume/": Binding("versions", 300, _VERSIONS),
    "GET /volume/v3": Binding("versions", 302, headers=("Location",)),
    "GET /volume/v3/": Binding("versions", 200, _VERSIONS),
    "GET /identity": Binding("versions", 300, _object(versions=_envelope("values", True))),
    "GET /identity/": Binding("versions", 300, _object(versions=_envelope("values", True))),
    "GET /identity/v3": Binding("versions", 200, _envelope("version")),
    "GET /identity/v3/": Binding("versions", 200, _envelope("version")),
    f"POST {_TOKENS}": Binding("identity", 201, _envelope("token"),
                               body="identity.token_request", params=("nocatalog",),
                               errors=(400, 401, 413), headers=("X-Subject-Token",)),
    f"GET {_TOKENS}": Binding("identity", 200, _envelope("token"), params=("nocatalog",),
                              errors=(401, 403, 404), headers=("X-Subject-Token",),
                              request_headers=("X-Subject-Token",), token=True),
    f"DELETE {_TOKENS}": Binding("identity", 204, errors=(401, 403, 404),
                                 request_headers=("X-Subject-Token",), token=True),
    "POST /_fakenova/reset": Binding("control", 204),
    "GET /_fakenova/state": Binding("control", 200, _object(
        servers={"type": "array"}, volumes={"type": "array"}), params=("check",)),
    "GET /_fakenova/clock": Binding("control", 200, _ref("control.clock")),
    "POST /_fakenova/clock": Binding("control", 200, _ref("control.clock"),
                                     body="control.advance", errors=(400,)),
    "POST /_fakenova/faults": Binding("control", 201, _object(id={"type": "string"}),
                                      body="control.fault", errors=(400, 404)),
    "GET /_fakenova/faults": Binding("control", 200, _envelope("faults", True)),
    "DELETE /_fakenova/faults": Binding("control", 204),
    "DELETE /_fakenova/faults/{rule_id}": Binding("control", 204, errors=(404,)),
    "GET /_fakenova/requests": Binding(
        "control", 200, _envelope("requests", True),
        params=("method", "path", "service", "project", "status"), errors=(400,)),
    "DELETE /_fakenova/requests": Binding("control", 204, params=("project",)),
    "POST /_fakenova/snapshots": Binding("control", 201, _object(name={"type": "string"}),
                                         body="control.snapshot", errors=(400,)),
    "GET /_fakenova/snapshots": Binding("control", 200, _object(
        snapshots={"type": "array", "items": {"type": "string"}})),
    "POST /_fakenova/snapshots/{name}/restore": Binding("control", 204, errors=(404,)),
    "DELETE /_fakenova/snapshots/{name}": Binding("control", 204, errors=(404,)),
    "POST /_fakenova/seed": Binding("control", 201, {"type": "object"}, body="control.seed",
                                    errors=(400,)),
    "DELETE /_fakenova/projects/{project_id}": Binding("control", 204, errors=(404,)),
    "GET /_fakenova/openapi.json": Binding("control", 200, _object(
        openapi={"type": "string"}, paths={"type": "object"})),
}

_PROJECT_SEGMENT = re.compile(r"^(/compute/v2\.1|/volume/v3)/\{project_id\}(?=/)")


def route_key(route: Route) -> str:
    """A route's key in BINDINGS: ``GET /compute/v2.1/servers`` (no project id segment)."""
    return f"{route.method.upper()} {_PROJECT_SEGMENT.sub(lambda m: m[1], route.path)}"


# -- draft-04 to JSON Schema 2020-12 ---------------------------------------------------

_SUBSCHEMA = frozenset({"items", "additionalItems", "additionalProperties", "not", "contains",
                        "propertyNames", "if", "then", "else", "unevaluatedItems",
                        "unevaluatedProperties"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions",
                             "dependentSchemas"})
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})


def to_2020_12(schema: Any, rename: Callable[[str], str] = str) -> Any:
    """A draft-04 (or 2020-12) schema as OpenAPI 3.1 takes it: no ``$schema`` (the
    document's dialect applies), ``definitions`` as ``$defs``, boolean exclusive bounds as
    numbers, a list of ``items`` as ``prefixItems``, ``x-`` annotations (already applied)
    dropped, and each ``$ref`` passed through ``rename``."""
    if not isinstance(schema, dict):
        return copy.deepcopy(schema)
    out: Schema = {}
    for key, value in schema.items():
        if key == "$schema" or key.startswith("x-"):
            continue
        if key == "$ref":
            out[key] = rename(value)
        elif key in _SUBSCHEMA_MAPS:
            out["$defs" if key == "definitions" else key] = {
                name: to_2020_12(sub, rename) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS or (key == "items" and isinstance(value, list)):
            out["prefixItems" if key == "items" else key] = [to_2020_12(sub, rename)
                                                             for sub in value]
        elif key in _SUBSCHEMA:
            out[key] = to_2020_12(value, rename)
        else:
            out[key] = copy.deepcopy(value)
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        exclusive = out.get(flag)
        if isinstance(exclusive, bool):
            del out[flag]
            if exclusive and bound in out:
                out[flag] = out.pop(bound)
    return out


# -- the schemas, from schemas/ --------------------------------------------------------


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Schema] = {}

    def add(self, name: str, schema: Schema) -> None:
        """Register a schema; its ``$defs`` become components of their own (``name.def``)."""

        def rename(ref: str) -> str:
            for local in ("#/$defs/", "#/definitions/"):
                if ref.startswith(local):
                    return f"{_REF}{name}.{ref.removeprefix(local)}"
            return ref

        converted = to_2020_12(schema, rename)
        for sub_name, sub in converted.pop("$defs", {}).items():
            self.schemas[f"{name}.{sub_name}"] = sub
        self.schemas[name] = converted


def _read(root: Traversable, *parts: str) -> Schema:
    loaded: Schema = json.loads(root.joinpath(*parts).read_text(encoding="utf-8"))
    return loaded


def newest_generated(root: Traversable) -> dict[str, Schema]:
    """Each generated schema (``volume_attachments.create.request`` ...) of the newest
    microversion range in ``index.json``."""
    index = _read(root, "index.json")
    return {key: _read(root, max(entries, key=lambda e: APIVersion.parse(e["max"]))["file"])
            for key, entries in index.items()}


def newest_volume(root: Traversable, version: APIVersion) -> dict[str, Schema]:
    """Cinder's request schemas (``volumes.create.request`` ...) for ``version``."""
    found: dict[str, Schema] = {}
    for path in sorted(root.joinpath("volume").iterdir(), key=lambda p: p.name):
        match = _VOLUME_FILE.match(path.name)
        if match and APIVersion.parse(match[2]) <= version <= APIVersion.parse(match[3]):
            found[f"volumes.{match[1]}.request"] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _fixture_schema() -> Schema:
    """A fixture document, as ``POST /_fakenova/seed`` takes it (fakenova.harness.fixture_files)."""
    sections = {name: {"type": "array", "items": {
        "type": "object", "properties": {key: {} for key in sorted(keys)},
        "additionalProperties": False}} for name, (_, keys) in FIXTURE_SECTIONS.items()}
    return {"title": "A fixture document", "type": "object", "properties": sections,
            "additionalProperties": False}


def _error_schemas(components: _Components, statuses: Iterable[int],
                   fault_key: Callable[[int], str]) -> None:
    for status in statuses:
        key = fault_key(status)
        components.schemas[f"fault.{status}"] = {
            "title": f"Nova's (and Cinder's) fault body for {status}",
            **_object(**{key: {**_object(code={"const": status}, message={"type": "string"}),
                               "additionalProperties": False}}),
            "additionalProperties": False}
    text = {"type": "string"}
    components.schemas["keystone.error"] = {
        "title": "Keystone's (and keystonemiddleware's) error body",
        **_object(error={**_object(code={"type": "integer"}, title=text, message=text),
                         "additionalProperties": False}), "additionalProperties": False}
    components.schemas["control.error"] = {
        "title": "The control API's error body",
        **_object(error={**_object(code={"type": "integer"}, message=text),
                         "additionalProperties": False}), "additionalProperties": False}
    components.schemas["webob.error"] = {
        "title": "webob's bare error (unrouted paths, oversized bodies) for Accept: JSON",
        **_object(code=text, title=text, message=text), "additionalProperties": False}


def _schemas(surface: Surface, root: Traversable) -> _Components:
    components = _Components()
    for name, schema in newest_generated(root).items():
        if schema.get("type") != "null":  # an answer without a body
            components.add(name, schema)
    compute = surface.compute_schema
    for file, name in (("servers.create.json", "servers.create.request"),
                       ("servers.index.query.json", "servers.index.query"),
                       ("flavors.index.query.json", "flavors.index.query"),
                       ("show.query.json", "show.query")):
        components.add(name, compute(file, MAX_VERSION, None))
    actions = sorted(k for k in _read(root, "compute", "servers.action.json")
                     if not k.startswith("$"))
    for action in actions:
        components.add(f"servers.action.{action}",
                       compute("servers.action.json", MAX_VERSION, action))
    components.add("servers.action.request", {
        "title": "One server action", "oneOf": [_ref(f"servers.action.{a}") for a in actions]})
    for name, schema in newest_volume(root, surface.volume_version).items():
        components.add(name, schema)
    components.add("identity.token_issue", _read(root, "identity", "token_issue.json"))
    components.add("identity.token_request", {**_object(auth=_ref("identity.token_issue")),
                                              "title": "Keystone v3 POST /auth/tokens body"})
    components.add("control.fault_rule", _read(root, "control", "fault_rule.json"))
    components.add("control.fault_preset", {
        "title": "A fault preset, with any rule key narrowing it", "type": "object",
        "properties": {"preset": {"enum": sorted(PRESETS)}}, "required": ["preset"]})
    components.add("control.fault", {"anyOf": [_ref("control.fault_rule"),
                                               _ref("control.fault_preset")]})
    components.add("control.advance", _object(advance={"type": "number"}))
    components.add("control.snapshot", _object(name={"type": "string", "minLength": 1}))
    components.add("control.seed", _fixture_schema())
    components.add("control.clock", {**_object(
        mode={"enum": ["immediate", "timed", "manual"]}, now={"type": "number"},
        pending={"type": "integer", "minimum": 0})})
    return components


# -- operations ------------------------------------------------------------------------

_VERSION_HEADER = "OpenStack-API-Version"


def _version_header(service: str, version: APIVersion) -> Schema:
    return {"name": _VERSION_HEADER, "in": "header", "required": True,
            "description": f"The microversion; this document describes {service} {version}.",
            "schema": {"type": "string", "enum": [f"{service} {version}", f"{service} latest"]}}


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


def _parameters(route: Route, binding: Binding, surface: Surface,
                schemas: Mapping[str, Schema]) -> list[Schema]:
    found: list[Schema] = []
    shadowed = _shadowed(route, surface.routes)
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
    if binding.service == "compute":
        found.append(_version_header("compute", MAX_VERSION))
    elif binding.service == "volume":
        found.append(_version_header("volume", surface.volume_version))
    if binding.query is not None:
        for name, schema in schemas[binding.query].get("properties", {}).items():
            found.append({"name": name, "in": "query", "required": False, "style": "form",
                          "explode": True, "schema": copy.deepcopy(schema)})
    found += [{"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
              for name in binding.request_headers]
    params = surface.volume_list_params if binding.params == ("*",) else binding.params
    found += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
              for name in params]
    return found


def _error_content(service: Service, status: int) -> Schema:
    if status == 401 and service in ("compute", "volume", "versions", "identity"):
        return {"application/json": {"schema": _ref("keystone.error")}}
    if service == "identity":
        return {"application/json": {"schema": _ref("keystone.error")}}
    if service == "control":
        return {"application/json": {"schema": _ref("control.error")}}
    webob = {media: {"schema": {"type": "string"}} for media in _WEBOB_TYPES}
    if status == 413 or (service == "versions" and status == 404):
        return {"application/json": {"schema": _ref("webob.error")}, **webob}
    if status == 404:  # an unrouted path (a path parameter with a slash) is webob's too
        return {"application/json": {"schema": {"anyOf": [_ref("fault.404"),
                                                           _ref("webob.error")]}}, **webob}
    return {"application/json": {"schema": _ref(f"fault.{status}")}}


def _success_headers(binding: Binding, surface: Surface) -> Schema:
    headers: Schema = {name: {"required": True, "schema": {"type": "string"}}
                       for name in binding.headers}
    if binding.service == "compute":
        headers[_VERSION_HEADER] = {"required": True, "schema": {
            "type": "string", "const": f"compute {MAX_VERSION}"}}
        headers["x-compute-request-id"] = {"required": True, "schema": {
            "type": "string", "pattern": "^req-"}}
    elif binding.service == "volume":
        headers[_VERSION_HEADER] = {"required": True, "schema": {
            "type": "string", "const": f"volume {surface.volume_version}"}}
    if binding.service in ("compute", "volume", "identity"):
        headers["x-openstack-request-id"] = {"required": True, "schema": {
            "type": "string", "pattern": "^req-"}}
    return headers


def _summary(route: Route) -> str:
    if not route.doc:
        return route.view.rsplit(".", 1)[-1].replace("_", " ")
    return " ".join(route.doc.strip().split("\n\n")[0].split())


def _tag(route: Route, binding: Binding) -> str:
    if "/os-volume_attachments" in route.path:
        return "volume-attachments"
    if binding.service in ("compute", "volume"):
        return route_key(route).split("/")[3]  # servers, flavors, volumes
    return binding.service


def _security(binding: Binding, surface: Surface) -> list[Schema]:
    if binding.token or binding.service in ("compute", "volume"):
        return [{SECURITY_SCHEME: []}]
    if binding.service == "control" and surface.control_header:
        return [{}, {CONTROL_SCHEME: []}]  # loopback callers need no token
    return []


def _operation(route: Route, binding: Binding, surface: Surface,
               schemas: Mapping[str, Schema], operation_id: str) -> Schema:
    success: Schema = {"description": HTTPStatus(binding.status).phrase}
    if binding.response is not None:
        success["content"] = {"application/json": {"schema": binding.response}}
    if headers := _success_headers(binding, surface):
        success["headers"] = headers
    responses: Schema = {str(binding.status): success}
    guarded = (401, 403) if binding.service == "control" else ()
    for status in sorted({*binding.errors, *guarded}):
        responses[str(status)] = {"description": HTTPStatus(status).phrase,
                                  "content": _error_content(binding.service, status)}
    operation: Schema = {
        "operationId": operation_id, "summary": _summary(route),
        "tags": [_tag(route, binding)],
        "parameters": _parameters(route, binding, surface, schemas),
        "responses": responses,
        "security": _security(binding, surface),
        "x-fakenova-view": route.view,
    }
    if binding.body is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(binding.body)}}}
    return operation


def unbound(routes: Iterable[Route]) -> list[Route]:
    """Routes with no binding here: they are documented without schemas."""
    return [route for route in routes if route_key(route) not in BINDINGS]


_UNBOUND = Binding("versions", 200, {"description": "Not described yet."})


def build_document(surface: Surface, root: Traversable | None = None) -> Schema:
    """The whole OpenAPI 3.1 document."""
    components = _schemas(surface, root if root is not None else schemas_dir())
    # 401 is Keystone's body everywhere, 413 webob's: no Nova fault for them.
    statuses = {s for b in BINDINGS.values() for s in b.errors} - {401, 413}
    _error_schemas(components, sorted(statuses), surface.fault_key)
    paths: dict[str, Schema] = {}
    taken: set[str] = set()
    for route in surface.routes:
        binding = BINDINGS.get(route_key(route), _UNBOUND)
        operation_id = route.endpoint
        number = 1
        while operation_id in taken:
            number += 1
            operation_id = f"{route.endpoint}.{number}"
        taken.add(operation_id)
        paths.setdefault(route.path, {})[route.method] = _operation(
            route, binding, surface, components.schemas, operation_id)
    schemes: Schema = {SECURITY_SCHEME: {
        "type": "apiKey", "in": "header", "name": "X-Auth-Token",
        "description": "A Keystone token, from POST /identity/v3/auth/tokens (X-Subject-Token)."}}
    if surface.control_header:
        schemes[CONTROL_SCHEME] = {
            "type": "apiKey", "in": "header", "name": surface.control_header,
            "description": "The control token fakenova was started with; without one, the "
                           "control API answers callers on loopback only."}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "fakenova", "version": __version__, "description": (
            "A test double of OpenStack Nova's volume-attachment API, with the Keystone and "
            f"Cinder parts clients need. Compute operations are described at microversion "
            f"{MAX_VERSION}, Cinder's at {surface.volume_version}.")},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": schemes,
        },
    }
