"""``/snapshots``: list, detail, show, create, update, delete, metadata and the snapshot
actions (cinder.api.v3.snapshots, v3.snapshot_metadata, contrib.snapshot_actions,
admin_actions.SnapshotAdminController, contrib.snapshot_unmanage), with their views
(cinder.api.v3.views.snapshots, contrib.extended_snapshot_attributes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request

from fakenova.domain import snapshots
from fakenova.domain.model import Context, Snapshot
from fakenova.errors import BadRequest, NotFound
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.http.volume import listing, queries
from fakenova.http.volume.listing import validated
from fakenova.http.volume.pipeline import request_version
from fakenova.http.volume.routing import api_route
from fakenova.microversion import APIVersion, v
from fakenova.openapi.bindings import READ, WRITE, Binding, Bindings, envelope
from fakenova.strutils import FALSE_STRINGS, TRUE_STRINGS

# cinder.api.v3.snapshots.SNAPSHOT_IN_USE_FLAG_MSG
IN_USE_FLAG = ("Since microversion 3.66 the 'force' flag is invalid for this request.  For "
               "backward compatability, however, when the 'force' flag is passed with a value "
               "evaluating to True, it is silently ignored.")
# etc/cinder/resource_filters.json; before 3.22 ``metadata`` is dropped
USER_FILTERS = ("name", "status", "volume_id", "metadata", "availability_zone",
                "consumes_quota")
SORT_COLUMNS = {"id": "id", "display_name": "name", "name": "name", "status": "status",
                "size": "size", "volume_size": "size", "created_at": "created_at",
                "updated_at": "updated_at", "volume_id": "volume_id",
                "project_id": "project_id", "user_id": "user_id", "progress": "progress",
                "display_description": "description"}


def render(snapshot: Snapshot, ctx: Context, version: APIVersion, detail: bool = True,
           extended: bool = False) -> dict[str, Any]:
    """The summary view, with ``detail`` the v3 additions, with ``extended`` the
    os-extended-snapshot-attributes keys (show and detail only)."""
    item: dict[str, Any] = {
        "id": snapshot.id, "created_at": snapshot.created_at,
        "updated_at": snapshot.updated_at, "name": snapshot.name,
        "description": snapshot.description, "volume_id": snapshot.volume_id,
        "status": snapshot.status, "size": snapshot.size, "metadata": dict(snapshot.metadata)}
    if detail:
        if version >= v("3.14"):
            item["group_snapshot_id"] = None
        if version >= v("3.41"):
            item["user_id"] = snapshot.user_id
        if version >= v("3.65"):
            item["consumes_quota"] = True
    if extended and snapshots.sees_extended_attributes(ctx, snapshot):
        item["os-extended-snapshot-attributes:project_id"] = snapshot.project_id
        item["os-extended-snapshot-attributes:progress"] = snapshot.progress
    return item


def _filters(query: queries.ListQuery) -> dict[str, object]:
    filters: dict[str, object] = {k: val for k, val in query.filters.items()
                                  if k in ("name", "status", "volume_id")}
    if "metadata" in query.filters and request_version() >= v("3.22"):
        filters["metadata"] = listing.literal(query.filters["metadata"])
    return filters


def _list(detail: bool) -> Response:
    ctx = context()
    query = queries.parse_list_query(request.args.to_dict(), ctx, request_version(),
                                     USER_FILTERS)
    found = snapshots.list_snapshots(cloud().state, ctx, all_projects=query.all_tenants,
                                     filters=_filters(query))
    marker = (snapshots.get_snapshot(cloud().state, ctx, query.marker)
              if query.marker is not None else None)
    page = queries.paginate(found, query, marker, SORT_COLUMNS)
    items = [render(s, ctx, request_version(), detail=detail, extended=detail)
             for s in page]
    return json_response(listing.list_body("snapshots", items, page, query, len(found),
                                           ctx, detail))


@api_route("/snapshots", "GET")
def snapshot_index() -> Response:
    return _list(detail=False)


@api_route("/snapshots/detail", "GET")
def snapshot_detail() -> Response:
    return _list(detail=True)


@api_route("/snapshots/<snapshot_id>", "GET")
def snapshot_show(snapshot_id: str) -> Response:
    ctx = context()
    snapshot = snapshots.get_snapshot(cloud().state, ctx, snapshot_id)
    return json_response({"snapshot": render(snapshot, ctx, request_version(),
                                             extended=True)})


def bool_param(name: str, value: object) -> bool:
    """strutils.bool_from_string(strict=True) on what the schema let through."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_STRINGS:
        return True
    if text in FALSE_STRINGS:
        return False
    raise BadRequest(f"Invalid input received: Unrecognized value '{value}' for {name}")


