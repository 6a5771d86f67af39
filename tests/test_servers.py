"""/servers and /flavors: what real clients send and what upstream Nova answers.

Every answer shape is checked against tempest's own response schemas (the ones
ServersClient and FlavorsClient pick per microversion), for a member and for an admin;
the rest pins upstream's status codes and messages, and the lifecycle on the clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from tempest.lib.api_schema.response.compute.v2_1 import servers as tempest_v21
from tempest.lib.common import rest_client
from tempest.lib.services.compute.flavors_client import FlavorsClient
from tempest.lib.services.compute.servers_client import ServersClient
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app
from fakenova.microversion import MAX_VERSION, APIVersion

from .conftest import Api, assert_fault

IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"
NETWORK = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
SERVERS = "/compute/v2.1/servers"
LOCKED = "Instance {} is locked"


# -- helpers ---------------------------------------------------------------------------


class FakeResp(dict[str, str]):
    """What tempest's validate_response reads of an answer: its status and headers."""

    def __init__(self, answer: TestResponse) -> None:
        super().__init__({k.lower(): v for k, v in answer.headers.items()})
        self.status = answer.status_code


def tempest_schemas(info: list[dict[str, Any]], version: str) -> Any:
    """The schema module a tempest client picks for this microversion."""
    wanted = APIVersion.parse(version)
    for item in info:
        low = APIVersion.parse(item["min"]) if item["min"] else APIVersion(2, 0)
        high = APIVersion.parse(item["max"]) if item["max"] else MAX_VERSION
        if low <= wanted <= high:
            return item["schema"]
    raise AssertionError(f"tempest has no schema for {version}")


def tempest_check(schema: dict[str, Any], answer: TestResponse) -> None:
    """tempest's own check (which skips error answers, so refuse those first)."""
    assert answer.status_code < 300, answer.get_data(as_text=True)
    body = answer.get_json() if answer.get_data() else answer.get_data(as_text=True)
    rest_client.RestClient.validate_response(schema, FakeResp(answer), body)


def range_edges(info: list[dict[str, Any]]) -> list[str]:
    """Both ends of every version range a tempest client distinguishes, up to ours."""
    edges = {"2.1", str(MAX_VERSION)}
    for item in info:
        edges.update(edge for edge in (item["min"], item["max"]) if edge)
    return sorted(edges, key=APIVersion.parse)


def create_body(name: str = "vm", **server: Any) -> dict[str, Any]:
    """A create request; a field given as None is left out."""
    body = {"name": name, "imageRef": IMAGE, "flavorRef": "1", "networks": "none", **server}
    return {"server": {key: value for key, value in body.items() if value is not None}}


def created(api: Api, version: str = "2.89", user: str = "demo", **server: Any) -> str:
    answer = api.post(SERVERS, json=create_body(**server), version=version, user=user)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    server_id: str = answer.get_json()["server"]["id"]
    return server_id


def shown(api: Api, server_id: str, version: str = "2.89", user: str = "demo",
          ) -> dict[str, Any]:
    answer = api.get(f"{SERVERS}/{server_id}", version=version, user=user)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    server: dict[str, Any] = answer.get_json()["server"]
    return server


def act(api: Api, server_id: str, body: Any, version: str = "2.89", **kwargs: Any,
        ) -> TestResponse:
    kwargs.setdefault("user", "demo")
    return api.post(f"{SERVERS}/{server_id}/action", json=body, version=version, **kwargs)


def reader_token(api: Api, cloud: Cloud) -> dict[str, Any]:
    cloud.state.add_user("reader", "reader", roles={"demo": ["reader"]})
    return {"user": None, "headers": {"X-Auth-Token": api.token("reader", project="demo")}}


@pytest.fixture(autouse=True)
def glance(cloud: Cloud) -> None:
    """The image servers boot from: Nova asks Glance for it."""
    cloud.state.add_image("cirros", id=IMAGE)


@pytest.fixture
def manual() -> Iterator[tuple[Api, Cloud]]:
    """A cloud whose clock only moves when a test advances it (one transition a second)."""
    app: Flask = create_app(clock="manual")
    app.extensions["fakenova"].state.add_image("cirros", id=IMAGE)
    yield Api(app), app.extensions["fakenova"]


@pytest.fixture
def zoo(cloud: Cloud) -> Cloud:
    """Servers of project demo in the states whose answers differ, and one of admin's."""
    state = cloud.state
    web = state.add_server("web", status="ACTIVE", image=IMAGE)
    web.metadata = {"role": "web"}
    state.add_attachment(web.id, state.add_volume("data").id, tag="db",
                         delete_on_termination=True)
    state.add_server("bfv", status="ACTIVE", boot_volume=state.add_volume("root", size=5).id)
    state.add_server("stopped", status="SHUTOFF", locked=True)
    state.add_server("building", status="BUILD")
    state.add_server("offloaded", status="SHELVED_OFFLOADED")
    state.add_server("errored", status="ERROR")
    state.add_server("ops", project="admin")
    return cloud


