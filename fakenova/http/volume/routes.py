"""Cinder v3: version documents and volumes (parse, validate, one domain call, render).

Every API path exists with and without the project id after ``/v3`` (3.67 made it
optional; upstream routes both at every microversion). What upstream's ``wsgi.Resource``
does around each call is in ``prepare`` and ``add_headers`` below.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import jsonschema
from flask import Blueprint, Request, Response, request
from jsonschema.protocols import Validator
from werkzeug.routing import BaseConverter

from fakenova.domain import volumes
from fakenova.domain.model import Context, Volume, VolumeAttachment
from fakenova.errors import BadRequest, NotAcceptable, NotFound, UnsupportedMediaType
from fakenova.http.bodies import parse_json
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import Exchange, cloud, context, exchange
from fakenova.integers import require_int
from fakenova.microversion import APIVersion, parse_version, v
from fakenova.resources import schemas_dir
from fakenova.validation.loader import is_uuid_like

bp = Blueprint("volume", __name__, url_prefix="/volume")

MIN_VERSION = APIVersion(3, 0)
MAX_VERSION = APIVersion(3, 71)
VERSIONS_UPDATED = "2023-08-31T00:00:00Z"
# Where a created volume lives: one LVM backend of one cinder-volume service.
BACKEND_HOST = "fakenova@lvmdriver-1#lvmdriver-1"
SERVICE_UUID = "2c5e8b1f-7a4d-4e9b-8f3c-6d1a0b9e7c52"
MAX_LIMIT = 1000  # osapi_max_limit
DB_MAX_INT = 0x7FFFFFFF
# etc/cinder/resource_filters.json: the list filters a non-admin may use.
USER_FILTERS = ("name", "status", "metadata", "bootable", "migration_status",
                "availability_zone", "group_id", "size", "created_at", "updated_at",
                "consumes_quota")
_PAGINATION = ("limit", "marker", "offset", "sort", "sort_key", "sort_dir")
# Sort keys are volume table columns; these are the ones fakenova records.
_SORT_COLUMNS = {"id": "id", "display_name": "name", "display_description": "description",
                 "size": "size", "status": "status", "created_at": "created_at",
                 "updated_at": "updated_at", "availability_zone": "availability_zone",
                 "bootable": "bootable", "multiattach": "multiattach", "user_id": "user_id",
                 "project_id": "project_id", "migration_status": "migration_status"}
_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")
_JSON_TYPES = ("application/json", "application/vnd.openstack.volume+json")
_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")
# webob's default explanations, for errors upstream lets through without a message.
_WEBOB_400 = ("The server could not comply with the request since it is either malformed "
              "or otherwise incorrect.")
_NO_BODY: Any = object()

View = TypeVar("View", bound=Callable[..., Response])


class _ProjectIdConverter(BaseConverter):
    """Cinder's default project_id_regex: hex digits and dashes."""

    regex = "[0-9a-f-]+"


bp.record_once(lambda state: state.app.url_map.converters.setdefault(
    "cinder_project_id", _ProjectIdConverter))


def _api_route(rule: str, method: str) -> Callable[[View], View]:
    """Route ``/v3{rule}`` and ``/v3/{project_id}{rule}`` to the view."""

    def register(view: View) -> View:
        for prefix, suffix in (("/v3", ""), ("/v3/<cinder_project_id:project_id>", "_project")):
            bp.add_url_rule(prefix + rule, f"{view.__name__}{suffix}", view, methods=[method],
                            provide_automatic_options=False)
        return view

    return register


# -- what every request goes through (upstream's wsgi.Resource) ------------------------


def _version() -> APIVersion:
    return exchange().volume_version  # type: ignore[return-value]


def negotiate_version(header: str | None, ex: Exchange) -> APIVersion:
    """``OpenStack-API-Version: volume X.Y``; no header means 3.0, ``latest`` the newest."""
    if header is None:
        return MIN_VERSION
    entry = next((e for e in header.split(",") if "volume" in e), None)
    if entry is None:
        raise BadRequest(_WEBOB_400)  # VersionNotFoundForAPIMethod, passed on without text
    parts = entry.split()
    text = parts[1] if len(parts) == 2 else entry.strip()
    # Upstream fails with a 500 on an entry that is not "volume X.Y"; bad input is a 400 here.
    if text == "latest":
        return MAX_VERSION
    if not _VERSION_RE.match(text):
        raise BadRequest(f"API Version String {text} is of invalid format. Must be of format "
                         "MajorNum.MinorNum.")
    version = parse_version(text)
    ex.volume_version = version  # the 406 still names the version asked for
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NotAcceptable(f"Version {version} is not supported by the API. Minimum is "
                            f"{MIN_VERSION} and maximum is {MAX_VERSION}.")
    return version


