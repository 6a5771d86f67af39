"""``/os-assisted-volume-snapshots``: create and delete
(nova.api.openstack.compute.assisted_volume_snapshots.AssistedVolumeSnapshotsController).
The schemas run before the policy check, as upstream's decorators do."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response

from fakenova.domain import assisted_snapshots
from fakenova.errors import BadRequest
from fakenova.http.compute.schemas import validate_body, validated_query
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.openapi.bindings import READ, WRITE, Binding, Bindings, object_schema

bp = Blueprint("assisted_snapshots", __name__, url_prefix="/os-assisted-volume-snapshots")


@bp.post("")
def create() -> Response:
    """200 with the ``id`` the caller gave in ``create_info`` (or null) and the volume id."""
    validate_body("os-assisted-volume-snapshots.create.request", exchange().json_body)
    snapshot: dict[str, Any] = exchange().json_body["snapshot"]
    answer = assisted_snapshots.create(cloud().state, context(), snapshot["volume_id"],
                                       snapshot["create_info"])
    return json_response({"snapshot": answer})


def _delete_info(query: dict[str, list[str]]) -> dict[str, Any]:
    """``delete_info``: JSON naming the volume. A missing key, bad JSON or no volume_id is a
    400 whose text is the Python error's, as upstream's ``str(e)``."""
    if "delete_info" not in query:
        raise BadRequest("'delete_info'")
    try:
        info = json.loads(query["delete_info"][-1])
    except ValueError as error:
        raise BadRequest(str(error)) from error
    if not isinstance(info, dict):  # upstream fails with a TypeError (a 500)
        raise BadRequest("delete_info must be a JSON object")
    if "volume_id" not in info:
        raise BadRequest("'volume_id'")
    return info


@bp.delete("/<snapshot_id>")
def delete(snapshot_id: str) -> Response:
    """204 once the server the volume is attached to has been asked to delete it."""
    query = validated_query("os-assisted-volume-snapshots.delete.query")
    # the policy check comes before delete_info is read
    assisted_snapshots.authorize_delete(context())
    assisted_snapshots.delete(cloud().state, context(), snapshot_id, _delete_info(query))
    return Response(status=204)


_PATH = "/compute/v2.1/os-assisted-volume-snapshots"
BINDINGS = Bindings("assisted_snapshots", {
    f"POST {_PATH}": Binding(200, object_schema(snapshot=object_schema(
        id={"type": ["string", "null"]}, volumeId={"type": "string"})),
        body="os-assisted-volume-snapshots.create.request", errors=WRITE),
    f"DELETE {_PATH}/{{snapshot_id}}": Binding(
        204, query="os-assisted-volume-snapshots.delete.query", errors=READ),
})
