"""Microversion ranges: the line 2.1 to the newest version cut where a schema changes, and
the file each range of a schema is written to."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fakenova.microversion import MAX_VERSION, MIN_VERSION, APIVersion

_VERSION_TEXT = re.compile(r"^[1-9][0-9]*\.(?:0|[1-9][0-9]*)$")

Schema = dict[str, Any]


class SchemaSourceError(ValueError):
    """A generator source (parameters.yaml, overlay.yaml, a JSON source) is inconsistent."""


def parse_version(value: object, where: str) -> APIVersion:
    """A quoted ``X.Y`` within compute's range (a YAML float 2.70 would silently be 2.7)."""
    if not isinstance(value, str) or not _VERSION_TEXT.match(value):
        raise SchemaSourceError(f"{where}: version must be a quoted 'X.Y' string, got {value!r}")
    version = APIVersion.parse(value)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise SchemaSourceError(f"{where}: {value} is outside {MIN_VERSION}..{MAX_VERSION}")
    return version


def next_version(version: APIVersion) -> APIVersion:
    return APIVersion(version.major, version.minor + 1)


def previous_version(version: APIVersion) -> APIVersion:
    return APIVersion(version.major, version.minor - 1)


@dataclass(frozen=True)
class VersionedSchema:
    """One generated file: a key's document over ``low`` to ``high``, both included."""

    key: str
    low: APIVersion
    high: APIVersion
    document: Schema

    @property
    def filename(self) -> str:
        return f"{self.key}.{self.low}-{self.high}.json"


Range = tuple[APIVersion, APIVersion, Schema]


def ranges(starts: Iterable[APIVersion], schema_at: Callable[[APIVersion], Schema]) -> list[Range]:
    """(low, high, schema) over 2.1 to the newest version, cut at each of ``starts``, with
    neighbouring ranges whose schemas come out equal merged."""
    cuts = sorted({MIN_VERSION, *starts})
    ends = [previous_version(start) for start in cuts[1:]] + [MAX_VERSION]
    merged: list[Range] = []
    for low, high in zip(cuts, ends, strict=True):
        schema = schema_at(low)
        if merged and merged[-1][2] == schema:
            merged[-1] = (merged[-1][0], high, schema)
        else:
            merged.append((low, high, schema))
    return merged


def dump(data: object) -> str:
    """A generated file's text. Key order is kept: it decides which error jsonschema reports
    first, and upstream's messages follow its own order."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
