"""Server actions and multi-create through real clients: openstacksdk's compute proxy and
the ``openstack`` CLI (rescue, unrescue, rebuild, resize with confirm and revert, image
create), against a served cloud with devstack's cirros image in Glance."""

from __future__ import annotations

import pytest

from .conftest import Live
from .test_openstack_cli import as_json, openstack
from .test_openstacksdk import FAST, connect
from .test_tempest import IMAGE, seed_image


def test_sdk_rescue_rebuild_resize_and_image(live: Live) -> None:
    seed_image(live)
    conn = connect(live)
    server = conn.compute.create_server(name="vm", image_id=IMAGE, flavor_id="1",
                                        networks="none")
    server = conn.compute.wait_for_server(server, status="ACTIVE", **FAST)
    volume = conn.block_storage.create_volume(size=1, name="data")
    conn.block_storage.wait_for_status(volume, "available", **FAST)
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    conn.block_storage.wait_for_status(volume, "in-use", **FAST)

    conn.compute.rescue_server(server, admin_pass="s3cret")
    conn.compute.wait_for_server(server, status="RESCUE", **FAST)
    conn.compute.unrescue_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", **FAST)

    rebuilt = conn.compute.rebuild_server(server, image=IMAGE, name="rebuilt",
                                          admin_password="pw", metadata={"k": "v"})
    assert rebuilt.name == "rebuilt"
    server = conn.compute.wait_for_server(rebuilt, status="ACTIVE", **FAST)
    assert server.metadata == {"k": "v"}

    conn.compute.resize_server(server, "2")
    server = conn.compute.wait_for_server(server, status="VERIFY_RESIZE", **FAST)
    conn.compute.revert_server_resize(server)
    server = conn.compute.wait_for_server(server, status="ACTIVE", **FAST)
    assert server.flavor.original_name == "m1.tiny"
    conn.compute.resize_server(server, "2")
    server = conn.compute.wait_for_server(server, status="VERIFY_RESIZE", **FAST)
    conn.compute.confirm_server_resize(server)
    server = conn.compute.wait_for_server(server, status="ACTIVE", **FAST)
    assert server.flavor.original_name == "m1.small"

    image = conn.compute.create_server_image(server, "snap", wait=True, timeout=10)
    assert (image.name, image.status) == ("snap", "active")
    assert live.cloud.state.images[image.id].properties["instance_uuid"] == server.id
    assert conn.block_storage.get_volume(volume.id).status == "in-use"


def test_sdk_multi_create_and_quota(live: Live) -> None:
    seed_image(live)
    conn = connect(live)
    conn.compute.create_server(name="many", image_id=IMAGE, flavor_id="1", networks="none",
                               min_count=3, max_count=3)
    names = sorted(s.name for s in conn.compute.servers())
    assert names == ["many-1", "many-2", "many-3"]
    with pytest.raises(Exception, match="Quota exceeded for instances: Requested 8"):
        conn.compute.create_server(name="more", image_id=IMAGE, flavor_id="1",
                                   networks="none", min_count=8)


@pytest.mark.slow  # each command is a new process that imports the whole SDK
@pytest.mark.parametrize("live", ["immediate"], indirect=True)
def test_cli_rescue_rebuild_resize_and_image(live: Live) -> None:
    seed_image(live)
    server = as_json(openstack(live, "server", "create", "--flavor", "m1.tiny", "--image",
                               IMAGE, "--nic", "none", "--wait", "vm", "-f", "json"))
    assert server["status"] == "ACTIVE"
    openstack(live, "server", "rescue", "vm")
    assert as_json(openstack(live, "server", "show", "vm", "-f", "json"))["status"] == "RESCUE"
    openstack(live, "server", "unrescue", "vm")
    openstack(live, "server", "rebuild", "--image", IMAGE, "--name", "vm2", "--wait", "vm")
    rebuilt = as_json(openstack(live, "server", "show", "vm2", "-f", "json"))
    assert rebuilt["status"] == "ACTIVE" and IMAGE in str(rebuilt["image"])
    openstack(live, "server", "resize", "--flavor", "m1.small", "--wait", "vm2")
    shown = as_json(openstack(live, "server", "show", "vm2", "-f", "json"))
    assert shown["status"] == "VERIFY_RESIZE"
    openstack(live, "server", "resize", "revert", "vm2")
    openstack(live, "server", "resize", "--flavor", "m1.small", "--wait", "vm2")
    openstack(live, "server", "resize", "confirm", "vm2")
    shown = as_json(openstack(live, "server", "show", "vm2", "-f", "json"))
    assert shown["status"] == "ACTIVE"
    image = as_json(openstack(live, "server", "image", "create", "--name", "snap", "--wait",
                              "vm2", "-f", "json"))
    assert (image["name"], image["status"]) == ("snap", "active")
