"""Managing an existing backend snapshot: ``POST /os-snapshot-manage`` (the contrib
extension, any microversion) and ``POST /manageable_snapshots`` (cinder.api.v3.snapshot_manage,
from 3.8). Unmanaging is the ``os-unmanage`` snapshot action (``snapshots.py``)."""

from __future__ import annotations

from flask import Response

from fakenova.domain import snapshots as snapshot_ops
from fakenova.errors import NotFound
from fakenova.http.error_bodies import ROUTE_NOT_FOUND, json_response
from fakenova.http.exchange import cloud, context
from fakenova.http.volume.listing import validated
from fakenova.http.volume.pipeline import request_version
from fakenova.http.volume.routing import api_route
from fakenova.http.volume.snapshots import render
from fakenova.microversion import v
from fakenova.openapi.bindings import WRITE, Binding, Bindings, envelope


def _manage() -> Response:
    """202 with the new snapshot's detail view, ``creating`` until the driver has found
    the logical volume ``ref`` names (then ``available``, or ``error`` if there is none)."""
    body = validated("snapshot_manage.create.request")["snapshot"]
    ctx = context()
    name, description = body.get("name"), body.get("description")
    managed = snapshot_ops.manage_snapshot(
        cloud().state, ctx, body["volume_id"], body["ref"],
        name=name.strip() if isinstance(name, str) else name,
        description=description.strip() if isinstance(description, str) else description,
        metadata=body.get("metadata"))
    return json_response({"snapshot": render(managed, ctx, request_version())}, 202)


@api_route("/os-snapshot-manage", "POST")
def snapshot_manage_legacy() -> Response:
    return _manage()


@api_route("/manageable_snapshots", "POST")
def manageable_snapshot_create() -> Response:
    """The v3 resource: ``_ensure_min_version(3.8)``, a 404 before."""
    if request_version() < v("3.8"):
        raise NotFound(ROUTE_NOT_FOUND)
    return _manage()


BINDINGS = Bindings("snapshot_manage", {
    f"POST /volume/v3/{path}": Binding(202, envelope("snapshot"),
                                       body="snapshot_manage.create.request", errors=WRITE)
    for path in ("os-snapshot-manage", "manageable_snapshots")
})
