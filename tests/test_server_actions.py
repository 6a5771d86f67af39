"""Server actions beyond the simple ones: rescue and unrescue (nova.api.openstack.compute
.rescue), rebuild, resize with confirmResize and revertResize, and createImage
(ServersController._action_rebuild, _resize, _confirm_resize, _revert_resize,
_create_image; compute.api.API.rescue, rebuild, resize, snapshot, snapshot_volume_backed),
and Nova's image proxy that createImage's Location points clients at before 2.36.

Answers are checked against tempest's response schemas, refusals against upstream's words;
every refusal leaves the state as it was (the ``api`` fixture checks it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from tempest.lib.api_schema.response.compute.v2_1 import servers as tempest_v21
from tempest.lib.services.compute.servers_client import ServersClient
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app
from fakenova.domain.model import Server

from .conftest import Api, as_user, assert_fault, attachments_path
from .test_servers import range_edges, tempest_check, tempest_schemas

IMAGE = "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"  # devstack's cirros
OTHER_IMAGE = "6d3a2f0e-5b1c-4c1e-9a7f-2f6e0c1b9d11"
SERVERS = "/compute/v2.1/servers"


@pytest.fixture(autouse=True)
def images(cloud: Cloud) -> None:
    cloud.state.add_image("cirros-0.6.3-x86_64-disk", id=IMAGE, size=21430272)
    cloud.state.add_image("cirros-alt", id=OTHER_IMAGE)


@pytest.fixture
def manual() -> tuple[Api, Cloud]:
    """A cloud whose clock only moves when a test advances it."""
    app: Flask = create_app(clock="manual")
    cloud: Cloud = app.extensions["fakenova"]
    cloud.state.add_image("cirros-0.6.3-x86_64-disk", id=IMAGE)
    cloud.state.add_image("cirros-alt", id=OTHER_IMAGE)
    return Api(app), cloud


def act(api: Api, server_id: str, body: Any, version: str = "2.89", **kwargs: Any,
        ) -> TestResponse:
    kwargs.setdefault("user", "demo")
    return api.post(f"{SERVERS}/{server_id}/action", json=body, version=version, **kwargs)


def shown(api: Api, server_id: str, version: str = "2.89") -> dict[str, Any]:
    answer = api.get(f"{SERVERS}/{server_id}", version=version, user="admin")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    server: dict[str, Any] = answer.get_json()["server"]
    return server


def status(api: Api, server_id: str) -> tuple[str, str | None]:
    server = shown(api, server_id)
    return server["status"], server["OS-EXT-STS:task_state"]


def invalid_state(server_id: str, action: str, attr: str, value: str) -> str:
    return f"Cannot '{action}' instance {server_id} while it is in {attr} {value}"


def with_volume(cloud: Cloud, name: str = "vm") -> tuple[Server, str]:
    server = cloud.state.add_server(name, image=IMAGE)
    volume = cloud.state.add_volume(f"{name}-data")
    cloud.state.add_attachment(server.id, volume.id)
    return server, volume.id


def bfv_server(cloud: Cloud) -> tuple[Server, str]:
    root = cloud.state.add_volume("root", size=1, bootable=True)
    root.image_id = IMAGE
    return cloud.state.add_server("bfv", boot_volume=root.id), root.id


# -- rescue ------------------------------------------------------------------------------


def test_rescue_and_unrescue_on_the_clock(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    server, volume_id = with_volume(cloud)
    answer = act(api, server.id, {"rescue": {"adminPass": "s3cret"}})
    assert answer.status_code == 200 and answer.get_json() == {"adminPass": "s3cret"}
    tempest_check(tempest_v21.rescue_server_with_admin_pass, answer)
    assert status(api, server.id) == ("ACTIVE", "rescuing")
    cloud.advance(1)
    assert status(api, server.id) == ("RESCUE", None)
    assert shown(api, server.id)["OS-EXT-STS:vm_state"] == "rescued"
    assert shown(api, server.id)["os-extended-volumes:volumes_attached"][0]["id"] == volume_id
    unrescued = act(api, server.id, {"unrescue": None})
    assert (unrescued.status_code, unrescued.get_data()) == (202, b"")
    assert status(api, server.id) == ("RESCUE", "unrescuing")
    cloud.advance(1)
    assert status(api, server.id) == ("ACTIVE", None)


def test_rescue_generates_a_password(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    answer = act(api, server.id, {"rescue": None})
    assert answer.status_code == 200
    assert len(answer.get_json()["adminPass"]) == 12


def test_a_rescued_server_refuses_attach_and_detach(api: Api, cloud: Cloud) -> None:
    """ATTACH_VM_STATES leaves out rescued: tempest's test_rescued_vm_attach_volume and
    test_rescued_vm_detach_volume."""
    server, volume_id = with_volume(cloud)
    spare = cloud.state.add_volume("spare").id
    assert act(api, server.id, {"rescue": None}).status_code == 200
    assert_fault(api.post(attachments_path(server.id), version="2.89",
                          json={"volumeAttachment": {"volumeId": spare}}),
                 409, "conflictingRequest",
                 invalid_state(server.id, "attach_volume", "vm_state", "rescued"))
    assert_fault(api.delete(attachments_path(server.id, volume_id), version="2.89"),
                 409, "conflictingRequest",
                 invalid_state(server.id, "detach_volume", "vm_state", "rescued"))
    for body, name in (({"rescue": None}, "rescue"), ({"rebuild": {"imageRef": IMAGE}},
                                                      "rebuild"),
                       ({"resize": {"flavorRef": "2"}}, "resize")):
        assert_fault(act(api, server.id, body), 409, "conflictingRequest",
                     invalid_state(server.id, name, "vm_state", "rescued"))
    assert act(api, server.id, {"unrescue": None}).status_code == 202
    assert api.post(attachments_path(server.id), version="2.89", json={
        "volumeAttachment": {"volumeId": spare}}).status_code == 200


def test_rescue_refusals(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    assert_fault(act(api, server.id, {"unrescue": None}), 409, "conflictingRequest",
                 invalid_state(server.id, "unrescue", "vm_state", "active"))
    missing = "5c6f0a8e-0000-4000-8000-000000000001"
    assert_fault(act(api, server.id, {"rescue": {"rescue_image_ref": missing}}), 400,
                 "badRequest", f"Requested rescue image '{missing}' is not supported")
    building = cloud.state.add_server("new", status="BUILD", image=IMAGE)
    assert_fault(act(api, building.id, {"rescue": None}), 409, "conflictingRequest",
                 invalid_state(building.id, "rescue", "vm_state", "building"))
    locked = cloud.state.add_server("locked", locked=True, image=IMAGE)
    assert_fault(act(api, locked.id, {"rescue": None}), 409, "conflictingRequest",
                 f"Instance {locked.id} is locked")
    assert_fault(act(api, server.id, {"rescue": {"admin_pass": "x"}}), 400, "badRequest",
                 "Invalid input for field/attribute rescue. Value: {'admin_pass': 'x'}. "
                 "Additional properties are not allowed ('admin_pass' was unexpected)")


def test_rescue_needs_every_volume_in_use(manual: tuple[Api, Cloud]) -> None:
    """API._check_volume_status: InvalidVolume, which the rescue API answers with 409."""
    api, cloud = manual
    server = cloud.state.add_server("vm", image=IMAGE)
    volume = cloud.state.add_volume("data")
    assert api.post(attachments_path(server.id), version="2.89", json={
        "volumeAttachment": {"volumeId": volume.id}}).status_code == 200
    assert_fault(act(api, server.id, {"rescue": None}), 409, "conflictingRequest",
                 f"Invalid volume: volume '{volume.id}' status must be 'in-use'. Currently "
                 "in 'reserved' status")


def test_a_volume_backed_server_is_rescued_only_stably_from_2_87(api: Api,
                                                                 cloud: Cloud) -> None:
    server, _ = bfv_server(cloud)
    refused = (f"Instance {server.id} cannot be rescued: Cannot rescue a volume-backed "
               "instance")
    assert_fault(act(api, server.id, {"rescue": None}, version="2.87"), 400, "badRequest",
                 refused)
    stable = cloud.state.add_image("rescue", properties={"hw_rescue_device": "disk",
                                                         "hw_rescue_bus": "virtio"})
    body = {"rescue": {"rescue_image_ref": stable.id}}
    assert_fault(act(api, server.id, body, version="2.86"), 400, "badRequest", refused)
    assert act(api, server.id, body, version="2.87").status_code == 200
    assert status(api, server.id) == ("RESCUE", None)


def test_a_volume_snapshot_image_is_no_rescue_image(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    image = cloud.state.add_image("bfv-snap", properties={"img_block_device_mapping": "[]"})
    assert_fault(act(api, server.id, {"rescue": {"rescue_image_ref": image.id}}), 400,
                 "badRequest", f"Requested rescue image '{image.id}' is not supported")


@pytest.mark.parametrize(("body", "rule"), [({"rescue": None}, "os-rescue"),
                                            ({"unrescue": None}, "os-unrescue")])
def test_rescue_policies(api: Api, cloud: Cloud, body: dict[str, Any], rule: str) -> None:
    server = cloud.state.add_server("vm", status="RESCUE", image=IMAGE)
    assert_fault(act(api, server.id, body, **as_user(api, cloud, "reader")), 403,
                 "forbidden", f"Policy doesn't allow os_compute_api:{rule} to be performed.")


# -- rebuild -----------------------------------------------------------------------------


def test_rebuild_keeps_volumes_and_answers_the_server(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    server, volume_id = with_volume(cloud)
    answer = act(api, server.id, {"rebuild": {
        "imageRef": OTHER_IMAGE, "name": "rebuilt", "metadata": {"rebuild": "server"},
        "adminPass": "rebuildPassw0rd"}})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    body = answer.get_json()["server"]
    assert (body["image"]["id"], body["name"], body["metadata"], body["adminPass"]) == (
        OTHER_IMAGE, "rebuilt", {"rebuild": "server"}, "rebuildPassw0rd")
    assert body["status"] == "REBUILD"
    assert answer.headers["Location"] == body["links"][0]["href"]
    cloud.advance(1)
    after = shown(api, server.id)
    assert (after["status"], after["image"]["id"]) == ("ACTIVE", OTHER_IMAGE)
    assert [v["id"] for v in after["os-extended-volumes:volumes_attached"]] == [volume_id]
    assert cloud.state.volumes[volume_id].status == "in-use"


@pytest.mark.parametrize("version", range_edges(ServersClient.schema_versions_info))
def test_rebuild_answers_match_tempest_schemas(api: Api, cloud: Cloud, version: str) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    answer = act(api, server.id, {"rebuild": {"imageRef": IMAGE}}, version=version)
    tempest_check(tempest_schemas(ServersClient.schema_versions_info, version)
                  .rebuild_server_with_admin_pass, answer)


def test_rebuild_fields_per_microversion(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    body = act(api, server.id, {"rebuild": {
        "imageRef": IMAGE, "description": "d", "key_name": None, "user_data": "aGk=",
        "hostname": "new-host"}}, version="2.90").get_json()["server"]
    assert (body["description"], body["key_name"], body["user_data"]) == ("d", None, "aGk=")
    assert body["OS-EXT-SRV-ATTR:hostname"] == "new-host"
    old = act(api, server.id, {"rebuild": {"imageRef": IMAGE}}, version="2.74")
    assert "user_data" in old.get_json()["server"]
    assert "OS-EXT-STS:vm_state" not in old.get_json()["server"]
    assert_fault(act(api, server.id, {"rebuild": {"imageRef": IMAGE, "description": "d"}},
                     version="2.18"), 400, "badRequest",
                 "Invalid input for field/attribute rebuild. Value: {'description': 'd', "
                 f"'imageRef': '{IMAGE}'}}. Additional properties are not allowed "
                 "('description' was unexpected)")


def test_rebuild_of_a_stopped_server_ends_stopped(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", status="SHUTOFF", image=IMAGE)
    assert act(api, server.id, {"rebuild": {"imageRef": IMAGE}}).status_code == 202
    assert status(api, server.id) == ("SHUTOFF", None)


def test_rebuild_refusals(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    missing = "5c6f0a8e-0000-4000-8000-000000000002"
    assert_fault(act(api, server.id, {"rebuild": {"imageRef": missing}}), 400, "badRequest",
                 "Cannot find image for rebuild")
    queued = cloud.state.add_image("queued", status="queued")
    assert_fault(act(api, server.id, {"rebuild": {"imageRef": queued.id}}), 400,
                 "badRequest", f"Image {queued.id} is not active.")
    assert_fault(act(api, server.id, {"rebuild": {"imageRef": IMAGE, "key_name": "k"}},
                     version="2.54"), 400, "badRequest", "Invalid key_name provided.")
    private = cloud.state.add_image("theirs", project="admin", visibility="private")
    assert_fault(act(api, server.id, {"rebuild": {"imageRef": private.id}}), 400,
                 "badRequest", "Cannot find image for rebuild")
    assert_fault(act(api, server.id, {"rebuild": {"imageRef": IMAGE}},
                     **as_user(api, cloud, "reader")), 403, "forbidden",
                 "Policy doesn't allow os_compute_api:servers:rebuild to be performed.")


def test_a_volume_backed_rebuild_reimages_only_from_2_93(api: Api, cloud: Cloud) -> None:
    server, root_id = bfv_server(cloud)
    assert_fault(act(api, server.id, {"rebuild": {"imageRef": OTHER_IMAGE}}, version="2.92"),
                 400, "badRequest", f"Image {OTHER_IMAGE} is unacceptable: Unable to rebuild "
                 "with a different image for a volume-backed server.")
    assert act(api, server.id, {"rebuild": {"imageRef": IMAGE}},
               version="2.92").status_code == 202
    certs = {"imageRef": OTHER_IMAGE, "trusted_image_certificates": ["c"]}
    assert_fault(act(api, server.id, {"rebuild": certs}, version="2.93"), 400, "badRequest",
                 "Image certificate validation is not supported for volume-backed servers.")
    answer = act(api, server.id, {"rebuild": {"imageRef": OTHER_IMAGE}}, version="2.93")
    assert answer.status_code == 202 and answer.get_json()["server"]["image"] == ""
    assert cloud.state.volumes[root_id].image_id == OTHER_IMAGE


# -- resize ------------------------------------------------------------------------------


def test_resize_then_revert_keeps_the_volume(manual: tuple[Api, Cloud]) -> None:
    """tempest's test_resize_server_revert_with_volume_attached, on the clock."""
    api, cloud = manual
    server, volume_id = with_volume(cloud)
    answer = act(api, server.id, {"resize": {"flavorRef": "2"}})
    assert (answer.status_code, answer.get_data()) == (202, b"")
    assert status(api, server.id) == ("RESIZE", "resize_prep")
    cloud.advance(1)
    assert status(api, server.id) == ("VERIFY_RESIZE", None)
    assert shown(api, server.id)["flavor"]["original_name"] == "m1.small"
    assert act(api, server.id, {"revertResize": None}).status_code == 202
    assert status(api, server.id) == ("REVERT_RESIZE", "resize_reverting")
    cloud.advance(1)
    after = shown(api, server.id)
    assert (after["status"], after["flavor"]["original_name"]) == ("ACTIVE", "m1.tiny")
    assert after["os-extended-volumes:volumes_attached"][0]["id"] == volume_id
    assert cloud.state.volumes[volume_id].status == "in-use"


