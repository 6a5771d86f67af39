"""Nova servers, as far as attachments need them: create, delete and the actions that
change what attachments may do. Transitions go through the clock, as on a real cloud."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import BadRequest, Forbidden, NotFound
from .attachments import settle_volume_status
from .devices import next_device_name
from .flavors import FLAVORS
from .guards import check_instance_lock, check_instance_state
from .model import (
    TASK_STATUS,
    VM_STATE_STATUS,
    BlockDeviceMapping,
    Context,
    Server,
    Volume,
    VolumeAttachment,
    now_iso,
)
from .policy import authorize
from .store import State, locked
from .volumes import begin_create_volume

_SOFT_REBOOT_STATES = frozenset({"active"})
_HARD_REBOOT_STATES = frozenset({"active", "stopped", "paused", "suspended", "error"})
# action -> (vm_states it is allowed from, task_state while it runs)
_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "stop": (frozenset({"active", "error"}), "powering-off"),
    "start": (frozenset({"stopped"}), "powering-on"),
    "shelve": (frozenset({"active", "stopped", "paused", "suspended"}), "shelving"),
    "shelveOffload": (frozenset({"shelved"}), "shelving_offloading"),
    "unshelve": (frozenset({"shelved", "shelved_offloaded"}), "unshelving"),
}
# action -> upstream's policy rule (who passes it is ``policy.RULES``' business)
_ACTION_POLICIES: dict[str, str] = {
    "stop": "os_compute_api:servers:stop",
    "start": "os_compute_api:servers:start",
    "reboot": "os_compute_api:servers:reboot",
    "lock": "os_compute_api:os-lock-server:lock",
    "unlock": "os_compute_api:os-lock-server:unlock",
    "shelve": "os_compute_api:os-shelve:shelve",
    "shelveOffload": "os_compute_api:os-shelve:shelve_offload",
    "unshelve": "os_compute_api:os-shelve:unshelve",
}


@dataclass(frozen=True)
class BlockDeviceRequest:
    """One entry of block_device_mapping_v2 in a server create request."""

    boot_index: int | None
    source_type: str
    destination_type: str
    uuid: str | None = None
    volume_size: int | None = None
    delete_on_termination: bool = False
    device_name: str | None = None
    tag: str | None = None


def states_for_statuses(statuses: Sequence[str]) -> tuple[set[str], set[str] | None]:
    """The vm_states and task_states a ``status`` filter selects, as common.
    task_and_vm_state_from_status maps them; task_states is None when any task_state goes
    (some status asked for is a vm_state's own)."""
    wanted = {status.upper() for status in statuses}
    vm_states = {vm for vm, status in VM_STATE_STATUS.items() if status in wanted}
    any_task = bool(vm_states)
    task_states: set[str] = set()
    for vm_state, tasks in TASK_STATUS.items():
        for task_state, status in tasks.items():
            if status in wanted:
                vm_states.add(vm_state)
                task_states.add(task_state)
    return vm_states, None if any_task else task_states


# -- reading -------------------------------------------------------------------------


@locked
def get_server(state: State, ctx: Context, server_id: str) -> Server:
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:servers:show", server.project_id)
    return server


@locked
def list_servers(state: State, ctx: Context, all_projects: bool = False,
                 name: str | None = None, status: str | Sequence[str] | None = None,
                 detail: bool = False) -> list[Server]:
    """Servers the caller may see, oldest first; ``name`` is a regular-expression search and
    ``status`` one or more API statuses, matched as Nova matches them (ACTIVE takes in a
    rebooting server, REBOOT only that one). ``detail`` names the policy rule checked."""
    rule = "os_compute_api:servers:detail" if detail else "os_compute_api:servers:index"
    authorize(ctx, rule)
    task_states: set[str] | None = None
    vm_states: set[str] | None = None
    if status is not None:
        vm_states, task_states = states_for_statuses([status] if isinstance(status, str)
                                                     else status)
        if vm_states == {"deleted"} and not ctx.is_admin:
            raise Forbidden("Only administrators may list deleted instances")
    if all_projects:
        authorize(ctx, f"{rule}:get_all_tenants")
    servers = [s for s in state.servers.values()
               if s.vm_state != "deleted" and (all_projects or s.project_id == ctx.project_id)]
    if name is not None:
        try:
            pattern = re.compile(name)
        except re.error:
            return []
        servers = [s for s in servers if pattern.search(s.name)]
    if vm_states is not None:
        servers = [s for s in servers if s.vm_state in vm_states
                   and (task_states is None or s.task_state in task_states)]
    return servers


# -- create and delete -----------------------------------------------------------------


@locked
def create_server(state: State, ctx: Context, name: str, image_ref: str | None,
                  flavor_ref: str, block_devices: list[BlockDeviceRequest],
                  metadata: dict[str, str] | None = None, description: str | None = None,
                  ) -> Server:
    """Create a server in BUILD; it goes ACTIVE after one clock step."""
    authorize(ctx, "os_compute_api:servers:create")
    if flavor_ref not in FLAVORS:
        raise BadRequest(f"Flavor {flavor_ref} could not be found.")
    root_request = next((b for b in block_devices if b.boot_index == 0), None)
    boot_from_volume = root_request is not None and root_request.destination_type == "volume"
    if not image_ref and not boot_from_volume:
        raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance and "
                         "image/block device mapping combination is not valid.")
    for request in block_devices:
        if (request.source_type == "image" and request.destination_type == "volume"
                and not request.volume_size):
            raise BadRequest("Images with destination_type 'volume' need to have a non-zero "
                             "size specified")
    existing = _volumes_to_attach(state, ctx, block_devices)
    state.touch(*existing.values())

    server = Server(id=state.new_id(), name=name, project_id=ctx.project_id, user_id=ctx.user_id,
                    vm_state="building", task_state="scheduling", host=None,
                    image_ref="" if boot_from_volume else (image_ref or ""),
                    flavor_ref=flavor_ref, metadata=dict(metadata or {}),
                    description=description)
    server.power_state = 0
    if not boot_from_volume:
        server.bdms.append(_image_root(state, server))
    for request in block_devices:
        if request.destination_type != "volume":
            continue
        volume = existing.get(id(request)) or begin_create_volume(
            state, ctx, size=request.volume_size or 1, name="", bootable=(
                request.source_type == "image"), image_ref=request.uuid
            if request.source_type == "image" else None)
        _reserve_for_boot(state, server, volume, request)
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


