"""Nova's volume-attachment operations and the Cinder side they drive.

Each operation follows upstream's order: server lookup (404), policy (403), then the
compute API's checks, then Cinder's. Every check runs before anything changes, so a
refused request leaves the state as it was.
"""

from __future__ import annotations

from ..errors import BadRequest, Conflict, NotFound
from ..microversion import APIVersion, v
from ..strutils import bool_from_string
from .devices import next_device_name
from .guards import check_instance_lock, check_instance_state, invalid_state
from .model import (
    ATTACH_VM_STATES,
    MAX_LIMIT,
    SHELVED_VM_STATES,
    SWAP_VM_STATES,
    BlockDeviceMapping,
    Context,
    Server,
    Volume,
    VolumeAttachment,
    new_id,
    now_iso,
)
from .policy import authorize
from .store import State, locked


def _cinder_request_id() -> str:
    return f"req-{new_id()}"


# -- checks shared by the operations -------------------------------------------------


def _check_shelved_microversion(server: Server, server_ref: str, action: str,
                                version: APIVersion) -> None:
    if server.vm_state in SHELVED_VM_STATES and version < v("2.20"):
        raise invalid_state(server_ref, action, "vm_state", server.vm_state)


def _volume_or_404(state: State, ctx: Context, volume_id: str) -> Volume:
    volume = state.visible_volume(ctx, volume_id)
    if volume is None:
        raise NotFound(f"Volume {volume_id} could not be found.")
    state.touch(volume)
    return volume


def _holders(state: State, volume: Volume) -> list[str]:
    """The servers with a BDM of this volume. Every such BDM has its Cinder attachment, so
    looking through the volume's attachments finds them without scanning every server."""
    holders = []
    for attachment in volume.attachments:
        server = state.servers.get(attachment.server_id)
        if server is not None and server.volume_bdm(volume.id) is not None:
            holders.append(server.id)
    return holders


def _check_reservable(volume: Volume) -> None:
    """Cinder's attachment_create: what the reservation of a volume refuses."""
    if "error" in volume.status:
        raise BadRequest(
            "Invalid input received: Invalid volume: Volume attachments can not be created if "
            f"the volume is in an error state. The Volume {volume.id} currently has a status "
            f"of: {volume.status}  (HTTP 400) (Request-ID: {_cinder_request_id()})"
        )
    allowed = ("available", "in-use", "downloading") if volume.multiattach else (
        "available", "downloading")
    if volume.status not in allowed:
        raise BadRequest(
            f"Invalid input received: Invalid volume: Volume {volume.id} status must be "
            f"{' or '.join(allowed)} to reserve, but the current status is {volume.status}. "
            f"(HTTP 400) (Request-ID: {_cinder_request_id()})"
        )


def _check_detachable(volume: Volume) -> None:
    """Cinder's begin_detaching."""
    if volume.status != "in-use" or volume.attach_status != "attached":
        raise BadRequest(
            "Invalid volume: Invalid input received: Invalid volume: Unable to detach volume. "
            "Volume status must be 'in-use' and attach_status must be 'attached' to detach. "
            f"(HTTP 400) (Request-ID: {_cinder_request_id()})"
        )


def settle_volume_status(volume: Volume) -> None:
    """Cinder's status after an attachment went away: derived from those that remain."""
    remaining = sorted(a.status for a in volume.attachments)
    if not remaining:
        volume.status = "available"
    else:
        volume.status = {"attached": "in-use"}.get(remaining[0], remaining[0])
    volume.updated_at = now_iso()


def _remove_attachment(state: State, server: Server, bdm: BlockDeviceMapping,
                       volume: Volume) -> None:
    if bdm in server.bdms:
        server.bdms.remove(bdm)
    volume.attachments = [a for a in volume.attachments if a.server_id != server.id]
    settle_volume_status(volume)


# -- list and show ---------------------------------------------------------------------


