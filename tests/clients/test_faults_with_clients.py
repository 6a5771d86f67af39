"""Every fault rule key and every preset, through unmodified clients on a served fakenova:
what openstacksdk or novaclient then does.

Upstream: ``keystoneauth1.session.Session.request`` (a dropped connection is
``keystoneauth1.exceptions.ConnectFailure``; ``connect_retries`` and ``status_code_retries``
default to 0, so no retries for compute or volume), ``openstack.exceptions.raise_from_response``
and ``novaclient.exceptions.from_response`` (exception classes). The rules and presets: README.md
"Faults, the journal and snapshots".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import requests
from keystoneauth1 import exceptions as ks_exc
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from openstack import exceptions as sdk_exc
from openstack.connection import Connection

from fakenova.harness.presets import PRESETS
from fakenova.resources import schemas_dir

from .conftest import Live
from .test_novaclient import novaclient
from .test_openstacksdk import connect

T = TypeVar("T")
Rule = dict[str, Any]
SHORT = {"interval": 0.02, "wait": 0.5}  # long enough for a transition on either clock
FAST = {"interval": 0.02, "wait": 10}


@dataclass
class Scene:
    """A served cloud with server ``vm`` and free volumes ``data`` and ``other``, and
    warmed-up clients: their token and version discovery are done before any rule."""

    live: Live
    conn: Connection
    server: str
    volume: str
    other: str
    project: str

    def add(self, rule: Rule) -> None:
        filled = json.loads(json.dumps(rule).replace("{server}", self.server)
                            .replace("{volume}", self.volume).replace("{other}", self.other)
                            .replace("{project}", self.project))
        self.live.cloud.faults.add(filled)

    def nova(self, version: str = "2.89") -> nova_client.Client:  # type: ignore[name-defined]
        nova = novaclient(self.live, version)
        nova.volumes.get_server_volumes(self.server)
        return nova

    def admin(self) -> Connection:
        conn = connect(self.live, "admin")
        conn.compute.get_server(self.server)
        return conn

    def attached(self) -> list[str]:
        """The volumes attached to the server, as openstacksdk lists them."""
        return sorted(a.volume_id for a in self.conn.compute.volume_attachments(self.server))

    def fired(self) -> list[int]:
        return [rule.fired for rule in self.live.cloud.faults.rules()]


@pytest.fixture
def scene(live: Live) -> Iterator[Scene]:
    state = live.cloud.state
    server = state.add_server("vm")
    volume, other = state.add_volume("data"), state.add_volume("other")
    conn = connect(live)
    conn.compute.get_server(server.id)
    conn.block_storage.get_volume(volume.id)
    yield Scene(live, conn, server.id, volume.id, other.id, server.project_id)
    live.cloud.reset()  # no rule outlives its test on the shared server


# What each call does with the scene's clients.
Act = Callable[[Scene], object]


def sdk_list(s: Scene) -> object:
    return list(s.conn.compute.volume_attachments(s.server))


def sdk_attach(s: Scene) -> object:
    return s.conn.compute.create_volume_attachment(s.server, volume=s.volume)


def sdk_attach_other(s: Scene) -> object:
    return s.conn.compute.create_volume_attachment(s.server, volume=s.other)


def sdk_show_server(s: Scene) -> object:
    return s.conn.compute.get_server(s.server)


def sdk_show_volume(s: Scene) -> object:
    return s.conn.block_storage.get_volume(s.volume)


def sdk_show_attachment(s: Scene) -> object:
    return s.conn.compute.get_volume_attachment(s.server, s.volume)


def sdk_flavors(s: Scene) -> object:
    return list(s.conn.compute.flavors())


def sdk_lock(s: Scene) -> object:
    return s.conn.compute.lock_server(s.server)


def sdk_stop(s: Scene) -> object:
    return s.conn.compute.stop_server(s.server)


def admin_list(s: Scene) -> object:
    return list(s.admin().compute.volume_attachments(s.server))


def nova_list_at(version: str) -> Act:
    def act(s: Scene) -> object:
        return novaclient(s.live, version).volumes.get_server_volumes(s.server)
    return act


def retry(call: Callable[[], T], retry_on: type[Exception], attempts: int = 5,
          ) -> tuple[T, int]:
    """A client's retry loop: the answer, and on which attempt it came."""
    for attempt in range(1, attempts + 1):
        try:
            return call(), attempt
        except retry_on:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


# -- keys that aim a rule: service, method, path, match, project, versions ---------------


