"""GET /servers/{server_id}/os-volume_attachments[/{volume_id}]: upstream Nova's list and show.

Upstream: api-ref "Servers with volume attachments", "List volume attachments for an
instance" and "Show a detail of a volume attachment";
``nova.api.openstack.compute.volume_attachments.VolumeAttachmentController.index`` and
``.show`` (shapes per microversion, errors); ``nova.api.openstack.ProjectMapper`` and
``nova.api.openstack.wsgi.Resource._process_stack`` (project id in the path);
``nova.api.openstack.compute.schemas.volume_attachments`` (``index_query``,
``index_query_v275``, ``show_query``) and ``nova.api.validation.validators`` (query strings and
their messages); ``nova.api.openstack.common.limited`` (pagination);
``nova.policies.volumes_attachments`` (policy); and what
``nova.tests.unit.api.openstack.compute.test_volume_attachments`` pins.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud

from .conftest import Api, as_user, assert_fault, attachments_path

MISSING = "0f2bd3c4-84b5-4a9a-9d2e-4b7bd8c4f2a1"
NOT_ATTACHED = "Instance {server} is not attached to volume {vol}"

BEFORE_2_70 = {"id", "volumeId", "serverId", "device"}
BEFORE_2_79 = BEFORE_2_70 | {"tag"}
BEFORE_2_89 = BEFORE_2_79 | {"delete_on_termination"}
FROM_2_89 = (BEFORE_2_89 - {"id"}) | {"attachment_id", "bdm_uuid"}




def volume_ids(answer: TestResponse) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [item["volumeId"] for item in answer.get_json()["volumeAttachments"]]


# -- shapes per microversion: _translate_attachment_detail_view -------------------------


@pytest.mark.parametrize(("version", "keys"), [
    (None, BEFORE_2_70),
    ("2.1", BEFORE_2_70),
    ("2.69", BEFORE_2_70),
    ("2.70", BEFORE_2_79),
    ("2.78", BEFORE_2_79),
    ("2.79", BEFORE_2_89),
    ("2.88", BEFORE_2_89),
    ("2.89", FROM_2_89),
    ("2.104", FROM_2_89),
    ("latest", FROM_2_89),
])
@pytest.mark.parametrize("status", ["ACTIVE", "SHELVED_OFFLOADED"])
def test_list_and_show_shape(api: Api, cloud: Cloud, version: str | None, keys: set[str],
                             status: str) -> None:
    """Exactly the keys of the version; device omitted when the BDM has none."""
    server = cloud.state.add_server("vm", status=status)
    expected = []
    for name, tag, delete_on_termination in [("tagged", "foo", True), ("plain", None, False)]:
        volume = cloud.state.add_volume(name)
        bdm = cloud.state.add_attachment(server.id, volume.id, tag=tag,
                                         delete_on_termination=delete_on_termination)
        [cinder_attachment] = volume.attachments
        full = {"id": volume.id, "volumeId": volume.id, "serverId": server.id,
                "device": bdm.device_name, "tag": tag,
                "delete_on_termination": delete_on_termination,
                "attachment_id": cinder_attachment.id, "bdm_uuid": bdm.uuid}
        if status == "SHELVED_OFFLOADED":
            del full["device"]
        expected.append({key: value for key, value in full.items() if key in keys})
    assert [item.get("device") for item in expected] == (
        ["/dev/vdb", "/dev/vdc"] if status == "ACTIVE" else [None, None])

    answer = api.get(attachments_path(server.id), version=version)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"volumeAttachments": expected}
    for item in expected:
        answer = api.get(attachments_path(server.id, item["volumeId"]), version=version)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json() == {"volumeAttachment": item}


# -- pagination: common.limited slices every BDM before index drops those without a volume


@pytest.mark.parametrize(("boot", "query", "version", "expected"), [
    ("image", "", "2.89", ["v0", "v1", "v2"]),
    ("image", "limit=1", "2.89", []),
    ("image", "limit=2", "2.89", ["v0"]),
    ("image", "offset=1", "2.89", ["v0", "v1", "v2"]),
    ("image", "offset=2", "2.89", ["v1", "v2"]),
    ("image", "offset=1&limit=1", "2.89", ["v0"]),
    ("image", "offset=2&limit=1", "2.1", ["v1"]),
    ("image", "limit=0", "2.89", ["v0", "v1", "v2"]),
    ("image", "limit=1&limit=5", "2.89", ["v0", "v1", "v2"]),
    ("image", "limit=5&limit=1", "2.89", []),
    ("image", "offset=9&offset=1", "2.89", ["v0", "v1", "v2"]),
    ("image", "offset=3", "2.89", ["v2"]),
    ("image", "offset=4", "2.89", []),
    ("image", "offset=100", "2.89", []),
    ("image", "limit=1000000", "2.89", ["v0", "v1", "v2"]),
    ("image", "limit=007", "2.89", ["v0", "v1", "v2"]),
    ("image", "foo=1&limit=1", "2.74", []),
    ("volume", "", "2.89", ["root", "v0", "v1", "v2"]),
    ("volume", "limit=1", "2.89", ["root"]),
    ("volume", "offset=1&limit=2", "2.89", ["v0", "v1"]),
    ("volume", "offset=4", "2.89", []),
])
def test_pagination(api: Api, cloud: Cloud, boot: str, query: str, version: str,
                    expected: list[str]) -> None:
    """The page is cut from all BDMs, the image root disk included, before filtering."""
    root = cloud.state.add_volume("root", size=10)
    server = cloud.state.add_server("vm", boot_volume=root.id if boot == "volume" else None)
    for name in ("v0", "v1", "v2"):
        cloud.state.add_attachment(server.id, cloud.state.add_volume(name).id)
    names = {volume.id: volume.name for volume in cloud.state.volumes.values()}
    answer = api.get(f"{attachments_path(server.id)}?{query}", version=version)
    assert [names[volume_id] for volume_id in volume_ids(answer)] == expected


def test_boot_volume_is_listed_as_vda(api: Api, cloud: Cloud) -> None:
    root = cloud.state.add_volume("root", size=10)
    server = cloud.state.add_server("vm", boot_volume=root.id)
    answer = api.get(attachments_path(server.id, root.id), version="2.89")
    assert answer.status_code == 200
    assert answer.get_json()["volumeAttachment"]["device"] == "/dev/vda"


# -- legacy attachments (no Cinder attachment id): index and show from 2.89, as
# nova.tests.unit.api.openstack.compute.test_volume_attachments pins them -----------------


@pytest.mark.parametrize(("version", "query", "listed", "legacy_shown"), [
    ("2.1", "", ["legacy", "modern"], True),
    ("2.88", "", ["legacy", "modern"], True),
    ("2.88", "limit=2", ["legacy"], True),
    ("2.89", "", ["modern"], False),
    ("2.89", "limit=2", [], False),
    ("latest", "offset=1", ["modern"], False),
])
def test_legacy_attachments(api: Api, cloud: Cloud, version: str, query: str,
                            listed: list[str], legacy_shown: bool) -> None:
    server = cloud.state.add_server("vm")
    legacy, modern = cloud.state.add_volume("legacy"), cloud.state.add_volume("modern")
    cloud.state.add_attachment(server.id, legacy.id, legacy=True)
    cloud.state.add_attachment(server.id, modern.id)
    names = {legacy.id: "legacy", modern.id: "modern"}
    answer = api.get(f"{attachments_path(server.id)}?{query}", version=version)
    assert [names[volume_id] for volume_id in volume_ids(answer)] == listed
    shown = api.get(attachments_path(server.id, legacy.id), version=version)
    if legacy_shown:
        assert shown.status_code == 200
        assert shown.get_json()["volumeAttachment"]["volumeId"] == legacy.id
    else:
        assert_fault(shown, 404, "itemNotFound",
                     NOT_ATTACHED.format(server=server.id, vol=legacy.id))


# -- query strings: schemas.volume_attachments.index_query and index_query_v275, with the
# messages of nova.api.validation.validators._SchemaValidator ------------------------------


def _query_message(name: str, value: str) -> str:
    return (f"Invalid input for query parameters {name}. Value: {value}. "
            f"'{value}' does not match '^[0-9]*$'")


UNKNOWN_FOO = "Additional properties are not allowed ('foo' was unexpected)"


@pytest.mark.parametrize(("server", "query", "version", "message"), [
    ("own", "limit=-9", "2.89", _query_message("limit", "-9")),
    ("own", "offset=-9", "2.1", _query_message("offset", "-9")),
    ("own", "limit=abc", "2.89", _query_message("limit", "abc")),
    ("own", "offset=abc", "2.74", _query_message("offset", "abc")),
    ("own", "limit=1&limit=abc", "2.89", _query_message("limit", "abc")),
    ("own", "offset=abc&offset=1", "2.89", _query_message("offset", "abc")),
    ("own", "limit=1.5", "2.89", _query_message("limit", "1.5")),
    ("own", "foo=1", "2.75", UNKNOWN_FOO),
    ("own", "limit=1&foo=1", "2.104", UNKNOWN_FOO),
    ("own", "foo=1", "latest", UNKNOWN_FOO),
    ("missing", "limit=abc", "2.89", _query_message("limit", "abc")),
    ("foreign", "foo=1", "2.89", UNKNOWN_FOO),
])
def test_list_query_refused(api: Api, cloud: Cloud, server: str, query: str, version: str,
                            message: str) -> None:
    """400 with upstream's text, checked before the server is looked up."""
    server_id = {"own": cloud.state.add_server("vm").id, "missing": MISSING,
                 "foreign": cloud.state.add_server("theirs", project="admin").id}[server]
    answer = api.get(f"{attachments_path(server_id)}?{query}", version=version)
    assert_fault(answer, 400, "badRequest", message)


