"""``/servers/{server_id}/ips``: a server's addresses, all of them or one network's
(``nova.api.openstack.compute.ips.IPsController`` and its ``views.ips.ViewBuilder``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from fakenova.domain import addresses
from fakenova.http.compute.schemas import validated_query
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context
from fakenova.openapi.bindings import READ, Binding, Bindings, object_schema

bp = Blueprint("ips", __name__, url_prefix="/servers/<server_id>/ips")


def _address(address: dict[str, Any]) -> dict[str, Any]:
    return {"version": address["version"], "addr": address["addr"]}


@bp.get("")
def index(server_id: str) -> Response:
    """Every network the server is on, by label, with its addresses."""
    validated_query("servers.ips.query")
    networks = addresses.list_addresses(cloud().state, context(), server_id)
    return json_response({"addresses": {label: [_address(a) for a in found]
                                        for label, found in networks.items()}})


@bp.get("/<network_label>")
def show(server_id: str, network_label: str) -> Response:
    """The server's addresses on one network; 404 for a network it is not on."""
    validated_query("servers.ips.query")
    found = addresses.show_addresses(cloud().state, context(), server_id, network_label)
    return json_response({network_label: [_address(a) for a in found]})


_PATH = "/compute/v2.1/servers/{server_id}/ips"
_ADDRESSES = {"type": "array", "items": object_schema(
    version={"enum": [4, 6]}, addr={"type": "string"})}
BINDINGS = Bindings("ips", {
    f"GET {_PATH}": Binding(200, object_schema(addresses={
        "type": "object", "additionalProperties": _ADDRESSES}), query="servers.ips.query",
        errors=READ),
    f"GET {_PATH}/{{network_label}}": Binding(200, {
        "type": "object", "additionalProperties": _ADDRESSES}, query="servers.ips.query",
        errors=READ),
})