def test_confirm_resize_from_stopped(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", status="SHUTOFF", image=IMAGE)
    assert act(api, server.id, {"resize": {"flavorRef": 84}}).status_code == 202
    assert status(api, server.id) == ("VERIFY_RESIZE", None)
    confirmed = act(api, server.id, {"confirmResize": None})
    assert (confirmed.status_code, confirmed.get_data()) == (204, b"")
    after = shown(api, server.id)
    assert (after["status"], after["flavor"]["original_name"]) == ("SHUTOFF", "m1.micro")


def test_confirm_twice_is_not_resized(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    server = cloud.state.add_server("vm", image=IMAGE)
    act(api, server.id, {"resize": {"flavorRef": "2"}})
    cloud.advance(1)
    assert act(api, server.id, {"confirmResize": None}).status_code == 204
    assert_fault(act(api, server.id, {"confirmResize": None}), 400, "badRequest",
                 "Instance has not been resized.")


def test_resize_refusals(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    assert_fault(act(api, server.id, {"resize": {"flavorRef": "1"}}), 400, "badRequest",
                 "When resizing, instances must change flavor!")
    assert_fault(act(api, server.id, {"resize": {"flavorRef": "99"}}), 400, "badRequest",
                 "Flavor 99 could not be found.")
    for body, name in (({"confirmResize": None}, "confirmResize"),
                       ({"revertResize": None}, "revertResize")):
        assert_fault(act(api, server.id, body), 409, "conflictingRequest",
                     invalid_state(server.id, name, "vm_state", "active"))
    assert_fault(act(api, server.id, {"resize": {}}), 400, "badRequest",
                 "Invalid input for field/attribute resize. Value: {}. 'flavorRef' is a "
                 "required property")


@pytest.mark.parametrize(("body", "rule"), [
    ({"resize": {"flavorRef": "2"}}, "resize"), ({"confirmResize": None}, "confirm_resize"),
    ({"revertResize": None}, "revert_resize")])
def test_resize_policies(api: Api, cloud: Cloud, body: dict[str, Any], rule: str) -> None:
    server = cloud.state.add_server("vm", status="VERIFY_RESIZE", image=IMAGE)
    assert_fault(act(api, server.id, body, **as_user(api, cloud, "reader")), 403,
                 "forbidden", f"Policy doesn't allow os_compute_api:servers:{rule} to be "
                              "performed.")


# -- createImage -------------------------------------------------------------------------


def test_create_image_of_an_image_backed_server(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    server = cloud.state.add_server("vm", image=IMAGE)
    answer = act(api, server.id, {"createImage": {"name": "snap", "metadata": {"k": "v"}}},
                 version="2.45")
    assert answer.status_code == 202 and "Location" not in answer.headers
    image = cloud.state.images[answer.get_json()["image_id"]]
    assert (image.name, image.status, image.visibility) == ("snap", "queued", "private")
    assert status(api, server.id) == ("ACTIVE", "image_snapshot_pending")
    assert image.properties["instance_uuid"] == server.id
    assert (image.properties["image_type"], image.properties["k"]) == ("snapshot", "v")
    cloud.advance(1)
    assert status(api, server.id) == ("ACTIVE", None)
    assert image.status == "active"


def test_create_image_location_before_2_45(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm", image=IMAGE)
    answer = act(api, server.id, {"createImage": {"name": "snap"}}, version="2.44")
    assert (answer.status_code, answer.get_data()) == (202, b"")
    image_id = answer.headers["Location"].rsplit("/", 1)[1]
    assert answer.headers["Location"] == f"http://localhost/image/images/{image_id}"
    shown_image = api.get(f"/compute/v2.1/images/{image_id}").get_json()["image"]
    assert (shown_image["status"], shown_image["progress"]) == ("ACTIVE", 100)
    assert shown_image["server"]["id"] == server.id
    assert_fault(api.get(f"/compute/v2.1/images/{image_id}", version="2.36"), 404,
                 "itemNotFound", "The resource could not be found.")
    assert api.delete(f"/compute/v2.1/images/{image_id}").status_code == 204
    assert_fault(api.get(f"/compute/v2.1/images/{image_id}"), 404, "itemNotFound",
                 "Image not found.")


def test_create_image_of_a_volume_backed_server(api: Api, cloud: Cloud) -> None:
    """snapshot_volume_backed: one forced Cinder snapshot per volume, listed in the image's
    block_device_mapping (tempest's test_snapshot_volume_backed_multiattach)."""
    server, root_id = bfv_server(cloud)
    data = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, data.id)
    answer = act(api, server.id, {"createImage": {"name": "bfv-snap"}})
    image = cloud.state.images[answer.get_json()["image_id"]]
    assert (image.status, image.size) == ("active", 0)
    assert (image.properties["bdm_v2"], image.properties["root_device_name"]) == (
        "True", "/dev/vda")
    mapping = json.loads(str(image.properties["block_device_mapping"]))
    snapshots = [cloud.state.snapshots[m["snapshot_id"]] for m in mapping]
    assert [s.volume_id for s in snapshots] == [root_id, data.id]
    assert {s.name for s in snapshots} == {"snapshot for bfv-snap"}
    assert [m["boot_index"] for m in mapping] == [0, None]


def test_create_image_refusals(api: Api, cloud: Cloud) -> None:
    building = cloud.state.add_server("new", status="BUILD", image=IMAGE)
    assert_fault(act(api, building.id, {"createImage": {"name": "s"}}), 409,
                 "conflictingRequest",
                 invalid_state(building.id, "createImage", "vm_state", "building"))
    server = cloud.state.add_server("vm", image=IMAGE)
    assert_fault(act(api, server.id, {"createImage": {"name": "s"}},
                     **as_user(api, cloud, "reader")), 403, "forbidden",
                 "Policy doesn't allow os_compute_api:servers:create_image to be performed.")
    assert_fault(act(api, server.id, {"createImage": {}}), 400, "badRequest",
                 "Invalid input for field/attribute createImage. Value: {}. 'name' is a "
                 "required property")
    locked = cloud.state.add_server("locked", locked=True, image=IMAGE)
    assert act(api, locked.id, {"createImage": {"name": "s"}}).status_code == 202


# -- create: the boot image --------------------------------------------------------------


def create(api: Api, user: str = "demo", **server: Any) -> TestResponse:
    body = {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", "networks": "none", **server}
    return api.post(SERVERS, json={"server": body}, version="2.89", user=user)


def test_create_needs_an_active_image_glance_shows(api: Api, cloud: Cloud) -> None:
    missing = "5c6f0a8e-0000-4000-8000-000000000003"
    assert_fault(create(api, imageRef=missing), 400, "badRequest",
                 "Can not find requested image")
    queued = cloud.state.add_image("queued", status="queued")
    assert_fault(create(api, imageRef=queued.id), 400, "badRequest",
                 f"Image {queued.id} is not active.")
    private = cloud.state.add_image("theirs", project="admin", visibility="private")
    assert_fault(create(api, imageRef=private.id), 400, "badRequest",
                 "Can not find requested image")
    assert create(api, imageRef=private.id, user="admin").status_code == 202
    assert_fault(create(api, imageRef="", block_device_mapping_v2=[{
        "boot_index": 0, "uuid": missing, "source_type": "image", "destination_type": "volume",
        "volume_size": 1}]), 400, "badRequest",
        f"Block Device Mapping is Invalid: failed to get image {missing}.")


# -- shelve: the shelved snapshot ----------------------------------------------------------


def test_shelve_keeps_a_snapshot_until_unshelve(api: Api, cloud: Cloud) -> None:
    """API.shelve uploads ``<name>-shelved`` for an image-backed server; unshelving deletes
    it (tempest's test_shelve_unshelve_server lists it by name)."""
    server = cloud.state.add_server("vm", image=IMAGE)
    assert act(api, server.id, {"shelve": None}).status_code == 202
    found = [i for i in cloud.state.images.values() if i.name == "vm-shelved"]
    assert [(i.status, i.properties["instance_uuid"]) for i in found] == [
        ("active", server.id)]
    assert act(api, server.id, {"unshelve": None}).status_code == 202
    assert status(api, server.id) == ("ACTIVE", None)
    assert found[0].id not in cloud.state.images
    bfv, _ = bfv_server(cloud)
    assert act(api, bfv.id, {"shelve": None}).status_code == 202
    assert not any(i.name == "bfv-shelved" for i in cloud.state.images.values())
