"""Cinder's volume actions (``POST /volumes/{id}/action``): reserve, attach, detach and
connections, as ``cinder.api.contrib.volume_actions`` drives ``cinder.volume.api.API`` and the
volume manager.

The manager's calls (attach, detach, initialize and terminate connection) are RPC calls
upstream, answered before the API answers, so they apply at once here; only casts go
through the clock. Every check runs before anything changes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ..errors import BadRequest, Conflict, NotFound
from .attachments import settle_volume_status
from .model import Context, Volume, VolumeAttachment, now_iso
from .policy import MEMBER, allows, authorize, declare
from .store import State, locked

# cinder/policies/volume_actions.py: each SYSTEM_ADMIN_OR_PROJECT_MEMBER
_ACTIONS = "volume_extension:volume_actions:"
declare({_ACTIONS + name: MEMBER for name in (
    "reserve", "unreserve", "begin_detaching", "roll_detaching", "attach", "detach",
    "initialize_connection", "terminate_connection")})

# VolumeAPI.AVAILABLE_MIGRATION_STATUS: migration statuses that do not block an action
AVAILABLE_MIGRATION_STATUS = (None, "deleting", "error", "success")
# The iSCSI portal of the LVM backend volumes are exported from.
ISCSI_PORTAL = "127.0.0.1:3260"


def invalid_volume(reason: str) -> BadRequest:
    """cinder.exception.InvalidVolume."""
    return BadRequest(f"Invalid volume: {reason}")


def invalid_input(reason: str) -> BadRequest:
    """cinder.exception.InvalidInput."""
    return BadRequest(f"Invalid input received: {reason}")


def get_volume(state: State, ctx: Context, volume_id: str) -> Volume:
    """VolumeAPI.get: the caller's volume (an admin sees all), or VolumeNotFound; the
    volume is touched, as every action may change it."""
    volume = state.visible_volume(ctx, volume_id)
    if volume is None or not allows(ctx, "volume:get", volume.project_id):
        raise NotFound(f"Volume {volume_id} could not be found.")
    state.touch(volume)
    return volume


def _check_not_in_maintenance(volume: Volume, reason: str) -> None:
    if volume.status == "maintenance":
        raise invalid_volume(reason)


# -- reserve, unreserve, begin and roll back detaching --------------------------------


@locked
def reserve(state: State, ctx: Context, volume_id: str) -> None:
    """VolumeAPI.reserve_volume: available (or in-use, if multiattach) -> attaching."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ACTIONS + "reserve", volume.project_id)
    expected = ("available", "in-use") if volume.multiattach else ("available",)
    if volume.status not in expected:
        raise invalid_volume(f"Volume status must be {' or '.join(expected)} to reserve, but "
                             f"the status is {volume.status}.")
    volume.status, volume.updated_at = "attaching", now_iso()


def _unreserve(volume: Volume) -> None:
    """attaching -> in-use with attachments, available without; otherwise nothing."""
    if volume.status == "attaching":
        volume.status = "in-use" if volume.attachments else "available"
        volume.updated_at = now_iso()


@locked
def unreserve(state: State, ctx: Context, volume_id: str) -> None:
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ACTIONS + "unreserve", volume.project_id)
    _unreserve(volume)