@pytest.mark.parametrize(("keys", "hit", "error", "miss"), [
    pytest.param({"service": "volume"}, sdk_show_volume, sdk_exc.ConflictException,
                 sdk_show_server, id="service"),
    pytest.param({"method": "POST"}, sdk_attach, sdk_exc.ConflictException, sdk_list,
                 id="method"),
    pytest.param({"path": "/servers/*/os-volume_attachments"}, sdk_list,
                 sdk_exc.ConflictException, sdk_show_server, id="path-star"),
    pytest.param({"path": "/servers/**"}, sdk_show_attachment, sdk_exc.ConflictException,
                 sdk_flavors, id="path-double-star"),
    pytest.param({"match": {"volumeId": "{other}"}}, sdk_attach_other,
                 sdk_exc.ConflictException, sdk_attach, id="match"),
    pytest.param({"project": "{project}"}, sdk_list, sdk_exc.ConflictException, admin_list,
                 id="project"),
    pytest.param({"body_key": "os-stop"}, sdk_stop, sdk_exc.ConflictException, sdk_lock,
                 id="body_key"),
    pytest.param({"min_version": "2.79"}, nova_list_at("2.89"), nova_exc.Conflict,
                 nova_list_at("2.1"), id="min_version"),
    pytest.param({"max_version": "2.78"}, nova_list_at("2.1"), nova_exc.Conflict,
                 nova_list_at("2.89"), id="max_version"),
])
def test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail(
        scene: Scene, keys: Rule, hit: Act, error: type[Exception], miss: Act) -> None:
    scene.add({"service": "compute", **keys, "status": 409} if "service" not in keys
              else {**keys, "status": 409})
    miss(scene)
    assert scene.fired() == [0]
    with pytest.raises(error):
        hit(scene)
    assert scene.fired() == [1]


# -- status and message: which exception, saying what ------------------------------------


@pytest.mark.parametrize(("status", "sdk_error", "nova_error"), [
    (400, sdk_exc.BadRequestException, nova_exc.BadRequest),
    (403, sdk_exc.ForbiddenException, nova_exc.Forbidden),
    (404, sdk_exc.NotFoundException, nova_exc.NotFound),
    (409, sdk_exc.ConflictException, nova_exc.Conflict),
    (503, sdk_exc.HttpException, nova_exc.ClientException),
])
def test_status_becomes_each_clients_own_exception_with_the_message(
        scene: Scene, status: int, sdk_error: type[sdk_exc.HttpException],
        nova_error: type[nova_exc.ClientException]) -> None:
    nova = scene.nova()
    scene.add({"path": "/servers/*/os-volume_attachments", "status": status,
               "message": "Refused {method} for {server_id}"})
    message = f"Refused GET for {scene.server}"
    with pytest.raises(sdk_error) as from_sdk:
        sdk_list(scene)
    assert (from_sdk.value.status_code, from_sdk.value.details) == (status, message)
    with pytest.raises(nova_error) as from_nova:
        nova.volumes.get_server_volumes(scene.server)
    assert (from_nova.value.code, from_nova.value.message) == (status, message)
    assert from_nova.value.request_id.startswith("req-")  # type: ignore[attr-defined]


def test_message_placeholders_come_from_the_request_body(scene: Scene) -> None:
    scene.add({"method": "POST", "status": 409, "message": "{volumeId} busy on {server_id}"})
    with pytest.raises(sdk_exc.ConflictException) as refused:
        sdk_attach(scene)
    assert refused.value.details == f"{scene.volume} busy on {scene.server}"


# -- times, after, probability, seed: when a rule fires ----------------------------------


@pytest.mark.parametrize(("keys", "attempt"), [
    ({"times": 1}, 2),
    ({"times": 3}, 4),
])
def test_times_limits_a_fault_so_a_retry_loop_survives(scene: Scene, keys: Rule,
                                                       attempt: int) -> None:
    scene.add({"method": "POST", "status": 409, **keys})
    _attachment, succeeded_on = retry(lambda: sdk_attach(scene), sdk_exc.ConflictException)
    assert succeeded_on == attempt
    assert scene.attached() == [scene.volume]
    assert scene.fired() == [keys["times"]]


def test_after_lets_the_first_requests_through(scene: Scene) -> None:
    scene.add({"path": "/servers/*/os-volume_attachments", "status": 503, "after": 2})
    assert sdk_list(scene) == sdk_list(scene) == []
    for _ in range(2):
        with pytest.raises(sdk_exc.HttpException) as refused:
            sdk_list(scene)
        assert refused.value.status_code == 503


