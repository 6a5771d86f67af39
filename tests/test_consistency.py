"""fakenova.consistency: what it never flags, what it flags, and where it is exposed.

Every normal operation, through HTTP, on the immediate and the manual clock, leaves a state
the check accepts (checked after each request and after each clock step); each invariant
broken on purpose is reported with its exact sentence; ``GET /_fakenova/state?check=1`` and
the pytest plugin's ``--fakenova-check`` carry the same answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud
from fakenova.consistency import check
from fakenova.domain.model import VolumeAttachment
from fakenova.domain.store import State

from .conftest import Api, attachments_path

pytest_plugins = ["pytester"]

IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"
SERVERS = "/compute/v2.1/servers"


# -- normal operation: nothing is ever flagged --------------------------------------------


class Walk:
    """Requests as a client sends them, with the check after each one and, on a manual
    clock, after each step of the transitions the request started."""

    def __init__(self, api: Api, cloud: Cloud) -> None:
        self.api = api
        self.cloud = cloud
        self.manual = cloud.state.clock.mode == "manual"
        self.checks = 0

    def __call__(self, method: str, path: str, status: int, *, settle: bool = True,
                 **kwargs: Any) -> TestResponse:
        answer = self.api.request(method, path, **kwargs)
        assert answer.status_code == status, (method, path, answer.get_data(as_text=True))
        self.assert_consistent(f"{method} {path}")
        if settle:
            self.settle()
        return answer

    def settle(self) -> None:
        while self.manual and self.cloud.state.clock.pending:
            self.cloud.advance(1)
            self.assert_consistent("a clock step")

    def assert_consistent(self, after: str) -> None:
        self.checks += 1
        assert check(self.cloud.state) == [], f"after {after}"

    # what clients do

    def volume(self, name: str, size: int = 1, **extra: Any) -> str:
        project = self.cloud.state.find_project("demo").id
        answer = self("POST", f"/volume/v3/{project}/volumes", 202,
                      json={"volume": {"size": size, "name": name, **extra}})
        volume_id: str = answer.get_json()["volume"]["id"]
        return volume_id

    def server(self, name: str, **extra: Any) -> str:
        body = {"name": name, "imageRef": IMAGE, "flavorRef": "1", "networks": "none", **extra}
        answer = self("POST", SERVERS, 202, json={"server": body}, version="2.89")
        server_id: str = answer.get_json()["server"]["id"]
        return server_id

    def attach(self, server: str, volume: str, version: str = "2.89", status: int = 200,
               **extra: Any) -> None:
        self("POST", attachments_path(server), status, version=version,
             json={"volumeAttachment": {"volumeId": volume, **extra}})

    def detach(self, server: str, volume: str, version: str = "2.89", status: int = 202) -> None:
        self("DELETE", attachments_path(server, volume), status, version=version)

    def action(self, server: str, action: str, body: Any = None, status: int = 202) -> None:
        self("POST", f"{SERVERS}/{server}/action", status, json={action: body})

    def migrating(self, volume_id: str) -> None:
        """What Cinder's retype or migration sets before it asks Nova to swap."""
        self.cloud.state.volumes[volume_id].migration_status = "migrating"


@pytest.fixture(params=["immediate", "manual"])
def walk(request: pytest.FixtureRequest, api: Api, cloud: Cloud) -> Iterator[Walk]:
    cloud.state.set_clock_mode(request.param)
    cloud.state.add_image("cirros", id=IMAGE)  # Nova asks Glance for the boot image
    yield Walk(api, cloud)
    cloud.state.set_clock_mode("immediate")