@locked
def begin_detaching(state: State, ctx: Context, volume_id: str) -> None:
    """in-use and attached -> detaching; a migrating volume is left as it is."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ACTIONS + "begin_detaching", volume.project_id)
    migrating = volume.migration_status not in AVAILABLE_MIGRATION_STATUS
    if volume.status == "in-use" and volume.attach_status == "attached" and not migrating:
        volume.status, volume.updated_at = "detaching", now_iso()
    elif not migrating:
        raise invalid_volume("Unable to detach volume. Volume status must be 'in-use' and "
                             "attach_status must be 'attached' to detach.")


@locked
def roll_detaching(state: State, ctx: Context, volume_id: str) -> None:
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ACTIONS + "roll_detaching", volume.project_id)
    if volume.status == "detaching":
        volume.status, volume.updated_at = "in-use", now_iso()


# -- attach and detach -----------------------------------------------------------------


def sanitize_hostname(hostname: str) -> str:
    """cinder.volume.volume_utils.sanitize_hostname."""
    hostname = hostname.encode("latin-1", "ignore").decode("latin-1")
    hostname = re.sub(r"[^\w.-]+", "", re.sub(r"[ _]", "-", hostname))
    return hostname.lower().strip(".-")


def _all_attachments(state: State) -> list[VolumeAttachment]:
    return [a for volume in state.volumes.values() for a in volume.attachments]


@locked
def attach(state: State, ctx: Context, volume_id: str, instance_uuid: str | None,
           host_name: str | None, mountpoint: str, mode: str = "rw") -> VolumeAttachment:
    """VolumeAPI.attach, then VolumeManager.attach_volume: the volume is in-use when the
    call returns. An attachment the instance (or host) already has is reused."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ACTIONS + "attach", volume.project_id)
    _check_not_in_maintenance(volume, "The volume cannot be attached in maintenance mode.")
    readonly = volume.admin_metadata.get("readonly", "False")
    if readonly == "True" and mode != "ro":
        raise BadRequest(f"Invalid attaching mode '{mode}' for volume {volume.id}.")
    attached_mode = volume.admin_metadata.get("attached_mode")
    if volume.status == "attaching" and attached_mode and attached_mode != mode:
        raise invalid_volume("being attached by different mode")
    host = sanitize_hostname(host_name) if host_name else None
    for existing in _all_attachments(state):
        same = (existing.server_id == instance_uuid if instance_uuid
                else existing.host_name == host)
        if same and existing.volume_id == volume.id:
            volume.admin_metadata.setdefault("readonly", readonly)
            volume.status = "in-use"
            return existing
    if volume.status == "in-use" and not volume.multiattach and not volume.migration_status:
        raise invalid_volume("volume is already attached and multiple attachments are not "
                             "enabled")
    volume.admin_metadata.setdefault("readonly", readonly)
    volume.admin_metadata["attached_mode"] = mode
    attachment = VolumeAttachment(id=state.new_id(), volume_id=volume.id,
                                  server_id=instance_uuid, status="attached",
                                  device=mountpoint, host_name=host, attached_at=now_iso(),
                                  mode=mode, nova_managed=False)
    volume.attachments.append(attachment)
    volume.status, volume.updated_at = "in-use", now_iso()
    return attachment


def _find_attachment(state: State, attachment_id: str) -> VolumeAttachment | None:
    return next((a for a in _all_attachments(state) if a.id == attachment_id), None)


def check_deletion_allowed(state: State, ctx: Context, attachment_id: str | None,
                           volume: Volume) -> None:
    """VolumeAPI.attachment_deletion_allowed: only Nova (a service) may remove an
    attachment Nova still uses; one made without a connection (os-attach) is anyone's."""
    if "service" in ctx.roles:
        return
    attachment: VolumeAttachment | None = None
    if attachment_id is None:
        if not volume.attachments:
            return
        if len(volume.attachments) == 1:
            attachment = volume.attachments[0]
    else:
        attachment = _find_attachment(state, attachment_id)
    server_id = ""
    if attachment is not None:
        if attachment.volume_id != volume.id:
            raise invalid_input("Mismatched volume and attachment")
        connected = attachment.nova_managed and attachment.status != "reserved"
        if not attachment.server_id or not connected:
            return
        server_id = attachment.server_id
        # Nova's GET /servers/{id}/os-volume_attachments/{volume_id}, as the caller
        server = state.servers.get(server_id)
        visible = server is not None and server.vm_state != "deleted" and (
            ctx.is_admin or server.project_id == ctx.project_id)
        bdm = server.volume_bdm(volume.id) if server is not None and visible else None
        if bdm is None or bdm.attachment_id != attachment.id:
            return
    raise Conflict(f"Detach volume from instance {server_id} using the Compute API")


