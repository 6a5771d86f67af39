"""Nova's deprecated volume proxy: ``/os-volumes`` (index, detail, show, create, delete).

Upstream: nova.api.openstack.compute.volumes.VolumeController, every method
``wsgi.api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)`` (2.35), so from 2.36 each answers
the bare HTTPNotFound fault wsgi.Resource._process_stack turns VersionNotFoundForAPIMethod
into; its view _translate_volume_summary_view; the os_compute_api:os-volumes rules of
nova.policies.volumes; the query and body schemas of schemas.volumes. The volumes are the
ones fakenova's Cinder serves.
"""

from __future__ import annotations

from typing import Any

import pytest
from tempest.lib.services.compute.volumes_client import VolumesClient

from fakenova import Cloud
from fakenova.testing.handle import Fakenova

from .conftest import Api, as_user, assert_fault, assert_fault_like
from .tempest_auth import compute_microversion, provider
from .test_addresses import MISSING

BASE = "/compute/v2.1/os-volumes"
GONE = "The resource could not be found."


def test_a_volume_in_nova_camel_case(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data", size=2)
    answer = api.get(f"{BASE}/{volume.id}", version="2.35")
    assert answer.status_code == 200
    assert answer.get_json() == {"volume": {
        "id": volume.id, "status": "available", "size": 2, "availabilityZone": "nova",
        "createdAt": volume.created_at, "attachments": [{}], "displayName": "data",
        "displayDescription": None, "volumeType": "lvmdriver-1", "snapshotId": None,
        "metadata": {}}}


def test_an_attached_volume_names_its_server_and_device(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("web")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment("web", "data", device="/dev/vdb")
    for path in (f"{BASE}/{volume.id}", BASE, f"{BASE}/detail"):
        body = api.get(path, version="2.1").get_json()
        found = body["volume"] if "volume" in body else body["volumes"][0]
        assert found["status"] == "in-use"
        assert found["attachments"] == [{"id": volume.id, "volumeId": volume.id,
                                         "serverId": server.id, "device": "/dev/vdb"}]


def test_lists_are_the_callers_volumes_newest_first_limited(api: Api, cloud: Cloud) -> None:
    made = [cloud.state.add_volume(f"v{i}") for i in range(3)]
    for i, volume in enumerate(made):
        volume.created_at = f"2024-01-0{i + 1}T00:00:00.000000"
    cloud.state.add_volume("theirs", project="admin")
    for path in (BASE, f"{BASE}/detail"):
        names = [v["displayName"] for v in api.get(path).get_json()["volumes"]]
        assert names == ["v2", "v1", "v0"]
        page = api.get(f"{path}?limit=1&offset=1&limit=5&foo=bar").get_json()["volumes"]
        assert [v["displayName"] for v in page] == ["v1", "v0"]
        assert [v["displayName"] for v in api.get(f"{path}?limit=0").get_json()["volumes"]] \
            == ["v2", "v1", "v0"]
        assert_fault(api.get(f"{path}?offset=-1"), 400, "badRequest", "Invalid input for query "
                     "parameters offset. Value: -1. '-1' does not match '^[0-9]*$'")
    admin = [v["displayName"] for v in api.get(BASE, user="admin").get_json()["volumes"]]
    assert admin == ["theirs"]  # Cinder's list without all_tenants: the caller's project


@pytest.mark.parametrize(("method", "path"), [
    ("GET", ""), ("GET", "/detail"), ("GET", "/{id}"), ("DELETE", "/{id}"), ("POST", ""),
])
@pytest.mark.parametrize("version", ["2.36", "2.89", "latest"])
def test_every_method_is_gone_from_2_36(api: Api, cloud: Cloud, method: str, path: str,
                                        version: str) -> None:
    volume = cloud.state.add_volume("data")
    answer = api.request(method, BASE + path.format(id=volume.id), version=version,
                         json={"volume": {"size": 1}} if method == "POST" else None,
                         **as_user(api, cloud, "observer"))
    assert_fault(answer, 404, "itemNotFound", GONE)
    assert volume.status == "available"


def test_show_and_delete_a_missing_volume(api: Api, cloud: Cloud) -> None:
    cloud.state.add_volume("theirs", project="admin", id=MISSING)
    for method in ("GET", "DELETE"):
        assert_fault(api.request(method, f"{BASE}/{MISSING}"), 404, "itemNotFound",
                     f"Volume {MISSING} could not be found.")


def test_delete_hands_over_to_cinder(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    answer = api.delete(f"{BASE}/{volume.id}", version="2.35")
    assert (answer.status_code, answer.get_data()) == (202, b"")
    assert volume.id not in cloud.state.volumes  # immediate clock: deleting, then gone


def test_delete_of_an_attached_volume_is_cinders_400(api: Api, cloud: Cloud) -> None:
    cloud.state.add_server("web")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment("web", "data")
    answer = api.delete(f"{BASE}/{volume.id}")
    assert_fault_like(answer, 400, "badRequest",
                      r"Invalid input received: Invalid volume: Volume status must be .* "
                      r"\(HTTP 400\) \(Request-ID: req-[0-9a-f-]+\)")


def test_create_makes_a_cinder_volume(api: Api, cloud: Cloud) -> None:
    answer = api.post(BASE, version="2.1", json={"volume": {
        "size": "2", "display_name": "made", "display_description": "by nova",
        "metadata": {"k": "v"}, "availability_zone": "nova"}})
    assert answer.status_code == 200
    made = answer.get_json()["volume"]
    assert answer.headers["Location"].endswith(f"{BASE}/{made['id']}")
    assert (made["size"], made["displayName"], made["displayDescription"], made["metadata"]) \
        == (2, "made", "by nova", {"k": "v"})
    cinder = api.get(f"/volume/v3/volumes/{made['id']}").get_json()["volume"]
    assert (cinder["name"], cinder["size"], cinder["status"]) == ("made", 2, "available")


@pytest.mark.parametrize(("body", "message"), [
    ({"volume": {}}, "'size' is a required property"),
    ({"volume": {"size": 0}}, "0 is less than the minimum of 1"),
    ({"volume": {"size": 1, "name": "x"}}, "Additional properties are not allowed"),
    ({}, "'volume' is a required property"),
])
def test_create_bodies_are_checked_by_upstreams_schema(api: Api, body: dict[str, Any],
                                                       message: str) -> None:
    answer = api.post(BASE, json=body)
    assert answer.status_code == 400
    assert message in answer.get_json()["badRequest"]["message"]


def test_create_refusals(api: Api) -> None:
    assert_fault(api.post(BASE, json={"volume": {"size": 1, "snapshot_id": MISSING}}), 404,
                 "itemNotFound", f"Snapshot {MISSING} could not be found.")
    assert_fault_like(api.post(BASE, json={"volume": {"size": 1, "availability_zone": "x"}}),
                      400, "badRequest", r"Invalid input received: Availability zone 'x' is "
                      r"invalid\. \(HTTP 400\) \(Request-ID: req-[0-9a-f-]+\)")


@pytest.mark.parametrize(("user", "reads", "writes"), [
    ("demo", 200, None), ("reader", 200, "forbidden"), ("admin", 200, None),
    ("observer", "forbidden", "forbidden"),
])
def test_policy(api: Api, cloud: Cloud, user: str, reads: Any, writes: Any) -> None:
    volume = cloud.state.add_volume("data")
    who = as_user(api, cloud, user)
    rule = "Policy doesn't allow os_compute_api:os-volumes:{} to be performed."
    for name, path in (("list", BASE), ("detail", f"{BASE}/detail"),
                       ("show", f"{BASE}/{volume.id}")):
        answer = api.get(path, **who)
        if reads == 200:
            assert answer.status_code == 200
        else:
            assert_fault(answer, 403, "forbidden", rule.format(name))
    create = api.post(BASE, json={"volume": {"size": 1}}, **who)
    delete = api.delete(f"{BASE}/{volume.id}", **who)
    if writes is None:
        assert (create.status_code, delete.status_code) == (200, 202)
    else:
        assert_fault(create, 403, "forbidden", rule.format("create"))
        assert_fault(delete, 403, "forbidden", rule.format("delete"))


def test_tempests_volumes_client_checks_its_schemas(fakenova: Fakenova) -> None:
    server = fakenova.add_server("web")
    volume = fakenova.add_volume("data")
    fakenova.attach(server, volume)
    client = VolumesClient(provider(fakenova), "compute", "RegionOne")
    with compute_microversion("2.35"):
        listed = client.list_volumes()["volumes"]
        assert [v["id"] for v in listed] == [volume.id]
        assert client.list_volumes(detail=True)["volumes"][0]["attachments"][0]["serverId"] \
            == server.id
        assert client.show_volume(volume.id)["volume"]["displayName"] == "data"
        made = client.create_volume(size=1, display_name="new")["volume"]
        client.delete_volume(made["id"])
