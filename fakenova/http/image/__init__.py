"""Glance v2 at devstack's ``/image``: version documents, images, their data and tags."""

from __future__ import annotations

from flask import Flask

from fakenova.http.image import discovery, faults, image_data, images, pipeline, versions
from fakenova.http.image.routing import bp
from fakenova.http.service import Service
from fakenova.openapi.bindings import (
    KEYSTONE_ERROR,
    KEYSTONE_TOKEN,
    WEBOB_ERROR,
    Conventions,
    Documentation,
    ErrorBodies,
)

_VIEWS = (versions, images, image_data, discovery)  # their routes are on ``bp``


def _register(app: Flask) -> None:
    app.register_blueprint(bp)


# Every error is webob's, but keystonemiddleware's 401.
_ERRORS = ErrorBodies(by_status={401: KEYSTONE_ERROR, **{
    status: WEBOB_ERROR for status in (400, 403, 404, 405, 409, 413, 415, 500)}})
_DOCUMENTATION = Documentation(
    Conventions(request_ids=("x-openstack-request-id",), errors=_ERRORS,
                security=(KEYSTONE_TOKEN,)),
    tuple(module.BINDINGS for module in _VIEWS))

SERVICE = Service(
    name="image", segment="image", register=_register, api_prefix=pipeline.API_PREFIX,
    read_body=pipeline.read_body, needs_token=pipeline.needs_token, prepare=pipeline.prepare,
    add_headers=pipeline.add_headers, render_error=faults.render_error,
    render_unrouted=faults.render_unrouted, render_unexpected=faults.render_unexpected,
    documentation=_DOCUMENTATION)