def finish_detach(volume: Volume, attachment_id: str) -> None:
    """Volume.finish_detach: the attachment goes, the status follows those left."""
    volume.attachments = [a for a in volume.attachments if a.id != attachment_id]
    volume.admin_metadata.pop("attached_mode", None)
    if volume.attachments or not volume.migration_status or volume.migration_status in (
            "success", "error"):
        settle_volume_status(volume)


def detach(state: State, ctx: Context, volume: Volume, attachment_id: str | None) -> None:
    """VolumeAPI.detach, then VolumeManager.detach_volume (for a caller holding the lock)."""
    authorize(ctx, _ACTIONS + "detach", volume.project_id)
    check_deletion_allowed(state, ctx, attachment_id, volume)
    _check_not_in_maintenance(volume, "The volume cannot be detached in maintenance mode.")
    if attachment_id is not None:
        finish_detach(volume, attachment_id)  # an unknown id just settles the status
        return
    if len(volume.attachments) > 1:
        raise invalid_volume("Detach volume failed: More than one attachment, but no "
                             "attachment_id provided.")
    if not volume.attachments:
        volume.status, volume.updated_at = "available", now_iso()
        return
    finish_detach(volume, volume.attachments[0].id)


@locked
def detach_volume(state: State, ctx: Context, volume_id: str,
                  attachment_id: str | None) -> None:
    detach(state, ctx, get_volume(state, ctx, volume_id), attachment_id)


# -- connections -----------------------------------------------------------------------


def _chap(volume: Volume, what: str, length: int) -> str:
    """The CHAP credentials the LVM driver stored at create_export, stable per volume."""
    return hashlib.sha256(f"{what}:{volume.id}".encode()).hexdigest()[:length]


@locked
def initialize_connection(state: State, ctx: Context, volume_id: str,
                          connector: dict[str, Any] | str) -> dict[str, Any]:
    """The connection_info of the LVM driver's iSCSI target (cinder.volume.targets.iscsi
    and VolumeManager._parse_connection_options). Nothing changes."""
    volume = get_volume(state, ctx, volume_id)
    authorize(ctx, _ACTIONS + "initialize_connection", volume.project_id)
    _check_not_in_maintenance(volume, "The volume connection cannot be initialized in "
                                      "maintenance mode.")
    if not isinstance(connector, dict) or "initiator" not in connector:
        raise invalid_input("Connector doesn't have required information: initiator")
    access_mode = volume.admin_metadata.get("attached_mode") or (
        "ro" if volume.admin_metadata.get("readonly") == "True" else "rw")
    data = {
        "target_discovered": False, "target_portal": ISCSI_PORTAL,
        "target_iqn": f"iqn.2010-10.org.openstack:volume-{volume.id}", "target_lun": 1,
        "volume_id": volume.id, "auth_method": "CHAP",
        "auth_username": _chap(volume, "user", 20), "auth_password": _chap(volume, "pass", 16),
        "encrypted": False, "qos_specs": None, "access_mode": access_mode, "cacheable": False,
        "enforce_multipath": connector.get("enforce_multipath", False),
    }
    return {"driver_volume_type": "iscsi", "data": data,
            "enforce_multipath": connector.get("enforce_multipath", False)}


def terminate_connection(state: State, ctx: Context, volume: Volume) -> None:
    """VolumeAPI.terminate_connection (for a caller holding the lock): the target goes,
    then the volume is unreserved."""
    authorize(ctx, _ACTIONS + "terminate_connection", volume.project_id)
    check_deletion_allowed(state, ctx, None, volume)
    authorize(ctx, _ACTIONS + "unreserve", volume.project_id)
    _unreserve(volume)


@locked
def terminate_volume_connection(state: State, ctx: Context, volume_id: str) -> None:
    terminate_connection(state, ctx, get_volume(state, ctx, volume_id))
