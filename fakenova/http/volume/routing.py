"""Cinder's routes: one blueprint, and every API path with and without the project id after
``/v3`` (3.67 made it optional; upstream routes both at every microversion)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response

bp = Blueprint("volume", __name__, url_prefix="/volume")

View = TypeVar("View", bound=Callable[..., Response])


def api_route(rule: str, method: str) -> Callable[[View], View]:
    """Route ``/v3{rule}`` and ``/v3/{project_id}{rule}`` to the view."""

    def register(view: View) -> View:
        for prefix, suffix in (("/v3", ""), ("/v3/<project_id:project_id>", "_project")):
            bp.add_url_rule(prefix + rule, f"{view.__name__}{suffix}", view, methods=[method],
                            provide_automatic_options=False)
        return view

    return register