def failed_lists(scene: Scene, rule: Rule, count: int = 24) -> list[int]:
    """Which of ``count`` SDK list calls a fresh copy of ``rule`` refused."""
    scene.live.cloud.faults.clear()
    scene.add(rule)
    failed = []
    for number in range(count):
        try:
            sdk_list(scene)
        except sdk_exc.ConflictException:
            failed.append(number)
    return failed


def test_probability_with_a_seed_fails_the_same_calls_in_two_runs(scene: Scene) -> None:
    rule = {"path": "/servers/*/os-volume_attachments", "status": 409, "probability": 0.5}
    first = failed_lists(scene, {**rule, "seed": 4})
    assert 0 < len(first) < 24
    assert failed_lists(scene, {**rule, "seed": 4}) == first
    assert failed_lists(scene, {**rule, "seed": 5}) != first


# -- delay_ms: measurably slower ---------------------------------------------------------


@pytest.mark.parametrize("rule", [
    pytest.param({"path": "/servers/*/os-volume_attachments", "delay_ms": 300}, id="delay_ms"),
    pytest.param({"preset": "slow", "operation": "list", "delay_ms": 300}, id="slow"),
])
def test_delay_ms_makes_the_call_measurably_slower(scene: Scene, rule: Rule) -> None:
    fast = min(timed(lambda: sdk_list(scene)) for _ in range(3))
    scene.add(rule)
    slow = timed(lambda: sdk_list(scene))
    assert slow >= 0.3
    assert slow - fast >= 0.25  # the undelayed call took well under the delay
    assert scene.fired() == [1]


# -- when and action: what the client sees, and what was done ----------------------------


@pytest.mark.parametrize(("keys", "error", "applied"), [
    pytest.param({"status": 409}, sdk_exc.ConflictException, False, id="when-before"),
    pytest.param({"status": 409, "when": "after"}, sdk_exc.ConflictException, True,
                 id="when-after"),
    pytest.param({"action": "respond", "status": 500}, sdk_exc.HttpException, False,
                 id="action-respond"),
    pytest.param({"action": "drop"}, ks_exc.ConnectFailure, False, id="action-drop"),
    pytest.param({"action": "drop", "when": "after"}, ks_exc.ConnectFailure, True,
                 id="action-drop-after"),
])
def test_when_and_action_decide_what_is_applied_and_what_the_client_gets(
        scene: Scene, keys: Rule, error: type[Exception], applied: bool) -> None:
    scene.add({"method": "POST", **keys})
    with pytest.raises(error):
        sdk_attach(scene)
    assert scene.attached() == ([scene.volume] if applied else [])


def test_action_truncate_is_the_sdks_json_error_on_a_list_but_not_on_an_attach(
        scene: Scene) -> None:
    """openstacksdk parses a list's body, but reads a create's body only if it can."""
    scene.add({"action": "truncate", "path": "/servers/*/os-volume_attachments"})
    with pytest.raises(requests.exceptions.JSONDecodeError):
        sdk_list(scene)
    attachment = sdk_attach(scene)
    assert attachment.device is None  # type: ignore[attr-defined]  # lost with the body
    assert scene.fired() == [2]
    scene.live.cloud.faults.clear()
    assert scene.attached() == [scene.volume]
    [listed] = sdk_list(scene)
    assert listed.device == "/dev/vdb"  # type: ignore[attr-defined]


# -- presets -----------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "error"), [
    pytest.param({"preset": "flaky", "operation": "attach", "status": 409},
                 sdk_exc.ConflictException, id="flaky-409"),
    pytest.param({"preset": "flaky", "operation": "attach", "times": 2},
                 sdk_exc.HttpException, id="flaky-503-twice"),
])
def test_flaky_a_retry_loop_survives(scene: Scene, rule: Rule,
                                     error: type[Exception]) -> None:
    scene.add(rule)
    attachment, attempt = retry(lambda: sdk_attach(scene), error)
    assert attempt == rule.get("times", 1) + 1
    assert attachment.volume_id == scene.volume  # type: ignore[attr-defined]
    assert scene.attached() == [scene.volume]


