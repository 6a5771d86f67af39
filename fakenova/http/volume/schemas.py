"""What Cinder's request bodies must look like: ``schemas/volume/`` at the request's
microversion (through the one loader, ``fakenova.validation.catalog``), with Cinder's format
checkers and its reading of numbers written as strings."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Collection
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


# cinder.api.validation.validators: the status and progress formats, which raise (so end
# validation) with their own messages.
_SNAPSHOT_STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating",
                      "error_deleting", "unmanaging", "backing-up", "restoring")
_BACKUP_STATUSES = ["available", "error"]


def _status_format(kind: str, valid: Collection[str]) -> Any:
    def check(value: object) -> bool:
        if isinstance(value, str) and (not value or value.lower() not in valid):
            raise BadRequest(f"{kind} status: {value} is invalid, valid statuses are: "
                             f"{valid!r}.")
        return True

    return check


def _progress(value: object) -> bool:
    if isinstance(value, str) and value:
        try:
            number = int(value[:-1])
        except ValueError as error:
            raise BadRequest("Invalid input received: progress must be an integer "
                             "percentage") from error
        if not 0 <= number <= 100 or value[-1] != "%":
            raise BadRequest("Invalid input received: progress must be an integer "
                             "percentage between 0 and 100")
    return True


def _base64(value: object) -> bool:
    """validators._validate_base64_format: what base64.decodebytes reads."""
    if not isinstance(value, str):
        return True
    try:
        base64.decodebytes(value.encode("utf-8"))
    except binascii.Error:
        return False
    return True


@functools.cache
def _format_checker() -> jsonschema.FormatChecker:
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(is_uuid_like)
    checker.checks("name_non_mandatory_remove_white_spaces")(_length_format("name"))
    checker.checks("description_non_mandatory_remove_white_spaces")(
        _length_format("description"))
    checker.checks("snapshot_status")(_status_format("Snapshot", _SNAPSHOT_STATUSES))
    checker.checks("backup_status")(_status_format("Backup", _BACKUP_STATUSES))
    checker.checks("progress")(_progress)
    checker.checks("base64")(_base64)
    return checker


@functools.cache
def _validator_class() -> type[Validator]:
    """Cinder's validator: Draft 4, with string-bounded numbers."""
    import jsonschema

    return with_string_bounds(jsonschema.Draft4Validator)


def _validator(schema: dict[str, Any]) -> Validator:
    return _validator_class()(schema, format_checker=_format_checker())


# schemas/volume/<key>.<min>-<max>.json: draft-04, Cinder's formats.
CINDER = Dialect(_validator)


def check(key: str, body: Any) -> None:
    """``body`` against ``schemas/volume/<key>`` at the request's version, refused as Cinder
    words it (a key with no schema there accepts anything, as an unvalidated method does)."""
    entry = catalog().find(SERVICE, key, request_version())
    error = entry.first_error(body, CINDER) if entry is not None else None
    if error is not None:
        raise BadRequest(
            f"Invalid input for field/attribute {error.path[-1]}. Value: "
            f"{error.instance}. {error.message}" if error.path else error.message)


def validated_body(operation: str) -> dict[str, Any]:
    """The body's ``volume`` object, checked against the schema of the request's version."""
    body = exchange().json_body
    check(f"volumes.{operation}.request", body)
    volume: dict[str, Any] = body["volume"]
    for key in ("name", "description", "display_name", "display_description"):
        if isinstance(volume.get(key), str):
            volume[key] = volume[key].strip()
    return volume
