"""``/_fakenova/openapi.json``: an OpenAPI 3.1 document of fakenova's surface.

The paths are the app's own URL rules; the document is built (``fakenova.openapi``) on the
first request and kept for the app's life, as its routes no longer change by then.
"""

from __future__ import annotations

import inspect
import re
from typing import Any
from weakref import WeakKeyDictionary

from flask import Blueprint, Flask, Response, current_app

from fakenova.harness.access import HEADER
from fakenova.http.compute.schemas import versioned_schema
from fakenova.http.error_bodies import fault_key, json_response
from fakenova.http.volume.pipeline import MAX_VERSION as VOLUME_VERSION
from fakenova.http.volume.queries import PAGINATION, USER_FILTERS
from fakenova.openapi import Route, Surface, build_document

bp = Blueprint("openapi", __name__, url_prefix="/_fakenova")

_DOCUMENTS: WeakKeyDictionary[Flask, dict[str, Any]] = WeakKeyDictionary()
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_AUTOMATIC = frozenset({"HEAD", "OPTIONS"})


def routes(app: Flask) -> list[Route]:
    """Every method of every URL rule whose view is fakenova's (not Flask's static files)."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "__module__", "").startswith("fakenova."):
            continue
        converters = getattr(rule, "_converters", {})
        for method in sorted((rule.methods or set()) - _AUTOMATIC):
            found.append(Route(
                path=_VARIABLE.sub(r"{\1}", rule.rule), method=method.lower(),
                endpoint=rule.endpoint, view=f"{view.__module__}.{view.__qualname__}",
                doc=inspect.getdoc(view),
                patterns={name: converter.regex for name, converter in converters.items()}))
    return found


def surface(app: Flask) -> Surface:
    return Surface(routes=routes(app), compute_schema=versioned_schema,
                   fault_key=fault_key, volume_version=VOLUME_VERSION,
                   volume_list_params=(*PAGINATION, *USER_FILTERS, "all_tenants",
                                       "with_count"),
                   control_header=HEADER)


def document(app: Flask) -> dict[str, Any]:
    """The app's document, built once."""
    if app not in _DOCUMENTS:
        _DOCUMENTS[app] = build_document(surface(app))
    return _DOCUMENTS[app]


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """This document: fakenova's surface as OpenAPI 3.1."""
    return json_response(document(current_app._get_current_object()))  # type: ignore[attr-defined]