def test_every_normal_operation_is_consistent(walk: Walk, cloud: Cloud) -> None:
    data, big, bigger = walk.volume("data"), walk.volume("big", 2), walk.volume("bigger", 2)
    shared = walk.volume("shared", volume_type="multiattach")
    a, b = walk.server("a"), walk.server("b")
    bfv = walk.server("bfv", imageRef="", block_device_mapping_v2=[
        {"boot_index": 0, "uuid": IMAGE, "source_type": "image", "destination_type": "volume",
         "volume_size": 1, "delete_on_termination": True},
        {"boot_index": 1, "uuid": walk.volume("extra"), "source_type": "volume",
         "destination_type": "volume"}])
    walk.attach(a, data, version="2.1")
    walk.attach(a, shared, version="2.60")
    walk.attach(b, shared, version="2.101", status=202)
    walk.attach(b, data, status=400)  # already attached to a
    walk("PUT", attachments_path(a, data), 202, version="2.85",
         json={"volumeAttachment": {"volumeId": data, "delete_on_termination": True}})
    walk("GET", attachments_path(a), 200, version="2.89")
    walk("GET", attachments_path(a, shared), 200, version="2.1")
    walk.migrating(data)
    walk("PUT", attachments_path(a, data), 202, user="admin", version="2.1",
         json={"volumeAttachment": {"volumeId": big}})
    walk.migrating(big)
    walk("PUT", attachments_path(a, big), 202, user="admin", version="2.85",
         json={"volumeAttachment": {"volumeId": bigger}})
    walk.detach(b, shared, version="2.79")
    for action in ("os-stop", "os-start", "lock", "unlock"):
        walk.action(a, action)
    walk.action(a, "reboot", {"type": "HARD"})
    walk.action(a, "shelve")
    walk.attach(a, data, version="2.79", delete_on_termination=False)  # offloaded: no device
    walk.attach(b, shared, version="2.60")
    walk.action(b, "shelve")
    walk.detach(b, shared, version="2.20")  # offloaded: at once
    walk.action(a, "unshelve")
    walk.action(b, "unshelve")
    walk("DELETE", f"{SERVERS}/{a}", 204)  # bigger goes with it (delete_on_termination)
    walk("DELETE", f"{SERVERS}/{bfv}", 204)
    for volume in (data, big, shared):
        walk("DELETE", f"/volume/v3/volumes/{volume}", 202)
    walk("DELETE", f"{SERVERS}/{b}", 204)
    assert bigger not in cloud.state.volumes and cloud.state.servers == {}
    assert walk.checks > 30


def test_the_demo_cloud_is_consistent() -> None:
    from fakenova import create_app

    assert check(create_app(["demo"]).extensions["fakenova"].state) == []


# On a manual clock, a second request while the first one's transitions are in flight.
_FIRST_THEN_SECOND = [
    "attach", "detach", "detach_shared", "swap", "delete_server", "shelve", "boot_with",
    "delete_volume", "attach_other"]
# A server deleted while its swap is in flight: for the one clock step between the delete
# and the swap's completion, the new volume keeps a reserved attachment to a server that
# is gone (test_a_server_deleted_during_a_swap_releases_the_new_volume checks the end).
_KNOWN_BUGS: set[tuple[str, str, int]] = set()


def _interleaving_world(state: State) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    a, b = state.add_server("a"), state.add_server("b")
    data = state.add_volume("data", migration_status="migrating")
    spare = state.add_volume("spare", size=2)
    shared = state.add_volume("shared", multiattach=True)
    state.add_attachment(a.id, data.id, delete_on_termination=True)
    state.add_attachment(a.id, shared.id)
    state.add_attachment(b.id, shared.id)
    boot = {"name": "c", "imageRef": IMAGE, "flavorRef": "1", "networks": "none",
            "block_device_mapping_v2": [
                {"boot_index": 1, "uuid": spare.id, "source_type": "volume",
                 "destination_type": "volume"},
                {"boot_index": 2, "uuid": IMAGE, "source_type": "image",
                 "destination_type": "volume", "volume_size": 1}]}
    return {
        "attach": ("POST", attachments_path(a.id), {"volumeAttachment": {"volumeId": spare.id}}),
        "attach_other": ("POST", attachments_path(b.id),
                         {"volumeAttachment": {"volumeId": spare.id}}),
        "detach": ("DELETE", attachments_path(a.id, data.id), None),
        "detach_shared": ("DELETE", attachments_path(b.id, shared.id), None),
        "swap": ("PUT", attachments_path(a.id, data.id),
                 {"volumeAttachment": {"volumeId": spare.id}}),
        "delete_server": ("DELETE", f"{SERVERS}/{a.id}", None),
        "shelve": ("POST", f"{SERVERS}/{a.id}/action", {"shelve": None}),
        "boot_with": ("POST", SERVERS, {"server": boot}),
        "delete_volume": ("DELETE", f"/volume/v3/volumes/{spare.id}", None),
    }


