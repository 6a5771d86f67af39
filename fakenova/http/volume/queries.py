"""How Cinder's lists (volumes, snapshots, backups) read their query: pagination, sorting
and the filters a caller may use; and the page they answer."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fakenova.domain.model import Context
from fakenova.errors import BadRequest
from fakenova.microversion import APIVersion, v
from fakenova.strutils import FALSE_STRINGS, TRUE_STRINGS

MAX_LIMIT = 1000  # osapi_max_limit
DB_MAX_INT = 0x7FFFFFFF
# etc/cinder/resource_filters.json: the list filters a non-admin may use.
USER_FILTERS = ("name", "status", "metadata", "bootable", "migration_status",
                "availability_zone", "group_id", "size", "created_at", "updated_at",
                "consumes_quota")
PAGINATION = ("limit", "marker", "offset", "sort", "sort_key", "sort_dir")
Item = TypeVar("Item")
# Sort keys are volume table columns; these are the ones fakenova records.
_SORT_COLUMNS = {"id": "id", "display_name": "name", "display_description": "description",
                 "size": "size", "status": "status", "created_at": "created_at",
                 "updated_at": "updated_at", "availability_zone": "availability_zone",
                 "bootable": "bootable", "multiattach": "multiattach", "user_id": "user_id",
                 "project_id": "project_id", "migration_status": "migration_status"}


def is_true(name: str, value: str | None) -> bool:
    """Cinder's get_bool_param: strict, with its own message."""
    if value is None:
        return False
    if value.lower() not in TRUE_STRINGS + FALSE_STRINGS:
        raise BadRequest(f"Value '{value}' for '{name}' is not a boolean.")
    return value.lower() in TRUE_STRINGS


@dataclass(frozen=True)
class ListQuery:
    limit: int
    limited: bool  # the caller gave a limit
    marker: str | None
    offset: int
    sort: list[tuple[str, str]]
    with_count: bool
    all_tenants: bool
    filters: dict[str, str]  # the resource filters the caller may use (all_tenants apart)


def parse_list_query(args: Mapping[str, str], ctx: Context, version: APIVersion,
                     user_filters: Collection[str] = USER_FILTERS,
                     columns: Mapping[str, str] | None = None) -> ListQuery:
    """get_pagination_params, get_sort_params and the resource's filters, as Cinder's
    volume, snapshot and backup lists read them. Filters a non-admin may not use are
    refused from 3.31 and dropped before; ``all_tenants`` is set apart. ``columns`` renames
    sort keys to columns (a volume's ``name`` is ``display_name``)."""
    try:
        limit = int(args.get("limit", MAX_LIMIT))
    except ValueError as error:
        raise BadRequest("limit param must be an integer") from error
    if limit < 0:
        raise BadRequest("limit param must be positive")
    offset = _integer("offset", args.get("offset", "0"), 0, DB_MAX_INT)
    sort = sort_params(args, columns)
    counted = version >= v("3.45") and "with_count" in args
    filters = {k: val for k, val in args.items()
               if k not in PAGINATION and not (counted and k == "with_count")}
    if not all(key.isascii() for key in filters):
        raise BadRequest("Filter keys can only contain ASCII characters.")
    if not ctx.is_admin:
        refused = [key for key in filters if key not in user_filters and key != "all_tenants"]
        if refused and version >= v("3.31"):
            raise BadRequest(f"Invalid filters {','.join(refused)} are found in query options.")
        filters = {k: val for k, val in filters.items() if k in user_filters}
    return ListQuery(limit=min(limit, MAX_LIMIT), limited="limit" in args,
                     marker=args.get("marker"), offset=offset, sort=sort,
                     with_count=counted and is_true("with_count", args["with_count"]),
                     all_tenants=is_true("all_tenants", filters.pop("all_tenants", None)),
                     filters=filters)


def _integer(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise BadRequest(f"{name} must be an integer") from error
    if value < low:
        raise BadRequest(f"{name} must be >= {low}")
    if value > high:
        raise BadRequest(f"{name} must be <= {high}")
    return value


def sort_params(args: Mapping[str, str], columns: Mapping[str, str] | None = None,
                ) -> list[tuple[str, str]]:
    """(column, direction) pairs, created_at and id appended as upstream's DB layer does;
    ``columns`` renames a sort key to its column (a volume's ``name`` is ``display_name``)."""
    if "sort" in args and ("sort_key" in args or "sort_dir" in args):
        raise BadRequest("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot "
                         "be used with the 'sort' parameter.")
    if "sort" in args:
        pairs = [(key.strip(), (direction or "desc").strip()) for key, _, direction in
                 (item.partition(":") for item in args["sort"].strip().split(","))]
    else:
        pairs = [(args.get("sort_key", "created_at").strip(),
                  args.get("sort_dir", "desc").strip())]
    if any(direction not in ("asc", "desc") for _, direction in pairs):
        raise BadRequest("Invalid input received: Unknown sort direction, must be 'desc' or "
                         "'asc'.")
    pairs = [((columns or {}).get(key, key), direction) for key, direction in pairs]
    keys = [key for key, _ in pairs]
    return pairs + [(key, pairs[0][1]) for key in ("created_at", "id") if key not in keys]


def _sort_value(attribute: str, item: Any) -> tuple[bool, Any]:
    """SQL puts NULL first ascending and last descending."""
    value = getattr(item, attribute)
    return value is not None, value


def paginate(found: Iterable[Item], query: ListQuery, marker: Item | None,
             columns: Mapping[str, str] = _SORT_COLUMNS) -> list[Item]:
    """Sort by the query's keys (``columns`` maps each to the record's attribute), then the
    page after the marker: offset, then limit."""
    if any(key not in columns for key, _ in query.sort):
        raise BadRequest("Invalid input received: Invalid sort key")
    ordered = [item for item in found if marker is None or item is not marker]
    if marker is not None:
        ordered.append(marker)
    for key, direction in reversed(query.sort):
        ordered.sort(key=functools.partial(_sort_value, columns[key]),
                     reverse=direction == "desc")
    start = ordered.index(marker) + 1 if marker is not None else 0
    return ordered[start + query.offset:start + query.offset + query.limit]