# -- tempest's schemas, every microversion range, member and admin ------------------------


@pytest.mark.parametrize("version", range_edges(ServersClient.schema_versions_info))
@pytest.mark.parametrize("user", ["demo", "admin"])
def test_servers_match_tempest_schemas(api: Api, zoo: Cloud, version: str, user: str) -> None:
    schemas = tempest_schemas(ServersClient.schema_versions_info, version)
    body = create_body() if APIVersion.parse(version) >= APIVersion(2, 37) else create_body(
        networks=[{"uuid": NETWORK}])
    answer = api.post(SERVERS, json=body, version=version, user=user)
    tempest_check(tempest_v21.create_server_with_admin_pass, answer)

    listed = api.get(SERVERS, version=version, user=user)
    tempest_check(schemas.list_servers, listed)
    detailed = api.get(f"{SERVERS}/detail", version=version, user=user)
    tempest_check(schemas.list_servers_detail, detailed)
    everyone = api.get(f"{SERVERS}/detail?all_tenants=1", version=version, user="admin")
    tempest_check(schemas.list_servers_detail, everyone)
    assert len(everyone.get_json()["servers"]) == 8

    for item in detailed.get_json()["servers"]:
        tempest_check(schemas.get_server, api.get(f"{SERVERS}/{item['id']}", version=version,
                                                  user=user))
    ids = [item["id"] for item in listed.get_json()["servers"]]
    assert ids == [item["id"] for item in detailed.get_json()["servers"]]
    tempest_check(tempest_v21.server_actions_common_schema,
                  act(api, ids[-1], {"lock": None}, version=version, user=user))
    tempest_check(tempest_v21.delete_server,
                  api.delete(f"{SERVERS}/{ids[0]}", version=version, user=user))


@pytest.mark.parametrize("version", range_edges(FlavorsClient.schema_versions_info))
def test_flavors_match_tempest_schemas(api: Api, version: str) -> None:
    schemas = tempest_schemas(FlavorsClient.schema_versions_info, version)
    tempest_check(schemas.list_flavors, api.get("/compute/v2.1/flavors", version=version))
    tempest_check(schemas.list_flavors_details,
                  api.get("/compute/v2.1/flavors/detail", version=version))
    tempest_check(schemas.create_update_get_flavor_details,
                  api.get("/compute/v2.1/flavors/42", version=version))


# -- the server view, per microversion and role -------------------------------------------


ALWAYS = {"accessIPv4", "accessIPv6", "addresses", "created", "flavor", "hostId", "id",
          "image", "links", "metadata", "name", "status", "tenant_id", "user_id", "updated",
          "OS-DCF:diskConfig", "OS-EXT-AZ:availability_zone", "config_drive", "key_name",
          "OS-SRV-USG:launched_at", "OS-SRV-USG:terminated_at", "OS-EXT-STS:task_state",
          "OS-EXT-STS:vm_state", "OS-EXT-STS:power_state",
          "os-extended-volumes:volumes_attached", "progress"}
ADMIN_2_1 = {"OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:instance_name",
             "OS-EXT-SRV-ATTR:hypervisor_hostname"}
ADMIN_2_3 = ADMIN_2_1 | {"OS-EXT-SRV-ATTR:hostname", "OS-EXT-SRV-ATTR:kernel_id",
                         "OS-EXT-SRV-ATTR:launch_index", "OS-EXT-SRV-ATTR:ramdisk_id",
                         "OS-EXT-SRV-ATTR:reservation_id", "OS-EXT-SRV-ATTR:root_device_name",
                         "OS-EXT-SRV-ATTR:user_data"}
LATEST = {"locked", "description", "tags", "trusted_image_certificates", "server_groups",
          "locked_reason", "pinned_availability_zone", "scheduler_hints"}


