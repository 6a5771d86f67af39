"""Fault rules and presets through HTTP (the Flask test client): which requests a rule
picks, what it does to them, how it is counted, and that its answer is the service's own.

Reference: README.md "Faults, the journal and snapshots" (the fault rule table, the presets)
and "Changes to the public surface" (the control API).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from flask import Flask
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app
from fakenova.errors import BadRequest
from fakenova.harness.fault_rules import DEFAULT_MESSAGES
from fakenova.harness.presets import PRESETS
from fakenova.harness.scenarios import ScenarioError
from fakenova.resources import fixtures_dir

from .conftest import Api

Rule = dict[str, Any]
DROPPED = "dropped"  # the connection was closed with no answer
TRUNCATED = "truncated"  # a 200 whose JSON is cut off
ATTACHMENTS = "/compute/v2.1/servers/{server}/os-volume_attachments"
_IDS = ("server", "volume", "other", "spare", "project")


@dataclass
class World:
    """A server ``vm`` with volume ``data`` attached, and two free volumes, seen by ``api``."""

    api: Api
    server: str
    volume: str
    other: str
    spare: str
    project: str

    @property
    def cloud(self) -> Cloud:
        return self.api.cloud

    def fill(self, value: Any) -> Any:
        """``value`` (a string, or JSON) with {server}, {volume}, ... replaced by ids."""
        text = json.dumps(value)
        for name in _IDS:
            text = text.replace("{" + name + "}", getattr(self, name))
        return json.loads(text)

    def faults(self) -> list[dict[str, Any]]:
        answer = self.api.client.get("/_fakenova/faults")
        assert answer.status_code == 200
        faults: list[dict[str, Any]] = answer.get_json()["faults"]
        return faults


def make_world(api: Api) -> World:
    state = api.cloud.state
    server = state.add_server("vm")
    volume, other, spare = (state.add_volume(name) for name in ("data", "other", "spare"))
    state.add_attachment("vm", "data")
    for user in ("demo", "admin"):
        api.token(user)  # before any rule: a rule on POST would refuse the token request
    return World(api, server.id, volume.id, other.id, spare.id, server.project_id)


@pytest.fixture
def world(api: Api) -> World:
    return make_world(api)


@dataclass(frozen=True)
class Call:
    """One request, with {server}, {volume}, ... placeholders in its path and body."""

    method: str
    path: str
    body: Any = None
    user: str | None = "demo"
    version: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def send(self, world: World, *, checked: bool = True,
             may_change: bool = False) -> TestResponse:
        """Send it; ``checked`` goes through ``Api``, where a refusal must change nothing
        unless it ``may_change`` (a fault after the request was applied); otherwise
        straight through the test client."""
        kwargs: dict[str, Any] = {"json": world.fill(self.body)} if self.body is not None else {}
        headers = dict(self.headers)
        if not checked:
            if self.user is not None:
                headers["X-Auth-Token"] = world.api.token(self.user)
            if self.version is not None:
                headers["OpenStack-API-Version"] = f"compute {self.version}"
            return world.api.client.open(world.fill(self.path), method=self.method,
                                         headers=headers, **kwargs)
        return world.api.request(self.method, world.fill(self.path), user=self.user,
                                 version=self.version, headers=headers,
                                 state_may_change=may_change, **kwargs)


LIST = Call("GET", ATTACHMENTS)
SHOW = Call("GET", ATTACHMENTS + "/{volume}")
ATTACH = Call("POST", ATTACHMENTS, {"volumeAttachment": {"volumeId": "{other}"}})
ATTACH_SPARE = Call("POST", ATTACHMENTS, {"volumeAttachment": {"volumeId": "{spare}"}})
ATTACH_DEVICE = Call("POST", ATTACHMENTS, {"volumeAttachment": {"volumeId": "{other}",
                                                                "device": "/dev/vdc"}})
UPDATE = Call("PUT", ATTACHMENTS + "/{volume}", {"volumeAttachment": {"volumeId": "{other}"}})
DETACH = Call("DELETE", ATTACHMENTS + "/{volume}")
GET_SERVER = Call("GET", "/compute/v2.1/servers/{server}")
FLAVORS = Call("GET", "/compute/v2.1/flavors")
FLAVOR = Call("GET", "/compute/v2.1/flavors/1")
VOLUME_SHOW = Call("GET", "/volume/v3/{project}/volumes/{volume}")
TOKEN = Call("POST", "/identity/v3/auth/tokens", {"auth": {
    "identity": {"methods": ["password"], "password": {"user": {
        "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},
    "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}, user=None)


def volume_version(version: str) -> tuple[tuple[str, str], ...]:
    return (("OpenStack-API-Version", f"volume {version}"),)


def outcome(world: World, call: Call) -> tuple[int | str, TestResponse | None]:
    """What a client saw, sent straight through the test client: the status, ``dropped``
    when the connection was closed, ``truncated`` for a 2xx whose JSON does not parse."""
    try:
        answer = call.send(world, checked=False)
    except ConnectionAbortedError:
        return DROPPED, None
    if answer.status_code < 300 and answer.get_data():
        try:
            json.loads(answer.get_data())
        except ValueError:
            return TRUNCATED, answer
    return answer.status_code, answer


def fault_message(answer: TestResponse) -> str:
    [(_key, fault)] = answer.get_json().items()
    message: str = fault["message"]
    return message


def write_scenario(tmp_path: Path, scenario: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return path


# -- which requests a rule picks ---------------------------------------------------------


@pytest.mark.parametrize(("keys", "hit", "miss"), [
    pytest.param({"service": "volume"}, VOLUME_SHOW, GET_SERVER, id="service"),
    pytest.param({"service": "identity"}, TOKEN, LIST, id="service-identity"),
    pytest.param({"method": "post"}, ATTACH, LIST, id="method-any-case"),
    pytest.param({"path": "/servers/*/os-volume_attachments"}, LIST, SHOW,
                 id="path-star-is-one-segment"),
    pytest.param({"path": "/servers/*"}, GET_SERVER, LIST, id="path-star-stops-at-slash"),
    pytest.param({"path": "/servers/**"}, SHOW, FLAVORS, id="path-double-star-crosses"),
    pytest.param({"path": "/flavors/?"}, FLAVOR, FLAVORS, id="path-question-mark"),
    pytest.param({"path": "/volumes/*"}, VOLUME_SHOW, LIST, id="path-after-cinder-project"),
    pytest.param({"match": {"volumeId": "{other}"}}, ATTACH, ATTACH_SPARE, id="match-body"),
    pytest.param({"match": {"volumeId": "{other}", "device": "/dev/vdc"}}, ATTACH_DEVICE,
                 ATTACH, id="match-every-field"),
    pytest.param({"project": "{project}"}, LIST, Call("GET", ATTACHMENTS, user="admin"),
                 id="project"),
    pytest.param({"min_version": "2.79"}, Call("GET", ATTACHMENTS, version="2.79"),
                 Call("GET", ATTACHMENTS, version="2.78"), id="min_version"),
    pytest.param({"min_version": "2.79"}, Call("GET", ATTACHMENTS, version="latest"),
                 LIST, id="min_version-no-header-is-2.1"),
    pytest.param({"max_version": "2.78"}, LIST, Call("GET", ATTACHMENTS, version="2.79"),
                 id="max_version"),
    pytest.param({"min_version": "2.60", "max_version": "2.70"},
                 Call("GET", ATTACHMENTS, version="2.70"),
                 Call("GET", ATTACHMENTS, version="2.71"), id="version-range"),
    pytest.param({"service": "volume", "min_version": "3.50"},
                 Call("GET", VOLUME_SHOW.path, headers=volume_version("3.50")),
                 Call("GET", VOLUME_SHOW.path, headers=volume_version("3.49")),
                 id="volume-microversion"),
])
def test_each_key_narrows_the_requests_a_rule_fires_on(world: World, keys: Rule, hit: Call,
                                                        miss: Call) -> None:
    world.cloud.faults.add(world.fill({**keys, "status": 409, "message": "injected"}))
    assert miss.send(world).status_code < 400
    assert world.faults()[0]["seen"] == 0
    answer = hit.send(world)
    assert answer.status_code == 409
    assert fault_message(answer) == "injected"
    assert {k: world.faults()[0][k] for k in ("seen", "fired")} == {"seen": 1, "fired": 1}


@pytest.mark.parametrize(("message", "call", "expected"), [
    ("{server_id}", DETACH, "{server}"),
    ("{volume_id}", DETACH, "{volume}"),
    ("{volume_id}", VOLUME_SHOW, "{volume}"),
    ("{volumeId} on {device}", ATTACH_DEVICE, "{other} on /dev/vdc"),
    ("{method} {path}", LIST, "GET /servers/{server}/os-volume_attachments"),
    ("{no_such_field}", LIST, "{no_such_field}"),
])
def test_message_placeholders_take_values_from_the_request(world: World, message: str,
                                                          call: Call, expected: str) -> None:
    world.cloud.faults.add(status=409, message=message)
    assert fault_message(call.send(world)) == world.fill(expected)


def test_without_a_message_the_body_says_what_webob_says(world: World) -> None:
    world.cloud.faults.add(status=409)
    answer = LIST.send(world)
    assert answer.get_json() == {"conflictingRequest": {
        "code": 409, "message": "There was a conflict when trying to complete your request."}}


# -- counting: times, after, order -------------------------------------------------------


@pytest.mark.parametrize(("keys", "statuses", "fired"), [
    ({}, [409, 409, 409, 409], 4),
    ({"times": 2}, [409, 409, 200, 200], 2),
    ({"after": 2}, [200, 200, 409, 409], 2),
    ({"after": 1, "times": 1}, [200, 409, 200, 200], 1),
    ({"probability": 0.0}, [200, 200, 200, 200], 0),
])
def test_times_and_after_count_the_matching_requests(world: World, keys: Rule,
                                                     statuses: list[int], fired: int) -> None:
    world.cloud.faults.add(path="/servers/*/os-volume_attachments", status=409, **keys)
    assert [LIST.send(world).status_code for _ in statuses] == statuses
    GET_SERVER.send(world)  # not matching: not counted
    [listed] = world.faults()
    assert (listed["seen"], listed["fired"]) == (len(statuses), fired)


def test_rules_are_tried_in_order_and_the_first_that_fires_decides(world: World) -> None:
    client = world.api.client
    for rule in ({"method": "DELETE", "status": 400},  # never applies
                 {"path": "/servers/*/os-volume_attachments", "status": 409, "times": 1},
                 {"path": "/servers/**", "status": 503}):
        assert client.post("/_fakenova/faults", json=rule).status_code == 201
    assert [LIST.send(world).status_code for _ in range(3)] == [409, 503, 503]
    assert [(f["id"], f["seen"], f["fired"]) for f in world.faults()] == [
        ("fault-1", 0, 0), ("fault-2", 3, 1), ("fault-3", 2, 2)]


def test_the_listing_shows_each_rule_as_given_with_its_id_and_counters(world: World) -> None:
    answer = world.api.client.post("/_fakenova/faults", json={
        "preset": "flaky", "operation": "attach", "status": 409, "times": 2})
    assert answer.status_code == 201
    expected = {"id": "fault-1", "name": "flaky", "service": "compute", "method": "POST",
                "path": "/servers/*/os-volume_attachments", "status": 409, "times": 2,
                "after": 0, "probability": 1.0, "delay_ms": 0, "when": "before",
                "action": "respond", "seen": 0, "fired": 0}
    assert answer.get_json() == expected
    ATTACH.send(world)
    assert world.faults() == [{**expected, "seen": 1, "fired": 1}]


# -- probability and seeds ---------------------------------------------------------------

REQUESTS = 40


def fired_on(app: Flask, rule: Rule | None = None) -> list[int]:
    """The numbers of the requests (of ``REQUESTS`` lists) that a rule refused."""
    world = make_world(Api(app))
    if rule is not None:
        world.cloud.faults.add(rule)
    return [n for n in range(REQUESTS) if LIST.send(world).status_code == 409]


CHANCE: Rule = {"path": "/servers/*/os-volume_attachments", "status": 409, "probability": 0.5}


@pytest.mark.parametrize(("first", "second"), [
    pytest.param({"seed": 11}, {"seed": 12}, id="rule-seed"),
    pytest.param({"app_seed": 11}, {"app_seed": 12}, id="app-seed"),
])
def test_a_seed_makes_chance_fire_on_the_same_requests(first: dict[str, int],
                                                       second: dict[str, int]) -> None:
    def run(seeds: dict[str, int]) -> list[int]:
        rule = {**CHANCE, **({"seed": seeds["seed"]} if "seed" in seeds else {})}
        return fired_on(create_app(seed=seeds.get("app_seed", 0)), rule)

    once = run(first)
    assert 0 < len(once) < REQUESTS
    assert run(first) == once
    assert run(second) != once


def test_a_scenario_seed_repeats_after_a_reset_and_matches_the_same_seed_given_to_the_app(
        tmp_path: Path) -> None:
    app = create_app(scenario=write_scenario(tmp_path, {"seed": 11, "faults": [CHANCE]}))
    from_scenario = fired_on(app)
    assert 0 < len(from_scenario) < REQUESTS
    app.test_client().post("/_fakenova/reset")
    assert fired_on(app) == from_scenario
    assert fired_on(create_app(seed=11), CHANCE) == from_scenario


# -- delay_ms ----------------------------------------------------------------------------


@pytest.fixture
def slept(world: World, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays asked of ``cloud.sleep``, which no longer sleeps."""
    delays: list[float] = []
    monkeypatch.setattr(world.cloud, "sleep", delays.append)
    return delays


