"""Glance's image schema (``schemas/image/image.json``: ``images.get_schema`` with devstack's
``schema-image.json`` properties): what ``/v2/schemas/image`` and ``/v2/schemas/images``
serve, and what create, PATCH and tags are checked against, as ``glance.schema.Schema``
checks them (``jsonschema.validate``, its best error in full)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from fakenova.errors import BadRequest
from fakenova.validation.catalog import catalog

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

SERVICE = "image"


def image_schema() -> dict[str, Any]:
    return catalog().schema(SERVICE, "image")


def images_schema() -> dict[str, Any]:
    """glance.schema.CollectionSchema('images', ...).raw()."""
    return {
        "name": "images",
        "properties": {"images": {"type": "array", "items": image_schema()},
                       "first": {"type": "string"}, "next": {"type": "string"},
                       "schema": {"type": "string"}},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }


@functools.cache
def _validator() -> Validator:
    import jsonschema

    schema = image_schema()
    return jsonschema.validators.validator_for(schema)(schema)  # type: ignore[no-any-return]


def validate(instance: object) -> None:
    """Raise Glance's 400 (InvalidObject) unless the image schema accepts ``instance``."""
    import jsonschema

    try:
        error = jsonschema.exceptions.best_match(_validator().iter_errors(instance))
        reason = None if error is None else str(error)
    except RecursionError:  # jsonschema's report of a value nested past Python's limit
        reason = "the value is nested too deeply"
    if reason is not None:
        raise BadRequest(f"Provided object does not match schema 'image': {reason}")
