"""``GET /servers/{server_id}/os-security-groups``: the security groups of a server
(``nova.api.openstack.compute.security_groups.ServerSecurityGroupController.index``)."""

from __future__ import annotations

from flask import Blueprint, Response

from fakenova.domain import security_groups
from fakenova.http.compute.schemas import validated_query
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, context
from fakenova.openapi.bindings import READ, Binding, Bindings, object_schema

bp = Blueprint("server_security_groups", __name__,
               url_prefix="/servers/<server_id>/os-security-groups")


@bp.get("")
def index(server_id: str) -> Response:
    """The server's security groups: none, as fakenova's servers have no ports."""
    validated_query("servers.os-security-groups.query")
    groups = security_groups.list_server_security_groups(cloud().state, context(), server_id)
    return json_response({"security_groups": groups})


_PATH = "/compute/v2.1/servers/{server_id}/os-security-groups"
BINDINGS = Bindings("server_security_groups", {
    f"GET {_PATH}": Binding(200, object_schema(security_groups={
        "type": "array", "items": {"type": "object"}}),
        query="servers.os-security-groups.query", errors=READ),
})
