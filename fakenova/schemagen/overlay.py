"""The volume-attachment schemas' sources: ``parameters.yaml`` (the API reference's format)
and ``overlay.yaml`` (what that format cannot say), turned into one schema per operation,
kind (``request`` body, ``query``, ``response`` body) and microversion range.

Each kind's line 2.1 to the newest version is cut at every ``min_version`` and just after
every ``max_version`` of the parameters involved (and, for queries, where unknown parameters
start being rejected); neighbouring ranges whose schemas come out equal are merged.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fakenova.microversion import MAX_VERSION, MIN_VERSION, APIVersion
from fakenova.schemagen.ranges import (
    Schema,
    SchemaSourceError,
    VersionedSchema,
    next_version,
    parse_version,
    ranges,
)

PARAMETERS_FILE = "parameters.yaml"
OVERLAY_FILE = "overlay.yaml"
KINDS = ("request", "query", "response")
LOCATIONS = ("path", "query", "body", "header")


# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    key: str
    location: str
    required: bool
    type: str
    description: str
    min_version: APIVersion
    max_version: APIVersion

    def active(self, version: APIVersion) -> bool:
        return self.min_version <= version <= self.max_version


@dataclass(frozen=True)
class Sources:
    parameters: dict[str, Parameter]
    overlay: dict[str, Any]


def _parameter(key: str, raw: object) -> Parameter:
    if not isinstance(raw, dict):
        raise SchemaSourceError(f"parameter {key}: expected a mapping")
    unknown = set(raw) - {"in", "required", "type", "description", "min_version", "max_version"}
    if unknown:
        raise SchemaSourceError(f"parameter {key}: unknown fields {sorted(unknown)}")
    if raw.get("in") not in LOCATIONS:
        raise SchemaSourceError(f"parameter {key}: 'in' must be one of {LOCATIONS}")
    if not isinstance(raw.get("required"), bool):
        raise SchemaSourceError(f"parameter {key}: 'required' must be true or false")
    for field in ("type", "description"):
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise SchemaSourceError(f"parameter {key}: '{field}' must be a non-empty string")
    low = parse_version(raw.get("min_version", str(MIN_VERSION)), f"parameter {key}")
    high = parse_version(raw.get("max_version", str(MAX_VERSION)), f"parameter {key}")
    if low > high:
        raise SchemaSourceError(f"parameter {key}: min_version {low} > max_version {high}")
    return Parameter(
        key=key,
        location=raw["in"],
        required=raw["required"],
        type=raw["type"],
        description=raw["description"].strip(),
        min_version=low,
        max_version=high,
    )


def _load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SchemaSourceError(f"{path.name}: expected a mapping at the top level")
    return data


def load_sources(source_dir: Path) -> Sources:
    raw_parameters = _load_yaml(source_dir / PARAMETERS_FILE)
    parameters = {key: _parameter(key, raw) for key, raw in raw_parameters.items()}
    overlay = _load_yaml(source_dir / OVERLAY_FILE)
    for section in ("draft", "empty_body", "fragments", "parameter_schemas", "operations"):
        if section not in overlay:
            raise SchemaSourceError(f"{OVERLAY_FILE}: missing section {section!r}")
    sources = Sources(parameters, overlay)
    _check_references(sources)
    return sources


# ---------------------------------------------------------------------------
# Walking the operation trees
# ---------------------------------------------------------------------------


def _node_key(node: object) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and isinstance(node.get("parameter"), str):
        return node["parameter"]
    raise SchemaSourceError(f"{OVERLAY_FILE}: bad body entry {node!r}")


def _children(node: object) -> dict[str, object]:
    if isinstance(node, dict):
        if "properties" in node:
            return node["properties"]
        if "items" in node:
            return node["items"]
    return {}


def _body_keys(section: Mapping[str, object]) -> Iterable[str]:
    for node in section.values():
        yield _node_key(node)
        yield from _body_keys(_children(node))


def _operation_keys(operation: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """(parameter key, expected location) for everything an operation refers to."""
    for key in operation.get("path_parameters", {}).values():
        yield key, "path"
    for key in operation.get("query", {}).get("parameters", {}).values():
        yield key, "query"
    for kind in ("request", "response"):
        for key in _body_keys(operation.get(kind, {})):
            yield key, "body"


def _check_references(sources: Sources) -> None:
    overlay, parameters = sources.overlay, sources.parameters
    used: set[str] = set()
    for name, operation in overlay["operations"].items():
        for key, location in _operation_keys(operation):
            if key not in parameters:
                raise SchemaSourceError(f"{name}: unknown parameter key {key!r}")
            if parameters[key].location != location:
                raise SchemaSourceError(f"{name}: {key} is not a {location} parameter")
            used.add(key)
    unused = sorted(set(parameters) - used)
    if unused:
        raise SchemaSourceError(f"{PARAMETERS_FILE}: parameters used by no operation: {unused}")
    for key, fragment in overlay["parameter_schemas"].items():
        if key not in parameters:
            raise SchemaSourceError(f"parameter_schemas: unknown parameter key {key!r}")
        if fragment not in overlay["fragments"]:
            raise SchemaSourceError(f"parameter_schemas: {key} names unknown fragment {fragment!r}")


# ---------------------------------------------------------------------------
# Building one schema at one microversion
# ---------------------------------------------------------------------------


def _schema_types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _leaf_schema(sources: Sources, parameter: Parameter) -> Schema:
    fragment_name = sources.overlay["parameter_schemas"].get(parameter.key)
    if fragment_name is None:
        raise SchemaSourceError(f"parameter_schemas: no schema for leaf {parameter.key!r}")
    schema = copy.deepcopy(sources.overlay["fragments"][fragment_name])
    # The documented type must be one the wire schema admits (catches mismatched keys).
    if parameter.location == "body" and parameter.type not in _schema_types(schema):
        raise SchemaSourceError(
            f"{parameter.key}: documented type {parameter.type!r} is not allowed by "
            f"fragment {fragment_name!r}"
        )
    return schema


def _object_schema(sources: Sources, members: Mapping[str, object], version: APIVersion) -> Schema:
    properties: Schema = {}
    required: list[str] = []
    for name, node in members.items():
        schema = _node_schema(sources, node, version)
        if schema is None:
            continue
        properties[name] = schema
        if sources.parameters[_node_key(node)].required:
            required.append(name)
    result: Schema = {"type": "object", "properties": properties}
    if required:  # draft-04 forbids an empty "required" list
        result["required"] = required
    result["additionalProperties"] = sources.overlay.get("body_additional_properties", False)
    return result


def _node_schema(sources: Sources, node: object, version: APIVersion) -> Schema | None:
    parameter = sources.parameters[_node_key(node)]
    if not parameter.active(version):
        return None
    if isinstance(node, dict) and "properties" in node:
        _expect_type(parameter, "object")
        return _object_schema(sources, node["properties"], version)
    if isinstance(node, dict) and "items" in node:
        _expect_type(parameter, "array")
        return {"type": "array", "items": _object_schema(sources, node["items"], version)}
    return _leaf_schema(sources, parameter)


def _expect_type(parameter: Parameter, expected: str) -> None:
    if parameter.type != expected:
        raise SchemaSourceError(f"{parameter.key}: nests members, so its type must be {expected}")


def _body_schema(sources: Sources, section: Mapping[str, object], version: APIVersion) -> Schema:
    schema = _object_schema(sources, section, version)
    if not schema["properties"]:
        return copy.deepcopy(sources.overlay["empty_body"])
    return schema


def _query_schema(sources: Sources, query: Mapping[str, Any], version: APIVersion) -> Schema:
    properties = {
        name: _leaf_schema(sources, sources.parameters[key])
        for name, key in query.get("parameters", {}).items()
        if sources.parameters[key].active(version)
    }
    rejected_from = query.get("unknown_rejected_from")
    strict = rejected_from is not None and version >= parse_version(rejected_from, "query")
    return {"type": "object", "properties": properties, "additionalProperties": not strict}


def _schema_at(
    sources: Sources, operation: Mapping[str, Any], kind: str, version: APIVersion
) -> Schema:
    if kind == "query":
        return _query_schema(sources, operation["query"], version)
    return _body_schema(sources, operation[kind], version)


# ---------------------------------------------------------------------------
# Microversion ranges
# ---------------------------------------------------------------------------


def _section_keys(operation: Mapping[str, Any], kind: str) -> list[str]:
    if kind == "query":
        return list(operation["query"].get("parameters", {}).values())
    return list(_body_keys(operation[kind]))


def _range_starts(sources: Sources, operation: Mapping[str, Any], kind: str) -> list[APIVersion]:
    starts = {MIN_VERSION}
    for key in _section_keys(operation, kind):
        parameter = sources.parameters[key]
        starts.add(parameter.min_version)
        if parameter.max_version < MAX_VERSION:
            starts.add(next_version(parameter.max_version))
    if kind == "query" and operation["query"].get("unknown_rejected_from") is not None:
        starts.add(parse_version(operation["query"]["unknown_rejected_from"], "query"))
    return sorted(starts)


def _title(name: str, kind: str, low: APIVersion, high: APIVersion) -> str:
    return f"{name} {kind}, microversions {low} to {high}"


def build(source_dir: Path) -> list[VersionedSchema]:
    """Every operation's schemas, range by range, as the files hold them."""
    sources = load_sources(source_dir)
    draft = sources.overlay["draft"]
    result: list[VersionedSchema] = []
    for name, operation in sources.overlay["operations"].items():
        for kind in KINDS:
            if kind not in operation:
                continue
            starts = _range_starts(sources, operation, kind)
            schema_at = functools.partial(_schema_at, sources, operation, kind)
            for low, high, schema in ranges(starts, schema_at):
                document = {"$schema": draft, "title": _title(name, kind, low, high), **schema}
                result.append(VersionedSchema(f"{name}.{kind}", low, high, document))
    return result
