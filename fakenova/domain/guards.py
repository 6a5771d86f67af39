"""The compute API's instance guards: the checks of Nova's ``check_instance_lock`` and
``check_instance_state`` decorators, shared by server actions and volume attachments."""

from __future__ import annotations

from collections.abc import Collection

from ..errors import Conflict
from .model import Context, Server


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
