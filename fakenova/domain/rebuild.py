"""Rebuild (ServersController._action_rebuild; compute.api.API.rebuild): a server starts
again from an image, with its volumes still attached. A volume-backed server keeps its image
before 2.93; from 2.93 its root volume is reimaged."""

from __future__ import annotations

from typing import NamedTuple

from ..errors import BadRequest
from .guards import check_instance_lock, check_instance_state, check_volumes_in_use
from .model import Context, Server, now_iso
from .policy import MEMBER, authorize, declare
from .server_images import glance_image, root_volume_of
from .store import State, locked

declare({
    "os_compute_api:servers:rebuild": MEMBER,
    "os_compute_api:servers:rebuild:trusted_certs": MEMBER,
})

_REBUILD_VM_STATES = frozenset({"active", "stopped", "error"})
UNSET: object = object()  # a rebuild field the body did not give


class RebuildRequest(NamedTuple):
    """What a rebuild body asks for, as the API has read it at its microversion; a field
    left at ``UNSET`` was not given (a given None clears: key_name, user_data, certs)."""

    image_ref: str
    name: str | None = None
    metadata: dict[str, str] | None = None
    description: object = UNSET
    key_name: object = UNSET
    user_data: object = UNSET
    trusted_image_certificates: object = UNSET
    hostname: str | None = None
    reimage_boot_volume: bool = False  # 2.93


@locked
def rebuild(state: State, ctx: Context, server_id: str, request: RebuildRequest) -> Server:
    """REBUILD (task_state rebuilding) now; one clock step later the server runs the new
    image, ACTIVE (SHUTOFF again if it was stopped)."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, "os_compute_api:servers:rebuild", server.project_id)
    if request.trusted_image_certificates is not UNSET:
        authorize(ctx, "os_compute_api:servers:rebuild:trusted_certs", server.project_id)
    check_instance_lock(ctx, server)
    check_instance_state(server, "rebuild", _REBUILD_VM_STATES, server_ref=server_id)
    if request.key_name is not UNSET and request.key_name is not None:
        raise BadRequest("Invalid key_name provided.")  # there are no key pairs here
    image = glance_image(state, ctx, request.image_ref)
    if image is None:
        raise BadRequest("Cannot find image for rebuild")
    root_volume = root_volume_of(state, server) if server.boots_from_volume else None
    if server.boots_from_volume:
        if request.trusted_image_certificates not in (UNSET, None, []):
            raise BadRequest("Image certificate validation is not supported for "
                             "volume-backed servers.")
        original = root_volume.image_id if root_volume else None
        if original != image.id and not request.reimage_boot_volume:
            raise BadRequest(f"Image {request.image_ref} is unacceptable: Unable to rebuild "
                             "with a different image for a volume-backed server.")
    if image.status != "active":
        raise BadRequest(f"Image {image.id} is not active.")
    check_volumes_in_use(state.volumes, server, BadRequest)

    state.touch(server, root_volume)
    if not server.boots_from_volume:
        server.image_ref = image.id
    elif root_volume is not None:
        root_volume.image_id = image.id
    if request.name is not None:
        server.name = request.name
    if request.metadata is not None:
        server.metadata = dict(request.metadata)
    if request.description is not UNSET:
        server.description = request.description  # type: ignore[assignment]
    if request.key_name is not UNSET:
        server.key_name = None
    if request.user_data is not UNSET:
        server.user_data = request.user_data  # type: ignore[assignment]
    if request.trusted_image_certificates is not UNSET:
        certs = request.trusted_image_certificates
        server.trusted_image_certificates = list(certs) if certs else None  # type: ignore
    if request.hostname is not None:
        server.hostname = request.hostname
    was_stopped = server.vm_state == "stopped"
    server.task_state, server.updated = "rebuilding", now_iso()

    def rebuilt() -> None:
        if state.servers.get(server.id) is not server or server.task_state != "rebuilding":
            return
        server.vm_state = "stopped" if was_stopped else "active"
        server.power_state = 4 if was_stopped else 1
        server.task_state, server.updated = None, now_iso()
        server.launched_at = server.updated

    state.clock.schedule(rebuilt)
    return server