def test_requests_during_transitions_are_consistent(api: Api, cloud: Cloud) -> None:
    """Each pair of requests, the second 0 or 1 clock steps after the first: the check
    after each request and each step finds nothing (statuses vary; none is a 5xx)."""
    cloud.state.set_clock_mode("manual")
    try:
        for first, second, gap in itertools.product(_FIRST_THEN_SECOND, _FIRST_THEN_SECOND,
                                                    (0, 1)):
            if (first, second, gap) in _KNOWN_BUGS:
                continue
            cloud.reset()
            requests = _interleaving_world(cloud.state)
            trail: list[str] = []
            for name, steps in ((first, gap), (second, 4)):
                method, path, body = requests[name]
                version = "2.89" if path.startswith("/compute") else None
                answer = api.request(method, path, user="admin", version=version, json=body,
                                     state_may_change=True)
                assert answer.status_code < 500, answer.get_data(as_text=True)
                trail.append(f"{name} -> {answer.status_code}")
                assert check(cloud.state) == [], trail
                for _ in range(steps):
                    cloud.advance(1)
                    trail.append("clock +1")
                    assert check(cloud.state) == [], trail
    finally:
        cloud.state.set_clock_mode("immediate")


# -- bugs the check found in the fake, fixed -----------------------------------------------


@pytest.mark.parametrize("how", ["server delete", "detach while shelved_offloaded"])
def test_delete_on_termination_spares_a_volume_still_attached_elsewhere(
        api: Api, cloud: Cloud, how: str) -> None:
    a, b = cloud.state.add_server("a"), cloud.state.add_server("b")
    shared = cloud.state.add_volume("shared", multiattach=True)
    for server, extra in ((a, {"delete_on_termination": True}), (b, {})):
        answer = api.post(attachments_path(server.id), version="2.79",
                          json={"volumeAttachment": {"volumeId": shared.id, **extra}})
        assert answer.status_code == 200
    if how == "server delete":
        assert api.delete(f"{SERVERS}/{a.id}").status_code == 204
    else:
        assert api.post(f"{SERVERS}/{a.id}/action", json={"shelve": None}).status_code == 202
        assert api.delete(attachments_path(a.id, shared.id), version="2.20").status_code == 202
    assert check(cloud.state) == []


def test_a_server_deleted_during_a_swap_releases_the_new_volume(api: Api, cloud: Cloud) -> None:
    cloud.state.set_clock_mode("manual")
    try:
        server = cloud.state.add_server("a")
        old = cloud.state.add_volume("old", migration_status="migrating")
        new = cloud.state.add_volume("new")
        cloud.state.add_attachment(server.id, old.id)
        answer = api.put(attachments_path(server.id, old.id), user="admin", version="2.1",
                         json={"volumeAttachment": {"volumeId": new.id}})
        assert answer.status_code == 202
        assert api.delete(f"{SERVERS}/{server.id}").status_code == 204
        cloud.advance(5)
        assert check(cloud.state) == []
    finally:
        cloud.state.set_clock_mode("immediate")


# -- each invariant broken on purpose ------------------------------------------------------


Breaker = Callable[[State, dict[str, Any]], str]


def _seeded(state: State) -> dict[str, Any]:
    """Server a with data (/dev/vdb) and shared (/dev/vdc); b with shared (/dev/vdb)."""
    a, b = state.add_server("a"), state.add_server("b")
    data, spare = state.add_volume("data"), state.add_volume("spare")
    shared = state.add_volume("shared", multiattach=True)
    bdm = state.add_attachment(a.id, data.id)
    state.add_attachment(a.id, shared.id)
    state.add_attachment(b.id, shared.id)
    return {"a": a, "b": b, "data": data, "spare": spare, "shared": shared, "bdm": bdm,
            "attachment": data.attachments[0]}


def _in_use_without_attachment(state: State, w: dict[str, Any]) -> str:
    w["spare"].status = "in-use"
    return f"volume {w['spare'].id} is in-use but has no attached attachment"


def _in_use_only_attaching(state: State, w: dict[str, Any]) -> str:
    w["attachment"].status = "attaching"
    return (f"volume {w['data'].id} is in-use but has no attached attachment (only "
            f"{w['attachment'].id} (server {w['a'].id}, attaching))")


def _available_with_attachments(state: State, w: dict[str, Any]) -> str:
    w["data"].status = "available"
    return (f"volume {w['data'].id} is available but still has attachments: "
            f"{w['attachment'].id} (server {w['a'].id}, attached)")


