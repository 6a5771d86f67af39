"""``/_fakenova``: the fake's own control API (not OpenStack)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, request

from fakenova import consistency
from fakenova.domain.model import Server, User
from fakenova.errors import BadRequest
from fakenova.harness.fixture_files import FixtureError, document_schema
from fakenova.harness.presets import PRESETS
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud
from fakenova.openapi.bindings import Binding, Bindings, envelope, object_schema, ref
from fakenova.strutils import bool_from_string

bp = Blueprint("control", __name__, url_prefix="/_fakenova")
_JOURNAL_FILTERS = ("method", "path", "service", "project")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_object() -> dict[str, Any]:
    """The body as a JSON object; NaN and Infinity (which Python's json reads) are refused."""
    try:
        body = json.loads(request.get_data(), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise BadRequest("Expected a JSON object")
    return body


@bp.post("/reset")
def reset() -> Response:
    """State back to the default accounts plus the loaded fixtures; faults and journal too."""
    cloud().reset()
    return Response(status=204)


@bp.get("/state")
def state() -> Response:
    """Every server, volume and attachment, as JSON; with ``?check=1`` also ``problems``,
    every broken invariant between Nova's and Cinder's records (``consistency.check``)."""
    if not bool_from_string(request.args.get("check", "")):
        return json_response(cloud().state.dump())
    with cloud().state.transaction() as current:
        return json_response({**current.dump(), "problems": consistency.check(current)})


@bp.get("/clock")
def clock_state() -> Response:
    clock = cloud().state.clock
    return json_response({"mode": clock.mode, "now": clock.now(), "pending": clock.pending})


@bp.post("/clock")
def clock() -> Response:
    """Move a manual clock: ``{"advance": seconds}``; answers the clock's new time."""
    seconds = _json_object().get("advance")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise BadRequest('Expected {"advance": <seconds>}')
    try:
        now = cloud().advance(seconds)
    except ValueError as error:
        raise BadRequest(str(error)) from error
    clock = cloud().state.clock
    return json_response({"mode": clock.mode, "now": now, "pending": clock.pending})


@bp.post("/faults")
def add_fault() -> Response:
    """Add a rule, or a preset: ``{"preset": "flaky", "times": 2}``; 201 with the rule."""
    return json_response(cloud().faults.add(_json_object()).to_json(), 201)


@bp.get("/faults")
def list_faults() -> Response:
    return json_response({"faults": [rule.to_json() for rule in cloud().faults.rules()]})


@bp.delete("/faults")
def clear_faults() -> Response:
    cloud().faults.clear()
    return Response(status=204)


@bp.delete("/faults/<rule_id>")
def remove_fault(rule_id: str) -> Response:
    cloud().faults.remove(rule_id)
    return Response(status=204)


@bp.get("/requests")
def journal() -> Response:
    """The journal, oldest first; filter with method, path (a glob), service, project,
    status. ``since`` gives the entries after a sequence number, ``limit`` at most that
    many of them (without ``since``, the newest)."""
    criteria: dict[str, Any] = {k: request.args[k] for k in _JOURNAL_FILTERS if k in request.args}
    for name in ("status", "since", "limit"):
        if name in request.args:
            criteria[name] = _whole_number(name, request.args[name])
    entries = cloud().journal.entries(**criteria)
    return json_response({"requests": [entry.to_json() for entry in entries]})


def _whole_number(name: str, text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise BadRequest(f"{name} must be a number")
    return int(text)


@bp.delete("/requests")
def clear_journal() -> Response:
    cloud().journal.clear(project=request.args.get("project"))
    return Response(status=204)


@bp.post("/snapshots")
def take_snapshot() -> Response:
    """Remember the state under ``{"name": ...}``."""
    name = _json_object().get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest('Expected {"name": "<snapshot name>"}')
    cloud().snapshot(name)
    return json_response({"name": name}, 201)


@bp.get("/snapshots")
def list_snapshots() -> Response:
    return json_response({"snapshots": cloud().snapshots()})


@bp.post("/snapshots/<name>/restore")
def restore_snapshot(name: str) -> Response:
    cloud().restore(name)
    return Response(status=204)


@bp.delete("/snapshots/<name>")
def delete_snapshot(name: str) -> Response:
    cloud().delete_snapshot(name)
    return Response(status=204)


def _record(item: Any) -> dict[str, Any]:
    data = asdict(item)
    if isinstance(item, Server):
        data["status"] = item.status
    if isinstance(item, User):
        data["roles"] = {project: sorted(roles) for project, roles in item.roles.items()}
    return data


@bp.post("/seed")
def seed() -> Response:
    """Apply a fixture document (projects, users, servers, volumes, attachments) whole, or
    not at all; 201 with what was created."""
    try:
        created = cloud().seed(_json_object())
    except FixtureError as error:
        raise BadRequest(str(error)) from error
    return json_response({section: [_record(item) for item in items]
                          for section, items in created.items()}, 201)


@bp.delete("/projects/<project_id>")
def remove_project(project_id: str) -> Response:
    """Forget a project and everything in it: how a test cleans up on a shared server."""
    cloud().remove_project(project_id)
    return Response(status=204)


_CLOCK = ref("control.clock")
BINDINGS = Bindings("control", {
    "POST /_fakenova/reset": Binding(204),
    "GET /_fakenova/state": Binding(200, object_schema(
        servers={"type": "array"}, volumes={"type": "array"}), params=("check",)),
    "GET /_fakenova/clock": Binding(200, _CLOCK),
    "POST /_fakenova/clock": Binding(200, _CLOCK, body="control.advance", errors=(400,)),
    "POST /_fakenova/faults": Binding(201, object_schema(id={"type": "string"}),
                                      body="control.fault", errors=(400, 404)),
    "GET /_fakenova/faults": Binding(200, envelope("faults", True)),
    "DELETE /_fakenova/faults": Binding(204),
    "DELETE /_fakenova/faults/{rule_id}": Binding(204, errors=(404,)),
    "GET /_fakenova/requests": Binding(200, envelope("requests", True),
                                       params=(*_JOURNAL_FILTERS, "status", "since", "limit"),
                                       errors=(400,)),
    "DELETE /_fakenova/requests": Binding(204, params=("project",)),
    "POST /_fakenova/snapshots": Binding(201, object_schema(name={"type": "string"}),
                                         body="control.snapshot", errors=(400,)),
    "GET /_fakenova/snapshots": Binding(200, object_schema(
        snapshots={"type": "array", "items": {"type": "string"}})),
    "POST /_fakenova/snapshots/{name}/restore": Binding(204, errors=(404,)),
    "DELETE /_fakenova/snapshots/{name}": Binding(204, errors=(404,)),
    "POST /_fakenova/seed": Binding(201, {"type": "object"}, body="control.seed",
                                    errors=(400,)),
    "DELETE /_fakenova/projects/{project_id}": Binding(204, errors=(404,)),
}, components={
    "control.fault_preset": {
        "title": "A fault preset, with any rule key narrowing it", "type": "object",
        "properties": {"preset": {"enum": sorted(PRESETS)}}, "required": ["preset"]},
    "control.fault": {"anyOf": [ref("control.fault_rule"), ref("control.fault_preset")]},
    "control.advance": object_schema(advance={"type": "number"}),
    "control.snapshot": object_schema(name={"type": "string", "minLength": 1}),
    "control.seed": document_schema(),
    "control.clock": object_schema(mode={"enum": ["immediate", "timed", "manual"]},
                                   now={"type": "number"},
                                   pending={"type": "integer", "minimum": 0}),
})
