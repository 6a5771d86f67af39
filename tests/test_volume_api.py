"""Cinder v3 under /volume: version documents, microversions and volumes, as upstream.

Upstream: Cinder's ``cinder.api.v3.views.volumes.ViewBuilder`` (the volume JSON clients
read), ``cinder.volume.api.API`` and ``cinder.db.api._get_statuses_from_attachments`` (the
status lifecycle), cinder/api/openstack/wsgi.py, cinder/api/v3/volumes.py and
cinder/api/schemas/volumes.py; and what the clients send: ``keystoneauth1.discover.Discover``
(discovery), ``openstack.block_storage.v3._proxy.Proxy``, ``openstack.resource.Resource.find``
and ``openstack.cloud._block_storage`` (the SDK), ``openstackclient.compute.v2.server``
``.AddServerVolume`` (the CLI).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app

from .conftest import Api, assert_fault, attachments_path

MISSING = "0f2bd3c4-84b5-4a9a-9d2e-4b7bd8c4f2a1"
ISO_MICROSECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
WEBOB_400 = ("The server could not comply with the request since it is either malformed or "
             "otherwise incorrect.")
DELETE_REFUSED = (
    "Invalid volume: Volume status must be available or error or error_restoring or "
    "error_extending or error_managing and must not be migrating, attached, belong to a group, "
    "have snapshots, awaiting a transfer, or be disassociated from snapshots after volume "
    "transfer.")

CORE = {"id", "status", "size", "availability_zone", "created_at", "updated_at", "name",
        "description", "volume_type", "snapshot_id", "source_volid", "metadata", "links",
        "user_id", "bootable", "encrypted", "replication_status", "consistencygroup_id",
        "multiattach", "attachments"}
# (version, keys everyone gets from it, keys only admins get from it)
ADDED = [("3.0", set(), {"migration_status"}),
         ("3.13", {"group_id"}, set()),
         ("3.21", set(), {"provider_id"}),
         ("3.48", {"shared_targets", "service_uuid"}, set()),
         ("3.61", set(), {"cluster_name"}),
         ("3.63", {"volume_type_id"}, set()),
         ("3.65", {"consumes_quota"}, set())]
EXTENDED = ({"os-vol-tenant-attr:tenant_id"},
            {"os-vol-host-attr:host", "os-vol-mig-status-attr:migstat",
             "os-vol-mig-status-attr:name_id"})


def expected_keys(version: str, admin: bool, extended: bool) -> set[str]:
    effective = "3.71" if version == "latest" else version
    keys = set(CORE)
    for added_at, everyone, admins in ADDED:
        if tuple(map(int, effective.split("."))) >= tuple(map(int, added_at.split("."))):
            keys |= everyone | (admins if admin else set())
    if extended:
        keys |= EXTENDED[0] | (EXTENDED[1] if admin else set())
    return keys


def cinder(version: str | None = "3.71", **headers: str) -> dict[str, str]:
    """Request headers carrying a volume microversion."""
    sent = dict(headers)
    if version is not None:
        sent["OpenStack-API-Version"] = f"volume {version}"
    return sent


def project_id(cloud: Cloud, name: str = "demo") -> str:
    return cloud.state.find_project(name).id


def volumes_path(cloud: Cloud, rest: str = "", project: str = "demo") -> str:
    return f"/volume/v3/{project_id(cloud, project)}/volumes{rest}"


def create(api: Api, cloud: Cloud, body: dict[str, Any] | None = None, user: str = "demo",
           version: str = "3.71") -> TestResponse:
    payload = {"volume": {"size": 1, "name": "vol"}} if body is None else body
    return api.post(volumes_path(cloud, project="admin" if user == "admin" else "demo"),
                    user=user, json=payload, headers=cinder(version))


def show(api: Api, cloud: Cloud, volume_id: str, user: str = "demo",
         version: str | None = "3.71") -> dict[str, Any]:
    answer = api.get(volumes_path(cloud, f"/{volume_id}",
                                  project="admin" if user == "admin" else "demo"),
                     user=user, headers=cinder(version))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    volume: dict[str, Any] = answer.get_json()["volume"]
    return volume


def listed(answer: TestResponse) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [item["id"] for item in answer.get_json()["volumes"]]


# -- version documents -----------------------------------------------------------------


def version_list(host: str = "http://localhost/") -> dict[str, Any]:
    return {"versions": [{
        "id": "v3.0", "status": "CURRENT", "version": "3.71", "min_version": "3.0",
        "updated": "2023-08-31T00:00:00Z",
        "links": [{"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": f"{host}volume/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}]}]}


@pytest.mark.parametrize(("path", "status"), [("/volume/", 300), ("/volume/v3/", 200)])
@pytest.mark.parametrize("token", [None, "gAAAAAbogus"])
def test_version_documents(api: Api, path: str, status: int, token: str | None) -> None:
    """No token needed (a bogus one is not even read); the same list at both paths."""
    answer = api.get(path, user=None, headers={"X-Auth-Token": token} if token else {})
    assert answer.status_code == status
    assert answer.get_json() == version_list()
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["OpenStack-API-Version"] == "volume 3.0"
    assert answer.headers["x-compute-request-id"] == answer.headers["x-openstack-request-id"]


def test_version_document_links_follow_the_host(api: Api) -> None:
    answer = api.get("/volume/v3/", user=None, headers={"Host": "cloud.example:8776"})
    assert answer.get_json() == version_list("http://cloud.example:8776/")


@pytest.mark.parametrize(("path", "location"), [("/volume", "/volume/"),
                                                ("/volume/v3", "/volume/v3/")])
def test_paths_without_the_slash_redirect(api: Api, path: str, location: str) -> None:
    """The routes library's redirect: 302, empty, no version headers."""
    answer = api.get(path, user=None)
    assert answer.status_code == 302
    assert answer.headers["Location"] == location
    assert answer.get_data() == b""
    assert "OpenStack-API-Version" not in answer.headers