@pytest.mark.parametrize("operation", ["attach", "detach"])
def test_lost_response_the_client_fails_yet_the_change_is_visible(scene: Scene,
                                                                  operation: str) -> None:
    if operation == "detach":
        sdk_attach(scene)
        scene.live.wait_for_volume(scene.volume, "in-use")
    scene.add({"preset": "lost_response", "operation": operation})
    with pytest.raises(ks_exc.ConnectFailure):
        if operation == "attach":
            sdk_attach(scene)
        else:
            scene.conn.compute.delete_volume_attachment(scene.server, scene.volume,
                                                        ignore_missing=False)
    wanted = "in-use" if operation == "attach" else "available"
    volume = scene.conn.block_storage.wait_for_status(sdk_show_volume(scene), wanted, **FAST)
    assert volume.status == wanted  # type: ignore[attr-defined]
    assert scene.attached() == ([scene.volume] if operation == "attach" else [])


@pytest.mark.parametrize("client", ["openstacksdk", "novaclient"])
def test_drop_raises_the_connection_error_and_changes_nothing(scene: Scene,
                                                             client: str) -> None:
    nova = scene.nova()
    scene.add({"preset": "drop", "operation": "attach"})
    with pytest.raises(ks_exc.ConnectFailure, match="Connection aborted"):
        if client == "openstacksdk":
            sdk_attach(scene)
        else:
            nova.volumes.create_server_volume(scene.server, scene.volume)
    assert scene.attached() == []
    assert scene.live.volume_status(scene.volume) == "available"


def test_malformed_body_is_each_clients_json_failure(scene: Scene) -> None:
    nova = scene.nova()
    scene.add({"preset": "malformed_body", "operation": "list"})
    with pytest.raises(requests.exceptions.JSONDecodeError):
        sdk_list(scene)
    with pytest.raises(TypeError):  # novaclient reads no body from bad JSON, then indexes it
        nova.volumes.get_server_volumes(scene.server)
    assert scene.fired() == [2]


def test_keystone_503_the_client_cannot_authenticate(scene: Scene) -> None:
    scene.add({"preset": "keystone_503"})
    with pytest.raises(sdk_exc.SDKException, match=r"Service Unavailable \(HTTP 503\)"):
        connect(scene.live).authorize()
    with pytest.raises(ks_exc.ServiceUnavailable) as refused:
        sdk_list(Scene(scene.live, connect(scene.live), scene.server, scene.volume,
                       scene.other, scene.project))
    assert refused.value.http_status == 503
    with pytest.raises(ks_exc.ServiceUnavailable):
        novaclient(scene.live, "2.89").volumes.get_server_volumes(scene.server)
    assert sdk_list(scene) == []  # a client holding a token carries on
    assert scene.fired() == [3]


@pytest.mark.parametrize("ignore_missing", [False, True])
def test_detach_race_404_is_not_found_which_ignore_missing_swallows(
        scene: Scene, ignore_missing: bool) -> None:
    sdk_attach(scene)
    scene.live.wait_for_volume(scene.volume, "in-use")
    scene.add({"preset": "detach_race_404"})
    detach = scene.conn.compute.delete_volume_attachment
    if ignore_missing:
        assert detach(scene.server, scene.volume, ignore_missing=True) is None
    else:
        with pytest.raises(sdk_exc.NotFoundException) as refused:
            detach(scene.server, scene.volume, ignore_missing=False)
        assert refused.value.details == (f"Instance {scene.server} is not attached to "
                                         f"volume {scene.volume}")
    assert scene.fired() == [1]
    assert scene.attached() == [scene.volume]  # the rule answered; nothing was detached


def _rebooting(scene: Scene, busy: bool) -> None:
    scene.live.cloud.state.servers[scene.server].task_state = "rebooting" if busy else None


def _locked(scene: Scene, busy: bool) -> None:
    scene.live.cloud.state.servers[scene.server].locked = busy


@pytest.mark.parametrize(("rule", "make_real", "device"), [
    pytest.param({"preset": "task_state_409"}, _rebooting, None, id="task_state_409"),
    pytest.param({"preset": "instance_locked_409"}, _locked, None, id="instance_locked_409"),
    pytest.param({"preset": "device_in_use_409"}, None, "/dev/vdc", id="device_in_use_409"),
])
def test_a_409_preset_is_a_conflict_with_upstreams_message(
        scene: Scene, rule: Rule, make_real: Callable[[Scene, bool], None] | None,
        device: str | None) -> None:
    """Each client gets exactly what the cloud itself says when it is really busy."""
    nova = scene.nova()
    extra = {"device": device} if device else {}
    expected = f"The supplied device path ({device}) is in use."
    if make_real is not None:
        make_real(scene, True)
        with pytest.raises(nova_exc.Conflict) as real:
            nova.volumes.create_server_volume(scene.server, scene.volume)
        expected = real.value.message
        make_real(scene, False)
    scene.add(rule)
    with pytest.raises(sdk_exc.ConflictException) as from_sdk:
        scene.conn.compute.create_volume_attachment(scene.server, volume=scene.volume,
                                                    **extra)
    assert from_sdk.value.details == expected
    with pytest.raises(nova_exc.Conflict) as from_nova:
        nova.volumes.create_server_volume(scene.server, scene.volume, **extra)
    assert from_nova.value.message == expected
    assert scene.attached() == []


