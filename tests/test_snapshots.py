"""Cinder volume snapshots under /volume/v3/snapshots, and managing and unmanaging them.

Upstream: cinder.api.v3.snapshots.SnapshotsController and cinder.api.v3.views.snapshots
(the views and their microversions), cinder.api.contrib.extended_snapshot_attributes,
cinder.volume.api.API (create_snapshot, create_snapshot_force, _create_snapshot_in_db_validate,
delete_snapshot, delete's snapshot filters, manage_existing_snapshot),
cinder.api.contrib.snapshot_actions, cinder.api.contrib.admin_actions.SnapshotAdminController,
cinder.api.v3.snapshot_metadata, cinder.api.contrib.snapshot_manage and snapshot_unmanage,
cinder.api.schemas (snapshots, snapshot_metadata, snapshot_manage, admin_actions),
cinder/policies/snapshots.py and manageable_snapshots.py; the volume create flow's
_extract_snapshot and _extract_size (volumes from snapshots).
"""

from __future__ import annotations

from typing import Any

import pytest
from tempest.lib import exceptions as lib_exc
from tempest.lib.services.volume.v3.snapshot_manage_client import SnapshotManageClient
from tempest.lib.services.volume.v3.snapshots_client import SnapshotsClient

from fakenova import Cloud
from fakenova.domain import snapshots as snapshot_ops
from fakenova.domain.model import Context
from fakenova.testing.handle import Fakenova

from .conftest import Api, as_user, assert_fault
from .tempest_auth import provider

BASE = "/volume/v3/snapshots"
MISSING = "0f2bd3c4-84b5-4a9a-9d2e-4b7bd8c4f2a1"
SUMMARY = {"id", "created_at", "updated_at", "name", "description", "volume_id", "status",
           "size", "metadata"}
EXTENDED = {"os-extended-snapshot-attributes:project_id",
            "os-extended-snapshot-attributes:progress"}
IN_USE_REFUSED = ("Invalid volume: Volume {} status must be available, but current status "
                  "is: in-use.")


