"""Listing Glance images: which the caller sees, the filters, the sort and the page
(``ImagesController.index`` over ``glance.db.sqlalchemy.api.image_get_all``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import BadRequest, Forbidden
from .images import is_visible, not_authorized
from .model import Context, Image
from .policy import allows
from .store import State, locked

DEFAULT_LIMIT = 25  # CONF.limit_param_default
MAX_LIMIT = 1000  # CONF.api_limit_max
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at",
             "updated_at")
_OPERATOR_FIELDS = ("name", "id", "status", "container_format", "disk_format")
_TIME_FIELDS = ("created_at", "updated_at")
_NUMBER_FIELDS = ("size", "virtual_size", "min_disk", "min_ram")
_COLUMNS = frozenset({"owner", "checksum", "os_hash_value", "os_hash_algo", "min_disk",
                      "min_ram", "virtual_size", "size", "protected", "visibility"})


@dataclass(frozen=True)
class ImageQuery:
    """A list request as Glance's deserializer leaves it."""

    filters: Mapping[str, str] = field(default_factory=dict)  # every other parameter
    tags: tuple[str, ...] = ()
    member_status: str = "accepted"
    marker: str | None = None
    limit: int | None = None
    sort: tuple[tuple[str, str], ...] = (("created_at", "desc"),)


def _column(image: Image, key: str) -> Any:
    return getattr(image, key)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"  # what a boolean column compares equal to
    return str(value)


def _quoted_values(text: str) -> list[str]:
    """``in:a,"b,c"`` as split_filter_value_for_quotes splits it."""
    values, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            values.append(current)
            current = ""
        else:
            current += char
    values.append(current)
    return values


def _parse_time(key: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f'Bad "{key}" query filter format. Use ISO 8601 DateTime '
                         "notation.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _split_operator(expression: str) -> tuple[str, str]:
    """utils.split_filter_op: ``op:value``, or ``eq`` (an ISO time keeps its colons)."""
    left, sep, right = expression.partition(":")
    if not sep:
        return "eq", left
    try:
        datetime.fromisoformat(expression.replace("Z", "+00:00"))
    except ValueError:
        return left, right
    return "eq", expression


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "neq": lambda a, b: a != b, "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}


def _condition(key: str, value: str) -> Callable[[Image], bool]:
    """One filter of _make_conditions_from_filters."""
    if key.endswith(("_min", "_max")) and key[:-4] in _NUMBER_FIELDS:
        try:
            bound = int(value)
        except ValueError:
            raise BadRequest("Unable to filter on a range with a non-numeric value.") from None
        column = key[:-4]
        if key.endswith("_min"):
            return lambda i: _column(i, column) is not None and _column(i, column) >= bound
        return lambda i: _column(i, column) is not None and _column(i, column) <= bound
    if key in _TIME_FIELDS:
        operator, text = _split_operator(value)
        threshold = _parse_time(key, text)
        if operator not in _COMPARE:
            raise BadRequest("Unable to filter on a unknown operator.")
        compare = _COMPARE[operator]
        return lambda i: compare(_parse_time(key, _column(i, key)), threshold)
    if key in _OPERATOR_FIELDS:
        operator, text = _split_operator(value)
        if operator == "in":
            allowed = set(_quoted_values(text))
            return lambda i: _column(i, key) in allowed
        if operator != "eq":
            raise BadRequest(f"Unable to filter by unknown operator '{operator}'.")
        return lambda i: _column(i, key) == text
    if key in _COLUMNS:
        return lambda i: _text(_column(i, key)) == value
    return lambda i: key in i.properties and _text(i.properties[key]) == value


def _sorted(images: list[Image], sort: tuple[tuple[str, str], ...]) -> list[Image]:
    """By the sort keys, then created_at and id (desc unless given); NULL sorts lowest."""
    keys = list(sort)
    for extra in ("created_at", "id"):
        if extra not in [key for key, _ in keys]:
            keys.append((extra, "desc"))
    result = list(images)
    for key, direction in reversed(keys):
        def value(image: Image, key: str = key) -> tuple[bool, Any]:
            found = _column(image, key)
            return (found is not None, found if found is not None else 0)
        result.sort(key=value, reverse=direction == "desc")
    return result


def _candidates(state: State, ctx: Context, filters: Mapping[str, str]) -> list[Image]:
    visibility = filters.get("visibility")
    found = [i for i in state.images.values() if is_visible(ctx, i)]
    if visibility is None:
        # no community images, unless an owner filter names theirs
        owner = filters.get("owner")
        found = [i for i in found if i.visibility != "community"
                 or (owner is not None and i.owner == owner)]
    elif visibility != "all":
        found = [i for i in found if i.visibility == visibility]
    return found


@locked
def list_images(state: State, ctx: Context, query: ImageQuery) -> tuple[list[Image], str | None]:
    """One page of the images the caller may see, and the next page's marker (or None)."""
    if not allows(ctx, "get_images", ctx.project_id):
        raise not_authorized("get_images")
    filters = dict(query.filters)
    os_hidden = filters.pop("os_hidden", "false").lower()
    if os_hidden not in ("true", "false"):
        raise BadRequest(f"Invalid value '{os_hidden}' for 'os_hidden' filter. Valid values "
                         "are 'true' or 'false'.")
    protected = filters.pop("protected", None)
    if protected is not None and protected not in ("true", "false"):
        raise BadRequest(f"Invalid value '{protected}' for 'protected' filter. Valid values "
                         "are 'true' or 'false'.")
    limit = min(MAX_LIMIT, DEFAULT_LIMIT if query.limit is None else query.limit)
    conditions = [_condition(key, value) for key, value in filters.items()
                  if key != "visibility"]
    images = [i for i in _candidates(state, ctx, filters)
              if i.os_hidden == (os_hidden == "true")
              and (protected is None or i.protected == (protected == "true"))
              and all(tag in i.tags for tag in query.tags)
              and all(condition(i) for condition in conditions)
              and i.status not in ("killed", "deleted")]
    if query.marker is not None:
        marker = state.images.get(query.marker)
        if marker is None:
            raise BadRequest(f"No image found with ID {query.marker}")
        if not is_visible(ctx, marker):
            raise Forbidden(f"Forbidding request, image {query.marker} not visible")
        ordered = _sorted([i for i in images if i is not marker] + [marker], query.sort)
        ordered = ordered[ordered.index(marker) + 1:]
    else:
        ordered = _sorted(images, query.sort)
    page = ordered[:limit]
    next_marker = page[-1].id if page and len(page) == limit else None
    return page, next_marker

