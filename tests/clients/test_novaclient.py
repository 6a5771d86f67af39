"""python-novaclient, unchanged, through Keystone, at the microversions people pin."""

from __future__ import annotations

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc

from fakenova.microversion import APIVersion

from .conftest import Live, seed_error_case
from .test_tempest import IMAGE, poll, seed_image


def novaclient(live: Live, version: str, user: str = "demo") -> nova_client.Client:  # type: ignore[name-defined]
    auth = v3.Password(auth_url=live.auth_url, username=user, password=user,
                       project_name=user, user_domain_name="Default",
                       project_domain_name="Default")
    return nova_client.Client(version, session=ks_session.Session(auth=auth))


EXPECTED_KEYS = {
    "2.1": {"id", "serverId", "volumeId", "device"},
    "2.49": {"id", "serverId", "volumeId", "device"},
    "2.79": {"id", "serverId", "volumeId", "device", "tag", "delete_on_termination"},
    "2.89": {"serverId", "volumeId", "device", "tag", "delete_on_termination",
             "attachment_id", "bdm_uuid"},
}


@pytest.mark.parametrize("version", sorted(EXPECTED_KEYS))
def test_attach_list_show_detach(live: Live, version: str) -> None:
    server = live.cloud.state.add_server("vm")
    volume = live.cloud.state.add_volume("data")
    nova = novaclient(live, version)
    kwargs = {"tag": "t1"} if APIVersion.parse(version) >= APIVersion(2, 49) else {}
    attached = nova.volumes.create_server_volume(server.id, volume.id, **kwargs)
    assert attached.device == "/dev/vdb"
    assert attached.volumeId == volume.id
    live.wait_for_volume(volume.id, "in-use")

    [listed] = nova.volumes.get_server_volumes(server.id)
    assert set(listed.to_dict()) == EXPECTED_KEYS[version]
    shown = nova.volumes.get_server_volume(server.id, volume.id)
    assert shown.to_dict() == listed.to_dict()

    nova.volumes.delete_server_volume(server.id, volume.id)
    live.wait_for_volume(volume.id, "available")
    assert nova.volumes.get_server_volumes(server.id) == []


def test_update_delete_on_termination_at_2_85(live: Live) -> None:
    server = live.cloud.state.add_server("vm")
    volume = live.cloud.state.add_volume("data")
    bdm = live.cloud.state.add_attachment("vm", "data")
    nova = novaclient(live, "2.85")
    nova.volumes.update_server_volume(server.id, volume.id, volume.id,
                                      delete_on_termination=True)
    assert bdm.delete_on_termination is True
    assert nova.volumes.get_server_volume(server.id, volume.id).delete_on_termination is True


@pytest.mark.parametrize(("setup", "call", "error", "message"), [
    ("missing-server", "attach", nova_exc.NotFound, "could not be found"),
    ("locked", "attach", nova_exc.Conflict, "is locked"),
    ("attached-elsewhere", "attach", nova_exc.BadRequest, "is already attached to instances"),
    ("attached", "swap", nova_exc.Forbidden, "os-volumes-attachments:swap"),
    ("free", "detach", nova_exc.NotFound, "is not attached to volume"),
])
def test_errors_are_novaclients_own_exceptions(live: Live, setup: str, call: str,
                                               error: type[Exception], message: str) -> None:
    ids = seed_error_case(live, setup)
    nova = novaclient(live, "2.89")
    calls = {
        "attach": lambda: nova.volumes.create_server_volume(ids.server, ids.volume),
        "swap": lambda: nova.volumes.update_server_volume(ids.server, ids.volume, ids.other),
        "detach": lambda: nova.volumes.delete_server_volume(ids.server, ids.volume),
    }
    with pytest.raises(error) as raised:
        calls[call]()
    assert message in str(raised.value)
    assert raised.value.request_id.startswith("req-")  # type: ignore[attr-defined]


def test_create_attach_detach_delete(live: Live) -> None:
    """novaclient has no volume API since 2.36: its keystoneauth session talks to Cinder."""
    nova = novaclient(live, "2.89")
    cinder = {"service_type": "volumev3", "interface": "public"}
    session = nova.client.session
    seed_image(live)
    server = nova.servers.create("vm", image=IMAGE, flavor="1", nics="none")
    volume = session.post("/volumes", json={"volume": {"size": 1, "name": "data"}},
                          endpoint_filter=cinder).json()["volume"]
    poll(lambda: nova.servers.get(server.id).status, "ACTIVE")
    live.wait_for_volume(volume["id"], "available")

    nova.volumes.create_server_volume(server.id, volume["id"])
    live.wait_for_volume(volume["id"], "in-use")
    [listed] = nova.volumes.get_server_volumes(server.id)
    assert listed.volumeId == volume["id"]
    nova.volumes.delete_server_volume(server.id, volume["id"])
    live.wait_for_volume(volume["id"], "available")

    nova.servers.delete(server.id)
    session.delete(f"/volumes/{volume['id']}", endpoint_filter=cinder)
    live.wait_for_volume(volume["id"], None)
    poll(lambda: [s.id for s in nova.servers.list()], [])
