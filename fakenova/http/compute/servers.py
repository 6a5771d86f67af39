"""``/servers``: the parts of Nova's servers API clients use around attachments (list,
detail, show, create, delete; the actions are ``server_actions``). Each view parses the
request, validates it against ``schemas/compute/`` (``compute_schemas``), calls one domain
function and renders the answer at the request's version (``server_views``)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response

from fakenova.domain import multi_create, servers
from fakenova.domain.ids import is_uuid_like
from fakenova.domain.model import Server
from fakenova.domain.multi_create import BlockDeviceRequest, CreateRequest
from fakenova.errors import BadRequest
from fakenova.http.compute.schemas import (
    joined_table_filters,
    request_version,
    validate_body,
    validated_query,
)
from fakenova.http.compute.views import (
    id_from_href,
    next_links,
    page,
    render_server,
    resource_links,
)
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context, exchange
from fakenova.microversion import v
from fakenova.openapi.bindings import READ, WRITE, Binding, Bindings, envelope
from fakenova.strutils import bool_from_string, require_int

bp = Blueprint("servers", __name__)

# Filters a non-admin may use (servers._get_server_search_options); others are dropped.
_USER_FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("2.1", ("reservation_id", "name", "status", "image", "flavor", "ip", "changes-since",
             "all_tenants")),
    ("2.5", ("ip6",)),
    ("2.26", ("tags", "tags-any", "not-tags", "not-tags-any")),
    ("2.66", ("changes-before",)),
    ("2.73", ("locked",)),
    ("2.83", ("availability_zone", "config_drive", "key_name", "created_at", "launched_at",
              "terminated_at", "power_state", "task_state", "vm_state", "progress",
              "user_id")),
    ("2.90", ("hostname",)),
)
_PASSWORD_SYMBOLS = ("23456789", "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz")


def _accepted(status: int = 202) -> Response:
    return Response(b"", status=status, content_type="application/json")


# -- servers: list, show ----------------------------------------------------------------


def _listed_servers(detail: bool) -> tuple[list[Server], dict[str, list[str]]]:
    """GET /servers[/detail]: filters as Nova's _get_servers reads them, newest first."""
    version, ctx = request_version(), context()
    query = validated_query("servers.index.query")
    filters = dict(query)
    if not ctx.is_admin:  # without allow_all_filters, other filters are silently dropped
        allowed = {name for low, names in _USER_FILTERS if version >= v(low) for name in names}
        filters = {key: values for key, values in filters.items() if key in allowed}
    joined = joined_table_filters()
    for key in filters:
        if key in joined or key.startswith("_"):
            raise BadRequest(f"Invalid filter field: {key}.")
    statuses = query.get("status")
    if statuses and not servers.states_for_statuses(statuses)[0]:
        if version >= v("2.38"):
            raise BadRequest("Invalid status value")
        return [], query
    all_tenants = "all_tenants" in filters and (
        not filters["all_tenants"][-1] or bool_from_string(filters["all_tenants"][-1], True))
    name = filters["name"][-1] if "name" in filters else None
    reservation = filters["reservation_id"][-1] if "reservation_id" in filters else None
    found = servers.list_servers(cloud().state, ctx, all_projects=all_tenants, name=name,
                                 status=statuses, detail=detail, reservation_id=reservation)
    # Nova sorts on created_at desc, then newest row first.
    newest_first = list(reversed(sorted(found, key=lambda s: s.created)))
    return page(newest_first, query, lambda s: s.id), query


@bp.get("/servers")
def index() -> Response:
    """List servers: id, name and links of each."""
    found, query = _listed_servers(detail=False)
    body: dict[str, Any] = {"servers": [{"id": s.id, "links": resource_links("servers", s.id),
                                         "name": s.name} for s in found]}
    if links := next_links("servers", found, query, found[-1].id if found else ""):
        body["servers_links"] = links
    return json_response(body)


