"""``POST /volumes/{id}/action``: Cinder's volume actions and admin actions.

The body names one action (``cinder.api.openstack.wsgi.action_peek_json`` and
``Resource.get_method``); its schema is ``schemas/volume/volumes.action.<action>.request.json``
(``cinder.api.schemas.volume_actions`` and ``admin_actions``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from fakenova.domain import volume_actions as actions
from fakenova.domain import volume_admin_actions as admin
from fakenova.domain import volume_images
from fakenova.domain.model import Context
from fakenova.errors import BadRequest, NotFound
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.http.volume.pipeline import request_version
from fakenova.http.volume.routing import api_route
from fakenova.http.volume.schemas import check
from fakenova.microversion import v
from fakenova.openapi.bindings import WRITE, Binding, Bindings, ref
from fakenova.strutils import bool_from_string

# webob's HTTPNotFound without an explanation, as Resource._process_stack answers a body
# whose action cannot be peeked (not an object)
_WEBOB_404 = "The resource could not be found."

Handler = Callable[[Context, str, Any], Response]


def _accepted() -> Response:
    """A ResponseObject of None: the status, JSON content type, no body."""
    return Response(b"", 202, content_type="application/json")


def _attach(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    actions.attach(cloud().state, ctx, volume_id, args.get("instance_uuid"),
                   args.get("host_name"), args["mountpoint"], args.get("mode", "rw"))
    return _accepted()


def _detach(ctx: Context, volume_id: str, args: dict[str, Any] | None) -> Response:
    actions.detach_volume(cloud().state, ctx, volume_id, (args or {}).get("attachment_id"))
    return _accepted()


def _simple(operation: Callable[..., None]) -> Handler:
    def handle(ctx: Context, volume_id: str, args: Any) -> Response:
        operation(cloud().state, ctx, volume_id)
        return _accepted()

    return handle


def _initialize_connection(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    info = actions.initialize_connection(cloud().state, ctx, volume_id, args["connector"])
    return json_response({"connection_info": info})


def _extend(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    admin.extend(cloud().state, ctx, volume_id, int(args["new_size"]), request_version())
    return _accepted()


def _retype(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    admin.retype(cloud().state, ctx, volume_id, args["new_type"], args.get("migration_policy"))
    return _accepted()


def _readonly(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    admin.update_readonly_flag(cloud().state, ctx, volume_id,
                               bool_from_string(args["readonly"], strict=True))
    return _accepted()


def _bootable(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    """200, not 202: ``_set_bootable`` is declared with HTTPStatus.OK."""
    admin.set_bootable(cloud().state, ctx, volume_id,
                       bool_from_string(args["bootable"], strict=True))
    return Response(b"", 200, content_type="application/json")


def _upload_image(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    """From 3.1 the image is private and unprotected unless the body says otherwise."""
    later = request_version() >= v("3.1")
    protected = bool_from_string(args.get("protected", False), strict=True) if later else None
    found = volume_images.upload_to_image(
        cloud().state, ctx, volume_id, args["image_name"], args.get("disk_format", "raw"),
        args.get("container_format", "bare"),
        visibility=args.get("visibility", "private") if later else None, protected=protected)
    return json_response({"os-volume_upload_image": found}, 202)


def _reset_status(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    admin.reset_status(cloud().state, ctx, volume_id, args.get("status"),
                       args.get("attach_status"), args.get("migration_status"))
    return _accepted()


def _force_detach(ctx: Context, volume_id: str, args: dict[str, Any]) -> Response:
    admin.force_detach(cloud().state, ctx, volume_id, args.get("attachment_id"))
    return _accepted()


ACTIONS: dict[str, Handler] = {
    "os-attach": _attach,
    "os-detach": _detach,
    "os-reserve": _simple(actions.reserve),
    "os-unreserve": _simple(actions.unreserve),
    "os-begin_detaching": _simple(actions.begin_detaching),
    "os-roll_detaching": _simple(actions.roll_detaching),
    "os-initialize_connection": _initialize_connection,
    "os-terminate_connection": _simple(actions.terminate_volume_connection),
    "os-extend": _extend,
    "os-retype": _retype,
    "os-update_readonly_flag": _readonly,
    "os-set_bootable": _bootable,
    "os-volume_upload_image": _upload_image,
    "os-reset_status": _reset_status,
    "os-force_detach": _force_detach,
    "os-force_delete": _simple(admin.force_delete),
}


def _action_name(body: Any) -> str:
    """action_peek_json: exactly one key names the action."""
    if not isinstance(body, dict):
        if isinstance(body, (str, list)) and len(body) != 1:
            raise BadRequest("Malformed request body")
        raise NotFound(_WEBOB_404)  # len() or .keys() failed upstream
    if len(body) != 1:
        raise BadRequest("Malformed request body")
    name = next(iter(body))
    if name not in ACTIONS:
        raise BadRequest(f"There is no such action: {name}. Verify the request body and "
                         "Content-Type header and try again.")
    return name


def _validate(name: str, body: dict[str, Any]) -> None:
    """The action's schema at the request's version; then the reset body's format checks,
    which upstream runs inside validation."""
    args = body[name]
    if name == "os-reset_status" and isinstance(args, dict):
        statuses = (args.get("status"), args.get("attach_status"), args.get("migration_status"))
        if not any(statuses):
            admin.check_reset_body(None, None, None)
    check(f"volumes.action.{name}.request", body)
    if name == "os-reset_status":
        admin.check_reset_body(args.get("status"), args.get("attach_status"),
                               args.get("migration_status"))


@api_route("/volumes/<volume_id>/action", "POST")
def volume_action(volume_id: str) -> Response:
    """Run the one action the body names: os-attach, os-detach, os-reserve, os-unreserve,
    os-begin_detaching, os-roll_detaching, os-initialize_connection, os-terminate_connection,
    os-extend, os-retype, os-update_readonly_flag, os-set_bootable, os-volume_upload_image,
    os-reset_status, os-force_detach, os-force_delete."""
    body = exchange().json_body
    name = _action_name(body)
    _validate(name, body)
    return ACTIONS[name](context(), volume_id, body[name])


# One component per action's body (each a schema file), and the request as one of them.
# Most actions answer 202 with no body; os-initialize_connection (its connection_info) and
# os-set_bootable (no body) answer 200.
BINDINGS = Bindings("volume actions", {
    "POST /volume/v3/volumes/{volume_id}/action": Binding(
        202, body="volumes.action.request", errors=WRITE, successes=((200, None),)),
}, components={"volumes.action.request": {
    "title": "One volume action",
    "oneOf": [ref(f"volumes.action.{name}.request") for name in ACTIONS]}})
