"""Compute's hand-written schemas: each source file ``<key>.json`` is the schema at 2.1 with
``x-microversions``, the changes later microversions make, turned into one schema per range.

``x-microversions`` is a list of JSON Patch operations (``add``, ``replace``, ``remove``;
``path`` a JSON Pointer, ``-`` appending to a list), each with the range of versions it
applies to (``min`` and ``max``, quoted, both included; 2.1 and the newest by default),
applied in order. The line 2.1 to the newest version is cut where a patch starts and just
after one ends; neighbouring ranges whose schemas come out equal are merged. The generated
schema is the source without ``x-microversions``: other keys (``$comment``, annotations
such as ``x-joined-table``) are kept as written.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fakenova.microversion import MAX_VERSION, MIN_VERSION, APIVersion
from fakenova.schemagen.ranges import (
    Schema,
    SchemaSourceError,
    VersionedSchema,
    next_version,
    parse_version,
    ranges,
)
from fakenova.validation.catalog import FILE_NAME

PATCHES = "x-microversions"
_OPERATIONS = ("add", "replace", "remove")
_PATCH_KEYS = frozenset({"op", "path", "value", "min", "max"})


def _bounds(patch: dict[str, Any], where: str) -> tuple[APIVersion, APIVersion]:
    low = parse_version(patch.get("min", str(MIN_VERSION)), where)
    high = parse_version(patch.get("max", str(MAX_VERSION)), where)
    if low > high:
        raise SchemaSourceError(f"{where}: min {low} is above max {high}")
    return low, high


def _check_patches(source: Schema, where: str) -> list[dict[str, Any]]:
    patches = source.get(PATCHES, [])
    if not isinstance(patches, list):
        raise SchemaSourceError(f"{where}: {PATCHES} must be a list")
    for number, patch in enumerate(patches):
        at = f"{where} {PATCHES}[{number}]"
        if not isinstance(patch, dict) or set(patch) - _PATCH_KEYS:
            raise SchemaSourceError(f"{at}: a mapping of {sorted(_PATCH_KEYS)}")
        if patch.get("op") not in _OPERATIONS:
            raise SchemaSourceError(f"{at}: op must be one of {_OPERATIONS}")
        if not isinstance(patch.get("path"), str) or not patch["path"].startswith("/"):
            raise SchemaSourceError(f"{at}: path must be a JSON Pointer (/properties/...)")
        if (patch["op"] == "remove") == ("value" in patch):
            raise SchemaSourceError(f"{at}: add and replace take a value, remove none")
        _bounds(patch, at)
    return patches


def at_version(source: Schema, version: APIVersion) -> Schema:
    """The schema ``source`` describes at ``version``: its patches applied in order where
    their range holds ``version``, without ``x-microversions``."""
    result = copy.deepcopy({key: value for key, value in source.items() if key != PATCHES})
    for patch in source.get(PATCHES, ()):
        low, high = _bounds(patch, PATCHES)
        if not low <= version <= high:
            continue
        *parents, last = patch["path"].split("/")[1:]
        try:
            target = functools.reduce(lambda node, key: node[key], parents, result)
            if patch["op"] == "remove":
                del target[last]
            elif last == "-":
                target.append(copy.deepcopy(patch["value"]))
            else:
                target[last] = copy.deepcopy(patch["value"])
        except (KeyError, TypeError, AttributeError) as error:
            raise SchemaSourceError(
                f"{PATCHES}: {patch['op']} {patch['path']} at {version}: no such place "
                f"({error!r})") from None
    return result


def _starts(patches: Iterable[dict[str, Any]]) -> list[APIVersion]:
    starts = []
    for patch in patches:
        low, high = _bounds(patch, PATCHES)
        starts.append(low)
        if high < MAX_VERSION:
            starts.append(next_version(high))
    return starts


def source_files(source_dir: Path) -> list[Path]:
    """The JSON sources of ``source_dir``, by name."""
    return sorted(source_dir.glob("*.json"))


def build(source_dir: Path) -> list[VersionedSchema]:
    """Every JSON source's schemas, range by range."""
    result: list[VersionedSchema] = []
    for path in source_files(source_dir):
        match = FILE_NAME.match(path.name)
        if match is None or match["low"] is not None:
            raise SchemaSourceError(f"{path.name}: a source is named <key>.json, no range")
        try:
            source = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise SchemaSourceError(f"{path.name}: not JSON: {error}") from None
        if not isinstance(source, dict):
            raise SchemaSourceError(f"{path.name}: a schema is a JSON object")
        patches = _check_patches(source, path.name)
        schema_at = functools.partial(at_version, source)
        for low, high, schema in ranges(_starts(patches), schema_at):
            result.append(VersionedSchema(match["key"], low, high, schema))
    return result