@locked
def list_attachments(state: State, ctx: Context, server_id: str, version: APIVersion,
                     limit: int | None = None, offset: int = 0) -> list[BlockDeviceMapping]:
    """The server's volume BDMs; the page is cut from all its BDMs before filtering."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:os-volumes-attachments:index", server.project_id)
    page = server.bdms[offset:offset + min(MAX_LIMIT, limit or MAX_LIMIT)]
    return [b for b in page if b.volume_id and (version < v("2.89") or b.attachment_id)]


@locked
def show_attachment(state: State, ctx: Context, server_id: str, volume_id: str,
                    version: APIVersion) -> BlockDeviceMapping:
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:os-volumes-attachments:show", server.project_id)
    bdm = server.volume_bdm(volume_id)
    if bdm is None or (version >= v("2.89") and not bdm.attachment_id):
        raise NotFound(f"Instance {server_id} is not attached to volume {volume_id}")
    return bdm


# -- attach ----------------------------------------------------------------------------


@locked
def attach(state: State, ctx: Context, server_id: str, volume_id: str, version: APIVersion,
           tag: str | None = None, delete_on_termination: bool = False,
           ) -> BlockDeviceMapping | None:
    """Attach a volume; None when a 2.101+ request failed after its 202 (nothing changed)."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:os-volumes-attachments:create", server.project_id)
    state.touch(server)
    _check_shelved_microversion(server, server_id, "attach_volume", version)
    check_instance_lock(ctx, server)
    check_instance_state(server, "attach_volume", ATTACH_VM_STATES, server_ref=server_id,
                         must_have_launched=True)
    volume = _volume_or_404(state, ctx, volume_id)
    if not volume.multiattach:
        holders = _holders(state, volume)
        if holders:
            raise BadRequest(f"Invalid volume: volume {volume_id} is already attached to "
                             f"instances: {' '.join(holders)}")
    elif server.volume_bdm(volume.id):
        raise BadRequest(f"Invalid volume: volume {volume_id} already attached")

    if server.vm_state == "shelved_offloaded":
        return _attach_offloaded(state, server, volume, tag, delete_on_termination)
    try:
        if volume.multiattach and version < v("2.60"):
            raise BadRequest("Multiattach volumes are only supported starting with compute "
                             "API version 2.60.")
        _check_reservable(volume)
    except BadRequest:
        # From 2.101 the compute part is a cast: the client already has its 202.
        if version >= v("2.101"):
            return None
        raise
    return _attach_on_host(state, server, volume, tag, delete_on_termination)


def _attach_offloaded(state: State, server: Server, volume: Volume, tag: str | None,
                      delete_on_termination: bool) -> BlockDeviceMapping:
    if tag is not None:
        raise BadRequest("Tagged volume attachment is not supported for shelved-offloaded "
                         "instances.")
    if volume.multiattach:
        raise BadRequest("Attaching multiattach volumes is not supported for "
                         "shelved-offloaded instances.")
    _check_reservable(volume)
    attachment = VolumeAttachment(id=state.new_id(), volume_id=volume.id, server_id=server.id,
                                  status="attached", attached_at=now_iso())
    volume.attachments.append(attachment)
    volume.status = "in-use"
    bdm = BlockDeviceMapping(uuid=state.new_id(), server_id=server.id, volume_id=volume.id,
                             device_name=None, attachment_id=attachment.id,
                             delete_on_termination=delete_on_termination)
    server.bdms.append(bdm)
    return bdm


def _attach_on_host(state: State, server: Server, volume: Volume, tag: str | None,
                    delete_on_termination: bool) -> BlockDeviceMapping:
    device = next_device_name(server)
    attachment = VolumeAttachment(id=state.new_id(), volume_id=volume.id, server_id=server.id,
                                  status="reserved", device=device, host_name=server.host)
    volume.attachments.append(attachment)
    volume.status = "reserved"
    bdm = BlockDeviceMapping(uuid=state.new_id(), server_id=server.id, volume_id=volume.id,
                             device_name=device, attachment_id=attachment.id, tag=tag,
                             delete_on_termination=delete_on_termination)
    server.bdms.append(bdm)

    def connect() -> None:
        if attachment in volume.attachments and attachment.status == "reserved":
            attachment.status = "attaching"
            volume.status = "attaching"
            if state.stuck_volumes.get(volume.id) != "attaching":
                state.clock.schedule(complete)

    def complete() -> None:
        if attachment not in volume.attachments or attachment.status != "attaching":
            return
        failure = state.stuck_volumes.get(volume.id)
        if failure == "error":
            # the host failed (ComputeManager.attach_volume): the Cinder attachment is deleted
            # and the BDM destroyed, so the volume is as it was before the attach
            volume.attachments.remove(attachment)
            if bdm in server.bdms:
                server.bdms.remove(bdm)
            settle_volume_status(volume)
            return
        if failure == "volume_error":
            # a broken backend: the BDM goes, the volume stays in error
            attachment.status, volume.status = "error_attaching", "error"
            if bdm in server.bdms:
                server.bdms.remove(bdm)
            return
        attachment.status = "attached"
        attachment.attached_at = volume.updated_at = now_iso()
        volume.status = "in-use"

    state.clock.schedule(connect)
    return bdm


# -- detach ----------------------------------------------------------------------------


