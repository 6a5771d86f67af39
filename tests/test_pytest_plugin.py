"""The pytest plugin as another project uses it: no import, just the ``fakenova`` fixture."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SDK_TEST = '''
import openstack

def test_attach_through_the_sdk(fakenova):
    server = fakenova.add_server("vm")
    volume = fakenova.add_volume("data")
    conn = openstack.connect(**fakenova.connect_kwargs())
    conn.compute.create_volume_attachment(server.id, volume=volume.id)
    [attachment] = conn.compute.volume_attachments(server.id)
    assert attachment.device == "/dev/vdb"
    fakenova.requests.assert_called("POST", "/servers/*/os-volume_attachments", times=1)
'''


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_downstream=source)
    pytester.makeini("[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n"
                     "    ignore::PendingDeprecationWarning\n")
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_a_downstream_test_needs_no_import(pytester: pytest.Pytester) -> None:
    run(pytester, SDK_TEST).assert_outcomes(passed=1)


def test_each_test_has_its_own_project_and_fresh_state(pytester: pytest.Pytester) -> None:
    source = '''
import openstack, pytest

@pytest.mark.parametrize("name", ["first", "second"])
def test_sees_only_its_own(fakenova, name):
    fakenova.add_server(name)
    conn = openstack.connect(**fakenova.connect_kwargs())
    assert [s.name for s in conn.compute.servers()] == [name]
    admin = openstack.connect(**fakenova.connect_kwargs(user="admin"))
    assert [s.name for s in admin.compute.servers(all_projects=True)] == [name]
'''
    run(pytester, source).assert_outcomes(passed=2)


def test_a_failing_test_shows_its_journal(pytester: pytest.Pytester) -> None:
    source = '''
import openstack

def test_fails(fakenova):
    server = fakenova.add_server("vm")
    fakenova.faults.add(service="compute", method="GET", path="/servers/*", status=503)
    conn = openstack.connect(**fakenova.connect_kwargs())
    conn.compute.get_server(server.id)
'''
    result = run(pytester, source)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*- fakenova journal -*",
        "*POST   /identity/v3/auth/tokens -> 201*",
        "*GET    /compute/v2.1/servers/* -> 503 ?fault-1?",
        "faults that fired:",
        "*fault-1*fired 1 of 1: GET /servers/* -> 503*",
    ])


def test_the_marker_sets_fixtures_faults_and_clock(pytester: pytest.Pytester) -> None:
    source = '''
import openstack, pytest
from openstack import exceptions

@pytest.mark.fakenova(fixtures=["demo"], clock="manual",
                      faults=[{"preset": "flaky", "operation": "list", "status": 409}])
def test_marked(fakenova):
    assert fakenova.clock.mode == "manual"
    admin = openstack.connect(**fakenova.connect_kwargs(user="admin"))
    web = admin.compute.find_server("web-1", all_projects=True)
    with pytest.raises(exceptions.ConflictException):
        list(admin.compute.volume_attachments(web))
    assert len(list(admin.compute.volume_attachments(web))) == 1

def test_unmarked(fakenova):
    assert fakenova.clock.mode == "immediate"
    assert fakenova.faults.rules() == []
'''
    run(pytester, source).assert_outcomes(passed=2)


def test_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing(): pass")
    result = pytester.runpytest_inprocess("--fixtures")
    for documented in (["fakenova -- *", "*A running fake OpenStack cloud*"],
                       ["fakenova_app -- *", "*without a socket*"],
                       ["fakenova_clock * -- *", "*immediate*"],
                       ["fakenova_fixtures * -- *", "*Fixture files*"],
                       ["fakenova_url * -- *", "*shared ``fakenova serve``*"]):
        result.stdout.fnmatch_lines(documented)


def test_tests_can_share_a_running_server_and_clean_up(pytester: pytest.Pytester) -> None:
    from fakenova import create_app
    from fakenova.serving import FakenovaServer

    source = '''
import openstack, pytest

@pytest.mark.parametrize("name", ["first", "second"])
def test_isolated(fakenova, name):
    server = fakenova.add_server(name)
    volume = fakenova.add_volume("data")
    fakenova.attach(server, volume)
    conn = openstack.connect(**fakenova.connect_kwargs())
    assert [s.name for s in conn.compute.servers()] == [name]
    assert [v.name for v in conn.block_storage.volumes()] == ["data"]
    fakenova.requests.assert_called("GET", "/servers/detail")
    with fakenova.faults.preset("flaky", operation="list", status=409):
        with pytest.raises(openstack.exceptions.ConflictException):
            list(conn.compute.volume_attachments(server.id))
'''
    shared = create_app()
    with FakenovaServer(shared) as server:
        run(pytester, source, "--fakenova-url", server.url).assert_outcomes(passed=2)
        state = shared.extensions["fakenova"].state
        assert (state.servers, state.volumes) == ({}, {})
        assert sorted(p.name for p in state.projects.values()) == ["admin", "demo"]
        assert shared.extensions["fakenova"].faults.rules() == []


def test_the_default_account_can_be_overridden(pytester: pytest.Pytester) -> None:
    source = '''
import openstack, pytest

@pytest.fixture(scope="session")
def fakenova_account():
    return "admin"

def test_as_admin(fakenova):
    assert fakenova.connect_kwargs()["username"] == "admin"
    assert fakenova.env()["OS_PROJECT_NAME"] == "admin"
    assert fakenova.connect_kwargs(user="demo")["username"].startswith("test-")
    conn = openstack.connect(**fakenova.connect_kwargs())
    assert "admin" in conn.session.auth.get_access(conn.session).role_names
'''
    run(pytester, source).assert_outcomes(passed=1)


def test_session_settings_a_shared_server_cannot_honour_are_warned_of(
        pytester: pytest.Pytester) -> None:
    from fakenova import create_app
    from fakenova.serving import FakenovaServer

    pytester.makeconftest('''
import pytest

@pytest.fixture(scope="session")
def fakenova_clock():
    return "manual"
''')
    source = '''
def test_uses(fakenova):
    assert fakenova.url
'''
    with FakenovaServer(create_app()) as server:
        # (-W: this suite turns warnings into errors; a downstream suite shows them)
        result = run(pytester, source, "--fakenova-url", server.url, "-W", "default::UserWarning")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*FakenovaSettingIgnored: fakenova_clock do not apply with "
                                 "--fakenova-url*"])
    quiet = run(pytester, source)  # no shared server: the override is used, nothing to say
    quiet.assert_outcomes(passed=1)
