"""Cinder volume backups: create (full or incremental, of a volume or one of its snapshots),
read, update, delete, restore and the admin status actions (cinder.backup.api.API and the
backup manager's status changes, cinder.api.contrib.admin_actions.BackupAdminController)."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequest, NotFound
from . import snapshots, volumes
from .model import Backup, Context, Volume, now_iso
from .policy import ADMIN, MEMBER, READER, allows, authorize, declare
from .store import State, locked

declare({
    # cinder/policies/backups.py
    "backup:get_all": READER,
    "backup:get": READER,
    "backup:create": MEMBER,
    "backup:update": MEMBER,
    "backup:delete": MEMBER,
    "backup:restore": MEMBER,
    "backup:backup_project_attribute": ADMIN,
    # cinder/policies/backup_actions.py
    "volume_extension:backup_admin_actions:reset_status": ADMIN,
    "volume_extension:backup_admin_actions:force_delete": ADMIN,
})

RESTORED_DESCRIPTION = "auto-created_from_restore_from_backup"


def find(state: State, ctx: Context, backup_id: str) -> Backup:
    """Backup.get_by_id as the caller: project-scoped unless admin; a miss is a 404."""
    backup = state.backups.get(backup_id)
    if backup is None or (not ctx.is_admin and backup.project_id != ctx.project_id):
        raise NotFound(f"Backup {backup_id} could not be found.")
    return backup


def has_dependent_backups(state: State, backup: Backup) -> bool:
    return any(b.parent_id == backup.id for b in state.backups.values())


def sees_project_attributes(ctx: Context) -> bool:
    return allows(ctx, "backup:backup_project_attribute")


def _parent(state: State, ctx: Context, volume: Volume, snapshot_created: str | None
            ) -> Backup:
    """The backup an incremental one builds on: the caller's newest available backup of the
    volume (for a snapshot's, the newest taken before the snapshot)."""
    mine = [b for b in state.backups.values()
            if b.volume_id == volume.id and b.project_id == ctx.project_id]
    if not mine:
        raise BadRequest("Invalid backup: No backups available to do an incremental backup.")

    def when(backup: Backup) -> str:
        usable = backup.status == "available" and (
            snapshot_created is None or (backup.data_timestamp or "") < snapshot_created)
        return (backup.data_timestamp or "") if usable else ""

    latest = max(mine, key=when)
    if latest.status != "available":
        raise BadRequest("Invalid backup: No backups available to do an incremental backup.")
    return latest


@locked
def create_backup(state: State, ctx: Context, volume_id: str, name: str | None = None,
                  description: str | None = None, container: str | None = None,
                  incremental: bool = False, force: bool = False,
                  snapshot_id: str | None = None, metadata: dict[str, str] | None = None,
                  availability_zone: str | None = None) -> Backup:
    """API.create: the volume goes ``backing-up`` (a snapshot's backup: the snapshot does)
    and back to the status it had once the backup is ``available``."""
    volume = state.visible_volume(ctx, volume_id)
    if volume is None:
        raise NotFound(f"Volume {volume_id} could not be found.")
    authorize(ctx, "volume:get", volume.project_id)
    authorize(ctx, "backup:create", volume.project_id)
    snapshot = None
    if snapshot_id:
        snapshot = snapshots.find(state, ctx, snapshot_id)
        authorize(ctx, "volume:get_snapshot", snapshot.project_id)
        if snapshot.volume_id != volume_id:
            raise BadRequest(f"Invalid volume: Volume {volume_id} does not match with "
                             f"snapshot.volume_id {snapshot.volume_id}.")
        if snapshot.status != "available":
            raise BadRequest("Invalid snapshot: Snapshot to be backed up must be available, "
                             f"but the current status is \"{snapshot.status}\".")
    elif volume.status not in ("available", "in-use"):
        raise BadRequest("Invalid volume: Volume to be backed up must be available or "
                         f"in-use, but the current status is \"{volume.status}\".")
    elif volume.status == "in-use" and not force:
        raise BadRequest("Invalid volume: Backing up an in-use volume must use the force "
                         "flag.")
    if availability_zone is not None and availability_zone not in volumes.AVAILABILITY_ZONES:
        raise BadRequest(f"Invalid input received: Availability zone '{availability_zone}' "
                         "is invalid.")
    snapshots.check_metadata(metadata)
    parent = (_parent(state, ctx, volume, snapshot.created_at if snapshot else None)
              if incremental else None)
    backup = Backup(id=state.new_id(), volume_id=volume.id, project_id=ctx.project_id,
                    user_id=ctx.user_id, name=name, description=description,
                    size=volume.size, status="creating", is_incremental=parent is not None,
                    snapshot_id=snapshot_id, container=container,
                    availability_zone=availability_zone or volume.availability_zone,
                    metadata=dict(metadata or {}), parent_id=parent.id if parent else None,
                    volume_metadata=dict(volume.metadata), volume_bootable=volume.bootable,
                    previous_status=volume.status)
    backup.data_timestamp = snapshot.created_at if snapshot else backup.created_at
    if snapshot is not None:
        state.touch(snapshot)
        snapshot.status = "backing-up"
    else:
        state.touch(volume)
        volume.status = "backing-up"
    state.backups[backup.id] = backup

    def done() -> None:
        if state.backups.get(backup.id) is backup and backup.status == "creating":
            backup.status, backup.updated_at = "available", now_iso()
            backup.object_count = 1
            backup.container = backup.container or "volumebackups"
        if snapshot is not None and state.snapshots.get(snapshot.id) is snapshot:
            if snapshot.status == "backing-up":
                snapshot.status = "available"
        elif state.volumes.get(volume.id) is volume and volume.status == "backing-up":
            volume.status = backup.previous_status or "available"

    state.clock.schedule(done)
    return backup


@locked
def get_backup(state: State, ctx: Context, backup_id: str) -> Backup:
    backup = find(state, ctx, backup_id)
    authorize(ctx, "backup:get", backup.project_id)
    return backup


@locked
def list_backups(state: State, ctx: Context, all_projects: bool = False,
                 filters: dict[str, str] | None = None) -> list[Backup]:
    """The caller's backups (every project's for an admin asking for all), filtered by exact
    ``name``, ``status`` and ``volume_id``."""
    authorize(ctx, "backup:get_all")
    everyone = all_projects and ctx.is_admin
    wanted = filters or {}
    return [b for b in state.backups.values()
            if (everyone or b.project_id == ctx.project_id)
            and all(getattr(b, key) == wanted[key]
                    for key in ("name", "status", "volume_id") if key in wanted)]


@locked
def update_backup(state: State, ctx: Context, backup_id: str, name: str | None = None,
                  description: str | None = None,
                  metadata: dict[str, str] | None = None) -> Backup:
    backup = find(state, ctx, backup_id)
    authorize(ctx, "backup:get", backup.project_id)
    authorize(ctx, "backup:update", backup.project_id)
    state.touch(backup)
    if name is not None:
        backup.name = name
    if description is not None:
        backup.description = description
    if metadata is not None:
        backup.metadata = dict(metadata)
    backup.updated_at = now_iso()
    return backup


def _begin_delete(state: State, backup: Backup, force: bool) -> None:
    if not force and backup.status not in ("available", "error"):
        raise BadRequest("Invalid backup: Backup status must be available or error")
    if has_dependent_backups(state, backup):
        raise BadRequest("Invalid backup: Incremental backups exist for this backup.")
    state.touch(backup)
    backup.status, backup.updated_at = "deleting", now_iso()

    state.remove_when_due(backup)


@locked
def delete_backup(state: State, ctx: Context, backup_id: str) -> None:
    """API.delete: only an available or errored backup no incremental one depends on."""
    backup = find(state, ctx, backup_id)
    authorize(ctx, "backup:get", backup.project_id)
    authorize(ctx, "backup:delete", backup.project_id)
    _begin_delete(state, backup, force=False)


@locked
def force_delete_backup(state: State, ctx: Context, backup_id: str) -> None:
    backup = find(state, ctx, backup_id)
    authorize(ctx, "backup:get", backup.project_id)
    authorize(ctx, "volume_extension:backup_admin_actions:force_delete", backup.project_id)
    authorize(ctx, "backup:delete", backup.project_id)
    _begin_delete(state, backup, force=True)


@locked
def reset_status(state: State, ctx: Context, backup_id: str, status: str) -> None:
    """os-reset_status: ``available`` or ``error`` (the schema has checked it)."""
    backup = find(state, ctx, backup_id)
    authorize(ctx, "backup:get", backup.project_id)
    authorize(ctx, "volume_extension:backup_admin_actions:reset_status", backup.project_id)
    state.touch(backup)
    backup.status, backup.updated_at = status.lower(), now_iso()


@locked
def restore_backup(state: State, ctx: Context, backup_id: str, volume_id: str | None = None,
                   name: str | None = None) -> tuple[Backup, Volume]:
    """API.restore: into a new volume (named ``restore_backup_<id>``) or an available one at
    least as large; backup ``restoring`` and volume ``restoring-backup`` until done, when
    the volume takes the backed-up metadata and bootable flag."""
    backup = find(state, ctx, backup_id)
    authorize(ctx, "backup:get", backup.project_id)
    authorize(ctx, "backup:restore", backup.project_id)
    if backup.status != "available":
        raise BadRequest("Invalid backup: Backup status must be available")
    if volume_id is None:
        authorize(ctx, "volume:create")
        volume = volumes.begin_create_volume(
            state, ctx, backup.size, name or f"restore_backup_{backup_id}",
            description=RESTORED_DESCRIPTION)
        volume.status = "available"  # API.restore waits for the new volume
    else:
        found = state.visible_volume(ctx, volume_id)
        if found is None:
            raise NotFound(f"Volume {volume_id} could not be found.")
        authorize(ctx, "volume:get", found.project_id)
        volume = found
    if volume.status != "available":
        raise BadRequest("Invalid volume: Volume to be restored to must be available")
    if backup.size > volume.size:
        raise BadRequest(f"Invalid volume: volume size {volume.size} is too small to restore "
                         f"backup of size {backup.size}.")
    state.touch(backup, volume)
    backup.status, volume.status = "restoring", "restoring-backup"

    def restored() -> None:
        if state.backups.get(backup.id) is backup and backup.status == "restoring":
            backup.status = "available"
        if state.volumes.get(volume.id) is volume and volume.status == "restoring-backup":
            volume.status, volume.updated_at = "available", now_iso()
            volume.metadata.update(backup.volume_metadata)
            volume.bootable = volume.bootable or backup.volume_bootable

    state.clock.schedule(restored)
    return backup, volume


# -- export and import of backup records (API.export_record, import_record) ---------------

declare({
    "backup:backup-import": ADMIN,
    "backup:export-import": ADMIN,
})
DRIVER = "cinder.backup.drivers.swift.SwiftBackupDriver"  # devstack's backup driver
IMPORT_VOLUME_ID = "00000000-0000-0000-0000-000000000000"
# BackupManager.import_record: what a record must hold, and what it does not carry over
_REQUIRED = ("display_name", "display_description", "container", "size", "service_metadata",
             "object_count", "id")
_RECORD = {"display_name": "name", "display_description": "description",
           "volume_id": "volume_id", "size": "size", "container": "container",
           "object_count": "object_count", "parent_id": "parent_id",
           "snapshot_id": "snapshot_id", "data_timestamp": "data_timestamp",
           "created_at": "created_at", "fail_reason": "fail_reason"}


@locked
def export_record(state: State, ctx: Context, backup_id: str) -> dict[str, Any]:
    """The backup's database record, as the driver's export puts it in ``backup_url``."""
    backup = find(state, ctx, backup_id)
    authorize(ctx, "backup:get", backup.project_id)
    authorize(ctx, "backup:export-import", backup.project_id)
    if backup.status != "available":
        raise BadRequest(f"Invalid backup: Backup status must be available and not "
                         f"{backup.status}.")
    record: dict[str, Any] = {key: getattr(backup, attr) for key, attr in _RECORD.items()}
    record.update(id=backup.id, user_id=backup.user_id, project_id=backup.project_id,
                  status=backup.status, service=DRIVER, service_metadata="backup",
                  availability_zone=backup.availability_zone,
                  is_incremental=backup.is_incremental, metadata=dict(backup.metadata))
    return record


def _fits(attr: str, value: object) -> bool:
    """What the Backup object's field would take: counts are whole numbers, the rest text."""
    if attr in ("size", "object_count"):
        return type(value) is int and 0 <= value <= 0x7FFFFFFF
    return value is None or (isinstance(value, str) and len(value) <= 255)


@locked
def import_record(state: State, ctx: Context, backup_service: str, record: object) -> Backup:
    """A backup made again from an exported record, with the record's id, in the caller's
    project: ``creating``, then ``available`` (``error`` when another driver wrote it, or
    the record lacks what the manager needs)."""
    authorize(ctx, "backup:backup-import")
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise BadRequest("Invalid input received: Provided backup record is missing an id")
    if "size" not in record:
        raise BadRequest("Invalid input received: Provided backup record is missing size "
                         "attribute")
    backup_id = str(record["id"])
    if backup_id in state.backups:
        raise BadRequest("Invalid backup: Backup already exists in database.")
    backup = Backup(id=backup_id, volume_id=IMPORT_VOLUME_ID, project_id=ctx.project_id,
                    user_id=ctx.user_id, status="creating", availability_zone=None)
    state.backups[backup.id] = backup
    options = dict(record)

    def imported() -> None:
        if state.backups.get(backup.id) is not backup or backup.status != "creating":
            return
        if (backup_service != DRIVER or any(key not in options for key in _REQUIRED)
                or not all(_fits(attr, options[key]) for key, attr in _RECORD.items()
                           if key in options)):
            backup.status = "error"
            return
        for key, attr in _RECORD.items():
            setattr(backup, attr, options.get(key, getattr(backup, attr)))
        backup.is_incremental = backup.parent_id is not None
        backup.status, backup.availability_zone = "available", "nova"

    state.clock.schedule(imported)
    return backup
