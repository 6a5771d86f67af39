"""``/backups``: list, detail, show, create, update, delete, restore and the admin actions
(cinder.api.contrib.backups, cinder.api.v3.backups, admin_actions.BackupAdminController),
with their views (cinder.api.views.backups, cinder.api.v3.views.backups)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import Response, request

from fakenova.domain import backups
from fakenova.domain.model import Backup, Context
from fakenova.errors import BadRequest, NotFound
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.http.volume import listing, queries
from fakenova.http.volume.listing import validated
from fakenova.http.volume.pipeline import request_version
from fakenova.http.volume.routing import api_route
from fakenova.http.volume.snapshots import accepted, bool_param
from fakenova.microversion import APIVersion, v
from fakenova.openapi.bindings import READ, WRITE, Binding, Bindings, envelope

USER_FILTERS = ("name", "status", "volume_id")  # etc/cinder/resource_filters.json
SORT_COLUMNS = {"id": "id", "display_name": "name", "status": "status", "size": "size",
                "created_at": "created_at", "updated_at": "updated_at",
                "volume_id": "volume_id", "project_id": "project_id",
                "user_id": "user_id", "container": "container",
                "availability_zone": "availability_zone",
                "display_description": "description", "data_timestamp": "data_timestamp"}


def _links(backup_id: str, ctx: Context) -> list[dict[str, str]]:
    in_url = ctx.project_id if f"/v3/{ctx.project_id}" in request.url else ""
    path = "/".join(p for p in (in_url, "backups", backup_id) if p)
    return [{"rel": "self", "href": f"{request.host_url}volume/v3/{path}"},
            {"rel": "bookmark", "href": f"{request.host_url}volume/{path}"}]


def summary(backup: Backup, ctx: Context) -> dict[str, Any]:
    return {"id": backup.id, "name": backup.name, "links": _links(backup.id, ctx)}


def detail(backup: Backup, ctx: Context, version: APIVersion) -> dict[str, Any]:
    """The detail view; the admin-only project (3.18) and user (3.56) attributes too."""
    item: dict[str, Any] = {
        "id": backup.id, "status": backup.status, "size": backup.size,
        "object_count": backup.object_count, "availability_zone": backup.availability_zone,
        "container": backup.container, "created_at": backup.created_at,
        "updated_at": backup.updated_at, "name": backup.name,
        "description": backup.description, "fail_reason": backup.fail_reason,
        "volume_id": backup.volume_id, "links": _links(backup.id, ctx),
        "is_incremental": backup.is_incremental,
        "has_dependent_backups": backups.has_dependent_backups(cloud().state, backup),
        "snapshot_id": backup.snapshot_id, "data_timestamp": backup.data_timestamp}
    if version >= v("3.43"):
        item["metadata"] = dict(backup.metadata)
    if version >= v("3.18") and backups.sees_project_attributes(ctx):
        item["os-backup-project-attr:project_id"] = backup.project_id
    if version >= v("3.56") and backups.sees_project_attributes(ctx):
        item["user_id"] = backup.user_id
    return item


def _list(as_detail: bool) -> Response:
    ctx = context()
    version = request_version()
    query = queries.parse_list_query(request.args.to_dict(), ctx, version, USER_FILTERS)
    found = backups.list_backups(cloud().state, ctx, all_projects=query.all_tenants,
                                 filters=query.filters)
    marker = (backups.get_backup(cloud().state, ctx, query.marker)
              if query.marker is not None else None)
    columns = {**SORT_COLUMNS, **({"name": "name"} if version >= v("3.37") else {})}
    page = queries.paginate(found, query, marker, columns)
    items = [detail(b, ctx, version) if as_detail else summary(b, ctx) for b in page]
    return json_response(listing.list_body("backups", items, page, query, len(found), ctx,
                                           as_detail))


@api_route("/backups", "GET")
def backup_index() -> Response:
    return _list(as_detail=False)


@api_route("/backups/detail", "GET")
def backup_detail() -> Response:
    return _list(as_detail=True)


@api_route("/backups/<backup_id>", "GET")
def backup_show(backup_id: str) -> Response:
    ctx = context()
    backup = backups.get_backup(cloud().state, ctx, backup_id)
    return json_response({"backup": detail(backup, ctx, request_version())})


def _stripped(value: object) -> Any:
    return value.strip() if isinstance(value, str) else value


@api_route("/backups", "POST")
def backup_create() -> Response:
    """202 with the summary view; the volume is ``backing-up`` until the backup is done."""
    body = validated("backups.create.request")["backup"]
    ctx = context()
    version = request_version()
    created = backups.create_backup(
        cloud().state, ctx, body["volume_id"], name=_stripped(body.get("name")),
        description=_stripped(body.get("description")), container=body.get("container"),
        incremental=bool_param("incremental", body.get("incremental", False)),
        force=bool_param("force", body.get("force", False)),
        snapshot_id=body.get("snapshot_id"),
        metadata=body.get("metadata") if version >= v("3.43") else None,
        availability_zone=body.get("availability_zone") if version >= v("3.51") else None)
    return json_response({"backup": summary(created, ctx)}, 202)


@api_route("/backups/<backup_id>", "PUT")
def backup_update(backup_id: str) -> Response:
    """3.9 on: name and description (and from 3.43, metadata); the summary view."""
    version = request_version()
    if version < v("3.9"):
        raise NotFound("The resource could not be found.")
    changes = validated("backups.update.request")["backup"] or {}
    ctx = context()
    updated = backups.update_backup(
        cloud().state, ctx, backup_id, name=_stripped(changes.get("name")),
        description=_stripped(changes.get("description")),
        metadata=changes.get("metadata") if version >= v("3.43") else None)
    return json_response({"backup": summary(updated, ctx)})


@api_route("/backups/<backup_id>", "DELETE")
def backup_delete(backup_id: str) -> Response:
    backups.delete_backup(cloud().state, context(), backup_id)
    return accepted(plain=False)


@api_route("/backups/<backup_id>/restore", "POST")
def backup_restore(backup_id: str) -> Response:
    """202 with the backup, the volume restored into and that volume's name."""
    restore = validated("backups.restore.request")["restore"] or {}
    backup, volume = backups.restore_backup(cloud().state, context(), backup_id,
                                            volume_id=restore.get("volume_id"),
                                            name=restore.get("name"))
    return json_response({"restore": {"backup_id": backup.id, "volume_id": volume.id,
                                      "volume_name": volume.name}}, 202)


