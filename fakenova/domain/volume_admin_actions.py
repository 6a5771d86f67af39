"""Cinder's volume actions that change a volume's own fields: extend, retype, the readonly
and bootable flags (``cinder.api.contrib.volume_actions``), and the admin actions reset
status, force detach and force delete (``cinder.api.contrib.admin_actions``).
"""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from ..microversion import APIVersion, v
from .instance_actions import record_volume_extended
from .model import Context, now_iso
from .policy import ADMIN, MEMBER, authorize, declare
from .store import State, locked
from .volume_actions import (
    AVAILABLE_MIGRATION_STATUS,
    detach,
    finish_detach,
    get_volume,
    invalid_input,
    invalid_volume,
    terminate_connection,
)
from .volumes import MULTIATTACH_TYPE, VOLUME_TYPES, find_volume_type

_ADMIN_ACTIONS = "volume_extension:volume_admin_actions:"
# cinder/policies/volume_actions.py and volumes.py
declare({
    "volume:extend": MEMBER,
    "volume:extend_attached_volume": MEMBER,
    "volume:retype": MEMBER,
    "volume:update_readonly_flag": MEMBER,
    "volume:multiattach": MEMBER,
    _ADMIN_ACTIONS + "reset_status": ADMIN,
    _ADMIN_ACTIONS + "force_detach": ADMIN,
    _ADMIN_ACTIONS + "force_delete": ADMIN,
})

# cinder.objects.fields: what os-reset_status accepts
VOLUME_STATUSES = (
    "creating", "available", "deleting", "error", "error_deleting", "error_managing",
    "managing", "attaching", "in-use", "detaching", "maintenance", "restoring-backup",
    "error_restoring", "reserved", "awaiting-transfer", "backing-up", "error_backing-up",
    "error_extending", "downloading", "uploading", "retyping", "extending")
ATTACH_STATUSES = ["attached", "detached"]
MIGRATION_STATUSES = ("migrating", "error", "success", "completing", "none", "starting")
VOLUME_EXTEND_INUSE = v("3.42")


@locked
def extend(state: State, ctx: Context, volume_id: str, new_size: int,
           version: APIVersion) -> None:
    """VolumeAPI.extend (available) or, from 3.42 for an in-use volume,
    extend_attached_volume: extending, then the new size and the status it had."""
    volume = get_volume(state, ctx, volume_id)
    attached = version >= VOLUME_EXTEND_INUSE and volume.status == "in-use"
    rule = "volume:extend_attached_volume" if attached else "volume:extend"
    authorize(ctx, rule, volume.project_id)
    if new_size <= volume.size:
        raise invalid_input(f"New size for extend must be greater than current size. "
                            f"(current: {volume.size}, extended: {new_size}).")
    expected = "in-use" if attached else "available"
    if volume.status != expected:
        raise invalid_volume(f"Volume {volume.id} status must be '{{'status': '{expected}'}}' "
                             f"to extend, currently {volume.status}.")
    previous = volume.status
    volume.status, volume.updated_at = "extending", now_iso()

    def extended() -> None:
        if state.volumes.get(volume.id) is not volume or volume.status != "extending":
            return
        volume.size, volume.status, volume.updated_at = new_size, previous, now_iso()
        # VolumeManager.extend_volume: Nova hears of it (the volume-extended event)
        for server_id in {a.server_id for a in volume.attachments if a.server_id}:
            server = state.servers.get(server_id)
            if server is not None and server.vm_state != "deleted":
                record_volume_extended(state, ctx, server, volume.id)

    state.clock.schedule(extended)


