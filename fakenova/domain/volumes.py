"""Cinder volumes: create, read, update and delete, sharing one state with Nova."""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from .ids import is_uuid_like
from .model import Context, Volume, now_iso
from .policy import authorize
from .store import State, locked

MULTIATTACH_TYPE = "multiattach"
# The volume types a devstack cloud has (name -> id), plus one with multiattach enabled.
VOLUME_TYPES = {
    "__DEFAULT__": "5fed9d7c-401d-46e2-8e80-f30c70cb7e1d",
    "lvmdriver-1": "9c3e1f6a-2b8d-4e57-a0c4-7d1b6e2f8a31",
    MULTIATTACH_TYPE: "c7a2e5d9-4f1b-4a63-9e08-3b5d7f2c1e64",
}
AVAILABILITY_ZONES = ("nova",)
_DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")


def _get(state: State, ctx: Context, volume_id: str) -> Volume:
    volume = state.visible_volume(ctx, volume_id)
    if volume is None:
        raise NotFound(f"Volume {volume_id} could not be found.")
    return volume


def find_volume_type(ref: str) -> str:
    """A volume type's name from its name or id, as Cinder's get_by_name_or_id."""
    for name, type_id in VOLUME_TYPES.items():
        if ref in (name, type_id):
            return name
    if is_uuid_like(ref):
        raise NotFound(f"Volume type {ref} could not be found.")
    raise NotFound(f"Volume type with name {ref} could not be found.")


@locked
def get_volume(state: State, ctx: Context, volume_id: str) -> Volume:
    volume = _get(state, ctx, volume_id)
    authorize(ctx, "volume:get", volume.project_id)
    return volume


@locked
def list_volumes(state: State, ctx: Context, all_projects: bool = False,
                 name: str | None = None, status: str | None = None) -> list[Volume]:
    authorize(ctx, "volume:get_all")
    everyone = all_projects and ctx.is_admin
    return [v for v in state.volumes.values()
            if (everyone or v.project_id == ctx.project_id)
            and (name is None or v.name == name) and (status is None or v.status == status)]


def begin_create_volume(state: State, ctx: Context, size: int, name: str | None,
                        description: str | None = None, multiattach: bool = False,
                        volume_type: str | None = None, bootable: bool = False,
                        image_ref: str | None = None,
                        metadata: dict[str, str] | None = None) -> Volume:
    """A new volume in ``creating``; it becomes ``available`` one clock step later.

    For callers that already hold the state's lock (server create uses it too).
    """
    volume = Volume(id=state.new_id(), name=name, project_id=ctx.project_id, user_id=ctx.user_id,
                    size=size, status="creating", description=description,
                    multiattach=multiattach or volume_type == MULTIATTACH_TYPE,
                    bootable=bootable or image_ref is not None,
                    metadata=dict(metadata or {}), image_id=image_ref)
    if volume_type:
        volume.volume_type = volume_type
    state.volumes[volume.id] = volume

    def created() -> None:
        if volume.status == "creating" and state.volumes.get(volume.id) is volume:
            volume.status, volume.updated_at = "available", now_iso()

    state.clock.schedule(created)
    return volume


@locked
def create_volume(state: State, ctx: Context, size: int, name: str | None = None,
                  description: str | None = None, multiattach: bool = False,
                  volume_type: str | None = None, image_ref: str | None = None,
                  metadata: dict[str, str] | None = None,
                  availability_zone: str | None = None) -> Volume:
    type_name = find_volume_type(volume_type) if volume_type else None
    authorize(ctx, "volume:create")
    if availability_zone is not None and availability_zone not in AVAILABILITY_ZONES:
        raise BadRequest(f"Availability zone '{availability_zone}' is invalid.")
    return begin_create_volume(state, ctx, size, name, description, multiattach, type_name,
                               image_ref=image_ref, metadata=metadata)


@locked
def update_volume(state: State, ctx: Context, volume_id: str, name: str | None = None,
                  description: str | None = None,
                  metadata: dict[str, str] | None = None) -> Volume:
    volume = _get(state, ctx, volume_id)
    authorize(ctx, "volume:update", volume.project_id)
    state.touch(volume)
    if volume.status == "maintenance":
        raise BadRequest("Invalid volume: The volume cannot be updated during maintenance.")
    if name is not None:
        volume.name = name
    if description is not None:
        volume.description = description
    if metadata is not None:
        volume.metadata = dict(metadata)
    volume.updated_at = now_iso()
    return volume


@locked
def delete_volume(state: State, ctx: Context, volume_id: str, cascade: bool = False) -> None:
    """Refused while attached or in a transitional status, or (unless ``cascade``) while it
    has snapshots; otherwise deleting, then gone (with ``cascade``, its snapshots too)."""
    volume = _get(state, ctx, volume_id)
    authorize(ctx, "volume:delete", volume.project_id)
    state.touch(volume)
    # API.delete's filters: volume_has_snapshots, or with cascade
    # volume_has_undeletable_snapshots (and, for a non-admin, other projects' snapshots)
    snaps = [s for s in state.snapshots.values() if s.volume_id == volume.id]
    blocking = [s for s in snaps if not cascade or s.status not in
                ("available", "error", "deleting")
                or (not ctx.is_admin and s.project_id != ctx.project_id)]
    if (volume.status not in _DELETABLE or volume.attach_status == "attached" or blocking
            or volume.migration_status not in (None, "", "success", "error")):
        raise BadRequest(
            "Invalid volume: Volume status must be " + " or ".join(_DELETABLE) +
            " and must not be migrating, attached, belong to a group, have snapshots, awaiting "
            "a transfer, or be disassociated from snapshots after volume transfer.")
    volume.status = "deleting"
    for snap in snaps:
        state.touch(snap)
        snap.status = "deleting"

    def deleted() -> None:
        for snap in snaps:
            state.snapshots.pop(snap.id, None)
        if state.volumes.get(volume.id) is volume:
            del state.volumes[volume.id]

    state.clock.schedule(deleted)