def _image_root(state: State, server: Server) -> BlockDeviceMapping:
    return BlockDeviceMapping(uuid=state.new_id(), server_id=server.id, volume_id=None,
                              device_name="/dev/vda", boot_index=0, source_type="image",
                              destination_type="local")


def _volumes_to_attach(state: State, ctx: Context,
                       block_devices: list[BlockDeviceRequest]) -> dict[int, Volume]:
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


def _touch_with_volumes(state: State, server: Server) -> None:
    state.touch(server, *(state.volumes.get(b.volume_id or "") for b in server.bdms))


@locked
def delete_server(state: State, ctx: Context, server_id: str) -> None:
    """Delete: volumes are freed, those marked delete_on_termination deleted."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:servers:delete", server.project_id)
    check_instance_lock(ctx, server)
    _touch_with_volumes(state, server)
    server.task_state = "deleting"

    def deleted() -> None:
        if state.servers.get(server.id) is not server:
            return
        doomed = {b.volume_id for b in server.bdms if b.delete_on_termination}
        # Every attachment of the server goes, also those no BDM names yet (a swap's
        # target, a failed attach): scanning the volumes is the price of a delete.
        for volume in list(state.volumes.values()):
            if not any(a.server_id == server.id for a in volume.attachments):
                continue
            state.touch(volume)
            volume.attachments = [a for a in volume.attachments if a.server_id != server.id]
            # Cinder refuses to delete a volume still attached elsewhere (multiattach)
            if volume.id in doomed and not volume.attachments:
                del state.volumes[volume.id]
            else:
                settle_volume_status(volume)
        server.bdms.clear()
        del state.servers[server.id]

    state.clock.schedule(deleted)


# -- actions ---------------------------------------------------------------------------


@locked
def server_action(state: State, ctx: Context, server_id: str, action: str,
                  reboot_type: str = "SOFT") -> None:
    """One of stop, start, reboot, shelve, shelveOffload, unshelve, lock, unlock."""
    server = state.visible_server(ctx, server_id)
    if action not in _ACTION_POLICIES:
        raise NotFound("The resource could not be found.")
    _touch_with_volumes(state, server)
    authorize(ctx, _ACTION_POLICIES[action], server.project_id)
    if action in ("lock", "unlock"):
        server.locked = action == "lock"
        return
    check_instance_lock(ctx, server)
    if action == "reboot":
        allowed = _HARD_REBOOT_STATES if reboot_type == "HARD" else _SOFT_REBOOT_STATES
        check_instance_state(server, "reboot", allowed)
        server.task_state = "rebooting_hard" if reboot_type == "HARD" else "rebooting"
        state.clock.schedule(lambda: _finish(server, "active", power_state=1))
        return
    vm_states, task_state = _ACTIONS[action]
    check_instance_state(server, action, vm_states)
    server.task_state = task_state
    if action == "stop":
        state.clock.schedule(lambda: _finish(server, "stopped", power_state=4))
    elif action == "start":
        state.clock.schedule(lambda: _finish(server, "active", power_state=1))
    elif action == "shelve":
        # devstack offloads at once (shelved_offload_time = 0)
        def shelved() -> None:
            _finish(server, "shelved", power_state=4, task_state="shelving_offloading")
            state.clock.schedule(lambda: _offload(server))
        state.clock.schedule(shelved)
    elif action == "shelveOffload":
        state.clock.schedule(lambda: _offload(server))
    elif action == "unshelve":
        state.clock.schedule(lambda: _unshelve(state, server))


def _finish(server: Server, vm_state: str, power_state: int,
            task_state: str | None = None) -> None:
    server.vm_state, server.task_state, server.power_state = vm_state, task_state, power_state
    server.updated = now_iso()


def _offload(server: Server) -> None:
    _finish(server, "shelved_offloaded", power_state=4)
    server.host = None


def _unshelve(state: State, server: Server) -> None:
    """Back on a host: volumes attached while offloaded get their device names now."""
    server.host = "compute-0"
    for bdm in server.bdms:
        if bdm.volume_id and bdm.device_name is None:
            bdm.device_name = next_device_name(server)
            volume = state.volumes.get(bdm.volume_id)
            attachment = volume.attachment_for(server.id) if volume else None
            if attachment is not None:
                attachment.device, attachment.host_name = bdm.device_name, server.host
    _finish(server, "active", power_state=1)