def cinder(version: str = "3.0", **kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for a Cinder request at ``version`` (``as_user`` ones merged)."""
    headers = dict(kwargs.pop("headers", {}))
    headers["OpenStack-API-Version"] = f"volume {version}"
    return {**kwargs, "headers": headers}


def create(api: Api, volume_id: str, version: str = "3.0", **fields: Any) -> dict[str, Any]:
    answer = api.post(BASE, json={"snapshot": {"volume_id": volume_id, **fields}},
                      **cinder(version))
    assert answer.status_code == 202, answer.get_data(as_text=True)
    snapshot: dict[str, Any] = answer.get_json()["snapshot"]
    return snapshot


def test_create_show_list_update_delete(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data", size=3)
    made = create(api, volume.id, name=" snap ", description="d", metadata={"k": "v"})
    assert set(made) == SUMMARY  # create answers the detail view, without the extension
    assert (made["name"], made["size"], made["status"]) == ("snap", 3, "available")
    shown = api.get(f"{BASE}/{made['id']}", **cinder()).get_json()["snapshot"]
    assert set(shown) == SUMMARY | EXTENDED
    assert shown["os-extended-snapshot-attributes:progress"] == "100%"
    listed = api.get(BASE, **cinder()).get_json()["snapshots"]
    assert [set(s) for s in listed] == [SUMMARY]
    detailed = api.get(f"{BASE}/detail", **cinder()).get_json()["snapshots"]
    assert [set(s) for s in detailed] == [SUMMARY | EXTENDED]
    updated = api.put(f"{BASE}/{made['id']}", json={"snapshot": {"display_name": "n2"}},
                      **cinder()).get_json()["snapshot"]
    assert updated["name"] == "n2" and set(updated) == SUMMARY
    answer = api.delete(f"{BASE}/{made['id']}", **cinder())
    assert answer.status_code == 202 and answer.get_data() == b""
    assert cloud.state.snapshots == {}


@pytest.mark.parametrize(("version", "added"), [
    ("3.13", set()), ("3.14", {"group_snapshot_id"}),
    ("3.41", {"group_snapshot_id", "user_id"}),
    ("3.65", {"group_snapshot_id", "user_id", "consumes_quota"})])
def test_microversions_add_fields_to_the_detail_view(api: Api, cloud: Cloud, version: str,
                                                     added: set[str]) -> None:
    snapshot = cloud.state.add_snapshot(cloud.state.add_volume("data").id)
    shown = api.get(f"{BASE}/{snapshot.id}", **cinder(version)).get_json()["snapshot"]
    assert set(shown) == SUMMARY | EXTENDED | added
    summary = api.get(BASE, **cinder(version)).get_json()["snapshots"][0]
    assert set(summary) == SUMMARY  # the index uses the summary view at every version


def test_an_in_use_volume_needs_force_until_3_66(api: Api, cloud: Cloud) -> None:
    cloud.state.add_server("web")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment("web", "data")
    body = {"snapshot": {"volume_id": volume.id}}
    assert_fault(api.post(BASE, json=body, **cinder()), 400, "badRequest",
                 IN_USE_REFUSED.format(volume.id))
    assert_fault(api.post(BASE, json={"snapshot": {"volume_id": volume.id, "force": "no"}},
                          **cinder()), 400, "badRequest", IN_USE_REFUSED.format(volume.id))
    assert create(api, volume.id, force="true")["status"] == "available"
    assert create(api, volume.id, version="3.66")["status"] == "available"
    assert create(api, volume.id, version="3.66", force=True)["status"] == "available"
    refused = api.post(BASE, json={"snapshot": {"volume_id": volume.id, "force": False}},
                       **cinder("3.66"))
    assert refused.status_code == 400
    assert "the 'force' flag is invalid for this request" in refused.get_json()[
        "badRequest"]["message"]


@pytest.mark.parametrize(("status", "message"), [
    ("error", "The snapshot cannot be created when the volume is in error status."),
    ("maintenance", "The snapshot cannot be created when the volume is in maintenance mode."),
    ("creating", "The snapshot cannot be created because volume has not been scheduled to "
                 "any host."),
    ("backing-up", "Volume {} status must be available, in-use, but current status is: "
                   "backing-up."),
])
def test_volume_states_that_refuse_a_snapshot(api: Api, cloud: Cloud, status: str,
                                              message: str) -> None:
    volume = cloud.state.add_volume("data", status=status)
    answer = api.post(BASE, json={"snapshot": {"volume_id": volume.id, "force": True}},
                      **cinder())
    assert_fault(answer, 400, "badRequest", "Invalid volume: " + message.format(volume.id))


def test_missing_volumes_and_snapshots_are_404(api: Api, cloud: Cloud) -> None:
    assert_fault(api.post(BASE, json={"snapshot": {"volume_id": MISSING}}, **cinder()), 404,
                 "itemNotFound", f"Volume {MISSING} could not be found.")
    for method in ("get", "delete"):
        assert_fault(getattr(api, method)(f"{BASE}/{MISSING}", **cinder()), 404,
                     "itemNotFound", f"Snapshot {MISSING} could not be found.")
    theirs = cloud.state.add_snapshot(cloud.state.add_volume("ops", project="admin").id)
    assert api.get(f"{BASE}/{theirs.id}", **cinder()).status_code == 404
    assert api.get(f"{BASE}/{theirs.id}", **cinder(user="admin")).status_code == 200
    assert api.get(BASE, **cinder()).get_json() == {"snapshots": []}
    everyone = api.get(f"{BASE}?all_tenants=1", **cinder(user="admin")).get_json()
    assert [s["id"] for s in everyone["snapshots"]] == [theirs.id]


@pytest.mark.parametrize("body", [
    {"snapshot": {}}, {"snapshot": {"volume_id": "not-a-uuid"}},
    {"snapshot": {"volume_id": MISSING, "force": "maybe"}},
    {"snapshot": {"volume_id": MISSING, "bogus": 1}}, {"snap": {}}, [],
    {"snapshot": {"volume_id": MISSING, "name": "x" * 256}},
    {"snapshot": {"volume_id": MISSING, "metadata": {"k": 1}}},
])
def test_bodies_the_schema_refuses(api: Api, body: Any) -> None:
    answer = api.post(BASE, json=body, **cinder())
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert list(answer.get_json()) == ["badRequest"]


def test_a_snapshot_blocks_deleting_its_volume_unless_cascading(api: Api,
                                                                cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    snapshot = cloud.state.add_snapshot(volume.id)
    assert_fault(api.delete(f"/volume/v3/volumes/{volume.id}", **cinder()), 400, "badRequest",
                 "Invalid volume: Volume status must be available or error or "
                 "error_restoring or error_extending or error_managing and must not be "
                 "migrating, attached, belong to a group, have snapshots, awaiting a "
                 "transfer, or be disassociated from snapshots after volume transfer.")
    creating = cloud.state.add_snapshot(volume.id, status="creating")
    refused = api.delete(f"/volume/v3/volumes/{volume.id}?cascade=true", **cinder())
    assert refused.status_code == 400  # a creating snapshot is not deletable
    cloud.state.snapshots.pop(creating.id)
    assert api.delete(f"/volume/v3/volumes/{volume.id}?cascade=maybe",
                      **cinder()).status_code == 400
    assert api.delete(f"/volume/v3/volumes/{volume.id}?cascade=true",
                      **cinder()).status_code == 202
    assert snapshot.id not in cloud.state.snapshots and volume.id not in cloud.state.volumes


def test_volumes_from_snapshots(api: Api, cloud: Cloud) -> None:
    source = cloud.state.add_volume("data", size=2, bootable=True)
    snapshot = cloud.state.add_snapshot(source.id)
    made = api.post("/volume/v3/volumes", json={"volume": {"snapshot_id": snapshot.id}},
                    **cinder()).get_json()["volume"]
    assert (made["snapshot_id"], made["size"], made["bootable"]) == (snapshot.id, 2, "true")
    bigger = api.post("/volume/v3/volumes",
                      json={"volume": {"snapshot_id": snapshot.id, "size": 3}}, **cinder())
    assert bigger.get_json()["volume"]["size"] == 3
    assert_fault(api.post("/volume/v3/volumes",
                          json={"volume": {"snapshot_id": snapshot.id, "size": 1}}, **cinder()),
                 400, "badRequest", "Invalid input received: Volume size '1'GB cannot be "
                 "smaller than the snapshot size 2GB. They must be >= original snapshot size.")
    assert_fault(api.post("/volume/v3/volumes", json={"volume": {"snapshot_id": MISSING}},
                          **cinder()), 404, "itemNotFound",
                 f"Snapshot {MISSING} could not be found.")
    busy = cloud.state.add_snapshot(source.id, status="creating")
    assert_fault(api.post("/volume/v3/volumes", json={"volume": {"snapshot_id": busy.id}},
                          **cinder()), 400, "badRequest",
                 "Invalid snapshot: Originating snapshot status must be one of 'available' "
                 "values")


def test_delete_needs_available_or_error_and_admins_force(api: Api, cloud: Cloud) -> None:
    snapshot = cloud.state.add_snapshot(cloud.state.add_volume("data").id, status="creating")
    assert_fault(api.delete(f"{BASE}/{snapshot.id}", **cinder()), 400, "badRequest",
                 "Invalid snapshot: Snapshot status must be available or error and must not "
                 "be part of a group.")
    action = f"{BASE}/{snapshot.id}/action"
    assert_fault(api.post(action, json={"os-force_delete": {}}, **cinder()), 403, "forbidden",
                 "Policy doesn't allow volume_extension:snapshot_admin_actions:force_delete "
                 "to be performed.")
    assert api.post(action, json={"os-force_delete": {}}, **cinder(user="admin")
                    ).status_code == 202
    assert cloud.state.snapshots == {}


def test_reset_status_is_for_admins_and_takes_a_snapshot_status(api: Api,
                                                                 cloud: Cloud) -> None:
    snapshot = cloud.state.add_snapshot(cloud.state.add_volume("data").id)
    action = f"{BASE}/{snapshot.id}/action"
    assert api.post(action, json={"os-reset_status": {"status": "error"}},
                    **cinder()).status_code == 403
    answer = api.post(action, json={"os-reset_status": {"status": "bogus"}},
                      **cinder(user="admin"))
    assert_fault(answer, 400, "badRequest", "Snapshot status: bogus is invalid, valid "
                 "statuses are: ('error', 'available', 'creating', 'deleting', 'deleted', "
                 "'updating', 'error_deleting', 'unmanaging', 'backing-up', 'restoring').")
    answer = api.post(action, json={"os-reset_status": {"status": "ERROR"}},
                      **cinder(user="admin"))
    assert answer.status_code == 202 and snapshot.status == "error"


def test_update_snapshot_status_moves_only_from_creating_or_deleting(api: Api,
                                                                      cloud: Cloud) -> None:
    snapshot = cloud.state.add_snapshot(cloud.state.add_volume("data").id, status="creating")
    action = f"{BASE}/{snapshot.id}/action"

    def update(status: str, **more: str) -> Any:
        return api.post(action, json={"os-update_snapshot_status": {"status": status, **more}},
                        **cinder())

    assert_fault(update("deleting"), 400, "badRequest", "Provided snapshot status deleting "
                 "not allowed for snapshot with status creating.")
    assert_fault(update("available", progress="101%"), 400, "badRequest", "Invalid input "
                 "received: progress must be an integer percentage between 0 and 100")
    assert update("available", progress="90%").status_code == 202
    assert (snapshot.status, snapshot.progress) == ("available", "90%")
    assert_fault(update("error"), 400, "badRequest",
                 "Snapshot status available not allowed for update_snapshot_status")


def test_action_bodies(api: Api, cloud: Cloud) -> None:
    snapshot = cloud.state.add_snapshot(cloud.state.add_volume("data").id)
    action = f"{BASE}/{snapshot.id}/action"
    assert_fault(api.post(action, json={"os-frobnicate": {}}, **cinder()), 400, "badRequest",
                 "There is no such action: os-frobnicate. Verify the request body and "
                 "Content-Type header and try again.")
    for body in ({}, {"os-reset_status": {}, "os-force_delete": {}}, ["os-force_delete"]):
        assert_fault(api.post(action, json=body, **cinder()), 400, "badRequest",
                     "Malformed request body")


def test_metadata(api: Api, cloud: Cloud) -> None:
    snapshot = cloud.state.add_snapshot(cloud.state.add_volume("data").id)
    path = f"{BASE}/{snapshot.id}/metadata"
    assert api.post(path, json={"metadata": {"a": "1", "b": "2"}}, **cinder()).get_json() == {
        "metadata": {"a": "1", "b": "2"}}
    assert api.put(f"{path}/a", json={"meta": {"a": "9"}}, **cinder()).get_json() == {
        "meta": {"a": "9"}}
    assert_fault(api.put(f"{path}/a", json={"meta": {"b": "9"}}, **cinder()), 400,
                 "badRequest", "Request body and URI mismatch")
    assert api.get(f"{path}/a", **cinder()).get_json() == {"meta": {"a": "9"}}
    assert api.delete(f"{path}/b", **cinder()).status_code == 200
    assert_fault(api.get(f"{path}/b", **cinder()), 404, "itemNotFound",
                 f"Snapshot {snapshot.id} has no metadata with key b.")
    assert_fault(api.delete(f"{path}/b", **cinder()), 404, "itemNotFound",
                 f"Snapshot {snapshot.id} has no metadata with key b.")
    assert api.put(path, json={"metadata": {"c": "3"}}, **cinder()).get_json() == {
        "metadata": {"c": "3"}}
    assert api.get(path, **cinder()).get_json() == {"metadata": {"c": "3"}}


def test_readers_read_members_write(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    snapshot = cloud.state.add_snapshot(volume.id)
    reader = as_user(api, cloud, "reader")
    assert api.get(f"{BASE}/{snapshot.id}", **cinder(**reader)).status_code == 200
    assert_fault(api.post(BASE, json={"snapshot": {"volume_id": volume.id}},
                          **cinder(**reader)), 403, "forbidden",
                 "Policy doesn't allow volume:create_snapshot to be performed.")
    assert api.delete(f"{BASE}/{snapshot.id}", **cinder(**reader)).status_code == 403


def test_list_pages_sorts_counts_and_filters(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    made = [cloud.state.add_snapshot(volume.id, name=f"s{i}") for i in range(3)]
    for i, snapshot in enumerate(made):
        snapshot.created_at = f"2024-01-0{i + 1}T00:00:00.000000"
    made[0].metadata = {"k": "v"}
    page = api.get(f"{BASE}?limit=2", **cinder()).get_json()
    assert [s["name"] for s in page["snapshots"]] == ["s2", "s1"]
    assert "marker=" in page["snapshots_links"][0]["href"]
    after = api.get(f"{BASE}?marker={made[1].id}", **cinder()).get_json()["snapshots"]
    assert [s["name"] for s in after] == ["s0"]
    asc = api.get(f"{BASE}?sort=name:asc&with_count=true", **cinder("3.45")).get_json()
    assert [s["name"] for s in asc["snapshots"]] == ["s0", "s1", "s2"] and asc["count"] == 3
    assert [s["name"] for s in api.get(f"{BASE}?name=s1", **cinder()).get_json()[
        "snapshots"]] == ["s1"]
    matched = api.get(f"{BASE}?metadata={{'k':'v'}}", **cinder("3.22")).get_json()
    assert [s["name"] for s in matched["snapshots"]] == ["s0"]
    assert_fault(api.get(f"{BASE}?bogus=1", **cinder("3.31")), 400, "badRequest",
                 "Invalid filters bogus are found in query options.")
    assert api.get(f"{BASE}?bogus=1", **cinder("3.30")).status_code == 200
    assert_fault(api.get(f"{BASE}?limit=x", **cinder()), 400, "badRequest",
                 "limit param must be an integer")
    assert_fault(api.get(f"{BASE}?sort_key=bogus", **cinder()), 400, "badRequest",
                 "Invalid input received: Invalid sort key")


def test_create_snapshot_is_callable_without_http(cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    demo = next(u for u in cloud.state.users.values() if u.name == "demo")
    ctx = Context(user_id=demo.id, project_id=volume.project_id, roles=frozenset({"member"}))
    snapshot = snapshot_ops.create_snapshot(cloud.state, ctx, volume.id, name="n",
                                            metadata={"a": "b"})
    assert (snapshot.volume_id, snapshot.name, snapshot.metadata) == (volume.id, "n",
                                                                       {"a": "b"})


# -- manage and unmanage ---------------------------------------------------------------

def test_unmanage_then_manage_again(api: Api, cloud: Cloud) -> None:
    cloud.state.add_server("web")
    volume = cloud.state.add_volume("data", size=2)
    cloud.state.add_attachment("web", "data")  # an in-use volume is fine
    snapshot = cloud.state.add_snapshot(volume.id)
    action = f"{BASE}/{snapshot.id}/action"
    assert_fault(api.post(action, json={"os-unmanage": {}}, **cinder()), 403, "forbidden",
                 "Policy doesn't allow snapshot_extension:snapshot_unmanage to be performed.")
    assert api.post(action, json={"os-unmanage": {}}, **cinder(user="admin")
                    ).status_code == 202
    assert snapshot.id not in cloud.state.snapshots
    body = {"snapshot": {"volume_id": volume.id, "name": "back", "metadata": {"k": "v"},
                         "ref": {"source-name": f"_snapshot-{snapshot.id}"}}}
    assert api.post("/volume/v3/manageable_snapshots", json=body,
                    **cinder(user="admin")).status_code == 404  # before 3.8
    assert api.post("/volume/v3/os-snapshot-manage", json=body, **cinder()).status_code == 403
    answer = api.post("/volume/v3/manageable_snapshots", json=body, **cinder("3.8", user="admin"))
    assert answer.status_code == 202
    managed = api.get(f"{BASE}/{answer.get_json()['snapshot']['id']}",
                      **cinder(user="admin")).get_json()["snapshot"]
    assert (managed["status"], managed["size"], managed["name"], managed["metadata"]) == (
        "available", 2, "back", {"k": "v"})
    again = api.post("/volume/v3/os-snapshot-manage", json=body, **cinder(user="admin"))
    assert again.status_code == 202  # the logical volume is managed already: error later
    assert cloud.state.snapshots[again.get_json()["snapshot"]["id"]].status == "error"


def test_manage_refuses_bad_bodies_and_missing_volumes(api: Api, cloud: Cloud) -> None:
    path = "/volume/v3/os-snapshot-manage"
    assert api.post(path, json={"snapshot": {"volume_id": MISSING}},
                    **cinder(user="admin")).status_code == 400  # no ref
    assert_fault(api.post(path, json={"snapshot": {"volume_id": MISSING, "ref": "x"}},
                          **cinder(user="admin")), 404, "itemNotFound",
                 f"Volume {MISSING} could not be found.")


# -- tempest's clients, which check upstream's response schemas -----------------------

def test_tempests_snapshot_clients(fakenova: Fakenova) -> None:
    volume = fakenova.add_volume("data")
    client = SnapshotsClient(provider(fakenova), "volumev3", "RegionOne")
    made = client.create_snapshot(volume_id=volume.id, name="s", metadata={"a": "b"})[
        "snapshot"]
    assert client.show_snapshot(made["id"])["snapshot"]["status"] == "available"
    assert [s["id"] for s in client.list_snapshots(detail=True)["snapshots"]] == [made["id"]]
    client.update_snapshot(made["id"], name="t")
    client.create_snapshot_metadata(made["id"], {"c": "d"})
    assert client.show_snapshot_metadata(made["id"])["metadata"] == {"a": "b", "c": "d"}
    with pytest.raises(lib_exc.Forbidden):
        client.reset_snapshot_status(made["id"], "error")
    with pytest.raises(lib_exc.Forbidden):
        SnapshotManageClient(provider(fakenova), "volumev3", "RegionOne").manage_snapshot(
            volume_id=volume.id, ref={"source-name": "x"})
    client.delete_snapshot(made["id"])
    client.wait_for_resource_deletion(made["id"])


def test_the_consistency_check_reports_a_snapshot_without_its_volume(cloud: Cloud) -> None:
    from fakenova.consistency import check

    volume = cloud.state.add_volume("data")
    snapshot = cloud.state.add_snapshot(volume.id)
    cloud.state.add_backup(volume.id)
    assert check(cloud.state) == []
    del cloud.state.volumes[volume.id]  # a backup may outlive its volume; a snapshot not
    assert check(cloud.state) == [
        f"snapshot {snapshot.id} is of volume {volume.id}, which does not exist"]


def test_a_volume_with_snapshots_outlives_its_server(api: Api, cloud: Cloud) -> None:
    """Nova deletes a delete_on_termination volume through Cinder, which refuses while it
    has snapshots: the volume stays, available."""
    cloud.state.add_server("web")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment("web", "data", delete_on_termination=True)
    cloud.state.add_snapshot(volume.id)
    server = cloud.state.find_server("web")
    assert api.delete(f"/compute/v2.1/servers/{server.id}").status_code == 204
    assert cloud.state.volumes[volume.id].status == "available"