def test_version_documents_negotiate_too(api: Api) -> None:
    answer = api.get("/volume/v3/", user=None, headers=cinder("3.72"))
    assert_fault(answer, 406, "computeFault",
                 "Version 3.72 is not supported by the API. Minimum is 3.0 and maximum is 3.71.")
    assert api.get("/volume/", user=None, headers=cinder("latest")).headers[
        "OpenStack-API-Version"] == "volume 3.71"


def test_keystoneauth_discovery_and_sdk_calls(api: Api, cloud: Cloud) -> None:
    """What openstacksdk does: discovery without a token, then create, get, list by name."""
    assert api.get("/volume/v3/", user=None).status_code == 200
    created = create(api, cloud, {"volume": {"size": 1, "name": "sdk"}})
    assert created.status_code == 202
    volume = created.get_json()["volume"]
    assert show(api, cloud, volume["id"])["status"] == "available"
    # The CLI's lookup by name: GET volumes/NAME (404), then detail?name=NAME.
    miss = api.get(volumes_path(cloud, "/sdk"), headers=cinder())
    assert_fault(miss, 404, "itemNotFound", "Volume sdk could not be found.")
    found = api.get(volumes_path(cloud, "/detail?name=sdk"), headers=cinder())
    assert listed(found) == [volume["id"]]


# -- microversions ---------------------------------------------------------------------


@pytest.mark.parametrize(("header", "served"), [
    (None, "3.0"), ("volume 3.0", "3.0"), ("volume 3.48", "3.48"), ("volume 3.71", "3.71"),
    ("volume latest", "3.71"), ("compute 2.89, volume 3.50", "3.50"),
])
def test_served_version(api: Api, cloud: Cloud, header: str | None, served: str) -> None:
    headers = {"OpenStack-API-Version": header} if header else {}
    answer = api.get(volumes_path(cloud), headers=headers)
    assert answer.status_code == 200
    assert answer.headers["OpenStack-API-Version"] == f"volume {served}"
    assert answer.headers["Vary"] == "OpenStack-API-Version"
    assert "X-OpenStack-Nova-API-Version" not in answer.headers


@pytest.mark.parametrize("version", ["2.0", "3.72", "4.0"])
def test_version_out_of_range(api: Api, cloud: Cloud, version: str) -> None:
    """406, and the answer still names the version asked for."""
    answer = api.get(volumes_path(cloud), headers=cinder(version))
    assert_fault(answer, 406, "computeFault",
                 f"Version {version} is not supported by the API. Minimum is 3.0 and maximum "
                 "is 3.71.")
    assert answer.headers["OpenStack-API-Version"] == f"volume {version}"
    assert answer.headers["Vary"] == "OpenStack-API-Version"


@pytest.mark.parametrize("version", ["3", "3.01", "v3.5", "3.x", "03.1"])
def test_malformed_version(api: Api, cloud: Cloud, version: str) -> None:
    answer = api.get(volumes_path(cloud), headers=cinder(version))
    assert_fault(answer, 400, "badRequest",
                 f"API Version String {version} is of invalid format. Must be of format "
                 "MajorNum.MinorNum.")
    assert "OpenStack-API-Version" not in answer.headers


