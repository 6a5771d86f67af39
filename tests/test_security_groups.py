"""A server's security groups: ``GET /servers/{server_id}/os-security-groups``.

Upstream: nova.api.openstack.compute.security_groups.ServerSecurityGroupController.index
(common.get_instance, then the os_compute_api:os-security-groups:list policy, a project
reader's in nova.policies.security_groups, then the instance's groups) with the query
schemas index_server_query and index_server_query_v2102. It has no api_version cap: unlike
the os-security-groups proxy it still answers from 2.36. fakenova models no networking
(README.md "Fidelity notes"): a server has no ports, so it is in no group.
"""

from __future__ import annotations

import json

import pytest
from tempest.lib.services.compute.security_groups_client import SecurityGroupsClient

from fakenova import Cloud
from fakenova.testing.handle import Fakenova

from .conftest import Api, as_user, assert_fault
from .tempest_auth import provider
from .test_addresses import MISSING


def groups(server_id: str) -> str:
    return f"/compute/v2.1/servers/{server_id}/os-security-groups"


@pytest.mark.parametrize("version", [None, "2.1", "2.35", "2.36", "2.101", "2.102", "latest"])
def test_a_server_without_ports_is_in_no_group(api: Api, cloud: Cloud,
                                               version: str | None) -> None:
    server = cloud.state.add_server("web")
    answer = api.get(groups(server.id), version=version)
    assert (answer.status_code, answer.get_json()) == (200, {"security_groups": []})


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
    pytest.param("own", "observer", 403, "Policy doesn't allow "
                 "os_compute_api:os-security-groups:list to be performed.", id="unknown-role"),
])
def test_the_instance_is_looked_up_before_the_policy(api: Api, cloud: Cloud, server: str,
                                                     user: str, status: int,
                                                     message: str | None) -> None:
    servers = {"own": cloud.state.add_server("vm"),
               "foreign": cloud.state.add_server("theirs", project="admin"),
               "deleted": cloud.state.add_server("gone", status="deleted")}
    server_id = MISSING if server == "missing" else servers[server].id
    answer = api.get(groups(server_id), **as_user(api, cloud, user))
    if message is None:
        assert (answer.status_code, answer.get_json()) == (200, {"security_groups": []})
    else:
        key = "forbidden" if status == 403 else "itemNotFound"
        assert_fault(answer, status, key, message.format(server=server_id))


def test_unknown_query_parameters_are_dropped_then_refused_from_2_102(api: Api,
                                                                      cloud: Cloud) -> None:
    server = cloud.state.add_server("web")
    assert api.get(f"{groups(server.id)}?foo=1", version="2.101").status_code == 200
    assert_fault(api.get(f"{groups(server.id)}?foo=1", version="2.102"), 400, "badRequest",
                 "Additional properties are not allowed ('foo' was unexpected)")


def test_only_get_is_routed(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("web")
    for method in ("POST", "PUT", "DELETE"):
        assert api.request(method, groups(server.id), json={}).status_code in (404, 405)


def test_openstacksdk_and_tempests_schema_read_the_answer(fakenova: Fakenova) -> None:
    """openstacksdk's fetch_server_security_groups (what its detailed server facts call)
    finds none; the body passes tempest's list_security_groups response schema."""
    import openstack
    from tempest.lib.api_schema.response.compute.v2_1 import security_groups as schemas

    server = fakenova.add_server("web")
    conn = openstack.connect(**fakenova.connect_kwargs())
    found = conn.compute.fetch_server_security_groups(conn.compute.get_server(server.id))
    assert found.security_groups == []
    fakenova.requests.assert_called("GET", "/servers/*/os-security-groups", times=1)
    client = SecurityGroupsClient(provider(fakenova), "compute", "RegionOne")
    resp, body = client.get(f"servers/{server.id}/os-security-groups")
    client.validate_response(schemas.list_security_groups, resp, json.loads(body))
