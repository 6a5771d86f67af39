"""Nova servers: listing, showing, delete and the simple actions (stop, start, reboot,
lock, shelve). Create is ``multi_create``; rescue, rebuild, resize and createImage have
modules of their own. Transitions go through the clock, as on a real cloud."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import Forbidden, NotFound
from .attachments import settle_volume_status
from .devices import next_device_name
from .guards import check_instance_lock, check_instance_state
from .model import (
    TASK_STATUS,
    VM_STATE_STATUS,
    Context,
    Server,
    now_iso,
)
from .policy import authorize
from .server_images import begin_server_snapshot, finish_upload
from .store import State, locked

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
                 detail: bool = False, reservation_id: str | None = None) -> list[Server]:
    """Servers the caller may see, oldest first; ``name`` is a regular-expression search and
    ``status`` one or more API statuses, matched as Nova matches them (ACTIVE takes in a
    rebooting server, REBOOT only that one); ``reservation_id`` picks the servers one create
    request made. ``detail`` names the policy rule checked."""
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
    if reservation_id is not None:
        servers = [s for s in servers if s.reservation == reservation_id]
    if vm_states is not None:
        servers = [s for s in servers if s.vm_state in vm_states
                   and (task_states is None or s.task_state in task_states)]
    return servers


# -- delete ----------------------------------------------------------------------------


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
            # ... and one with snapshots (Nova leaves it, available)
            if (volume.id in doomed and not volume.attachments
                    and not any(s.volume_id == volume.id for s in state.snapshots.values())):
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
    shelved_image = None
    if action == "shelve" and not server.boots_from_volume:
        # API.shelve: the snapshot the host uploads, kept while the server is shelved
        shelved_image = begin_server_snapshot(state, ctx, server, f"{server.name}-shelved")
        server.shelved_image_id = shelved_image.id
    server.task_state = task_state
    if action == "stop":
        state.clock.schedule(lambda: _finish(server, "stopped", power_state=4))
    elif action == "start":
        state.clock.schedule(lambda: _finish(server, "active", power_state=1))
    elif action == "shelve":
        # devstack offloads at once (shelved_offload_time = 0)
        def shelved() -> None:
            if shelved_image is not None:
                base = state.images.get(server.image_ref)
                finish_upload(state, shelved_image, base.size or 0 if base else 0)
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
    """Back on a host: volumes attached while offloaded get their device names now, and
    the shelved snapshot is deleted (ComputeManager._delete_snapshot_of_shelved_instance)."""
    server.host = "compute-0"
    image = state.images.get(server.shelved_image_id or "")
    if image is not None:
        state.touch(image)
        del state.images[image.id]
    server.shelved_image_id = None
    for bdm in server.bdms:
        if bdm.volume_id and bdm.device_name is None:
            bdm.device_name = next_device_name(server)
            volume = state.volumes.get(bdm.volume_id)
            attachment = volume.attachment_for(server.id) if volume else None
            if attachment is not None:
                attachment.device, attachment.host_name = bdm.device_name, server.host
    _finish(server, "active", power_state=1)