@pytest.mark.parametrize(("keys", "calls", "statuses", "delays"), [
    ({"delay_ms": 250}, [LIST], [200], [0.25]),
    ({"delay_ms": 250, "status": 503}, [LIST], [503], [0.25]),
    ({"delay_ms": 1500, "when": "after", "status": 504}, [ATTACH], [504], [1.5]),
    ({"delay_ms": 250, "times": 1}, [LIST, LIST], [200, 200], [0.25]),
    ({"delay_ms": 250, "method": "DELETE"}, [LIST], [200], []),
])
def test_delay_ms_asks_the_clouds_sleep_for_that_long(world: World, slept: list[float],
                                                     keys: Rule, calls: list[Call],
                                                     statuses: list[int],
                                                     delays: list[float]) -> None:
    world.cloud.faults.add(keys)
    may_change = keys.get("when") == "after"
    assert [call.send(world, may_change=may_change).status_code for call in calls] == statuses
    assert slept == delays


# -- when and action: what is applied, what is answered ----------------------------------


@pytest.mark.parametrize(("keys", "seen", "applied"), [
    ({"status": 409}, 409, False),
    ({"status": 409, "when": "before"}, 409, False),
    ({"status": 409, "when": "after"}, 409, True),
    ({"action": "drop"}, DROPPED, False),
    ({"action": "drop", "when": "after"}, DROPPED, True),
    ({"action": "drop", "status": 503}, DROPPED, False),
    ({"action": "truncate"}, TRUNCATED, True),
    ({"action": "truncate", "when": "after"}, TRUNCATED, True),
])
def test_before_changes_nothing_and_after_applies_the_request(world: World, keys: Rule,
                                                              seen: int | str,
                                                              applied: bool) -> None:
    world.cloud.faults.add(method="POST", **keys)
    before = world.cloud.state.dump()
    assert outcome(world, ATTACH)[0] == seen
    with world.cloud.state.transaction() as state:
        assert (state.servers[world.server].volume_bdm(world.other) is not None) is applied
    if not applied:
        assert world.cloud.state.dump() == before
    [entry] = world.cloud.journal.entries(method="POST", service="compute")
    assert entry.fault == "fault-1"
    assert entry.status == (None if seen == DROPPED else 200 if seen == TRUNCATED else seen)


