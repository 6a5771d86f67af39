"""A reset restores exactly the fixtures' state, whatever happened since, even though it
only restores what changed."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fakenova import create_app

from .conftest import Api, attachments_path

VERSIONS = ["2.1", "2.20", "2.60", "2.79", "2.85", "2.89", "2.101"]


def random_request(api: Api, rng: random.Random) -> None:
    """One request a client might make, on a random server and volume of the cloud."""
    state = api.cloud.state
    with state.transaction():
        servers, volumes = list(state.servers.values()), list(state.volumes.values())
    if not servers or not volumes:
        return
    server, volume, other = rng.choice(servers), rng.choice(volumes), rng.choice(volumes)
    user = rng.choice(["demo", "admin"])
    version = rng.choice(VERSIONS)
    body = {"volumeAttachment": {"volumeId": volume.id}}
    choices: list[tuple[str, str, Any]] = [
        ("POST", attachments_path(server.id), body),
        ("DELETE", attachments_path(server.id, volume.id), None),
        ("PUT", attachments_path(server.id, volume.id),
         {"volumeAttachment": {"volumeId": other.id}}),
        ("PUT", attachments_path(server.id, volume.id),
         {"volumeAttachment": {"volumeId": volume.id, "delete_on_termination": True}}),
        ("POST", f"/compute/v2.1/servers/{server.id}/action",
         {rng.choice(["os-stop", "os-start", "lock", "unlock", "shelve", "unshelve"]): None}),
        ("DELETE", f"/compute/v2.1/servers/{server.id}", None),
        ("POST", "/compute/v2.1/servers", {"server": {
            "name": "new", "flavorRef": "1", "networks": "none",
            "block_device_mapping_v2": [{"boot_index": 0, "uuid": volume.id,
                                         "source_type": "volume",
                                         "destination_type": "volume"}]}}),
    ]
    method, path, payload = rng.choice(choices)
    kwargs: dict[str, Any] = {"json": payload} if payload is not None else {}
    api.request(method, path, user=user, version=version, state_may_change=True, **kwargs)
    if rng.random() < 0.1:
        project = state.find_project("demo").id
        volume_path = f"/volume/v3/{project}/volumes"
        api.request("POST", volume_path, json={"volume": {"size": 1, "name": "v"}},
                    state_may_change=True)
        api.request("DELETE", f"{volume_path}/{volume.id}", state_may_change=True)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("clock", ["immediate", "manual"])
def test_reset_restores_the_fixtures_exactly(seed: int, clock: str) -> None:
    app = create_app(["demo"], clock=clock)  # type: ignore[arg-type]
    api = Api(app)
    cloud = api.cloud
    baseline = cloud.state.dump()
    rng = random.Random(seed)
    for step in range(60):
        random_request(api, rng)
        if clock == "manual" and step % 7 == 0:
            cloud.advance(1)
    cloud.state.add_project("extra")
    cloud.state.add_volume("seeded", project="extra")
    cloud.snapshot("midway")
    assert cloud.state.dump() != baseline, "the run should have changed something"
    cloud.reset()
    assert cloud.state.dump() == baseline
    cloud.restore("midway")
    cloud.reset()
    assert cloud.state.dump() == baseline


def test_a_seed_that_fails_halfway_changes_nothing() -> None:
    cloud = create_app(["demo"]).extensions["fakenova"]
    before = cloud.state.dump()
    with pytest.raises(Exception, match="Instance ghost could not be found"):
        cloud.seed({"servers": [{"name": "new"}],
                    "attachments": [{"server": "web-1", "volume": "data-1"},
                                    {"server": "ghost", "volume": "data-2"}]})
    assert cloud.state.dump() == before
