"""Keystone v3 as clients use it: discovery, password tokens, the catalog, refusals.

Reference: README.md "Running it" (the accounts) and what the clients send and read:
``keystoneauth1.discover.Discover`` (discovery), ``keystoneauth1.identity.v3.Password`` and
``keystoneauth1.access.service_catalog.ServiceCatalogV3`` (tokens, the catalog), and tempest's
``tempest.lib.services.identity.v3.token_client.V3TokenClient``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app

from .conftest import Api, attachments_path

TOKENS = "/identity/v3/auth/tokens"
EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
HOST = "http://keystone.example:5000"
SERVER = "7ebed2ce-85b3-40b5-84ae-8cc725c37ed2"


def _auth(user: dict[str, Any], project: dict[str, Any], password: str = "demo",
          ) -> dict[str, Any]:
    return {"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {**user, "password": password}}},
        "scope": {"project": project}}}


def _by_name(name: str, domain: dict[str, str] | None = None) -> dict[str, Any]:
    return {"name": name, "domain": domain or {"name": "Default"}}


def _issue(api: Api, body: object, base_url: str = "http://localhost") -> TestResponse:
    return api.client.post(TOKENS, data=json.dumps(body), base_url=base_url,
                           headers={"Content-Type": "application/json",
                                    "Accept": "application/json"})


def _token(api: Api, user: str = "demo") -> dict[str, Any]:
    answer = _issue(api, _auth(_by_name(user), _by_name(user), password=user))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    token: dict[str, Any] = answer.get_json()["token"]
    return token


# -- discovery -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/identity/v3", "/identity/v3/"])
def test_v3_version_document(api: Api, path: str) -> None:
    answer = api.client.get(path, base_url=HOST, headers={"Accept": "application/json"})
    assert answer.status_code == 200
    version = answer.get_json()["version"]
    assert version["id"].startswith("v3.") and version["status"] == "stable"
    assert {"rel": "self", "href": f"{HOST}/identity/v3/"} in version["links"]


@pytest.mark.parametrize("path", ["/identity", "/identity/"])
def test_version_list(api: Api, path: str) -> None:
    answer = api.client.get(path, base_url=HOST, headers={"Accept": "application/json"})
    assert answer.status_code == 300
    values = answer.get_json()["versions"]["values"]
    assert [(v["id"][:3], v["status"]) for v in values] == [("v3.", "stable")]
    assert {"rel": "self", "href": f"{HOST}/identity/v3/"} in values[0]["links"]


# -- password tokens -------------------------------------------------------------------


def _ids(cloud: Cloud) -> dict[str, str]:
    return {"user": cloud.state.find_user("demo").id,
            "project": cloud.state.find_project("demo").id}


@pytest.mark.parametrize(("user", "project"), [
    ("name+Default", "name+Default"),
    ("name+default", "name+default"),
    ("name+domain-id", "name+domain-id"),
    ("id", "id"),
    ("name+Default", "id"),
    ("id", "name+Default"),
])
def test_password_token(api: Api, cloud: Cloud, user: str, project: str) -> None:
    ids = _ids(cloud)
    refs = {"name+Default": lambda kind: _by_name("demo", {"name": "Default"}),
            "name+default": lambda kind: _by_name("demo", {"name": "default"}),
            "name+domain-id": lambda kind: _by_name("demo", {"id": "default"}),
            "id": lambda kind: {"id": ids[kind]}}
    answer = _issue(api, _auth(refs[user]("user"), refs[project]("project")))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    token = answer.get_json()["token"]
    assert (token["user"]["id"], token["project"]["id"]) == (ids["user"], ids["project"])
    subject = answer.headers["X-Subject-Token"]
    assert subject
    # The token works on the compute API: the unknown server is a 404, not a 401.
    compute = api.get(attachments_path(SERVER), user=None, headers={"X-Auth-Token": subject})
    assert compute.status_code == 404, compute.get_data(as_text=True)


@pytest.mark.parametrize(("user", "roles"), [
    ("admin", {"admin", "member", "reader"}),
    ("demo", {"member", "reader"}),
])
def test_token_body(api: Api, cloud: Cloud, user: str, roles: set[str]) -> None:
    token = _token(api, user)
    expires = datetime.strptime(token["expires_at"], EXPIRES_FORMAT).replace(tzinfo=timezone.utc)
    issued = datetime.strptime(token["issued_at"], EXPIRES_FORMAT).replace(tzinfo=timezone.utc)
    assert issued <= datetime.now(timezone.utc) < expires
    assert token["methods"] == ["password"]
    user_id = cloud.state.find_user(user).id
    project_id = cloud.state.find_project(user).id
    assert token["user"] == {**token["user"], "id": user_id, "name": user,
                             "domain": {"id": "default", "name": "Default"}}
    assert token["project"] == {**token["project"], "id": project_id, "name": user,
                                "domain": {"id": "default", "name": "Default"}}
    assert {r["name"] for r in token["roles"]} == roles
    assert all(isinstance(r["id"], str) and r["id"] for r in token["roles"])


def test_catalog(api: Api, cloud: Cloud) -> None:
    answer = _issue(api, _auth(_by_name("demo"), _by_name("demo")), base_url=HOST)
    assert answer.status_code == 201
    project_id = cloud.state.find_project("demo").id
    catalog = answer.get_json()["token"]["catalog"]
    by_type = {service["type"]: service for service in catalog}
    expected_paths = {"compute": "/compute/v2.1", "volumev3": f"/volume/v3/{project_id}",
                      "block-storage": f"/volume/v3/{project_id}", "identity": "/identity"}
    assert set(expected_paths) <= set(by_type)
    for service_type, path in expected_paths.items():
        endpoints = by_type[service_type]["endpoints"]
        assert sorted(e["interface"] for e in endpoints) == ["admin", "internal", "public"]
        for endpoint in endpoints:
            assert endpoint["region"] == endpoint["region_id"] == "RegionOne"
            assert endpoint["url"] == f"{HOST}{path}", endpoint


# -- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "project", "password"), [
    (_by_name("demo"), _by_name("demo"), "wrong"),
    (_by_name("demo"), _by_name("demo"), ""),
    (_by_name("nobody"), _by_name("demo"), "demo"),
    (_by_name("demo", {"name": "Other"}), _by_name("demo"), "demo"),
    ({"id": "0" * 32}, _by_name("demo"), "demo"),
    (_by_name("demo"), _by_name("admin"), "demo"),  # no role on that project
    (_by_name("demo"), _by_name("nowhere"), "demo"),
    (_by_name("demo"), {"id": "0" * 32}, "demo"),
], ids=["wrong-password", "empty-password", "unknown-user", "unknown-domain",
        "unknown-user-id", "project-without-role", "unknown-project", "unknown-project-id"])
def test_refused_credentials(api: Api, user: dict[str, Any], project: dict[str, Any],
                             password: str) -> None:
    answer = _issue(api, _auth(user, project, password))
    assert answer.status_code == 401, answer.get_data(as_text=True)
    assert "X-Subject-Token" not in answer.headers
    error = answer.get_json()["error"]
    assert (error["code"], error["title"]) == (401, "Unauthorized")
    assert isinstance(error["message"], str) and error["message"]


_GOOD = _auth(_by_name("demo"), _by_name("demo"))


def _with(path: tuple[str, ...], value: object) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(_GOOD))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


_USER = ("auth", "identity", "password", "user")
_PROJECT = ("auth", "scope", "project")


MALFORMED: dict[str, bytes] = {
    "not-json": b"{",
    "empty": b"",
    "null": b"null",
    "list": b"[]",
    "string": b'"auth"',
    "no-auth": json.dumps({}).encode(),
    "auth-list": json.dumps({"auth": []}).encode(),
    "no-identity": json.dumps({"auth": {}}).encode(),
    "identity-list": json.dumps(_with(("auth", "identity"), [])).encode(),
    "methods-string": json.dumps(_with(("auth", "identity", "methods"), "password")).encode(),
    "methods-int": json.dumps(_with(("auth", "identity", "methods"), [1])).encode(),
    "password-null": json.dumps(_with(("auth", "identity", "password"), None)).encode(),
    "user-string": json.dumps(_with(_USER, "demo")).encode(),
    "user-no-id-or-name": json.dumps(_with(_USER, {"password": "demo"})).encode(),
    "user-id-list": json.dumps(_with((*_USER, "id"), ["x"])).encode(),
    "user-name-int": json.dumps(_with((*_USER, "name"), 7)).encode(),
    "password-int": json.dumps(_with((*_USER, "password"), 7)).encode(),
    "user-domain-string": json.dumps(_with((*_USER, "domain"), "Default")).encode(),
    "user-domain-empty": json.dumps(_with((*_USER, "domain"), {})).encode(),
    "user-domain-name-list": json.dumps(_with((*_USER, "domain"), {"name": ["x"]})).encode(),
    "project-list": json.dumps(_with(_PROJECT, [])).encode(),
    "project-no-id-or-name": json.dumps(_with(_PROJECT, {})).encode(),
    "project-id-object": json.dumps(_with((*_PROJECT, "id"), {"x": 1})).encode(),
    "project-name-int": json.dumps(_with((*_PROJECT, "name"), 7)).encode(),
    "project-domain-id-int": json.dumps(_with((*_PROJECT, "domain"), {"id": 7})).encode(),
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_auth_body(api: Api, raw: bytes) -> None:
    """Keystone validates the auth body against its schema first: 400, never 401 or 500."""
    answer = api.client.post(TOKENS, data=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, (raw, answer.status_code, answer.get_data(as_text=True))
    error = answer.get_json()["error"]
    assert (error["code"], error["title"]) == (400, "Bad Request")


def test_tokens_belong_to_their_app(api: Api) -> None:
    """Two apps share nothing: a token of one is unknown to the other."""
    token = api.token("demo")
    other = create_app().test_client()
    answer = other.get(attachments_path(SERVER), headers={"X-Auth-Token": token})
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == 401
    mine = api.get(attachments_path(SERVER), user=None, headers={"X-Auth-Token": token})
    assert mine.status_code == 404