def _reserved_without_attachments(state: State, w: dict[str, Any]) -> str:
    w["spare"].status = "reserved"
    return f"volume {w['spare'].id} is reserved but has no attachments"


def _attachment_to_a_missing_server(state: State, w: dict[str, Any]) -> str:
    w["data"].attachments.append(VolumeAttachment(id="gone-1", volume_id=w["data"].id,
                                                  server_id="no-such-server"))
    w["data"].multiattach = True  # only the leak, not a second attachment
    return (f"volume {w['data'].id} is still attached to server no-such-server, which does "
            "not exist: attachment gone-1 (reserved) leaked")


def _attachment_to_a_deleted_server(state: State, w: dict[str, Any]) -> str:
    del state.servers[w["a"].id]  # gone without its volumes being freed
    w["shared"].attachments.remove(w["shared"].attachment_for(w["a"].id))
    return (f"volume {w['data'].id} is still attached to server {w['a'].id}, which does "
            f"not exist: attachment {w['attachment'].id} (attached) leaked")


def _attachment_to_a_soft_deleted_server(state: State, w: dict[str, Any]) -> str:
    w["b"].vm_state = "deleted"
    attachment = w["shared"].attachment_for(w["b"].id)
    return (f"volume {w['shared'].id} is still attached to server {w['b'].id}, which does "
            f"not exist: attachment {attachment.id} (attached) leaked")


def _bdm_without_volume(state: State, w: dict[str, Any]) -> str:
    del state.volumes[w["data"].id]
    return (f"server {w['a'].id} has block device mapping {w['bdm'].uuid} for volume "
            f"{w['data'].id}, which does not exist")


def _bdm_with_a_foreign_attachment_id(state: State, w: dict[str, Any]) -> str:
    w["bdm"].attachment_id = "not-an-attachment"
    return (f"server {w['a'].id} has block device mapping {w['bdm'].uuid} naming attachment "
            f"not-an-attachment, which volume {w['data'].id} does not have for this server")


def _attached_without_bdm(state: State, w: dict[str, Any]) -> str:
    w["a"].bdms.remove(w["bdm"])
    return (f"volume {w['data'].id} has attachment {w['attachment'].id} attached to server "
            f"{w['a'].id}, which has no block device mapping for it")


def _single_volume_twice(state: State, w: dict[str, Any]) -> str:
    second = state.add_attachment(w["b"].id, w["data"].id)
    attachments = w["data"].attachments
    return (f"volume {w['data'].id} is not multiattach but has 2 attachments: "
            f"{attachments[0].id} (server {w['a'].id}, attached), {attachments[1].id} "
            f"(server {w['b'].id}, attached)\n"
            f"volume {w['data'].id} is not multiattach but 2 block device mappings use it: "
            f"{w['bdm'].uuid} (server {w['a'].id}), {second.uuid} (server {w['b'].id})")


def _two_bdms_on_one_device(state: State, w: dict[str, Any]) -> str:
    clash = state.add_attachment(w["a"].id, w["spare"].id, device="/dev/vdb")
    return (f"server {w['a'].id} has 2 block device mappings on /dev/vdb: {w['bdm'].uuid} "
            f"(volume {w['data'].id}) and {clash.uuid} (volume {w['spare'].id})")


def _one_volume_twice_on_a_server(state: State, w: dict[str, Any]) -> str:
    state.add_attachment(w["b"].id, w["shared"].id)
    return f"server {w['b'].id} has 2 block device mappings for volume {w['shared'].id}"


def _bdm_naming_another_server(state: State, w: dict[str, Any]) -> str:
    w["bdm"].server_id = w["b"].id
    return (f"block device mapping {w['bdm'].uuid} is listed on server {w['a'].id} but "
            f"names server {w['b'].id}")


def _attachment_naming_another_volume(state: State, w: dict[str, Any]) -> str:
    w["attachment"].volume_id = w["spare"].id
    return (f"attachment {w['attachment'].id} is listed on volume {w['data'].id} but names "
            f"volume {w['spare'].id}")


