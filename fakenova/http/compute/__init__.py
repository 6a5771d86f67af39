"""Nova: version documents, the v2.1 pipeline, and the APIs served below it, a part loaded
on the first request below ``/compute/v2.1/`` (``fakenova.http.compute.api``)."""

from __future__ import annotations

import re

from fakenova.http.compute import pipeline, versions
from fakenova.http.service import Part, Service
from fakenova.microversion import MAX_VERSION
from fakenova.openapi.bindings import (
    KEYSTONE_TOKEN,
    OPENSTACK_FAULTS,
    Conventions,
    Documentation,
    VersionHeader,
)

# Described at the newest microversion, with the headers pipeline.add_headers sets.
_DOCUMENTATION = Documentation(
    Conventions(version=VersionHeader("compute", MAX_VERSION),
                request_ids=("x-compute-request-id", "x-openstack-request-id"),
                errors=OPENSTACK_FAULTS, security=(KEYSTONE_TOKEN,)),
    (versions.BINDINGS,))

SERVICE = Service(
    name="compute", segment="compute", register=versions.register,
    api_prefix=pipeline.API_PREFIX, needs_token=pipeline.needs_token,
    prepare=pipeline.prepare, note_version=pipeline.note_version,
    requested_version=pipeline.requested_version, add_headers=pipeline.add_headers,
    render_error=pipeline.render_error, documentation=_DOCUMENTATION,
    parts=(Part(re.compile(r"/compute/v2\.1/."), "fakenova.http.compute.api"),))
