"""Images and servers: the Glance lookups Nova makes for a server (its boot, rescue and
rebuild images) and createImage (compute.api.API.snapshot and snapshot_volume_backed)."""

from __future__ import annotations

import json

from ..errors import BadRequest, Forbidden, NotFound
from . import images as glance
from .guards import check_instance_state
from .model import Context, Image, Server, Volume, now_iso
from .policy import MEMBER, authorize, declare
from .snapshots import begin_snapshot, check_snapshottable
from .store import State, locked

declare({
    "os_compute_api:servers:create_image": MEMBER,
    "os_compute_api:servers:create_image:allow_volume_backed": MEMBER,
})

_SNAPSHOT_VM_STATES = frozenset({"active", "stopped", "paused", "suspended"})
# Properties a snapshot does not inherit from its server's image
# (compute.utils.NON_INHERITABLE_IMAGE_PROPERTIES, and the img_signature namespace).
_NOT_INHERITED = frozenset({"cinder_encryption_key_id", "cinder_encryption_key_deletion_policy",
                            "img_signature", "img_signature_hash_method",
                            "img_signature_key_type", "img_signature_certificate_uuid",
                            "block_device_mapping", "bdm_v2", "root_device_name"})


def glance_image(state: State, ctx: Context, image_id: str) -> Image | None:
    """The image as Glance shows it to the caller: an admin sees every image, others the
    public and community ones and their own project's (a deleted one is gone)."""
    image = state.images.get(image_id)
    if image is None or image.status == "deleted" or not glance.is_visible(ctx, image):
        return None
    return image


def boot_image_of(state: State, server: Server) -> Image | None:
    """The image a server runs: its own, or for a volume-backed server the one its root
    volume was made from (its volume_image_metadata)."""
    image_id = server.image_ref
    if not image_id:
        root = next((b for b in server.bdms if b.is_root and b.volume_id), None)
        volume = state.volumes.get(root.volume_id or "") if root else None
        image_id = volume.image_id or "" if volume else ""
    return state.images.get(image_id)


def root_volume_of(state: State, server: Server) -> Volume | None:
    root = next((b for b in server.bdms if b.is_root and b.volume_id), None)
    return state.volumes.get(root.volume_id or "") if root else None


def _inherited_properties(state: State, server: Server) -> dict[str, object]:
    image = boot_image_of(state, server)
    base = dict(image.properties) if image else {}
    return {k: v for k, v in base.items() if k not in _NOT_INHERITED}


def _new_image(state: State, ctx: Context, server: Server, name: str,
               properties: dict[str, object], active: bool, **fields: object) -> Image:
    """compute.utils.initialize_instance_snapshot_metadata, then Glance's image create:
    private to the caller's project (shared, naming the owner, when an admin snapshots
    another project's server)."""
    base = boot_image_of(state, server)
    if ctx.project_id != server.project_id:
        properties["instance_owner"] = server.project_id
    return glance.create_image(
        state, ctx, name, properties, active=active,
        visibility="private" if ctx.project_id == server.project_id else "shared",
        min_disk=base.min_disk if base else 0, min_ram=base.min_ram if base else 0, **fields)