def _json_body(raw: bytes, req: Request) -> Any:
    """The request's JSON, or _NO_BODY: an empty body or one without Content-Type is none."""
    if not raw or "Content-Type" not in req.headers:
        return _NO_BODY
    if req.mimetype not in _JSON_TYPES:
        raise UnsupportedMediaType("Unsupported Content-Type")
    return parse_json(raw)


def prepare(ex: Exchange, req: Request) -> None:
    """What Cinder's wsgi.Resource does before a request routed to it reaches its view."""
    if req.endpoint in _REDIRECTS:
        return
    ex.cinder_request_id = True
    ex.volume_version = negotiate_version(req.headers.get("OpenStack-API-Version"), ex)
    body = _json_body(ex.body, req)
    # the project id in the URL, taken out before the view is called with the rest
    url_project = (req.view_args or {}).pop("project_id", None)
    if url_project and url_project != context().project_id:
        raise BadRequest("Malformed request url")
    # Upstream passes the body to the controller method as an argument: an unexpected one
    # is a TypeError (400), a missing one a KeyError (a 500 upstream; bad input is a 400 here).
    if req.method in ("POST", "PUT") and body is _NO_BODY:
        raise BadRequest("Missing required element 'volume' in request body.")
    if req.method not in ("POST", "PUT") and body is not _NO_BODY:
        raise BadRequest(_WEBOB_400)
    ex.json_body = body


def add_headers(ex: Exchange, response: Response) -> None:
    """The served version on every Resource answer; x-compute-request-id on most."""
    if ex.volume_version is not None:
        response.headers["OpenStack-API-Version"] = f"volume {ex.volume_version}"
        response.headers["Vary"] = "OpenStack-API-Version"
    if ex.cinder_request_id:
        response.headers["x-compute-request-id"] = ex.request_id


# -- version documents -----------------------------------------------------------------