@pytest.mark.parametrize("version", ["2.1", "2.74", "2.75", "2.101", "2.102", "2.104", "latest"])
def test_show_ignores_the_query_string(api: Api, cloud: Cloud, version: str) -> None:
    """show keeps schemas.volume_attachments.show_query (show_query_v2102 is never wired
    in): never validated, even from 2.102."""
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    cloud.state.add_attachment(server.id, volume.id)
    path = attachments_path(server.id, volume.id)
    plain = api.get(path, version=version)
    assert plain.status_code == 200
    answer = api.get(f"{path}?foo=1&limit=abc&offset=-9", version=version)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == plain.get_json()


# -- show errors: VolumeAttachmentController.show -----------------------------------------


@pytest.mark.parametrize(("volume", "version"), [
    ("missing", "2.1"),
    ("nonuuid", "2.89"),
    ("loose", "2.89"),
    ("elsewhere", "2.1"),
    ("elsewhere", "latest"),
])
def test_show_not_attached(api: Api, cloud: Cloud, volume: str, version: str) -> None:
    """The volume is not looked up in Cinder: one 404 text for every miss."""
    server, other = cloud.state.add_server("vm"), cloud.state.add_server("other")
    loose = cloud.state.add_volume("loose")
    elsewhere = cloud.state.add_volume("elsewhere")
    cloud.state.add_attachment(other.id, elsewhere.id)
    volume_id = {"missing": MISSING, "nonuuid": "abc", "loose": loose.id,
                 "elsewhere": elsewhere.id}[volume]
    answer = api.get(attachments_path(server.id, volume_id), version=version)
    assert_fault(answer, 404, "itemNotFound", NOT_ATTACHED.format(server=server.id,
                                                                  vol=volume_id))


