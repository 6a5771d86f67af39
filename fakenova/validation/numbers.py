"""Validators whose ``minimum`` and ``maximum`` also judge numbers written as strings
(``"10"``), as Nova's and Cinder's ``_SchemaValidator`` do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


def _number(instance: object) -> int | float | None:
    for kind in (int, float):
        try:
            return kind(instance)  # type: ignore[call-overload, no-any-return]
        except (TypeError, ValueError):
            continue
    return None


def _bound(original: Callable[..., Iterator[Any] | None]) -> Callable[..., Iterator[Any]]:
    def check(validator: Validator, bound: Any, instance: Any, schema: Any) -> Iterator[Any]:
        number = _number(instance)
        if number is not None:
            yield from original(validator, bound, number, schema) or ()
    return check


def with_string_bounds(base: type[Validator]) -> type[Validator]:
    """``base`` with bounds that read a string holding a number as that number."""
    import jsonschema

    extended: type[Validator] = jsonschema.validators.extend(base, {
        "minimum": _bound(base.VALIDATORS["minimum"]),
        "maximum": _bound(base.VALIDATORS["maximum"])})
    return extended
