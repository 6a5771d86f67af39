"""``/servers/{server_id}/os-volume_attachments``: parse, validate, call the domain, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from fakenova.domain import attachments
from fakenova.domain.model import BlockDeviceMapping
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import Exchange, exchange
from fakenova.microversion import APIVersion, v
from fakenova.openapi.bindings import READ, WRITE, Binding, Bindings, ref
from fakenova.strutils import require_int

bp = Blueprint("volume_attachments", __name__,
               url_prefix="/servers/<server_id>/os-volume_attachments")


def _call() -> tuple[Exchange, APIVersion]:
    """The request's exchange and microversion: a view looks them up once."""
    ex = exchange()
    return ex, ex.version  # type: ignore[return-value]


def _validated_body(ex: Exchange, operation: str) -> dict[str, Any]:
    ex.cloud.validators.validate_body(f"volume_attachments.{operation}", ex.version,
                                      ex.json_body)
    return ex.json_body["volumeAttachment"]  # type: ignore[no-any-return]


def render_attachment(bdm: BlockDeviceMapping, version: APIVersion) -> dict[str, Any]:
    """One attachment as list and show give it at this microversion."""
    item: dict[str, Any] = {}
    if version < v("2.89"):
        item["id"] = bdm.volume_id
    item["volumeId"] = bdm.volume_id
    item["serverId"] = bdm.server_id
    if bdm.device_name:
        item["device"] = bdm.device_name
    if version >= v("2.70"):
        item["tag"] = bdm.tag
    if version >= v("2.79"):
        item["delete_on_termination"] = bdm.delete_on_termination
    if version >= v("2.89"):
        item["attachment_id"] = bdm.attachment_id
        item["bdm_uuid"] = bdm.uuid
    return item


def _accepted() -> Response:
    return Response(b"", status=202, content_type="application/json")


@bp.get("")
def index(server_id: str) -> Response:
    """List a server's volume attachments; limit and offset page over all its disks."""
    ex, version = _call()
    query = ex.cloud.validators.validate_query("volume_attachments.list", version,
                                               request.args.to_dict(flat=False))
    # common.limited reads them with utils.validate_integer
    limit = require_int(query["limit"][-1], "limit") if "limit" in query else None
    offset = require_int(query["offset"][-1], "offset") if "offset" in query else 0
    bdms = attachments.list_attachments(ex.cloud.state, ex.caller, server_id, version,
                                        limit=limit, offset=offset)
    return json_response({"volumeAttachments": [render_attachment(b, version) for b in bdms]})


@bp.get("/<volume_id>")
def show(server_id: str, volume_id: str) -> Response:
    """Show one attachment, addressed by the volume id."""
    ex, version = _call()
    bdm = attachments.show_attachment(ex.cloud.state, ex.caller, server_id, volume_id,
                                      version)
    return json_response({"volumeAttachment": render_attachment(bdm, version)})


@bp.post("")
def create(server_id: str) -> Response:
    """Attach a volume: 200 with the reserved device up to 2.100, then 202 with no body."""
    ex, version = _call()
    body = _validated_body(ex, "create")
    requested_dot = body.get("delete_on_termination", False)
    bdm = attachments.attach(
        ex.cloud.state, ex.caller, server_id, body["volumeId"], version,
        tag=body.get("tag"),
        # Upstream stores the raw value in a boolean field: any string, "false" too, is true.
        delete_on_termination=bool(requested_dot),
    )
    if bdm is None or version >= v("2.101"):
        # webob's bare Response: no body, and its default content type
        return Response(b"", status=202, content_type="text/html; charset=UTF-8")
    item: dict[str, Any] = {"id": body["volumeId"], "serverId": server_id,
                            "volumeId": body["volumeId"], "device": bdm.device_name}
    if version >= v("2.70"):
        item["tag"] = body.get("tag")
    if version >= v("2.79"):
        item["delete_on_termination"] = requested_dot
    return json_response({"volumeAttachment": item})


@bp.put("/<volume_id>")
def update(server_id: str, volume_id: str) -> Response:
    """Update delete_on_termination (2.85+), or swap the volume (admin only)."""
    ex, version = _call()
    body = _validated_body(ex, "update")
    attachments.update(ex.cloud.state, ex.caller, server_id, volume_id, body, version)
    return _accepted()


@bp.delete("/<volume_id>")
def delete(server_id: str, volume_id: str) -> Response:
    """Detach a volume; the attachment stays listed until the detach completes."""
    ex, version = _call()
    attachments.detach(ex.cloud.state, ex.caller, server_id, volume_id, version)
    return _accepted()


_PATH = "/compute/v2.1/servers/{server_id}/os-volume_attachments"
BINDINGS = Bindings("volume-attachments", {
    f"GET {_PATH}": Binding(200, ref("volume_attachments.list.response"),
                            query="volume_attachments.list.query", errors=READ),
    f"POST {_PATH}": Binding(202, body="volume_attachments.create.request", errors=WRITE),
    f"GET {_PATH}/{{volume_id}}": Binding(200, ref("volume_attachments.show.response"),
                                         query="volume_attachments.show.query", errors=READ),
    f"PUT {_PATH}/{{volume_id}}": Binding(202, body="volume_attachments.update.request",
                                         errors=WRITE),
    f"DELETE {_PATH}/{{volume_id}}": Binding(202, errors=(*READ, 409)),
})
