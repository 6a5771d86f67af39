"""Glance v2 images at ``/image``, as a client sees them over HTTP.

Upstream: api-ref image-v2 ("Images", "Image data", "Image tags", "Image schemas",
"Versions"); glance.api.versions.Controller and the version negotiation filter;
glance.api.v2.images (RequestDeserializer, ImagesController, ResponseSerializer),
glance.api.v2.image_data, image_actions and image_tags; glance.domain.Image;
glance.api.v2.policy.ImageAPIPolicy over glance.policies.image; the visibility rules of
glance.db.sqlalchemy.api (_select_images_query, image_get_all). Errors are webob's, shaped by
the Accept header (JSON here, for most).
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from flask import Flask
from tempest.lib import exceptions as tempest_exc
from tempest.lib.services.image.v2.images_client import ImagesClient
from werkzeug.test import TestResponse

from fakenova import Cloud, consistency, create_app
from fakenova.domain import images as image_ops
from fakenova.domain.model import Context, expand_roles
from fakenova.http.image import pipeline
from fakenova.testing.handle import Fakenova

from .conftest import Api, as_user
from .tempest_auth import provider

IMAGES = "/image/v2/images"
PATCH_21 = "application/openstack-images-v2.1-json-patch"
PATCH_20 = "application/openstack-images-v2.0-json-patch"
MISSING = "0b4c2a9e-4d1f-4f5a-9c3e-7a8b6d5e4f30"
JSON = {"Accept": "application/json"}


def call(api: Api, method: str, path: str, user: str = "demo", *, body: Any = None,
         data: bytes | None = None, headers: dict[str, str] | None = None) -> TestResponse:
    kwargs = as_user(api, api.cloud, user)
    sent = {**JSON, **kwargs.pop("headers", {}), **(headers or {})}
    if body is not None:
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    return api.request(method, path, headers=sent, data=data, **kwargs)


def patch(api: Api, image_id: str, changes: Any, user: str = "demo",
          media: str = PATCH_21) -> TestResponse:
    return call(api, "PATCH", f"{IMAGES}/{image_id}", user, body=changes,
                headers={"Content-Type": media})


def assert_webob(answer: TestResponse, status: int, message: str) -> None:
    """webob's JSON error body, as Glance answers an ``Accept: application/json`` client."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["code"].startswith(f"{status} ")
    assert body["message"] == f"{message}<br /><br />\n\n\n", body["message"]


def own_image(cloud: Cloud, name: str = "mine", **kwargs: Any) -> str:
    """A queued image of project demo, created as Glance's API would."""
    ctx = _context(cloud, "demo")
    kwargs.setdefault("disk_format", "raw")
    kwargs.setdefault("container_format", "bare")
    return image_ops.create_image(cloud.state, ctx, name, **kwargs).id


def _context(cloud: Cloud, user: str) -> Context:
    found = cloud.state.find_user(user)
    project = next(iter(found.roles))
    return Context(user_id=found.id, project_id=project,
                   roles=expand_roles(found.roles[project]))


# -- versions and the catalog ---------------------------------------------------------------


@pytest.mark.parametrize(("path", "status"), [
    ("/image", 300), ("/image/", 300), ("/image/versions", 200), ("/image/v3/images", 300)])
def test_version_documents_need_no_token(api: Api, path: str, status: int) -> None:
    answer = api.get(path, user=None)
    assert answer.status_code == status
    versions = answer.get_json()["versions"]
    assert versions[0] == {"id": "v2.18", "status": "CURRENT", "links": [
        {"rel": "self", "href": "http://localhost/image/v2/"}]}
    assert {v["status"] for v in versions[1:]} == {"SUPPORTED"}
    assert "v2.0" in {v["id"] for v in versions}


