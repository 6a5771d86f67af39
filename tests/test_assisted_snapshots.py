"""Nova's assisted volume snapshots: POST and DELETE /os-assisted-volume-snapshots.

Upstream: nova.api.openstack.compute.assisted_volume_snapshots
(AssistedVolumeSnapshotsController: its error mapping, 400 for a missing block device
mapping or a server that is not ready, 204 on delete), its schemas
(schemas/assisted_volume_snapshots.py: create, delete_query, delete_query_v275),
nova.compute.api.API.volume_snapshot_create / volume_snapshot_delete and
_get_bdm_by_volume_id, nova/policies/assisted_volume_snapshots.py (the service role; an
admin passes every rule here).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from tempest.lib import exceptions as lib_exc
from tempest.lib.services.compute.assisted_volume_snapshots_client import (
    AssistedVolumeSnapshotsClient,
)

from fakenova import Cloud
from fakenova.testing.handle import Fakenova

from .conftest import Api, as_user, assert_fault
from .tempest_auth import provider

BASE = "/compute/v2.1/os-assisted-volume-snapshots"
SNAPSHOT = "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


def body(volume_id: str, **info: Any) -> dict[str, Any]:
    create_info = {"snapshot_id": SNAPSHOT, "type": "qcow2", "new_file": "new.qcow2", **info}
    return {"snapshot": {"volume_id": volume_id, "create_info": create_info}}


def delete_path(volume_id: str, extra: str = "") -> str:
    info = quote(json.dumps({"volume_id": volume_id}))
    return f"{BASE}/{SNAPSHOT}?delete_info={info}{extra}"


@pytest.fixture
def attached(cloud: Cloud) -> str:
    cloud.state.add_server("web")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment("web", "data")
    return volume.id


def test_create_answers_the_id_given_and_the_volume(api: Api, attached: str) -> None:
    answer = api.post(BASE, json=body(attached, id="given"), user="admin")
    assert answer.status_code == 200
    assert answer.get_json() == {"snapshot": {"id": "given", "volumeId": attached}}
    answer = api.post(BASE, json=body(attached), user="admin")
    assert answer.get_json() == {"snapshot": {"id": None, "volumeId": attached}}


def test_delete_answers_204(api: Api, attached: str) -> None:
    answer = api.delete(delete_path(attached), user="admin")
    assert answer.status_code == 204 and answer.get_data() == b""
    merging = quote(json.dumps({"volume_id": attached, "merge_target_file": "f"}))
    assert api.delete(f"{BASE}/{SNAPSHOT}?delete_info={merging}",
                      user="admin").status_code == 204


def test_only_admins_and_services(api: Api, cloud: Cloud, attached: str) -> None:
    assert_fault(api.post(BASE, json=body(attached)), 403, "forbidden",
                 "Policy doesn't allow os_compute_api:os-assisted-volume-snapshots:create to "
                 "be performed.")
    assert_fault(api.delete(delete_path(attached)), 403, "forbidden",
                 "Policy doesn't allow os_compute_api:os-assisted-volume-snapshots:delete to "
                 "be performed.")
    service = as_user(api, cloud, "service")
    assert api.post(BASE, json=body(attached), **service).status_code == 200


def test_the_volume_must_be_attached_to_one_server(api: Api, cloud: Cloud) -> None:
    free = cloud.state.add_volume("free")
    message = f"No volume Block Device Mapping with id {free.id}."
    assert_fault(api.post(BASE, json=body(free.id), user="admin"), 400, "badRequest", message)
    assert_fault(api.delete(delete_path(free.id), user="admin"), 400, "badRequest", message)
    cloud.state.add_server("a")
    cloud.state.add_server("b")
    shared = cloud.state.add_volume("shared", multiattach=True)
    cloud.state.add_attachment("a", "shared")
    cloud.state.add_attachment("b", "shared")
    assert_fault(api.post(BASE, json=body(shared.id), user="admin"), 400, "badRequest",
                 f"Block Device Mapping {shared.id} is a multi-attach volume and is not "
                 "valid for this operation.")


def test_the_server_must_be_ready(api: Api, cloud: Cloud, attached: str) -> None:
    server = cloud.state.find_server("web")
    server.task_state = "rebooting"
    assert_fault(api.post(BASE, json=body(attached), user="admin"), 400, "badRequest",
                 f"Instance {server.id} in task_state rebooting. Cannot volume_snapshot_create "
                 "while the instance is in this state.")
    server.task_state, server.vm_state = None, "stopped"
    merging = quote(json.dumps({"volume_id": attached, "merge_target_file": "f"}))
    assert_fault(api.delete(f"{BASE}/{SNAPSHOT}?delete_info={merging}", user="admin"), 400,
                 "badRequest", f"Instance {server.id} in vm_state stopped. Cannot "
                 "volume_snapshot_delete while the instance is in this state.")
    server.host = None
    assert_fault(api.post(BASE, json=body(attached), user="admin"), 400, "badRequest",
                 f"Instance {server.id} is not ready")


@pytest.mark.parametrize("bad", [
    {"snapshot": {"volume_id": "v"}}, {"snapshot": {"volume_id": "", "create_info": {}}},
    body("v", type="raw"), body("v", extra=1), {"snapshot": None}, {},
])
def test_bodies_the_schema_refuses_before_the_policy(api: Api, bad: Any) -> None:
    answer = api.post(BASE, json=bad)  # a member: the schema runs first
    assert answer.status_code == 400 and list(answer.get_json()) == ["badRequest"]


def test_delete_info_is_required_json_naming_a_volume(api: Api, attached: str) -> None:
    assert_fault(api.delete(f"{BASE}/{SNAPSHOT}", user="admin"), 400, "badRequest",
                 "'delete_info'")
    assert_fault(api.delete(f"{BASE}/{SNAPSHOT}?delete_info=nope", user="admin"), 400,
                 "badRequest", "Expecting value: line 1 column 1 (char 0)")
    assert_fault(api.delete(f"{BASE}/{SNAPSHOT}?delete_info=%7B%7D", user="admin"), 400,
                 "badRequest", "'volume_id'")


def test_unknown_query_parameters_are_refused_from_2_75(api: Api, attached: str) -> None:
    assert api.delete(delete_path(attached, "&foo=1"), user="admin",
                      version="2.74").status_code == 204
    answer = api.delete(delete_path(attached, "&foo=1"), user="admin", version="2.75")
    assert answer.status_code == 400
    assert "Additional properties are not allowed" in answer.get_json()["badRequest"][
        "message"]


def test_tempests_client(fakenova: Fakenova) -> None:
    server = fakenova.add_server("web")
    volume = fakenova.add_volume("data")
    fakenova.attach(server, volume)
    client = AssistedVolumeSnapshotsClient(provider(fakenova), "compute", "RegionOne")
    with pytest.raises(lib_exc.Forbidden):  # the test's user is a member
        client.create_assisted_volume_snapshot(volume_id=volume.id, snapshot_id=SNAPSHOT,
                                               type="qcow2", new_file="f")
    with pytest.raises(lib_exc.Forbidden):
        client.delete_assisted_volume_snapshot(volume_id=volume.id, snapshot_id=SNAPSHOT)
