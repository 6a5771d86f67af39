"""A server's addresses, as Nova's ips API gives them (``nova.api.openstack.compute.ips``).

fakenova models no networking: a server is on no network, so it has no addresses, and any
network label is one it is not a member of.
"""

from __future__ import annotations

from ..errors import NotFound
from .model import Context
from .policy import READER, authorize, declare
from .store import State, locked

declare({"os_compute_api:ips:index": READER, "os_compute_api:ips:show": READER})

Address = dict[str, object]  # {"version": 4, "addr": "192.0.2.10"}


def _networks(state: State, ctx: Context, server_id: str, rule: str,
              ) -> dict[str, list[Address]]:
    """common.get_networks_for_instance, after the instance lookup and the policy check."""
    server = state.visible_server(ctx, server_id)
    authorize(ctx, rule, server.project_id)
    return {}


@locked
def list_addresses(state: State, ctx: Context, server_id: str) -> dict[str, list[Address]]:
    """Every network of the server with its addresses (IPsController.index)."""
    return _networks(state, ctx, server_id, "os_compute_api:ips:index")


@locked
def show_addresses(state: State, ctx: Context, server_id: str, label: str) -> list[Address]:
    """The addresses on one network (IPsController.show)."""
    networks = _networks(state, ctx, server_id, "os_compute_api:ips:show")
    if label not in networks:
        raise NotFound("Instance is not a member of specified network")
    return networks[label]
