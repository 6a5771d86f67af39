"""Cinder's volume actions through real clients: openstacksdk's block-storage proxy
(``openstack.block_storage.v3._proxy.Proxy`` and ``volume.Volume``'s actions) and the
``openstack`` CLI (``openstackclient.volume.v3.volume.SetVolume`` and ``DeleteVolume``)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from .conftest import Live
from .test_openstack_cli import OPENSTACK
from .test_openstacksdk import FAST, connect

CONNECTOR = {"initiator": "iqn.1993-08.org.debian:01:abc", "ip": "10.0.0.2", "host": "cmp-1"}


def test_sdk_attach_and_detach_through_cinder(live: Live) -> None:
    conn = connect(live)
    server = live.cloud.state.add_server("vm", project="demo")
    volume = conn.block_storage.create_volume(size=1, name="data")
    volume = conn.block_storage.wait_for_status(volume, "available", **FAST)
    conn.block_storage.reserve_volume(volume)
    assert conn.block_storage.get_volume(volume).status == "attaching"
    info = conn.block_storage.init_volume_attachment(volume, CONNECTOR)
    assert info["driver_volume_type"] == "iscsi"
    assert info["data"]["target_iqn"].endswith(volume.id)
    conn.block_storage.attach_volume(volume, "/dev/vdb", instance=server.id)
    seen = conn.block_storage.get_volume(volume)
    assert seen.status == "in-use"  # os-attach is an RPC call: done before the answer
    [attachment] = seen.attachments
    assert (attachment["server_id"], attachment["device"]) == (server.id, "/dev/vdb")
    conn.block_storage.begin_volume_detaching(volume)
    conn.block_storage.abort_volume_detaching(volume)
    assert conn.block_storage.get_volume(volume).status == "in-use"
    conn.block_storage.detach_volume(volume, attachment["attachment_id"])
    seen = conn.block_storage.get_volume(volume)
    assert seen.status == "available"
    assert seen.attachments == []


def test_sdk_flags_extend_and_retype(live: Live) -> None:
    conn = connect(live)
    volume = conn.block_storage.create_volume(size=1, name="data")
    volume = conn.block_storage.wait_for_status(volume, "available", **FAST)
    conn.block_storage.set_volume_readonly(volume, True)
    conn.block_storage.set_volume_bootable_status(volume, True)
    seen = conn.block_storage.get_volume(volume)
    assert (seen.metadata["readonly"], seen.is_bootable) == ("True", True)
    conn.block_storage.extend_volume(volume, 2)
    seen = conn.block_storage.wait_for_status(conn.block_storage.get_volume(volume),
                                              "available", **FAST)
    assert seen.size == 2
    with pytest.raises(sdk_exc.BadRequestException, match="New size for extend must be "
                       r"greater than current size. \(current: 2, extended: 2\)"):
        conn.block_storage.extend_volume(volume, 2)
    conn.block_storage.retype_volume(volume, "multiattach", migration_policy="never")
    seen = conn.block_storage.wait_for_status(conn.block_storage.get_volume(volume),
                                              "available", **FAST)
    assert (seen.volume_type, seen.is_multiattach) == ("multiattach", True)
    assert conn.block_storage.find_type("multiattach").extra_specs == {
        "multiattach": "<is> True"}


def test_sdk_admin_reset_force_detach_and_force_delete(live: Live) -> None:
    conn, admin = connect(live), connect(live, "admin")
    volume = conn.block_storage.create_volume(size=1, name="data")
    volume = conn.block_storage.wait_for_status(volume, "available", **FAST)
    conn.block_storage.attach_volume(volume, "/dev/vdb", host_name="backup-host")
    attachment = conn.block_storage.get_volume(volume).attachments[0]
    admin.block_storage.reset_volume_status(volume, status="error", attach_status=None,
                                            migration_status=None)
    assert conn.block_storage.get_volume(volume).status == "error"
    admin.block_storage.detach_volume(volume, attachment["attachment_id"], force=True,
                                      connector=CONNECTOR)
    assert conn.block_storage.get_volume(volume).attachments == []
    with pytest.raises(sdk_exc.ForbiddenException, match="volume_admin_actions:reset_status"):
        conn.block_storage.reset_volume_status(volume, status="error", attach_status=None,
                                               migration_status=None)
    admin.block_storage.delete_volume(volume, force=True)
    conn.block_storage.wait_for_delete(volume, **FAST)


def cli(live: Live, *args: str, user: str = "demo",
        check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_AUTH_URL=live.auth_url, OS_USERNAME=user, OS_PASSWORD=user,
               OS_PROJECT_NAME=user, OS_USER_DOMAIN_NAME="Default",
               OS_PROJECT_DOMAIN_NAME="Default", OS_REGION_NAME="RegionOne",
               OS_IDENTITY_API_VERSION="3", OS_VOLUME_API_VERSION="3.71")
    result = subprocess.run([OPENSTACK, *args], env=env, capture_output=True, text=True,
                            timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def shown(live: Live, volume: str, user: str = "demo") -> Any:
    return json.loads(cli(live, "volume", "show", volume, "-f", "json", user=user).stdout)


@pytest.mark.slow  # each command is a new process that imports the whole SDK
@pytest.mark.subprocess
@pytest.mark.parametrize("live", ["immediate"], indirect=True)  # commands, not waits
def test_cli_volume_set_and_force_delete(live: Live) -> None:
    volume = live.cloud.state.add_volume("data", project="demo")
    cli(live, "volume", "set", "--read-only", "--bootable", "data")
    seen = shown(live, "data")
    assert seen["properties"].get("readonly") == "True" or seen["properties"] == {
        "readonly": "True"}
    assert str(seen["bootable"]).lower() == "true"
    cli(live, "volume", "set", "--size", "3", "data")
    live.wait_for_volume(volume.id, "available")
    assert shown(live, "data")["size"] == 3
    cli(live, "volume", "set", "--type", "multiattach", "--retype-policy", "never", "data")
    live.wait_for_volume(volume.id, "available")
    assert shown(live, "data")["type"] == "multiattach"
    cli(live, "volume", "set", "--state", "error", volume.id, user="admin")
    live.wait_for_volume(volume.id, "error")
    refused = cli(live, "volume", "set", "--state", "available", "data", check=False)
    assert refused.returncode == 1
    assert "volume_admin_actions:reset_status" in refused.stderr
    cli(live, "volume", "delete", "--force", volume.id, user="admin")
    live.wait_for_volume(volume.id, None)
