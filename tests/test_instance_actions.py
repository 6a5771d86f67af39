"""Nova's instance actions, as extending an attached volume records them.

Upstream: ``nova.api.openstack.compute.instance_actions.InstanceActionsController`` (index,
show, _format_event), its schemas (``schemas/instance_actions.py``) and policies
(nova/policies/instance_actions.py); ``nova.compute.api.API.external_instance_event`` and
``ComputeManager.extend_volume`` (the ``extend_volume`` action and its
``compute_extend_volume`` event); ``cinder.volume.manager.VolumeManager.extend_volume`` (the
``volume-extended`` event Cinder sends).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from fakenova import Cloud
from fakenova.domain.model import Server

from .conftest import Api, as_user, assert_fault
from .test_volume_actions import action

MISSING = "0f2bd3c4-84b5-4a9a-9d2e-4b7bd8c4f2a1"


def actions_path(server_id: str, request_id: str | None = None) -> str:
    path = f"/compute/v2.1/servers/{server_id}/os-instance-actions"
    return f"{path}/{request_id}" if request_id else path


def extended_server(api: Api, cloud: Cloud, mapped: bool = True) -> Server:
    """A server whose attached volume was extended through Cinder at 3.42."""
    server = cloud.state.add_server("web", project="demo")
    volume = cloud.state.add_volume("v", project="demo", size=1)
    if mapped:
        cloud.state.add_attachment("web", "v")
    else:
        action(api, cloud, volume.id, {"os-attach": {"instance_uuid": server.id,
                                                     "mountpoint": "/dev/vdb"}})
    answer = action(api, cloud, volume.id, {"os-extend": {"new_size": 2}}, version="3.42")
    assert answer.status_code == 202, answer.get_data(as_text=True)
    return server


def get(api: Api, cloud: Cloud, path: str, version: str, user: str = "demo") -> Any:
    answer = api.get(path, version=version, **as_user(api, cloud, user))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_extending_an_attached_volume_is_an_instance_action(api: Api, cloud: Cloud) -> None:
    server = extended_server(api, cloud)
    [found] = get(api, cloud, actions_path(server.id), "2.1")["instanceActions"]
    demo = cloud.state.find_user("demo")
    assert found == {"action": "extend_volume", "instance_uuid": server.id,
                     "request_id": found["request_id"], "user_id": demo.id,
                     "project_id": server.project_id, "start_time": found["start_time"],
                     "message": None}
    assert found["request_id"].startswith("req-")
    shown = get(api, cloud, actions_path(server.id, found["request_id"]), "2.1")
    assert shown == {"instanceAction": found}  # no events for the owner before 2.51


@pytest.mark.parametrize(("version", "user", "keys"), [
    ("2.1", "admin", {"traceback"}),
    ("2.51", "demo", set()),
    ("2.62", "demo", {"hostId"}),
    ("2.62", "admin", {"traceback", "host", "hostId"}),
    ("2.84", "admin", {"traceback", "host", "hostId", "details"}),
    ("2.84", "reader", {"hostId"}),
])
def test_events_by_version_and_role(api: Api, cloud: Cloud, version: str, user: str,
                                    keys: set[str]) -> None:
    server = extended_server(api, cloud)
    request_id = server.actions[0].request_id
    shown = get(api, cloud, actions_path(server.id, request_id), version, user=user)
    [event] = shown["instanceAction"]["events"]
    assert set(event) == {"event", "start_time", "finish_time", "result"} | keys
    assert (event["event"], event["result"]) == ("compute_extend_volume", "Success")
    if "hostId" in keys:
        expected = hashlib.sha224((server.project_id + "compute-0").encode()).hexdigest()
        assert event["hostId"] == expected
    assert ("updated_at" in shown["instanceAction"]) is (version >= "2.58")


def test_an_unmapped_attachment_fails_on_the_compute_host(api: Api, cloud: Cloud) -> None:
    """Attached through Cinder's os-attach only: Nova has no BDM to extend."""
    server = extended_server(api, cloud, mapped=False)
    request_id = server.actions[0].request_id
    shown = get(api, cloud, actions_path(server.id, request_id), "2.1", user="admin")
    assert shown["instanceAction"]["message"] == "Error"
    [event] = shown["instanceAction"]["events"]
    assert event["result"] == "Error"
    assert event["traceback"].startswith("nova.exception.VolumeBDMNotFound")


def test_paging_from_2_58(api: Api, cloud: Cloud) -> None:
    server = extended_server(api, cloud)
    volume = cloud.state.find_volume("v")
    action(api, cloud, volume.id, {"os-extend": {"new_size": 3}}, version="3.42")
    newest, oldest = (a.request_id for a in reversed(server.actions))
    first = get(api, cloud, actions_path(server.id) + "?limit=1", "2.58")
    assert [a["request_id"] for a in first["instanceActions"]] == [newest]
    assert first["links"][0]["rel"] == "next"
    assert f"marker={newest}" in first["links"][0]["href"]
    rest = get(api, cloud, actions_path(server.id) + f"?limit=1&marker={newest}", "2.58")
    assert [a["request_id"] for a in rest["instanceActions"]] == [oldest]
    # before 2.58 the parameters are dropped
    assert len(get(api, cloud, actions_path(server.id) + "?limit=1", "2.57")[
        "instanceActions"]) == 2


def test_list_refusals(api: Api, cloud: Cloud) -> None:
    server = extended_server(api, cloud)
    path = actions_path(server.id)
    assert_fault(api.get(f"{path}?marker=req-x", version="2.58"), 400, "badRequest",
                 "Marker req-x could not be found.")
    assert_fault(api.get(f"{path}?changes-since=2030-01-02T00:00:00Z&changes-before="
                         "2030-01-01T00:00:00Z", version="2.66"), 400, "badRequest",
                 "The value of changes-since must be less than or equal to changes-before.")
    assert api.get(f"{path}?sort=x", version="2.58").status_code == 400
    assert_fault(api.get(actions_path(MISSING), version="2.1"), 404, "itemNotFound",
                 f"Instance {MISSING} could not be found.")
    assert_fault(api.get(actions_path(server.id, "req-x"), version="2.1"), 404,
                 "itemNotFound", "Action req-x not found")
    assert_fault(api.get(path, version="2.1", **as_user(api, cloud, "observer")), 403,
                 "forbidden",
                 "Policy doesn't allow os_compute_api:os-instance-actions:list to be performed.")


def test_restoring_a_snapshot_forgets_the_action(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("web", project="demo")
    volume = cloud.state.add_volume("v", project="demo", size=1)
    cloud.state.add_attachment("web", "v")
    cloud.snapshot("attached")
    action(api, cloud, volume.id, {"os-extend": {"new_size": 2}}, version="3.42")
    assert len(get(api, cloud, actions_path(server.id), "2.1")["instanceActions"]) == 1
    cloud.restore("attached")
    assert get(api, cloud, actions_path(server.id), "2.1")["instanceActions"] == []
    assert cloud.state.find_volume("v").size == 1
