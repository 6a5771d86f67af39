"""Where fault rules meet HTTP, and where every request is written to the journal.

A rule fires before the request is handled (it is refused, delayed or dropped and changes
nothing) or after (it was applied, then its answer is replaced, garbled or lost). A dropped
connection is closed by ``DropConnections``, the WSGI layer around the app; without a socket
(the Flask test client) it raises ``ConnectionAbortedError`` instead.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher
from typing import Any

from flask import Request, Response, current_app

from fakenova.errors import FakenovaError
from fakenova.harness.fault_rules import RequestInfo
from fakenova.http.error_bodies import render_error
from fakenova.http.exchange import Exchange
from fakenova.microversion import APIVersion

DROP_KEY = "fakenova.drop"
_ID_SEGMENT = re.compile(r"(?<=/)(?:[0-9a-f-]{16,}|\d+)(?=/|$)")
_ROUTE_VARIABLE = re.compile(r"<[^>]+>")
_JOURNAL_BODY_LIMIT = 16384


def _redacted(node: Any) -> Any:
    """A body (Keystone's) with every password replaced: the journal never holds one."""
    if isinstance(node, dict):
        return {k: "***" if k == "password" else _redacted(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_redacted(item) for item in node]
    return node


def _journal_body(ex: Exchange) -> Any:
    """The body as the journal keeps it: parsed where it is JSON, and never a password."""
    parsed = ex.json_body  # the service's pipeline parsed it already
    if isinstance(parsed, (dict, list)) and len(ex.body) <= _JOURNAL_BODY_LIMIT:
        return parsed
    try:
        return _redacted(_body(ex.body))
    except RecursionError:
        return {"fakenova": "body nested too deep to keep"}


def _body(raw: bytes) -> Any:
    if not raw:
        return None
    if len(raw) > _JOURNAL_BODY_LIMIT:
        return {"fakenova": f"body of {len(raw)} bytes not kept"}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")


def token_project(ex: Exchange, req: Request) -> str | None:
    """The project of the request's token, checked or not (a fault may answer first)."""
    token = ex.cloud.state.tokens.get(req.headers.get("X-Auth-Token", ""))
    return token.context.project_id if token else None


def before(ex: Exchange, req: Request) -> None:
    """Apply a rule that fires on this request before it is handled."""
    service = ex.service
    if not service.harnessed:
        return  # the control API (and paths outside every service) answer regardless
    if not ex.cloud.faults:
        return  # no rule in force: nothing to describe the request for
    info = RequestInfo(service=service.name, method=req.method,
                       path=service.service_path(req.path), body=_body(ex.body),
                       version=_requested_version(ex, req), project=token_project(ex, req))
    ex.fault_request = info
    rule = ex.cloud.faults.match(info)
    if rule is None:
        return
    ex.fault_rule = rule
    if rule.delay_ms:
        ex.cloud.sleep(rule.delay_ms / 1000)
    if rule.when == "before":
        if rule.action == "drop":
            req.environ[DROP_KEY] = True
            _note_version(ex, req)
            raise rule.fault(info)  # never seen: the connection is closed instead
        if rule.status is not None and rule.action == "respond":
            _note_version(ex, req)
            raise rule.fault(info)


def _requested_version(ex: Exchange, req: Request) -> APIVersion | None:
    try:
        return ex.service.requested_version(req)
    except FakenovaError:
        return None


def _note_version(ex: Exchange, req: Request) -> None:
    """What the service's own pipeline notes before it can refuse a request, so that an
    injected fault carries the same headers as a real one and the journal names the
    microversion."""
    with contextlib.suppress(FakenovaError):
        ex.service.note_version(ex, req)


def after(ex: Exchange, req: Request, response: Response) -> Response:
    """Replace, garble or lose the answer of a request a rule let through first."""
    rule = ex.fault_rule
    if rule is None or (rule.when == "before" and rule.action != "truncate"):
        return response
    if rule.action == "drop":
        req.environ[DROP_KEY] = True
    elif rule.action == "truncate":
        data = response.get_data()
        response.set_data(data[: max(1, len(data) // 2)])
    elif rule.status is not None:
        assert ex.fault_request is not None
        fault = render_error(rule.fault(ex.fault_request))
        response.status_code = fault.status_code
        response.set_data(fault.get_data())
        response.content_type = fault.content_type
    return response


def _nearest_route(ex: Exchange, req: Request) -> str:
    """The route fakenova has that looks most like a path it does not implement. Ids in the
    path and variables in the routes compare as equal, so random ids do not sway the choice;
    catch-all routes (a ``path`` variable) are no candidates."""
    own = f"/{ex.service.segment}"
    rules = [f"{' '.join(sorted((r.methods or set()) - {'HEAD', 'OPTIONS'}))} {r.rule}"
             for r in current_app.url_map.iter_rules()
             if r.rule.startswith(own) and "<path:" not in r.rule]
    wanted = f"{req.method} {_ID_SEGMENT.sub('<>', req.path)}"
    return max(rules, key=lambda rule: SequenceMatcher(
        None, wanted, _ROUTE_VARIABLE.sub("<>", rule)).ratio())


def record(ex: Exchange, req: Request, response: Response) -> None:
    """Write the request and its answer to the journal."""
    service = ex.service
    if not service.harnessed:
        return
    rule = ex.fault_rule
    dropped = bool(req.environ.get(DROP_KEY))
    path = req.path
    ex.cloud.journal.record(
        timestamp=time.time(), service=service.name, method=req.method, path=path,
        service_path=service.service_path(path),
        query=req.args.to_dict(flat=False) if req.query_string else {},
        microversion=ex.version_text,
        project=ex.context.project_id if ex.context else token_project(ex, req),
        body=_journal_body(ex),
        status=None if dropped else response.status_code,
        fault=rule.id if rule else None, unimplemented=ex.unrouted,
        nearest_route=_nearest_route(ex, req) if ex.unrouted else None, why=ex.refusal)


class DropConnections:
    """WSGI middleware: close the client's connection when a rule says to drop it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any],
                 ) -> Iterable[bytes]:
        answer = self.app(environ, start_response)
        if not environ.get(DROP_KEY):
            return answer
        connection = environ.get("werkzeug.socket")
        if isinstance(connection, socket.socket):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        raise ConnectionAbortedError("fakenova dropped the connection, as a fault rule said")