def test_the_catalog_names_glance_at_image(api: Api) -> None:
    answer = api.post("/identity/v3/auth/tokens", user=None, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}})
    [entry] = [e for e in answer.get_json()["token"]["catalog"] if e["type"] == "image"]
    assert entry["name"] == "glance"
    assert {(e["interface"], e["url"], e["region"]) for e in entry["endpoints"]} == {
        (interface, "http://localhost/image", "RegionOne")
        for interface in ("public", "internal", "admin")}


def test_the_api_needs_a_token(api: Api) -> None:
    answer = api.get(IMAGES, user=None)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == 401


def test_a_fixtures_images_are_served() -> None:
    app: Flask = create_app(["demo"])
    api = Api(app)
    cirros = "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"
    listed = call(api, "GET", IMAGES).get_json()
    assert [i["id"] for i in listed["images"]] == [cirros]
    shown = call(api, "GET", f"{IMAGES}/{cirros}").get_json()
    assert shown["name"] == "cirros-0.6.3-x86_64-disk"
    assert (shown["status"], shown["visibility"], shown["disk_format"]) == (
        "active", "public", "qcow2")
    assert shown["hw_rng_model"] == "virtio"
    assert shown["self"] == f"/v2/images/{cirros}"
    assert shown["file"] == f"/v2/images/{cirros}/file"
    assert shown["schema"] == "/v2/schemas/image"


# -- visibility and listing -----------------------------------------------------------------


def _seed_visibilities(cloud: Cloud) -> dict[str, str]:
    state = cloud.state
    return {
        "public": state.add_image("pub").id,
        "private-admin": state.add_image("priv", visibility="private").id,
        "shared-admin": state.add_image("shared-a", visibility="shared").id,
        "community-admin": state.add_image("comm", visibility="community").id,
        "private-demo": state.add_image("mine", project="demo", visibility="private").id,
    }


@pytest.mark.parametrize(("user", "query", "expected"), [
    ("demo", "", {"public", "private-demo"}),
    ("reader", "", {"public", "private-demo"}),
    ("admin", "", {"public", "private-admin", "shared-admin", "private-demo"}),
    ("demo", "?visibility=community", {"community-admin"}),
    ("demo", "?visibility=all", {"public", "community-admin", "private-demo"}),
    ("demo", "?visibility=private", {"private-demo"}),
    ("admin", "?visibility=shared", {"shared-admin"}),
    ("demo", "?name=pub", {"public"}),
    ("demo", "?name=in:pub,mine", {"public", "private-demo"}),
])
def test_list_shows_what_glance_shows(api: Api, cloud: Cloud, user: str, query: str,
                                      expected: set[str]) -> None:
    ids = _seed_visibilities(cloud)
    answer = call(api, "GET", IMAGES + query, user)
    assert answer.status_code == 200
    assert {i["id"] for i in answer.get_json()["images"]} == {ids[k] for k in expected}


@pytest.mark.parametrize("user", ["demo", "reader"])
def test_another_projects_private_image_is_not_found(api: Api, cloud: Cloud,
                                                     user: str) -> None:
    ids = _seed_visibilities(cloud)
    for key in ("private-admin", "shared-admin"):
        assert_webob(call(api, "GET", f"{IMAGES}/{ids[key]}", user), 404,
                     f"No image found with ID {ids[key]}")
    assert call(api, "GET", f"{IMAGES}/{ids['community-admin']}", user).status_code == 200