def test_truncate_keeps_the_first_half_of_the_answer(world: World) -> None:
    full = SHOW.send(world).get_data()
    world.cloud.faults.add(action="truncate")
    cut = SHOW.send(world, checked=False)
    assert cut.status_code == 200
    assert cut.get_data() == full[:len(full) // 2]


# -- the answer is the service's own -----------------------------------------------------


@pytest.mark.parametrize(("call", "status", "body"), [
    (LIST, 409, {"conflictingRequest": {"code": 409, "message": "m"}}),
    (DETACH, 404, {"itemNotFound": {"code": 404, "message": "m"}}),
    (LIST, 503, {"serviceUnavailable": {"code": 503, "message": "m"}}),
    (LIST, 500, {"computeFault": {"code": 500, "message": "m"}}),
    (VOLUME_SHOW, 409, {"conflictingRequest": {"code": 409, "message": "m"}}),
    (VOLUME_SHOW, 413, {"overLimit": {"code": 413, "message": "m"}}),
    (TOKEN, 503, {"error": {"code": 503, "title": "Service Unavailable", "message": "m"}}),
    (TOKEN, 401, {"error": {"code": 401, "title": "Unauthorized", "message": "m"}}),
])
def test_the_fault_body_is_the_services_own(world: World, call: Call, status: int,
                                            body: dict[str, Any]) -> None:
    world.cloud.faults.add(status=status, message="m")
    answer = call.send(world)
    assert answer.status_code == status
    assert answer.get_json() == body


def _lock(world: World) -> None:
    world.cloud.state.servers[world.server].locked = True


def _reboot(world: World) -> None:
    world.cloud.state.servers[world.server].task_state = "rebooting"


def _detach_first(world: World) -> None:
    assert DETACH.send(world).status_code == 202


def _delete_volume(world: World) -> None:
    del world.cloud.state.volumes[world.other]


def _change_password(world: World) -> None:
    world.cloud.state.find_user("demo").password = "changed"


@pytest.mark.parametrize(("make_real", "rule", "call"), [
    pytest.param(_lock, {"preset": "instance_locked_409"}, ATTACH, id="locked"),
    pytest.param(_reboot, {"preset": "task_state_409"}, ATTACH, id="rebooting-attach"),
    pytest.param(_reboot, {"preset": "task_state_409", "operation": "detach"}, DETACH,
                 id="rebooting-detach"),
    pytest.param(_detach_first, {"preset": "detach_race_404"}, DETACH, id="detach-race"),
    pytest.param(_delete_volume, {"service": "volume", "status": 404,
                                  "message": "Volume {volume_id} could not be found."},
                 Call("GET", "/volume/v3/{project}/volumes/{other}",
                      headers=volume_version("3.60")), id="cinder-404"),
    pytest.param(_change_password, {"service": "identity", "status": 401,
                                    "message": "The request you have made requires "
                                               "authentication."}, TOKEN, id="keystone-401"),
])
def test_an_injected_fault_cannot_be_told_from_a_real_one(
        make_real: Callable[[World], None], rule: Rule, call: Call) -> None:
    """The same request, refused once by the cloud's own state and once by a rule: the
    same status, body and headers (all but the request ids)."""
    world = make_world(Api(create_app()))  # its own: snapshots outlive a reset
    def seen(answer: TestResponse) -> tuple[int, Any, list[tuple[str, str]]]:
        headers = [(k, v) for k, v in answer.headers
                   if k.lower() not in ("x-openstack-request-id", "x-compute-request-id")]
        return answer.status_code, answer.get_json(), sorted(headers)

    world.cloud.snapshot("ready")
    make_real(world)
    real = seen(call.send(world))
    assert real[0] >= 400
    world.cloud.restore("ready")
    world.cloud.faults.add(rule)
    assert seen(call.send(world)) == real


# -- presets -----------------------------------------------------------------------------


PRESET_CASES = [
    pytest.param({"preset": "flaky"}, LIST, 503, False, DEFAULT_MESSAGES[503], None,
                 id="flaky"),
    pytest.param({"preset": "flaky", "operation": "attach", "status": 409}, ATTACH, 409,
                 False, DEFAULT_MESSAGES[409], LIST, id="flaky-attach-409"),
    pytest.param({"preset": "lost_response", "operation": "attach"}, ATTACH, DROPPED, True,
                 None, LIST, id="lost_response"),
    pytest.param({"preset": "lost_response", "operation": "detach", "status": 504}, DETACH,
                 504, True, DEFAULT_MESSAGES[504], ATTACH, id="lost_response-504"),
    pytest.param({"preset": "slow", "operation": "list", "delay_ms": 40}, LIST, 200, False,
                 None, SHOW, id="slow"),
    pytest.param({"preset": "drop", "operation": "detach"}, DETACH, DROPPED, False, None,
                 LIST, id="drop"),
    pytest.param({"preset": "detach_race_404"}, DETACH, 404, False,
                 "Instance {server} is not attached to volume {volume}", SHOW,
                 id="detach_race_404"),
    pytest.param({"preset": "task_state_409"}, ATTACH, 409, False,
                 "Cannot 'attach_volume' instance {server} while it is in task_state "
                 "rebooting", DETACH, id="task_state_409"),
    pytest.param({"preset": "task_state_409", "operation": "update",
                  "task_state": "resize_prep"}, UPDATE, 409, False,
                 "Cannot 'swap_volume' instance {server} while it is in task_state "
                 "resize_prep", ATTACH, id="task_state_409-update"),
    pytest.param({"preset": "instance_locked_409", "operation": "detach"}, DETACH, 409,
                 False, "Instance {server} is locked", ATTACH, id="instance_locked_409"),
    pytest.param({"preset": "device_in_use_409"}, ATTACH_DEVICE, 409, False,
                 "The supplied device path (/dev/vdc) is in use.", LIST,
                 id="device_in_use_409"),
    pytest.param({"preset": "malformed_body", "operation": "show"}, SHOW, TRUNCATED, False,
                 None, LIST, id="malformed_body"),
    pytest.param({"preset": "keystone_503"}, TOKEN, 503, False, "Service Unavailable", LIST,
                 id="keystone_503"),
]


@pytest.mark.parametrize(("rule", "call", "seen", "applied", "message", "miss"),
                         PRESET_CASES)
def test_each_preset_and_what_a_client_sees(world: World, slept: list[float], rule: Rule,
                                            call: Call, seen: int | str, applied: bool,
                                            message: str | None, miss: Call | None) -> None:
    world.cloud.faults.add(rule)
    if miss is not None:
        assert miss.send(world).status_code < 400
    before = world.cloud.state.dump()
    result, answer = outcome(world, call)
    assert result == seen
    if message is not None:
        assert answer is not None
        assert fault_message(answer) == world.fill(message)
    assert (world.cloud.state.dump() != before) is applied
    assert slept == ([rule["delay_ms"] / 1000] if "delay_ms" in rule else [])
    [listed] = world.faults()
    assert (listed["name"], listed["fired"]) == (rule["preset"], 1)


def test_every_preset_is_in_the_table_above() -> None:
    covered = {cast(Rule, case.values[0])["preset"] for case in PRESET_CASES}
    assert covered | {"stuck"} == set(PRESETS)


def test_device_in_use_names_the_device_the_host_would_pick_when_none_was_asked(
        world: World) -> None:
    """DevicePathInUse names the path the driver tried: with no device in the request, the
    one the compute host picks for the next disk."""
    with world.cloud.faults.preset("device_in_use_409"):
        refused = ATTACH.send(world)
    assert refused.status_code == 409
    message = refused.get_json()["conflictingRequest"]["message"]
    attached = ATTACH.send(world)
    assert attached.status_code == 200
    device = attached.get_json()["volumeAttachment"]["device"]
    assert message == f"The supplied device path ({device}) is in use."


@pytest.mark.parametrize("clock", ["immediate", "manual"])
@pytest.mark.parametrize(("stuck", "operation", "status", "attached"), [
    ("attaching", "attach", "attaching", True),
    # the host failed: ComputeManager.attach_volume deletes the Cinder attachment and
    # destroys the BDM; a failed detach is rolled back (DriverVolumeBlockDevice.driver_detach)
    ("error", "attach", "available", False),
    ("volume_error", "attach", "error", False),
    ("detaching", "detach", "detaching", True),
    ("error", "detach", "in-use", True),
    ("volume_error", "detach", "error", True),
])
def test_stuck_holds_a_volume_in_its_state(clock: str, stuck: str, operation: str,
                                           status: str, attached: bool) -> None:
    world = make_world(Api(create_app(clock=clock)))  # type: ignore[arg-type]

    def settle() -> None:
        if clock == "manual":
            world.cloud.advance(10)

    if operation == "detach":
        assert ATTACH.send(world).status_code == 200
        settle()
        assert world.cloud.state.volumes[world.other].status == "in-use"
    with world.cloud.faults.preset("stuck", volume=world.other, state=stuck):
        call = ATTACH if operation == "attach" else Call("DELETE", ATTACHMENTS + "/{other}")
        assert call.send(world).status_code == (200 if operation == "attach" else 202)
        for _ in range(3):
            settle()
            with world.cloud.state.transaction() as state:
                assert state.volumes[world.other].status == status
                assert (state.servers[world.server].volume_bdm(world.other) is not None
                        ) is attached
        assert world.faults()[0]["seen"] == 0  # it holds a volume back, it answers nothing


def test_removing_a_stuck_rule_frees_its_volume() -> None:
    world = make_world(Api(create_app(clock="manual")))
    world.cloud.faults.preset("stuck", volume=world.other)
    freed = world.cloud.faults.preset("stuck", volume=world.spare)
    world.cloud.faults.remove(freed.id)
    assert ATTACH.send(world).status_code == ATTACH_SPARE.send(world).status_code == 200
    world.cloud.advance(10)
    volumes = world.cloud.state.volumes
    assert (volumes[world.other].status, volumes[world.spare].status) == ("attaching",
                                                                          "in-use")


# -- bad rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "message"), [
    ({}, "Invalid fault rule: give a status, a delay_ms, or an action of drop or truncate"),
    ({"when": "after"}, "give a status, a delay_ms, or an action of drop or truncate"),
    ({"status": 200}, "Invalid fault rule field status: 200 is less than the minimum of 400"),
    ({"status": "409"}, "Invalid fault rule field status: '409' is not of type 'integer'"),
    ({"status": 409, "service": "network"}, "Invalid fault rule field service: 'network' is "
                                            "not one of"),
    ({"status": 409, "method": "GET /x"}, "Invalid fault rule field method:"),
    ({"status": 409, "path": ""}, "Invalid fault rule field path:"),
    ({"status": 409, "match": "volumeId"}, "field match: 'volumeId' is not of type 'object'"),
    ({"status": 409, "project": 1}, "field project: 1 is not of type 'string'"),
    ({"status": 409, "min_version": "2.x"}, "Invalid fault rule field min_version: '2.x' does "
                                            "not match"),
    ({"status": 409, "max_version": "latest"}, "Invalid fault rule field max_version:"),
    ({"status": 409, "min_version": "2.90", "max_version": "2.10"},
     "Invalid fault rule: min_version is above max_version, so it could never fire"),
    ({"status": 409, "times": 0}, "field times: 0 is less than the minimum of 1"),
    ({"status": 409, "after": -1}, "field after: -1 is less than the minimum of 0"),
    ({"status": 409, "probability": 1.5}, "field probability: 1.5 is greater than the maximum "
                                          "of 1"),
    ({"status": 409, "seed": "x"}, "field seed: 'x' is not of type 'integer'"),
    ({"status": 409, "delay_ms": -5}, "field delay_ms: -5 is less than the minimum of 0"),
    ({"status": 409, "when": "later"}, "field when: 'later' is not one of"),
    ({"status": 409, "action": "explode"}, "field action: 'explode' is not one of"),
    ({"status": 409, "colour": "red"}, "Additional properties are not allowed ('colour' was "
                                       "unexpected)"),
    ({"stuck": "attaching"}, "Invalid fault rule: stuck and volume go together"),
    ({"stuck": "frozen", "volume": "v"}, "field stuck: 'frozen' is not one of"),
    ({"preset": "nope"}, "Unknown preset 'nope'; known: ['detach_race_404'"),
    ({"preset": ["flaky"]}, "Unknown preset ['flaky']"),
    ({"preset": "stuck"}, "Preset stuck: stuck() missing 1 required positional argument: "
                          "'volume'"),
    ({"preset": "stuck", "volume": "v", "state": "frozen"},
     "stuck takes state attaching, detaching, error or volume_error"),
    ({"preset": "flaky", "operation": "reboot"}, "Unknown operation 'reboot'; choose one of "
                                                 "['assisted_snapshot', 'attach', "
                                                 "'backup_create', "),
    ({"preset": "task_state_409", "operation": "list"}, "task_state_409 takes operation "
                                                        "attach, detach or update, not 'list'"),
    ({"preset": "flaky", "times": 0}, "field times: 0 is less than the minimum of 1"),
    ({"preset": "keystone_503", "operation": "attach"}, "('operation' was unexpected)"),
])
def test_a_bad_rule_is_refused_with_a_clear_message_and_nothing_added(
        world: World, rule: Rule, message: str) -> None:
    answer = world.api.client.post("/_fakenova/faults", json=rule)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == 400
    assert message in answer.get_json()["error"]["message"]
    with pytest.raises(BadRequest) as refused:
        world.cloud.faults.add(rule)
    assert message in refused.value.message
    assert world.faults() == []
    assert LIST.send(world).status_code == 200


