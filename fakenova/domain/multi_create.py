"""Server create, one or many (compute.api.API.create and _provision_instances): the image
and block device checks, the instance quota, and the names Nova gives several servers made
by one request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..errors import BadRequest, Forbidden
from .devices import next_device_name
from .flavors import FLAVORS
from .model import BlockDeviceMapping, Context, Server, Volume, VolumeAttachment, now_iso
from .policy import authorize
from .server_images import glance_image
from .store import State, locked
from .volumes import begin_create_volume

INSTANCE_QUOTA = 10  # [quota] instances, devstack's default: servers a project may have
_UID_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyz"


class BlockDeviceRequest(NamedTuple):
    """One entry of block_device_mapping_v2 in a server create request."""

    boot_index: int | None
    source_type: str
    destination_type: str
    uuid: str | None = None
    volume_size: int | None = None
    delete_on_termination: bool = False
    device_name: str | None = None
    tag: str | None = None


class CreateRequest(NamedTuple):
    """A create request as the API has read it."""

    name: str
    image_ref: str | None
    flavor_ref: str
    block_devices: Sequence[BlockDeviceRequest] = ()
    metadata: dict[str, str] | None = None
    description: str | None = None
    min_count: int = 1
    max_count: int = 1
    hostname: str | None = None
    user_data: str | None = None


def _reservation_id(state: State) -> str:
    """utils.generate_uid("r"): r- and eight characters (from the state's id source, so a
    seeded cloud repeats them)."""
    bits = int(state.new_id().replace("-", ""), 16)
    text = ""
    for _ in range(8):
        bits, digit = divmod(bits, 36)
        text += _UID_CHARACTERS[digit]
    return f"r-{text}"


def _check_quota(state: State, ctx: Context, min_count: int, max_count: int) -> int:
    """compute.utils.check_num_instances_quota, for the instances quota: as many as fit up
    to ``max_count``, or TooManyInstances when not even ``min_count`` do."""
    used = sum(1 for s in state.servers.values()
               if s.project_id == ctx.project_id and s.vm_state != "deleted")
    allowed = INSTANCE_QUOTA - used
    if max_count <= allowed:
        return max_count
    if min_count <= allowed:
        return allowed
    requested = str(min_count) if min_count == max_count else f"{min_count}-{max_count}"
    raise Forbidden(f"Quota exceeded for instances: Requested {requested}, but already used "
                    f"{used} of {INSTANCE_QUOTA} instances")


def _check_images(state: State, ctx: Context, request: CreateRequest) -> None:
    """The boot image (API._get_image), then the images block devices name
    (API._validate_bdm)."""
    if request.image_ref:
        image = glance_image(state, ctx, request.image_ref)
        if image is None:
            raise BadRequest("Can not find requested image")
        if image.status != "active":
            raise BadRequest(f"Image {image.id} is not active.")
    for device in request.block_devices:
        if (device.source_type == "image" and device.uuid != request.image_ref
                and glance_image(state, ctx, device.uuid or "") is None):
            raise BadRequest(f"Block Device Mapping is Invalid: failed to get image "
                             f"{device.uuid}.")


@locked
def create_servers(state: State, ctx: Context, request: CreateRequest,
                   ) -> tuple[list[Server], str]:
    """Create between min_count and max_count servers in BUILD (as many as the quota lets);
    each goes ACTIVE after one clock step. Returns them and their reservation id."""
    authorize(ctx, "os_compute_api:servers:create")
    if request.flavor_ref not in FLAVORS:
        raise BadRequest(f"Flavor {request.flavor_ref} could not be found.")
    if request.hostname and request.max_count > 1:
        raise BadRequest("Unable to allocate a single hostname to multiple instances")
    block_devices = request.block_devices
    root_request = next((b for b in block_devices if b.boot_index == 0), None)
    boot_from_volume = root_request is not None and root_request.destination_type == "volume"
    if not request.image_ref and not boot_from_volume:
        raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance and "
                         "image/block device mapping combination is not valid.")
    for device in block_devices:
        if (device.source_type == "image" and device.destination_type == "volume"
                and not device.volume_size):
            raise BadRequest("Images with destination_type 'volume' need to have a non-zero "
                             "size specified")
    _check_images(state, ctx, request)
    existing = _volumes_to_attach(state, ctx, block_devices)
    if request.max_count > 1 and existing:
        raise BadRequest("Cannot attach one or more volumes to multiple instances")
    count = _check_quota(state, ctx, request.min_count, request.max_count)
    state.touch(*existing.values())
    reservation = _reservation_id(state)
    made = [_build(state, ctx, request, existing, boot_from_volume, reservation, index, count)
            for index in range(count)]
    return made, reservation


def _build(state: State, ctx: Context, request: CreateRequest, existing: dict[int, Volume],
           boot_from_volume: bool, reservation: str, index: int, count: int) -> Server:
    """One server of the request (API._populate_instance_names: several get -1, -2, ...
    after their name and hostname)."""
    # The hostname the view derives from "name-2" is the one Nova gives (sanitized name, -2).
    name = request.name if count == 1 else f"{request.name}-{index + 1}"
    server = Server(id=state.new_id(), name=name, project_id=ctx.project_id,
                    user_id=ctx.user_id, vm_state="building", task_state="scheduling",
                    host=None, image_ref="" if boot_from_volume else (request.image_ref or ""),
                    flavor_ref=request.flavor_ref, metadata=dict(request.metadata or {}),
                    description=request.description, hostname=request.hostname,
                    user_data=request.user_data, reservation_id=reservation)
    server.power_state = 0
    if not boot_from_volume:
        server.bdms.append(BlockDeviceMapping(
            uuid=state.new_id(), server_id=server.id, volume_id=None, device_name="/dev/vda",
            boot_index=0, source_type="image", destination_type="local"))
    for device in request.block_devices:
        if device.destination_type != "volume":
            continue
        volume = existing.get(id(device))
        if volume is None:
            from_image = device.source_type == "image"
            volume = begin_create_volume(state, ctx, size=device.volume_size or 1, name="",
                                         bootable=from_image,
                                         image_ref=device.uuid if from_image else None)
            if from_image:
                volume.image_id = device.uuid
        _reserve_for_boot(state, server, volume, device)
    state.servers[server.id] = server

    def spawned() -> None:
        if server.vm_state != "building" or state.servers.get(server.id) is not server:
            return
        server.vm_state, server.task_state, server.power_state = "active", None, 1
        server.host = "compute-0"
        server.launched_at = server.updated = now_iso()
        for bdm in server.bdms:
            volume = state.volumes.get(bdm.volume_id or "")
            attachment = volume.attachment_for(server.id) if volume else None
            if volume and attachment:
                attachment.status, attachment.attached_at = "attached", now_iso()
                attachment.host_name = server.host
                volume.status = "in-use"

    state.clock.schedule(spawned)
    return server


def _volumes_to_attach(state: State, ctx: Context,
                       block_devices: Sequence[BlockDeviceRequest]) -> dict[int, Volume]:
    """The existing volumes a create request names, checked before anything is made."""
    found: dict[int, Volume] = {}
    for request in block_devices:
        if request.source_type != "volume":
            continue
        volume = state.visible_volume(ctx, request.uuid or "")
        if volume is None:
            raise BadRequest(f"Block Device Mapping is Invalid: failed to get volume "
                             f"{request.uuid}.")
        if volume.status != "available" and not (volume.multiattach and
                                                 volume.status == "in-use"):
            raise BadRequest(f"Block Device Mapping is Invalid: Volume {volume.id} status must "
                             f"be available or downloading to reserve, but the current status "
                             f"is {volume.status}.")
        found[id(request)] = volume
    return found


def _reserve_for_boot(state: State, server: Server, volume: Volume,
                      request: BlockDeviceRequest) -> None:
    device = "/dev/vda" if request.boot_index == 0 else next_device_name(server)
    attachment = VolumeAttachment(id=state.new_id(), volume_id=volume.id, server_id=server.id,
                                  status="reserved", device=device)
    volume.attachments.append(attachment)
    if volume.status != "creating":
        volume.status = "reserved"
    server.bdms.append(BlockDeviceMapping(
        uuid=state.new_id(), server_id=server.id, volume_id=volume.id, device_name=device,
        boot_index=request.boot_index, attachment_id=attachment.id, tag=request.tag,
        delete_on_termination=request.delete_on_termination))
