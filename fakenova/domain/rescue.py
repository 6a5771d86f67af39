"""Rescue and unrescue (nova.api.openstack.compute.rescue; compute.api.API.rescue and
unrescue): a rescued server runs from a rescue image, its volumes stay attached, and attach
and detach wait until it is unrescued (RESCUE is not among the states they allow)."""

from __future__ import annotations

from ..errors import BadRequest, Conflict
from .guards import check_instance_lock, check_instance_state, check_volumes_in_use
from .model import Context, Server, now_iso
from .policy import MEMBER, authorize, declare
from .server_images import boot_image_of, glance_image
from .store import State, locked

declare({
    "os_compute_api:os-rescue": MEMBER,
    "os_compute_api:os-unrescue": MEMBER,
})

_RESCUE_VM_STATES = frozenset({"active", "stopped", "error"})


@locked
def rescue(state: State, ctx: Context, server_id: str, rescue_image_ref: str | None = None,
           allow_bfv_rescue: bool = False) -> Server:
    """RESCUE (vm_state rescued) one clock step after rescuing. A volume-backed server is
    rescued only with ``allow_bfv_rescue`` (2.87) and a rescue image that names both
    hw_rescue_device and hw_rescue_bus (a stable device rescue; the compute host here has
    the COMPUTE_RESCUE_BFV trait)."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:os-rescue", server.project_id)
    check_instance_lock(ctx, server)
    check_instance_state(server, "rescue", _RESCUE_VM_STATES, server_ref=server_id)
    if rescue_image_ref:
        image = glance_image(state, ctx, rescue_image_ref)
        if image is None or image.properties.get("img_block_device_mapping"):
            raise BadRequest(f"Requested rescue image '{rescue_image_ref}' is not supported")
    else:
        image = boot_image_of(state, server)
    check_volumes_in_use(state.volumes, server, Conflict)
    properties = image.properties if image is not None else {}
    stable = "hw_rescue_bus" in properties and "hw_rescue_device" in properties
    if server.boots_from_volume and not (allow_bfv_rescue and stable):
        raise BadRequest(f"Instance {server.id} cannot be rescued: Cannot rescue a "
                         "volume-backed instance")
    state.touch(server)
    server.task_state = "rescuing"
    server.rescue_image_ref = rescue_image_ref or None

    def rescued() -> None:
        if state.servers.get(server.id) is server and server.task_state == "rescuing":
            server.old_vm_state = server.vm_state
            server.vm_state, server.task_state, server.power_state = "rescued", None, 1
            server.updated = now_iso()

    state.clock.schedule(rescued)
    return server


@locked
def unrescue(state: State, ctx: Context, server_id: str) -> Server:
    """Back to ACTIVE (running) one clock step after unrescuing."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:os-unrescue", server.project_id)
    check_instance_lock(ctx, server)
    check_instance_state(server, "unrescue", ("rescued",), server_ref=server_id)
    state.touch(server)
    server.task_state = "unrescuing"

    def unrescued() -> None:
        if state.servers.get(server.id) is server and server.task_state == "unrescuing":
            server.vm_state, server.task_state, server.power_state = "active", None, 1
            server.old_vm_state = server.rescue_image_ref = None
            server.updated = now_iso()

    state.clock.schedule(unrescued)
    return server
