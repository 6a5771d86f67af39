"""The document's components: the schemas read from ``schemas/`` (``read_schemas``, the one
place that reads them), the services' own, and the error bodies, all as JSON Schema 2020-12.
No flask imports.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from fakenova.microversion import MAX_VERSION, APIVersion
from fakenova.openapi.bindings import REF, Schema, object_schema, ref
from fakenova.validation.catalog import Catalog, catalog

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


class Components:
    """The document's ``components.schemas``, each converted to 2020-12 as it is added."""

    def __init__(self) -> None:
        self.schemas: dict[str, Schema] = {}

    def add(self, name: str, schema: Schema) -> None:
        """Register a schema; its ``$defs`` become components of their own (``name.def``)."""

        def rename(reference: str) -> str:
            for local in ("#/$defs/", "#/definitions/"):
                if reference.startswith(local):
                    return f"{REF}{name}.{reference.removeprefix(local)}"
            return reference

        converted = to_2020_12(schema, rename)
        for sub_name, sub in converted.pop("$defs", {}).items():
            self.schemas[f"{name}.{sub_name}"] = sub
        self.schemas[name] = converted

    def add_all(self, schemas: Mapping[str, Schema]) -> None:
        for name, schema in schemas.items():
            self.add(name, schema)


# -- the schemas of schemas/ -----------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """Where ``read_schemas`` finds what it reads: Cinder's version, and the schema
    directory (the installed ``schemas/`` unless given)."""

    volume_version: APIVersion
    root: Traversable | None = None


def read_schemas(sources: Sources) -> dict[str, Schema]:
    """Every component read from ``schemas/`` (through ``fakenova.validation.catalog``), by
    name: the attachment schemas of the newest microversion range, compute's other ones at
    the newest microversion (each server action, and ``servers.action.request`` as one of
    them), Cinder's at its version, the Keystone token request's and the fault rule's."""
    schemas = Catalog(sources.root) if sources.root is not None else catalog()
    compute = schemas.keys("compute")
    found: dict[str, Schema] = {}
    for key in compute:
        if key.startswith("servers.action."):
            continue  # one component per action, below
        schema = schemas.schema("compute", key, MAX_VERSION)
        if schema.get("type") != "null":  # "null": an answer without a body
            found[key] = schema
    actions = sorted(key.split(".")[2] for key in compute if key.startswith("servers.action."))
    for action in actions:
        found[f"servers.action.{action}"] = schemas.schema(
            "compute", f"servers.action.{action}.request", MAX_VERSION)
    found["servers.action.request"] = {
        "title": "One server action", "oneOf": [ref(f"servers.action.{a}") for a in actions]}
    for key in schemas.keys("volume"):
        found[key] = schemas.schema("volume", key, sources.volume_version)
    found["identity.token_issue"] = schemas.schema("identity", "token_issue")
    found["control.fault_rule"] = schemas.schema("control", "fault_rule")
    return found


# -- the error bodies several services answer with -------------------------------------


def error_schemas(statuses: Iterable[int], fault_key: Callable[[int], str]) -> dict[str, Schema]:
    """Nova's (and Cinder's) fault bodies for ``statuses`` (``fault_key`` names each one's
    key: ``itemNotFound``), Keystone's error and webob's bare one."""
    found: dict[str, Schema] = {}
    for status in statuses:
        key = fault_key(status)
        found[f"fault.{status}"] = {
            "title": f"Nova's (and Cinder's) fault body for {status}",
            **object_schema(**{key: {**object_schema(code={"const": status},
                                                     message={"type": "string"}),
                                     "additionalProperties": False}}),
            "additionalProperties": False}
    text = {"type": "string"}
    found["keystone.error"] = {
        "title": "Keystone's (and keystonemiddleware's) error body",
        **object_schema(error={**object_schema(code={"type": "integer"}, title=text,
                                               message=text),
                               "additionalProperties": False}),
        "additionalProperties": False}
    found["webob.error"] = {
        "title": "webob's bare error (unrouted paths, oversized bodies) for Accept: JSON",
        **object_schema(code=text, title=text, message=text), "additionalProperties": False}
    return found
