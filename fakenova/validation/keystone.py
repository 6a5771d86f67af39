"""Keystone's schema check of a token request (``schemas/identity/token_issue.json``), with
Keystone's message shape. No flask imports: the web layer passes the ``auth`` object in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakenova.errors import BadRequest
from fakenova.validation.catalog import DRAFT4_COMPILED, catalog

if TYPE_CHECKING:
    import jsonschema


def _message(error: jsonschema.ValidationError) -> str:
    if not error.path:
        return error.message
    return f"Invalid input for field '{'/'.join(map(str, error.path))}': {error.message}"


def validate_token_request(auth: object) -> None:
    """Keystone's schema check of the ``auth`` object of a token request."""
    error = catalog().entry("identity", "token_issue").first_error(auth, DRAFT4_COMPILED)
    if error is not None:
        raise BadRequest(_message(error))