@locked
def create_image(state: State, ctx: Context, server_id: str, name: str,
                 metadata: dict[str, str] | None = None) -> Image:
    """createImage. An image-backed server's snapshot is a queued image, uploaded (active)
    one clock step later while the server is in image_snapshot_pending. A volume-backed
    server's is an active image with no data whose block_device_mapping property lists one
    new Cinder snapshot (made with force) of each of its volumes."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:servers:create_image", server.project_id)
    if server.boots_from_volume:
        authorize(ctx, "os_compute_api:servers:create_image:allow_volume_backed",
                  server.project_id)
        check_instance_state(server, "createImage", _SNAPSHOT_VM_STATES, server_ref=server_id)
        return _snapshot_volume_backed(state, ctx, server, name, dict(metadata or {}))
    check_instance_state(server, "createImage", _SNAPSHOT_VM_STATES, server_ref=server_id)
    state.touch(server)
    image = begin_server_snapshot(state, ctx, server, name, metadata)
    server.task_state = "image_snapshot_pending"
    base = boot_image_of(state, server)

    def uploaded() -> None:
        if state.servers.get(server.id) is server and server.task_state is not None and \
                server.task_state.startswith("image_"):
            server.task_state, server.updated = None, now_iso()
        finish_upload(state, image, base.size or 0 if base else 0)

    state.clock.schedule(uploaded)
    return image


def begin_server_snapshot(state: State, ctx: Context, server: Server, name: str,
                          metadata: dict[str, str] | None = None) -> Image:
    """compute.utils.create_image of a snapshot: a queued image the compute host uploads
    (createImage, and shelve's ``<name>-shelved``). For callers holding the lock."""
    properties = _inherited_properties(state, server)
    properties.update({"instance_uuid": server.id, "user_id": ctx.user_id,
                       "image_type": "snapshot", "base_image_ref": server.image_ref,
                       **(metadata or {})})
    base = boot_image_of(state, server)
    return _new_image(state, ctx, server, name, properties, active=False,
                      disk_format=base.disk_format if base else "qcow2",
                      container_format=base.container_format if base else "bare")


def finish_upload(state: State, image: Image, size: int) -> None:
    """The compute host's upload: the image is active (unless it went meanwhile)."""
    if state.images.get(image.id) is image and image.status == "queued":
        image.status, image.updated_at = "active", now_iso()
        image.size = image.virtual_size = size


def _snapshot_volume_backed(state: State, ctx: Context, server: Server, name: str,
                            metadata: dict[str, str]) -> Image:
    volumes = [state.volumes.get(b.volume_id or "") for b in server.bdms if b.volume_id]
    for volume in volumes:
        if volume is not None:
            authorize(ctx, "volume:create_snapshot", volume.project_id)
            check_snapshottable(volume)
            if volume.status not in ("available", "in-use"):
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be "
                                 f"available, in-use, but current status is: "
                                 f"{volume.status}.")
    properties = _inherited_properties(state, server)
    properties.update(metadata)
    properties["root_device_name"] = "/dev/vda"
    image = _new_image(state, ctx, server, name, properties, active=True)
    mapping: list[dict[str, object]] = []
    for bdm in server.bdms:
        volume = state.volumes.get(bdm.volume_id or "")
        if volume is None:
            continue
        snapshot = begin_snapshot(state, ctx, volume, f"snapshot for {name}",
                                  volume.description, None)
        mapping.append({"source_type": "snapshot", "destination_type": "volume",
                        "snapshot_id": snapshot.id, "boot_index": bdm.boot_index,
                        "delete_on_termination": bdm.delete_on_termination,
                        "volume_size": volume.size, "device_name": bdm.device_name,
                        "disk_bus": None, "device_type": None, "guest_format": None,
                        "image_id": None, "volume_id": None, "tag": None,
                        "no_device": None, "volume_type": None})
    if mapping:
        # Glance v2 keeps every property as text: Nova sends the mapping as JSON.
        image.properties["block_device_mapping"] = json.dumps(mapping)
        image.properties["bdm_v2"] = "True"
    return image


# -- Nova's image proxy (nova.api.openstack.compute.images) --------------------------------


@locked
def proxy_show(state: State, ctx: Context, image_id: str) -> Image:
    """ImagesController.show: the image as Glance shows it to the caller."""
    image = glance_image(state, ctx, image_id)
    if image is None:
        raise NotFound("Image not found.")
    return image


@locked
def proxy_delete(state: State, ctx: Context, image_id: str) -> None:
    """ImagesController.delete: Glance's delete, its refusals worded by Nova."""
    try:
        glance.delete_image(state, ctx, image_id)
    except NotFound:
        raise NotFound("Image not found.") from None
    except Forbidden:
        raise Forbidden("You are not allowed to delete the image.") from None
