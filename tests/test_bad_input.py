"""Bad input of every kind: always a 4xx, never a 500, and the state left as it was.

The ``api`` client asserts the unchanged state on every refused request; these tables
throw at it what clients and fuzzers send.
"""

from __future__ import annotations

import pytest

from fakenova import Cloud

from .conftest import Api, attachments_path

LATEST_BODIES = [
    None, [], "x", 1, True, {}, {"volumeAttachment": None}, {"volumeAttachment": []},
    {"volumeAttachment": {}}, {"volumeAttachment": {"volumeId": None}},
    {"volumeAttachment": {"volumeId": ""}}, {"volumeAttachment": {"volumeId": "../etc"}},
    {"volumeAttachment": {"volumeId": {"$ne": 1}}}, {"volumeAttachment": {"volumeId": ["a"]}},
    {"volumeAttachment": {"volumeId": "1" * 10000}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01", "device": 1}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01", "tag": "a/b"}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01",
                          "delete_on_termination": 0}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"}, "x": 1},
    {"volumeAttachment": {"volumeId": "\u0000"}},
    {"volumeAttachment": {"volumeId": "\ud83d\ude00" * 10}},
]
RAW_BODIES = [b"{", b"\xff\xfe", b"[1,", b'{"volumeAttachment": {"volumeId": "a"}',
              b"\x00", b"null", b"NaN", b'{"a": ' * 500 + b"1" + b"}" * 500,
              b"[" * 100000]


@pytest.fixture
def server_id(cloud: Cloud) -> str:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("attached")
    cloud.state.add_attachment("vm", "attached")
    cloud.state.add_volume("free", id="7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01")
    assert volume.status == "in-use"
    return server.id


@pytest.mark.parametrize("version", ["2.1", "2.85", "2.104"])
@pytest.mark.parametrize("body", LATEST_BODIES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_bad_bodies_are_400(api: Api, server_id: str, method: str, body: object,
                            version: str) -> None:
    volume = api.cloud.state.find_volume("attached").id
    path = attachments_path(server_id, volume if method == "PUT" else None)
    answer = api.request(method, path, json=body, version=version, user="admin")
    assert answer.status_code == 400
    assert answer.get_json()["badRequest"]["code"] == 400


@pytest.mark.parametrize("raw", RAW_BODIES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_raw_bodies_that_are_not_json_objects_are_400(api: Api, server_id: str, method: str,
                                                      raw: bytes) -> None:
    volume = api.cloud.state.find_volume("attached").id
    path = attachments_path(server_id, volume if method == "PUT" else None)
    answer = api.request(method, path, data=raw, version="2.89", user="admin",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "badRequest" in answer.get_json()


@pytest.mark.parametrize("suffix", [
    "/../../servers", "/%2e%2e/%2e%2e", "/..%2F..%2Fetc", "/%00", "/a%2Fb", "/" + "x" * 5000,
    "/%ff%fe", "/\u00e9t\u00e9", "/%20", "/7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01%00",
])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_strange_volume_ids_are_4xx(api: Api, server_id: str, method: str, suffix: str) -> None:
    body = {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"}}
    answer = api.request(method, attachments_path(server_id) + suffix, version="2.89",
                         json=body if method == "PUT" else None, user="admin")
    assert 400 <= answer.status_code < 500


@pytest.mark.parametrize("server_ref", [
    "nope", "..", "%2e%2e", "%00", "x" * 5000, "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a01",
    "%F0%9F%98%80", "vm",
])
def test_unknown_or_strange_server_ids_are_404(api: Api, server_id: str, server_ref: str) -> None:
    answer = api.get(f"/compute/v2.1/servers/{server_ref}/os-volume_attachments")
    assert answer.status_code == 404


@pytest.mark.parametrize("query", [
    "limit=-1", "limit=abc", "offset=%00", "limit=" + "9" * 400, "limit=1&limit=x",
    "offset=1e3", "limit=%20", "limit=", "a" * 3000 + "=1", "limit[]=1",
])
@pytest.mark.parametrize("version", ["2.1", "2.75", "2.104"])
def test_query_strings_never_break_the_list(api: Api, server_id: str, query: str,
                                            version: str) -> None:
    answer = api.get(f"{attachments_path(server_id)}?{query}", version=version)
    assert answer.status_code in (200, 400)


@pytest.mark.parametrize("headers", [
    {"OpenStack-API-Version": "compute " + "9" * 500},
    {"OpenStack-API-Version": "compute 2.\u00e9"},
    {"X-OpenStack-Nova-API-Version": "2.1" + "0" * 1000},
    {"OpenStack-API-Version": ","},
    {"Content-Type": "application/json; charset=latin-1; " + "x" * 8000},
    {"Content-Type": "image/png"},
    {"X-Auth-Token": "x" * 10000},
    {"X-Auth-Token": "\u00e9"},
])
def test_strange_headers_are_4xx_or_ignored(api: Api, server_id: str,
                                            headers: dict[str, str]) -> None:
    answer = api.get(attachments_path(server_id), headers=headers)
    assert answer.status_code in (200, 400, 401, 406, 415)