@pytest.mark.parametrize("header", ["compute 2.89", ""])
def test_header_without_a_volume_version(api: Api, cloud: Cloud, header: str) -> None:
    """Upstream raises VersionNotFoundForAPIMethod, which its fault wrapper does not explain."""
    answer = api.get(volumes_path(cloud), headers={"OpenStack-API-Version": header})
    assert_fault(answer, 400, "badRequest", WEBOB_400)


# -- the volume JSON per microversion --------------------------------------------------


VERSIONS = ["3.0", "3.12", "3.13", "3.21", "3.47", "3.48", "3.60", "3.61", "3.63", "3.64",
            "3.65", "3.71", "latest"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("user", ["demo", "admin"])
def test_show_and_detail_keys(api: Api, cloud: Cloud, version: str, user: str) -> None:
    """Show and list detail add the os-vol-* extension attributes (host ones admin only)."""
    volume = cloud.state.add_volume("data", project=user)
    expected = expected_keys(version, user == "admin", extended=True)
    assert set(show(api, cloud, volume.id, user=user, version=version)) == expected
    answer = api.get(volumes_path(cloud, "/detail", project=user), user=user,
                     headers=cinder(version))
    [item] = answer.get_json()["volumes"]
    assert set(item) == expected


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("user", ["demo", "admin"])
def test_create_and_update_keys(api: Api, cloud: Cloud, version: str, user: str) -> None:
    """Create and update answers are the view without the extensions."""
    answer = create(api, cloud, user=user, version=version)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    volume = answer.get_json()["volume"]
    assert set(volume) == expected_keys(version, user == "admin", extended=False)
    path = volumes_path(cloud, f"/{volume['id']}", project=user)
    updated = api.put(path, user=user, json={"volume": {"name": "new"}},
                      headers=cinder(version))
    assert updated.status_code == 200
    assert set(updated.get_json()["volume"]) == set(volume)


def test_summary_list_keys(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    answer = api.get(volumes_path(cloud), headers=cinder())
    [item] = answer.get_json()["volumes"]
    assert item == {"id": volume.id, "name": "data", "links": [
        {"rel": "self",
         "href": f"http://localhost/volume/v3/{project_id(cloud)}/volumes/{volume.id}"},
        {"rel": "bookmark",
         "href": f"http://localhost/volume/{project_id(cloud)}/volumes/{volume.id}"}]}
    assert "volumes_links" not in answer.get_json()


def test_full_body_for_a_member(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data", size=3)
    body = show(api, cloud, volume.id)
    assert ISO_MICROSECONDS.match(body.pop("created_at"))
    user_id = cloud.state.find_user("demo").id
    project = project_id(cloud)
    assert body == {
        "id": volume.id, "status": "available", "size": 3, "availability_zone": "nova",
        "updated_at": None, "name": "data", "description": None, "volume_type": "lvmdriver-1",
        "snapshot_id": None, "source_volid": None, "metadata": {},
        "links": [{"rel": "self",
                   "href": f"http://localhost/volume/v3/{project}/volumes/{volume.id}"},
                  {"rel": "bookmark",
                   "href": f"http://localhost/volume/{project}/volumes/{volume.id}"}],
        "user_id": user_id, "bootable": "false", "encrypted": False,
        "replication_status": "disabled", "consistencygroup_id": None, "multiattach": False,
        "attachments": [], "group_id": None, "shared_targets": False,
        "service_uuid": body["service_uuid"], "volume_type_id": body["volume_type_id"],
        "consumes_quota": True, "os-vol-tenant-attr:tenant_id": project}
    assert body["service_uuid"] and body["volume_type_id"]


def test_admin_extras(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data", migration_status="success")
    body = show(api, cloud, volume.id, user="admin")
    assert body["migration_status"] == "success"
    assert body["os-vol-mig-status-attr:migstat"] == "success"
    assert body["os-vol-mig-status-attr:name_id"] is None
    assert body["os-vol-host-attr:host"] == "fakenova@lvmdriver-1#lvmdriver-1"
    assert body["provider_id"] is None and body["cluster_name"] is None
    assert body["os-vol-tenant-attr:tenant_id"] == project_id(cloud)


def test_bootable_is_a_string(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("root", bootable=True)
    assert show(api, cloud, volume.id)["bootable"] == "true"
    from_image = create(api, cloud, {"volume": {"size": 1, "imageRef": "cirros"}})
    assert from_image.get_json()["volume"]["bootable"] == "true"


def test_volume_type_name_and_id(api: Api, cloud: Cloud) -> None:
    answer = create(api, cloud, {"volume": {"size": 1, "volume_type": "multiattach"}})
    volume = answer.get_json()["volume"]
    assert (volume["volume_type"], volume["multiattach"]) == ("multiattach", True)
    by_id = create(api, cloud, {"volume": {"size": 1, "volume_type": volume["volume_type_id"]}})
    assert by_id.get_json()["volume"]["volume_type"] == "multiattach"


# -- lifecycle on the clock ------------------------------------------------------------


def test_create_then_delete_immediate(api: Api, cloud: Cloud) -> None:
    """The default clock: available in the create answer, gone after the delete answer."""
    answer = create(api, cloud, {"volume": {"size": "2", "name": " spaced ",
                                            "description": "d", "metadata": {"k": "v"}}})
    assert answer.status_code == 202
    volume = answer.get_json()["volume"]
    assert (volume["status"], volume["size"], volume["name"]) == ("available", 2, "spaced")
    assert (volume["description"], volume["metadata"]) == ("d", {"k": "v"})
    deleted = api.delete(volumes_path(cloud, f"/{volume['id']}"), headers=cinder())
    assert deleted.status_code == 202
    assert deleted.get_data() == b""
    assert deleted.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert deleted.headers["OpenStack-API-Version"] == "volume 3.71"
    assert "x-compute-request-id" not in deleted.headers
    gone = api.get(volumes_path(cloud, f"/{volume['id']}"), headers=cinder())
    assert_fault(gone, 404, "itemNotFound", f"Volume {volume['id']} could not be found.")


def test_create_then_delete_manual_clock() -> None:
    app = create_app(clock="manual")
    api, cloud = Api(app), app.extensions["fakenova"]
    answer = create(api, cloud, user="admin")
    volume = answer.get_json()["volume"]
    assert volume["status"] == "creating"
    assert (volume["shared_targets"], volume["service_uuid"]) == (True, None)
    assert show(api, cloud, volume["id"], user="admin")["os-vol-host-attr:host"] is None
    assert show(api, cloud, volume["id"], user="admin")["status"] == "creating"
    cloud.state.clock.advance(1)
    now = show(api, cloud, volume["id"], user="admin")
    assert (now["status"], now["shared_targets"]) == ("available", False)
    assert now["service_uuid"] is not None and ISO_MICROSECONDS.match(now["updated_at"])
    path = volumes_path(cloud, f"/{volume['id']}", project="admin")
    assert api.delete(path, user="admin", headers=cinder()).status_code == 202
    assert show(api, cloud, volume["id"], user="admin")["status"] == "deleting"
    again = api.delete(path, user="admin", headers=cinder())
    assert_fault(again, 400, "badRequest", DELETE_REFUSED)
    cloud.state.clock.advance(1)
    assert api.get(path, user="admin", headers=cinder()).status_code == 404


# -- attachments made through Nova -----------------------------------------------------


def attach_through_nova(api: Api, server_id: str, volume_id: str) -> TestResponse:
    return api.post(attachments_path(server_id), version="2.89",
                    json={"volumeAttachment": {"volumeId": volume_id}})


def test_nova_attachment_shows_in_cinder(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    volume_id = create(api, cloud).get_json()["volume"]["id"]
    assert attach_through_nova(api, server.id, volume_id).status_code == 200
    [nova] = api.get(attachments_path(server.id), version="2.89").get_json()["volumeAttachments"]
    member = show(api, cloud, volume_id)
    assert member["status"] == "in-use"
    [entry] = member["attachments"]
    assert ISO_MICROSECONDS.match(entry.pop("attached_at"))
    assert entry == {"id": volume_id, "attachment_id": nova["attachment_id"],
                     "volume_id": volume_id, "server_id": server.id, "host_name": None,
                     "device": nova["device"]}
    [seen_by_admin] = show(api, cloud, volume_id, user="admin")["attachments"]
    assert seen_by_admin["host_name"] == server.host
    assert seen_by_admin["attachment_id"] == nova["attachment_id"]


def test_attachment_listed_only_once_attached() -> None:
    app = create_app(clock="manual")
    api, cloud = Api(app), app.extensions["fakenova"]
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    assert attach_through_nova(api, server.id, volume.id).status_code == 200
    for status in ("reserved", "attaching"):
        body = show(api, cloud, volume.id)
        assert (body["status"], body["attachments"]) == (status, [])
        cloud.state.clock.advance(1)
    body = show(api, cloud, volume.id)
    assert body["status"] == "in-use"
    assert [a["server_id"] for a in body["attachments"]] == [server.id]


def test_deleting_an_attached_volume_is_refused(api: Api, cloud: Cloud) -> None:
    """400 and nothing changes (conftest checks the state)."""
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id)
    answer = api.delete(volumes_path(cloud, f"/{volume.id}"), headers=cinder())
    assert_fault(answer, 400, "badRequest", DELETE_REFUSED)
    assert answer.headers["x-compute-request-id"] == answer.headers["x-openstack-request-id"]
    assert show(api, cloud, volume.id)["status"] == "in-use"


# -- lookups and projects --------------------------------------------------------------


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PUT", {"volume": {"name": "x"}}),
                                              ("DELETE", None)])
@pytest.mark.parametrize("whose", ["missing", "admin"])
def test_not_found(api: Api, cloud: Cloud, method: str, body: Any, whose: str) -> None:
    """A missing volume and another project's volume are the same 404 for demo."""
    volume_id = MISSING if whose == "missing" else cloud.state.add_volume("x", "admin").id
    kwargs: dict[str, Any] = {"json": body} if body else {}
    answer = api.request(method, volumes_path(cloud, f"/{volume_id}"), headers=cinder(),
                         **kwargs)
    assert_fault(answer, 404, "itemNotFound", f"Volume {volume_id} could not be found.")


def test_admin_sees_other_projects(api: Api, cloud: Cloud) -> None:
    mine = cloud.state.add_volume("mine")
    theirs = cloud.state.add_volume("theirs", "admin")
    assert show(api, cloud, mine.id, user="admin")["id"] == mine.id
    admin_list = volumes_path(cloud, project="admin")
    assert listed(api.get(admin_list, user="admin", headers=cinder())) == [theirs.id]
    everyone = listed(api.get(f"{admin_list}?all_tenants=1", user="admin", headers=cinder()))
    assert sorted(everyone) == sorted([mine.id, theirs.id])
    bad = api.get(f"{admin_list}?all_tenants=maybe", user="admin", headers=cinder())
    assert_fault(bad, 400, "badRequest", "Value 'maybe' for 'all_tenants' is not a boolean.")


@pytest.mark.parametrize("version", ["3.0", "3.71"])
def test_members_cannot_list_all_tenants(api: Api, cloud: Cloud, version: str) -> None:
    """all_tenants is dropped silently for non-admins, at every version."""
    mine = cloud.state.add_volume("mine")
    cloud.state.add_volume("theirs", "admin")
    answer = api.get(volumes_path(cloud, "?all_tenants=true"), headers=cinder(version))
    assert listed(answer) == [mine.id]


def test_project_id_must_be_the_tokens(api: Api, cloud: Cloud) -> None:
    answer = api.get(volumes_path(cloud, project="admin"), headers=cinder())
    assert_fault(answer, 400, "badRequest", "Malformed request url")


def test_project_id_is_optional(api: Api, cloud: Cloud) -> None:
    """3.67's URLs; links then leave the project id out too."""
    volume = cloud.state.add_volume("data")
    answer = api.get(f"/volume/v3/volumes/{volume.id}", headers=cinder("3.0"))
    assert answer.status_code == 200
    assert answer.get_json()["volume"]["links"][0]["href"] == (
        f"http://localhost/volume/v3/volumes/{volume.id}")


# -- list filters and pagination -------------------------------------------------------


def test_filters_by_name_and_status(api: Api, cloud: Cloud) -> None:
    a = cloud.state.add_volume("a")
    b = cloud.state.add_volume("b", status="error")
    assert listed(api.get(volumes_path(cloud, "?name=a"), headers=cinder())) == [a.id]
    assert listed(api.get(volumes_path(cloud, "/detail?status=error"),
                          headers=cinder())) == [b.id]


def test_filters_a_member_may_not_use(api: Api, cloud: Cloud) -> None:
    """Refused from 3.31, dropped before; admins may use any."""
    volume = cloud.state.add_volume("a")
    refused = api.get(volumes_path(cloud, "?foo=1&name=a&bar=2"), headers=cinder("3.31"))
    assert_fault(refused, 400, "badRequest", "Invalid filters foo,bar are found in query options.")
    assert listed(api.get(volumes_path(cloud, "?foo=1"), headers=cinder("3.30"))) == [volume.id]
    counted = api.get(volumes_path(cloud, "?with_count=true"), headers=cinder("3.44"))
    assert_fault(counted, 400, "badRequest",
                 "Invalid filters with_count are found in query options.")


def test_default_order_is_newest_first(api: Api, cloud: Cloud) -> None:
    ids = [cloud.state.add_volume(name).id for name in ("one", "two", "three")]
    assert listed(api.get(volumes_path(cloud), headers=cinder())) == ids[::-1]


def test_sort_limit_marker_offset(api: Api, cloud: Cloud) -> None:
    by_name = {name: cloud.state.add_volume(name).id for name in ("b", "c", "a", "d")}
    first = api.get(volumes_path(cloud, "?sort=name:asc&limit=2"), headers=cinder())
    assert listed(first) == [by_name["a"], by_name["b"]]
    [link] = first.get_json()["volumes_links"]
    assert link["rel"] == "next"
    assert link["href"] == (f"http://localhost{volumes_path(cloud)}?sort=name%3Aasc&limit=2"
                            f"&marker={by_name['b']}")
    second = api.get(link["href"].removeprefix("http://localhost"), headers=cinder())
    assert listed(second) == [by_name["c"], by_name["d"]]
    last = api.get(volumes_path(cloud, f"?sort_key=name&sort_dir=asc&marker={by_name['d']}"),
                   headers=cinder())
    assert listed(last) == []
    skipped = api.get(volumes_path(cloud, "/detail?sort=name&offset=1&limit=10"),
                      headers=cinder())
    assert listed(skipped) == [by_name["c"], by_name["b"], by_name["a"]]
    assert "volumes_links" not in skipped.get_json()


def test_with_count(api: Api, cloud: Cloud) -> None:
    for name in ("a", "b", "c"):
        cloud.state.add_volume(name)
    answer = api.get(volumes_path(cloud, "?with_count=true&limit=1"), headers=cinder("3.45"))
    assert answer.get_json()["count"] == 3
    assert len(answer.get_json()["volumes"]) == 1
    assert "volumes_links" in answer.get_json()


@pytest.mark.parametrize(("query", "message"), [
    ("limit=x", "limit param must be an integer"),
    ("limit=-1", "limit param must be positive"),
    ("offset=x", "offset must be an integer"),
    ("offset=-1", "offset must be >= 0"),
    ("sort=name&sort_key=size", "The 'sort_key' and 'sort_dir' parameters are deprecated and "
                                "cannot be used with the 'sort' parameter."),
    ("sort=name:up", "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'."),
    ("sort=colour", "Invalid input received: Invalid sort key"),
    ("with_count=perhaps", "Value 'perhaps' for 'with_count' is not a boolean."),
])
def test_bad_list_queries(api: Api, cloud: Cloud, query: str, message: str) -> None:
    answer = api.get(volumes_path(cloud, f"?{query}"), headers=cinder())
    assert_fault(answer, 400, "badRequest", message)


def test_unknown_marker(api: Api, cloud: Cloud) -> None:
    answer = api.get(volumes_path(cloud, f"?marker={MISSING}"), headers=cinder())
    assert_fault(answer, 404, "itemNotFound", f"Volume {MISSING} could not be found.")


# -- create and update bodies ----------------------------------------------------------


@pytest.mark.parametrize(("version", "volume", "status", "message"), [
    ("3.71", {"name": "no size"}, 400,
     "Invalid input received: Volume size 'None' must be an integer and greater than 0"),
    ("3.71", {"size": 0}, 400,
     "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1"),
    ("3.71", {"size": "0"}, 400,
     "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1"),
    ("3.71", {"size": "big"}, 400,
     "Invalid input for field/attribute size. Value: big. 'big' does not match '^[0-9]+$'"),
    ("3.71", {"size": 1, "name": "n" * 256}, 400,
     "Invalid input received: name has 256 characters, more than 255."),
    ("3.71", {"size": 1, "description": "d" * 300}, 400,
     "Invalid input received: description has 300 characters, more than 255."),
    ("3.71", {"size": 1, "snapshot_id": "x"}, 400,
     "Invalid input for field/attribute snapshot_id. Value: x. 'x' is not valid under any of "
     "the given schemas"),
    ("3.71", {"size": 1, "metadata": {"k": 1}}, 400,
     "Invalid input for field/attribute k. Value: 1. 1 is not of type 'string'"),
    ("3.71", {"size": 1, "colour": "red"}, 400,
     "Invalid input for field/attribute volume. Value: {'size': 1, 'colour': 'red'}. "
     "Additional properties are not allowed ('colour' was unexpected)"),
    ("3.71", {"size": 1, "multiattach": True}, 400,
     "multiattach parameter has been removed. The default behavior is to use multiattach "
     "enabled volume types. Contact your administrator to create a multiattach enabled volume "
     "type and use it to create multiattach volumes."),
    ("3.71", {"size": 1, "multiattach": None}, 400,
     "Value 'None' for 'multiattach' is not a boolean."),
    ("3.71", {"size": 1, "volume_type": "gold"}, 404,
     "Volume type with name gold could not be found."),
    ("3.71", {"size": 1, "volume_type": MISSING}, 404,
     f"Volume type {MISSING} could not be found."),
    ("3.71", {"size": 1, "availability_zone": "mars"}, 400,
     "Availability zone 'mars' is invalid."),
    ("3.71", {"size": 1, "snapshot_id": MISSING}, 404,
     f"Snapshot {MISSING} could not be found."),
    ("3.71", {"size": 1, "source_volid": MISSING}, 404,
     f"Volume {MISSING} could not be found."),
    ("3.71", {"size": 1, "backup_id": MISSING}, 404, f"Backup {MISSING} could not be found."),
    ("3.46", {"size": 1, "backup_id": "x"}, 404, "Backup x could not be found."),
    ("3.47", {"size": 1, "backup_id": "x"}, 400,
     "Invalid input for field/attribute backup_id. Value: x. 'x' is not valid under any of "
     "the given schemas"),
])
def test_create_refused(api: Api, cloud: Cloud, version: str, volume: dict[str, Any],
                        status: int, message: str) -> None:
    answer = api.post(volumes_path(cloud), data=json.dumps({"volume": volume}),
                      headers=cinder(version, **{"Content-Type": "application/json"}))
    key = {400: "badRequest", 404: "itemNotFound"}[status]
    assert_fault(answer, status, key, message)
    assert answer.headers["OpenStack-API-Version"] == f"volume {version}"


@pytest.mark.parametrize(("body", "message"), [
    ({}, "'volume' is a required property"),
    ([], "[] is not of type 'object'"),
    ({"volume": {"size": 1}, "extra": 1},
     "Additional properties are not allowed ('extra' was unexpected)"),
])
def test_create_body_shape(api: Api, cloud: Cloud, body: Any, message: str) -> None:
    assert_fault(create(api, cloud, body), 400, "badRequest", message)


def test_unknown_keys_pass_before_3_53(api: Api, cloud: Cloud) -> None:
    answer = create(api, cloud, {"volume": {"size": 1, "colour": "red"}}, version="3.52")
    assert answer.status_code == 202


def test_clone_takes_the_source_size(api: Api, cloud: Cloud) -> None:
    source = cloud.state.add_volume("src", size=5)
    answer = create(api, cloud, {"volume": {"source_volid": source.id}})
    assert answer.get_json()["volume"]["size"] == 5
    smaller = create(api, cloud, {"volume": {"source_volid": source.id, "size": 2}})
    assert_fault(smaller, 400, "badRequest",
                 "Invalid input received: Volume size '2'GB cannot be smaller than original "
                 "volume size  5GB. They must be >= original volume size.")


def test_update(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("old")
    path = volumes_path(cloud, f"/{volume.id}")
    answer = api.put(path, json={"volume": {"name": " new ", "description": "about",
                                            "metadata": {"a": "1"}}}, headers=cinder())
    assert answer.status_code == 200
    body = answer.get_json()["volume"]
    assert (body["name"], body["description"], body["metadata"]) == ("new", "about", {"a": "1"})
    again = api.put(path, json={"volume": {"metadata": {"b": "2"}}}, headers=cinder())
    assert again.get_json()["volume"]["metadata"] == {"b": "2"}


@pytest.mark.parametrize(("version", "volume", "message"), [
    ("3.53", {}, "Invalid input for field/attribute volume. Value: {}. {} is not valid under "
                 "any of the given schemas"),
    ("3.0", {"size": 2}, "Invalid input for field/attribute volume. Value: {'size': 2}. "
                         "Additional properties are not allowed ('size' was unexpected)"),
    ("3.0", {"metadata": None}, "Invalid input for field/attribute metadata. Value: None. "
                                "None is not of type 'object'"),
])
def test_update_refused(api: Api, cloud: Cloud, version: str, volume: dict[str, Any],
                        message: str) -> None:
    target = cloud.state.add_volume("v")
    answer = api.put(volumes_path(cloud, f"/{target.id}"), json={"volume": volume},
                     headers=cinder(version))
    assert_fault(answer, 400, "badRequest", message)


def test_empty_update_before_3_53(api: Api, cloud: Cloud) -> None:
    target = cloud.state.add_volume("v")
    answer = api.put(volumes_path(cloud, f"/{target.id}"), json={"volume": {}},
                     headers=cinder("3.52"))
    assert answer.status_code == 200


def test_update_in_maintenance(api: Api, cloud: Cloud) -> None:
    target = cloud.state.add_volume("v", status="maintenance")
    answer = api.put(volumes_path(cloud, f"/{target.id}"), json={"volume": {"name": "x"}},
                     headers=cinder())
    assert_fault(answer, 400, "badRequest",
                 "Invalid volume: The volume cannot be updated during maintenance.")


# -- the request pipeline --------------------------------------------------------------


@pytest.mark.parametrize(("method", "rest", "data", "content_type", "status", "key", "message"), [
    ("POST", "", b"{not json", "application/json", 400, "badRequest", "Malformed request body"),
    ("POST", "", b'{"volume": {"size": 1}}', "application/xml", 415, "badMediaType",
     "Unsupported Content-Type"),
    # Upstream answers these two with a 500; fakenova never answers bad input with a 500.
    ("POST", "", b"", "application/json", 400, "badRequest",
     "Missing required element 'volume' in request body."),
    ("POST", "", b'{"volume": {"size": 1}}', None, 400, "badRequest",
     "Missing required element 'volume' in request body."),
    ("GET", "", b"{}", "application/json", 400, "badRequest", WEBOB_400),
    ("DELETE", f"/{MISSING}", b"{}", "application/json", 400, "badRequest", WEBOB_400),
])
def test_body_handling(api: Api, cloud: Cloud, method: str, rest: str, data: bytes,
                       content_type: str | None, status: int, key: str, message: str) -> None:
    headers = cinder()
    if content_type:
        headers["Content-Type"] = content_type
    answer = api.request(method, volumes_path(cloud, rest), data=data, headers=headers)
    assert_fault(answer, status, key, message)
    assert answer.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert answer.headers["x-compute-request-id"] == answer.headers["x-openstack-request-id"]


@pytest.mark.parametrize("resource", ["volumes", "snapshots", "backups"])
@pytest.mark.parametrize(("data", "content_type"), [(b"", "application/json"),
                                                     (b'{"os-reserve": null}', None)])
def test_an_action_without_a_body_or_its_content_type_names_no_action(
        api: Api, cloud: Cloud, resource: str, data: bytes, content_type: str | None) -> None:
    """Cinder's wsgi.Resource finds no media type, so no action: a KeyError of None."""
    headers = cinder()
    if content_type:
        headers["Content-Type"] = content_type
    path = volumes_path(cloud).replace("/volumes", f"/{resource}") + f"/{MISSING}/action"
    answer = api.request("POST", path, data=data, headers=headers)
    assert_fault(answer, 400, "badRequest", "There is no such action: None. Verify the "
                 "request body and Content-Type header and try again.")


def test_vendor_json_content_type(api: Api, cloud: Cloud) -> None:
    answer = api.post(volumes_path(cloud), data=b'{"volume": {"size": 1}}',
                      headers=cinder(**{"Content-Type": "application/vnd.openstack.volume+json"}))
    assert answer.status_code == 202


def test_token_required(api: Api, cloud: Cloud) -> None:
    """keystonemiddleware's 401 comes before anything Cinder does."""
    answer = api.get(volumes_path(cloud), user=None, headers=cinder("9.9"))
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == 401
    assert "OpenStack-API-Version" not in answer.headers
    assert "x-compute-request-id" not in answer.headers


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/volume/v3/{project}/nothing"),
    ("PATCH", "/volume/v3/{project}/volumes/" + MISSING),
    ("POST", "/volume/v3/{project}/volumes/" + MISSING),
    ("GET", "/volume/v3/not-a-project/volumes"),
    ("GET", "/volume/v2/"),
])
def test_unrouted_is_webob_404(api: Api, cloud: Cloud, method: str, path: str) -> None:
    answer = api.request(method, path.format(project=project_id(cloud)),
                         headers=cinder(Accept="application/json"))
    assert answer.status_code == 404
    assert answer.get_json() == {"message": "The resource could not be found.<br /><br />\n\n\n",
                                 "code": "404 Not Found", "title": "Not Found"}
    assert "OpenStack-API-Version" not in answer.headers
    assert "x-compute-request-id" not in answer.headers
