"""Presets aim at operations by name across the APIs fakenova serves: a server action and a
volume action by their body's key (one path carries them all), snapshots, backups and images
by method and path. A preset fires on its operation and on no other."""

from __future__ import annotations

from typing import Any

import pytest

from fakenova import create_app
from fakenova.harness.presets import OPERATIONS, expand

from .conftest import Api

WEB_1 = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a01"
DATA_1 = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"
IMAGE = "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"
VOLUME_3 = {"OpenStack-API-Version": "volume 3.0"}

# operation -> (method, path, body, headers): one request of it against the demo cloud
REQUESTS: dict[str, tuple[str, str, Any, dict[str, str]]] = {
    "rescue": ("POST", f"/compute/v2.1/servers/{WEB_1}/action", {"rescue": None}, {}),
    "rebuild": ("POST", f"/compute/v2.1/servers/{WEB_1}/action",
                {"rebuild": {"imageRef": IMAGE}}, {}),
    "volume_reserve": ("POST", f"/volume/v3/{{demo}}/volumes/{DATA_1}/action",
                       {"os-reserve": None}, VOLUME_3),
    "extend": ("POST", f"/volume/v3/{{demo}}/volumes/{DATA_1}/action",
               {"os-extend": {"new_size": 2}}, VOLUME_3),
    "snapshot_create": ("POST", "/volume/v3/{demo}/snapshots",
                        {"snapshot": {"volume_id": DATA_1}}, VOLUME_3),
    "backup_create": ("POST", "/volume/v3/{demo}/backups",
                      {"backup": {"volume_id": DATA_1}}, VOLUME_3),
    "image_list": ("GET", "/image/v2/images", None, {}),
    "image_show": ("GET", f"/image/v2/images/{IMAGE}", None, {}),
}


def send(api: Api, operation: str) -> int:
    method, path, body, headers = REQUESTS[operation]
    path = path.replace("{demo}", api.cloud.state.find_project("demo").id)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    return api.request(method, path, headers=headers, state_may_change=True,
                       **kwargs).status_code


@pytest.mark.parametrize("operation", sorted(REQUESTS))
def test_a_preset_fires_on_its_operation_and_no_other(operation: str) -> None:
    api = Api(create_app(["demo"]))
    api.cloud.faults.add({"preset": "flaky", "operation": operation, "status": 409})
    assert send(api, operation) == 409
    for other in sorted(set(REQUESTS) - {operation}):
        assert send(api, other) != 409, other
    assert [(r.fired, r.seen) for r in api.cloud.faults.rules()] == [(1, 1)]


def test_every_operation_names_a_route_fakenova_serves() -> None:
    app = create_app(["demo"])
    app.services.all()
    for name, keys in OPERATIONS.items():
        rule = expand({"preset": "drop", "operation": name})
        assert {k: rule[k] for k in keys} == keys, name
    rules = {f"{r.methods and sorted(r.methods - {'HEAD', 'OPTIONS'})} {r.rule}"
             for r in app.url_map.iter_rules()}
    assert rules  # the app routes something; each operation's path is checked below
    for name, keys in OPERATIONS.items():
        prefix = {"compute": "/compute/v2.1", "volume": "/volume/v3/<project_id>",
                  "image": "/image/v2"}[keys["service"]]
        wanted = prefix + keys["path"].replace("*", "<")
        assert any(rule.split(" ", 1)[1].split("<")[0] == wanted.split("<")[0]
                   and keys["method"] in rule for rule in rules), name


def test_a_body_key_rule_is_checked_as_any_other_key() -> None:
    api = Api(create_app(["demo"]))
    answer = api.client.post("/_fakenova/faults", json={"status": 409, "body_key": ""})
    assert answer.status_code == 400
    assert "body_key" in answer.get_json()["error"]["message"]
