"""What compute requests must look like: ``schemas/compute/*.json`` applied at the request's
microversion, with Nova's format checkers and error texts, and oslo's reading of the boolean
strings those schemas let through."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import jsonschema
from flask import request
from jsonschema.protocols import Validator

from fakenova.errors import BadRequest
from fakenova.http.exchange import exchange
from fakenova.microversion import MAX_VERSION, APIVersion, v
from fakenova.resources import schemas_dir
from fakenova.validation.loader import _body_message, _query_message, is_uuid_like

Schema = dict[str, Any]

_TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
_FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")


def request_version() -> APIVersion:
    """The microversion compute's pipeline negotiated for this request."""
    return exchange().version  # type: ignore[return-value]


# -- formats ------------------------------------------------------------------------------


class _InvalidName(Exception):
    """A ``name`` format failure; Nova answers with this text instead of jsonschema's."""


def _printable(char: str) -> bool:
    category = unicodedata.category(char)
    return not category.startswith("C") and (not category.startswith("Z") or category == "Zs")


@functools.cache
def _printable_range() -> str:
    """The character class of printable characters below U+FFFF, built as upstream's
    parameter_types._build_regex_range builds it (so pattern errors quote the same regex)."""
    regex, in_range, last, last_added, char = "", False, "", "", ""
    for char in map(chr, range(0xFFFF)):
        if _printable(char):
            if not in_range:
                regex += re.escape(char)
                last_added = char
            in_range = True
        else:
            if in_range and last != last_added:
                regex += "-" + re.escape(last)
            in_range = False
        last = char
    if in_range:
        regex += "-" + re.escape(char)
    return regex


def _check_name(value: object) -> bool:
    """Printable characters (below U+FFFF), not starting or ending with whitespace."""
    if (isinstance(value, str) and all(ord(c) < 0xFFFF and _printable(c) for c in value)
            and not (value and "Zs" in (unicodedata.category(value[0]),
                                        unicodedata.category(value[-1])))):
        return True
    raise _InvalidName("printable characters. Can not start or end with whitespace.")


def _check_base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value)
    except (binascii.Error, ValueError):
        return False
    return True


def _check_regex(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        re.compile(value)
    except re.error:
        return False
    return bool(value)


def _check_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@functools.cache
def _format_checker() -> jsonschema.FormatChecker:
    """jsonschema's formats, with Nova's own uuid, name, base64, regex and date-time."""
    checker = jsonschema.FormatChecker()
    checker.checks("uuid")(lambda value: not isinstance(value, str) or is_uuid_like(value))
    checker.checks("name", raises=_InvalidName)(_check_name)
    checker.checks("base64")(_check_base64)
    checker.checks("regex")(_check_regex)
    checker.checks("date-time")(_check_date_time)
    return checker


# -- schemas per microversion -------------------------------------------------------------


def _number(instance: Any) -> int | float | None:
    for kind in (int, float):
        try:
            number: int | float = kind(instance)
        except (TypeError, ValueError):
            continue
        return number
    return None


def _bound(keyword: str) -> Any:
    """Nova checks minimum and maximum on numbers written as strings too ("10")."""
    original = jsonschema.Draft202012Validator.VALIDATORS[keyword]

    def check(validator: Validator, bound: Any, instance: Any, schema: Schema) -> Iterator[Any]:
        number = _number(instance)
        if number is not None:
            yield from original(validator, bound, number, schema)
    return check


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"minimum": _bound("minimum"), "maximum": _bound("maximum")})


@functools.cache
def schema_document(name: str) -> Schema:
    """A file of schemas/compute/, with the printable-characters class filled in."""
    text = schemas_dir().joinpath("compute", name).read_text(encoding="utf-8")
    document: Schema = json.loads(text.replace("<printable>",
                                               json.dumps(_printable_range())[1:-1]))
    return document


def _at_version(schema: Schema, version: APIVersion) -> Schema:
    """The schema at ``version``: its x-microversions (JSON Patch operations, each with a
    [min, max] range of versions) applied in order where the range holds ``version``."""
    result = copy.deepcopy({key: value for key, value in schema.items()
                            if not key.startswith("x-")})
    for patch in schema.get("x-microversions", ()):
        if not v(patch.get("min", "2.1")) <= version <= v(patch.get("max", str(MAX_VERSION))):
            continue
        *parents, last = patch["path"].split("/")[1:]
        target = functools.reduce(lambda node, key: node[key], parents, result)
        if patch["op"] == "remove":
            del target[last]
        elif last == "-":
            target.append(copy.deepcopy(patch["value"]))
        else:
            target[last] = copy.deepcopy(patch["value"])
    return result


@functools.cache
def versioned_schema(name: str, version: APIVersion, action: str | None = None) -> Schema:
    """The schema file ``name`` of schemas/compute/ (its ``action`` entry, for server
    actions) as it stands at ``version``."""
    document = schema_document(name)
    return _at_version(document[action] if action else document, version)


@functools.cache
def _validator(name: str, version: APIVersion, action: str | None = None) -> Validator:
    schema = versioned_schema(name, version, action)
    return _Validator(schema, format_checker=_format_checker())


# -- validating requests ------------------------------------------------------------------


def _first_error(validator: Validator, instance: object) -> jsonschema.ValidationError | None:
    return next(iter(validator.iter_errors(instance)), None)


def validate_body(name: str, body: object, action: str | None = None) -> None:
    """400 with Nova's text unless the schema file ``name`` (its ``action`` entry, for
    server actions) accepts ``body`` at the request's version."""
    error = _first_error(_validator(name, request_version(), action), body)
    if error is None:
        return
    if isinstance(error.cause, _InvalidName):
        raise BadRequest(f"An invalid 'name' value was provided. The name must be: "
                         f"{error.cause}")
    raise BadRequest(_body_message(error))


def validated_query(name: str) -> dict[str, list[str]]:
    """The query string (name -> values) once upstream's schema accepts it. Where the schema
    tolerates unknown names (before 2.75 for lists) they are dropped, as Nova strips them."""
    query = request.args.to_dict(flat=False)
    error = _first_error(_validator(name, request_version()), query)
    if error is not None:
        raise BadRequest(_query_message(error))
    schema = versioned_schema(name, request_version())
    if schema.get("additionalProperties", True) is not False:
        patterns = "|".join(schema.get("patternProperties", {}))
        query = {key: values for key, values in query.items()
                 if key in schema["properties"] or (patterns and re.match(patterns, key))}
    return query


def bool_from_string(value: object, strict: bool = False) -> bool:
    """oslo's strutils.bool_from_string."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE_STRINGS:
        return True
    if strict and text not in _FALSE_STRINGS:
        acceptable = ", ".join(f"'{s}'" for s in sorted(_TRUE_STRINGS + _FALSE_STRINGS))
        raise BadRequest(f"Invalid input received: Unrecognized value '{value}', acceptable "
                         f"values are: {acceptable}")
    return False
