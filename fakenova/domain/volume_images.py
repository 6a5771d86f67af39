"""os-volume_upload_image: a Glance image made from a volume (``cinder.volume.api.API
.copy_volume_to_image`` and ``VolumeManager.copy_volume_to_image``)."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequest, FakenovaError
from . import images
from .model import Context, now_iso
from .policy import ADMIN, MEMBER, authorize, declare
from .store import State, locked
from .volume_actions import get_volume, invalid_volume
from .volume_types import TYPES

# cinder/policies/volume_actions.py
_ACTIONS = "volume_extension:volume_actions:"
declare({_ACTIONS + "upload_image": MEMBER, _ACTIONS + "upload_public": ADMIN})


@locked
def upload_to_image(state: State, ctx: Context, volume_id: str, name: str, disk_format: str,
                    container_format: str, visibility: str | None = None,
                    protected: bool | None = None) -> dict[str, Any]:
    """The volume goes ``uploading`` and Glance gets a queued image; one clock step later
    the image is active and the volume ``available`` again. ``force`` is ignored, as with
    upstream's default ``enable_force_upload = False``: the volume must be available."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ACTIONS + "upload_image", volume.project_id)
    if visibility == "public":
        authorize(ctx, _ACTIONS + "upload_public", volume.project_id)
    if volume.status != "available":
        raise invalid_volume(f"Volume {volume.id} status must be available")
    fields: dict[str, Any] = {"disk_format": disk_format, "container_format": container_format}
    if visibility is not None:
        fields["visibility"] = visibility
    if protected is not None:
        fields["protected"] = protected
    try:
        image = images.create_image(state, ctx, name, **fields)
    except FakenovaError as error:  # what Glance refused, as the controller words it
        raise BadRequest(error.message) from None
    previous = volume.status
    volume.status, volume.updated_at = "uploading", now_iso()

    def uploaded() -> None:
        if state.images.get(image.id) is image and image.status == "queued":
            images.upload_image(state, ctx, image.id, b"")
        if state.volumes.get(volume.id) is volume and volume.status == "uploading":
            volume.status, volume.updated_at = previous, now_iso()

    state.clock.schedule(uploaded)
    volume_type = next(t for t in TYPES if t.name == volume.volume_type)
    answer: dict[str, Any] = {
        "id": volume.id, "updated_at": volume.updated_at, "status": "uploading",
        "display_description": volume.description, "size": volume.size,
        "volume_type": {"id": volume_type.id, "name": volume_type.name,
                        "description": volume_type.description,
                        "is_public": volume_type.is_public,
                        "extra_specs": dict(volume_type.extra_specs),
                        "qos_specs_id": volume_type.qos_specs_id},
        "image_id": image.id, "container_format": image.container_format,
        "disk_format": image.disk_format, "image_name": image.name,
        "protected": image.protected, "visibility": image.visibility}  # Glance's answer's
    return answer
