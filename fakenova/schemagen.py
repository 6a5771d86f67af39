"""Generate the JSON Schemas in ``schemas/`` from ``parameters.yaml`` and ``overlay.yaml``.

``python -m fakenova.schemagen`` rewrites the generated files; ``--check`` only compares
and exits 1, listing the files that differ, are missing or are stale.

For each operation and kind (``request`` body, ``query``, ``response`` body) the
microversion line 2.1 to 2.104 is cut at every ``min_version`` and just after every
``max_version`` of the parameters involved (and, for queries, where unknown parameters
start being rejected).  Neighbouring ranges whose schemas come out equal are merged.
Each range is written as ``<operation>.<kind>.<min>-<max>.json``, and ``index.json``
maps ``"<operation>.<kind>"`` to its ranges in ascending order.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fakenova.microversion import MAX_VERSION, MIN_VERSION, APIVersion

PARAMETERS_FILE = "parameters.yaml"
OVERLAY_FILE = "overlay.yaml"
INDEX_FILE = "index.json"
KINDS = ("request", "query", "response")
LOCATIONS = ("path", "query", "body", "header")

_VERSION_TEXT = re.compile(r"^[1-9][0-9]*\.(?:0|[1-9][0-9]*)$")

Schema = dict[str, Any]


class SchemaSourceError(ValueError):
    """parameters.yaml or overlay.yaml is inconsistent."""


def default_schemas_dir() -> Path:
    """The project's top-level ``schemas/`` folder (the generator is a source-tree tool)."""
    return Path(__file__).resolve().parent.parent / "schemas"


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


def _parse_version(value: object, where: str) -> APIVersion:
    # A YAML float such as 2.70 would silently mean 2.7, so only strings are accepted.
    if not isinstance(value, str) or not _VERSION_TEXT.match(value):
        raise SchemaSourceError(f"{where}: version must be a quoted 'X.Y' string, got {value!r}")
    version = APIVersion.parse(value)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise SchemaSourceError(f"{where}: {value} is outside {MIN_VERSION}..{MAX_VERSION}")
    return version


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
    low = _parse_version(raw.get("min_version", str(MIN_VERSION)), f"parameter {key}")
    high = _parse_version(raw.get("max_version", str(MAX_VERSION)), f"parameter {key}")
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
    strict = rejected_from is not None and version >= _parse_version(rejected_from, "query")
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


def _next(version: APIVersion) -> APIVersion:
    return APIVersion(version.major, version.minor + 1)


def _previous(version: APIVersion) -> APIVersion:
    return APIVersion(version.major, version.minor - 1)


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
            starts.add(_next(parameter.max_version))
    if kind == "query" and operation["query"].get("unknown_rejected_from") is not None:
        starts.add(_parse_version(operation["query"]["unknown_rejected_from"], "query"))
    return sorted(starts)


@dataclass(frozen=True)
class VersionedSchema:
    operation: str
    kind: str
    low: APIVersion
    high: APIVersion
    schema: Schema

    @property
    def index_key(self) -> str:
        return f"{self.operation}.{self.kind}"

    @property
    def filename(self) -> str:
        return f"{self.index_key}.{self.low}-{self.high}.json"


def _versioned(sources: Sources, name: str, kind: str) -> list[VersionedSchema]:
    operation = sources.overlay["operations"][name]
    starts = _range_starts(sources, operation, kind)
    ends = [_previous(start) for start in starts[1:]] + [MAX_VERSION]
    merged: list[tuple[APIVersion, APIVersion, Schema]] = []
    for low, high in zip(starts, ends, strict=True):
        schema = _schema_at(sources, operation, kind, low)
        if merged and merged[-1][2] == schema:
            merged[-1] = (merged[-1][0], high, schema)
        else:
            merged.append((low, high, schema))
    return [VersionedSchema(name, kind, low, high, schema) for low, high, schema in merged]


def build(sources: Sources) -> list[VersionedSchema]:
    result: list[VersionedSchema] = []
    for name, operation in sources.overlay["operations"].items():
        for kind in KINDS:
            if kind in operation:
                result.extend(_versioned(sources, name, kind))
    return result


# ---------------------------------------------------------------------------
# Rendering and writing
# ---------------------------------------------------------------------------


def _dump(data: object) -> str:
    # Key order is significant (it decides which error jsonschema reports first).
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _document(sources: Sources, item: VersionedSchema) -> Schema:
    title = f"{item.operation} {item.kind}, microversions {item.low} to {item.high}"
    return {"$schema": sources.overlay["draft"], "title": title, **item.schema}


def render(source_dir: Path) -> dict[str, str]:
    """File name -> text of every generated file, index.json included."""
    sources = load_sources(source_dir)
    files: dict[str, str] = {}
    index: dict[str, list[dict[str, str]]] = {}
    for item in build(sources):
        files[item.filename] = _dump(_document(sources, item))
        index.setdefault(item.index_key, []).append(
            {"min": str(item.low), "max": str(item.high), "file": item.filename}
        )
    files[INDEX_FILE] = _dump(index)
    return files


def differences(rendered: Mapping[str, str], output_dir: Path) -> list[str]:
    """Generated files that are missing, different or stale (``*.json`` not generated)."""
    problems = []
    for name, text in sorted(rendered.items()):
        path = output_dir / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs: {name}")
    for path in sorted(output_dir.glob("*.json")):
        if path.name not in rendered:
            problems.append(f"stale: {path.name}")
    return problems


def write(rendered: Mapping[str, str], output_dir: Path) -> list[str]:
    """Bring ``output_dir`` in line with ``rendered``; returns what was written or removed."""
    output_dir.mkdir(parents=True, exist_ok=True)
    changes = []
    for path in sorted(output_dir.glob("*.json")):
        if path.name not in rendered:
            path.unlink()
            changes.append(f"removed: {path.name}")
    for name, text in sorted(rendered.items()):
        path = output_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changes.append(f"wrote: {name}")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakenova.schemagen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    parser.add_argument("--source", type=Path, default=None, help="folder with the YAML files")
    parser.add_argument("--output", type=Path, default=None, help="folder for the JSON files")
    args = parser.parse_args(argv)
    source = args.source or default_schemas_dir()
    output = args.output or source
    try:
        rendered = render(source)
    except SchemaSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        problems = differences(rendered, output)
        for line in problems:
            print(line)
        if problems:
            print("schemas are out of date: run python -m fakenova.schemagen", file=sys.stderr)
        return 1 if problems else 0
    for line in write(rendered, output):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
