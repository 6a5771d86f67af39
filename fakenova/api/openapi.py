"""``/_fakenova/openapi.json``: an OpenAPI 3.1 document of fakenova's surface."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("openapi", __name__, url_prefix="/_fakenova")
