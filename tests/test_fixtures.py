"""Seeding: fixture files (YAML and JSON), the demo cloud, and apps that share nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakenova import create_app
from fakenova.harness.fixture_files import FixtureError

from .conftest import Api, attachments_path

FIXTURE = {
    "projects": [{"name": "team-a"}],
    "users": [{"name": "alice", "password": "alice", "roles": {"team-a": ["member"]}}],
    "volumes": [{"name": "data", "project": "team-a", "size": 10},
                {"name": "root", "project": "team-a", "bootable": True}],
    "servers": [{"name": "app", "project": "team-a",
                 "id": "0a000000-0000-4000-8000-000000000001"},
                {"name": "bfv", "project": "team-a", "boot_volume": "root"}],
    "attachments": [{"server": "app", "volume": "data", "tag": "db",
                     "delete_on_termination": True}],
}


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_fixture_file_seeds_a_project_its_user_and_their_cloud(tmp_path: Path,
                                                                 suffix: str) -> None:
    path = tmp_path / f"cloud{suffix}"
    path.write_text(json.dumps(FIXTURE))  # JSON is YAML too; the suffix picks the parser
    api = Api(create_app([path]))
    answer = api.get(attachments_path("0a000000-0000-4000-8000-000000000001"), user="alice",
                     version="2.89")
    assert answer.status_code == 200
    [attachment] = answer.get_json()["volumeAttachments"]
    assert (attachment["device"], attachment["tag"], attachment["delete_on_termination"]) == (
        "/dev/vdb", "db", True)
    bfv = api.cloud.state.find_server("bfv")
    listed = api.get(attachments_path(bfv.id), user="alice").get_json()["volumeAttachments"]
    assert [a["device"] for a in listed] == ["/dev/vda"]


def test_the_demo_cloud_has_what_the_readme_promises() -> None:
    state = create_app(["demo"]).extensions["fakenova"].state
    statuses = {s.name: (s.status, s.locked) for s in state.servers.values()}
    assert {"ACTIVE", "SHUTOFF", "SHELVED_OFFLOADED", "BUILD"} <= {s for s, _ in statuses.values()}
    assert any(locked for _, locked in statuses.values())
    assert any(s.boots_from_volume for s in state.servers.values())
    projects = {p.name for p in state.projects.values()}
    assert projects == {"admin", "demo"}
    volumes = list(state.volumes.values())
    assert {"available", "in-use"} <= {v.status for v in volumes}
    assert any(v.multiattach for v in volumes)


@pytest.mark.parametrize(("content", "complaint"), [
    ("servers: [{name: x, colour: blue}]", "unknown keys ['colour']"),
    ("planets: []", "unknown sections ['planets']"),
    ("servers: {name: x}", "servers must be a list of mappings"),
    ("- just a list", "the top level must be a mapping"),
    ("servers: [{name: x, project: nowhere}]", "Could not find project: nowhere."),
    ("attachments: [{server: ghost, volume: nothing}]", "Instance ghost could not be found."),
    ("servers: [{name: x\n", "not valid YAML"),
])
def test_a_broken_fixture_says_what_is_wrong(tmp_path: Path, content: str,
                                             complaint: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content)
    with pytest.raises(FixtureError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        create_app([path])


def test_a_missing_fixture_is_an_error() -> None:
    with pytest.raises(FixtureError, match="not found"):
        create_app(["no-such-fixture"])


def test_two_apps_share_nothing() -> None:
    first, second = Api(create_app()), Api(create_app())
    server = first.cloud.state.add_server("only-in-first")
    assert first.get(attachments_path(server.id)).status_code == 200
    assert second.get(attachments_path(server.id)).status_code == 404
    token = first.token("demo")
    foreign = second.client.get(attachments_path(server.id), headers={"X-Auth-Token": token})
    assert foreign.status_code == 401


def test_reset_returns_to_the_fixtures_and_keeps_tokens(tmp_path: Path) -> None:
    api = Api(create_app(["demo"]))
    web = api.cloud.state.find_server("web-1").id
    data = api.cloud.state.find_volume("data-1").id
    body = {"volumeAttachment": {"volumeId": data}}
    assert api.post(attachments_path(web), json=body).status_code == 200
    before = api.get(attachments_path(web)).get_json()
    assert len(before["volumeAttachments"]) == 2
    assert api.client.post("/_fakenova/reset").status_code == 204
    after = api.get(attachments_path(web)).get_json()
    assert [a["volumeId"] for a in after["volumeAttachments"]] != [data]
    assert len(after["volumeAttachments"]) == 1


SNAPSHOTS_AND_BACKUPS = """
volumes: [{name: data, project: demo, size: 3}, {name: gone, project: demo}]
snapshots: [{volume: data, name: nightly}, {volume: data, name: broken, status: error}]
backups: [{volume: data, name: full}, {volume: data, name: delta, incremental: true}]
images: [{name: private-one, project: demo, visibility: private}]
"""


def test_a_fixture_seeds_images_snapshots_and_backups_and_reset_brings_them_back(
        tmp_path: Path) -> None:
    fixture = tmp_path / "cloud.yaml"
    fixture.write_text(SNAPSHOTS_AND_BACKUPS)
    api = Api(create_app(["demo", str(fixture)]))
    demo = api.cloud.state.find_project("demo").id
    volume3 = {"OpenStack-API-Version": "volume 3.0"}

    def listed(kind: str) -> list[tuple[str, str]]:
        answer = api.request("GET", f"/volume/v3/{demo}/{kind}/detail", headers=volume3)
        return sorted((item["name"], item["status"]) for item in answer.get_json()[kind])

    assert listed("snapshots") == [("broken", "error"), ("nightly", "available")]
    assert listed("backups") == [("delta", "available"), ("full", "available")]
    images = api.request("GET", "/image/v2/images").get_json()["images"]
    assert {"private-one", "cirros-0.6.3-x86_64-disk"} <= {i["name"] for i in images}
    nightly = next(s for s in api.cloud.state.snapshots.values() if s.name == "nightly")
    assert api.request("DELETE", f"/volume/v3/{demo}/snapshots/{nightly.id}",
                       headers=volume3, state_may_change=True).status_code == 202
    api.cloud.reset()
    assert listed("snapshots") == [("broken", "error"), ("nightly", "available")]


def test_a_fixture_snapshot_of_a_volume_it_does_not_have_is_an_error(tmp_path: Path) -> None:
    fixture = tmp_path / "cloud.yaml"
    fixture.write_text("snapshots: [{volume: nowhere}]\n")
    with pytest.raises(FixtureError, match=r"snapshots entry .*nowhere"):
        create_app(["demo", str(fixture)])