@pytest.mark.parametrize(("version", "user", "extra"), [
    ("2.1", "demo", set()),
    ("2.1", "admin", ADMIN_2_1),
    ("2.3", "admin", ADMIN_2_3),
    ("2.9", "demo", {"locked"}),
    ("2.16", "demo", {"locked"}),
    ("2.16", "admin", ADMIN_2_3 | {"locked", "host_status"}),
    ("2.19", "demo", {"locked", "description"}),
    ("2.73", "demo", LATEST - {"pinned_availability_zone", "scheduler_hints"}),
    ("2.89", "demo", LATEST - {"pinned_availability_zone", "scheduler_hints"}),
    ("2.90", "demo", LATEST - {"pinned_availability_zone", "scheduler_hints"}
     | {"OS-EXT-SRV-ATTR:hostname"}),
    ("2.104", "demo", LATEST | {"OS-EXT-SRV-ATTR:hostname"}),
    ("2.104", "admin", LATEST | ADMIN_2_3 | {"host_status"}),
])
def test_show_keys(api: Api, cloud: Cloud, version: str, user: str, extra: set[str]) -> None:
    server = cloud.state.add_server("web", image=IMAGE)
    assert set(shown(api, server.id, version, user)) == ALWAYS | extra


def test_detail_has_no_server_groups(api: Api, cloud: Cloud) -> None:
    cloud.state.add_server("web")
    [item] = api.get(f"{SERVERS}/detail", version="2.104").get_json()["servers"]
    assert "server_groups" not in item and "locked_reason" in item


def test_show_values(api: Api, cloud: Cloud) -> None:
    """Flavor as a link before 2.47 and embedded after; image, volumes, links, times."""
    server = cloud.state.add_server("Web Server_1", image=IMAGE)
    server.metadata = {"a": "b"}
    cloud.state.add_attachment(server.id, cloud.state.add_volume("v").id,
                               delete_on_termination=True)
    volume_id = server.bdms[-1].volume_id
    old = shown(api, server.id, "2.1")
    host = "http://localhost/compute"
    assert old["flavor"] == {"id": "1", "links": [{"rel": "bookmark",
                                                   "href": f"{host}/flavors/1"}]}
    assert old["image"] == {"id": IMAGE, "links": [{"rel": "bookmark",
                                                    "href": f"{host}/images/{IMAGE}"}]}
    assert old["links"] == [{"rel": "self", "href": f"{host}/v2.1/servers/{server.id}"},
                            {"rel": "bookmark", "href": f"{host}/servers/{server.id}"}]
    assert old["os-extended-volumes:volumes_attached"] == [{"id": volume_id}]
    assert (old["status"], old["OS-EXT-STS:vm_state"], old["OS-EXT-STS:power_state"],
            old["progress"], old["metadata"]) == ("ACTIVE", "active", 1, 0, {"a": "b"})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", old["created"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", old["OS-SRV-USG:launched_at"])
    new = shown(api, server.id, "2.100", user="admin")
    assert new["flavor"] == {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0,
                             "original_name": "m1.tiny", "extra_specs": {}}
    assert new["image"]["properties"] == {}
    assert new["os-extended-volumes:volumes_attached"] == [
        {"id": volume_id, "delete_on_termination": True}]
    assert new["OS-EXT-SRV-ATTR:hostname"] == "web-server-1"
    assert (new["host_status"], new["OS-EXT-SRV-ATTR:host"]) == ("UP", "compute-0")


