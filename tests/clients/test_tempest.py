"""tempest.lib's ServersClient, which checks every answer against tempest's own schemas."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from tempest.lib import auth
from tempest.lib import exceptions as tempest_exc
from tempest.lib.services.compute import base_compute_client
from tempest.lib.services.compute.servers_client import ServersClient
from tempest.lib.services.volume.v3.volumes_client import VolumesClient

from fakenova.microversion import APIVersion

from .conftest import Live, seed_error_case

IMAGE = "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"  # devstack's cirros, as the demo cloud has it


def seed_image(live: Live) -> str:
    """The cirros image a server boots from (Nova asks Glance for it)."""
    return live.cloud.state.add_image("cirros-0.6.3-x86_64-disk", id=IMAGE).id
# Every microversion where tempest's attachment schemas change, and the newest it knows.
VERSIONS = [None, "2.1", "2.19", "2.20", "2.49", "2.60", "2.70", "2.79", "2.85", "2.89",
            "2.100"]


@pytest.fixture
def microversion(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """tempest sets its compute microversion in a module global; restore it afterwards."""
    before = base_compute_client.COMPUTE_MICROVERSION
    base_compute_client.COMPUTE_MICROVERSION = request.param
    yield request.param
    base_compute_client.COMPUTE_MICROVERSION = before


def servers_client(live: Live, user: str = "demo") -> ServersClient:
    credentials = auth.KeystoneV3Credentials(
        username=user, password=user, project_name=user, user_domain_name="Default",
        project_domain_name="Default")
    provider = auth.KeystoneV3AuthProvider(credentials, f"{live.auth_url}/v3")
    return ServersClient(provider, "compute", "RegionOne")


@pytest.mark.parametrize("microversion", VERSIONS, indirect=True)
def test_every_attachment_call_passes_tempests_schemas(live: Live,
                                                       microversion: str | None) -> None:
    state = live.cloud.state
    server = state.add_server("vm")
    volume = state.add_volume("data")
    client = servers_client(live)
    attached = client.attach_volume(server.id, volumeId=volume.id)["volumeAttachment"]
    assert attached["device"] == "/dev/vdb"
    listed = client.list_volume_attachments(server.id)["volumeAttachments"]
    assert [a["volumeId"] for a in listed] == [volume.id]
    shown = client.show_volume_attachment(server.id, volume.id)["volumeAttachment"]
    assert shown["serverId"] == server.id
    if microversion and APIVersion.parse(microversion) >= APIVersion(2, 85):
        client.update_attached_volume(server.id, volume.id, volumeId=volume.id,
                                      delete_on_termination=True)
    live.wait_for_volume(volume.id, "in-use")
    client.detach_volume(server.id, volume.id)


@pytest.mark.parametrize("microversion", ["2.89"], indirect=True)
@pytest.mark.parametrize(("setup", "call", "error"), [
    ("missing-server", "attach", tempest_exc.NotFound),
    ("locked", "attach", tempest_exc.Conflict),
    ("attached-elsewhere", "attach", tempest_exc.BadRequest),
    ("attached", "swap", tempest_exc.Forbidden),
    ("free", "detach", tempest_exc.NotFound),
])
def test_errors_are_tempests_own_exceptions(live: Live, microversion: str, setup: str,
                                            call: str, error: type[Exception]) -> None:
    ids = seed_error_case(live, setup)
    client = servers_client(live)
    calls = {
        "attach": lambda: client.attach_volume(ids.server, volumeId=ids.volume),
        "swap": lambda: client.update_attached_volume(ids.server, ids.volume, volumeId=ids.other),
        "detach": lambda: client.detach_volume(ids.server, ids.volume),
    }
    with pytest.raises(error):
        calls[call]()


def poll(read: Callable[[], str | None], wanted: str | None, timeout: float = 10) -> None:
    """tempest's waiters poll like this; tempest.common needs a tempest.conf, so not them."""
    deadline = time.monotonic() + timeout
    while (current := read()) != wanted:
        assert time.monotonic() < deadline, f"still {current}, not {wanted}"
        time.sleep(0.02)


def volumes_client(live: Live, user: str = "demo") -> VolumesClient:
    credentials = auth.KeystoneV3Credentials(
        username=user, password=user, project_name=user, user_domain_name="Default",
        project_domain_name="Default")
    provider = auth.KeystoneV3AuthProvider(credentials, f"{live.auth_url}/v3")
    return VolumesClient(provider, "volumev3", "RegionOne")


def _server_status(client: ServersClient, server_id: str) -> str | None:
    try:
        return str(client.show_server(server_id)["server"]["status"])
    except tempest_exc.NotFound:
        return None


def _volume_status(client: VolumesClient, volume_id: str) -> str | None:
    try:
        return str(client.show_volume(volume_id)["volume"]["status"])
    except tempest_exc.NotFound:
        return None


@pytest.mark.parametrize("microversion", ["2.1", "2.89"], indirect=True)
def test_create_attach_detach_delete_through_tempest(live: Live, microversion: str) -> None:
    servers, volumes = servers_client(live), volumes_client(live)
    seed_image(live)
    networks = ({"networks": "none"} if APIVersion.parse(microversion) >= APIVersion(2, 37)
                else {})  # required from 2.37
    server = servers.create_server(name="vm", imageRef=IMAGE, flavorRef="1",
                                   **networks)["server"]
    volume = volumes.create_volume(size=1, name="data")["volume"]
    poll(lambda: _server_status(servers, server["id"]), "ACTIVE")
    poll(lambda: _volume_status(volumes, volume["id"]), "available")

    servers.attach_volume(server["id"], volumeId=volume["id"])
    poll(lambda: _volume_status(volumes, volume["id"]), "in-use")
    [listed] = servers.list_volume_attachments(server["id"])["volumeAttachments"]
    assert listed["volumeId"] == volume["id"]
    servers.show_volume_attachment(server["id"], volume["id"])
    servers.detach_volume(server["id"], volume["id"])
    poll(lambda: _volume_status(volumes, volume["id"]), "available")

    servers.delete_server(server["id"])
    volumes.delete_volume(volume["id"])
    poll(lambda: _server_status(servers, server["id"]), None)
    poll(lambda: _volume_status(volumes, volume["id"]), None)