# -- who may look: common.get_instance, then context.can with nova.policies.volumes_attachments


FOUND_NOT = "Instance {server} could not be found."


@pytest.mark.parametrize("operation", ["index", "show"])
@pytest.mark.parametrize(("server", "user", "status", "message"), [
    pytest.param("own", "demo", 200, None, id="member"),
    pytest.param("own", "reader", 200, None, id="reader"),
    pytest.param("own", "admin", 200, None, id="admin-other-project"),
    pytest.param("foreign", "admin", 200, None, id="admin-own-project"),
    pytest.param("foreign", "demo", 404, FOUND_NOT, id="member-foreign-server"),
    pytest.param("foreign", "reader", 404, FOUND_NOT, id="reader-foreign-server"),
    pytest.param("missing", "observer", 404, FOUND_NOT, id="missing-before-policy"),
    pytest.param("nonuuid", "demo", 404, FOUND_NOT, id="non-uuid-server"),
    pytest.param("deleted", "demo", 404, FOUND_NOT, id="deleted-server"),
    pytest.param("own", "observer", 403, "Policy doesn't allow "
                 "os_compute_api:os-volumes-attachments:{operation} to be performed.",
                 id="no-reader-role"),
])
def test_who_may_look(api: Api, cloud: Cloud, operation: str, server: str, user: str,
                      status: int, message: str | None) -> None:
    servers = {"own": cloud.state.add_server("vm"),
               "foreign": cloud.state.add_server("theirs", project="admin"),
               "deleted": cloud.state.add_server("gone", status="deleted")}
    volumes = {}
    for name, seeded in servers.items():
        volumes[name] = cloud.state.add_volume(name, project=seeded.project_id).id
        cloud.state.add_attachment(seeded.id, volumes[name])
    server_id = {"missing": MISSING, "nonuuid": "nonexistent"}.get(server) or servers[server].id
    volume_id = volumes.get(server, MISSING)
    path = attachments_path(server_id, volume_id if operation == "show" else None)
    answer = api.get(path, version="2.89", **as_user(api, cloud, user))
    if message is None:
        assert answer.status_code == status, answer.get_data(as_text=True)
        body = answer.get_json()
        items = body["volumeAttachments"] if operation == "index" else [body["volumeAttachment"]]
        assert [item["volumeId"] for item in items] == [volume_id]
    else:
        assert_fault(answer, status, {403: "forbidden", 404: "itemNotFound"}[status],
                     message.format(server=server_id, operation=operation))