@api_route("/snapshots", "POST")
def snapshot_create() -> Response:
    """202 with the new snapshot, ``creating`` until the clock moves. An in-use volume needs
    ``force`` before 3.66; from 3.66 it needs nothing and ``force: false`` is refused."""
    body = validated("snapshots.create.request")["snapshot"]
    ctx = context()
    version = request_version()
    force = bool_param("force", body["force"]) if body.get("force") is not None else False
    if body.get("force") is not None and version >= v("3.66") and not force:
        raise BadRequest(IN_USE_FLAG)
    if body.get("volume_id") is None:  # the schema allows null; no volume has that id
        raise NotFound("Volume None could not be found.")
    name = body.get("name", body.get("display_name"))
    description = body.get("description")
    created = snapshots.create_snapshot(
        cloud().state, ctx, body["volume_id"],
        name=name.strip() if isinstance(name, str) else name,
        description=description.strip() if isinstance(description, str) else description,
        force=force, metadata=body.get("metadata"), allow_in_use=version >= v("3.66"))
    return json_response({"snapshot": render(created, ctx, version)}, 202)


@api_route("/snapshots/<snapshot_id>", "PUT")
def snapshot_update(snapshot_id: str) -> Response:
    body = validated("snapshots.update.request")["snapshot"]
    stripped = {k: val.strip() if isinstance(val, str) else val for k, val in body.items()}
    ctx = context()
    updated = snapshots.update_snapshot(
        cloud().state, ctx, snapshot_id,
        name=stripped.get("name", stripped.get("display_name")),
        description=stripped.get("description", stripped.get("display_description")))
    return json_response({"snapshot": render(updated, ctx, request_version())})


def accepted(plain: bool) -> Response:
    """An empty 202 (webob's text/html type): a plain ``webob.Response`` the view built
    (``plain``) goes out without Cinder's x-compute-request-id header, a ``None`` a
    ``wsgi.response(202)`` method returned goes out with it."""
    exchange().compute_request_id = not plain
    return Response(b"", 202, content_type="text/html; charset=UTF-8")


@api_route("/snapshots/<snapshot_id>", "DELETE")
def snapshot_delete(snapshot_id: str) -> Response:
    snapshots.delete_snapshot(cloud().state, context(), snapshot_id)
    return accepted(plain=True)


def _reset_status(snapshot_id: str, body: dict[str, Any]) -> None:
    snapshots.reset_status(cloud().state, context(), snapshot_id, body["status"])


def _update_status(snapshot_id: str, body: dict[str, Any]) -> None:
    snapshots.update_status(cloud().state, context(), snapshot_id, body["status"],
                            body.get("progress"))


_ACTIONS: dict[str, Callable[[str, Any], None]] = {
    "os-reset_status": _reset_status,
    "os-update_snapshot_status": _update_status,
    "os-force_delete": lambda snapshot_id, _: snapshots.force_delete_snapshot(
        cloud().state, context(), snapshot_id),
    "os-unmanage": lambda snapshot_id, _: snapshots.unmanage_snapshot(
        cloud().state, context(), snapshot_id),
}


# the actions whose methods build their own webob.Response
_PLAIN_ACTIONS = ("os-update_snapshot_status", "os-unmanage")


@api_route("/snapshots/<snapshot_id>/action", "POST")
def snapshot_action(snapshot_id: str) -> Response:
    """One action, named by the body's only key: 202 with no body."""
    name = listing.action_name(exchange().json_body, _ACTIONS)
    body = validated(f"snapshots.action.{name}.request")
    _ACTIONS[name](snapshot_id, body[name])
    return accepted(plain=name in _PLAIN_ACTIONS)


