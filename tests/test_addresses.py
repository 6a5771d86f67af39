"""A server's addresses: ``GET /servers/{server_id}/ips`` and ``.../ips/{network_label}``.

Upstream: api-ref "Servers IPs (servers, ips)"; nova.api.openstack.compute.ips.IPsController
(index and show: common.get_instance, then the os_compute_api:ips policy, then the networks of
the instance) with the query schemas of nova.api.openstack.compute.schemas.ips. fakenova
models no networking (README.md "Fidelity notes"), so a server is on no network.
"""

from __future__ import annotations

from typing import Any

import pytest
from novaclient import client as nova_client
from tempest.lib.exceptions import NotFound as TempestNotFound
from tempest.lib.services.compute.servers_client import ServersClient

from fakenova import Cloud
from fakenova.testing.handle import Fakenova

from .conftest import Api, as_user, assert_fault
from .tempest_auth import compute_microversion, provider

MISSING = "9b2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
NOT_A_MEMBER = "Instance is not a member of specified network"


def ips(server_id: str, label: str | None = None) -> str:
    path = f"/compute/v2.1/servers/{server_id}/ips"
    return f"{path}/{label}" if label is not None else path




@pytest.mark.parametrize("version", [None, "2.1", "2.101", "2.102", "latest"])
def test_a_server_on_no_network_has_no_addresses(api: Api, cloud: Cloud,
                                                 version: str | None) -> None:
    server = cloud.state.add_server("web")
    answer = api.get(ips(server.id), version=version)
    assert answer.status_code == 200
    assert answer.get_json() == {"addresses": {}}
    assert answer.headers["OpenStack-API-Version"].startswith("compute 2.")


@pytest.mark.parametrize("label", ["private", "public", "shared", "net%20work"])
def test_no_network_label_names_one_of_its_networks(api: Api, cloud: Cloud, label: str) -> None:
    server = cloud.state.add_server("web")
    assert_fault(api.get(ips(server.id, label)), 404, "itemNotFound", NOT_A_MEMBER)


@pytest.mark.parametrize("label", [None, "private"])
@pytest.mark.parametrize(("server", "user", "status", "message"), [
    pytest.param("own", "demo", 200, None, id="member"),
    pytest.param("own", "reader", 200, None, id="reader"),
    pytest.param("foreign", "admin", 200, None, id="admin-other-project"),
    pytest.param("foreign", "demo", 404, "Instance {server} could not be found.",
                 id="member-foreign-server"),
    pytest.param("missing", "observer", 404, "Instance {server} could not be found.",
                 id="missing-before-policy"),
    pytest.param("deleted", "demo", 404, "Instance {server} could not be found.",
                 id="deleted-server"),
    pytest.param("own", "observer", 403, "Policy doesn't allow os_compute_api:ips:{rule} to be "
                 "performed.", id="no-reader-role"),
])
def test_the_instance_is_looked_up_before_the_policy(api: Api, cloud: Cloud,
                                                     label: str | None, server: str, user: str,
                                                     status: int, message: str | None) -> None:
    servers = {"own": cloud.state.add_server("vm"),
               "foreign": cloud.state.add_server("theirs", project="admin"),
               "deleted": cloud.state.add_server("gone", status="deleted")}
    server_id = MISSING if server == "missing" else servers[server].id
    answer = api.get(ips(server_id, label), **as_user(api, cloud, user))
    if message is not None:
        key = "forbidden" if status == 403 else "itemNotFound"
        rule = "index" if label is None else "show"
        assert_fault(answer, status, key, message.format(server=server_id, rule=rule))
    elif label is None:
        assert (answer.status_code, answer.get_json()) == (200, {"addresses": {}})
    else:  # past the lookup and the policy: the server is on no network
        assert_fault(answer, 404, "itemNotFound", NOT_A_MEMBER)


@pytest.mark.parametrize("label", [None, "private"])
def test_unknown_query_parameters_are_dropped_then_refused_from_2_102(
        api: Api, cloud: Cloud, label: str | None) -> None:
    """schemas.ips.index_query and show_query allow any parameter up to 2.101;
    index_query_v2102 and show_query_v2102 allow none."""
    server = cloud.state.add_server("web")
    below = api.get(f"{ips(server.id, label)}?foo=1", version="2.101")
    assert below.status_code == (200 if label is None else 404)
    assert_fault(api.get(f"{ips(server.id, label)}?foo=1", version="2.102"), 400,
                 "badRequest", "Additional properties are not allowed ('foo' was unexpected)")


def test_only_get_is_routed(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("web")
    for method in ("POST", "PUT", "DELETE"):
        answer = api.request(method, ips(server.id), json={})
        assert answer.status_code == 404  # webob's plain 404, as for any unrouted method


# -- real clients, against a served fakenova (the project's own pytest fixture) -----------


def test_novaclient_lists_no_addresses(fakenova: Fakenova) -> None:
    server = fakenova.add_server("web")
    connect = fakenova.connect_kwargs()
    nova = nova_client.Client("2.1", session=_session(connect))
    assert nova.servers.ips(server.id) == {}
    fakenova.requests.assert_called("GET", "/servers/*/ips", times=1)


@pytest.mark.parametrize("microversion", [None, "2.102"])
def test_tempests_servers_client_checks_the_answers_against_its_schemas(
        fakenova: Fakenova, microversion: str | None) -> None:
    server = fakenova.add_server("web")
    client = ServersClient(provider(fakenova), "compute", "RegionOne")
    with compute_microversion(microversion):
        assert client.list_addresses(server.id) == {"addresses": {}}
        with pytest.raises(TempestNotFound):
            client.list_addresses_by_network(server.id, "private")


def _session(connect: dict[str, Any]) -> Any:
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    plugin = v3.Password(auth_url=connect["auth_url"], username=connect["username"],
                         password=connect["password"], project_name=connect["project_name"],
                         user_domain_name="Default", project_domain_name="Default")
    return session.Session(auth=plugin)
