"""Resize, confirmResize and revertResize (ServersController._resize, _confirm_resize,
_revert_resize; compute.api.API.resize, confirm_resize, revert_resize). Volumes stay
attached throughout; there is one compute host, so a resize stays on it."""

from __future__ import annotations

from ..errors import BadRequest
from .flavors import FLAVORS, flavor_for
from .guards import check_instance_lock, check_instance_state
from .model import Context, Server, now_iso
from .policy import MEMBER, authorize, declare
from .server_images import boot_image_of
from .store import State, locked

declare({
    "os_compute_api:servers:resize": MEMBER,
    "os_compute_api:servers:confirm_resize": MEMBER,
    "os_compute_api:servers:revert_resize": MEMBER,
})

_RESIZE_VM_STATES = frozenset({"active", "stopped"})
_POWER = {"active": 1, "stopped": 4}


@locked
def resize(state: State, ctx: Context, server_id: str, flavor_ref: str) -> Server:
    """RESIZE now (task_state resize_prep); one clock step later VERIFY_RESIZE (vm_state
    resized) on the new flavor, the old one kept for a revert."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:servers:resize", server.project_id)
    check_instance_lock(ctx, server)
    check_instance_state(server, "resize", _RESIZE_VM_STATES, server_ref=server_id)
    new = FLAVORS.get(flavor_ref)
    if new is None:
        raise BadRequest(f"Flavor {flavor_ref} could not be found.")
    current = flavor_for(server.flavor_ref)
    if new.disk == 0 and current.disk != 0 and not server.boots_from_volume:
        raise BadRequest("Server disk was unable to be resized because: Resize to zero disk "
                         "flavor is not allowed.")
    if new.id == current.id:
        raise BadRequest("When resizing, instances must change flavor!")
    image = boot_image_of(state, server)
    if image is not None and new.ram < image.min_ram:
        raise BadRequest("Flavor's memory is too small for requested image.")
    state.touch(server)
    server.task_state, server.updated = "resize_prep", now_iso()

    def resized() -> None:
        if state.servers.get(server.id) is not server or server.task_state != "resize_prep":
            return
        server.old_vm_state, server.old_flavor_ref = server.vm_state, server.flavor_ref
        server.vm_state, server.task_state, server.flavor_ref = "resized", None, new.id
        server.updated = now_iso()

    state.clock.schedule(resized)
    return server


def _resized(state: State, ctx: Context, server_id: str, action: str, rule: str) -> Server:
    server = state.visible_server(ctx, server_id)
    authorize(ctx, rule, server.project_id)
    check_instance_lock(ctx, server)
    check_instance_state(server, action, ("resized",), server_ref=server_id)
    if server.old_flavor_ref is None:  # no finished migration to confirm or revert
        raise BadRequest("Instance has not been resized.")
    state.touch(server)
    return server


def _settle(server: Server) -> None:
    server.vm_state = server.old_vm_state or "active"
    server.power_state = _POWER.get(server.vm_state, 1)
    server.old_vm_state = server.old_flavor_ref = None
    server.task_state, server.updated = None, now_iso()


@locked
def confirm_resize(state: State, ctx: Context, server_id: str) -> Server:
    """Keep the new flavor: the server goes back to the state it was resized from."""
    server = _resized(state, ctx, server_id, "confirmResize",
                      "os_compute_api:servers:confirm_resize")
    server.old_flavor_ref = None  # the migration is confirming: not to be confirmed again

    def confirmed() -> None:
        if state.servers.get(server.id) is server and server.vm_state == "resized":
            _settle(server)

    state.clock.schedule(confirmed)
    return server


@locked
def revert_resize(state: State, ctx: Context, server_id: str) -> Server:
    """REVERT_RESIZE (task_state resize_reverting), then the old flavor and state again."""
    server = _resized(state, ctx, server_id, "revertResize",
                      "os_compute_api:servers:revert_resize")
    server.task_state = "resize_reverting"
    old_flavor = server.old_flavor_ref or server.flavor_ref

    def reverted() -> None:
        if state.servers.get(server.id) is server and server.task_state == "resize_reverting":
            server.flavor_ref = old_flavor
            _settle(server)

    state.clock.schedule(reverted)
    return server
