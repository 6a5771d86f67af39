"""The control API's guard: every ``/_fakenova`` request, routed or not, checked by the rules
of ``fakenova.harness.access`` before its view runs. The token comes in its header or, from
a browser, in the dashboard's cookie; the dashboard's page also takes it once in its query
(``?token=``), which ``pages`` turns into that cookie."""

from __future__ import annotations

from collections.abc import Callable

from flask import Request

from fakenova.harness.access import COOKIE, HEADER, ControlAccess

DASHBOARD = "/_fakenova/"


def guard(control_token: str | None) -> Callable[[Request], None]:
    access = ControlAccess(control_token)

    def check(req: Request) -> None:
        given = req.headers.get(HEADER) or req.cookies.get(COOKIE)
        if req.method == "GET" and req.path == DASHBOARD and "token" in req.args:
            given = req.args["token"]  # what the page will keep is what is checked
        access.check(req.remote_addr, given)

    return check
