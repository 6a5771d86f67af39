"""``/v2/images``: list, show, create, update (JSON patch) and delete, and the schemas
clients fetch (``glance.api.v2.images``: its ``RequestDeserializer`` here, the controller in
``fakenova.domain.images``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from fakenova.domain import image_listing, images
from fakenova.errors import BadRequest, Forbidden
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context
from fakenova.http.image import patch, schemas
from fakenova.http.image.pipeline import NO_BODY, json_body
from fakenova.http.image.routing import bp
from fakenova.http.image.views import href, render_image
from fakenova.openapi.bindings import Binding, Bindings, envelope

_DISALLOWED = ("direct_url", "self", "file", "schema", "stores")
_BASE = ("checksum", "created_at", "container_format", "disk_format", "min_disk", "min_ram",
         "name", "size", "virtual_size", "status", "owner", "updated_at", "visibility",
         "protected", "os_hidden")
_RESERVED = ("location", "deleted", "deleted_at")
_MEMBER_STATUSES = ("pending", "accepted", "rejected", "all")
_VISIBILITIES = ("community", "public", "private", "shared", "all")


def _pop_all(params: dict[str, list[str]], key: str) -> list[str]:
    return params.pop(key, [])


def _sorting(params: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    """RequestDeserializer._get_sorting_params: ``sort=k:dir,...`` or ``sort_key``/``sort_dir``."""
    def key_of(key: str) -> str:
        if key not in image_listing.SORT_KEYS:
            raise BadRequest(f"Invalid sort key: {key}. It must be one of the following: "
                             f"{', '.join(image_listing.SORT_KEYS)}.")
        return key

    def dir_of(direction: str) -> str:
        if direction not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort direction: {direction}")
        return direction

    keys: list[str] = []
    dirs: list[str] = []
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise BadRequest("Old and new sorting syntax cannot be combined")
        for part in params.pop("sort")[0].strip().split(","):
            key, _, direction = part.partition(":")
            keys.append(key_of(key.strip()))
            dirs.append(dir_of((direction or "desc").strip()))
    else:
        keys = [key_of(key.strip()) for key in _pop_all(params, "sort_key")]
        dirs = [dir_of(direction.strip()) for direction in _pop_all(params, "sort_dir")]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise BadRequest("Number of sort dirs does not match the number of sort keys")
    keys = keys or ["created_at"]
    dirs = dirs or ["desc"]
    if len(dirs) == 1:
        dirs = dirs * len(keys)
    return tuple(zip(keys, dirs, strict=False))


def _limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        raise BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise BadRequest("limit param must be positive")
    return limit


def parse_list_query(args: dict[str, list[str]]) -> image_listing.ImageQuery:
    """RequestDeserializer.index: a parameter it does not know is a filter."""
    params = {key: list(values) for key, values in args.items()}
    limit = params.pop("limit", [None])[0]
    marker = params.pop("marker", [None])[0]
    member_status = params.pop("member_status", ["accepted"])[0]
    tags = tuple(tag.strip() for tag in _pop_all(params, "tag"))
    visibility = params.get("visibility", [""])[-1]
    if visibility and visibility not in _VISIBILITIES:
        raise BadRequest(f"Invalid visibility value: {visibility}")
    if params.get("changes-since", [""])[-1]:
        raise BadRequest('The "changes-since" filter is no longer available on v2.')
    if member_status not in _MEMBER_STATUSES:
        raise BadRequest(f"Invalid status: {member_status}")
    sort = _sorting(params)
    return image_listing.ImageQuery(
        filters={key: values[-1] for key, values in params.items() if values},
        tags=tags, member_status=member_status, marker=marker,
        limit=None if limit is None else _limit(limit), sort=sort)


@bp.get("/v2/images")
def index() -> Response:
    args = request.args.to_dict(flat=False)
    query = parse_list_query(args)
    page, next_marker = image_listing.list_images(cloud().state, context(), query)
    params = {key: values[-1] for key, values in args.items() if key != "marker"}
    body: dict[str, Any] = {"images": [render_image(image) for image in page],
                            "first": "/v2/images", "schema": "/v2/schemas/images"}
    if params:
        body["first"] = f"/v2/images?{urlencode(params)}"
    if next_marker is not None:
        body["next"] = f"/v2/images?{urlencode({**params, 'marker': next_marker})}"
    return json_response(body)


@bp.get("/v2/images/<image_id>")
def show(image_id: str) -> Response:
    return json_response(render_image(images.get_image(cloud().state, context(), image_id)))


def _create_request() -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """RequestDeserializer.create: the image's fields, its extra properties and its tags."""
    body = json_body()
    if body is NO_BODY:
        raise BadRequest("Body expected in request.")
    for key in _DISALLOWED:
        if key in body:
            raise Forbidden(f"Attribute '{key}' is read-only.")
    schemas.validate(body)
    if not isinstance(body, dict):
        raise BadRequest("Body expected in request.")  # upstream fails on a list with a 500
    properties = dict(body)
    tags = properties.pop("tags", [])
    fields = {key: properties.pop(key) for key in ("id", *_BASE) if key in properties}
    for key in properties:
        if len(key) > 255:
            raise BadRequest("Custom property should not be greater than 255 characters.")
        if key in _RESERVED or key.startswith("os_glance"):
            raise Forbidden(f"Attribute '{key}' is reserved.")
    return fields, properties, tags


@bp.post("/v2/images")
def create() -> Response:
    fields, properties, tags = _create_request()
    image_id = fields.pop("id", None)
    name = fields.pop("name", None)
    image = images.create_image(cloud().state, context(), name, properties,
                                image_id=image_id, tags=tags, **fields)
    return json_response(render_image(image), 201,
                         headers={"Location": f"{request.host_url}{href(image.id)[1:]}"})


@bp.patch("/v2/images/<image_id>")
def update(image_id: str) -> Response:
    changes = patch.parse_changes(request.mimetype)
    image = images.update_image(cloud().state, context(), image_id, changes)
    return json_response(render_image(image))


@bp.delete("/v2/images/<image_id>")
def delete(image_id: str) -> Response:
    images.delete_image(cloud().state, context(), image_id)
    return Response(b"", 204, content_type="text/html; charset=UTF-8")


@bp.get("/v2/schemas/image")
def image_schema() -> Response:
    return json_response(schemas.image_schema())


@bp.get("/v2/schemas/images")
def images_schema() -> Response:
    return json_response(schemas.images_schema())


_PATH = "/image/v2/images"
_READ = (400, 401, 403, 404)
_WRITE = (*_READ, 409, 413, 415)
_LIST_PARAMS = ("limit", "marker", "name", "visibility", "status", "owner", "member_status",
                "tag", "os_hidden", "protected", "sort_key", "sort_dir", "sort")
BINDINGS = Bindings("images", {
    f"GET {_PATH}": Binding(200, envelope("images", True), params=_LIST_PARAMS, errors=_READ),
    f"POST {_PATH}": Binding(201, {"type": "object"}, errors=_WRITE, headers=("Location",)),
    f"GET {_PATH}/{{image_id}}": Binding(200, {"type": "object"}, errors=_READ),
    f"PATCH {_PATH}/{{image_id}}": Binding(200, {"type": "object"}, errors=_WRITE),
    f"DELETE {_PATH}/{{image_id}}": Binding(204, errors=_READ),
    "GET /image/v2/schemas/image": Binding(200, {"type": "object"}, errors=_READ),
    "GET /image/v2/schemas/images": Binding(200, {"type": "object"}, errors=_READ),
})