@locked
def retype(state: State, ctx: Context, volume_id: str, new_type: str,
           migration_policy: str | None = None) -> None:
    """VolumeAPI.retype on the one backend: retyping, then the new type."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, "volume:retype", volume.project_id)
    type_name = find_volume_type(new_type)
    to_multiattach = type_name == MULTIATTACH_TYPE
    if volume.multiattach != to_multiattach:
        if volume.status != "available":
            raise invalid_input(
                "Invalid volume_type passed, retypes affecting multiattach are only allowed "
                "on available volumes, the specified volume however currently has a status "
                f"of: {volume.status}.")
        if to_multiattach:
            authorize(ctx, "volume:multiattach", volume.project_id)
    if (volume.status not in ("available", "in-use")
            or volume.migration_status not in AVAILABLE_MIGRATION_STATUS
            or VOLUME_TYPES.get(volume.volume_type) == VOLUME_TYPES[type_name]):
        raise invalid_volume(
            "Retype needs volume to be in available or in-use state, not be part of an "
            "active migration or a consistency group, requested type has to be different "
            "that the one from the volume, and for in-use volumes front-end qos specs cannot "
            "change.")
    previous = volume.status
    volume.status, volume.multiattach, volume.updated_at = "retyping", to_multiattach, now_iso()

    def retyped() -> None:
        if state.volumes.get(volume.id) is not volume or volume.status != "retyping":
            return
        volume.volume_type, volume.status, volume.updated_at = type_name, previous, now_iso()

    state.clock.schedule(retyped)


@locked
def update_readonly_flag(state: State, ctx: Context, volume_id: str, readonly: bool) -> None:
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, "volume:update_readonly_flag", volume.project_id)
    if volume.status != "available":
        raise invalid_volume(f"Volume {volume.id} status must be available to update readonly "
                             f"flag, but current status is: {volume.status}.")
    volume.admin_metadata["readonly"] = str(readonly)


@locked
def set_bootable(state: State, ctx: Context, volume_id: str, bootable: bool) -> None:
    """os-set_bootable is VolumeAPI.update with the one field."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, "volume:update", volume.project_id)
    if volume.status == "maintenance":
        raise invalid_volume("The volume cannot be updated during maintenance.")
    volume.bootable, volume.updated_at = bootable, now_iso()


# -- admin actions ---------------------------------------------------------------------


def check_reset_body(status: str | None, attach_status: str | None,
                     migration_status: str | None) -> None:
    """cinder.api.validation.validators: the reset body's format checks."""
    if not status and not attach_status and not migration_status:
        raise BadRequest("Must specify 'status', 'attach_status' or 'migration_status' for "
                         "update.")
    for value, valid, what in ((status, VOLUME_STATUSES, "Volume status"),
                               (attach_status, ATTACH_STATUSES, "Volume attach status"),
                               (migration_status, MIGRATION_STATUSES, "Volume migration status")):
        if value and value.lower() not in valid:
            raise BadRequest(f"{what}: {value} is invalid, valid statuses are: {valid!r}.")


@locked
def reset_status(state: State, ctx: Context, volume_id: str, status: str | None,
                 attach_status: str | None, migration_status: str | None) -> None:
    """VolumeAdminController._reset_status: the fields as given; ``detached`` also
    deletes the volume's attachments."""
    volume = state.volumes.get(volume_id)  # Volume.get_by_id: project-scoped, no policy
    if volume is None or not (ctx.is_admin or volume.project_id == ctx.project_id):
        raise NotFound(f"Volume {volume_id} could not be found.")
    state.touch(volume)
    authorize(ctx, _ADMIN_ACTIONS + "reset_status", volume.project_id)
    new_status = status.lower() if status else None
    # upstream lists 'error_deleting' 'detaching' without a comma: one refused string
    if new_status in ("deleting", "error_deletingdetaching"):
        raise BadRequest(f"Cannot reset-state to {new_status}")
    if new_status == "in-use" and not volume.attachments:
        raise BadRequest("Cannot reset-state to in-use because volume does not have any "
                         "attachments.")
    if new_status:
        volume.status = new_status
    if migration_status:
        lowered = migration_status.lower()
        volume.migration_status = None if lowered == "none" else lowered
    volume.updated_at = now_iso()
    if attach_status and attach_status.lower() == "detached":
        for attachment in list(volume.attachments):
            finish_detach(volume, attachment.id)
        volume.admin_metadata.pop("attached_mode", None)


@locked
def force_detach(state: State, ctx: Context, volume_id: str,
                 attachment_id: str | None) -> None:
    """Terminate the connection, then detach, whatever the volume's status."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ADMIN_ACTIONS + "force_detach", volume.project_id)
    terminate_connection(state, ctx, volume)
    detach(state, ctx, volume, attachment_id)


@locked
def force_delete(state: State, ctx: Context, volume_id: str) -> None:
    """VolumeAPI.delete with force: any status, but not attached, migrating or with
    snapshots; deleting, then gone."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ADMIN_ACTIONS + "force_delete", volume.project_id)
    authorize(ctx, "volume:delete", volume.project_id)
    has_snapshots = any(s.volume_id == volume.id for s in state.snapshots.values())
    if (volume.attach_status == "attached" or has_snapshots
            or volume.migration_status not in AVAILABLE_MIGRATION_STATUS):
        raise invalid_volume("Volume  must not be migrating, attached, belong to a group, "
                             "have snapshots, awaiting a transfer, or be disassociated from "
                             "snapshots after volume transfer.")
    volume.status = "deleting"

    state.remove_when_due(volume)
