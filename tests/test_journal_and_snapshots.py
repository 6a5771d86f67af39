"""The request journal and named snapshots, from Python, HTTP and a scenario file.

Reference: README.md "Faults, the journal and snapshots" and "Changes to the public surface"
(the control API).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from flask import Flask

from fakenova import create_app
from fakenova.errors import NotFound
from fakenova.harness.scenarios import ScenarioError

from .conftest import Api
from .test_faults import (
    ATTACH,
    ATTACHMENTS,
    DETACH,
    LIST,
    SHOW,
    TOKEN,
    VOLUME_SHOW,
    Call,
    World,
    make_world,
    volume_version,
    write_scenario,
)

WEBOB_404 = "404 Not Found\n\nThe resource could not be found.\n\n   "
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def world(api: Api) -> World:
    """A server ``vm`` with ``data`` attached, and free volumes ``other`` and ``spare``."""
    return make_world(api)


def journal(world: World, **criteria: Any) -> list[dict[str, Any]]:
    """GET /_fakenova/requests, filtered by query parameters."""
    answer = world.api.client.get(f"/_fakenova/requests?{urlencode(criteria)}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    entries: list[dict[str, Any]] = answer.get_json()["requests"]
    return entries


# -- what an entry holds -----------------------------------------------------------------


@pytest.mark.parametrize(("call", "rule", "expected"), [
    pytest.param(Call("POST", ATTACH.path, ATTACH.body, version="2.89"), None, {
        "service": "compute", "method": "POST", "path": ATTACHMENTS,
        "service_path": "/servers/{server}/os-volume_attachments", "microversion": "2.89",
        "project": "{project}", "body": {"volumeAttachment": {"volumeId": "{other}"}},
        "status": 200, "fault": None, "unimplemented": False, "nearest_route": None,
        "query": {}}, id="attach"),
    pytest.param(LIST, None, {"microversion": "2.1", "body": None, "status": 200},
                 id="no-header-is-2.1"),
    pytest.param(Call("GET", "/compute/v2.1/servers/detail?name=vm&name=x"), None, {
        "path": "/compute/v2.1/servers/detail", "service_path": "/servers/detail",
        "query": {"name": ["vm", "x"]}}, id="query"),
    pytest.param(Call("GET", VOLUME_SHOW.path, headers=volume_version("3.60")), None, {
        "service": "volume", "service_path": "/volumes/{volume}", "microversion": "3.60",
        "project": "{project}", "status": 200}, id="cinder"),
    pytest.param(Call("GET", ATTACHMENTS, version="2.79"), {"status": 409}, {
        "microversion": "2.79", "status": 409, "fault": "fault-1"}, id="injected-fault"),
    pytest.param(DETACH, {"action": "drop"}, {
        "microversion": "2.1", "status": None, "fault": "fault-1"}, id="dropped"),
    pytest.param(Call("GET", ATTACHMENTS + "/{other}", user="admin"), None, {
        "project": "{admin}", "status": 404}, id="admin-404"),
    pytest.param(TOKEN, None, {"service": "identity", "service_path": "/auth/tokens",
                               "microversion": None, "status": 201}, id="token"),
])
def test_each_request_is_journaled_with_its_fields(world: World, call: Call,
                                                   rule: dict[str, Any] | None,
                                                   expected: dict[str, Any]) -> None:
    admin = world.cloud.state.find_project("admin").id
    if rule is not None:
        world.cloud.faults.add(rule)
    world.cloud.journal.clear()
    started = datetime.now(timezone.utc)
    try:
        call.send(world, checked=False)
    except ConnectionAbortedError:
        assert rule == {"action": "drop"}
    [entry] = world.cloud.journal.entries()
    wanted = world.fill(expected)
    if wanted.get("project") == "{admin}":
        wanted["project"] = admin
    assert {key: getattr(entry, key) for key in wanted} == wanted
    assert started <= datetime.fromisoformat(entry.time) <= started + timedelta(seconds=5)
    assert journal(world) == [entry.to_json()]


def test_seq_counts_every_request_oldest_first(world: World) -> None:
    first = world.cloud.journal.entries()[-1].seq
    for call in (LIST, SHOW, ATTACH, LIST):
        call.send(world)
    entries = journal(world)
    assert [e["seq"] for e in entries][-4:] == [first + 1, first + 2, first + 3, first + 4]
    assert [e["method"] for e in entries][-4:] == ["GET", "GET", "POST", "GET"]


def test_control_requests_are_not_journaled(world: World) -> None:
    count = len(world.cloud.journal)
    client = world.api.client
    client.get("/_fakenova/state")
    client.get("/_fakenova/requests")
    client.post("/_fakenova/faults", json={"status": 409})
    assert len(world.cloud.journal) == count


# -- filters and assertions --------------------------------------------------------------


@pytest.fixture
def busy(world: World) -> World:
    """The journal after a little of everything."""
    world.cloud.journal.clear()
    for call in (LIST, ATTACH, SHOW, Call("GET", ATTACHMENTS + "/{spare}"),
                 Call("GET", ATTACHMENTS, user="admin"), DETACH,
                 Call("GET", VOLUME_SHOW.path, headers=volume_version("3.60"))):
        call.send(world)
    return world


@pytest.mark.parametrize(("criteria", "expected"), [
    ({}, ["GET 200", "POST 200", "GET 200", "GET 404", "GET 200", "DELETE 202", "GET 200"]),
    ({"method": "get", "status": 404}, ["GET 404"]),
    ({"method": "DELETE"}, ["DELETE 202"]),
    ({"path": "/servers/*/os-volume_attachments"}, ["GET 200", "POST 200", "GET 200"]),
    ({"path": "/servers/*/os-volume_attachments/*"}, ["GET 200", "GET 404", "DELETE 202"]),
    ({"path": "/compute/v2.1/servers/**"}, ["GET 200", "POST 200", "GET 200", "GET 404",
                                            "GET 200", "DELETE 202"]),
    ({"path": "/volumes/*"}, ["GET 200"]),
    ({"service": "volume"}, ["GET 200"]),
    ({"status": 200}, ["GET 200", "POST 200", "GET 200", "GET 200", "GET 200"]),
    ({"project": "{admin}"}, ["GET 200"]),
    ({"method": "PUT"}, []),
])
def test_the_journal_filters_the_same_from_python_and_http(busy: World,
                                                          criteria: dict[str, Any],
                                                          expected: list[str]) -> None:
    if criteria.get("project") == "{admin}":
        criteria = {**criteria, "project": busy.cloud.state.find_project("admin").id}
    from_python = busy.cloud.journal.entries(**criteria)
    assert [f"{e.method} {e.status}" for e in from_python] == expected
    assert journal(busy, **criteria) == [e.to_json() for e in from_python]


def test_a_status_filter_must_be_a_number(world: World) -> None:
    answer = world.api.client.get("/_fakenova/requests?status=ok")
    assert answer.status_code == 400
    assert answer.get_json() == {"error": {"code": 400, "message": "status must be a number"}}


@pytest.mark.parametrize(("method", "path", "criteria", "found"), [
    ("POST", "/servers/*/os-volume_attachments", {}, 1),
    ("GET", "/servers/*/os-volume_attachments/*", {"times": 2}, 2),
    ("GET", None, {"status": 404, "times": 1}, 1),
    (None, "/compute/v2.1/servers/**", {"service": "compute", "times": 6}, 6),
])
def test_assert_called_passes_and_returns_the_calls(busy: World, method: str | None,
                                                    path: str | None,
                                                    criteria: dict[str, Any],
                                                    found: int) -> None:
    calls = busy.cloud.journal.assert_called(method, path, **criteria)
    assert len(calls) == found
    assert all(method is None or c.method == method for c in calls)


@pytest.mark.parametrize(("method", "path", "criteria", "message"), [
    ("PUT", "/servers/*/os-volume_attachments/*", {},
     "expected PUT /servers/*/os-volume_attachments/* at least once, found 0; journal:\n"),
    ("POST", "/servers/*/os-volume_attachments", {"times": 2},
     "expected POST /servers/*/os-volume_attachments 2 times, found 1; journal:\n"),
    ("GET", None, {"status": 500}, "expected GET * {'status': 500} at least once, found 0"),
])
def test_assert_called_fails_with_the_journal_in_its_message(busy: World, method: str,
                                                             path: str | None,
                                                             criteria: dict[str, Any],
                                                             message: str) -> None:
    with pytest.raises(AssertionError) as failed:
        busy.cloud.journal.assert_called(method, path, **criteria)
    text = str(failed.value)
    assert text.startswith(message)
    assert f"DELETE /compute/v2.1/servers/{busy.server}/os-volume_attachments/" \
           f"{busy.volume} -> 202" in text


def test_assert_not_called_passes_or_fails_with_the_journal(busy: World) -> None:
    busy.cloud.journal.assert_not_called("PUT", "/servers/*/os-volume_attachments/*")
    busy.cloud.journal.assert_not_called("GET", status=500)
    with pytest.raises(AssertionError) as failed:
        busy.cloud.journal.assert_not_called("DELETE", "/servers/**")
    text = str(failed.value)
    assert text.startswith("expected no DELETE /servers/**, found 1; journal:\n")
    assert "-> 202" in text and "-> 404" in text


def test_a_dropped_request_reads_as_dropped_in_the_description(world: World) -> None:
    world.cloud.faults.add(action="drop", method="GET")
    with pytest.raises(ConnectionAbortedError):
        LIST.send(world)
    with pytest.raises(AssertionError, match=r"os-volume_attachments -> dropped \[fault-1\]"):
        world.cloud.journal.assert_not_called("GET")


@pytest.mark.parametrize("project", [None, "demo"])
def test_delete_requests_clears_the_journal_or_one_projects_part(busy: World,
                                                                 project: str | None) -> None:
    last = busy.cloud.journal.entries()[-1].seq
    query = f"?project={busy.project}" if project else ""
    assert busy.api.client.delete(f"/_fakenova/requests{query}").status_code == 204
    left = journal(busy)
    assert [e["project"] for e in left] == (
        [busy.cloud.state.find_project("admin").id] if project else [])
    LIST.send(busy)
    assert journal(busy)[-1]["seq"] == last + 1  # numbering goes on


# -- the cap -----------------------------------------------------------------------------


def test_the_journal_stays_within_a_scenarios_cap_under_a_long_run(tmp_path: Path) -> None:
    app = create_app(scenario=write_scenario(tmp_path, {"journal_cap": 50}))
    world = make_world(Api(app))
    for _ in range(300):
        LIST.send(world)
    total = 300 + 2  # and the two token requests
    assert world.cloud.journal.cap == 50
    assert len(world.cloud.journal) == 50
    seqs = [e["seq"] for e in journal(world)]
    assert seqs == list(range(total - 49, total + 1))


@pytest.mark.parametrize(("cap", "message"), [
    (0, "journal_cap must be at least 1"),
    (-5, "journal_cap must be at least 1"),
    ("many", "journal_cap must be a whole number"),
    (True, "journal_cap must be a whole number"),
])
def test_a_scenario_cap_must_be_a_positive_whole_number(tmp_path: Path, cap: Any,
                                                        message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        create_app(scenario=write_scenario(tmp_path, {"journal_cap": cap}))


# -- routes fakenova does not implement --------------------------------------------------


@pytest.mark.parametrize(("method", "path", "content_type", "nearest"), [
    ("GET", "/compute/v2.1/os-hypervisors", "text/plain", "GET /compute/v2.1/servers"),
    ("GET", "/compute/v2/servers", "text/plain", "GET /compute/v2.1/servers"),
    ("GET", "/compute/v2.1/servers/{server}/os-interface", "text/plain",
     "GET /compute/v2.1/servers/<server_id>/os-instance-actions"),
    ("GET", ATTACHMENTS + "/{volume}/extra", "text/plain",
     "GET /compute/v2.1/servers/<server_id>/os-volume_attachments/<volume_id>"),
    ("PATCH", ATTACHMENTS + "/{volume}", "text/plain",
     "PUT /compute/v2.1/servers/<server_id>/os-volume_attachments/<volume_id>"),
    ("GET", "/compute/v2.1/flavors/1/os-extra_specs", "text/plain",
     "GET /compute/v2.1/flavors/<flavor_id>"),
    ("GET", "/volume/v3/{project}/groups", "text/plain",
     "GET /volume/v3/<project_id:project_id>/backups"),
    ("GET", "/identity/v3/users", "application/json", "GET /identity/v3/"),
])
def test_an_unimplemented_route_is_answered_as_upstream_and_marked(
        world: World, method: str, path: str, content_type: str, nearest: str) -> None:
    answer = Call(method, path).send(world, checked=False)
    assert answer.status_code == 404
    assert answer.content_type.startswith(content_type)
    if content_type == "text/plain":
        assert answer.get_data(as_text=True) == WEBOB_404
    else:
        assert answer.get_json() == {"error": {"code": 404, "title": "Not Found",
                                               "message": "The resource could not be found."}}
    [entry] = journal(world, path=world.fill(path))
    assert (entry["unimplemented"], entry["status"], entry["nearest_route"]) == (
        True, 404, nearest)


@pytest.mark.parametrize("call", [
    Call("GET", f"/compute/v2.1/servers/{MISSING}"),
    Call("GET", ATTACHMENTS + "/{other}"),
    Call("GET", f"/volume/v3/{{project}}/volumes/{MISSING}"),
])
def test_a_404_from_an_implemented_route_is_not_marked(world: World, call: Call) -> None:
    assert call.send(world).status_code == 404
    entry = world.cloud.journal.entries()[-1]
    assert (entry.unimplemented, entry.nearest_route) == (False, None)


# -- reset -------------------------------------------------------------------------------

SCENARIO_RULES = [{"preset": "flaky", "operation": "list", "status": 409, "times": 1},
                  {"preset": "slow", "operation": "show", "delay_ms": 1}]


@pytest.mark.parametrize("how", ["python", "http"])
def test_reset_clears_faults_and_journal_but_restores_the_scenarios_rules(
        tmp_path: Path, how: str) -> None:
    app = create_app(scenario=write_scenario(tmp_path, {"faults": SCENARIO_RULES}))
    world = make_world(Api(app))
    world.cloud.faults.add(status=500, method="DELETE")
    assert [LIST.send(world).status_code for _ in range(2)] == [409, 200]
    assert [f["fired"] for f in world.faults()] == [1, 0, 0]
    if how == "python":
        world.cloud.reset()
    else:
        assert world.api.client.post("/_fakenova/reset").status_code == 204
    assert [(f["id"], f["name"], f["seen"], f["fired"]) for f in world.faults()] == [
        ("fault-1", "flaky", 0, 0), ("fault-2", "slow", 0, 0)]
    assert journal(world) == []
    state = world.api.client.get("/_fakenova/state").get_json()
    assert state == {"servers": [], "volumes": [], "images": [], "snapshots": [], "backups": []}
    world = make_world(Api(app))
    assert [LIST.send(world).status_code for _ in range(2)] == [409, 200]  # fires anew


# -- snapshots ---------------------------------------------------------------------------


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "cloud.yaml"
    path.write_text(yaml.safe_dump({
        "servers": [{"name": "vm", "project": "demo"}],
        "volumes": [{"name": "data", "project": "demo"}, {"name": "other", "project": "demo"},
                    {"name": "spare", "project": "demo"}],
        "attachments": [{"server": "vm", "volume": "data"}],
    }))
    return path


def snapshot_app(tmp_path: Path, fixture_file: Path, take: str) -> tuple[Flask, World]:
    """An app with ``fixture_file`` loaded and snapshot ``initial`` taken ``take``n way."""
    scenario = write_scenario(tmp_path, {"snapshots": ["initial"]}) if take == "scenario" \
        else None
    app = create_app([fixture_file], scenario=scenario)
    api = Api(app)
    state = api.cloud.state
    names = {s.name: s.id for s in state.servers.values()} | {
        v.name: v.id for v in state.volumes.values()}
    world = World(api, names["vm"], names["data"], names["other"], names["spare"],
                  state.find_project("demo").id)
    if take == "python":
        api.cloud.snapshot("initial")
    elif take == "http":
        answer = api.client.post("/_fakenova/snapshots", json={"name": "initial"})
        assert (answer.status_code, answer.get_json()) == (201, {"name": "initial"})
    return app, world


def state_of(world: World) -> dict[str, Any]:
    answer = world.api.client.get("/_fakenova/state")
    assert answer.status_code == 200
    state: dict[str, Any] = answer.get_json()
    return state


def restore(world: World, how: str) -> None:
    if how == "python":
        world.cloud.restore("initial")
    else:
        answer = world.api.client.post("/_fakenova/snapshots/initial/restore")
        assert answer.status_code == 204, answer.get_data(as_text=True)


@pytest.mark.parametrize("how", ["python", "http"])
@pytest.mark.parametrize("take", ["python", "http", "scenario"])
def test_a_snapshot_restores_the_prepared_state_in_one_call(tmp_path: Path,
                                                            fixture_file: Path, take: str,
                                                            how: str) -> None:
    _app, world = snapshot_app(tmp_path, fixture_file, take)
    prepared = state_of(world)
    assert world.api.client.get("/_fakenova/snapshots").get_json() == {
        "snapshots": ["initial"]}
    for _ in range(2):  # a snapshot can be restored again and again
        assert ATTACH.send(world).status_code == 200
        assert DETACH.send(world).status_code == 202
        world.cloud.state.add_server("extra")
        assert state_of(world) != prepared
        restore(world, how)
        assert state_of(world) == prepared
    assert LIST.send(world).get_json()["volumeAttachments"][0]["volumeId"] == world.volume


@pytest.mark.parametrize("take", ["python", "http", "scenario"])
def test_a_snapshot_keeps_faults_journal_and_other_snapshots_out_of_it(
        tmp_path: Path, fixture_file: Path, take: str) -> None:
    _app, world = snapshot_app(tmp_path, fixture_file, take)
    world.cloud.faults.add(status=409, method="DELETE")
    LIST.send(world)
    entries = len(world.cloud.journal)
    world.api.client.post("/_fakenova/snapshots", json={"name": "later"})
    restore(world, "http")
    assert [f["id"] for f in world.faults()] == ["fault-1"]
    assert len(world.cloud.journal) == entries
    assert world.cloud.snapshots() == ["initial", "later"]
    world.cloud.reset()  # snapshots outlive a reset
    assert world.cloud.snapshots() == ["initial", "later"]


def test_restoring_drops_transitions_still_in_flight(tmp_path: Path,
                                                     fixture_file: Path) -> None:
    app = create_app([fixture_file], clock="manual")
    api = Api(app)
    volume = next(v.id for v in api.cloud.state.volumes.values() if v.name == "other")
    server = next(iter(api.cloud.state.servers))
    api.cloud.snapshot("initial")
    before = api.cloud.state.dump()
    api.post(f"/compute/v2.1/servers/{server}/os-volume_attachments",
             json={"volumeAttachment": {"volumeId": volume}})
    assert api.cloud.state.clock.pending == 1
    api.cloud.restore("initial")
    assert api.cloud.state.clock.pending == 0
    api.cloud.advance(10)
    assert api.cloud.state.dump() == before


@pytest.mark.parametrize("take", ["python", "http", "scenario"])
def test_a_deleted_snapshot_is_gone_from_every_side(tmp_path: Path, fixture_file: Path,
                                                    take: str) -> None:
    _app, world = snapshot_app(tmp_path, fixture_file, take)
    client = world.api.client
    assert client.delete("/_fakenova/snapshots/initial").status_code == 204
    assert client.get("/_fakenova/snapshots").get_json() == {"snapshots": []}
    assert world.cloud.snapshots() == []
    with pytest.raises(NotFound, match=r"Snapshot initial could not be found\."):
        world.cloud.restore("initial")


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), [
    ("POST", "/_fakenova/snapshots/nope/restore", None, 404,
     "Snapshot nope could not be found."),
    ("DELETE", "/_fakenova/snapshots/nope", None, 404, "Snapshot nope could not be found."),
    ("POST", "/_fakenova/snapshots", {}, 400, 'Expected {"name": "<snapshot name>"}'),
    ("POST", "/_fakenova/snapshots", {"name": ""}, 400, 'Expected {"name": "<snapshot name>"}'),
    ("POST", "/_fakenova/snapshots", {"name": 3}, 400, 'Expected {"name": "<snapshot name>"}'),
    ("POST", "/_fakenova/snapshots", ["initial"], 400, "Expected a JSON object"),
])
def test_snapshot_calls_that_cannot_be_done(world: World, method: str, path: str,
                                            body: Any, status: int, message: str) -> None:
    before, names = world.cloud.state.dump(), world.cloud.snapshots()
    answer = world.api.client.open(path, method=method, json=body)
    assert answer.status_code == status
    assert answer.get_json() == {"error": {"code": status, "message": message}}
    assert world.cloud.snapshots() == names
    assert world.cloud.state.dump() == before


@pytest.mark.parametrize("operation", ["restore", "delete_snapshot"])
def test_unknown_snapshots_are_not_found_from_python_either(world: World,
                                                            operation: str) -> None:
    with pytest.raises(NotFound, match=r"Snapshot nope could not be found\."):
        getattr(world.cloud, operation)("nope")
