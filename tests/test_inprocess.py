"""``fakenova.mock()``: real clients reach a fake cloud in this process with no socket. Each
use starts afresh from its fixtures; faults reach clients as they would over a socket; when
it ends, the URL is an unknown host again."""

from __future__ import annotations

import json
import threading
from typing import Any

import openstack
import pytest
import requests
from keystoneauth1 import exceptions as ks_exc
from novaclient import client as nova_client
from tempest.lib import auth
from tempest.lib.services.compute.servers_client import ServersClient

import fakenova
from fakenova.testing.handle import Fakenova

WEB_1 = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a01"


def sdk(cloud: Fakenova, user: str = "demo") -> openstack.connection.Connection:
    return openstack.connect(**cloud.connect_kwargs(user=user))


def test_openstacksdk_attaches_a_volume_in_process() -> None:
    with fakenova.mock() as cloud:
        server, volume = cloud.add_server("web"), cloud.add_volume("data")
        attachment = sdk(cloud).compute.create_volume_attachment(server.id, volume_id=volume.id)
        assert attachment.device == "/dev/vdb"
        cloud.requests.assert_called("POST", "/servers/*/os-volume_attachments", times=1)
        assert cloud.url == "http://fakenova.test"


def test_novaclient_and_tempest_lib_in_process() -> None:
    with fakenova.mock(["demo"]) as cloud:
        kwargs = cloud.connect_kwargs(user="admin")
        from keystoneauth1 import loading, session
        plugin = loading.get_plugin_loader("password").load_from_options(
            auth_url=kwargs["auth_url"], username="admin", password="admin",
            project_name="admin", user_domain_name="Default", project_domain_name="Default")
        nova = nova_client.Client("2.89", session=session.Session(auth=plugin))
        assert WEB_1 in {s.id for s in nova.servers.list(search_opts={"all_tenants": 1})}
        credentials = auth.KeystoneV3Credentials(
            username="admin", password="admin", project_name="admin",
            user_domain_name="Default", project_domain_name="Default")
        provider = auth.KeystoneV3AuthProvider(credentials, f"{cloud.url}/identity/v3")
        servers = ServersClient(provider, "compute", "RegionOne")
        assert servers.show_server(WEB_1)["server"]["name"] == "web-1"


@pytest.mark.slow  # the CLI's first import is most of a second
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # osc_lib's own, at import
def test_the_openstack_cli_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    from openstackclient import shell

    with fakenova.mock(["demo"]) as cloud:
        kwargs = cloud.connect_kwargs(user="admin")
        code = shell.main(["--os-auth-url", kwargs["auth_url"], "--os-username", "admin",
                           "--os-password", "admin", "--os-project-name", "admin",
                           "--os-user-domain-name", "Default",
                           "--os-project-domain-name", "Default",
                           "server", "list", "--all-projects", "-f", "json"])
        assert code == 0
    names = {row["Name"] for row in json.loads(capsys.readouterr().out)}
    assert {"web-1", "ops-1"} <= names


def test_a_decorator_passes_the_handle_first() -> None:
    @fakenova.mock(["demo"], seed=7)
    def check(cloud: Fakenova, word: str) -> str:
        return f"{word} {cloud.add_volume('x').id}"

    first, second = check("a"), check("a")
    assert first == second  # a seed makes the ids repeat, and each use starts afresh


def test_start_and_stop_and_afterwards_the_host_is_unknown() -> None:
    mocked = fakenova.mock()
    cloud = mocked.start()
    try:
        conn = sdk(cloud)
        assert list(conn.compute.servers()) == []
    finally:
        mocked.stop()
    with pytest.raises(ks_exc.ConnectFailure):
        list(conn.compute.servers())
    with pytest.raises(requests.ConnectionError):
        requests.get("http://fakenova.test/compute/", timeout=5)


def test_nothing_leaks_from_one_use_to_the_next_not_even_to_an_admin() -> None:
    with fakenova.mock() as cloud:
        cloud.add_server("left-behind")
    with fakenova.mock() as cloud:
        admin = sdk(cloud, user="admin")
        assert [s.name for s in admin.compute.servers(all_projects=True)] == []


