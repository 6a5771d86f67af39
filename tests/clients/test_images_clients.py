"""Real clients of the image service: openstacksdk's image proxy (found through keystoneauth's
version discovery of ``/image``) and the ``openstack`` CLI's image commands.

Upstream: api-ref image-v2; glance.api.versions (the version list keystoneauth reads);
glance.api.v2.images and image_data (create, upload, download, list, show, delete).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openstack
import pytest
from openstack import exceptions as sdk_exc
from openstack.connection import Connection

from .conftest import Live
from .test_openstack_cli import as_json
from .test_openstack_cli import openstack as cli

DATA = b"\x00fakenova image bytes\xff" * 64


def connect(live: Live, user: str = "demo") -> Connection:
    return openstack.connect(
        auth_url=live.auth_url, username=user, password=user, project_name=user,
        user_domain_name="Default", project_domain_name="Default", region_name="RegionOne",
        load_yaml_config=False, load_envvars=False)


def test_sdk_lists_finds_uploads_and_downloads(live: Live) -> None:
    live.cloud.state.add_image("cirros", id="1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10")
    conn = connect(live)
    assert [image.name for image in conn.image.images()] == ["cirros"]
    assert conn.image.find_image("cirros").id == "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"
    assert conn.image.find_image("nothing") is None

    image = conn.image.create_image(name="uploaded", data=DATA, disk_format="raw",
                                    container_format="bare", visibility="private")
    shown = conn.image.get_image(image.id)
    assert (shown.status, shown.size) == ("active", len(DATA))
    assert shown.checksum == hashlib.md5(DATA, usedforsecurity=False).hexdigest()
    assert (shown.hash_algo, shown.hash_value) == ("sha512", hashlib.sha512(DATA).hexdigest())
    assert conn.image.download_image(shown).content == DATA
    assert {i.name for i in conn.image.images()} == {"cirros", "uploaded"}
    assert [i.name for i in conn.image.images(visibility="private")] == ["uploaded"]

    conn.image.update_image(shown, name="renamed", os_distro="cirros")
    assert conn.image.get_image(image.id).name == "renamed"
    conn.image.add_tag(shown, "t1")
    assert conn.image.get_image(image.id).tags == ["t1"]
    conn.image.delete_image(shown)
    with pytest.raises(sdk_exc.NotFoundException):
        conn.image.get_image(image.id)


def test_sdk_sees_glances_refusals(live: Live) -> None:
    """Glance's errors are webob's: the SDK raises by status, with webob's body."""
    public = live.cloud.state.add_image("public")
    conn = connect(live)
    with pytest.raises(sdk_exc.ForbiddenException) as refused:
        conn.image.delete_image(public.id)
    assert "You are not authorized to complete delete_image action." in (
        refused.value.response.text)
    with pytest.raises(sdk_exc.ForbiddenException) as refused:
        conn.image.create_image(name="mine", visibility="public", disk_format="raw",
                                container_format="bare")
    assert "publicize_image" in refused.value.response.text


@pytest.mark.slow  # each command is a new process that imports the whole SDK
@pytest.mark.subprocess
@pytest.mark.parametrize("live", ["immediate"], indirect=True)  # commands, not waits
def test_cli_create_list_show_delete(live: Live, tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(DATA)
    created = as_json(cli(live, "image", "create", "--file", str(disk), "--disk-format", "raw",
                          "--container-format", "bare", "--private", "from-cli", "-f", "json"))
    assert created["status"] == "active"
    listed = as_json(cli(live, "image", "list", "-f", "json"))
    assert [(i["Name"], i["Status"]) for i in listed] == [("from-cli", "active")]
    shown = as_json(cli(live, "image", "show", "from-cli", "-f", "json"))
    assert (shown["size"], shown["visibility"]) == (len(DATA), "private")
    assert shown["checksum"] == hashlib.md5(DATA, usedforsecurity=False).hexdigest()
    cli(live, "image", "delete", "from-cli")
    assert as_json(cli(live, "image", "list", "-f", "json")) == []
    missing = cli(live, "image", "show", "from-cli", check=False)
    assert missing.returncode == 1
    assert "No Image found for from-cli" in missing.stderr
