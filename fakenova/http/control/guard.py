"""The control API's guard: every ``/_fakenova`` request, routed or not, checked by the rules
of ``fakenova.harness.access`` before its view runs."""

from __future__ import annotations

from collections.abc import Callable

from flask import Request

from fakenova.harness.access import HEADER, ControlAccess


def guard(control_token: str | None) -> Callable[[Request], None]:
    access = ControlAccess(control_token)

    def check(req: Request) -> None:
        access.check(req.remote_addr, req.headers.get(HEADER))

    return check
