"""What every compute request goes through: token, body limits, media types, routing,
request ids, and the version documents.

Upstream: ``keystonemiddleware.auth_token.AuthProtocol`` (token),
``oslo_middleware.sizelimit.RequestBodySizeLimiter`` (body limits),
``nova.api.openstack.wsgi.Resource`` with ``nova.api.validation`` (media types, bodies),
``nova.api.openstack.wsgi.Fault`` (fault bodies), ``nova.api.wsgi.Router`` (routing),
``nova.api.compute_req_id.ComputeReqIdMiddleware`` (request ids),
``nova.api.openstack.wsgi.Request.set_api_version_request`` (microversion headers) and
``nova.api.openstack.compute.versions.Versions`` with
``nova.api.openstack.compute.versionsV21.VersionsController`` (api-ref "API Versions")."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud

from .conftest import Api, assert_fault, attachments_path

REQUEST_ID = re.compile(
    r"req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
VOLUME = "a07f71dc-8151-4e7d-a0cc-cd24a3f11113"
SERVER = "7ebed2ce-85b3-40b5-84ae-8cc725c37ed2"
OTHER_PROJECT = "0123456789abcdef0123456789abcdef"
LIMIT = 114688
VERSION_HEADERS = ("OpenStack-API-Version", "X-OpenStack-Nova-API-Version", "Vary")
WEBOB_404 = {"message": "The resource could not be found.<br /><br />\n\n\n",
             "code": "404 Not Found", "title": "Not Found"}
HOST = "http://nova.example:8774"


def _attach_body(volume_id: str = VOLUME) -> bytes:
    return json.dumps({"volumeAttachment": {"volumeId": volume_id}}).encode()


def _assert_request_id(answer: TestResponse) -> str:
    request_id = answer.headers.get("x-openstack-request-id", "")
    assert REQUEST_ID.fullmatch(request_id), dict(answer.headers)
    assert answer.headers.get("x-compute-request-id") == request_id
    return request_id


def _assert_no_version_headers(answer: TestResponse) -> None:
    assert [h for h in VERSION_HEADERS if h in answer.headers] == []


# -- 401 -------------------------------------------------------------------------------

ROUTES = [
    ("GET", attachments_path(SERVER)),
    ("POST", attachments_path(SERVER)),
    ("GET", attachments_path(SERVER, VOLUME)),
    ("PUT", attachments_path(SERVER, VOLUME)),
    ("DELETE", attachments_path(SERVER, VOLUME)),
    ("GET", f"/compute/v2.1/{OTHER_PROJECT}/servers/{SERVER}/os-volume_attachments"),
    ("DELETE", f"/compute/v2.1/{OTHER_PROJECT}/servers/{SERVER}/os-volume_attachments/{VOLUME}"),
    # keystonemiddleware runs before routing: unrouted paths and methods want a token too.
    ("GET", "/compute/v2.1/nothing"),
    ("PATCH", attachments_path(SERVER, VOLUME)),
]


def _token_headers(api: Api, cloud: Cloud, kind: str) -> dict[str, str]:
    if kind == "none":
        return {}
    if kind == "bogus":
        return {"X-Auth-Token": "gAAAAAbogus"}
    token = api.token("demo")
    cloud.state.tokens[token].expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    return {"X-Auth-Token": token}


@pytest.mark.parametrize("token", ["none", "bogus", "expired"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_unauthenticated(api: Api, cloud: Cloud, token: str, method: str, path: str) -> None:
    body = _attach_body() if method in ("POST", "PUT") else None
    answer = api.request(method, path, user=None, version="2.89", data=body,
                         headers={**_token_headers(api, cloud, token),
                                  "Content-Type": "application/json"})
    assert answer.status_code == 401
    assert answer.get_json() == {"error": {
        "code": 401, "title": "Unauthorized",
        "message": "The request you have made requires authentication."}}
    assert answer.headers["WWW-Authenticate"].startswith('Keystone uri="')
    assert "/identity" in answer.headers["WWW-Authenticate"]
    _assert_request_id(answer)


@pytest.mark.parametrize("path", ["/compute/", "/compute/v2.1", "/compute/v2.1/", "/compute/v2/"])
@pytest.mark.parametrize("token", [None, "gAAAAAbogus"])
def test_version_documents_need_no_token(api: Api, path: str, token: str | None) -> None:
    headers = {"X-Auth-Token": token} if token else {}
    answer = api.get(path, user=None, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)


# -- media type and body parsing -------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/xml", "application/x-www-form-urlencoded",
                                          "text/html"])
@pytest.mark.parametrize(("method", "item"), [("GET", False), ("GET", True), ("POST", False),
                                               ("PUT", True), ("DELETE", True)])
def test_unsupported_content_type(api: Api, cloud: Cloud, content_type: str, method: str,
                                  item: bool) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id)
    path = attachments_path(server.id, volume.id if item else None)
    answer = api.request(method, path, version="2.89", data=_attach_body(volume.id),
                         headers={"Content-Type": content_type})
    assert_fault(answer, 415, "badMediaType", "Unsupported Content-Type")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json",
                                          "application/json; charset=UTF-8",
                                          "application/vnd.openstack.compute+json"])
def test_accepted_content_types(api: Api, cloud: Cloud, content_type: str | None) -> None:
    """A missing Content-Type, or text/plain, is read as JSON."""
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    headers = {"Content-Type": content_type} if content_type else {}
    answer = api.post(attachments_path(server.id), version="2.89", data=_attach_body(volume.id),
                      headers=headers)
    assert answer.request.headers.get("Content-Type") == content_type
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["volumeAttachment"]["volumeId"] == volume.id


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("raw", [b"{", b'{"volumeAttachment": ', b"volumeId",
                                 b'{"volumeAttachment": {"volumeId": "\xff\xfe"}}', b"\x80"],
                         ids=["brace", "truncated", "bare-word", "bad-utf8", "bad-utf8-byte"])
def test_malformed_body(api: Api, cloud: Cloud, method: str, raw: bytes) -> None:
    server = cloud.state.add_server("vm")
    path = attachments_path(server.id, VOLUME if method == "PUT" else None)
    answer = api.request(method, path, version="2.89", data=raw,
                         headers={"Content-Type": "application/json"})
    assert_fault(answer, 400, "badRequest", "Malformed request body")


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_empty_body(api: Api, cloud: Cloud, method: str) -> None:
    server = cloud.state.add_server("vm")
    path = attachments_path(server.id, VOLUME if method == "PUT" else None)
    before = cloud.state.dump()
    # The raw client: werkzeug leaves Content-Length out for ``data=b""``.
    answer = api.client.open(path, method=method, input_stream=io.BytesIO(b""),
                             content_length=0,
                             headers={"Content-Type": "application/json",
                                      "X-Auth-Token": api.token(),
                                      "OpenStack-API-Version": "compute 2.89"})
    assert answer.request.headers.get("Content-Length") == "0"
    assert cloud.state.dump() == before
    assert_fault(answer, 400, "badRequest", "None is not of type 'object'")


# -- 413 -------------------------------------------------------------------------------


def _padded_attach_body(size: int) -> bytes:
    body = _attach_body()
    return body + b" " * (size - len(body))


def test_body_at_the_limit_is_read(api: Api) -> None:
    server_id = str(uuid.uuid4())
    body = _padded_attach_body(LIMIT)
    assert len(body) == LIMIT
    answer = api.post(attachments_path(server_id), version="2.89", data=body,
                      headers={"Content-Type": "application/json"})
    assert_fault(answer, 404, "itemNotFound", f"Instance {server_id} could not be found.")


@pytest.mark.parametrize("user", ["demo", None])
def test_body_over_the_limit(api: Api, user: str | None) -> None:
    """oslo's size limiter answers before authentication, with webob's generic body."""
    answer = api.post(attachments_path(SERVER), user=user, version="2.89",
                      data=_padded_attach_body(LIMIT + 1),
                      headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert answer.status_code == 413
    assert answer.get_json() == {
        "message": "Request is too large. Larger than max_request_body_size (114688)."
                   "<br /><br />\n\n\n",
        "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}
    _assert_request_id(answer)


def test_body_over_the_limit_as_text(api: Api) -> None:
    answer = api.post(attachments_path(SERVER), user=None, data=_padded_attach_body(LIMIT + 1),
                      headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True).startswith("413 Request Entity Too Large")
    assert "max_request_body_size (114688)" in answer.get_data(as_text=True)


def test_chunked_body_over_the_limit(api: Api) -> None:
    """Without a Content-Length the limiter cuts the body off while reading it."""
    answer = api.client.open(
        attachments_path(SERVER), method="POST",
        input_stream=io.BytesIO(_padded_attach_body(LIMIT + 1)),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json",
                 "Accept": "application/json", "X-Auth-Token": api.token()},
        environ_overrides={"wsgi.input_terminated": True})
    assert answer.request.content_length is None
    assert answer.status_code == 413
    assert answer.get_json() == {
        "message": "Request is too large. Larger than 114688.<br /><br />\n\n\n",
        "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}


# -- unrouted --------------------------------------------------------------------------

UNROUTED = [
    ("PATCH", attachments_path(SERVER, VOLUME)),
    ("POST", attachments_path(SERVER, VOLUME)),
    ("DELETE", attachments_path(SERVER)),
    ("PUT", attachments_path(SERVER)),
    ("GET", "/compute/v2.1/nothing"),
    ("GET", attachments_path(SERVER, VOLUME) + "/more"),
]


@pytest.mark.parametrize(("method", "path"), UNROUTED)
def test_unrouted_is_webob_404(api: Api, method: str, path: str) -> None:
    answer = api.request(method, path, version="2.89",
                         headers={"Accept": "application/json"})
    assert answer.status_code == 404
    assert answer.get_json() == WEBOB_404
    _assert_no_version_headers(answer)


@pytest.mark.parametrize(("method", "path"), UNROUTED[:2])
def test_unrouted_as_text(api: Api, method: str, path: str) -> None:
    answer = api.request(method, path, version="2.89")
    assert answer.status_code == 404
    assert answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    assert text.startswith("404 Not Found") and "The resource could not be found." in text
    _assert_no_version_headers(answer)


# -- the order of the common steps: auth_token, then wsgi.Resource.__call__
# (set_api_version_request, get_body) and _process_stack (body, project id), then the
# schema, then common.get_instance ---------------------------------------------------------


@pytest.mark.parametrize(("fixed", "status", "key", "message"), [
    (0, 401, "error", "The request you have made requires authentication."),
    (1, 400, "badRequest",
     "API Version String 2.01 is of invalid format. Must be of format MajorNum.MinorNum."),
    (2, 406, "computeFault",
     "Version 2.105 is not supported by the API. Minimum is 2.1 and maximum is 2.104."),
    (3, 415, "badMediaType", "Unsupported Content-Type"),
    (4, 400, "badRequest", "Malformed request body"),
    (5, 400, "badRequest", "Malformed request URL: URL's project_id '{other}' doesn't match "
                           "Context's project_id '{mine}'"),
    (6, 400, "badRequest", "Invalid input for field/attribute volumeId. Value: x. "
                           "'x' is not a 'uuid'"),
    (7, 404, "itemNotFound", "Instance {server} could not be found."),
])
def test_first_failing_step_answers(api: Api, cloud: Cloud, fixed: int, status: int, key: str,
                                    message: str) -> None:
    """token → microversion → Content-Type → JSON → URL project → schema → server lookup.

    The steps before ``fixed`` pass; that one and every later one fail.
    """
    foreign = cloud.state.add_server("admins", project="admin")
    mine = cloud.state.find_project("demo").id
    headers = {"X-Auth-Token": api.token()} if fixed > 0 else {}
    headers["OpenStack-API-Version"] = ("compute 2.01" if fixed <= 1 else
                                        "compute 2.105" if fixed == 2 else "compute 2.89")
    headers["Content-Type"] = "application/xml" if fixed <= 3 else "application/json"
    body = (b"{" if fixed <= 4 else
            json.dumps({"volumeAttachment": {"volumeId": "x" if fixed <= 6 else VOLUME}}).encode())
    project = OTHER_PROJECT if fixed <= 5 else mine
    path = f"/compute/v2.1/{project}/servers/{foreign.id}/os-volume_attachments"
    answer = api.post(path, user=None, data=body, headers=headers)
    assert answer.status_code == status, answer.get_data(as_text=True)
    expected = message.format(other=OTHER_PROJECT, mine=mine, server=foreign.id)
    assert answer.get_json()[key]["message"] == expected
    assert answer.get_json()[key]["code"] == status


# -- request ids -----------------------------------------------------------------------


def _request(api: Api, cloud: Cloud, kind: str) -> TestResponse:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    requests: dict[str, tuple[str, str, dict[str, Any]]] = {
        "list": ("GET", attachments_path(server.id), {}),
        "show-404": ("GET", attachments_path(server.id, VOLUME), {}),
        "attach": ("POST", attachments_path(server.id),
                   {"json": {"volumeAttachment": {"volumeId": volume.id}}}),
        "bad-body": ("POST", attachments_path(server.id), {"json": {}}),
        "no-token": ("GET", attachments_path(server.id), {"user": None}),
        "bad-version": ("GET", attachments_path(server.id), {"version": "2.0"}),
        "version-doc": ("GET", "/compute/v2.1/", {"user": None}),
        "unrouted": ("GET", "/compute/v2.1/nothing", {}),
    }
    method, path, kwargs = requests[kind]
    return api.request(method, path, **kwargs)


@pytest.mark.parametrize("kind", ["list", "show-404", "attach", "bad-body", "no-token",
                                  "bad-version", "version-doc", "unrouted"])
def test_request_id_headers(api: Api, cloud: Cloud, kind: str) -> None:
    first = _assert_request_id(_request(api, cloud, kind))
    second = _assert_request_id(_request(api, cloud, kind))
    assert first != second


def test_inbound_request_id_is_not_echoed(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    inbound = f"req-{uuid.uuid4()}"
    answer = api.get(attachments_path(server.id), headers={"X-OpenStack-Request-ID": inbound})
    assert _assert_request_id(answer) != inbound


@pytest.mark.parametrize("path", ["/compute/", "/compute"])
def test_root_version_document_has_no_extra_headers(api: Api, path: str) -> None:
    answer = api.get(path, user=None)
    assert answer.status_code == 200
    assert "x-openstack-request-id" not in answer.headers
    assert "x-compute-request-id" not in answer.headers
    _assert_no_version_headers(answer)


# -- version documents: compute.versions.Versions, versionsV21.VersionsController ------


def _v21(host: str) -> dict[str, Any]:
    return {"id": "v2.1", "status": "CURRENT", "version": "2.104", "min_version": "2.1",
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{host}/compute/v2.1/"},
                      {"rel": "describedby", "type": "text/html",
                       "href": "http://docs.openstack.org/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.compute+json;version=2.1"}]}


def _v20(host: str) -> dict[str, Any]:
    return {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
            "updated": "2025-07-04T12:00:00Z",
            "links": [{"rel": "self", "href": f"{host}/compute/v2/"},
                      {"rel": "describedby", "type": "text/html",
                       "href": "http://docs.openstack.org/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.compute+json;version=2"}]}


@pytest.mark.parametrize("host", [HOST, "http://localhost"])
def test_root_version_list(api: Api, host: str) -> None:
    answer = api.client.get("/compute/", base_url=host)
    assert answer.status_code == 200
    assert answer.get_json() == {"versions": [
        {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
         "updated": "2025-07-04T12:00:00Z",
         "links": [{"rel": "self", "href": f"{host}/compute/v2/"}]},
        {"id": "v2.1", "status": "CURRENT", "version": "2.104", "min_version": "2.1",
         "updated": "2013-07-23T11:33:21Z",
         "links": [{"rel": "self", "href": f"{host}/compute/v2.1/"}]}]}


@pytest.mark.parametrize(("path", "document"), [
    ("/compute/v2.1", _v21), ("/compute/v2.1/", _v21), ("/compute/v2/", _v20),
])
@pytest.mark.parametrize("host", [HOST, "http://localhost"])
def test_version_document(api: Api, path: str, document: Any, host: str) -> None:
    answer = api.client.get(path, base_url=host)
    assert answer.status_code == 200
    assert answer.get_json() == {"version": document(host)}


def test_v21_document_carries_api_headers(api: Api) -> None:
    answer = api.get("/compute/v2.1/", user=None, version="2.60")
    assert answer.headers["X-OpenStack-Nova-API-Version"] == "2.60"
    _assert_request_id(answer)


@pytest.mark.parametrize("path", ["/compute/foo", "/compute/foo/bar"])
def test_other_root_paths_offer_choices(api: Api, path: str) -> None:
    answer = api.get(path, user=None)
    assert answer.status_code == 300
    choices = answer.get_json()["choices"]
    assert [(c["id"], c["status"]) for c in choices] == [("v2.0", "DEPRECATED"),
                                                          ("v2.1", "CURRENT")]
    assert all(c["links"][0]["rel"] == "self" for c in choices)