@locked
def detach(state: State, ctx: Context, server_id: str, volume_id: str,
           version: APIVersion) -> None:
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:os-volumes-attachments:delete", server.project_id)
    state.touch(server)
    _check_shelved_microversion(server, server_id, "detach_volume", version)
    volume = _volume_or_404(state, ctx, volume_id)
    bdm = server.volume_bdm(volume.id)
    if bdm is None:
        raise NotFound(f"Instance {server_id} is not attached to volume {volume_id}")
    if bdm.is_root:
        raise BadRequest("Cannot detach a root device volume")
    check_instance_lock(ctx, server)
    check_instance_state(server, "detach_volume", ATTACH_VM_STATES, server_ref=server_id,
                         must_have_launched=True)

    if server.vm_state == "shelved_offloaded":
        _remove_attachment(state, server, bdm, volume)
        if (bdm.delete_on_termination and not volume.attachments  # not if attached elsewhere
                and not any(s.volume_id == volume.id for s in state.snapshots.values())):
            del state.volumes[volume.id]
        return
    _check_detachable(volume)
    volume.status = "detaching"
    stuck = state.stuck_volumes.get(volume.id)

    def disconnect() -> None:
        if bdm not in server.bdms:
            return
        if stuck == "error":
            # the host failed (DriverVolumeBlockDevice.driver_detach): roll_detaching puts
            # the volume back in use, still attached
            settle_volume_status(volume)
            return
        if stuck == "volume_error":
            volume.status = "error"
            for attachment in volume.attachments:
                if attachment.server_id == server.id:
                    attachment.status = "error_detaching"
            return
        _remove_attachment(state, server, bdm, volume)

    if stuck != "detaching":
        state.clock.schedule(disconnect)


# -- update and swap -------------------------------------------------------------------


@locked
def update(state: State, ctx: Context, server_id: str, volume_id: str,
           changes: dict[str, object], version: APIVersion) -> None:
    """PUT: below 2.85 always a swap; from 2.85 an update, then a swap if volumeId differs."""
    server = state.visible_server(ctx, server_id)
    state.touch(server)
    new_volume_id = str(changes["volumeId"])
    is_swap = version < v("2.85") or new_volume_id != volume_id
    rule = ("os_compute_api:os-volumes-attachments:swap" if is_swap
            else "os_compute_api:os-volumes-attachments:update")
    authorize(ctx, rule, server.project_id)
    if version >= v("2.85"):
        _update_bdm(server, volume_id, changes)
    if is_swap:
        _swap(state, ctx, server, volume_id, new_volume_id)


def _update_bdm(server: Server, volume_id: str, changes: dict[str, object]) -> None:
    bdm = server.volume_bdm(volume_id)
    if bdm is None:
        raise NotFound(f"No volume Block Device Mapping with id {volume_id}.")
    current = {"id": volume_id, "serverId": server.id, "device": bdm.device_name,
               "tag": bdm.tag}
    for key, value in current.items():
        if key in changes and changes[key] != value:
            raise BadRequest(f"The {key} property is not mutable")
    if "delete_on_termination" in changes:
        bdm.delete_on_termination = bool_from_string(changes["delete_on_termination"])  # type: ignore[arg-type]


def _swap(state: State, ctx: Context, server: Server, old_volume_id: str,
          new_volume_id: str) -> None:
    old = _volume_or_404(state, ctx, old_volume_id)
    if not old.migration_status:
        raise Conflict(f"volume {old_volume_id} is not migrating; this API should only be "
                       "called by Cinder")
    new = state.visible_volume(ctx, new_volume_id)
    if new is None:
        raise BadRequest(f"Volume {new_volume_id} could not be found.")
    state.touch(new)
    check_instance_lock(ctx, server)
    check_instance_state(server, "swap_volume", SWAP_VM_STATES, must_have_launched=True)
    old_attachment = old.attachment_for(server.id)
    if old_attachment is None:
        raise BadRequest("Invalid volume: Old volume is attached to a different instance.")
    if new.attach_status == "attached":
        raise BadRequest("Invalid volume: New volume must be detached in order to swap.")
    if new.size < old.size:
        raise BadRequest("Invalid volume: New volume must be the same size or larger.")
    _check_detachable(old)
    if len(old.attachments) > 1:
        raise BadRequest("Swapping multi-attach volumes with more than one read/write "
                         "attachment is not supported.")
    bdm = server.volume_bdm(old.id)
    if bdm is None:
        raise NotFound(f"No volume Block Device Mapping with id {old_volume_id}.")
    _check_reservable(new)

    old.status = "detaching"
    new_attachment = VolumeAttachment(id=state.new_id(), volume_id=new.id, server_id=server.id,
                                      status="reserved", device=bdm.device_name,
                                      host_name=server.host)
    new.attachments.append(new_attachment)
    new.status = "reserved"

    def complete() -> None:
        if new_attachment not in new.attachments:
            return
        if bdm not in server.bdms:  # the server went away meanwhile: release the new volume
            new.attachments.remove(new_attachment)
            settle_volume_status(new)
            return
        new_attachment.status = "attached"
        new_attachment.attached_at = now_iso()
        new.status = "in-use"
        bdm.volume_id, bdm.attachment_id = new.id, new_attachment.id
        old.attachments = [a for a in old.attachments if a is not old_attachment]
        old.migration_status = "success"
        settle_volume_status(old)

    state.clock.schedule(complete, steps=2)