def test_project_id_in_url_is_kept_in_links(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("web")
    project = server.project_id
    answer = api.get(f"/compute/v2.1/{project}/servers/{server.id}")
    links = [link["href"] for link in answer.get_json()["server"]["links"]]
    assert links == [f"http://localhost/compute/v2.1/{project}/servers/{server.id}",
                     f"http://localhost/compute/{project}/servers/{server.id}"]


@pytest.mark.parametrize(("status", "shows_progress", "image", "az", "host_status"), [
    ("BUILD", True, {"id": IMAGE}, "", ""),
    ("SHUTOFF", False, {"id": IMAGE}, "nova", "UP"),
    ("SHELVED_OFFLOADED", False, {"id": IMAGE}, "nova", ""),
    ("ERROR", False, {"id": IMAGE}, "", ""),
])
def test_state_dependent_fields(api: Api, cloud: Cloud, status: str, shows_progress: bool,
                                image: dict[str, str], az: str, host_status: str) -> None:
    server = cloud.state.add_server("vm", status=status, image=IMAGE)
    if status in ("BUILD", "ERROR"):
        server.host = None
    body = shown(api, server.id, "2.16", user="admin")
    assert ("progress" in body) is shows_progress
    assert body["image"]["id"] == image["id"]
    assert (body["OS-EXT-AZ:availability_zone"], body["host_status"]) == (az, host_status)


def test_boot_from_volume_has_no_image(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("bfv", boot_volume=cloud.state.add_volume("root").id)
    assert shown(api, server.id)["image"] == ""


# -- create ------------------------------------------------------------------------------


def test_create_answer(api: Api) -> None:
    answer = api.post(SERVERS, json=create_body(adminPass="s3cret",
                                                security_groups=[{"name": "web"}]),
                      version="2.89")
    assert answer.status_code == 202
    server = answer.get_json()["server"]
    assert set(server) == {"id", "links", "OS-DCF:diskConfig", "security_groups", "adminPass"}
    assert (server["adminPass"], server["security_groups"]) == ("s3cret", [{"name": "web"}])
    assert answer.headers["Location"] == server["links"][0]["href"]
    generated = api.post(SERVERS, json=create_body(), version="2.89").get_json()["server"]
    assert re.fullmatch(r"[2-9A-HJ-NP-Za-km-z]{12}", generated["adminPass"])
    assert generated["security_groups"] == [{"name": "default"}]


def test_create_builds_on_the_clock(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    server_id = created(api, metadata={"k": "v"}, description="d")
    building = shown(api, server_id)
    assert (building["status"], building["OS-EXT-STS:task_state"]) == ("BUILD", "scheduling")
    assert (building["OS-SRV-USG:launched_at"], building["hostId"]) == (None, "")
    cloud.state.clock.advance(1)
    active = shown(api, server_id)
    assert (active["status"], active["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert (active["metadata"], active["description"]) == ({"k": "v"}, "d")
    assert active["OS-SRV-USG:launched_at"] is not None


def test_description_before_2_19_is_the_name(api: Api) -> None:
    server_id = created(api, version="2.18", networks=None)
    assert shown(api, server_id, "2.19")["description"] == "vm"


def test_create_boot_from_existing_volume(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    volume = cloud.state.add_volume("root", size=10, bootable=True)
    server_id = created(api, imageRef="", block_device_mapping_v2=[
        {"boot_index": 0, "uuid": volume.id, "source_type": "volume",
         "destination_type": "volume", "delete_on_termination": False}])
    assert volume.status == "reserved"
    cloud.state.clock.advance(1)
    server = shown(api, server_id)
    assert (server["status"], server["image"]) == ("ACTIVE", "")
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": volume.id, "delete_on_termination": False}]
    assert volume.status == "in-use"


def test_create_boot_from_image_to_volume(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    before = set(cloud.state.volumes)
    server_id = created(api, block_device_mapping_v2=[
        {"boot_index": "0", "uuid": IMAGE, "source_type": "image",
         "destination_type": "volume", "volume_size": "3", "delete_on_termination": "true"}])
    [new_id] = set(cloud.state.volumes) - before
    volume = cloud.state.volumes[new_id]
    assert (volume.size, volume.bootable, volume.status) == (3, True, "creating")
    cloud.state.clock.advance(1)
    server = shown(api, server_id)
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": new_id, "delete_on_termination": True}]
    assert (server["image"], volume.status) == ("", "in-use")


def test_delete_frees_and_deletes_volumes(api: Api, cloud: Cloud) -> None:
    keep = cloud.state.add_volume("keep")
    drop = cloud.state.add_volume("drop")
    server_id = created(api, block_device_mapping_v2=[
        {"boot_index": 0, "uuid": keep.id, "source_type": "volume",
         "destination_type": "volume"},
        {"boot_index": 1, "uuid": drop.id, "source_type": "volume",
         "destination_type": "volume", "delete_on_termination": True}])
    assert (keep.status, drop.status) == ("in-use", "in-use")
    answer = api.delete(f"{SERVERS}/{server_id}")
    assert (answer.status_code, answer.get_data()) == (204, b"")
    assert (keep.status, keep.attachments) == ("available", [])
    assert drop.id not in cloud.state.volumes
    assert_fault(api.get(f"{SERVERS}/{server_id}"), 404, "itemNotFound",
                 f"Instance {server_id} could not be found.")


def test_delete_locked_and_missing(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", locked=True)
    assert_fault(api.delete(f"{SERVERS}/{server.id}"), 409, "conflictingRequest",
                 LOCKED.format(server.id))
    assert_fault(api.delete(f"{SERVERS}/nope"), 404, "itemNotFound",
                 "Instance nope could not be found.")
    assert api.delete(f"{SERVERS}/{server.id}", user="admin").status_code == 204


@pytest.mark.parametrize(("version", "server", "message"), [
    ("2.89", {"flavorRef": "1", "networks": "none"},
     "Invalid input for field/attribute server. Value: {'flavorRef': '1', 'networks': 'none'}"
     ". 'name' is a required property"),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none",
              "foo": 1},
     "Invalid input for field/attribute server. Value: {'name': 'vm', 'imageRef': "
     f"'{IMAGE}', 'flavorRef': '1', 'networks': 'none', 'foo': 1}}. Additional properties "
     "are not allowed ('foo' was unexpected)"),
    ("2.37", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1"},
     f"Invalid input for field/attribute server. Value: {{'name': 'vm', 'imageRef': "
     f"'{IMAGE}', 'flavorRef': '1'}}. 'networks' is a required property"),
    ("2.89", {"name": " vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none"},
     "An invalid 'name' value was provided. The name must be: printable characters. Can "
     "not start or end with whitespace."),
    ("2.89", {"name": "vm", "imageRef": "cirros", "flavorRef": "1", "networks": "none"},
     "Invalid input for field/attribute imageRef. Value: cirros. 'cirros' is not valid "
     "under any of the given schemas"),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "all"},
     "Invalid input for field/attribute networks. Value: all. 'all' is not valid under any "
     "of the given schemas"),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none",
              "min_count": "0"},
     "Invalid input for field/attribute min_count. Value: 0. 0 is less than the minimum of "
     "1"),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none",
              "min_count": 2, "max_count": 1}, "min_count must be <= max_count"),
    ("2.89", {"name": "vm", "flavorRef": "1", "networks": "none"},
     "Missing imageRef attribute"),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "99", "networks": "none"},
     "Flavor 99 could not be found."),
    ("2.36", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1",
              "networks": [{"uuid": "public"}]},
     "Bad networks format: network uuid is not in proper format (public)"),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1",
              "networks": [{"fixed_ip": "10.0.0.1"}]}, "Bad network format: missing 'uuid'"),
    ("2.18", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "description": "d"},
     "Invalid input for field/attribute server. Value: {'name': 'vm', 'imageRef': "
     f"'{IMAGE}', 'flavorRef': '1', 'description': 'd'}}. Additional properties are not "
     "allowed ('description' was unexpected)"),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none",
              "block_device_mapping_v2": [{"source_type": "blank", "uuid": IMAGE,
                                           "destination_type": "volume"}]},
     "Block Device Mapping is Invalid: Invalid device UUID."),
    ("2.89", {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none",
              "block_device_mapping_v2": [{"source_type": "volume",
                                           "destination_type": "volume"}]},
     "Block Device Mapping is Invalid: Missing device UUID."),
    ("2.89", {"name": "vm", "imageRef": "", "flavorRef": "1", "networks": "none",
              "block_device_mapping_v2": [{"source_type": "image", "uuid": IMAGE,
                                           "boot_index": 0, "destination_type": "volume"}]},
     "Images with destination_type 'volume' need to have a non-zero size specified"),
    ("2.89", {"name": "vm", "imageRef": "", "flavorRef": "1", "networks": "none",
              "block_device_mapping_v2": [{"source_type": "volume", "uuid": NETWORK,
                                           "boot_index": 0, "destination_type": "volume"}]},
     f"Block Device Mapping is Invalid: failed to get volume {NETWORK}."),
])
def test_create_refused(api: Api, version: str, server: dict[str, Any], message: str) -> None:
    # Sent as written: the test client's json= would sort the keys the message quotes.
    answer = api.post(SERVERS, data=json.dumps({"server": server}), version=version,
                      headers={"Content-Type": "application/json"})
    assert_fault(answer, 400, "badRequest", message)


