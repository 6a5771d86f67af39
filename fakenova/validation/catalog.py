"""The one schema loader: finds, reads and compiles every JSON Schema fakenova checks with.

Each schema is a file ``schemas/<service>/<key>.<min>-<max>.json``: its key (what it is the
schema of, ``servers.create.request``) and the microversions it covers, both ends included
(``2.1-2.18``). A file without a range, ``<key>.json``, covers every version. A key's files
must not overlap; where none covers a version, the key has no schema there. Nothing lists
the files: a service's folder is read on first use, so a new schema is a new file.

A file is read when first asked for; ``<printable>`` in its text becomes Nova's class of
printable characters (``fakenova.validation.printable``). A validator is built on first use
in the ``Dialect`` its caller checks with (which jsonschema class, which formats), and kept;
jsonschema and fastjsonschema are imported only then, not at start.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from fakenova.microversion import APIVersion
from fakenova.resources import schemas_dir
from fakenova.validation.printable import printable_class

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

Schema = dict[str, Any]
FormatCheck = Callable[[object], bool]

# <key>[.<min>-<max>].json; the key may hold dots (and dashes), a range never ends it.
FILE_NAME = re.compile(
    r"^(?P<key>[^/]+?)(?:\.(?P<low>[0-9]+\.[0-9]+)-(?P<high>[0-9]+\.[0-9]+))?\.json$")
# Placeholders a schema file may hold, and what fills them in when the file is read.
PLACEHOLDERS: dict[str, Callable[[], str]] = {"<printable>": printable_class}


class SchemaLayoutError(ValueError):
    """Schema files whose names cannot be read or whose ranges overlap."""


@dataclass(frozen=True, eq=False)
class Dialect:
    """How a family of schemas is checked: ``build`` makes jsonschema's validator of one
    schema (with the family's class, keywords and format checker). With ``fast_formats``, a
    schema is also compiled by fastjsonschema, which accepts what it can on its own (these
    formats checked, every other format accepted); only what it refuses goes to jsonschema,
    for upstream's first error. A family takes that path only if its compiled schema can
    never accept what jsonschema refuses (``tests/test_validation_fast_path.py``)."""

    build: Callable[[Schema], Validator]
    fast_formats: Mapping[str, FormatCheck] | None = None


def _draft4(schema: Schema) -> Validator:
    import jsonschema  # on first use: importing it costs a cold start tens of ms

    return jsonschema.Draft4Validator(schema)


# Draft-04 as written, no format checked: the control API's files.
DRAFT4 = Dialect(_draft4)
# The same, compiled to accept first: Keystone's token request, every client's first request.
DRAFT4_COMPILED = Dialect(_draft4, fast_formats={})


def read_schema(file: Traversable) -> Schema:
    """A schema file's JSON, its placeholders filled in."""
    text = file.read_text(encoding="utf-8")
    for placeholder, fill in PLACEHOLDERS.items():
        if placeholder in text:
            text = text.replace(placeholder, json.dumps(fill())[1:-1])
    schema: Schema = json.loads(text)
    return schema


@dataclass(eq=False)
class Entry:
    """One schema file: its key, its range (None: every version) and, once asked for, its
    schema and validators."""

    key: str
    low: APIVersion | None
    high: APIVersion | None
    file: Traversable
    _schema: Schema | None = field(default=None, repr=False)
    _validators: dict[Dialect, Validator] = field(default_factory=dict, repr=False)
    _compiled: dict[Dialect, FormatCheck] = field(default_factory=dict, repr=False)

    def covers(self, version: APIVersion | None) -> bool:
        if self.low is None or self.high is None:
            return True
        return version is not None and self.low <= version <= self.high

    @property
    def schema(self) -> Schema:
        """The schema, shared: read it, copy it before changing it."""
        if self._schema is None:
            self._schema = read_schema(self.file)
        return self._schema

    def validator(self, dialect: Dialect) -> Validator:
        """jsonschema's validator of this schema in ``dialect``, built once."""
        found = self._validators.get(dialect)
        if found is None:
            found = self._validators[dialect] = dialect.build(self.schema)
        return found

    def first_error(self, instance: object, dialect: Dialect) -> ValidationError | None:
        """None when ``instance`` is valid, else the first error jsonschema's ``iter_errors``
        yields (not ``best_match``), as upstream's services report it."""
        if dialect.fast_formats is not None:
            accepts = self._compiled.get(dialect)
            if accepts is None:
                accepts = self._compiled[dialect] = _compile(self.schema, dialect.fast_formats)
            if accepts(instance):
                return None
        return next(iter(self.validator(dialect).iter_errors(instance)), None)


def _accept_any(instance: object) -> bool:
    return True


def _compile(schema: Schema, checks: Mapping[str, FormatCheck]) -> FormatCheck:
    import fastjsonschema  # here, on first use: importing it costs a cold start 15 ms

    formats = {**dict.fromkeys(_formats_in(schema), _accept_any), **checks}
    check = fastjsonschema.compile(schema, formats=formats, use_default=False)

    def accepts(instance: object) -> bool:
        try:
            check(instance)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return accepts


def _formats_in(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["format"]} if isinstance(node.get("format"), str) else set()
        return found.union(*(_formats_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_formats_in(item) for item in node))
    return set()


def _entry(service: str, file: Traversable) -> Entry | None:
    match = FILE_NAME.match(file.name)
    if match is None:
        return None
    if match["low"] is None:
        return Entry(match["key"], None, None, file)
    low, high = APIVersion.parse(match["low"]), APIVersion.parse(match["high"])
    if low.major != high.major or low > high:
        raise SchemaLayoutError(f"{service}/{file.name}: {low}-{high} is no range")
    return Entry(match["key"], low, high, file)


def _ordered(service: str, key: str, entries: list[Entry]) -> tuple[Entry, ...]:
    if len(entries) > 1 and any(entry.low is None for entry in entries):
        raise SchemaLayoutError(f"{service}/{key}: a file for every version and ranged ones")
    entries.sort(key=lambda entry: (entry.low, entry.high))
    for before, after in itertools.pairwise(entries):
        if before.high is not None and after.low is not None and after.low <= before.high:
            raise SchemaLayoutError(f"{service}: {before.file.name} overlaps {after.file.name}")
    return tuple(entries)


class Catalog:
    """Every schema under one ``schemas/`` folder, by service (its sub-folder) and key."""

    def __init__(self, root: Traversable | None = None) -> None:
        self.root = root if root is not None else schemas_dir()
        self._services: dict[str, dict[str, tuple[Entry, ...]]] = {}

    def _service(self, service: str) -> dict[str, tuple[Entry, ...]]:
        found = self._services.get(service)
        if found is None:
            folder = self.root.joinpath(service)
            keyed: dict[str, list[Entry]] = {}
            for file in folder.iterdir() if folder.is_dir() else ():
                entry = _entry(service, file)
                if entry is not None:
                    keyed.setdefault(entry.key, []).append(entry)
            found = self._services[service] = {
                key: _ordered(service, key, entries) for key, entries in sorted(keyed.items())}
        return found

    def keys(self, service: str) -> list[str]:
        """The service's schema keys, sorted."""
        return list(self._service(service))

    def entries(self, service: str, key: str) -> tuple[Entry, ...]:
        """A key's files, oldest range first (none for an unknown key)."""
        return self._service(service).get(key, ())

    def find(self, service: str, key: str, version: APIVersion | None = None) -> Entry | None:
        """The key's file covering ``version`` (None for a key without ranges), if any."""
        return next((e for e in self.entries(service, key) if e.covers(version)), None)

    def entry(self, service: str, key: str, version: APIVersion | None = None) -> Entry:
        """As ``find``, but a KeyError when no file covers ``version``."""
        found = self.find(service, key, version)
        if found is None:
            raise KeyError(f"no schema {service}/{key} at {version or 'any version'}")
        return found

    def schema(self, service: str, key: str, version: APIVersion | None = None) -> Schema:
        """A copy of the key's schema at ``version``; KeyError when it has none there."""
        return copy.deepcopy(self.entry(service, key, version).schema)

    def newest(self, service: str, key: str) -> Schema:
        """A copy of the key's schema of its newest range; KeyError for an unknown key."""
        entries = self.entries(service, key)
        if not entries:
            raise KeyError(f"no schema {service}/{key}")
        return copy.deepcopy(entries[-1].schema)


@functools.cache
def catalog() -> Catalog:
    """The packaged schemas' catalog, shared by everything that checks requests."""
    return Catalog()
