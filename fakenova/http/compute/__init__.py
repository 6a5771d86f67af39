"""Nova: version documents, the v2.1 pipeline, and the APIs served below it (volume
attachments, servers, flavors, addresses, a server's security groups, the os-volumes
proxy). A new Nova API is a module listed in ``_APIS``: its
blueprint ``bp`` is served below ``/compute/v2.1`` and its ``BINDINGS`` document it."""

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
    pipeline,
    server_actions,
    server_security_groups,
    servers,
    versions,
)
from fakenova.http.service import Service
from fakenova.microversion import MAX_VERSION
from fakenova.openapi.bindings import (
    KEYSTONE_TOKEN,
    OPENSTACK_FAULTS,
    Conventions,
    Documentation,
    VersionHeader,
)

_APIS = (attachments, servers, server_actions, flavors, ips, server_security_groups,
         os_volumes, assisted_snapshots, instance_actions, images)


def _register(app: Flask) -> None:
    api = Blueprint("compute_api", __name__)
    for module in _APIS:
        api.register_blueprint(module.bp)
    app.register_blueprint(versions.bp)
    app.register_blueprint(api, url_prefix="/compute/v2.1")
    app.register_blueprint(api, url_prefix="/compute/v2.1/<project_id:project_id>",
                           name="compute_api_project")


# Described at the newest microversion, with the headers pipeline.add_headers sets.
_DOCUMENTATION = Documentation(
    Conventions(version=VersionHeader("compute", MAX_VERSION),
                request_ids=("x-compute-request-id", "x-openstack-request-id"),
                errors=OPENSTACK_FAULTS, security=(KEYSTONE_TOKEN,)),
    (versions.BINDINGS, *(module.BINDINGS for module in _APIS)))

SERVICE = Service(
    name="compute", segment="compute", register=_register, api_prefix=pipeline.API_PREFIX,
    needs_token=pipeline.needs_token, prepare=pipeline.prepare,
    note_version=pipeline.note_version, requested_version=pipeline.requested_version,
    add_headers=pipeline.add_headers, render_error=pipeline.render_error,
    documentation=_DOCUMENTATION)
