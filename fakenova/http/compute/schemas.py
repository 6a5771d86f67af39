"""What compute requests must look like: ``schemas/compute/`` at the request's microversion
(through the one loader, ``fakenova.validation.catalog``), with Nova's format checkers and
error texts, and oslo's reading of the boolean strings those schemas let through."""

from __future__ import annotations

import base64
import binascii
import functools
import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import request

from fakenova.domain.ids import is_uuid_like
from fakenova.errors import BadRequest
from fakenova.http.exchange import exchange
from fakenova.microversion import APIVersion
from fakenova.validation.catalog import Dialect, Entry, catalog
from fakenova.validation.loader import body_message, query_message
from fakenova.validation.numbers import with_string_bounds
from fakenova.validation.printable import is_printable

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.protocols import Validator

Schema = dict[str, Any]
SERVICE = "compute"



def request_version() -> APIVersion:
    """The microversion compute's pipeline negotiated for this request."""
    return exchange().version  # type: ignore[return-value]


# -- formats ------------------------------------------------------------------------------


class _InvalidName(Exception):
    """A ``name`` format failure; Nova answers with this text instead of jsonschema's."""


def _check_name(value: object) -> bool:
    """Printable characters (below U+FFFF), not starting or ending with whitespace."""
    if (isinstance(value, str) and all(ord(c) < 0xFFFF and is_printable(c) for c in value)
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
    import jsonschema

    checker = jsonschema.FormatChecker()
    checker.checks("uuid")(lambda value: not isinstance(value, str) or is_uuid_like(value))
    checker.checks("name", raises=_InvalidName)(_check_name)
    checker.checks("base64")(_check_base64)
    checker.checks("regex")(_check_regex)
    checker.checks("date-time")(_check_date_time)
    return checker


# -- Nova's dialect -----------------------------------------------------------------------






@functools.cache
def _validator_class() -> type[Validator]:
    import jsonschema

    return with_string_bounds(jsonschema.Draft202012Validator)


def _validator(schema: Schema) -> Validator:
    return _validator_class()(schema, format_checker=_format_checker())


# Compute's hand-written schemas (servers, flavors): 2020-12, Nova's formats and bounds.
NOVA_COMPUTE = Dialect(_validator)


# -- the schemas --------------------------------------------------------------------------


def _entry(key: str, version: APIVersion) -> Entry:
    return catalog().entry(SERVICE, key, version)


def versioned_schema(key: str, version: APIVersion) -> Schema:
    """A copy of the schema ``key`` of schemas/compute/ (``servers.create.request``) as it
    stands at ``version``."""
    return catalog().schema(SERVICE, key, version)


@functools.cache
def joined_table_filters() -> frozenset[str]:
    """The server list filters upstream's schema marks as columns of a joined table
    (``x-joined-table``), which no caller may filter on; read once."""
    return frozenset(catalog().newest(SERVICE, "servers.index.query")["x-joined-table"])


# -- validating requests ------------------------------------------------------------------


def validate_body(key: str, body: object) -> None:
    """400 with Nova's text unless the schema ``key`` (``servers.create.request``) accepts
    ``body`` at the request's version."""
    error = _entry(key, request_version()).first_error(body, NOVA_COMPUTE)
    if error is None:
        return
    if isinstance(error.cause, _InvalidName):
        raise BadRequest(f"An invalid 'name' value was provided. The name must be: "
                         f"{error.cause}")
    raise BadRequest(body_message(error))


def validated_query(key: str) -> dict[str, list[str]]:
    """The query string (name -> values) once upstream's schema accepts it. Where the schema
    tolerates unknown names (before 2.75 for lists) they are dropped, as Nova strips them."""
    query = request.args.to_dict(flat=False)
    if not query:  # no query schema requires a parameter (tests/test_cold_start.py)
        return query
    entry = _entry(key, request_version())
    error = entry.first_error(query, NOVA_COMPUTE)
    if error is not None:
        raise BadRequest(query_message(error))
    schema = entry.schema
    if schema.get("additionalProperties", True) is not False:
        patterns = "|".join(schema.get("patternProperties", {}))
        query = {key: values for key, values in query.items()
                 if key in schema["properties"] or (patterns and re.match(patterns, key))}
    return query
