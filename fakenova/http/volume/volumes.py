"""``/volumes``: list, detail, show, create, update and delete (parse, validate, one domain
call, render)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from fakenova.domain import snapshots, volumes
from fakenova.errors import BadRequest, NotFound
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.http.volume import queries
from fakenova.http.volume.pipeline import request_version
from fakenova.http.volume.routing import api_route
from fakenova.http.volume.schemas import validated_body
from fakenova.http.volume.views import links, next_link, render_volume
from fakenova.openapi.bindings import READ, WRITE, Binding, Bindings, envelope
from fakenova.strutils import require_int


def _list(detail: bool) -> Response:
    ctx = context()
    query = queries.parse_list_query(request.args.to_dict(), ctx, request_version(),
                                     columns={"name": "display_name"})
    found = volumes.list_volumes(cloud().state, ctx, all_projects=query.all_tenants,
                                 name=query.filters.get("name"),
                                 status=query.filters.get("status"))
    marker = (volumes.get_volume(cloud().state, ctx, query.marker) if query.marker is not None
              else None)
    page = queries.paginate(found, query, marker)
    count = len(found) if query.with_count else None
    if detail:
        items = [render_volume(vol, ctx, request_version(), extended=True) for vol in page]
    else:
        items = [{"id": vol.id, "name": vol.name, "links": links(vol.id, ctx)} for vol in page]
    body: dict[str, Any] = {"volumes": items}
    if page and query.limit <= (count or len(page)):
        body["volumes_links"] = [next_link(page[-1].id, ctx, detail)]
    if count is not None:
        body["count"] = count
    return json_response(body)


@api_route("/volumes", "GET")
def index() -> Response:
    """Volumes with id, name and links only."""
    return _list(detail=False)


@api_route("/volumes/detail", "GET")
def detail() -> Response:
    return _list(detail=True)


@api_route("/volumes/<volume_id>", "GET")
def show(volume_id: str) -> Response:
    volume = volumes.get_volume(cloud().state, context(), volume_id)
    return json_response({"volume": render_volume(volume, context(), request_version(),
                                                  extended=True)})


# Resources a create request may name that fakenova never has, and upstream's 404 text.
_ABSENT_SOURCES = {"consistencygroup_id": "Group {} could not be found.",
                   "group_id": "Group {} could not be found."}


@api_route("/volumes", "POST")
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
    if queries.is_true("multiattach", str(volume.get("multiattach", False))):
        raise BadRequest("multiattach parameter has been removed. The default behavior is to "
                         "use multiattach enabled volume types. Contact your administrator to "
                         "create a multiattach enabled volume type and use it to create "
                         "multiattach volumes.")
    if volume.get("snapshot_id") is not None:
        created = snapshots.create_volume_from_snapshot(
            cloud().state, ctx, volume["snapshot_id"],
            None if size is None else require_int(size, "size"),
            name=volume.get("name", volume.get("display_name")),
            description=volume.get("description", volume.get("display_description")),
            volume_type=volume.get("volume_type"), metadata=volume.get("metadata"),
            availability_zone=volume.get("availability_zone"))
        return json_response({"volume": render_volume(created, ctx, request_version())}, 202)
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
    return json_response({"volume": render_volume(created, ctx, request_version())}, 202)


@api_route("/volumes/<volume_id>", "PUT")
def update(volume_id: str) -> Response:
    """Change name, description or metadata (metadata is replaced as a whole)."""
    changes = validated_body("update")
    updated = volumes.update_volume(
        cloud().state, context(), volume_id,
        name=changes.get("name", changes.get("display_name")),
        description=changes.get("description", changes.get("display_description")),
        metadata=changes.get("metadata"))
    return json_response({"volume": render_volume(updated, context(), request_version())})


@api_route("/volumes/<volume_id>", "DELETE")
def delete(volume_id: str) -> Response:
    """202 with webob's empty text/html answer; the volume is deleting, then gone
    (``cascade``: with its snapshots)."""
    cascade = queries.is_true("cascade", request.args.get("cascade"))
    volumes.delete_volume(cloud().state, context(), volume_id, cascade=cascade)
    exchange().compute_request_id = False  # a plain webob.Response skips Cinder's request-id header
    return Response(b"", 202, content_type="text/html; charset=UTF-8")


_PATH = "/volume/v3/volumes"
_LIST_PARAMS = (*queries.PAGINATION, *queries.USER_FILTERS, "all_tenants", "with_count")
BINDINGS = Bindings("volumes", {
    f"GET {_PATH}": Binding(200, envelope("volumes", True), params=_LIST_PARAMS, errors=READ),
    f"GET {_PATH}/detail": Binding(200, envelope("volumes", True), params=_LIST_PARAMS,
                                   errors=READ),
    f"POST {_PATH}": Binding(202, envelope("volume"), body="volumes.create.request",
                             errors=WRITE),
    f"GET {_PATH}/{{volume_id}}": Binding(200, envelope("volume"), errors=READ),
    f"PUT {_PATH}/{{volume_id}}": Binding(200, envelope("volume"), body="volumes.update.request",
                                          errors=WRITE),
    f"DELETE {_PATH}/{{volume_id}}": Binding(202, errors=READ),
})
