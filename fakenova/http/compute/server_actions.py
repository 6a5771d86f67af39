"""``POST /servers/{server_id}/action``: every server action served, each body checked
against its own schema (``servers.action.<action>.request``) at the request's version.

os-stop, os-start, reboot, shelve, shelveOffload, unshelve, lock and unlock answer 202 with
no body; rescue 200 with the admin password, unrescue, resize and revertResize 202,
confirmResize 204, rebuild 202 with the server, createImage 202 (a Location header before
2.45, the image id from 2.45)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from fakenova.domain import rebuild, rescue, resize, server_images, servers
from fakenova.domain.model import Server
from fakenova.errors import BadRequest, NotFound
from fakenova.http.compute.schemas import request_version, validate_body
from fakenova.http.compute.servers import generate_password
from fakenova.http.compute.views import render_server, resource_links
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.microversion import v
from fakenova.openapi.bindings import WRITE, Binding, Bindings

bp = Blueprint("server_actions", __name__)

# The actions servers.server_action carries out: request key -> the domain's name for it.
_SIMPLE = {"os-stop": "stop", "os-start": "start", "reboot": "reboot", "shelve": "shelve",
           "shelveOffload": "shelveOffload", "unshelve": "unshelve", "lock": "lock",
           "unlock": "unlock"}
# What the rebuild answer shows before 2.75 (the view builder's show with its show_* off).
_REBUILD_BASIC = frozenset({
    "id", "name", "status", "tenant_id", "user_id", "metadata", "hostId", "image", "flavor",
    "created", "updated", "addresses", "accessIPv4", "accessIPv6", "links",
    "OS-DCF:diskConfig", "progress", "locked", "description", "tags",
    "trusted_image_certificates", "server_groups", "locked_reason"})


def _empty(status: int = 202) -> Response:
    return Response(b"", status=status, content_type="application/json")


def _action_name(body: object) -> str:
    """wsgi.action_peek: a body with exactly one key names the action."""
    if not exchange().body or (isinstance(body, (str, list, dict)) and len(body) != 1):
        raise BadRequest("Malformed request body")
    if not isinstance(body, dict):
        raise NotFound("The resource could not be found.")
    name: str = next(iter(body))
    return name


def _simple(server_id: str, name: str, body: dict[str, Any]) -> Response:
    reboot_type = body["reboot"]["type"].upper() if name == "reboot" else "SOFT"
    servers.server_action(cloud().state, context(), server_id, _SIMPLE[name],
                          reboot_type=reboot_type)
    return _empty()


def _rescue(server_id: str, body: dict[str, Any]) -> Response:
    """RescueController._rescue: 200 with the admin password (given or generated)."""
    options = body["rescue"] or {}
    password = options.get("adminPass") or generate_password()
    rescue.rescue(cloud().state, context(), server_id,
                  rescue_image_ref=options.get("rescue_image_ref"),
                  allow_bfv_rescue=request_version() >= v("2.87"))
    return json_response({"adminPass": password})


def _unrescue(server_id: str, body: dict[str, Any]) -> Response:
    rescue.unrescue(cloud().state, context(), server_id)
    return _empty()


def _resize(server_id: str, body: dict[str, Any]) -> Response:
    resize.resize(cloud().state, context(), server_id, str(body["resize"]["flavorRef"]))
    return _empty()


def _confirm_resize(server_id: str, body: dict[str, Any]) -> Response:
    resize.confirm_resize(cloud().state, context(), server_id)
    return _empty(204)


def _revert_resize(server_id: str, body: dict[str, Any]) -> Response:
    resize.revert_resize(cloud().state, context(), server_id)
    return _empty()


def _create_image(server_id: str, body: dict[str, Any]) -> Response:
    """ServersController._create_image: the image's id from 2.45, a Location header (the
    image's URL in Glance) before."""
    entity = body["createImage"]
    image = server_images.create_image(cloud().state, context(), server_id,
                                       entity["name"].strip(), entity.get("metadata"))
    if request_version() >= v("2.45"):
        return json_response({"image_id": image.id}, 202)
    answer = _empty()
    answer.headers["Location"] = f"{request.host_url}image/images/{image.id}"
    return answer


def _rebuild_request(entity: dict[str, Any]) -> rebuild.RebuildRequest:
    """The rebuild body as _action_rebuild reads it (the schema has kept out what the
    request's version does not know)."""
    unset = rebuild.UNSET
    return rebuild.RebuildRequest(
        image_ref=entity["imageRef"],
        name=entity["name"].strip() if "name" in entity else None,
        metadata=entity.get("metadata"),
        description=entity.get("description", unset),
        key_name=entity.get("key_name", unset),
        user_data=entity.get("user_data", unset),
        trusted_image_certificates=entity.get("trusted_image_certificates", unset),
        hostname=entity.get("hostname"),
        reimage_boot_volume=request_version() >= v("2.93"))


def render_rebuilt(server: Server) -> dict[str, Any]:
    """The rebuilt server as _action_rebuild shows it: the basic view (key_name from 2.54)
    before 2.75, every attribute GET shows from 2.75; user_data from 2.57."""
    version, ctx = request_version(), context()
    item = render_server(server, version, ctx, show=True)
    item.pop("OS-EXT-SRV-ATTR:user_data", None)
    if version < v("2.75"):
        keep = _REBUILD_BASIC | ({"key_name"} if version >= v("2.54") else set())
        item = {key: value for key, value in item.items() if key in keep}
    if version >= v("2.57"):
        item["user_data"] = server.user_data
    return item


def _rebuild(server_id: str, body: dict[str, Any]) -> Response:
    entity = body["rebuild"]
    password = entity["adminPass"] if "adminPass" in entity else generate_password()
    server = rebuild.rebuild(cloud().state, context(), server_id, _rebuild_request(entity))
    item = render_rebuilt(server)
    item["adminPass"] = password
    return json_response({"server": item}, 202,
                         headers={"Location": resource_links("servers", server.id)[0]["href"]})


_HANDLERS: dict[str, Callable[[str, dict[str, Any]], Response]] = {
    "rescue": _rescue, "unrescue": _unrescue, "rebuild": _rebuild, "resize": _resize,
    "confirmResize": _confirm_resize, "revertResize": _revert_resize,
    "createImage": _create_image,
}


@bp.post("/servers/<server_id>/action")
def action(server_id: str) -> Response:
    """One server action, named by the body's one key: os-stop, os-start, reboot, lock,
    unlock, shelve, shelveOffload, unshelve, rescue, unrescue, rebuild, resize,
    confirmResize, revertResize, createImage."""
    body = exchange().json_body
    name = _action_name(body)
    if name not in _SIMPLE and name not in _HANDLERS:
        raise BadRequest(f"There is no such action: {name}")
    validate_body(f"servers.action.{name}.request", body)
    if name in _SIMPLE:
        return _simple(server_id, name, body)
    return _HANDLERS[name](server_id, body)


_PATH = "/compute/v2.1/servers"
_RESCUED = {"type": "object", "properties": {"adminPass": {"type": "string"}},
            "additionalProperties": False}
BINDINGS = Bindings("servers", {
    # 202 bodies differ by action (none, a server, an image id): left undescribed
    f"POST {_PATH}/{{server_id}}/action": Binding(
        202, body="servers.action.request", errors=WRITE,
        successes=((200, _RESCUED), (204, None))),
})