def test_filters_tags_hidden_and_properties(api: Api, cloud: Cloud) -> None:
    state = cloud.state
    tagged = state.add_image("tagged", tags=["a", "b"], properties={"os_distro": "cirros"}).id
    hidden = state.add_image("hidden").id
    state.images[hidden].os_hidden = True
    queued = state.add_image("queued", status="queued").id

    def ids(query: str) -> set[str]:
        answer = call(api, "GET", f"{IMAGES}?{query}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return {i["id"] for i in answer.get_json()["images"]}

    assert ids("tag=a&tag=b") == {tagged}
    assert ids("tag=a&tag=c") == set()
    assert ids("os_hidden=true") == {hidden}
    assert ids("os_distro=cirros") == {tagged}
    assert ids("status=queued") == {queued}
    assert ids(f"owner={state.find_project('admin').id}") == {tagged, queued}
    assert ids("size_min=1") == set()


def test_pages_follow_the_next_link(api: Api, cloud: Cloud) -> None:
    made = [cloud.state.add_image(f"img-{n}").id for n in range(5)]
    first = call(api, "GET", f"{IMAGES}?limit=2&sort_key=name&sort_dir=asc").get_json()
    assert [i["id"] for i in first["images"]] == made[:2]
    assert first["first"] == "/v2/images?limit=2&sort_key=name&sort_dir=asc"
    assert first["next"] == ("/v2/images?limit=2&sort_key=name&sort_dir=asc"
                             f"&marker={made[1]}")
    assert first["schema"] == "/v2/schemas/images"
    second = call(api, "GET", "/image" + first["next"]).get_json()
    assert [i["id"] for i in second["images"]] == made[2:4]
    third = call(api, "GET", "/image" + second["next"]).get_json()
    assert [i["id"] for i in third["images"]] == made[4:]
    assert "next" not in third
    desc = call(api, "GET", f"{IMAGES}?sort=name:desc").get_json()
    assert [i["id"] for i in desc["images"]] == made[::-1]
    assert call(api, "GET", IMAGES).get_json()["first"] == "/v2/images"


@pytest.mark.parametrize(("query", "message"), [
    ("limit=x", "limit param must be an integer"),
    ("limit=-1", "limit param must be positive"),
    ("sort_key=owner", "Invalid sort key: owner. It must be one of the following: name, "
                       "status, container_format, disk_format, size, id, created_at, "
                       "updated_at."),
    ("sort_dir=up", "Invalid sort direction: up"),
    ("sort=name&sort_key=id", "Old and new sorting syntax cannot be combined"),
    ("sort_key=name&sort_key=id&sort_dir=asc&sort_dir=desc&sort_dir=asc",
     "Number of sort dirs does not match the number of sort keys"),
    ("member_status=maybe", "Invalid status: maybe"),
    ("visibility=everyone", "Invalid visibility value: everyone"),
    ("changes-since=2020-01-01", 'The "changes-since" filter is no longer available on v2.'),
    ("os_hidden=yes", "Invalid value 'yes' for 'os_hidden' filter. Valid values are 'true' "
                      "or 'false'."),
    ("name=like:x", "Unable to filter by unknown operator 'like'."),
    ("size_min=big", "Unable to filter on a range with a non-numeric value."),
    (f"marker={MISSING}", f"No image found with ID {MISSING}"),
])
def test_bad_list_queries(api: Api, query: str, message: str) -> None:
    assert_webob(call(api, "GET", f"{IMAGES}?{query}"), 400, message)


# -- create ---------------------------------------------------------------------------------


def test_create_is_queued_with_extra_properties(api: Api, cloud: Cloud) -> None:
    answer = call(api, "POST", IMAGES, body={
        "id": MISSING, "name": "new", "disk_format": "qcow2", "container_format": "bare",
        "tags": ["t1"], "os_distro": "cirros", "min_ram": 64})
    assert answer.status_code == 201
    body = answer.get_json()
    assert answer.headers["Location"] == f"http://localhost/v2/images/{MISSING}"
    assert body["id"] == MISSING and body["status"] == "queued"
    assert (body["visibility"], body["size"], body["checksum"]) == ("shared", None, None)
    assert body["owner"] == cloud.state.find_project("demo").id
    assert (body["os_distro"], body["tags"], body["min_ram"]) == ("cirros", ["t1"], 64)
    assert answer.headers["x-openstack-request-id"].startswith("req-")
    assert_webob(call(api, "POST", IMAGES, body={"id": MISSING}), 409,
                 f"Image ID {MISSING} already exists!")


@pytest.mark.parametrize(("user", "body", "status", "message"), [
    ("demo", {"self": "x"}, 403, "Attribute 'self' is read-only."),
    ("demo", {"status": "active"}, 403, "Attribute 'status' is read-only."),
    ("demo", {"size": 1}, 403, "Attribute 'size' is read-only."),
    ("demo", {"location": "x"}, 403, "Attribute 'location' is reserved."),
    ("demo", {"os_glance_x": "x"}, 403, "Attribute 'os_glance_x' is reserved."),
    ("demo", {"visibility": "public"}, 403,
     "You are not authorized to complete publicize_image action."),
    ("demo", {"owner": "someone"}, 403,
     "You are not permitted to create images owned by 'someone'"),
    ("reader", {"name": "x"}, 403, "You are not authorized to complete add_image action."),
    ("demo", {"min_disk": -1}, 400,
     "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value"),
    ("demo", {"x" * 256: "v"}, 400,
     "Custom property should not be greater than 255 characters."),
])
def test_create_refusals(api: Api, user: str, body: dict[str, Any], status: int,
                         message: str) -> None:
    assert_webob(call(api, "POST", IMAGES, user, body=body), status, message)


@pytest.mark.parametrize("body", [{"visibility": "everyone"}, {"extra": 1},
                                  {"min_ram": "x"}, {"id": "nope"}])
def test_create_bodies_the_schema_refuses(api: Api, body: dict[str, Any]) -> None:
    answer = call(api, "POST", IMAGES, body=body)
    assert answer.status_code == 400
    assert answer.get_json()["message"].startswith(
        "Provided object does not match schema 'image': ")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Body expected in request."), (b"{", "Malformed JSON in request body."),
    (b"1", "Unexpected body type. Expected list/dict."),
    (b"\xff", "Malformed JSON in request body.")])
