"""Nova's instance actions (``nova.api.openstack.compute.instance_actions``): what was done
to a server, by which request, and how each step ended.

fakenova records the actions a client cannot otherwise see completing: ``extend_volume``,
which Nova starts when Cinder sends the ``volume-extended`` external event
(``nova.compute.api.API.external_instance_event``) and whose ``compute_extend_volume`` event
the compute manager finishes (``ComputeManager.extend_volume``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..errors import BadRequest, NotFound
from .model import Context, InstanceAction, InstanceActionEvent, Server, new_id, now_iso
from .policy import ADMIN, READER, allows, authorize, declare
from .store import State, locked

_RULE = "os_compute_api:os-instance-actions:"
# nova/policies/instance_actions.py
declare({_RULE + "list": READER, _RULE + "show": READER, _RULE + "events": ADMIN,
         _RULE + "events:details": ADMIN})


def record_action(state: State, ctx: Context, server: Server, action: str, event: str,
                  error: str | None = None) -> InstanceAction:
    """Record a finished action of one event (``InstanceAction.action_start`` and the
    compute manager's ``wrap_instance_event``); ``error`` is the failed event's traceback.
    For a caller holding the lock."""
    state.touch(server)
    when = now_iso()
    recorded = InstanceAction(
        request_id=f"req-{new_id()}", action=action, instance_uuid=server.id,
        user_id=ctx.user_id, project_id=ctx.project_id, start_time=when, updated_at=when,
        message="Error" if error else None,
        events=[InstanceActionEvent(event=event, start_time=when, finish_time=when,
                                    result="Error" if error else "Success",
                                    traceback=error, host=server.host)])
    server.actions.append(recorded)
    return recorded


def record_volume_extended(state: State, ctx: Context, server: Server, volume_id: str) -> None:
    """Cinder told Nova the volume grew: ``extend_volume``, whose compute event fails (the
    manager's BDM lookup) if the server has no mapping of the volume."""
    mapped = server.volume_bdm(volume_id) is not None
    record_action(state, ctx, server, "extend_volume", "compute_extend_volume",
                  error=None if mapped else ("nova.exception.VolumeBDMNotFound: No volume "
                                             f"Block Device Mapping with id {volume_id}."))


def _instance(state: State, ctx: Context, server_id: str, deleted_too: bool) -> Server:
    """common.get_instance; from 2.21 a deleted server's actions can still be read."""
    server = state.servers.get(server_id)
    if (server is None or (not ctx.is_admin and server.project_id != ctx.project_id)
            or (server.vm_state == "deleted" and not deleted_too)):
        raise NotFound(f"Instance {server_id} could not be found.")
    return server


def _parse_time(text: str) -> datetime:
    """An ISO 8601 time as naive UTC (timeutils.parse_isotime, normalized)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


@locked
def list_actions(state: State, ctx: Context, server_id: str, deleted_too: bool = False,
                 limit: int | None = None, marker: str | None = None,
                 changes_since: str | None = None,
                 changes_before: str | None = None) -> list[InstanceAction]:
    """Newest first; from 2.58 filtered by update time and paged by request id."""
    server = _instance(state, ctx, server_id, deleted_too)
    authorize(ctx, _RULE + "list", server.project_id)
    since = _parse_time(changes_since) if changes_since else None
    before = _parse_time(changes_before) if changes_before else None
    if since and before and before < since:
        raise BadRequest("The value of changes-since must be less than or equal to "
                         "changes-before.")
    found = [a for a in reversed(server.actions)
             if (since is None or _parse_time(a.updated_at) >= since)
             and (before is None or _parse_time(a.updated_at) <= before)]
    if marker is not None:
        at = next((i for i, a in enumerate(found) if a.request_id == marker), None)
        if at is None:
            raise BadRequest(f"Marker {marker} could not be found.")
        found = found[at + 1:]
    return found if limit is None else found[:limit]


@locked
def show_action(state: State, ctx: Context, server_id: str, request_id: str,
                deleted_too: bool = False) -> tuple[InstanceAction, bool, bool]:
    """The action, whether the caller may see its events in full (traceback, host) and
    their details."""
    server = _instance(state, ctx, server_id, deleted_too)
    authorize(ctx, _RULE + "show", server.project_id)
    action = next((a for a in server.actions if a.request_id == request_id), None)
    if action is None:
        raise NotFound(f"Action {request_id} not found")
    return (action, allows(ctx, _RULE + "events", server.project_id),
            allows(ctx, _RULE + "events:details", server.project_id))