@bp.get("/servers/detail")
def detail() -> Response:
    """List servers with every detail show gives, except server_groups."""
    found, query = _listed_servers(detail=True)
    body: dict[str, Any] = {"servers": [render_server(s, request_version(), context())
                                        for s in found]}
    if links := next_links("servers/detail", found, query, found[-1].id if found else ""):
        body["servers_links"] = links
    return json_response(body)


@bp.get("/servers/<server_id>")
def show(server_id: str) -> Response:
    """One server; from 2.102 any query parameter is refused."""
    validated_query("show.query")
    server = servers.get_server(cloud().state, context(), server_id)
    return json_response({"server": render_server(server, request_version(), context(),
                                                  show=True)})


# -- servers: create, delete ------------------------------------------------------------


def _check_networks(networks: object) -> None:
    """What the API itself checks of a list of networks (_get_requested_networks)."""
    if not isinstance(networks, list):
        return
    ports: list[str] = []
    for network in networks:
        port = network.get("port")
        if port:
            if port in ports:
                raise BadRequest(f"Port ID '{port}' was specified twice: you cannot attach a "
                                 "port multiple times.")
            if network.get("fixed_ip") is not None:
                raise BadRequest(f"Specified Fixed IP '{network['fixed_ip']}' cannot be used "
                                 f"with port '{port}': the two cannot be specified together.")
            ports.append(port)
        elif "uuid" not in network:
            raise BadRequest("Bad network format: missing 'uuid'")
        elif not is_uuid_like(network["uuid"]):
            raise BadRequest("Bad networks format: network uuid is not in proper format "
                             f"({network['uuid']})")


def _block_device(item: dict[str, Any], image_given: bool) -> BlockDeviceRequest | None:
    """One block_device_mapping_v2 entry, checked as BlockDeviceDict.from_api checks it."""
    if item.get("no_device"):
        return None
    source, uuid, destination = (item.get("source_type"), item.get("uuid"),
                                 item.get("destination_type"))
    invalid = "Block Device Mapping is Invalid: "
    if source == "blank" and uuid:
        raise BadRequest(invalid + "Invalid device UUID.")
    if source != "blank" and not uuid:
        raise BadRequest(invalid + "Missing device UUID.")
    boot_index = item.get("boot_index")
    if source == "image" and destination == "local" and not (
            image_given and boot_index is not None
            and require_int(boot_index, "boot_index") == 0):
        raise BadRequest(invalid + "Mapping image to local is not supported.")
    if item.get("volume_type") and (destination == "local" or source == "volume"):
        raise BadRequest(invalid + ("Specifying a volume_type with destination_type=local is "
                                    "not supported." if destination == "local" else
                                    "Specifying volume type to existing volume is not "
                                    "supported."))
    if source is None:  # from_api has stored the uuid under "None_id" by now
        raise BadRequest(invalid + "Following fields are invalid: None_id")
    return BlockDeviceRequest(
        boot_index=require_int(boot_index, "boot_index") if boot_index is not None else None,
        source_type=source, uuid=uuid,
        destination_type=destination or ("volume" if source == "volume" else "local"),
        volume_size=(require_int(item["volume_size"], "volume_size") if item.get("volume_size")
                     else None),
        delete_on_termination=bool_from_string(item.get("delete_on_termination", False)),
        device_name=item.get("device_name"), tag=item.get("tag"))


def _legacy_block_device(item: dict[str, Any]) -> BlockDeviceRequest | None:
    """A legacy block_device_mapping entry: a volume (or snapshot) on a device name."""
    if item.get("no_device") or not (item.get("volume_id") or item.get("snapshot_id")):
        return None
    device = (item.get("device_name") or "").removeprefix("/dev/")
    return BlockDeviceRequest(
        boot_index=0 if device in ("vda", "sda", "xvda", "hda") else None,
        source_type="volume" if item.get("volume_id") else "snapshot",
        destination_type="volume", uuid=item.get("volume_id") or item.get("snapshot_id"),
        volume_size=(require_int(item["volume_size"], "volume_size") if item.get("volume_size")
                     else None),
        delete_on_termination=bool_from_string(item.get("delete_on_termination", False)),
        device_name=item.get("device_name"))