def render_versions() -> dict[str, Any]:
    return {"versions": [{
        "id": "v3.0", "status": "CURRENT", "version": str(MAX_VERSION),
        "min_version": str(MIN_VERSION), "updated": VERSIONS_UPDATED,
        "links": [{"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": f"{request.host_url}volume/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
    }]}


@bp.get("/", provide_automatic_options=False)
def version_list() -> Response:
    return json_response(render_versions(), 300)


@bp.get("/v3/", provide_automatic_options=False)
def version_v3() -> Response:
    return json_response(render_versions())


def _redirect(location: str) -> Response:
    """What the routes library answers for a path without its trailing slash."""
    return Response(b"", 302, headers={"Location": location},
                    content_type="text/plain; charset=utf8")


@bp.get("", provide_automatic_options=False)
def root_redirect() -> Response:
    return _redirect("/volume/")


@bp.get("/v3", provide_automatic_options=False)
def v3_redirect() -> Response:
    return _redirect("/volume/v3/")


_REDIRECTS = ("volume.root_redirect", "volume.v3_redirect")


# -- request bodies --------------------------------------------------------------------


def _as_number(value: object) -> int | float | None:
    for convert in (int, float):
        try:
            number: int | float = convert(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        return number
    return None


def _bound(keyword: str) -> Callable[..., Any]:
    """Cinder's minimum/maximum also check numbers written as strings (``"10"``)."""
    check = jsonschema.Draft4Validator.VALIDATORS[keyword]

    def validate(validator: Validator, bound: Any, instance: Any, schema: Any) -> Any:
        number = _as_number(instance)
        return None if number is None else check(validator, bound, number, schema)

    return validate


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


_SCHEMA_FILE = re.compile(r"^volumes\.(\w+)\.request\.(\d+\.\d+)-(\d+\.\d+)\.json$")
_CinderValidator = jsonschema.validators.extend(
    jsonschema.Draft4Validator, {"minimum": _bound("minimum"), "maximum": _bound("maximum")})


@functools.cache
def _validators() -> dict[str, list[tuple[APIVersion, APIVersion, Validator]]]:
    """schemas/volume/volumes.{operation}.request.{min}-{max}.json, compiled once."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(is_uuid_like)
    checker.checks("name_non_mandatory_remove_white_spaces")(_length_format("name"))
    checker.checks("description_non_mandatory_remove_white_spaces")(
        _length_format("description"))
    found: dict[str, list[tuple[APIVersion, APIVersion, Validator]]] = {}
    for path in schemas_dir().joinpath("volume").iterdir():
        match = _SCHEMA_FILE.match(path.name)
        if match:
            schema = json.loads(path.read_text(encoding="utf-8"))
            found.setdefault(match[1], []).append((
                APIVersion.parse(match[2]), APIVersion.parse(match[3]),
                _CinderValidator(schema, format_checker=checker)))
    return found


def validated_body(operation: str) -> dict[str, Any]:
    """The body's ``volume`` object, checked against the schema of the request's version."""
    body = exchange().json_body
    for low, high, validator in _validators()[operation]:
        if low <= _version() <= high:
            error = next(iter(validator.iter_errors(body)), None)
            if error is not None:
                raise BadRequest(
                    f"Invalid input for field/attribute {error.path[-1]}. Value: "
                    f"{error.instance}. {error.message}" if error.path else error.message)
    volume: dict[str, Any] = body["volume"]
    for key in ("name", "description", "display_name", "display_description"):
        if isinstance(volume.get(key), str):
            volume[key] = volume[key].strip()
    return volume


# -- list queries ----------------------------------------------------------------------


def _is_true(name: str, value: str | None) -> bool:
    """Cinder's get_bool_param: strict, with its own message."""
    if value is None:
        return False
    if value.lower() not in _TRUE + _FALSE:
        raise BadRequest(f"Value '{value}' for '{name}' is not a boolean.")
    return value.lower() in _TRUE


@dataclass(frozen=True)
class ListQuery:
    limit: int
    marker: str | None
    offset: int
    sort: list[tuple[str, str]]
    with_count: bool
    all_tenants: bool
    name: str | None
    status: str | None


def parse_list_query(args: Mapping[str, str], ctx: Context, version: APIVersion) -> ListQuery:
    """Pagination, sorting and filters as Cinder's volume list reads them.

    Filters a non-admin may not use are refused from 3.31 and dropped before;
    ``all_tenants`` is dropped for non-admins either way.
    """
    try:
        limit = int(args.get("limit", MAX_LIMIT))
    except ValueError as error:
        raise BadRequest("limit param must be an integer") from error
    if limit < 0:
        raise BadRequest("limit param must be positive")
    offset = _integer("offset", args.get("offset", "0"), 0, DB_MAX_INT)
    sort = _sort_params(args)
    counted = version >= v("3.45") and "with_count" in args
    filters = {k: val for k, val in args.items()
               if k not in _PAGINATION and not (counted and k == "with_count")}
    if not all(key.isascii() for key in filters):
        raise BadRequest("Filter keys can only contain ASCII characters.")
    if not ctx.is_admin:
        refused = [key for key in filters if key not in USER_FILTERS and key != "all_tenants"]
        if refused and version >= v("3.31"):
            raise BadRequest(f"Invalid filters {','.join(refused)} are found in query options.")
        filters = {k: val for k, val in filters.items() if k in USER_FILTERS}
    return ListQuery(limit=min(limit, MAX_LIMIT), marker=args.get("marker"), offset=offset,
                     sort=sort, with_count=counted and _is_true("with_count",
                                                                args["with_count"]),
                     all_tenants=_is_true("all_tenants", filters.get("all_tenants")),
                     name=filters.get("name"), status=filters.get("status"))


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


def _sort_params(args: Mapping[str, str]) -> list[tuple[str, str]]:
    """(column, direction) pairs, created_at and id appended as upstream's DB layer does."""
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
    pairs = [("display_name" if key == "name" else key, direction) for key, direction in pairs]
    keys = [key for key, _ in pairs]
    return pairs + [(key, pairs[0][1]) for key in ("created_at", "id") if key not in keys]


def _sort_value(attribute: str, volume: Volume) -> tuple[bool, Any]:
    """SQL puts NULL first ascending and last descending."""
    value = getattr(volume, attribute)
    return value is not None, value


def paginate(found: Iterable[Volume], query: ListQuery, marker: Volume | None) -> list[Volume]:
    """Sort, then the page after the marker: offset, then limit."""
    if any(key not in _SORT_COLUMNS for key, _ in query.sort):
        raise BadRequest("Invalid input received: Invalid sort key")
    ordered = [volume for volume in found if marker is None or volume.id != marker.id]
    if marker is not None:
        ordered.append(marker)
    for key, direction in reversed(query.sort):
        ordered.sort(key=functools.partial(_sort_value, _SORT_COLUMNS[key]),
                     reverse=direction == "desc")
    start = ordered.index(marker) + 1 if marker is not None else 0
    return ordered[start + query.offset:start + query.offset + query.limit]


# -- views -----------------------------------------------------------------------------


def _list(detail: bool) -> Response:
    ctx = context()
    query = parse_list_query(request.args.to_dict(), ctx, _version())
    found = volumes.list_volumes(cloud().state, ctx, all_projects=query.all_tenants,
                                 name=query.name, status=query.status)
    marker = (volumes.get_volume(cloud().state, ctx, query.marker) if query.marker is not None
              else None)
    page = paginate(found, query, marker)
    count = len(found) if query.with_count else None
    if detail:
        items = [render_volume(vol, ctx, _version(), extended=True) for vol in page]
    else:
        items = [{"id": vol.id, "name": vol.name, "links": _links(vol.id, ctx)} for vol in page]
    body: dict[str, Any] = {"volumes": items}
    if page and query.limit <= (count or len(page)):
        body["volumes_links"] = [_next_link(page[-1].id, ctx, detail)]
    if count is not None:
        body["count"] = count
    return json_response(body)


@_api_route("/volumes", "GET")
def index() -> Response:
    """Volumes with id, name and links only."""
    return _list(detail=False)


@_api_route("/volumes/detail", "GET")
def detail() -> Response:
    return _list(detail=True)


@_api_route("/volumes/<volume_id>", "GET")
def show(volume_id: str) -> Response:
    volume = volumes.get_volume(cloud().state, context(), volume_id)
    return json_response({"volume": render_volume(volume, context(), _version(),
                                                  extended=True)})


# Resources a create request may name that fakenova never has, and upstream's 404 text.
_ABSENT_SOURCES = {"snapshot_id": "Snapshot {} could not be found.",
                   "consistencygroup_id": "Group {} could not be found.",
                   "group_id": "Group {} could not be found."}


@_api_route("/volumes", "POST")
def create() -> Response:
    """Create a volume: 202 with the volume as it is now (``creating`` until the clock moves)."""
    volume = validated_body("create")
    ctx = context()
    for key, message in _ABSENT_SOURCES.items():
        if volume.get(key) is not None:
            raise NotFound(message.format(volume[key]))
    if volume.get("backup_id"):
        raise NotFound(f"Backup {volume['backup_id']} could not be found.")
    size = volume.get("size")
    if volume.get("source_volid") is not None:
        source = volumes.get_volume(cloud().state, ctx, volume["source_volid"])
        size = size or source.size
        if require_int(size, "size") < source.size:
            raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be smaller "
                             f"than original volume size  {source.size}GB. They must be >= "
                             "original volume size.")
    if _is_true("multiattach", str(volume.get("multiattach", False))):
        raise BadRequest("multiattach parameter has been removed. The default behavior is to "
                         "use multiattach enabled volume types. Contact your administrator to "
                         "create a multiattach enabled volume type and use it to create "
                         "multiattach volumes.")
    if size is None:
        raise BadRequest("Invalid input received: Volume size 'None' must be an integer and "
                         "greater than 0")
    created = volumes.create_volume(
        cloud().state, ctx, require_int(size, "size"),
        name=volume.get("name", volume.get("display_name")),
        description=volume.get("description", volume.get("display_description")),
        volume_type=volume.get("volume_type"),
        image_ref=volume.get("image_id", volume.get("imageRef")),
        metadata=volume.get("metadata"),
        availability_zone=volume.get("availability_zone"))
    return json_response({"volume": render_volume(created, ctx, _version())}, 202)


@_api_route("/volumes/<volume_id>", "PUT")
def update(volume_id: str) -> Response:
    """Change name, description or metadata (metadata is replaced as a whole)."""
    changes = validated_body("update")
    updated = volumes.update_volume(
        cloud().state, context(), volume_id,
        name=changes.get("name", changes.get("display_name")),
        description=changes.get("description", changes.get("display_description")),
        metadata=changes.get("metadata"))
    return json_response({"volume": render_volume(updated, context(), _version())})


@_api_route("/volumes/<volume_id>", "DELETE")
def delete(volume_id: str) -> Response:
    """202 with webob's empty text/html answer; the volume is deleting, then gone."""
    volumes.delete_volume(cloud().state, context(), volume_id)
    exchange().cinder_request_id = False  # a plain webob.Response skips Cinder's request-id header
    return Response(b"", 202, content_type="text/html; charset=UTF-8")


# -- renderers -------------------------------------------------------------------------


def _project_in_url(ctx: Context) -> str:
    """Links carry the caller's project id when the request URL did."""
    return ctx.project_id if f"/v3/{ctx.project_id}" in request.url else ""


def _links(volume_id: str, ctx: Context) -> list[dict[str, str]]:
    path = "/".join(p for p in (_project_in_url(ctx), "volumes", volume_id) if p)
    return [{"rel": "self", "href": f"{request.host_url}volume/v3/{path}"},
            {"rel": "bookmark", "href": f"{request.host_url}volume/{path}"}]


def _next_link(last_id: str, ctx: Context, detail: bool) -> dict[str, str]:
    params = [(k, val) for k, val in request.args.items(multi=True) if k != "marker"]
    collection = "volumes/detail" if detail else "volumes"
    path = "/".join(p for p in (_project_in_url(ctx), collection) if p)
    query = urlencode([*params, ("marker", last_id)])
    return {"rel": "next", "href": f"{request.host_url}volume/v3/{path}?{query}"}


def render_attachment(attachment: VolumeAttachment, ctx: Context) -> dict[str, Any]:
    """One entry of ``attachments``; the compute host only for admins (and services)."""
    sees_host = ctx.is_admin or "service" in ctx.roles
    return {"id": attachment.volume_id, "attachment_id": attachment.id,
            "volume_id": attachment.volume_id, "server_id": attachment.server_id,
            "host_name": attachment.host_name if sees_host else None,
            "device": attachment.device, "attached_at": attachment.attached_at}


def render_volume(volume: Volume, ctx: Context, version: APIVersion,
                  extended: bool = False) -> dict[str, Any]:
    """Cinder's v3 volume view at ``version``; ``extended`` adds what the os-vol-*
    extensions add to show and detail (not to create and update answers)."""
    placed = volume.status != "creating"  # the volume service has created it
    item: dict[str, Any] = {
        "id": volume.id, "status": volume.status, "size": volume.size,
        "availability_zone": volume.availability_zone, "created_at": volume.created_at,
        "updated_at": volume.updated_at, "name": volume.name,
        "description": volume.description, "volume_type": volume.volume_type,
        "snapshot_id": None, "source_volid": None, "metadata": dict(volume.metadata),
        "links": _links(volume.id, ctx), "user_id": volume.user_id,
        "bootable": str(volume.bootable).lower(), "encrypted": False,
        "replication_status": "disabled", "consistencygroup_id": None,
        "multiattach": volume.multiattach,
        "attachments": [render_attachment(a, ctx) for a in volume.attachments
                        if a.status == "attached"],
    }
    if ctx.is_admin:
        item["migration_status"] = volume.migration_status
    if version >= v("3.13"):
        item["group_id"] = None
    if ctx.is_admin and version >= v("3.21"):
        item["provider_id"] = None
    if version >= v("3.48"):
        item["shared_targets"] = not placed  # the table's default until LVM says False
        item["service_uuid"] = SERVICE_UUID if placed else None
    if ctx.is_admin and version >= v("3.61"):
        item["cluster_name"] = None
    if version >= v("3.63"):
        item["volume_type_id"] = volumes.VOLUME_TYPES.get(volume.volume_type)
    if version >= v("3.65"):
        item["consumes_quota"] = True
    if extended:
        item["os-vol-tenant-attr:tenant_id"] = volume.project_id
        if ctx.is_admin:
            item["os-vol-host-attr:host"] = BACKEND_HOST if placed else None
            item["os-vol-mig-status-attr:migstat"] = volume.migration_status
            item["os-vol-mig-status-attr:name_id"] = None
    return item