def test_create_bodies_that_are_not_objects(api: Api, data: bytes, message: str) -> None:
    assert_webob(call(api, "POST", IMAGES, data=data), 400, message)


def test_an_admin_may_publish(api: Api) -> None:
    answer = call(api, "POST", IMAGES, "admin", body={"name": "pub", "visibility": "public"})
    assert answer.status_code == 201
    assert answer.get_json()["visibility"] == "public"


# -- update -----------------------------------------------------------------------------


def test_patch_changes_fields_and_properties(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud, properties={"gone": "soon"})
    answer = patch(api, image_id, [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/os_distro", "value": "cirros"},
        {"op": "add", "path": "/min_ram", "value": 128},
        {"op": "remove", "path": "/gone"},
        {"op": "replace", "path": "/tags", "value": ["x", "y", "x"]},
        {"op": "replace", "path": "/disk_format", "value": "qcow2"}])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert (body["name"], body["os_distro"], body["min_ram"]) == ("renamed", "cirros", 128)
    assert "gone" not in body and body["tags"] == ["x", "y"]
    assert body["disk_format"] == "qcow2"
    old_style = patch(api, image_id, [{"replace": "/name", "value": "v2.0"}], media=PATCH_20)
    assert old_style.get_json()["name"] == "v2.0"