@pytest.mark.parametrize("breaker", [
    _in_use_without_attachment, _in_use_only_attaching, _available_with_attachments,
    _reserved_without_attachments, _attachment_to_a_missing_server,
    _attachment_to_a_deleted_server, _attachment_to_a_soft_deleted_server,
    _bdm_without_volume, _bdm_with_a_foreign_attachment_id, _attached_without_bdm,
    _single_volume_twice, _two_bdms_on_one_device, _one_volume_twice_on_a_server,
    _bdm_naming_another_server, _attachment_naming_another_volume,
], ids=lambda breaker: breaker.__name__.strip("_"))
def test_a_broken_invariant_is_reported(cloud: Cloud, breaker: Breaker) -> None:
    seeded = _seeded(cloud.state)
    assert check(cloud.state) == []
    expected = breaker(cloud.state, seeded)
    assert check(cloud.state) == expected.split("\n")


def test_every_problem_is_reported_at_once(cloud: Cloud) -> None:
    seeded = _seeded(cloud.state)
    expected = [_available_with_attachments(cloud.state, seeded),
                _two_bdms_on_one_device(cloud.state, seeded)]
    assert check(cloud.state) == expected


def test_transitional_states_are_not_problems(cloud: Cloud) -> None:
    """Poked into place, each of the states an operation passes through."""
    state = cloud.state
    seeded = _seeded(state)
    seeded["attachment"].status = "attaching"
    seeded["data"].status = "attaching"
    state.volumes[seeded["shared"].id].status = "detaching"
    offloaded = state.add_server("offloaded", status="SHELVED_OFFLOADED")
    state.add_attachment(offloaded.id, seeded["spare"].id)  # no device
    target = state.add_volume("swap-target")
    target.attachments.append(VolumeAttachment(id="swap-1", volume_id=target.id,
                                               server_id=seeded["b"].id))
    target.status = "reserved"  # a swap's new volume: reserved, no BDM yet
    assert check(state) == []


# -- GET /_fakenova/state?check=1 ---------------------------------------------------------


def test_state_with_check(api: Api, cloud: Cloud) -> None:
    seeded = _seeded(cloud.state)
    plain = api.get("/_fakenova/state", user=None)
    assert plain.status_code == 200 and "problems" not in plain.get_json()
    checked = api.get("/_fakenova/state?check=1", user=None).get_json()
    assert checked == {**plain.get_json(), "problems": []}
    expected = _bdm_without_volume(cloud.state, seeded)
    assert api.get("/_fakenova/state?check=1", user=None).get_json()["problems"] == [expected]
    assert "problems" not in api.get("/_fakenova/state?check=0", user=None).get_json()


# -- the pytest plugin: --fakenova-check and @pytest.mark.fakenova(check=True) ---------------


DOWNSTREAM = '''
import pytest

def test_clean(fakenova):
    server = fakenova.add_server("vm")
    fakenova.attach(server, fakenova.add_volume("data"))

def test_broken(fakenova):
    fakenova.add_volume("ghost", status="in-use")

@pytest.mark.fakenova(check=True)
def test_broken_and_marked(fakenova):
    fakenova.add_volume("ghost", status="in-use")

@pytest.mark.fakenova(check=False)
def test_broken_and_exempt(fakenova):
    fakenova.add_volume("ghost", status="in-use")
'''


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    pytester.makeini("[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n"
                     "    ignore::PendingDeprecationWarning\n")
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_the_plugin_checks_when_asked(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--fakenova-check")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_broken*",
        "*fakenova's consistency check failed after the test:",
        "*  - volume * is in-use but has no attached attachment",
    ])
    assert "test_broken_and_exempt" not in "\n".join(
        line for line in result.stdout.lines if "ERROR at teardown" in line)


def test_the_plugin_checks_only_marked_tests_by_default(pytester: pytest.Pytester) -> None:
    result = _run(pytester)
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_broken_and_marked*"])


def test_the_plugin_checks_a_shared_server_for_its_own_project(
        pytester: pytest.Pytester) -> None:
    from fakenova import create_app
    from fakenova.serving import FakenovaServer

    shared = create_app()
    other = shared.extensions["fakenova"].state.add_volume("not-ours", status="in-use")
    with FakenovaServer(shared) as server:
        result = _run(pytester, "--fakenova-check", "--fakenova-url", server.url)
    result.assert_outcomes(passed=4, errors=2)
    assert other.id not in result.stdout.str()
    result.stdout.fnmatch_lines(["*  - volume * is in-use but has no attached attachment"])
