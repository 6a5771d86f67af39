"""What Cinder's request bodies must look like: ``schemas/volume/`` at the request's
microversion, with Cinder's format checkers and its reading of numbers written as strings."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

from fakenova.domain.ids import is_uuid_like
from fakenova.errors import BadRequest
from fakenova.http.exchange import exchange
from fakenova.http.volume.pipeline import request_version
from fakenova.microversion import APIVersion
from fakenova.resources import schemas_dir


def _as_number(value: object) -> int | float | None:
    for convert in (int, float):
        try:
            number: int | float = convert(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        return number
    return None


def _bound(keyword: str) -> Callable[..., Any]:
    """Cinder's minimum/maximum also check numbers written as strings (``"10"``)."""
    check = jsonschema.Draft4Validator.VALIDATORS[keyword]

    def validate(validator: Validator, bound: Any, instance: Any, schema: Any) -> Any:
        number = _as_number(instance)
        return None if number is None else check(validator, bound, number, schema)

    return validate


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


_SCHEMA_FILE = re.compile(r"^volumes\.(\w+)\.request\.(\d+\.\d+)-(\d+\.\d+)\.json$")
_CinderValidator = jsonschema.validators.extend(
    jsonschema.Draft4Validator, {"minimum": _bound("minimum"), "maximum": _bound("maximum")})


@functools.cache
def _validators() -> dict[str, list[tuple[APIVersion, APIVersion, Validator]]]:
    """schemas/volume/volumes.{operation}.request.{min}-{max}.json, compiled once."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(is_uuid_like)
    checker.checks("name_non_mandatory_remove_white_spaces")(_length_format("name"))
    checker.checks("description_non_mandatory_remove_white_spaces")(
        _length_format("description"))
    found: dict[str, list[tuple[APIVersion, APIVersion, Validator]]] = {}
    for path in schemas_dir().joinpath("volume").iterdir():
        match = _SCHEMA_FILE.match(path.name)
        if match:
            schema = json.loads(path.read_text(encoding="utf-8"))
            found.setdefault(match[1], []).append((
                APIVersion.parse(match[2]), APIVersion.parse(match[3]),
                _CinderValidator(schema, format_checker=checker)))
    return found


def validated_body(operation: str) -> dict[str, Any]:
    """The body's ``volume`` object, checked against the schema of the request's version."""
    body = exchange().json_body
    for low, high, validator in _validators()[operation]:
        if low <= request_version() <= high:
            error = next(iter(validator.iter_errors(body)), None)
            if error is not None:
                raise BadRequest(
                    f"Invalid input for field/attribute {error.path[-1]}. Value: "
                    f"{error.instance}. {error.message}" if error.path else error.message)
    volume: dict[str, Any] = body["volume"]
    for key in ("name", "description", "display_name", "display_description"):
        if isinstance(volume.get(key), str):
            volume[key] = volume[key].strip()
    return volume