# -- the project id in the path: ProjectMapper.create_route, wsgi.Resource._process_stack --

MALFORMED_URL = ("Malformed request URL: URL's project_id '{url}' doesn't match Context's "
                 "project_id '{token}'")


def _project_path(server_id: str, project_id: str, volume_id: str | None) -> str:
    return attachments_path(server_id, volume_id).replace(
        "/compute/v2.1/", f"/compute/v2.1/{project_id}/", 1)


@pytest.mark.parametrize(("method", "item", "success"), [
    ("GET", False, 200),
    ("GET", True, 200),
    ("POST", False, 200),
    ("DELETE", True, 202),
])
@pytest.mark.parametrize(("user", "url_project", "server", "outcome"), [
    ("demo", "demo", "own", "success"),
    ("admin", "admin", "own", "success"),
    ("demo", "demo", "missing", "missing"),
    ("demo", "admin", "own", "malformed"),
    ("admin", "demo", "own", "malformed"),
    ("demo", "admin", "missing", "malformed"),
])
def test_project_id_in_the_path(api: Api, cloud: Cloud, method: str, item: bool, success: int,
                                user: str, url_project: str, server: str,
                                outcome: str) -> None:
    """Works with the token's project; any other is 400, before the server lookup."""
    seeded = cloud.state.add_server("vm")
    attached, spare = cloud.state.add_volume("attached"), cloud.state.add_volume("spare")
    cloud.state.add_attachment(seeded.id, attached.id)
    server_id = seeded.id if server == "own" else MISSING
    url_id = cloud.state.find_project(url_project).id
    token_id = cloud.state.find_project(user).id
    path = _project_path(server_id, url_id, attached.id if item else None)
    kwargs: dict[str, Any] = {}
    if method == "POST":
        kwargs["json"] = {"volumeAttachment": {"volumeId": spare.id}}
    answer = api.request(method, path, user=user, version="2.89", **kwargs)
    if outcome == "malformed":
        assert_fault(answer, 400, "badRequest", MALFORMED_URL.format(url=url_id, token=token_id))
    elif outcome == "missing":
        assert_fault(answer, 404, "itemNotFound", f"Instance {server_id} could not be found.")
    else:
        assert answer.status_code == success, answer.get_data(as_text=True)


@pytest.mark.parametrize(("method", "query", "body"), [
    ("GET", "?limit=abc", None),
    ("GET", "?foo=1", None),
    ("POST", "", {}),
    ("POST", "", {"volumeAttachment": {"volumeId": "TESTVOLUME"}}),
])
def test_project_id_checked_before_the_request_schema(api: Api, cloud: Cloud, method: str,
                                                      query: str, body: Any) -> None:
    server = cloud.state.add_server("vm")
    url_id, token_id = (cloud.state.find_project(name).id for name in ("admin", "demo"))
    kwargs = {} if body is None else {"json": body}
    answer = api.request(method, _project_path(server.id, url_id, None) + query,
                         version="2.89", **kwargs)
    assert_fault(answer, 400, "badRequest", MALFORMED_URL.format(url=url_id, token=token_id))


def test_project_id_in_the_path_lists(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    cloud.state.add_attachment(server.id, volume.id)
    project = cloud.state.find_project("demo").id
    answer = api.get(_project_path(server.id, project, None), version="2.89")
    assert volume_ids(answer) == [volume.id]


def test_project_segment_that_is_not_hex_is_not_routed(api: Api, cloud: Cloud) -> None:
    """ProjectMapper._get_project_id_token: only [0-9a-f-]+ matches; anything else is
    nova.api.wsgi.Router's plain webob 404."""
    server = cloud.state.add_server("vm")
    answer = api.get(f"/compute/v2.1/demo/servers/{server.id}/os-volume_attachments",
                     version="2.89", headers={"Accept": "application/json"})
    assert answer.status_code == 404
    assert answer.get_json() == {"message": "The resource could not be found.<br /><br />\n\n\n",
                                 "code": "404 Not Found", "title": "Not Found"}
