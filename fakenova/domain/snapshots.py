"""Cinder volume snapshots: create, read, update, delete, metadata, the status actions and
unmanage (cinder.volume.api.API's snapshot methods, cinder.api.contrib.snapshot_actions and
admin_actions.SnapshotAdminController)."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequest, NotFound
from . import volumes
from .model import Context, Snapshot, Volume, now_iso
from .policy import ADMIN, MEMBER, READER, allows, authorize, declare
from .store import State, locked

declare({
    # cinder/policies/snapshots.py
    "volume:get_snapshot": READER,
    "volume:get_all_snapshots": READER,
    "volume:create_snapshot": MEMBER,
    "volume:update_snapshot": MEMBER,
    "volume:delete_snapshot": MEMBER,
    "volume_extension:extended_snapshot_attributes": READER,
    # cinder/policies/snapshot_metadata.py
    "volume:get_snapshot_metadata": READER,
    "volume:update_snapshot_metadata": MEMBER,
    "volume:delete_snapshot_metadata": MEMBER,
    # cinder/policies/snapshot_actions.py
    "volume_extension:snapshot_admin_actions:reset_status": ADMIN,
    "volume_extension:snapshot_admin_actions:force_delete": ADMIN,
    "snapshot_extension:snapshot_actions:update_snapshot_status": MEMBER,
})

# fields.SnapshotStatus.ALL
STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating",
            "error_deleting", "unmanaging", "backing-up", "restoring")
_DELETABLE = ("available", "error")
# os-update_snapshot_status: the statuses each status may move to
_STATUS_MAP = {"creating": ("creating", "available", "error"),
               "deleting": ("deleting", "error_deleting")}


def find(state: State, ctx: Context, snapshot_id: str) -> Snapshot:
    """Snapshot.get_by_id as the caller: project-scoped unless admin; a miss is a 404."""
    snapshot = state.snapshots.get(snapshot_id)
    if snapshot is None or (not ctx.is_admin and snapshot.project_id != ctx.project_id):
        raise NotFound(f"Snapshot {snapshot_id} could not be found.")
    return snapshot


def _volume(state: State, ctx: Context, volume_id: str) -> Volume:
    volume = state.visible_volume(ctx, volume_id)
    if volume is None:
        raise NotFound(f"Volume {volume_id} could not be found.")
    return volume


def snapshots_of(state: State, volume_id: str) -> list[Snapshot]:
    return [s for s in state.snapshots.values() if s.volume_id == volume_id]


def check_metadata(metadata: dict[str, str] | None) -> None:
    """cinder.utils.check_metadata_properties: keys of 1 to 255 characters, values of at
    most 255."""
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not key:
            raise BadRequest(f"Invalid metadata: Metadata key: {key} has a minimum character "
                             "requirement of 1.")
        if not isinstance(value, str):
            raise BadRequest(f"Invalid metadata: Value for metadata key: {key} is not a "
                             "string or unicode")
        if len(key) > 255:
            raise BadRequest(f"Invalid metadata size: Metadata property key {key} greater "
                             "than 255 characters.")
        if len(value) > 255:
            raise BadRequest(f"Invalid metadata size: Metadata property key {key} value "
                             "greater than 255 characters.")


def check_snapshottable(volume: Volume) -> None:
    """API._create_snapshot_in_db_validate: the checks before the status check."""
    if volume.status == "creating":
        raise BadRequest("Invalid volume: The snapshot cannot be created because volume has "
                         "not been scheduled to any host.")
    if volume.status == "maintenance":
        raise BadRequest("Invalid volume: The snapshot cannot be created when the volume is "
                         "in maintenance mode.")
    if volume.migration_status not in (None, "", "success", "error"):
        raise BadRequest("Invalid volume: Snapshot cannot be created while volume is "
                         "migrating.")
    if volume.status == "error":
        raise BadRequest("Invalid volume: The snapshot cannot be created when the volume is "
                         "in error status.")


def begin_snapshot(state: State, ctx: Context, volume: Volume, name: str | None,
                   description: str | None, metadata: dict[str, str] | None,
                   status: str = "creating") -> Snapshot:
    """A new snapshot of ``volume``; ``creating`` ones become ``available`` one clock step
    later. For callers that hold the lock and have made their checks."""
    snapshot = Snapshot(id=state.new_id(), volume_id=volume.id, project_id=ctx.project_id,
                        user_id=ctx.user_id, name=name, description=description,
                        size=volume.size, status=status,
                        progress="100%" if status == "available" else "0%",
                        metadata=dict(metadata or {}))
    state.snapshots[snapshot.id] = snapshot

    def created() -> None:
        if state.snapshots.get(snapshot.id) is snapshot and snapshot.status == "creating":
            snapshot.status, snapshot.progress = "available", "100%"
            snapshot.updated_at = now_iso()

    if status == "creating":
        state.clock.schedule(created)
    return snapshot


@locked
def create_snapshot(state: State, ctx: Context, volume_id: str, name: str | None = None,
                    description: str | None = None, force: bool = False,
                    metadata: dict[str, str] | None = None,
                    allow_in_use: bool = False) -> Snapshot:
    """API.create_snapshot (``force``: create_snapshot_force): an in-use volume only with
    ``force`` or ``allow_in_use`` (the API's 3.66 behaviour); ``creating``, then
    ``available``."""
    volume = _volume(state, ctx, volume_id)
    authorize(ctx, "volume:create_snapshot", volume.project_id)
    check_snapshottable(volume)
    check_metadata(metadata)
    valid = ("available", "in-use") if force or allow_in_use else ("available",)
    if volume.status not in valid:
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be "
                         f"{', '.join(valid)}, but current status is: {volume.status}.")
    return begin_snapshot(state, ctx, volume, name, description, metadata)


@locked
def get_snapshot(state: State, ctx: Context, snapshot_id: str) -> Snapshot:
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:get_snapshot", snapshot.project_id)
    return snapshot


@locked
def list_snapshots(state: State, ctx: Context, all_projects: bool = False,
                   filters: dict[str, object] | None = None) -> list[Snapshot]:
    """The caller's snapshots (every project's for an admin asking for all), filtered by
    exact ``status``, ``volume_id``, ``name`` and ``metadata`` (a subset)."""
    authorize(ctx, "volume:get_all_snapshots")
    everyone = all_projects and ctx.is_admin
    wanted = filters or {}
    found = []
    for snapshot in state.snapshots.values():
        if not everyone and snapshot.project_id != ctx.project_id:
            continue
        if any(key in wanted and getattr(snapshot, key) != wanted[key]
               for key in ("status", "volume_id", "name")):
            continue
        metadata = wanted.get("metadata")
        if isinstance(metadata, dict) and any(
                snapshot.metadata.get(k) != str(val) for k, val in metadata.items()):
            continue
        found.append(snapshot)
    return found


def sees_extended_attributes(ctx: Context, snapshot: Snapshot) -> bool:
    return allows(ctx, "volume_extension:extended_snapshot_attributes", snapshot.project_id)


@locked
def update_snapshot(state: State, ctx: Context, snapshot_id: str, name: str | None = None,
                    description: str | None = None) -> Snapshot:
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:update_snapshot", snapshot.project_id)
    state.touch(snapshot)
    if name is not None:
        snapshot.name = name
    if description is not None:
        snapshot.description = description
    snapshot.updated_at = now_iso()
    return snapshot


def begin_delete(state: State, snapshot: Snapshot, force: bool = False,
                 unmanage: bool = False) -> None:
    """API.delete_snapshot after its policy check: ``deleting`` (or ``unmanaging``), then
    gone one clock step later."""
    state.touch(snapshot)
    if not force and snapshot.status not in _DELETABLE:
        raise BadRequest("Invalid snapshot: Snapshot status must be "
                         f"{' or '.join(_DELETABLE)} and must not be part of a group.")
    snapshot.status = "unmanaging" if unmanage else "deleting"
    snapshot.updated_at = now_iso()

    state.remove_when_due(snapshot)


@locked
def delete_snapshot(state: State, ctx: Context, snapshot_id: str) -> None:
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:delete_snapshot", snapshot.project_id)
    begin_delete(state, snapshot)


@locked
def force_delete_snapshot(state: State, ctx: Context, snapshot_id: str) -> None:
    """admin_actions' os-force_delete: any status."""
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:get_snapshot", snapshot.project_id)
    authorize(ctx, "volume_extension:snapshot_admin_actions:force_delete",
              snapshot.project_id)
    begin_delete(state, snapshot, force=True)


