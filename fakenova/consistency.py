"""Invariants between Nova's block device mappings and Cinder's volumes and attachments.

``check(state)`` answers every broken invariant as a sentence naming the ids involved; an
empty list means the state is one a real cloud could be in. What the fake does in normal
operation is never reported, transitional states included: a volume that is ``reserved``
or ``attaching`` (its attachment not yet ``attached``), ``detaching`` (its BDM kept until the
detach completes), the target of a swap (a reserved attachment with no BDM yet), or
attached to a shelved_offloaded server (no device name). Nor is Cinder's own bookkeeping:
a volume ``os-reserve`` made ``attaching`` (no attachment yet), or an attachment ``os-attach``
made (to a host, or to an instance id Cinder does not check, with no block device mapping).
No flask imports.
"""

from __future__ import annotations

from collections import Counter

from fakenova.domain.images import snapshot_references
from fakenova.domain.model import BlockDeviceMapping, Server, Volume, VolumeAttachment
from fakenova.domain.store import State

# Volume statuses that only make sense while some attachment is in flight.
_ATTACHMENT_STATUSES = ("reserved", "attaching", "detaching")


def check(state: State) -> list[str]:
    """Every broken invariant, volumes first then servers, in the state's order. Like any
    read, it first applies the transitions that are due."""
    with state.transaction():
        problems: list[str] = []
        # one pass over every server's BDMs, not one per volume
        bdms_of: dict[str, list[BlockDeviceMapping]] = {}
        for server in state.servers.values():
            for bdm in server.bdms:
                if bdm.volume_id is not None:
                    bdms_of.setdefault(bdm.volume_id, []).append(bdm)
        for volume in state.volumes.values():
            problems += _volume_status(volume)
            problems += _attachments(state, volume)
            if not volume.multiattach:
                problems += _single_attach(volume, bdms_of.get(volume.id, []))
        for server in state.servers.values():
            problems += _bdms(state, server)
            problems += _devices(server)
        for image in state.images.values():
            problems += [f"image {image.id} has a block device mapping from snapshot {ref}, "
                         "which does not exist" for ref in snapshot_references(image)
                         if ref not in state.snapshots]
        problems += [f"snapshot {snapshot.id} is of volume {snapshot.volume_id}, which does "
                     "not exist" for snapshot in state.snapshots.values()
                     if snapshot.volume_id not in state.volumes]
        return problems


def _exists(state: State, server_id: str) -> Server | None:
    server = state.servers.get(server_id)
    return server if server is not None and server.vm_state != "deleted" else None


def _describe(attachments: list[VolumeAttachment]) -> str:
    return ", ".join(f"{a.id} (server {a.server_id}, {a.status})" for a in attachments)


def _volume_status(volume: Volume) -> list[str]:
    attached = [a for a in volume.attachments if a.status == "attached"]
    if volume.status == "in-use" and not attached:
        return [f"volume {volume.id} is in-use but has no attached attachment"
                + (f" (only {_describe(volume.attachments)})" if volume.attachments else "")]
    if volume.status == "available" and volume.attachments:
        return [f"volume {volume.id} is available but still has attachments: "
                f"{_describe(volume.attachments)}"]
    if (volume.status in _ATTACHMENT_STATUSES and volume.status != "attaching"
            and not volume.attachments):
        return [f"volume {volume.id} is {volume.status} but has no attachments"]
    return []


def _attachments(state: State, volume: Volume) -> list[str]:
    problems = []
    for attachment in volume.attachments:
        if attachment.volume_id != volume.id:
            problems.append(f"attachment {attachment.id} is listed on volume {volume.id} "
                            f"but names volume {attachment.volume_id}")
        if not attachment.nova_managed:
            continue  # Cinder's os-attach: no block device mapping to match
        server = _exists(state, attachment.server_id or "")
        if server is None:
            problems.append(f"volume {volume.id} is still attached to server "
                            f"{attachment.server_id}, which does not exist: attachment "
                            f"{attachment.id} ({attachment.status}) leaked")
        elif attachment.status == "attached" and server.volume_bdm(volume.id) is None:
            problems.append(f"volume {volume.id} has attachment {attachment.id} attached to "
                            f"server {server.id}, which has no block device mapping for it")
    return problems


def _single_attach(volume: Volume, bdms: list[BlockDeviceMapping]) -> list[str]:
    problems = []
    if len(volume.attachments) > 1:
        problems.append(f"volume {volume.id} is not multiattach but has "
                        f"{len(volume.attachments)} attachments: "
                        f"{_describe(volume.attachments)}")
    if len(bdms) > 1:
        users = ", ".join(f"{b.uuid} (server {b.server_id})" for b in bdms)
        problems.append(f"volume {volume.id} is not multiattach but {len(bdms)} block "
                        f"device mappings use it: {users}")
    return problems


def _bdms(state: State, server: Server) -> list[str]:
    problems = []
    for bdm in server.bdms:
        if bdm.server_id != server.id:
            problems.append(f"block device mapping {bdm.uuid} is listed on server {server.id} "
                            f"but names server {bdm.server_id}")
        if bdm.volume_id is None:
            continue
        volume = state.volumes.get(bdm.volume_id)
        if volume is None:
            problems.append(f"server {server.id} has block device mapping {bdm.uuid} for "
                            f"volume {bdm.volume_id}, which does not exist")
        elif bdm.attachment_id is not None and not any(
                a.id == bdm.attachment_id and a.server_id == server.id
                for a in volume.attachments):
            problems.append(f"server {server.id} has block device mapping {bdm.uuid} naming "
                            f"attachment {bdm.attachment_id}, which volume {volume.id} does "
                            "not have for this server")
    per_volume = Counter(b.volume_id for b in server.bdms if b.volume_id is not None)
    for volume_id, count in per_volume.items():
        if count > 1:
            problems.append(f"server {server.id} has {count} block device mappings for "
                            f"volume {volume_id}")
    return problems


def _devices(server: Server) -> list[str]:
    problems = []
    by_device: dict[str, list[BlockDeviceMapping]] = {}
    for bdm in server.bdms:
        if bdm.device_name is not None:
            by_device.setdefault(bdm.device_name, []).append(bdm)
    for device, bdms in by_device.items():
        if len(bdms) > 1:
            holders = " and ".join(f"{b.uuid} (volume {b.volume_id or 'none: image'})"
                                   for b in bdms)
            problems.append(f"server {server.id} has {len(bdms)} block device mappings on "
                            f"{device}: {holders}")
    return problems
