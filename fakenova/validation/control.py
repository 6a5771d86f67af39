"""The fake's own documents (fixture files, fault rules) against their schemas in
``schemas/control``. The schema catalog is imported on the first check, not with the
harness: a cloud built from the shipped files, with no fault rule, checks nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jsonschema import ValidationError


def first_error(key: str, document: object) -> ValidationError | None:
    """The first way ``document`` breaks the control schema ``key``; None if it keeps it."""
    from fakenova.validation.catalog import DRAFT4, catalog

    return catalog().entry("control", key).first_error(document, DRAFT4)
