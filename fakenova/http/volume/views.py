"""Cinder's v3 volume views, as each microversion and role sees them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request

from fakenova.domain import volumes
from fakenova.domain.model import Context, Volume, VolumeAttachment
from fakenova.microversion import APIVersion, v

# Where a created volume lives: one LVM backend of one cinder-volume service.
BACKEND_HOST = "fakenova@lvmdriver-1#lvmdriver-1"
SERVICE_UUID = "2c5e8b1f-7a4d-4e9b-8f3c-6d1a0b9e7c52"


def _project_in_url(ctx: Context) -> str:
    """Links carry the caller's project id when the request URL did."""
    return ctx.project_id if f"/v3/{ctx.project_id}" in request.url else ""


def links(volume_id: str, ctx: Context) -> list[dict[str, str]]:
    path = "/".join(p for p in (_project_in_url(ctx), "volumes", volume_id) if p)
    return [{"rel": "self", "href": f"{request.host_url}volume/v3/{path}"},
            {"rel": "bookmark", "href": f"{request.host_url}volume/{path}"}]


def next_link(last_id: str, ctx: Context, detail: bool) -> dict[str, str]:
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
        "snapshot_id": volume.snapshot_id, "source_volid": None, "metadata": dict(volume.metadata),
        "links": links(volume.id, ctx), "user_id": volume.user_id,
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
        # api_utils.add_visible_admin_metadata: readonly and attached_mode show as metadata
        item["metadata"].update({k: val for k, val in volume.admin_metadata.items()
                                 if k in ("readonly", "attached_mode")})
        item["os-vol-tenant-attr:tenant_id"] = volume.project_id
        if volume.image_id:  # the volume_image_metadata extension: the image it holds
            item["volume_image_metadata"] = {"image_id": volume.image_id}
        if ctx.is_admin:
            item["os-vol-host-attr:host"] = BACKEND_HOST if placed else None
            item["os-vol-mig-status-attr:migstat"] = volume.migration_status
            item["os-vol-mig-status-attr:name_id"] = None
    return item