def test_create_accepts_what_clients_send(api: Api) -> None:
    """OSC- and tempest-style bodies: the optional fields upstream accepts at 2.89."""
    answer = api.post(SERVERS, version="2.89", json={
        "server": {"name": "vm", "imageRef": IMAGE, "flavorRef": "http://x/flavors/2",
                   "networks": [{"uuid": NETWORK, "tag": "nic"}], "min_count": "1",
                   "max_count": 1, "availability_zone": "nova", "key_name": "key",
                   "config_drive": "true", "user_data": "IyEvYmluL3NoCg==",
                   "security_groups": [{"name": "default"}], "tags": ["a"],
                   "OS-DCF:diskConfig": "AUTO", "metadata": {"a": "b"}},
        "os:scheduler_hints": {"same_host": [NETWORK]}})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    server = shown(api, answer.get_json()["server"]["id"], "2.47")
    assert server["flavor"]["original_name"] == "m1.small"


def test_create_needs_member(api: Api, cloud: Cloud) -> None:
    assert_fault(api.post(SERVERS, json=create_body(), version="2.89",
                          **reader_token(api, cloud)),
                 403, "forbidden", "Policy doesn't allow os_compute_api:servers:create to be "
                                   "performed.")


def test_reservation_id(api: Api, cloud: Cloud) -> None:
    answer = api.post(SERVERS, json=create_body(return_reservation_id=True), version="2.89")
    assert answer.status_code == 202
    assert re.fullmatch(r"r-[a-z0-9]{8}", answer.get_json()["reservation_id"])
    assert len(cloud.state.servers) == 1


