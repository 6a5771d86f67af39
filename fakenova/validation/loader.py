"""Request and response validation against the generated schemas in ``schemas/``.

Messages are built the way Nova's ``nova.api.validation`` builds them, from the first
error jsonschema's ``iter_errors`` yields (not ``best_match``), so that a client sees
upstream's exact 400 texts.  No flask imports: the web layer passes plain data in.
"""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

from fakenova.errors import BadRequest
from fakenova.microversion import APIVersion
from fakenova.resources import schemas_dir

INDEX_FILE = "index.json"

Schema = dict[str, Any]


def is_uuid_like(value: str) -> bool:
    """Same answer as ``oslo_utils.uuidutils.is_uuid_like``.

    ``uuid.UUID`` accepts braces, a ``urn:uuid:`` prefix, any case and missing (or
    misplaced) dashes; oslo additionally requires that nothing else was in the text.
    """
    try:
        parsed = uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    stripped = value.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "").lower()
    return parsed.hex == stripped


def _check_uuid_format(instance: object) -> bool:
    # A non-string is the "type" keyword's business, as in upstream's format checker.
    if not isinstance(instance, str):
        return True
    return is_uuid_like(instance)


def format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(_check_uuid_format)
    return checker


def _accept_any(instance: object) -> bool:
    return True


@dataclass
class _Entry:
    low: APIVersion
    high: APIVersion
    schema: Schema
    validator: Validator
    _accepts: Callable[[object], bool] | None = None

    def first_error(self, instance: object) -> jsonschema.ValidationError | None:
        """None when ``instance`` is valid. A schema compiled to Python code (on first use)
        accepts most requests in a fraction of jsonschema's time; what it refuses, jsonschema
        checks again, as upstream does, for the error and its message."""
        if self._accepts is None:
            self._accepts = _compile(self.schema)
        if self._accepts(instance):
            return None
        return _first_error(self.validator, instance)


def _compile(schema: Schema) -> Callable[[object], bool]:
    import fastjsonschema  # here, on first use: importing it costs a cold start 15 ms

    # Formats jsonschema leaves unchecked here are accepted; uuid is checked as upstream does.
    formats = dict.fromkeys(_formats_in(schema), _accept_any)
    formats["uuid"] = _check_uuid_format
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


def _first_error(validator: Validator, instance: object) -> jsonschema.ValidationError | None:
    return next(iter(validator.iter_errors(instance)), None)


def _body_message(error: jsonschema.ValidationError) -> str:
    if not error.path:
        return error.message
    return (
        f"Invalid input for field/attribute {error.path[-1]}. "
        f"Value: {error.instance}. {error.message}"
    )


def _query_message(error: jsonschema.ValidationError) -> str:
    # The path is (parameter name, index in its list of values): name it, not the index.
    if not error.path:
        return error.message
    return (
        f"Invalid input for query parameters {error.path[0]}. "
        f"Value: {error.instance}. {error.message}"
    )


class Validators:
    """Every generated schema, loaded, checked and compiled once.

    ``operation`` names look like ``"volume_attachments.create"``; see ``operations``.
    """

    def __init__(self, root: Traversable | None = None) -> None:
        root = root if root is not None else schemas_dir()
        checker = format_checker()
        index = json.loads(root.joinpath(INDEX_FILE).read_text(encoding="utf-8"))
        self._entries: dict[str, tuple[_Entry, ...]] = {
            key: tuple(self._load(root, item, checker) for item in items)
            for key, items in index.items()
        }
        self.operations: frozenset[str] = frozenset(key.rsplit(".", 1)[0] for key in index)

    @staticmethod
    def _load(
        root: Traversable, item: Mapping[str, str], checker: jsonschema.FormatChecker
    ) -> _Entry:
        schema = json.loads(root.joinpath(item["file"]).read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
        return _Entry(
            low=APIVersion.parse(item["min"]),
            high=APIVersion.parse(item["max"]),
            schema=schema,
            validator=cls(schema, format_checker=checker),
        )

    def _entry(self, operation: str, kind: str, version: APIVersion) -> _Entry | None:
        if operation not in self.operations:
            raise KeyError(f"unknown operation {operation!r}")
        for entry in self._entries.get(f"{operation}.{kind}", ()):
            if entry.low <= version <= entry.high:
                return entry
        return None

    def validate_body(self, operation: str, version: APIVersion, body: object) -> None:
        """Raise BadRequest with Nova's message if ``body`` (None when empty) is invalid."""
        entry = self._entry(operation, "request", version)
        if entry is None:
            return
        error = entry.first_error(body)
        if error is not None:
            raise BadRequest(_body_message(error))

    def validate_query(
        self, operation: str, version: APIVersion, args: Mapping[str, list[str]]
    ) -> dict[str, list[str]]:
        """Validate query parameters (name -> all its values); return the ones kept.

        Where the schema tolerates unknown names they are dropped, as upstream strips
        them; an operation without a query schema keeps everything.
        """
        kept = {name: list(values) for name, values in args.items()}
        entry = self._entry(operation, "query", version)
        if entry is None or not kept:
            return kept
        error = entry.first_error(kept)
        if error is not None:
            raise BadRequest(_query_message(error))
        if entry.schema.get("additionalProperties", True) is not False:
            known = entry.schema.get("properties", {})
            kept = {name: values for name, values in kept.items() if name in known}
        return kept

    def response_schema(self, operation: str, version: APIVersion) -> Schema | None:
        """The answer's schema; ``{"type": "null"}`` means the answer has no body."""
        entry = self._entry(operation, "response", version)
        return copy.deepcopy(entry.schema) if entry is not None else None

    def validate_response(self, operation: str, version: APIVersion, body: object) -> None:
        """For tests: raise if ``body`` (None for no body) breaks the answer's schema."""
        entry = self._entry(operation, "response", version)
        if entry is None:
            if body is not None:
                raise AssertionError(f"{operation} at {version} answers without a body")
            return
        error = _first_error(entry.validator, body)
        if error is not None:
            raise error


@functools.cache
def default_validators() -> Validators:
    """The packaged schemas, loaded on first use and shared afterwards."""
    return Validators()


def _keystone_message(error: jsonschema.ValidationError) -> str:
    if not error.path:
        return error.message
    return f"Invalid input for field '{'/'.join(map(str, error.path))}': {error.message}"


@functools.cache
def _keystone_token_validator() -> Validator:
    schema = json.loads(schemas_dir().joinpath("identity", "token_issue.json").read_text())
    return jsonschema.Draft4Validator(schema)


def validate_token_request(auth: object) -> None:
    """Keystone's schema check of the ``auth`` object of a token request."""
    error = _first_error(_keystone_token_validator(), auth)
    if error is not None:
        raise BadRequest(_keystone_message(error))
