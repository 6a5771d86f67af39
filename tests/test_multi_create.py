"""Multi-create: min_count and max_count, return_reservation_id and the reservation_id
filter (ServersController.create; compute.api.API._provision_instances and
_populate_instance_names), bounded by devstack's instance quota of 10 per project
(compute.utils.check_num_instances_quota, nova.exception.TooManyInstances)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud

from .conftest import Api, assert_fault

IMAGE = "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"
SERVERS = "/compute/v2.1/servers"


@pytest.fixture(autouse=True)
def image(cloud: Cloud) -> None:
    cloud.state.add_image("cirros-0.6.3-x86_64-disk", id=IMAGE)


def create(api: Api, version: str = "2.89", user: str = "demo", **server: Any,
           ) -> TestResponse:
    body = {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none", **server}
    return api.post(SERVERS, json={"server": body}, version=version, user=user)


def listed(api: Api, query: str = "", user: str = "demo") -> list[dict[str, Any]]:
    answer = api.get(f"{SERVERS}/detail{query}", version="2.90", user=user)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    servers: list[dict[str, Any]] = answer.get_json()["servers"]
    return servers


def test_names_and_hostnames_as_nova_gives_them(api: Api) -> None:
    answer = create(api, name="web server", min_count=3)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    made = sorted(listed(api), key=lambda s: s["name"])
    assert [s["name"] for s in made] == ["web server-1", "web server-2", "web server-3"]
    assert [s["OS-EXT-SRV-ATTR:hostname"] for s in made] == [
        "web-server-1", "web-server-2", "web-server-3"]
    assert answer.get_json()["server"]["id"] in {s["id"] for s in made}


def test_one_server_keeps_its_name(api: Api) -> None:
    assert create(api, name="solo", min_count=1, max_count=1).status_code == 202
    assert [s["name"] for s in listed(api)] == ["solo"]


def test_reservation_id_answer_and_filter(api: Api) -> None:
    answer = create(api, max_count=2, return_reservation_id=True)
    assert answer.status_code == 202
    assert set(answer.get_json()) == {"reservation_id"}
    reservation = answer.get_json()["reservation_id"]
    assert re.fullmatch(r"r-[0-9a-z]{8}", reservation)
    assert create(api, name="other").status_code == 202
    mine = listed(api, f"?reservation_id={reservation}")
    assert sorted(s["name"] for s in mine) == ["vm-1", "vm-2"]
    admin = listed(api, f"?all_tenants=1&reservation_id={reservation}", user="admin")
    assert {s["OS-EXT-SRV-ATTR:reservation_id"] for s in admin} == {reservation}
    assert listed(api, "?reservation_id=r-00000000") == []


def test_max_count_is_cut_to_what_the_quota_allows(api: Api, cloud: Cloud) -> None:
    for name in ("a", "b", "c", "d", "e", "f", "g"):
        cloud.state.add_server(name, image=IMAGE)
    assert create(api, min_count=2, max_count=20).status_code == 202
    assert len(listed(api)) == 10
    assert_fault(create(api), 403, "forbidden",
                 "Quota exceeded for instances: Requested 1, but already used 10 of 10 "
                 "instances")


@pytest.mark.parametrize(("minimum", "maximum", "requested"), [
    (4, 4, "4"), (4, 6, "4-6"), (11, 11, "11")])
def test_too_many_instances(api: Api, cloud: Cloud, minimum: int, maximum: int,
                            requested: str) -> None:
    for name in ("a", "b", "c", "d", "e", "f", "g"):
        cloud.state.add_server(name, image=IMAGE)
    assert_fault(create(api, min_count=minimum, max_count=maximum), 403, "forbidden",
                 f"Quota exceeded for instances: Requested {requested}, but already used 7 "
                 "of 10 instances")


def test_the_quota_is_per_project(api: Api, cloud: Cloud) -> None:
    assert create(api, min_count=10).status_code == 202
    assert create(api, user="admin").status_code == 202


def test_count_refusals(api: Api, cloud: Cloud) -> None:
    assert_fault(create(api, min_count=3, max_count=2), 400, "badRequest",
                 "min_count must be <= max_count")
    assert_fault(create(api, min_count=0), 400, "badRequest",
                 "Invalid input for field/attribute min_count. Value: 0. 0 is less than the "
                 "minimum of 1")
    assert_fault(create(api, version="2.90", hostname="web", max_count=2), 400, "badRequest",
                 "Unable to allocate a single hostname to multiple instances")
    volume = cloud.state.add_volume("data")
    assert_fault(create(api, max_count=2, block_device_mapping_v2=[{
        "boot_index": 1, "uuid": volume.id, "source_type": "volume",
        "destination_type": "volume"}]), 400, "badRequest",
        "Cannot attach one or more volumes to multiple instances")
