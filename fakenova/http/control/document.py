"""``/_fakenova/openapi.json``: an OpenAPI 3.1 document of fakenova's surface.

The paths are the app's own URL rules, each documented by the bindings its service carries
(``Service.documentation``) and its parts'; the document is built
(``fakenova.openapi.builder``) on the first request and kept for the app's life, as its
routes no longer change by then.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from flask import Blueprint, Flask, Response, current_app

from fakenova.http.error_bodies import fault_key, json_response
from fakenova.http.routing import ProjectIdConverter
from fakenova.http.volume.pipeline import MAX_VERSION as VOLUME_VERSION
from fakenova.openapi.bindings import Binding, Bindings, Documentation, object_schema

if TYPE_CHECKING:  # the builder is imported when a document is first asked for
    from fakenova.openapi.builder import Route, Surface

bp = Blueprint("openapi", __name__, url_prefix="/_fakenova")

_DOCUMENTS: WeakKeyDictionary[Flask, dict[str, Any]] = WeakKeyDictionary()
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_AUTOMATIC = frozenset({"HEAD", "OPTIONS"})


def routes(app: Flask) -> list[Route]:
    """Every method of every URL rule whose view is fakenova's (not Flask's static files),
    every service loaded."""
    from fakenova.openapi.builder import Route

    app.services.all()  # type: ignore[attr-defined]
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
                patterns={name: converter.regex for name, converter in converters.items()},
                optional=frozenset(name for name, converter in converters.items()
                                   if isinstance(converter, ProjectIdConverter))))
    return found


def documentation(app: Flask) -> list[Documentation]:
    """How each of the app's services documents its operations."""
    found: list[Documentation] = app.services.documentation()  # type: ignore[attr-defined]
    return found


def surface(app: Flask) -> Surface:
    from fakenova.openapi.builder import Surface
    from fakenova.openapi.components import Sources

    # Where the schemas of schemas/ are read: compute's at a microversion, Cinder's version.
    sources = Sources(volume_version=VOLUME_VERSION)
    return Surface(routes=routes(app), services=documentation(app), sources=sources,
                   fault_key=fault_key)


def document(app: Flask) -> dict[str, Any]:
    """The app's document, built once."""
    if app not in _DOCUMENTS:
        from fakenova.openapi.builder import build_document

        _DOCUMENTS[app] = build_document(surface(app))
    return _DOCUMENTS[app]


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """This document: fakenova's surface as OpenAPI 3.1."""
    return json_response(document(current_app._get_current_object()))  # type: ignore[attr-defined]


BINDINGS = Bindings("control", {
    "GET /_fakenova/openapi.json": Binding(200, object_schema(
        openapi={"type": "string"}, paths={"type": "object"})),
})