def _block_devices(body: dict[str, Any]) -> list[BlockDeviceRequest]:
    legacy, current = body.get("block_device_mapping", []), body.get("block_device_mapping_v2",
                                                                     [])
    if legacy and current:
        raise BadRequest("Using different block_device_mapping syntaxes is not allowed in the "
                         "same request.")
    image_given = body.get("imageRef") not in (None, "")
    requests = ([_block_device(item, image_given) for item in current] if current else
                [_legacy_block_device(item) for item in legacy])
    return [r for r in requests if r is not None]


def generate_password() -> str:
    """utils.generate_password: 12 characters, at least one of each group."""
    chosen = [secrets.choice(group) for group in _PASSWORD_SYMBOLS]
    chosen += [secrets.choice("".join(_PASSWORD_SYMBOLS)) for _ in range(12 - len(chosen))]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)


@bp.post("/servers")
def create() -> Response:
    """Create a server: 202 with its id, links and admin password; it builds on the clock."""
    validate_body("servers.create.request", exchange().json_body)
    body: dict[str, Any] = exchange().json_body["server"]
    min_count = require_int(body.get("min_count", 1), "min_count")
    max_count = require_int(body.get("max_count", min_count), "max_count")
    if min_count > max_count:
        raise BadRequest("min_count must be <= max_count")
    block_devices = _block_devices(body)
    if not body.get("imageRef") and not block_devices:
        raise BadRequest("Missing imageRef attribute")
    _check_networks(body.get("networks"))
    name = body["name"].strip()
    made, reservation = multi_create.create_servers(cloud().state, context(), CreateRequest(
        name=name, image_ref=body.get("imageRef"), flavor_ref=id_from_href(body["flavorRef"]),
        block_devices=block_devices, metadata=body.get("metadata"),
        # Before 2.19 Nova stores the name as the description.
        description=body.get("description") if request_version() >= v("2.19") else name,
        min_count=min_count, max_count=max_count, hostname=body.get("hostname"),
        user_data=body.get("user_data")))
    if bool_from_string(body.get("return_reservation_id", False)):
        return json_response({"reservation_id": reservation}, 202)
    server = made[0]
    links = resource_links("servers", server.id)
    answer = {"id": server.id, "links": links,
              "OS-DCF:diskConfig": "AUTO" if body.get("OS-DCF:diskConfig") == "AUTO"
              else "MANUAL",
              "security_groups": body.get("security_groups", [{"name": "default"}]),
              "adminPass": body.get("adminPass", generate_password())}
    return json_response({"server": answer}, 202, headers={"Location": links[0]["href"]})


@bp.delete("/servers/<server_id>")
def delete(server_id: str) -> Response:
    """Delete a server: 204; its volumes are freed (or deleted) when it is gone."""
    servers.delete_server(cloud().state, context(), server_id)
    return _accepted(204)


_PATH = "/compute/v2.1/servers"
BINDINGS = Bindings("servers", {
    f"GET {_PATH}": Binding(200, envelope("servers", True), query="servers.index.query",
                            errors=READ),
    f"GET {_PATH}/detail": Binding(200, envelope("servers", True),
                                   query="servers.index.query", errors=READ),
    f"POST {_PATH}": Binding(202, {"anyOf": [envelope("server"), envelope("reservation_id")]},
                             body="servers.create.request", errors=WRITE),
    f"GET {_PATH}/{{server_id}}": Binding(200, envelope("server"), query="show.query",
                                          errors=READ),
    f"DELETE {_PATH}/{{server_id}}": Binding(204, errors=(*READ, 409)),
})