@pytest.mark.parametrize(("state", "operation", "error", "status"), [
    ("attaching", "attach", sdk_exc.ResourceTimeout, "attaching"),
    ("error", "attach", sdk_exc.ResourceTimeout, "available"),
    ("volume_error", "attach", sdk_exc.ResourceFailure, "error"),
    ("detaching", "detach", sdk_exc.ResourceTimeout, "detaching"),
    ("error", "detach", sdk_exc.ResourceTimeout, "in-use"),
    ("volume_error", "detach", sdk_exc.ResourceFailure, "error"),
])
def test_stuck_a_client_waiting_for_the_volume_gives_up(scene: Scene, state: str,
                                                        operation: str,
                                                        error: type[Exception],
                                                        status: str) -> None:
    block_storage = scene.conn.block_storage
    if operation == "detach":
        sdk_attach(scene)
        block_storage.wait_for_status(sdk_show_volume(scene), "in-use", **FAST)
    scene.add({"preset": "stuck", "volume": "{volume}", "state": state})
    if operation == "attach":
        sdk_attach(scene)
    else:
        scene.conn.compute.delete_volume_attachment(scene.server, scene.volume)
    wanted = "in-use" if operation == "attach" else "available"
    with pytest.raises(error):
        block_storage.wait_for_status(sdk_show_volume(scene), wanted, **SHORT)
    assert sdk_show_volume(scene).status == status  # type: ignore[attr-defined]


# -- every key and preset above ----------------------------------------------------------

KEY_TESTS = {
    "service": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "method": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "path": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "match": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "body_key": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "project": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "min_version": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "max_version": test_a_key_aims_the_rule_at_some_requests_and_the_client_sees_only_those_fail,
    "status": test_status_becomes_each_clients_own_exception_with_the_message,
    "message": test_message_placeholders_come_from_the_request_body,
    "times": test_times_limits_a_fault_so_a_retry_loop_survives,
    "after": test_after_lets_the_first_requests_through,
    "probability": test_probability_with_a_seed_fails_the_same_calls_in_two_runs,
    "seed": test_probability_with_a_seed_fails_the_same_calls_in_two_runs,
    "delay_ms": test_delay_ms_makes_the_call_measurably_slower,
    "when": test_when_and_action_decide_what_is_applied_and_what_the_client_gets,
    "action": test_action_truncate_is_the_sdks_json_error_on_a_list_but_not_on_an_attach,
    "stuck": test_stuck_a_client_waiting_for_the_volume_gives_up,
    "volume": test_stuck_a_client_waiting_for_the_volume_gives_up,
}
PRESET_TESTS = {
    "flaky": test_flaky_a_retry_loop_survives,
    "lost_response": test_lost_response_the_client_fails_yet_the_change_is_visible,
    "slow": test_delay_ms_makes_the_call_measurably_slower,
    "drop": test_drop_raises_the_connection_error_and_changes_nothing,
    "detach_race_404": test_detach_race_404_is_not_found_which_ignore_missing_swallows,
    "task_state_409": test_a_409_preset_is_a_conflict_with_upstreams_message,
    "instance_locked_409": test_a_409_preset_is_a_conflict_with_upstreams_message,
    "device_in_use_409": test_a_409_preset_is_a_conflict_with_upstreams_message,
    "malformed_body": test_malformed_body_is_each_clients_json_failure,
    "keystone_503": test_keystone_503_the_client_cannot_authenticate,
    "stuck": test_stuck_a_client_waiting_for_the_volume_gives_up,
}


def test_every_rule_key_and_every_preset_has_a_client_test() -> None:
    schema = json.loads(schemas_dir().joinpath("control", "fault_rule.json").read_text())
    assert set(KEY_TESTS) == set(schema["properties"]) - {"name"}
    assert set(PRESET_TESTS) == set(PRESETS)
