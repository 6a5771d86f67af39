"""``/os-volumes``: Nova's deprecated proxy to Cinder's volumes, answering in Nova's camelCase
(``nova.api.openstack.compute.volumes.VolumeController`` and its
``_translate_volume_summary_view``). Every method is ``wsgi.api_version("2.1",
MAX_PROXY_API_SUPPORT_VERSION)``: from 2.36 each raises VersionNotFoundForAPIMethod, which
``wsgi.Resource._process_stack`` answers as a bare ``HTTPNotFound`` fault."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from fakenova.domain import volume_proxy
from fakenova.domain.model import Volume
from fakenova.errors import NotFound
from fakenova.http.compute.schemas import request_version, validate_body, validated_query
from fakenova.http.error_bodies import ROUTE_NOT_FOUND, json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.microversion import v
from fakenova.openapi.bindings import READ, WRITE, Binding, Bindings, object_schema
from fakenova.strutils import require_int

bp = Blueprint("os_volumes", __name__, url_prefix="/os-volumes")

# nova.api.openstack.api_version_request.MAX_PROXY_API_SUPPORT_VERSION
MAX_PROXY_VERSION = v("2.35")


def _proxied() -> None:
    """The api_version check, before the policy and the schemas: a 404 fault from 2.36 with
    webob's default text (the VersionNotFoundForAPIMethod text is deliberately not shown)."""
    if request_version() > MAX_PROXY_VERSION:
        raise NotFound(ROUTE_NOT_FOUND)


def _view(volume: Volume) -> dict[str, Any]:
    """_translate_volume_summary_view of the volume nova.volume.cinder.API got from Cinder:
    the first attachment Cinder lists, or ``[{}]`` for a detached volume."""
    attached = [a for a in volume.attachments if a.status == "attached"]
    attachments: list[dict[str, Any]] = [{}]
    if attached:
        first = {"id": volume.id, "volumeId": volume.id, "serverId": attached[0].server_id}
        if attached[0].device:
            first["device"] = attached[0].device
        attachments = [first]
    return {"id": volume.id, "status": volume.status, "size": volume.size,
            "availabilityZone": volume.availability_zone, "createdAt": volume.created_at,
            "attachments": attachments, "displayName": volume.name,
            "displayDescription": volume.description, "volumeType": volume.volume_type,
            "snapshotId": None, "metadata": dict(volume.metadata)}


def _list(detail: bool) -> Response:
    _proxied()
    query = validated_query("os-volumes.index.query")
    # common.limited: get_pagination_params reads the last value of each (validate_integer)
    offset, limit = (require_int(query[key][-1], key) if key in query else 0
                     for key in ("offset", "limit"))
    found = volume_proxy.list_volumes(cloud().state, context(), detail, offset, limit)
    return json_response({"volumes": [_view(vol) for vol in found]})


@bp.get("")
def index() -> Response:
    """VolumeController.index."""
    return _list(detail=False)


@bp.get("/detail")
def detail() -> Response:
    """VolumeController.detail: the same view as index."""
    return _list(detail=True)


@bp.get("/<volume_id>")
def show(volume_id: str) -> Response:
    """VolumeController.show."""
    _proxied()
    validated_query("os-volumes.show.query")
    volume = volume_proxy.show_volume(cloud().state, context(), volume_id)
    return json_response({"volume": _view(volume)})


@bp.delete("/<volume_id>")
def delete(volume_id: str) -> Response:
    """VolumeController.delete: 202, no body; Cinder deletes it."""
    _proxied()
    volume_proxy.delete_volume(cloud().state, context(), volume_id)
    return Response(status=202)


@bp.post("")
def create() -> Response:
    """VolumeController.create: 200 with the new volume and its Location."""
    _proxied()
    validate_body("os-volumes.create.request", exchange().json_body)
    body: dict[str, Any] = exchange().json_body["volume"]
    volume = volume_proxy.create_volume(
        cloud().state, context(), int(body["size"]), name=body.get("display_name"),
        description=body.get("display_description"), volume_type=body.get("volume_type"),
        metadata=body.get("metadata"), availability_zone=body.get("availability_zone"),
        snapshot_id=body.get("snapshot_id"))
    return json_response({"volume": _view(volume)},
                         headers={"Location": f"{request.base_url}/{volume.id}"})


_PATH = "/compute/v2.1/os-volumes"
_NULLABLE = {"type": ["string", "null"]}
_ATTACHMENT = {"type": "object", "properties": {
    "id": {"type": "string"}, "volumeId": {"type": "string"},
    "serverId": {"type": "string"}, "device": {"type": "string"}}}
_VOLUME = object_schema(
    id={"type": "string"}, status={"type": "string"}, size={"type": "integer"},
    availabilityZone=_NULLABLE, createdAt={"type": "string"},
    attachments={"type": "array", "items": _ATTACHMENT}, displayName=_NULLABLE,
    displayDescription=_NULLABLE, volumeType=_NULLABLE, snapshotId=_NULLABLE,
    metadata={"type": "object", "additionalProperties": {"type": "string"}})
_LIST = object_schema(volumes={"type": "array", "items": _VOLUME})
BINDINGS = Bindings("os_volumes", {
    f"GET {_PATH}": Binding(200, _LIST, query="os-volumes.index.query", errors=READ),
    f"POST {_PATH}": Binding(200, object_schema(volume=_VOLUME),
                             body="os-volumes.create.request", errors=WRITE,
                             headers=("Location",)),
    f"GET {_PATH}/detail": Binding(200, _LIST, query="os-volumes.index.query", errors=READ),
    f"GET {_PATH}/{{volume_id}}": Binding(200, object_schema(volume=_VOLUME),
                                         query="os-volumes.show.query", errors=READ),
    f"DELETE {_PATH}/{{volume_id}}": Binding(202, errors=WRITE),
})
