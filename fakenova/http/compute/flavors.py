"""``/flavors``: the flavors the cloud offers (``domain.flavors.FLAVORS``), listed with
Nova's filters and paging, or shown one at a time, at the request's version."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from fakenova.domain.flavors import FLAVORS, Flavor
from fakenova.errors import BadRequest, NotFound
from fakenova.http.compute.schemas import request_version, validated_query
from fakenova.http.compute.views import next_links, page, render_flavor
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import context
from fakenova.openapi.bindings import READ, Binding, Bindings, envelope
from fakenova.strutils import bool_from_string

bp = Blueprint("flavors", __name__)


def _listed_flavors() -> tuple[list[Flavor], dict[str, list[str]]]:
    """GET /flavors[/detail]: public flavors by id, with Nova's minRam/minDisk/is_public."""
    query = validated_query("flavors.index.query")
    flavors = sorted(FLAVORS.values(), key=lambda f: f.id)
    is_public = query["is_public"][-1] if "is_public" in query else None
    if context().is_admin and is_public is not None and is_public.lower() != "none":
        try:
            public = bool_from_string(is_public, strict=True)
        except BadRequest:
            raise BadRequest(f"Invalid is_public filter [{is_public}]") from None
        flavors = flavors if public else []
    for key, attribute in (("minRam", "ram"), ("minDisk", "disk")):
        if key in query:
            try:
                least = int(query[key][-1])
            except ValueError:
                raise BadRequest(f"Invalid {key} filter [{query[key][-1]}]") from None
            flavors = [f for f in flavors if getattr(f, attribute) >= least]
    if "name" in query:
        flavors = [f for f in flavors if f.name == query["name"][-1]]
    return page(flavors, query, lambda f: f.id), query


@bp.get("/flavors")
def index() -> Response:
    """List flavors: id, name, links (and description from 2.55)."""
    flavors, query = _listed_flavors()
    body: dict[str, Any] = {"flavors": [render_flavor(f, request_version(), detail=False)
                                        for f in flavors]}
    if links := next_links("flavors", flavors, query, flavors[-1].id if flavors else ""):
        body["flavors_links"] = links
    return json_response(body)


@bp.get("/flavors/detail")
def detail() -> Response:
    """List flavors with their figures."""
    flavors, query = _listed_flavors()
    body: dict[str, Any] = {"flavors": [render_flavor(f, request_version()) for f in flavors]}
    if links := next_links("flavors/detail", flavors, query,
                           flavors[-1].id if flavors else ""):
        body["flavors_links"] = links
    return json_response(body)


@bp.get("/flavors/<flavor_id>")
def show(flavor_id: str) -> Response:
    """One flavor; 404 for an id the cloud does not offer."""
    validated_query("show.query")
    flavor = FLAVORS.get(flavor_id)
    if flavor is None:
        raise NotFound(f"Flavor {flavor_id} could not be found.")
    return json_response({"flavor": render_flavor(flavor, request_version())})


_PATH = "/compute/v2.1/flavors"
BINDINGS = Bindings("flavors", {
    f"GET {_PATH}": Binding(200, envelope("flavors", True), query="flavors.index.query",
                            errors=READ),
    f"GET {_PATH}/detail": Binding(200, envelope("flavors", True),
                                   query="flavors.index.query", errors=READ),
    f"GET {_PATH}/{{flavor_id}}": Binding(200, envelope("flavor"), query="show.query",
                                          errors=READ),
})
