"""Cinder volumes: create, read, update and delete, sharing one state with Nova."""

from __future__ import annotations

from ..errors import BadRequest, Forbidden, NotFound
from .model import Context, Volume, new_id, now_iso
from .state import State, locked

MULTIATTACH_TYPE = "multiattach"
_DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")


def _authorize(ctx: Context, action: str, volume: Volume | None, role: str = "member") -> None:
    if ctx.is_admin:
        return
    if role in ctx.roles and (volume is None or volume.project_id == ctx.project_id):
        return
    raise Forbidden(f"Policy doesn't allow volume:{action} to be performed.")


def _get(state: State, ctx: Context, volume_id: str) -> Volume:
    volume = state.visible_volume(ctx, volume_id)
    if volume is None:
        raise NotFound(f"Volume {volume_id} could not be found.")
    return volume


@locked
def get_volume(state: State, ctx: Context, volume_id: str) -> Volume:
    volume = _get(state, ctx, volume_id)
    _authorize(ctx, "get", volume, role="reader")
    return volume


@locked
def list_volumes(state: State, ctx: Context, all_projects: bool = False,
                 name: str | None = None, status: str | None = None) -> list[Volume]:
    _authorize(ctx, "get_all", None, role="reader")
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
    volume = Volume(id=new_id(), name=name, project_id=ctx.project_id, user_id=ctx.user_id,
                    size=size, status="creating", description=description,
                    multiattach=multiattach or volume_type == MULTIATTACH_TYPE,
                    bootable=bootable or image_ref is not None,
                    metadata=dict(metadata or {}))
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
                  metadata: dict[str, str] | None = None) -> Volume:
    _authorize(ctx, "create", None)
    return begin_create_volume(state, ctx, size, name, description, multiattach, volume_type,
                               image_ref=image_ref, metadata=metadata)


@locked
def update_volume(state: State, ctx: Context, volume_id: str, name: str | None = None,
                  description: str | None = None,
                  metadata: dict[str, str] | None = None) -> Volume:
    volume = _get(state, ctx, volume_id)
    _authorize(ctx, "update", volume)
    if name is not None:
        volume.name = name
    if description is not None:
        volume.description = description
    if metadata is not None:
        volume.metadata = dict(metadata)
    volume.updated_at = now_iso()
    return volume


@locked
def delete_volume(state: State, ctx: Context, volume_id: str) -> None:
    """Refused while attached or in a transitional status; otherwise deleting, then gone."""
    volume = _get(state, ctx, volume_id)
    _authorize(ctx, "delete", volume)
    if (volume.status not in _DELETABLE or volume.attach_status == "attached"
            or volume.migration_status not in (None, "", "success", "error")):
        raise BadRequest(
            "Invalid volume: Volume status must be " + " or ".join(_DELETABLE) +
            " and must not be migrating, attached, belong to a group, have snapshots, awaiting "
            "a transfer, or be disassociated from snapshots after volume transfer.")
    volume.status = "deleting"

    def deleted() -> None:
        if state.volumes.get(volume.id) is volume:
            del state.volumes[volume.id]

    state.clock.schedule(deleted)