@pytest.mark.parametrize(("changes", "media", "status", "message"), [
    ([{"op": "replace", "path": "/nothing", "value": "x"}], PATCH_21, 409,
     "Property nothing does not exist."),
    ([{"op": "remove", "path": "/nothing"}], PATCH_21, 409, "Property nothing does not exist."),
    ([{"add": "/name", "value": "x"}], PATCH_20, 409, "Property name already present."),
    ([{"op": "remove", "path": "/name"}], PATCH_21, 403, "Property name may not be removed."),
    ([{"op": "replace", "path": "/status", "value": "active"}], PATCH_21, 403,
     "Attribute 'status' is read-only."),
    ([{"op": "add", "path": "/deleted", "value": "x"}], PATCH_21, 403,
     "Attribute 'deleted' is reserved."),
    ([{"op": "replace", "path": "/owner", "value": "x"}], PATCH_21, 403,
     "Owner can't be updated by non admin."),
    ([{"op": "replace", "path": "/visibility", "value": "public"}], PATCH_21, 403,
     "You are not authorized to complete publicize_image action."),
    ([{"op": "add", "path": "/locations/0", "value": {"url": "x", "metadata": {}}}],
     PATCH_21, 403, "It's not allowed to add locations if locations are invisible."),
    ([{"op": "move", "path": "/name"}], PATCH_21, 400,
     "Invalid operation: `move`. It must be one of the following: add, remove, replace."),
    ([{"path": "/name"}], PATCH_21, 400, "Unable to find `op` in JSON Schema change. It must "
                                         "be one of the following: add, remove, replace."),
    ([{"op": "add", "value": 1}], PATCH_21, 400, "Unable to find 'path' in JSON Schema change"),
    ([{"op": "add", "path": "/name"}], PATCH_21, 400,
     'Operation "add" requires a member named "value".'),
    ([{"op": "add", "path": "name", "value": "x"}], PATCH_21, 400,
     'Pointer `name` does not start with "/".'),
    ([{"op": "add", "path": "/a/b", "value": "x"}], PATCH_21, 400,
     "Invalid JSON pointer for this resource: '/a/b'"),
    ([{"op": "add", "path": "/a~2", "value": "x"}], PATCH_21, 400,
     'Pointer `/a~2` contains "~" not part of a recognized escape sequence.'),
    ([{"add": "/a", "remove": "/b"}], PATCH_20, 400,
     'Operation objects must contain only one member named "add", "remove", or "replace".'),
    ({"op": "add"}, PATCH_21, 400, "Request body must be a JSON array of operation objects."),
    (["add"], PATCH_21, 400, "Operations must be JSON objects."),
])
def test_patch_refusals(api: Api, cloud: Cloud, changes: Any, media: str, status: int,
                        message: str) -> None:
    image_id = own_image(cloud)
    assert_webob(patch(api, image_id, changes, media=media), status, message)


