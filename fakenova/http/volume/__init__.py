"""Cinder v3: version documents and volumes."""

from __future__ import annotations

from flask import Flask

from fakenova.http.service import Service
from fakenova.http.volume import (
    actions,
    backups,
    pipeline,
    snapshot_manage,
    snapshots,
    types,
    versions,
    volumes,
)
from fakenova.http.volume.routing import bp
from fakenova.openapi.bindings import (
    KEYSTONE_TOKEN,
    OPENSTACK_FAULTS,
    Conventions,
    Documentation,
    VersionHeader,
)

_VIEWS = (versions, volumes, actions,  # routes on ``bp``, documented by their ``BINDINGS``
          snapshots, backups, snapshot_manage, types)


def _register(app: Flask) -> None:
    app.register_blueprint(bp)


# Described at the newest microversion, with the headers pipeline.add_headers always sets.
_DOCUMENTATION = Documentation(
    Conventions(version=VersionHeader("volume", pipeline.MAX_VERSION),
                request_ids=("x-openstack-request-id",), errors=OPENSTACK_FAULTS,
                security=(KEYSTONE_TOKEN,)),
    tuple(module.BINDINGS for module in _VIEWS))

SERVICE = Service(
    name="volume", segment="volume", register=_register, api_prefix=pipeline.API_PREFIX,
    needs_token=pipeline.needs_token, prepare=pipeline.prepare,
    note_version=pipeline.note_version, requested_version=pipeline.requested_version,
    add_headers=pipeline.add_headers, documentation=_DOCUMENTATION)