@locked
def reset_status(state: State, ctx: Context, snapshot_id: str, status: str) -> None:
    """admin_actions' os-reset_status: any status of fields.SnapshotStatus (the schema has
    checked it)."""
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume_extension:snapshot_admin_actions:reset_status",
              snapshot.project_id)
    state.touch(snapshot)
    snapshot.status, snapshot.updated_at = status.lower(), now_iso()


@locked
def update_status(state: State, ctx: Context, snapshot_id: str, status: str,
                  progress: str | None = None) -> None:
    """snapshot_actions' os-update_snapshot_status: only from ``creating`` or ``deleting``,
    to the statuses each allows."""
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "snapshot_extension:snapshot_actions:update_snapshot_status",
              snapshot.project_id)
    if snapshot.status not in _STATUS_MAP:
        raise BadRequest(f"Snapshot status {snapshot.status} not allowed for "
                         "update_snapshot_status")
    if status not in _STATUS_MAP[snapshot.status]:
        raise BadRequest(f"Provided snapshot status {status} not allowed for snapshot with "
                         f"status {snapshot.status}.")
    state.touch(snapshot)
    snapshot.status, snapshot.updated_at = status, now_iso()
    if progress:
        snapshot.progress = progress


# -- metadata (cinder.api.v3.snapshot_metadata) ------------------------------------------

def metadata_not_found(snapshot_id: str, key: str) -> NotFound:
    return NotFound(f"Snapshot {snapshot_id} has no metadata with key {key}.")


