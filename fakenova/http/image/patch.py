"""A PATCH body as Glance's ``RequestDeserializer.update`` reads it: JSON-patch operations in
one of its two media types, their JSON pointers, and the checks it makes before any image
is looked up."""

from __future__ import annotations

import re
from typing import Any

from fakenova.domain.images import Change
from fakenova.errors import BadRequest, Forbidden
from fakenova.http.image import schemas
from fakenova.http.image.faults import MediaTypeRefused
from fakenova.http.image.pipeline import NO_BODY, json_body

MEDIA_TYPES = {"application/openstack-images-v2.0-json-patch": 4,
               "application/openstack-images-v2.1-json-patch": 10}
_OPERATIONS = ("add", "remove", "replace")
_READONLY = ("created_at", "updated_at", "status", "checksum", "size", "virtual_size",
             "direct_url", "self", "file", "schema", "id", "os_hash_algo", "os_hash_value")
_RESERVED = ("location", "deleted", "deleted_at")
_DEPTHS = {"locations": {"add": 2, "remove": 2, "replace": 1}}
_ARRAYS = ("tags", "locations")  # base properties of type array


def _operation(raw: dict[str, Any], draft: int) -> tuple[str, Any]:
    """The operation and its path: ``{"op": ..., "path": ...}`` (v2.1) or ``{op: path}``."""
    available = ", ".join(_OPERATIONS)
    if draft == 10:
        op = raw.get("op")
        if op is None:
            raise BadRequest("Unable to find `op` in JSON Schema change. It must be one of "
                             f"the following: {available}.")
        if op not in _OPERATIONS:
            raise BadRequest(f"Invalid operation: `{op}`. It must be one of the following: "
                             f"{available}.")
        if "path" not in raw:
            raise BadRequest("Unable to find 'path' in JSON Schema change")
        return op, raw["path"]
    found = [key for key in _OPERATIONS if key in raw]
    if len(found) != 1:
        quantity = "only one" if found else "exactly one"
        raise BadRequest(f"Operation objects must contain {quantity} member named \"add\", "
                         "\"remove\", or \"replace\".")
    return found[0], raw[found[0]]


def _decode_pointer(pointer: object) -> list[str]:
    """_decode_json_pointer and the limited pointers _validate_json_pointer accepts."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise BadRequest(f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"/\s*?/", pointer[1:]):
        raise BadRequest(f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise BadRequest(f'Pointer `{pointer}` end with "/".')
    if pointer[1:].strip() == "/":
        raise BadRequest(f"Pointer `{pointer}` does not contains valid token.")
    if re.search("~[^01]", pointer) or pointer.endswith("~"):
        raise BadRequest(f'Pointer `{pointer}` contains "~" not part of a recognized escape '
                         "sequence.")
    return [part.replace("~1", "/").replace("~0", "~").strip()
            for part in pointer.lstrip("/").split("/")]


def _check(op: str, path: list[str], value: Any) -> None:
    """_validate_change: read-only and reserved attributes, and the value's type."""
    root = path[0]
    if root in _READONLY:
        raise Forbidden(f"Attribute '{root}' is read-only.")
    if root in _RESERVED or root.startswith("os_glance"):
        raise Forbidden(f"Attribute '{root}' is reserved.")
    if op == "remove":
        return
    if len(path) == 1:
        schemas.validate({root: value})
    elif root in _ARRAYS:
        schemas.validate({root: [value]})


def parse_changes(media_type: str) -> list[Change]:
    """The request's changes, in order; the whole body is checked before any is applied."""
    if media_type not in MEDIA_TYPES:
        allowed = ", ".join(sorted(MEDIA_TYPES))
        raise MediaTypeRefused(f"Image PATCH expects Content-Type one of: {allowed}",
                               {"Accept-Patch": allowed})
    draft = MEDIA_TYPES[media_type]
    body = json_body()
    if body is NO_BODY:
        raise BadRequest("Body expected in request.")
    if not isinstance(body, list):
        raise BadRequest("Request body must be a JSON array of operation objects.")
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise BadRequest("Operations must be JSON objects.")
        op, pointer = _operation(raw, draft)
        path = _decode_pointer(pointer)
        if len(path) != _DEPTHS.get(path[0], {}).get(op, 1):
            raise BadRequest(f"Invalid JSON pointer for this resource: '/{'/'.join(path)}'")
        if op != "remove" and "value" not in raw:
            raise BadRequest(f'Operation "{op}" requires a member named "value".')
        value = raw.get("value")
        _check(op, path, value)
        changes.append(Change(op, path[0], value, rest=tuple(path[1:]), draft=draft))
    return changes
