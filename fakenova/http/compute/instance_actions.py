"""``/servers/{server_id}/os-instance-actions``: a server's actions and their events
(``nova.api.openstack.compute.instance_actions.InstanceActionsController``)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response

from fakenova.domain import instance_actions
from fakenova.domain.model import InstanceAction, InstanceActionEvent
from fakenova.http.compute.schemas import request_version, validated_query
from fakenova.http.compute.views import next_links
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context
from fakenova.microversion import v
from fakenova.openapi.bindings import READ, Binding, Bindings, envelope
from fakenova.strutils import require_int

bp = Blueprint("instance_actions", __name__,
               url_prefix="/servers/<server_id>/os-instance-actions")


def _action(action: InstanceAction) -> dict[str, Any]:
    item = {"action": action.action, "instance_uuid": action.instance_uuid,
            "request_id": action.request_id, "user_id": action.user_id,
            "project_id": action.project_id, "start_time": action.start_time,
            "message": action.message}
    if request_version() >= v("2.58"):
        item["updated_at"] = action.updated_at
    return item


def _event(event: InstanceActionEvent, project_id: str, full: bool,
           details: bool) -> dict[str, Any]:
    """_format_event: the traceback (and from 2.62 the host) for those who see events in
    full; from 2.62 everyone gets the hashed host id, from 2.84 the allowed the details."""
    item: dict[str, Any] = {"event": event.event, "start_time": event.start_time,
                            "finish_time": event.finish_time, "result": event.result}
    if full:
        item["traceback"] = event.traceback
    if request_version() >= v("2.62"):
        if full:
            item["host"] = event.host
        item["hostId"] = (hashlib.sha224((project_id + event.host).encode()).hexdigest()
                          if event.host else "")
    if details:
        item["details"] = event.details
    return item


@bp.get("")
def index(server_id: str) -> Response:
    """Newest first; from 2.58 with limit, marker, changes-since (and from 2.66
    changes-before), and a next link when a page is full."""
    query = validated_query("os-instance-actions.index.query")
    version = request_version()
    paged = version >= v("2.58")
    limit = require_int(query["limit"][-1], "limit") if "limit" in query else None
    found = instance_actions.list_actions(
        cloud().state, context(), server_id, deleted_too=version >= v("2.21"),
        limit=limit or None, marker=query["marker"][-1] if "marker" in query else None,
        changes_since=query.get("changes-since", [None])[-1],
        changes_before=query.get("changes-before", [None])[-1])
    if paged:
        found = found[:1000]  # CONF.api.max_limit
    body: dict[str, Any] = {"instanceActions": [_action(a) for a in found]}
    links = next_links(f"servers/{server_id}/os-instance-actions", found, query,
                       found[-1].request_id) if paged and found else []
    if links:
        body["links"] = links
    return json_response(body)


@bp.get("/<request_id>")
def show(server_id: str, request_id: str) -> Response:
    """One action; its events for admins, and from 2.51 for the server's readers too."""
    validated_query("os-instance-actions.show.query")
    version = request_version()
    action, full, details = instance_actions.show_action(
        cloud().state, context(), server_id, request_id, deleted_too=version >= v("2.21"))
    item = _action(action)
    if full or version >= v("2.51"):
        owner = action.project_id or ""
        item["events"] = [_event(e, owner, full, details and version >= v("2.84"))
                          for e in action.events]
    return json_response({"instanceAction": item})


_PATH = "/compute/v2.1/servers/{server_id}/os-instance-actions"
BINDINGS = Bindings("instance actions", {
    f"GET {_PATH}": Binding(200, envelope("instanceActions", True),
                            query="os-instance-actions.index.query", errors=READ),
    f"GET {_PATH}/{{request_id}}": Binding(200, envelope("instanceAction"),
                                           query="os-instance-actions.show.query",
                                           errors=READ),
})
