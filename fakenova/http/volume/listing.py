"""What Cinder's snapshot and backup APIs share (their list queries are the volumes',
``queries``): their next links, action bodies
(wsgi.Resource's action dispatch) and schema checks of whole bodies."""

from __future__ import annotations

import ast
import base64
import binascii
import functools
from collections.abc import Collection
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import request

from fakenova.domain.ids import is_uuid_like
from fakenova.domain.model import Context
from fakenova.errors import BadRequest
from fakenova.http.exchange import exchange
from fakenova.http.volume import queries
from fakenova.http.volume.pipeline import request_version
from fakenova.http.volume.schemas import SERVICE, validator_class
from fakenova.validation.catalog import Dialect, catalog

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.protocols import Validator

def list_body(collection: str, items: list[dict[str, Any]], page: list[Any],
              query: queries.ListQuery, total: int, ctx: Context, detail: bool) -> dict[str, Any]:
    """``{collection: items}``, the next link when the page is full, and the count."""
    body: dict[str, Any] = {collection: items}
    count = total if query.with_count else None
    if page and query.limit <= (count or len(page)):
        params = [(k, val) for k, val in request.args.items(multi=True) if k != "marker"]
        in_url = ctx.project_id if f"/v3/{ctx.project_id}" in request.url else ""
        path = "/".join(p for p in (in_url, collection + ("/detail" if detail else "")) if p)
        body[f"{collection}_links"] = [{
            "rel": "next", "href": f"{request.host_url}volume/v3/{path}?"
                                   f"{urlencode([*params, ('marker', page[-1].id)])}"}]
    if count is not None:
        body["count"] = count
    return body


def literal(text: str) -> object:
    """The snapshot list's metadata filter: a Python literal, else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def action_name(body: object, actions: Collection[str]) -> str:
    """wsgi.action_peek and the dispatch: exactly one key, naming an action served here."""
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("Malformed request body")
    name = next(iter(body))
    if name not in actions:
        raise BadRequest(f"There is no such action: {name}. Verify the request body and "
                         "Content-Type header and try again.")
    return str(name)


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
    checker.checks("snapshot_status")(_status_format("Snapshot", _SNAPSHOT_STATUSES))
    checker.checks("backup_status")(_status_format("Backup", _BACKUP_STATUSES))
    checker.checks("progress")(_progress)
    checker.checks("base64")(_base64)
    return checker


def _validator(schema: dict[str, Any]) -> Validator:
    return validator_class()(schema, format_checker=_format_checker())


BODIES = Dialect(_validator)  # schemas/volume/ snapshot, backup and manage bodies


def validated(key: str) -> dict[str, Any]:
    """The whole body, checked against ``schemas/volume/<key>`` at the request's version
    (a key with no schema there accepts anything, as an unvalidated method does)."""
    body = exchange().json_body
    entry = catalog().find(SERVICE, key, request_version())
    error = entry.first_error(body, BODIES) if entry is not None else None
    if error is not None:
        raise BadRequest(
            f"Invalid input for field/attribute {error.path[-1]}. Value: "
            f"{error.instance}. {error.message}" if error.path else error.message)
    if not isinstance(body, dict):
        raise BadRequest("Malformed request body")
    return body