@api_route("/backups/<backup_id>/action", "POST")
def backup_action(backup_id: str) -> Response:
    """os-reset_status and os-force_delete (admin): 202 with no body."""
    name = listing.action_name(exchange().json_body, ("os-reset_status", "os-force_delete"))
    body = validated(f"backups.action.{name}.request")
    if name == "os-reset_status":
        backups.reset_status(cloud().state, context(), backup_id, body[name]["status"])
    else:
        backups.force_delete_backup(cloud().state, context(), backup_id)
    return accepted(plain=False)


@api_route("/backups/<backup_id>/export_record", "GET")
def backup_export(backup_id: str) -> Response:
    """The backup's record, base64-encoded JSON, and the driver that wrote it (admin)."""
    record = backups.export_record(cloud().state, context(), backup_id)
    url = base64.b64encode(json.dumps(record).encode()).decode()
    return json_response({"backup-record": {"backup_service": backups.DRIVER,
                                            "backup_url": url}})


@api_route("/backups/import_record", "POST")
def backup_import() -> Response:
    """201 with the summary view of the backup made from an exported record (admin)."""
    body = validated("backups.import_record.request")["backup-record"]
    try:
        record = json.loads(base64.b64decode(body["backup_url"]).decode("utf-8"))
    except (ValueError, binascii.Error) as error:  # upstream's decode_record fails with a 500
        raise BadRequest("Invalid input received: Provided backup record could not be "
                         "decoded") from error
    made = backups.import_record(cloud().state, context(), body["backup_service"], record)
    return json_response({"backup": summary(made, context())}, 201)


_PATH = "/volume/v3/backups"
_ONE = f"{_PATH}/{{backup_id}}"
_LIST_PARAMS = (*queries.PAGINATION, *USER_FILTERS, "all_tenants", "with_count")
BINDINGS = Bindings("backups", {
    f"GET {_PATH}": Binding(200, envelope("backups", True), params=_LIST_PARAMS, errors=READ),
    f"GET {_PATH}/detail": Binding(200, envelope("backups", True), params=_LIST_PARAMS,
                                   errors=READ),
    f"POST {_PATH}": Binding(202, envelope("backup"), body="backups.create.request",
                             errors=WRITE),
    f"GET {_ONE}": Binding(200, envelope("backup"), errors=READ),
    f"PUT {_ONE}": Binding(200, envelope("backup"), body="backups.update.request",
                           errors=WRITE),
    f"DELETE {_ONE}": Binding(202, errors=READ),
    f"POST {_ONE}/restore": Binding(202, envelope("restore"), body="backups.restore.request",
                                    errors=WRITE),
    f"POST {_ONE}/action": Binding(202, errors=WRITE),
    f"GET {_ONE}/export_record": Binding(200, envelope("backup-record"), errors=READ),
    f"POST {_PATH}/import_record": Binding(201, envelope("backup"),
                                           body="backups.import_record.request", errors=WRITE),
})