def test_patch_applies_whole_or_not_at_all(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    answer = patch(api, image_id, [{"op": "replace", "path": "/name", "value": "changed"},
                                   {"op": "remove", "path": "/missing"}])
    assert answer.status_code == 409
    assert cloud.state.images[image_id].name == "mine"


def test_patch_needs_a_json_patch_media_type(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    answer = patch(api, image_id, [], media="application/json")
    assert answer.status_code == 415
    allowed = f"{PATCH_20}, {PATCH_21}"
    assert answer.headers["Accept-Patch"] == allowed
    assert answer.get_json()["message"] == (
        "The request media type application/json is not supported by this server.<br /><br />"
        f"\nImage PATCH expects Content-Type one of: {allowed}\n\n")


def test_others_images_refuse_changes(api: Api, cloud: Cloud) -> None:
    public = cloud.state.add_image("pub").id
    private = cloud.state.add_image("priv", visibility="private").id
    change = [{"op": "replace", "path": "/name", "value": "x"}]
    assert_webob(patch(api, public, change), 403,
                 "You are not authorized to complete modify_image action.")
    assert_webob(patch(api, private, change), 404, f"No image found with ID {private}")
    assert patch(api, private, change, user="admin").status_code == 200


# -- delete ---------------------------------------------------------------------------------


def test_delete(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    answer = call(api, "DELETE", f"{IMAGES}/{image_id}")
    assert (answer.status_code, answer.data) == (204, b"")
    assert_webob(call(api, "GET", f"{IMAGES}/{image_id}"), 404,
                 f"No image found with ID {image_id}")
    assert_webob(call(api, "DELETE", f"{IMAGES}/{image_id}"), 404,
                 f"Failed to find image {image_id} to delete")


def test_protected_and_others_images_are_not_deleted(api: Api, cloud: Cloud) -> None:
    protected = own_image(cloud, protected=True)
    assert_webob(call(api, "DELETE", f"{IMAGES}/{protected}"), 403,
                 f"Image {protected} is protected and cannot be deleted.")
    public = cloud.state.add_image("pub").id
    assert_webob(call(api, "DELETE", f"{IMAGES}/{public}"), 403,
                 "You are not authorized to complete delete_image action.")
    unprotect = [{"op": "replace", "path": "/protected", "value": False}]
    assert patch(api, protected, unprotect).status_code == 200
    assert call(api, "DELETE", f"{IMAGES}/{protected}").status_code == 204


# -- data -----------------------------------------------------------------------------------


def upload(api: Api, image_id: str, data: bytes, user: str = "demo",
           media: str = "application/octet-stream", **headers: str) -> TestResponse:
    return call(api, "PUT", f"{IMAGES}/{image_id}/file", user, data=data,
                headers={"Content-Type": media, **headers})


def test_upload_then_download(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    data = b"not really a disk" * 100
    answer = upload(api, image_id, data)
    assert (answer.status_code, answer.data) == (204, b"")
    shown = call(api, "GET", f"{IMAGES}/{image_id}").get_json()
    assert (shown["status"], shown["size"]) == ("active", len(data))
    assert shown["checksum"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert (shown["os_hash_algo"], shown["os_hash_value"]) == (
        "sha512", hashlib.sha512(data).hexdigest())
    got = call(api, "GET", f"{IMAGES}/{image_id}/file")
    assert (got.status_code, got.data) == (200, data)
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-MD5"] == shown["checksum"]
    assert_webob(upload(api, image_id, b"again"), 409,
                 "Image status transition from active to saving is not allowed")


def test_an_image_without_data_downloads_as_204(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    answer = call(api, "GET", f"{IMAGES}/{image_id}/file")
    assert (answer.status_code, answer.data) == (204, b"")


def test_upload_refusals(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    refused = upload(api, image_id, b"x", media="application/json")
    assert refused.status_code == 415
    assert "Invalid content type application/json" in refused.get_json()["message"]
    assert_webob(upload(api, image_id, b"x", **{"x-openstack-image-size": "big"}), 400,
                 "Invalid or missing image size in request headers.")
    bare = image_ops.create_image(cloud.state, _context(cloud, "demo"), "bare").id
    assert_webob(upload(api, bare, b"x"), 400,
                 "Properties disk_format, container_format must be set prior to saving data.")
    assert_webob(upload(api, MISSING, b"x"), 404, f"No image found with ID {MISSING}")
    public = cloud.state.add_image("pub", status="queued").id
    assert_webob(upload(api, public, b"x"), 403,
                 "You are not authorized to complete upload_image action.")


def test_data_over_the_cap_is_refused_as_glance_refuses_it(
        api: Api, cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    image_id = own_image(cloud)
    too_large = "The incoming image is too large: The provided image is too large."
    declared = str(image_ops.IMAGE_SIZE_CAP + 1)
    assert_webob(upload(api, image_id, b"x", **{"x-openstack-image-size": declared}), 413,
                 too_large)
    monkeypatch.setattr(pipeline, "IMAGE_SIZE_CAP", 8)
    assert_webob(upload(api, image_id, b"123456789"), 413, too_large)
    assert cloud.state.images[image_id].status == "queued"
    assert upload(api, image_id, b"12345678").status_code == 204


def test_deactivate_and_reactivate(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    actions = f"{IMAGES}/{image_id}/actions"
    assert_webob(call(api, "POST", f"{actions}/deactivate"), 403,
                 "Not allowed to deactivate image in status 'queued'")
    assert upload(api, image_id, b"data").status_code == 204
    assert call(api, "POST", f"{actions}/deactivate").status_code == 204
    assert call(api, "POST", f"{actions}/deactivate").status_code == 204  # again: no change
    assert call(api, "GET", f"{IMAGES}/{image_id}").get_json()["status"] == "deactivated"
    assert_webob(call(api, "GET", f"{IMAGES}/{image_id}/file"), 403,
                 "The requested image has been deactivated. Image data download is "
                 "forbidden.")
    assert call(api, "GET", f"{IMAGES}/{image_id}/file", "admin").status_code == 200
    assert call(api, "POST", f"{actions}/reactivate").status_code == 204
    assert call(api, "GET", f"{IMAGES}/{image_id}").get_json()["status"] == "active"
    public = cloud.state.add_image("pub").id
    assert_webob(call(api, "POST", f"{IMAGES}/{public}/actions/deactivate"), 403,
                 "You are not authorized to complete deactivate action.")


# -- tags -----------------------------------------------------------------------------------


def test_tags(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    tags = f"{IMAGES}/{image_id}/tags"
    assert call(api, "PUT", f"{tags}/blue").status_code == 204
    assert call(api, "PUT", f"{tags}/blue").status_code == 204
    assert call(api, "PUT", f"{tags}/green").status_code == 204
    assert call(api, "GET", f"{IMAGES}/{image_id}").get_json()["tags"] == ["blue", "green"]
    assert call(api, "DELETE", f"{tags}/blue").status_code == 204
    assert_webob(call(api, "DELETE", f"{tags}/blue"), 404, "The resource could not be found.")
    assert_webob(call(api, "PUT", f"{IMAGES}/{MISSING}/tags/x"), 404,
                 f"Image {MISSING} not found.")
    assert call(api, "PUT", f"{tags}/{'t' * 256}").status_code == 400
    public = cloud.state.add_image("pub").id
    assert_webob(call(api, "PUT", f"{IMAGES}/{public}/tags/x"), 403,
                 "You are not authorized to complete modify_image action.")


# -- schemas and error shapes ---------------------------------------------------------------


def test_the_schemas_clients_fetch(api: Api) -> None:
    image = call(api, "GET", "/image/v2/schemas/image").get_json()
    assert image["name"] == "image"
    assert image["additionalProperties"] == {"type": "string"}
    assert {"id", "name", "visibility", "os_distro", "kernel_id"} <= set(image["properties"])
    assert image["properties"]["os_distro"]["is_base"] is False
    collection = call(api, "GET", "/image/v2/schemas/images").get_json()
    assert collection["name"] == "images"
    assert collection["properties"]["images"]["items"] == image


def test_errors_follow_the_accept_header(api: Api) -> None:
    path = f"{IMAGES}/{MISSING}"
    plain = api.get(path, headers={"Accept": "text/plain"})
    assert plain.status_code == 404
    assert plain.content_type == "text/plain; charset=UTF-8"
    assert plain.get_data(as_text=True).startswith(
        f"404 Not Found\n\nNo image found with ID {MISSING}")
    html = api.get(path, headers={"Accept": "text/html"})
    assert "<h1>404 Not Found</h1>" in html.get_data(as_text=True)


def test_unrouted_paths_and_methods(api: Api, cloud: Cloud) -> None:
    image_id = own_image(cloud)
    assert_webob(call(api, "GET", "/image/v2/nothing"), 404, "The resource could not be found.")
    refused = call(api, "POST", f"{IMAGES}/{image_id}")
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, PATCH, DELETE"


# -- what Nova calls without HTTP, and the consistency check ------------------------------


def test_nova_creates_a_snapshot_image(cloud: Cloud) -> None:
    ctx = _context(cloud, "demo")
    snapshot = cloud.state.add_snapshot(cloud.state.add_volume("root", project="demo").id)
    mappings = [{"source_type": "snapshot", "snapshot_id": snapshot.id, "boot_index": 0}]
    image = image_ops.create_image(
        cloud.state, ctx, "snap", {"block_device_mapping": mappings, "bdm_v2": True,
                                   "root_device_name": "/dev/vda"},
        visibility="private", active=True)
    assert (image.status, image.size, image.owner) == ("active", 0, ctx.project_id)
    assert json.loads(str(image.properties["block_device_mapping"])) == mappings
    assert image.properties["bdm_v2"] == "True"
    assert image_ops.get_image(cloud.state, ctx, image.id) is image
    assert consistency.check(cloud.state) == []
    del cloud.state.snapshots[snapshot.id]
    assert consistency.check(cloud.state) == [
        f"image {image.id} has a block device mapping from snapshot {snapshot.id}, which "
        "does not exist"]


def test_get_image_words_a_miss_as_glance(cloud: Cloud) -> None:
    with pytest.raises(image_ops.NotFound, match=f"^No image found with ID {MISSING}$"):
        image_ops.get_image(cloud.state, _context(cloud, "demo"), MISSING)


# -- tempest.lib's ImagesClient -----------------------------------------------------------


def test_tempests_images_client(fakenova: Fakenova) -> None:
    client = ImagesClient(provider(fakenova), "image", "RegionOne")
    created = client.create_image(name="tempest", disk_format="raw", container_format="bare",
                                  visibility="private", tags=["t"])
    assert created["status"] == "queued"
    client.store_image_file(created["id"], io.BytesIO(b"tempest data"))
    shown = client.show_image(created["id"])
    assert (shown["status"], shown["size"]) == ("active", 12)
    assert client.show_image_file(created["id"]).data == b"tempest data"
    assert created["id"] in {i["id"] for i in client.list_images()["images"]}
    updated = client.update_image(created["id"], [
        {"replace": "/name", "value": "renamed"}])
    assert updated["name"] == "renamed"
    client.add_image_tag(created["id"], "u")
    client.delete_image_tag(created["id"], "t")
    assert client.show_image(created["id"])["tags"] == ["u"]
    client.delete_image(created["id"])
    client.wait_for_resource_deletion(created["id"])
    with pytest.raises(tempest_exc.NotFound):
        client.show_image(created["id"])


def test_import_methods_and_stores(api: Api) -> None:
    """discovery.InfoController: no import method is enabled, and there is one store."""
    answer = call(api, "GET", "/image/v2/info/import")
    assert answer.get_json() == {"import-methods": {
        "description": "Import methods available.", "type": "array", "value": []}}
    assert_webob(call(api, "GET", "/image/v2/info/stores"), 404,
                 "Multi backend is not supported at this site.")


def test_fault_rules_and_the_journal_know_the_image_service(api: Api, cloud: Cloud) -> None:
    rule = {"service": "image", "method": "GET", "path": "/images", "status": 503,
            "message": "glance is down", "times": 1}
    assert api.post("/_fakenova/faults", user=None, json=rule).status_code == 201
    assert call(api, "GET", IMAGES).status_code == 503
    assert call(api, "GET", IMAGES).status_code == 200
    journal = api.get("/_fakenova/requests?service=image", user=None).get_json()
    entries = journal["requests"] if isinstance(journal, dict) else journal
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", IMAGES, 503), ("GET", IMAGES, 200)]


def test_a_fault_rule_matches_an_image_body(api: Api, cloud: Cloud) -> None:
    """Glance's bodies are read before fault rules look at them, as the other services'."""
    rule = {"service": "image", "method": "POST", "path": "/images", "status": 409,
            "message": "quota", "match": {"name": "doomed"}}
    assert api.post("/_fakenova/faults", user=None, json=rule).status_code == 201
    refused = call(api, "POST", IMAGES, body={"name": "doomed"})
    assert refused.status_code == 409 and "quota" in refused.get_data(as_text=True)
    assert call(api, "POST", IMAGES, body={"name": "kept"}).status_code == 201
    assert [image["name"] for image in call(api, "GET", IMAGES).get_json()["images"]
            if image["name"] in ("doomed", "kept")] == ["kept"]
