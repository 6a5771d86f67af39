"""Nova's APIs below ``/compute/v2.1``: volume attachments, servers and their actions,
flavors, addresses, a server's security groups, the os-volumes proxy, assisted snapshots,
instance actions and the image proxy. They are a ``Part`` of the compute service, loaded on
the first request below v2.1 (a client's first request, version discovery, needs none).

A new Nova API is a module listed in ``APIS``: its blueprint ``bp`` is served below
``/compute/v2.1``, with or without a project id, and its ``BINDINGS`` document it."""

from __future__ import annotations

from flask import Blueprint, Flask

from fakenova.http.compute import (
    assisted_snapshots,
    attachments,
    flavors,
    images,
    instance_actions,
    ips,
    os_volumes,
    server_actions,
    server_security_groups,
    servers,
)

APIS = (attachments, servers, server_actions, flavors, ips, server_security_groups,
        os_volumes, assisted_snapshots, instance_actions, images)
BINDINGS = tuple(module.BINDINGS for module in APIS)


def register(app: Flask) -> None:
    api = Blueprint("compute_api", __name__)
    for module in APIS:
        api.register_blueprint(module.bp)
    app.register_blueprint(api, url_prefix="/compute/v2.1")
    app.register_blueprint(api, url_prefix="/compute/v2.1/<project_id:project_id>",
                           name="compute_api_project")
