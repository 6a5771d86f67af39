"""Compute microversions: reading the headers, answering with them, and the gates.

Upstream: ``nova.api.openstack.wsgi.Request.set_api_version_request`` (reading the headers),
``nova.api.openstack.wsgi.Resource._process_stack`` and ``wsgi.Fault`` (answering with them),
``nova.api.openstack.api_version_request`` (``_MIN_API_VERSION``, ``_MAX_API_VERSION``) and
``nova/api/openstack/compute/rest_api_version_history.rst`` (the gates; README.md
"Microversions")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud
from fakenova.microversion import APIVersion

from .conftest import Api, assert_fault, attachments_path

MODERN = "OpenStack-API-Version"
LEGACY = "X-OpenStack-Nova-API-Version"


def _list(api: Api, cloud: Cloud, headers: dict[str, str]) -> TestResponse:
    server = cloud.state.add_server("vm")
    return api.get(attachments_path(server.id), headers=headers)


def _assert_served(answer: TestResponse, version: str) -> None:
    assert answer.headers.get(MODERN) == f"compute {version}", dict(answer.headers)
    assert answer.headers.get(LEGACY) == version
    assert sorted(answer.headers.getlist("Vary")) == [MODERN, LEGACY]


# -- reading the request headers -------------------------------------------------------


@pytest.mark.parametrize(("headers", "served"), [
    ({}, "2.1"),
    ({MODERN: "compute 2.60"}, "2.60"),
    ({LEGACY: "2.60"}, "2.60"),
    ({MODERN: "compute 2.60", LEGACY: "2.70"}, "2.60"),
    ({MODERN: "volume 3.10, compute 2.61"}, "2.61"),
    ({MODERN: "compute 2.61, volume 3.10"}, "2.61"),
    ({MODERN: "Compute 2.62"}, "2.62"),
    ({MODERN: "COMPUTE 2.62"}, "2.62"),
    ({MODERN: "compute 2.60, compute 2.70"}, "2.70"),
    ({MODERN: "volume 3.10"}, "2.1"),
    ({MODERN: "volume 3.10", LEGACY: "2.63"}, "2.63"),
    ({LEGACY: "2.60, 2.64"}, "2.64"),
    ({MODERN: "compute latest"}, "2.104"),
    ({LEGACY: "latest"}, "2.104"),
    ({MODERN: "compute 2.104"}, "2.104"),
])
def test_requested_version(api: Api, cloud: Cloud, headers: dict[str, str], served: str) -> None:
    answer = _list(api, cloud, headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    _assert_served(answer, served)


@pytest.mark.parametrize("header", [MODERN, LEGACY])
@pytest.mark.parametrize("value", ["Latest", "LATEST", "2", "2.01", "v2.1", "2.1.1", "02.1",
                                   "2.x"])
def test_malformed_version(api: Api, cloud: Cloud, header: str, value: str) -> None:
    """400 without any version header: no version was understood."""
    sent = f"compute {value}" if header == MODERN else value
    answer = _list(api, cloud, {header: sent})
    assert_fault(answer, 400, "badRequest", f"API Version String {value} is of invalid format. "
                                            "Must be of format MajorNum.MinorNum.")
    assert [h for h in (MODERN, LEGACY, "Vary") if h in answer.headers] == []


@pytest.mark.parametrize("header", [MODERN, LEGACY])
@pytest.mark.parametrize("value", ["2.0", "2.105", "3.0", "1.1", "2.999"])
def test_unsupported_version(api: Api, cloud: Cloud, header: str, value: str) -> None:
    """406 computeFault, with the requested version echoed in the version headers."""
    sent = f"compute {value}" if header == MODERN else value
    answer = _list(api, cloud, {header: sent})
    assert_fault(answer, 406, "computeFault", f"Version {value} is not supported by the API. "
                                              "Minimum is 2.1 and maximum is 2.104.")
    _assert_served(answer, value)


# -- the headers on every v2.1 answer --------------------------------------------------


def _answer_of(api: Api, cloud: Cloud, kind: str, version: str) -> TestResponse:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    attached = cloud.state.add_volume("attached")
    cloud.state.add_attachment(server.id, attached.id)
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "list-200": ("GET", attachments_path(server.id), {}),
        "attach-2xx": ("POST", attachments_path(server.id),
                       {"json": {"volumeAttachment": {"volumeId": volume.id}}}),
        "detach-202": ("DELETE", attachments_path(server.id, attached.id), {}),
        "schema-400": ("POST", attachments_path(server.id), {"json": {}}),
        "swap-403": ("PUT", attachments_path(server.id, attached.id),
                     {"json": {"volumeAttachment": {"volumeId": volume.id}}}),
        "show-404": ("GET", attachments_path(server.id, volume.id), {}),
        "attached-400": ("POST", attachments_path(server.id),
                         {"json": {"volumeAttachment": {"volumeId": attached.id}}}),
        "415": ("GET", attachments_path(server.id), {"headers": {"Content-Type": "text/xml"}}),
        "version-doc": ("GET", "/compute/v2.1/", {"user": None}),
    }
    method, path, kwargs = calls[kind]
    return api.request(method, path, version=version, **kwargs)


@pytest.mark.parametrize("version", ["2.1", "2.79", "2.104"])
@pytest.mark.parametrize("kind", ["list-200", "attach-2xx", "detach-202", "schema-400",
                                  "swap-403", "show-404", "attached-400", "415", "version-doc"])
def test_every_answer_names_its_version(api: Api, cloud: Cloud, kind: str,
                                        version: str) -> None:
    answer = _answer_of(api, cloud, kind, version)
    expected_status = {"list-200": 200, "attach-2xx": 202 if version == "2.104" else 200,
                       "detach-202": 202, "schema-400": 400, "swap-403": 403, "show-404": 404,
                       "attached-400": 400, "415": 415, "version-doc": 200}[kind]
    assert answer.status_code == expected_status, answer.get_data(as_text=True)
    _assert_served(answer, version)


# -- one test per gate: the behaviour at X-1 and at X ----------------------------------

Probe = Callable[[Api, Cloud, str], object]


def _attach(api: Api, cloud: Cloud, version: str, *, server_status: str = "ACTIVE",
            multiattach: bool = False, **extra: object) -> TestResponse:
    server = cloud.state.add_server("vm", status=server_status)
    volume = cloud.state.add_volume("data", multiattach=multiattach)
    return api.post(attachments_path(server.id), version=version,
                    json={"volumeAttachment": {"volumeId": volume.id, **extra}})


def _shown_keys(api: Api, cloud: Cloud, version: str) -> object:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id, tag="t", delete_on_termination=True)
    item = api.get(attachments_path(server.id, volume.id), version=version).get_json()
    return sorted(item["volumeAttachment"])


def _list_with_unknown_parameter(api: Api, cloud: Cloud, version: str) -> object:
    server = cloud.state.add_server("vm")
    return api.get(attachments_path(server.id) + "?foo=1", version=version).status_code


def _member_same_volume_put(api: Api, cloud: Cloud, version: str) -> object:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id)
    return api.put(attachments_path(server.id, volume.id), version=version,
                   json={"volumeAttachment": {"volumeId": volume.id}}).status_code


def _attach_answer(api: Api, cloud: Cloud, version: str) -> object:
    answer = _attach(api, cloud, version)
    return answer.status_code, answer.get_data() != b""


BASE_KEYS = ["device", "id", "serverId", "volumeId"]
GATES: list[tuple[str, Probe, object, object]] = [
    ("2.20", lambda a, c, v: _attach(a, c, v, server_status="SHELVED_OFFLOADED").status_code,
     409, 200),
    ("2.49", lambda a, c, v: _attach(a, c, v, tag="t").status_code, 400, 200),
    ("2.60", lambda a, c, v: _attach(a, c, v, multiattach=True).status_code, 400, 200),
    ("2.70", _shown_keys, BASE_KEYS, sorted([*BASE_KEYS, "tag"])),
    ("2.75", _list_with_unknown_parameter, 200, 400),
    ("2.79", lambda a, c, v: _attach(a, c, v, delete_on_termination=True).status_code,
     400, 200),
    ("2.79", _shown_keys, sorted([*BASE_KEYS, "tag"]),
     sorted([*BASE_KEYS, "tag", "delete_on_termination"])),
    ("2.85", _member_same_volume_put, 403, 202),
    ("2.89", _shown_keys, sorted([*BASE_KEYS, "tag", "delete_on_termination"]),
     sorted(["attachment_id", "bdm_uuid", "delete_on_termination", "device", "serverId", "tag",
             "volumeId"])),
    ("2.101", _attach_answer, (200, True), (202, False)),
]


@pytest.mark.parametrize(("gate", "probe", "below", "at"), GATES,
                         ids=[f"{gate}-{i}" for i, (gate, *_) in enumerate(GATES)])
def test_gate(api: Api, cloud: Cloud, gate: str, probe: Probe, below: object,
              at: object) -> None:
    version = APIVersion.parse(gate)
    previous = str(APIVersion(version.major, version.minor - 1))
    assert (probe(api, cloud, previous), probe(api, cloud, gate)) == (below, at)