# -- metadata ----------------------------------------------------------------------------

@api_route("/snapshots/<snapshot_id>/metadata", "GET")
def snapshot_metadata_index(snapshot_id: str) -> Response:
    return json_response({"metadata": snapshots.get_metadata(cloud().state, context(),
                                                             snapshot_id)})


@api_route("/snapshots/<snapshot_id>/metadata", "POST")
def snapshot_metadata_create(snapshot_id: str) -> Response:
    """Merge the given keys into the snapshot's metadata."""
    metadata = validated("snapshot_metadata.create.request")["metadata"]
    return json_response({"metadata": snapshots.update_metadata(
        cloud().state, context(), snapshot_id, metadata)})


@api_route("/snapshots/<snapshot_id>/metadata", "PUT")
def snapshot_metadata_update_all(snapshot_id: str) -> Response:
    """Replace the snapshot's metadata as a whole."""
    metadata = validated("snapshot_metadata.create.request")["metadata"]
    return json_response({"metadata": snapshots.update_metadata(
        cloud().state, context(), snapshot_id, metadata, replace=True)})


@api_route("/snapshots/<snapshot_id>/metadata/<key>", "GET")
def snapshot_metadata_show(snapshot_id: str, key: str) -> Response:
    metadata = snapshots.get_metadata(cloud().state, context(), snapshot_id)
    if key not in metadata:
        raise snapshots.metadata_not_found(snapshot_id, key)
    return json_response({"meta": {key: metadata[key]}})


@api_route("/snapshots/<snapshot_id>/metadata/<key>", "PUT")
def snapshot_metadata_update(snapshot_id: str, key: str) -> Response:
    meta = validated("snapshot_metadata.update.request")["meta"]
    if key not in meta:
        raise BadRequest("Request body and URI mismatch")
    snapshots.update_metadata(cloud().state, context(), snapshot_id, meta)
    return json_response({"meta": meta})


@api_route("/snapshots/<snapshot_id>/metadata/<key>", "DELETE")
def snapshot_metadata_delete(snapshot_id: str, key: str) -> Response:
    """200 with webob's empty answer."""
    snapshots.delete_metadata_key(cloud().state, context(), snapshot_id, key)
    exchange().compute_request_id = False
    return Response(b"", 200, content_type="text/html; charset=UTF-8")


_PATH = "/volume/v3/snapshots"
_ONE = f"{_PATH}/{{snapshot_id}}"
_LIST_PARAMS = (*queries.PAGINATION, *USER_FILTERS, "all_tenants", "with_count")
BINDINGS = Bindings("snapshots", {
    f"GET {_PATH}": Binding(200, envelope("snapshots", True), params=_LIST_PARAMS,
                            errors=READ),
    f"GET {_PATH}/detail": Binding(200, envelope("snapshots", True), params=_LIST_PARAMS,
                                   errors=READ),
    f"POST {_PATH}": Binding(202, envelope("snapshot"), body="snapshots.create.request",
                             errors=WRITE),
    f"GET {_ONE}": Binding(200, envelope("snapshot"), errors=READ),
    f"PUT {_ONE}": Binding(200, envelope("snapshot"), body="snapshots.update.request",
                           errors=WRITE),
    f"DELETE {_ONE}": Binding(202, errors=READ),
    f"POST {_ONE}/action": Binding(202, errors=WRITE),
    f"GET {_ONE}/metadata": Binding(200, envelope("metadata"), errors=READ),
    f"POST {_ONE}/metadata": Binding(200, envelope("metadata"),
                                     body="snapshot_metadata.create.request", errors=WRITE),
    f"PUT {_ONE}/metadata": Binding(200, envelope("metadata"),
                                    body="snapshot_metadata.create.request", errors=WRITE),
    f"GET {_ONE}/metadata/{{key}}": Binding(200, envelope("meta"), errors=READ),
    f"PUT {_ONE}/metadata/{{key}}": Binding(200, envelope("meta"),
                                            body="snapshot_metadata.update.request",
                                            errors=WRITE),
    f"DELETE {_ONE}/metadata/{{key}}": Binding(200, errors=READ),
})