@locked
def get_metadata(state: State, ctx: Context, snapshot_id: str) -> dict[str, str]:
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:get_snapshot_metadata", snapshot.project_id)
    return dict(snapshot.metadata)


@locked
def update_metadata(state: State, ctx: Context, snapshot_id: str, metadata: dict[str, str],
                    replace: bool = False) -> dict[str, str]:
    """Merge ``metadata`` into the snapshot's (``replace``: it becomes the whole)."""
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:update_snapshot_metadata", snapshot.project_id)
    merged = dict(metadata) if replace else {**snapshot.metadata, **metadata}
    check_metadata(merged)
    state.touch(snapshot)
    snapshot.metadata = merged
    return dict(merged)


@locked
def delete_metadata_key(state: State, ctx: Context, snapshot_id: str, key: str) -> None:
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:get_snapshot", snapshot.project_id)
    authorize(ctx, "volume:get_snapshot_metadata", snapshot.project_id)
    if key not in snapshot.metadata:
        raise metadata_not_found(snapshot_id, key)
    authorize(ctx, "volume:delete_snapshot_metadata", snapshot.project_id)
    state.touch(snapshot)
    del snapshot.metadata[key]


@locked
def create_volume_from_snapshot(state: State, ctx: Context, snapshot_id: str,
                                size: int | None, **options: Any) -> Volume:
    """POST /volumes with ``snapshot_id`` (the create_volume flow's _extract_snapshot and
    _extract_size): an available snapshot, a size no smaller than its own (by default, its
    own); the new volume records the snapshot and keeps its volume's bootable flag."""
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:get_snapshot", snapshot.project_id)
    if snapshot.status != "available":
        raise BadRequest("Invalid snapshot: Originating snapshot status must be one of "
                         "'available' values")
    if size is not None and size < snapshot.size:
        raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be smaller "
                         f"than the snapshot size {snapshot.size}GB. They must be >= "
                         "original snapshot size.")
    source = state.volumes.get(snapshot.volume_id)
    with state.savepoint():
        volume = volumes.create_volume(state, ctx, size or snapshot.size, **options)
        volume.snapshot_id = snapshot.id
        volume.bootable = volume.bootable or (source is not None and source.bootable)
    return volume


# -- manage and unmanage (cinder.api.contrib.snapshot_manage, snapshot_unmanage) ----------

declare({
    # cinder/policies/manageable_snapshots.py
    "snapshot_extension:snapshot_manage": ADMIN,
    "snapshot_extension:snapshot_unmanage": ADMIN,
    "snapshot_extension:list_manageable": ADMIN,
})
LVM_PREFIX = "_snapshot-"  # the LVM driver's name of a snapshot's logical volume


@locked
def unmanage_snapshot(state: State, ctx: Context, snapshot_id: str) -> None:
    """os-unmanage: deleted from Cinder (``unmanaging``, then gone) while its logical volume
    stays on the backend, for a later manage."""
    snapshot = find(state, ctx, snapshot_id)
    authorize(ctx, "volume:get_snapshot", snapshot.project_id)
    authorize(ctx, "snapshot_extension:snapshot_unmanage", snapshot.project_id)
    authorize(ctx, "volume:delete_snapshot", snapshot.project_id)
    begin_delete(state, snapshot, unmanage=True)
    volume = state.volumes.get(snapshot.volume_id)
    if volume is not None:
        state.touch(volume)
        volume.unmanaged_snapshots[LVM_PREFIX + snapshot.id] = snapshot.size


@locked
def manage_snapshot(state: State, ctx: Context, volume_id: str, ref: object,
                    name: str | None = None, description: str | None = None,
                    metadata: dict[str, str] | None = None) -> Snapshot:
    """API.manage_existing_snapshot: a snapshot record as a forced create makes it
    (``creating``); the LVM driver then finds the logical volume ``ref``'s ``source-name``
    names among the volume's: ``available`` with its size, or ``error`` when there is none."""
    volume = _volume(state, ctx, volume_id)
    authorize(ctx, "volume:get", volume.project_id)
    authorize(ctx, "snapshot_extension:snapshot_manage", volume.project_id)
    authorize(ctx, "volume:create_snapshot", volume.project_id)
    check_snapshottable(volume)
    check_metadata(metadata)
    if volume.status not in ("available", "in-use"):
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available, "
                         f"in-use, but current status is: {volume.status}.")
    lv_name = ref.get("source-name") if isinstance(ref, dict) else None
    state.touch(volume)
    snapshot = begin_snapshot(state, ctx, volume, name, description, metadata,
                              status="managing")
    snapshot.status = "creating"

    def managed() -> None:
        if state.snapshots.get(snapshot.id) is not snapshot or snapshot.status != "creating":
            return
        size = volume.unmanaged_snapshots.pop(lv_name, None) if isinstance(
            lv_name, str) else None
        if size is None:
            snapshot.status = "error"
        else:
            snapshot.status, snapshot.progress, snapshot.size = "available", "100%", size
        snapshot.updated_at = now_iso()

    state.clock.schedule(managed)
    return snapshot