# -- actions -----------------------------------------------------------------------------


def test_stop_start_and_state_conflicts(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    server = cloud.state.add_server("vm")
    answer = act(api, server.id, {"os-stop": None})
    assert (answer.status_code, answer.get_data()) == (202, b"")
    stopping = shown(api, server.id)
    assert (stopping["status"], stopping["OS-EXT-STS:task_state"]) == ("ACTIVE", "powering-off")
    assert_fault(act(api, server.id, {"os-start": None}), 409, "conflictingRequest",
                 f"Cannot 'start' instance {server.id} while it is in vm_state active")
    cloud.state.clock.advance(1)
    stopped = shown(api, server.id)
    assert (stopped["status"], stopped["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)
    assert "progress" not in stopped
    assert_fault(act(api, server.id, {"os-stop": None}), 409, "conflictingRequest",
                 f"Cannot 'stop' instance {server.id} while it is in vm_state stopped")
    assert act(api, server.id, {"os-start": {}}).status_code == 202
    assert shown(api, server.id)["OS-EXT-STS:task_state"] == "powering-on"
    cloud.state.clock.advance(1)
    assert shown(api, server.id)["status"] == "ACTIVE"


@pytest.mark.parametrize(("kind", "status"), [("SOFT", "REBOOT"), ("hard", "HARD_REBOOT")])
def test_reboot(manual: tuple[Api, Cloud], kind: str, status: str) -> None:
    api, cloud = manual
    server = cloud.state.add_server("vm")
    assert act(api, server.id, {"reboot": {"type": kind}}).status_code == 202
    assert shown(api, server.id)["status"] == status
    listed = api.get(f"{SERVERS}?status={status}").get_json()["servers"]
    assert [s["id"] for s in listed] == [server.id]
    assert api.get(f"{SERVERS}?status=ACTIVE").get_json()["servers"] != []
    cloud.state.clock.advance(1)
    assert shown(api, server.id)["status"] == "ACTIVE"


def test_reboot_type_is_checked(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    assert_fault(act(api, server.id, {"reboot": {"type": "warm"}}), 400, "badRequest",
                 "Invalid input for field/attribute type. Value: warm. 'warm' is not one of "
                 "['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']")
    assert_fault(act(api, server.id, {"reboot": None}), 400, "badRequest",
                 "Invalid input for field/attribute reboot. Value: None. None is not of type "
                 "'object'")


def test_shelve_offload_unshelve(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    server = cloud.state.add_server("vm")
    assert act(api, server.id, {"shelve": None}).status_code == 202
    cloud.state.clock.advance(1)
    assert shown(api, server.id)["status"] == "SHELVED"
    cloud.state.clock.advance(1)
    offloaded = shown(api, server.id, user="admin")
    assert (offloaded["status"], offloaded["OS-EXT-SRV-ATTR:host"]) == ("SHELVED_OFFLOADED",
                                                                         None)
    assert act(api, server.id, {"unshelve": None}).status_code == 202
    cloud.state.clock.advance(1)
    assert shown(api, server.id)["status"] == "ACTIVE"


def test_shelve_offload_is_admin_only(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", status="SHELVED")
    assert_fault(act(api, server.id, {"shelveOffload": None}), 403, "forbidden",
                 "Policy doesn't allow os_compute_api:os-shelve:shelve_offload to be "
                 "performed.")
    assert act(api, server.id, {"shelveOffload": None}, user="admin").status_code == 202
    assert shown(api, server.id)["status"] == "SHELVED_OFFLOADED"


@pytest.mark.parametrize(("version", "body", "status"), [
    ("2.76", {"unshelve": {}}, 202),
    ("2.77", {"unshelve": None}, 202),
    ("2.77", {"unshelve": {"availability_zone": "nova"}}, 202),
    ("2.90", {"unshelve": {}}, 400),
    ("2.91", {"unshelve": {}}, 202),
    ("2.91", {"unshelve": {"host": "compute-0", "availability_zone": None}}, 202),
])
def test_unshelve_body(api: Api, cloud: Cloud, version: str, body: dict[str, Any],
                       status: int) -> None:
    server = cloud.state.add_server("vm", status="SHELVED_OFFLOADED")
    answer = act(api, server.id, body, version=version, user="admin")
    assert answer.status_code == status, answer.get_data(as_text=True)
    if status == 400:
        assert answer.get_json()["badRequest"]["message"] == (
            "Invalid input for field/attribute unshelve. Value: {}. 'availability_zone' is a "
            "required property")


def test_lock_and_unlock(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    assert act(api, server.id, {"lock": {"locked_reason": "maintenance"}},
               version="2.73").status_code == 202
    locked = shown(api, server.id, "2.73")
    assert (locked["locked"], locked["locked_reason"]) == (True, None)
    for body in ({"os-stop": None}, {"reboot": {"type": "SOFT"}}, {"shelve": None}):
        assert_fault(act(api, server.id, body), 409, "conflictingRequest",
                     LOCKED.format(server.id))
    assert act(api, server.id, {"os-stop": None}, user="admin").status_code == 202
    assert act(api, server.id, {"unlock": None}).status_code == 202
    assert shown(api, server.id)["locked"] is False
    assert act(api, server.id, {"os-start": None}).status_code == 202


def test_lock_body_per_version(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    assert act(api, server.id, {"lock": {"anything": 1}}, version="2.72").status_code == 202
    assert_fault(act(api, server.id, {"lock": {"anything": 1}}, version="2.73"), 400,
                 "badRequest", "Invalid input for field/attribute lock. Value: {'anything': 1}"
                 ". Additional properties are not allowed ('anything' was unexpected)")


def test_lock_policy(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    kwargs = reader_token(api, cloud)
    for key, rule in (("lock", "os-lock-server:lock"), ("unlock", "os-lock-server:unlock"),
                      ("os-stop", "servers:stop"), ("shelve", "os-shelve:shelve")):
        assert_fault(act(api, server.id, {key: None}, **kwargs), 403, "forbidden",
                     f"Policy doesn't allow os_compute_api:{rule} to be performed.")
    other = cloud.state.add_server("ops", project="admin")
    assert_fault(act(api, other.id, {"lock": None}), 404, "itemNotFound",
                 f"Instance {other.id} could not be found.")


@pytest.mark.parametrize(("data", "status", "key", "message"), [
    (b'{"pause": null}', 400, "badRequest", "There is no such action: pause"),
    (b'{"os-stop": null, "os-start": null}', 400, "badRequest", "Malformed request body"),
    (b"", 400, "badRequest", "Malformed request body"),
    (b"{}", 400, "badRequest", "Malformed request body"),
    (b"null", 404, "itemNotFound", "The resource could not be found."),
    (b'["x"]', 404, "itemNotFound", "The resource could not be found."),
])
def test_action_dispatch(api: Api, cloud: Cloud, data: bytes, status: int, key: str,
                         message: str) -> None:
    server = cloud.state.add_server("vm")
    answer = api.post(f"{SERVERS}/{server.id}/action", data=data,
                      headers={"Content-Type": "application/json"})
    assert_fault(answer, status, key, message)


# -- list filters ------------------------------------------------------------------------


def names(answer: TestResponse) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [item["name"] for item in answer.get_json()["servers"]]


def test_list_is_newest_first_and_filters(api: Api, zoo: Cloud) -> None:
    assert names(api.get(SERVERS)) == ["errored", "offloaded", "building", "stopped", "bfv",
                                       "web"]
    assert names(api.get(f"{SERVERS}/detail?name=^b")) == ["building", "bfv"]
    assert names(api.get(f"{SERVERS}?status=shutoff")) == ["stopped"]
    assert names(api.get(f"{SERVERS}?status=SHUTOFF&status=BUILD")) == ["building",
                                                                          "stopped"]
    assert names(api.get(f"{SERVERS}?all_tenants=1", user="admin"))[0] == "ops"
    assert names(api.get(SERVERS, user="admin")) == ["ops"]


def test_name_lookup_as_openstack_cli_does(api: Api, zoo: Cloud) -> None:
    [item] = api.get(f"{SERVERS}/detail?name=web").get_json()["servers"]
    assert {"id", "name"} <= set(item) and item["name"] == "web"


@pytest.mark.parametrize("path", [f"{SERVERS}?all_tenants=1", f"{SERVERS}/detail?all_tenants"])
def test_all_tenants_needs_admin(api: Api, zoo: Cloud, path: str) -> None:
    rule = "detail" if "detail" in path else "index"
    assert_fault(api.get(path), 403, "forbidden",
                 f"Policy doesn't allow os_compute_api:servers:{rule}:get_all_tenants to be "
                 "performed.")
    assert names(api.get(f"{SERVERS}?all_tenants=0")) != []


def test_list_refusals(api: Api, zoo: Cloud) -> None:
    assert_fault(api.get(f"{SERVERS}?status=sleeping", version="2.38"), 400, "badRequest",
                 "Invalid status value")
    assert names(api.get(f"{SERVERS}?status=sleeping", version="2.37")) == []
    assert_fault(api.get(f"{SERVERS}?status=DELETED"), 403, "forbidden",
                 "Only administrators may list deleted instances")
    assert_fault(api.get(f"{SERVERS}?name=[", version="2.1"), 400, "badRequest",
                 "Invalid input for query parameters name. Value: [. '[' is not a 'regex'")
    assert_fault(api.get(f"{SERVERS}?all_tenants=maybe", user="admin"), 400, "badRequest",
                 "Invalid input received: Unrecognized value 'maybe', acceptable values are: "
                 "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'")
    assert_fault(api.get(f"{SERVERS}?metadata=x", user="admin"), 400, "badRequest",
                 "Invalid filter field: metadata.")
    assert_fault(api.get(f"{SERVERS}?marker=nope"), 400, "badRequest",
                 "marker [nope] not found")


def test_unknown_query_parameters(api: Api, zoo: Cloud) -> None:
    """Dropped up to 2.74 (2.101 for show), refused from then on."""
    server_id = zoo.state.find_server("web").id
    assert len(names(api.get(f"{SERVERS}?foo=1&name=web", version="2.74"))) == 1
    assert_fault(api.get(f"{SERVERS}/detail?foo=1", version="2.75"), 400, "badRequest",
                 "'foo' does not match any of the regexes: '^_'")
    # Known to the schema but not a member's filter: dropped.
    assert len(names(api.get(f"{SERVERS}?host=compute-9", version="2.75"))) == 6
    assert api.get(f"{SERVERS}/{server_id}?foo=1", version="2.101").status_code == 200
    assert_fault(api.get(f"{SERVERS}/{server_id}?foo=1", version="2.102"), 400, "badRequest",
                 "Additional properties are not allowed ('foo' was unexpected)")
    assert api.get("/compute/v2.1/flavors?foo=1", version="2.74").status_code == 200
    assert_fault(api.get("/compute/v2.1/flavors?foo=1", version="2.75"), 400, "badRequest",
                 "Additional properties are not allowed ('foo' was unexpected)")


def test_pagination(api: Api, zoo: Cloud) -> None:
    first = api.get(f"{SERVERS}?limit=2&name=e").get_json()
    assert [s["name"] for s in first["servers"]] == ["errored", "offloaded"]
    marker = first["servers"][-1]["id"]
    assert first["servers_links"] == [{
        "rel": "next",
        "href": f"http://localhost/compute/v2.1/servers?limit=2&name=e&marker={marker}"}]
    rest = api.get(f"{SERVERS}/detail?limit=2&name=e&marker={marker}").get_json()
    assert [s["name"] for s in rest["servers"]] == ["stopped", "web"]
    last = rest["servers"][-1]["id"]
    # The marker keeps its sorted place when the request had one, as upstream's link does.
    assert rest["servers_links"][0]["href"] == (
        f"http://localhost/compute/v2.1/servers/detail?limit=2&marker={last}&name=e")
    assert api.get(f"{SERVERS}?limit=2&name=e&marker={last}").get_json() == {"servers": []}


# -- flavors -----------------------------------------------------------------------------


def test_flavors(api: Api) -> None:
    listed = api.get("/compute/v2.1/flavors").get_json()["flavors"]
    assert [f["id"] for f in listed] == ["1", "2", "3", "4", "42", "5", "84"]
    assert set(listed[0]) == {"id", "name", "links"}
    small = api.get("/compute/v2.1/flavors/2", version="2.61").get_json()["flavor"]
    assert small == {
        "id": "2", "name": "m1.small", "ram": 2048, "disk": 20, "swap": "",
        "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False, "vcpus": 1,
        "os-flavor-access:is_public": True, "rxtx_factor": 1.0, "description": None,
        "extra_specs": {},
        "links": [{"rel": "self", "href": "http://localhost/compute/v2.1/flavors/2"},
                  {"rel": "bookmark", "href": "http://localhost/compute/flavors/2"}]}
    newest = api.get("/compute/v2.1/flavors/2", version="2.102").get_json()["flavor"]
    assert newest["swap"] == 0
    assert not {"OS-FLV-DISABLED:disabled", "rxtx_factor"} & set(newest)
    big = api.get("/compute/v2.1/flavors/detail?minRam=8192").get_json()["flavors"]
    assert [f["name"] for f in big] == ["m1.large", "m1.xlarge"]
    assert_fault(api.get("/compute/v2.1/flavors/99"), 404, "itemNotFound",
                 "Flavor 99 could not be found.")
    assert_fault(api.get("/compute/v2.1/flavors?minDisk=big"), 400, "badRequest",
                 "Invalid minDisk filter [big]")
