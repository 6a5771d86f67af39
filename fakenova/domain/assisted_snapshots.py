"""Nova's assisted volume snapshots: Cinder's remote-filesystem drivers ask Nova to snapshot
(or delete a snapshot of) a volume a server has attached
(nova.api.openstack.compute.assisted_volume_snapshots and
nova.compute.api.API.volume_snapshot_create / volume_snapshot_delete). The hypervisor's
part, and its answer to Cinder, happen off the API's path: here they leave no trace."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequest
from .model import Context, Server
from .policy import Rule, authorize, declare
from .store import State, locked

declare({
    # nova/policies/assisted_volume_snapshots.py: base.SERVICE_ROLE (an admin passes too)
    "os_compute_api:os-assisted-volume-snapshots:create": Rule(service=True),
    "os_compute_api:os-assisted-volume-snapshots:delete": Rule(service=True),
})


def _attached_server(state: State, volume_id: str) -> Server:
    """_get_bdm_by_volume_id: the server whose block device mapping uses the volume, in any
    project; VolumeBDMNotFound when none does, VolumeBDMIsMultiAttach when several do
    (both answered 400)."""
    found = [server for server in state.servers.values()
             if server.vm_state != "deleted" and server.volume_bdm(volume_id) is not None]
    if not found:
        raise BadRequest(f"No volume Block Device Mapping with id {volume_id}.")
    if len(found) > 1:
        raise BadRequest(f"Block Device Mapping {volume_id} is a multi-attach volume and is "
                         "not valid for this operation.")
    return found[0]


def _check_instance(server: Server, method: str) -> None:
    """check_instance_host and check_instance_state(vm_state=None): a host, and no task."""
    if not server.host:
        raise BadRequest(f"Instance {server.id} is not ready")
    if server.task_state is not None:
        raise BadRequest(f"Instance {server.id} in task_state {server.task_state}. Cannot "
                         f"{method} while the instance is in this state.")


@locked
def create(state: State, ctx: Context, volume_id: str,
           create_info: dict[str, Any]) -> dict[str, Any]:
    """What the API answers: the ``id`` of ``create_info`` (or null) and the volume's id."""
    authorize(ctx, "os_compute_api:os-assisted-volume-snapshots:create")
    server = _attached_server(state, volume_id)
    _check_instance(server, "volume_snapshot_create")
    return {"id": create_info.get("id"), "volumeId": volume_id}


def authorize_delete(ctx: Context) -> None:
    authorize(ctx, "os_compute_api:os-assisted-volume-snapshots:delete")


@locked
def delete(state: State, ctx: Context, snapshot_id: str, delete_info: dict[str, Any]) -> None:
    """``delete_info`` names the volume; merging into an intermediate file needs an active
    server (the libvirt driver cannot do it offline)."""
    authorize_delete(ctx)
    volume_id = delete_info["volume_id"]
    server = _attached_server(state, str(volume_id))
    _check_instance(server, "volume_snapshot_delete")
    if delete_info.get("merge_target_file") is not None and server.vm_state != "active":
        raise BadRequest(f"Instance {server.id} in vm_state {server.vm_state}. Cannot "
                         "volume_snapshot_delete while the instance is in this state.")
