"""Nova's checks of requests and answers against its schemas, with upstream's messages.

Messages are built the way Nova's ``nova.api.validation`` builds them, from the first
error jsonschema's ``iter_errors`` yields (not ``best_match``), so that a client sees
upstream's exact 400 texts. ``Validators`` checks the volume-attachment API (the schemas
generated from ``schemas/sources/compute/parameters.yaml``) through the one loader,
``fakenova.validation.catalog``. No flask imports: the web layer passes plain data in.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from fakenova.domain.ids import is_uuid_like
from fakenova.errors import BadRequest
from fakenova.microversion import APIVersion
from fakenova.validation.catalog import Catalog, Dialect, Entry, catalog

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.protocols import Validator

SERVICE = "compute"
ATTACHMENTS = "volume_attachments."  # the keys Validators answers for

Schema = dict[str, Any]




def _check_uuid_format(instance: object) -> bool:
    # A non-string is the "type" keyword's business, as in upstream's format checker.
    if not isinstance(instance, str):
        return True
    return is_uuid_like(instance)


@functools.cache
def format_checker() -> jsonschema.FormatChecker:
    """Only uuid is checked (as oslo does); other formats pass, as in upstream's checker."""
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(_check_uuid_format)
    return checker


def _validator(schema: Schema) -> Validator:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    return cls(schema, format_checker=format_checker())


# The attachment schemas: draft-04, uuid checked as oslo does, compiled to accept quickly.
NOVA = Dialect(_validator, fast_formats={"uuid": _check_uuid_format})


def body_message(error: jsonschema.ValidationError) -> str:
    """Nova's text for a refused request body."""
    if not error.path:
        return error.message
    return (
        f"Invalid input for field/attribute {error.path[-1]}. "
        f"Value: {error.instance}. {error.message}"
    )


def query_message(error: jsonschema.ValidationError) -> str:
    """Nova's text for a refused query string (name -> list of values)."""
    # The path is (parameter name, index in its list of values): name it, not the index.
    if not error.path:
        return error.message
    return (
        f"Invalid input for query parameters {error.path[0]}. "
        f"Value: {error.instance}. {error.message}"
    )


class Validators:
    """The volume-attachment API's schemas, each read and compiled once, on first use.

    ``operation`` names look like ``"volume_attachments.create"``; see ``operations``.
    """

    def __init__(self, root: Traversable | None = None) -> None:
        self._catalog = Catalog(root) if root is not None else catalog()

    @functools.cached_property
    def operations(self) -> frozenset[str]:
        keys = self._catalog.keys(SERVICE)
        return frozenset(key.rsplit(".", 1)[0] for key in keys if key.startswith(ATTACHMENTS))

    def _entry(self, operation: str, kind: str, version: APIVersion) -> Entry | None:
        if operation not in self.operations:
            raise KeyError(f"unknown operation {operation!r}")
        return self._catalog.find(SERVICE, f"{operation}.{kind}", version)

    def validate_body(self, operation: str, version: APIVersion, body: object) -> None:
        """Raise BadRequest with Nova's message if ``body`` (None when empty) is invalid."""
        entry = self._entry(operation, "request", version)
        if entry is None:
            return
        error = entry.first_error(body, NOVA)
        if error is not None:
            raise BadRequest(body_message(error))

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
        error = entry.first_error(kept, NOVA)
        if error is not None:
            raise BadRequest(query_message(error))
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
        error = next(iter(entry.validator(NOVA).iter_errors(body)), None)
        if error is not None:
            raise error


@functools.cache
def default_validators() -> Validators:
    """The packaged schemas, loaded on first use and shared afterwards."""
    return Validators()