@pytest.mark.parametrize("body", [b"[]", b'"flaky"', b"{not json", b""])
def test_a_rule_must_be_a_json_object(world: World, body: bytes) -> None:
    answer = world.api.client.post("/_fakenova/faults", data=body,
                                   content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json() == {"error": {"code": 400, "message": "Expected a JSON object"}}
    assert world.faults() == []


def test_a_bad_scenario_rule_is_refused_when_the_file_is_loaded(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="stuck and volume go together"):
        create_app(scenario=write_scenario(tmp_path, {"faults": [{"stuck": "error"}]}))


# -- removing rules ----------------------------------------------------------------------


def test_delete_one_rule_then_all(world: World) -> None:
    client = world.api.client
    for status in (409, 503, 500):
        client.post("/_fakenova/faults", json={"status": status, "method": "DELETE"})
    assert client.delete("/_fakenova/faults/fault-1").status_code == 204
    assert [f["id"] for f in world.faults()] == ["fault-2", "fault-3"]
    assert DETACH.send(world).status_code == 503
    assert client.delete("/_fakenova/faults").status_code == 204
    assert world.faults() == []
    assert DETACH.send(world).status_code == 202


def test_deleting_an_unknown_rule_is_a_404(world: World) -> None:
    answer = world.api.client.delete("/_fakenova/faults/fault-9")
    assert answer.status_code == 404
    assert answer.get_json() == {"error": {"code": 404,
                                           "message": "Fault rule fault-9 could not be found."}}


@pytest.mark.parametrize("error", [None, KeyError])
def test_a_rule_used_as_a_context_manager_lasts_for_the_block(
        world: World, error: type[Exception] | None) -> None:
    with contextlib.suppress(KeyError), world.cloud.faults.add(status=409) as rule:
        assert [f["id"] for f in world.faults()] == [rule.id]
        assert LIST.send(world).status_code == 409
        if error is not None:
            raise error("leaving the block")
    assert world.faults() == []
    assert LIST.send(world).status_code == 200


def test_a_preset_from_python_takes_its_parameters_as_keywords(world: World) -> None:
    rule = world.cloud.faults.preset("task_state_409", task_state="migrating",
                                     operation="detach", times=1)
    assert (rule.name, rule.method, rule.times) == ("task_state_409", "DELETE", 1)
    assert fault_message(DETACH.send(world)) == world.fill(
        "Cannot 'detach_volume' instance {server} while it is in task_state migrating")
    assert DETACH.send(world).status_code == 202


# -- the same rule from Python, HTTP and a scenario file ---------------------------------

FLAKY_ATTACH: Rule = {"preset": "flaky", "operation": "attach", "status": 409, "times": 1}


@pytest.mark.parametrize("source", ["python", "http", "scenario"])
def test_a_rule_works_the_same_from_python_http_and_a_scenario(tmp_path: Path,
                                                               source: str) -> None:
    scenario = write_scenario(tmp_path, {"faults": [FLAKY_ATTACH]})
    world = make_world(Api(create_app(scenario=scenario if source == "scenario" else None)))
    if source == "python":
        world.cloud.faults.add(FLAKY_ATTACH)
    elif source == "http":
        assert world.api.client.post("/_fakenova/faults", json=FLAKY_ATTACH).status_code == 201
    assert [ATTACH.send(world).status_code for _ in range(2)] == [409, 200]
    [listed] = world.faults()
    assert listed == {"id": "fault-1", "name": "flaky", "service": "compute", "method": "POST",
                      "path": "/servers/*/os-volume_attachments", "status": 409, "times": 1,
                      "after": 0, "probability": 1.0, "delay_ms": 0, "when": "before",
                      "action": "respond", "seen": 2, "fired": 1}
    assert [e.fault for e in world.cloud.journal.entries(method="POST", service="compute")
            ] == ["fault-1", None]


# -- the scenarios shipped in fixtures/ --------------------------------------------------


def shipped(name: str) -> str:
    return str(fixtures_dir().joinpath(name))


def test_the_shipped_flaky_attach_scenario_does_what_its_comments_say(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def run() -> list[int]:
        world = make_world(Api(create_app(scenario=shipped("scenario-flaky-attach.yaml"))))
        slept: list[float] = []
        monkeypatch.setattr(world.cloud, "sleep", slept.append)
        assert [outcome(world, ATTACH)[0] for _ in range(2)] == [503, 200]
        assert (outcome(world, DETACH)[0], slept) == (202, [0.3])
        assert (world.cloud.snapshots(), world.cloud.journal.cap) == (["initial"], 5000)
        return [n for n in range(30) if outcome(world, LIST)[0] == DROPPED]

    dropped = run()
    assert 0 < len(dropped) < 15  # one list in five, give or take
    assert run() == dropped  # the scenario's seed: the same lists in every run


def test_the_shipped_detach_race_scenario_does_what_its_comments_say() -> None:
    world = make_world(Api(create_app(scenario=shipped("scenario-detach-race.yaml"))))
    assert outcome(world, ATTACH)[0] == DROPPED
    assert world.cloud.state.volumes[world.other].status == "in-use"  # applied all the same
    detach = Call("DELETE", ATTACHMENTS + "/{other}")
    assert outcome(world, detach)[0] == 202
    result, answer = outcome(world, detach)
    assert result == 404 and answer is not None
    assert fault_message(answer) == world.fill("Instance {server} is not attached to volume "
                                               "{other}")
    assert [e.fault for e in world.cloud.journal.entries(method="DELETE")] == [None, "fault-1"]
