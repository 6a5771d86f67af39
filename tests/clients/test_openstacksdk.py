"""openstacksdk, unchanged: the compute and block-storage proxies and the cloud layer."""

from __future__ import annotations

import openstack
import pytest
from openstack import exceptions as sdk_exc
from openstack.connection import Connection

from .conftest import Live, seed_error_case
from .test_tempest import IMAGE, seed_image

FAST = {"interval": 0.02, "wait": 10}


def connect(live: Live, user: str = "demo") -> Connection:
    return openstack.connect(
        auth_url=live.auth_url, username=user, password=user, project_name=user,
        user_domain_name="Default", project_domain_name="Default", region_name="RegionOne",
        load_yaml_config=False, load_envvars=False)


def test_proxies_create_attach_list_show_detach_delete(live: Live) -> None:
    conn = connect(live)
    seed_image(live)
    server = conn.compute.create_server(name="vm", image_id=IMAGE, flavor_id="1",
                                        networks="none")
    server = conn.compute.wait_for_server(server, status="ACTIVE", **FAST)
    volume = conn.block_storage.create_volume(size=1, name="data")
    volume = conn.block_storage.wait_for_status(volume, "available", **FAST)

    attachment = conn.compute.create_volume_attachment(server, volume=volume, tag="db")
    assert (attachment.device, attachment.tag) == ("/dev/vdb", "db")
    volume = conn.block_storage.wait_for_status(volume, "in-use", **FAST)
    [cinder_side] = volume.attachments
    assert cinder_side["server_id"] == server.id

    [listed] = conn.compute.volume_attachments(server)
    assert listed.attachment_id == cinder_side["attachment_id"]  # microversion 2.89
    shown = conn.compute.get_volume_attachment(server, volume)
    assert (shown.volume_id, shown.bdm_id) == (volume.id, listed.bdm_id)
    assert [a["id"] for a in conn.compute.get_server(server).attached_volumes] == [volume.id]

    conn.compute.delete_volume_attachment(server, volume)
    conn.block_storage.wait_for_status(volume, "available", **FAST)
    assert list(conn.compute.volume_attachments(server)) == []

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, **FAST)
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, **FAST)
    with pytest.raises(sdk_exc.NotFoundException):
        conn.block_storage.get_volume(volume.id)


@pytest.mark.slow
def test_cloud_layer_attach_and_detach_wait(live: Live) -> None:
    """attach_volume/detach_volume with wait=True poll Cinder every 2 s, as on a cloud."""
    conn = connect(live)
    server = live.cloud.state.add_server("vm")
    volume = live.cloud.state.add_volume("data")
    attachment = conn.attach_volume(conn.get_server(server.id), conn.get_volume(volume.id),
                                    wait=True, timeout=10)
    assert attachment["device"] == "/dev/vdb"
    assert conn.get_volume(volume.id).status == "in-use"
    assert conn.get_volume_attach_device(conn.get_volume(volume.id), server.id) == "/dev/vdb"
    conn.detach_volume(conn.get_server(server.id), conn.get_volume(volume.id), wait=True,
                       timeout=10)
    assert conn.get_volume(volume.id).status == "available"


@pytest.mark.parametrize(("setup", "call", "error"), [
    ("missing-server", "attach", sdk_exc.NotFoundException),
    ("locked", "attach", sdk_exc.ConflictException),
    ("attached-elsewhere", "attach", sdk_exc.BadRequestException),
    ("attached", "swap", sdk_exc.ForbiddenException),
    ("attached", "delete-volume", sdk_exc.BadRequestException),
])
def test_errors_are_the_sdks_own_exceptions(live: Live, setup: str, call: str,
                                            error: type[Exception]) -> None:
    ids = seed_error_case(live, setup)
    conn = connect(live)
    calls = {
        "attach": lambda: conn.compute.create_volume_attachment(ids.server, volume=ids.volume),
        "swap": lambda: conn.compute.update_volume_attachment(ids.server, ids.volume,
                                                              volume_id=ids.other),
        "delete-volume": lambda: conn.block_storage.delete_volume(ids.volume),
    }
    with pytest.raises(error):
        calls[call]()
