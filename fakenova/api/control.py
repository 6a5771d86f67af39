"""``/_fakenova``: the fake's own control API (not OpenStack)."""

from __future__ import annotations

from flask import Blueprint, Response

from .common import cloud
from .faults import json_response

bp = Blueprint("control", __name__, url_prefix="/_fakenova")


@bp.post("/reset")
def reset() -> Response:
    """State back to the default accounts plus the loaded fixtures."""
    cloud().reset()
    return Response(status=204)


@bp.get("/state")
def state() -> Response:
    """Every server, volume and attachment, as JSON."""
    return json_response(cloud().state.snapshot())
