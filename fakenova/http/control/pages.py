"""``GET /_fakenova/``: the dashboard, a page of plain HTML, CSS and JavaScript shipped with
fakenova (nothing is fetched from elsewhere, so it works offline). It reads the control API
and follows the cloud live; the control API's guard covers it as every ``/_fakenova`` path."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from flask import Blueprint, Response, redirect, request

from fakenova.harness.access import COOKIE
from fakenova.openapi.bindings import Binding, Bindings

bp = Blueprint("dashboard", __name__, url_prefix="/_fakenova")

_TYPES = {"index.html": "text/html; charset=utf-8",
          "dashboard.js": "text/javascript; charset=utf-8",
          "dashboard.css": "text/css; charset=utf-8"}
# The page may load only what fakenova serves, and talk only to it.
_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
           "img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


@cache
def _read(name: str) -> bytes:
    return (files("fakenova.http.control") / "dashboard" / name).read_bytes()


def _file(name: str) -> Response:
    response = Response(_read(name), content_type=_TYPES[name])
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def dashboard() -> Response:
    """The dashboard: servers, volumes, attachments, fault rules, requests and the clock.
    Opened as ``/_fakenova/?token=TOKEN`` (the guard has checked it), it keeps the token in
    a cookie the page's own calls carry, and sends the browser to the page without it."""
    token = request.args.get("token")
    if token is None:
        return _file("index.html")
    response = redirect(request.path, 303)
    response.set_cookie(COOKIE, token, path="/_fakenova", httponly=True, samesite="Strict")
    return response


@bp.get("/dashboard.js")
def script() -> Response:
    """The dashboard's script."""
    return _file("dashboard.js")


@bp.get("/dashboard.css")
def stylesheet() -> Response:
    """The dashboard's style sheet."""
    return _file("dashboard.css")


_TEXT = {"type": "string"}
BINDINGS = Bindings("control", {
    "GET /_fakenova/": Binding(200, _TEXT, media_type="text/html", params=("token",),
                               successes=((303, None),)),
    "GET /_fakenova/dashboard.js": Binding(200, _TEXT, media_type="text/javascript"),
    "GET /_fakenova/dashboard.css": Binding(200, _TEXT, media_type="text/css"),
})
