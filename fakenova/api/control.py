"""``/_fakenova``: the fake's own control API (not OpenStack)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..errors import BadRequest
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


@bp.post("/clock")
def clock() -> Response:
    """Move a manual clock: ``{"advance": seconds}``; answers the clock's new time."""
    body = request.get_json(silent=True)
    seconds = body.get("advance") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise BadRequest('Expected {"advance": <seconds>}')
    state = cloud().state
    with state.transaction():
        try:
            now = state.clock.advance(seconds)
        except ValueError as error:
            raise BadRequest(str(error)) from error
    return json_response({"mode": state.clock.mode, "now": now, "pending": state.clock.pending})