def test_a_subprocess_cannot_reach_it_and_is_told_so() -> None:
    with fakenova.mock() as cloud:
        for call in (cloud.env, cloud.clouds_yaml):
            with pytest.raises(RuntimeError, match="a subprocess cannot reach it"):
                call()


def test_proxy_variables_do_not_send_requests_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    with fakenova.mock(["demo"]):
        assert requests.get("http://fakenova.test/compute/", timeout=5).status_code == 200


def test_two_mocks_of_one_url_at_once_are_refused() -> None:
    with fakenova.mock(), pytest.raises(RuntimeError, match="already taken over"):
        fakenova.mock().start()


# -- faults as over a socket ---------------------------------------------------------------

def test_a_dropped_connection_is_a_connect_failure_and_retries_run() -> None:
    with fakenova.mock() as cloud:
        conn = sdk(cloud)
        server = cloud.add_server("web")
        cloud.faults.add({"action": "drop", "method": "GET", "path": "/servers/*",
                          "times": 1})
        with pytest.raises(ks_exc.ConnectFailure):
            conn.compute.get_server(server.id)
        assert conn.compute.get_server(server.id).name == "web"  # the rule fired once


def test_a_truncated_answer_is_cut_and_a_delay_is_real() -> None:
    with fakenova.mock(["demo"]) as cloud:
        cloud.faults.add({"action": "truncate", "method": "GET", "path": "/compute/"})
        answer = requests.get("http://fakenova.test/compute/", timeout=5)
        with pytest.raises(ValueError):
            answer.json()
        cloud.faults.clear()
        cloud.faults.add({"status": 503, "delay_ms": 300, "method": "GET",
                          "path": "/compute/"})
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get("http://fakenova.test/compute/", timeout=0.1)
        assert requests.get("http://fakenova.test/compute/", timeout=5).status_code == 503


def test_client_threads_may_call_concurrently() -> None:
    with fakenova.mock(["demo"]):
        answers: list[Any] = []

        def fetch() -> None:
            for _ in range(20):
                answers.append(requests.get("http://fakenova.test/compute/", timeout=5))

        threads = [threading.Thread(target=fetch) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [200] * 80


# -- the pytest plugin's transports -----------------------------------------------------------

pytest_plugins = ["pytester"]
DOWNSTREAM = '''
import openstack

def test_attach(fakenova):
    server, volume = fakenova.add_server("web"), fakenova.add_volume("data")
    conn = openstack.connect(**fakenova.connect_kwargs())
    conn.compute.create_volume_attachment(server.id, volume_id=volume.id)
    assert fakenova.url == "{url}"
'''


def run(pytester: pytest.Pytester, url: str, *args: str, ini: str = "") -> pytest.RunResult:
    pytester.makepyfile(test_downstream=DOWNSTREAM.replace("{url}", url))
    pytester.makeini("[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n" + ini)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_the_fixture_runs_in_process_when_asked(pytester: pytest.Pytester) -> None:
    run(pytester, "http://fakenova.test", "--fakenova-transport=inprocess").assert_outcomes(
        passed=1)
    run(pytester, "http://fakenova.test", ini="fakenova_transport = inprocess"
        ).assert_outcomes(passed=1)


def test_the_socket_transport_stays_the_default(pytester: pytest.Pytester) -> None:
    result = run(pytester, "http://fakenova.test")
    result.assert_outcomes(failed=1)  # a socket: a 127.0.0.1 URL
    result.stdout.fnmatch_lines(["*AssertionError: assert 'http://127.0.0.1:*"])


def test_a_shared_server_cannot_be_in_process(pytester: pytest.Pytester) -> None:
    result = run(pytester, "", "--fakenova-transport=inprocess",
                 "--fakenova-url", "http://127.0.0.1:9")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--fakenova-url shares a server over a socket; it cannot be "
                                 "used with the inprocess transport*"])


def test_an_older_urllib3_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib3

    monkeypatch.setattr(urllib3, "__version__", "1.26.20")
    with pytest.raises(RuntimeError, match=r"needs urllib3 2 or newer, not 1\.26\.20"):
        fakenova.mock().start()
