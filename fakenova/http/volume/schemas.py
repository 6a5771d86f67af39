"""What Cinder's request bodies must look like: ``schemas/volume/`` at the request's
microversion (through the one loader, ``fakenova.validation.catalog``), with Cinder's format
checkers and its reading of numbers written as strings."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakenova.domain.ids import is_uuid_like
from fakenova.errors import BadRequest
from fakenova.http.exchange import exchange
from fakenova.http.volume.pipeline import request_version
from fakenova.validation.catalog import Dialect, catalog
from fakenova.validation.numbers import with_string_bounds

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.protocols import Validator

SERVICE = "volume"






def _length_format(entity: str) -> Callable[[object], bool]:
    """Cinder's name/description formats: at most 255 characters once stripped.

    Upstream raises InvalidInput from inside the format check, so it ends validation.
    """

    def check(value: object) -> bool:
        if isinstance(value, str) and len(value.strip()) > 255:
            raise BadRequest(f"Invalid input received: {entity} has {len(value.strip())} "
                             "characters, more than 255.")
        return True

    return check


@functools.cache
def _format_checker() -> jsonschema.FormatChecker:
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(is_uuid_like)
    checker.checks("name_non_mandatory_remove_white_spaces")(_length_format("name"))
    checker.checks("description_non_mandatory_remove_white_spaces")(
        _length_format("description"))
    return checker


@functools.cache
def validator_class() -> type[Validator]:
    """Cinder's validator: Draft 4, with string-bounded numbers."""
    import jsonschema

    return with_string_bounds(jsonschema.Draft4Validator)


def _validator(schema: dict[str, Any]) -> Validator:
    return validator_class()(schema, format_checker=_format_checker())


# schemas/volume/volumes.<operation>.request.<min>-<max>.json: draft-04, Cinder's formats.
CINDER = Dialect(_validator)


def validated_body(operation: str) -> dict[str, Any]:
    """The body's ``volume`` object, checked against the schema of the request's version."""
    body = exchange().json_body
    entry = catalog().find(SERVICE, f"volumes.{operation}.request", request_version())
    error = entry.first_error(body, CINDER) if entry is not None else None
    if error is not None:
        raise BadRequest(
            f"Invalid input for field/attribute {error.path[-1]}. Value: "
            f"{error.instance}. {error.message}" if error.path else error.message)
    volume: dict[str, Any] = body["volume"]
    for key in ("name", "description", "display_name", "display_description"):
        if isinstance(volume.get(key), str):
            volume[key] = volume[key].strip()
    return volume
