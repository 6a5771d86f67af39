"""The compute API's instance guards: the checks of Nova's ``check_instance_lock`` and
``check_instance_state`` decorators, shared by server actions and volume attachments, and
the volume check rebuild and rescue make first."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ..errors import Conflict, FakenovaError
from .model import Context, Server, Volume


def invalid_state(server_ref: str, action: str, attr: str, state: str) -> Conflict:
    """The 409 for an instance in a state ``action`` is not allowed from, as the API words
    it (common.raise_http_conflict_for_instance_invalid_state)."""
    return Conflict(f"Cannot '{action}' instance {server_ref} while it is in {attr} {state}")


def check_instance_lock(ctx: Context, server: Server) -> None:
    """Only an admin acts on a locked server."""
    if server.locked and not ctx.is_admin:
        raise Conflict(f"Instance {server.id} is locked")


def check_instance_state(server: Server, action: str, vm_states: Collection[str], *,
                         server_ref: str | None = None, must_have_launched: bool = False,
                         ) -> None:
    """The server must be in one of ``vm_states``, with no task running (and with
    ``must_have_launched``, have been launched). Messages name the server by ``server_ref``,
    the reference the request gave, or else by its id."""
    ref = server.id if server_ref is None else server_ref
    if server.vm_state not in vm_states:
        raise invalid_state(ref, action, "vm_state", server.vm_state)
    if server.task_state is not None:
        raise invalid_state(ref, action, "task_state", server.task_state)
    if must_have_launched and not server.launched_at:
        raise Conflict(f"Instance {ref} is in an invalid state for '{action}'")


def check_volumes_in_use(volumes: Mapping[str, Volume], server: Server,
                         error: type[FakenovaError]) -> None:
    """API._check_volume_status: every volume the server has must be in-use, else ``error``
    (rebuild answers the InvalidVolume as a 400, rescue as a 409)."""
    for bdm in server.bdms:
        volume = volumes.get(bdm.volume_id or "")
        if volume is not None and volume.status != "in-use":
            raise error(f"Invalid volume: volume '{volume.id}' status must be 'in-use'. "
                        f"Currently in '{volume.status}' status")
