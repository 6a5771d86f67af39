"""``/images/{image_id}``: Nova's deprecated proxy to Glance, as far as a client of
createImage needs it (show and delete; ``nova.api.openstack.compute.images`` and its
``views.images.ViewBuilder``). Like every proxy API it is gone from 2.36: a bare 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from fakenova.domain import server_images
from fakenova.domain.model import Image
from fakenova.errors import NotFound
from fakenova.http.compute.schemas import request_version
from fakenova.http.compute.views import resource_links
from fakenova.http.error_bodies import ROUTE_NOT_FOUND, json_response
from fakenova.http.exchange import cloud, context
from fakenova.microversion import v
from fakenova.openapi.bindings import READ, Binding, Bindings

bp = Blueprint("images", __name__, url_prefix="/images")

_MAX_PROXY_VERSION = v("2.35")  # api_version_request.MAX_PROXY_API_SUPPORT_VERSION
# ViewBuilder._get_status and _get_progress
_STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "deleted": "DELETED",
           "pending_delete": "DELETED", "killed": "ERROR"}
_PROGRESS = {"queued": 25, "saving": 50, "active": 100}


def _proxied() -> None:
    if request_version() > _MAX_PROXY_VERSION:
        raise NotFound(ROUTE_NOT_FOUND)


def _date(text: str) -> str:
    return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def _view(image: Image) -> dict[str, Any]:
    """ViewBuilder.show: Glance's image in Nova's words, with its server when it is a
    snapshot of one."""
    links = resource_links("images", image.id)
    links.append({"rel": "alternate", "type": "application/vnd.openstack.image",
                  "href": f"{request.host_url}image/images/{image.id}"})
    item: dict[str, Any] = {
        "id": image.id, "name": image.name, "minRam": image.min_ram,
        "minDisk": image.min_disk, "metadata": dict(image.properties),
        "created": _date(image.created_at), "updated": _date(image.updated_at),
        "status": _STATUS.get(image.status, "UNKNOWN"),
        "progress": _PROGRESS.get(image.status, 0), "OS-EXT-IMG-SIZE:size": image.size,
        "links": links}
    server_id = image.properties.get("instance_uuid")
    if isinstance(server_id, str):
        item["server"] = {"id": server_id, "links": resource_links("servers", server_id)}
    return item


@bp.get("/<image_id>")
def show(image_id: str) -> Response:
    """One image, until 2.35."""
    _proxied()
    image = server_images.proxy_show(cloud().state, context(), image_id)
    return json_response({"image": _view(image)})


@bp.delete("/<image_id>")
def delete(image_id: str) -> Response:
    """Delete an image in Glance, until 2.35: 204."""
    _proxied()
    server_images.proxy_delete(cloud().state, context(), image_id)
    return Response(b"", status=204, content_type="application/json")


_PATH = "/compute/v2.1/images/{image_id}"
BINDINGS = Bindings("images", {
    f"GET {_PATH}": Binding(200, {"type": "object", "required": ["image"]}, errors=READ),
    f"DELETE {_PATH}": Binding(204, errors=READ),
})
