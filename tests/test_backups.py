"""Cinder volume backups under /volume/v3/backups.

Upstream: cinder.api.contrib.backups.BackupsController and cinder.api.v3.backups (update
from 3.9, the project and user attributes from 3.18 and 3.56), cinder.api.views.backups and
cinder.api.v3.views.backups (metadata from 3.43), cinder.backup.api.API (create, delete,
restore, reset_status), cinder.api.contrib.admin_actions.BackupAdminController,
cinder.api.schemas.backups and admin_actions, cinder/policies/backups.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from tempest.lib import exceptions as lib_exc
from tempest.lib.services.volume.v3.backups_client import BackupsClient

from fakenova import Cloud, create_app
from fakenova.testing.handle import Fakenova

from .conftest import Api, as_user, assert_fault
from .tempest_auth import provider
from .test_snapshots import MISSING, cinder

BASE = "/volume/v3/backups"
DETAIL = {"id", "status", "size", "object_count", "availability_zone", "container",
          "created_at", "updated_at", "name", "description", "fail_reason", "volume_id",
          "links", "is_incremental", "has_dependent_backups", "snapshot_id", "data_timestamp"}
NO_PARENT = "Invalid backup: No backups available to do an incremental backup."


def backup(api: Api, volume_id: str, version: str = "3.0", **fields: Any) -> dict[str, Any]:
    answer = api.post(BASE, json={"backup": {"volume_id": volume_id, **fields}},
                      **cinder(version))
    assert answer.status_code == 202, answer.get_data(as_text=True)
    made: dict[str, Any] = answer.get_json()["backup"]
    return made


def show(api: Api, backup_id: str, version: str = "3.0", **kwargs: Any) -> dict[str, Any]:
    shown: dict[str, Any] = api.get(f"{BASE}/{backup_id}",
                                    **cinder(version, **kwargs)).get_json()["backup"]
    return shown


@pytest.fixture
def manual() -> tuple[Api, Cloud]:
    """An app of its own on the manual clock: transitions wait for ``advance``."""
    app = create_app(clock="manual")
    return Api(app), app.extensions["fakenova"]


def test_create_answers_the_summary_and_the_volume_goes_back_to_its_status(
        manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    volume = cloud.state.add_volume("data", size=2)
    made = backup(api, volume.id, name=" b ", description="d")
    assert set(made) == {"id", "name", "links"} and made["name"] == "b"
    assert volume.status == "backing-up"
    assert show(api, made["id"])["status"] == "creating"
    cloud.advance(1)
    shown = show(api, made["id"])
    assert set(shown) == DETAIL
    assert (shown["status"], shown["size"], shown["is_incremental"],
            shown["has_dependent_backups"]) == ("available", 2, False, False)
    assert volume.status == "available"


def test_an_in_use_volume_needs_force_and_stays_in_use(api: Api, cloud: Cloud) -> None:
    cloud.state.add_server("web")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment("web", "data")
    assert_fault(api.post(BASE, json={"backup": {"volume_id": volume.id}}, **cinder()), 400,
                 "badRequest", "Invalid volume: Backing up an in-use volume must use the "
                 "force flag.")
    backup(api, volume.id, force=True)
    assert volume.status == "in-use"


def test_a_volume_that_is_busy_cannot_be_backed_up(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data", status="error")
    assert_fault(api.post(BASE, json={"backup": {"volume_id": volume.id}}, **cinder()), 400,
                 "badRequest", 'Invalid volume: Volume to be backed up must be available or '
                 'in-use, but the current status is "error".')
    assert_fault(api.post(BASE, json={"backup": {"volume_id": MISSING}}, **cinder()), 404,
                 "itemNotFound", f"Volume {MISSING} could not be found.")


def test_incremental_backups_build_on_the_newest_full_one(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    assert_fault(api.post(BASE, json={"backup": {"volume_id": volume.id,
                                                 "incremental": True}}, **cinder()),
                 400, "badRequest", NO_PARENT)
    full = backup(api, volume.id)
    delta = backup(api, volume.id, incremental="yes")
    assert show(api, delta["id"])["is_incremental"] is True
    assert show(api, full["id"])["has_dependent_backups"] is True
    assert_fault(api.delete(f"{BASE}/{full['id']}", **cinder()), 400, "badRequest",
                 "Invalid backup: Incremental backups exist for this backup.")
    assert api.delete(f"{BASE}/{delta['id']}", **cinder()).status_code == 202
    assert show(api, full["id"])["has_dependent_backups"] is False
    assert api.delete(f"{BASE}/{full['id']}", **cinder()).status_code == 202
    assert cloud.state.backups == {}


def test_a_backup_of_a_snapshot(manual: tuple[Api, Cloud]) -> None:
    api, cloud = manual
    volume = cloud.state.add_volume("data")
    snapshot = cloud.state.add_snapshot(volume.id)
    other = cloud.state.add_volume("other")
    assert_fault(api.post(BASE, json={"backup": {"volume_id": other.id,
                                                 "snapshot_id": snapshot.id}}, **cinder()),
                 400, "badRequest", f"Invalid volume: Volume {other.id} does not match with "
                 f"snapshot.volume_id {volume.id}.")
    made = backup(api, volume.id, snapshot_id=snapshot.id)
    assert (snapshot.status, volume.status) == ("backing-up", "available")
    cloud.advance(1)
    assert snapshot.status == "available"
    shown = show(api, made["id"])
    assert (shown["snapshot_id"], shown["data_timestamp"]) == (snapshot.id,
                                                                snapshot.created_at)


@pytest.mark.parametrize(("version", "user", "added"), [
    ("3.42", "demo", set()), ("3.43", "demo", {"metadata"}),
    ("3.18", "admin", {"os-backup-project-attr:project_id"}),
    ("3.56", "admin", {"os-backup-project-attr:project_id", "user_id", "metadata"}),
    ("3.71", "demo", {"metadata"}),
])
def test_microversions_and_roles_add_fields(api: Api, cloud: Cloud, version: str, user: str,
                                            added: set[str]) -> None:
    made = cloud.state.add_backup(cloud.state.add_volume("data").id)
    assert set(show(api, made.id, version, user=user)) == DETAIL | added
    listed = api.get(f"{BASE}/detail?all_tenants=1",
                     **cinder(version, user=user)).get_json()["backups"]
    assert set(listed[0]) == DETAIL | added
    summary = api.get(f"{BASE}?all_tenants=1", **cinder(version, user=user)).get_json()[
        "backups"]
    assert set(summary[0]) == {"id", "name", "links"}


def test_metadata_and_availability_zone_by_microversion(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    assert api.post(BASE, json={"backup": {"volume_id": volume.id, "metadata": {"a": "b"}}},
                    **cinder("3.42")).status_code == 400
    made = backup(api, volume.id, "3.43", metadata={"a": "b"})
    assert show(api, made["id"], "3.43")["metadata"] == {"a": "b"}
    assert api.post(BASE, json={"backup": {"volume_id": volume.id,
                                           "availability_zone": "nova"}},
                    **cinder("3.50")).status_code == 400
    assert_fault(api.post(BASE, json={"backup": {"volume_id": volume.id,
                                                 "availability_zone": "elsewhere"}},
                          **cinder("3.51")), 400, "badRequest",
                 "Invalid input received: Availability zone 'elsewhere' is invalid.")


def test_update_from_3_9(api: Api, cloud: Cloud) -> None:
    made = cloud.state.add_backup(cloud.state.add_volume("data").id, name="old")
    body = {"backup": {"name": "new", "description": "d"}}
    assert api.put(f"{BASE}/{made.id}", json=body, **cinder("3.8")).status_code == 404
    answer = api.put(f"{BASE}/{made.id}", json=body, **cinder("3.9"))
    assert answer.get_json()["backup"]["name"] == "new"
    assert api.put(f"{BASE}/{made.id}", json={"backup": {"metadata": {"k": "v"}}},
                   **cinder("3.42")).status_code == 400
    api.put(f"{BASE}/{made.id}", json={"backup": {"metadata": {"k": "v"}}}, **cinder("3.43"))
    assert (made.name, made.description, made.metadata) == ("new", "d", {"k": "v"})


def test_restore_into_a_new_volume_or_an_available_one(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data", size=2, bootable=True)
    volume.metadata = {"k": "v"}
    made = backup(api, volume.id)
    answer = api.post(f"{BASE}/{made['id']}/restore", json={"restore": None}, **cinder())
    assert answer.status_code == 202
    restore = answer.get_json()["restore"]
    assert restore["backup_id"] == made["id"]
    assert restore["volume_name"] == f"restore_backup_{made['id']}"
    restored = cloud.state.volumes[restore["volume_id"]]
    assert (restored.status, restored.size, restored.metadata, restored.bootable) == (
        "available", 2, {"k": "v"}, True)
    assert restored.description == "auto-created_from_restore_from_backup"
    small = cloud.state.add_volume("small", size=1)
    assert_fault(api.post(f"{BASE}/{made['id']}/restore",
                          json={"restore": {"volume_id": small.id}}, **cinder()),
                 400, "badRequest", "Invalid volume: volume size 1 is too small to restore "
                 "backup of size 2.")
    busy = cloud.state.add_volume("busy", size=2, status="error")
    assert_fault(api.post(f"{BASE}/{made['id']}/restore",
                          json={"restore": {"volume_id": busy.id}}, **cinder()),
                 400, "badRequest", "Invalid volume: Volume to be restored to must be "
                 "available")
    assert api.post(f"{BASE}/{made['id']}/restore", json={"restore": {"volume_id": small.id,
                                                                        "x": 1}},
                    **cinder()).status_code == 400


def test_delete_and_restore_need_an_available_backup(api: Api, cloud: Cloud) -> None:
    made = cloud.state.add_backup(cloud.state.add_volume("data").id, status="creating")
    assert_fault(api.delete(f"{BASE}/{made.id}", **cinder()), 400, "badRequest",
                 "Invalid backup: Backup status must be available or error")
    assert_fault(api.post(f"{BASE}/{made.id}/restore", json={"restore": {}}, **cinder()),
                 400, "badRequest", "Invalid backup: Backup status must be available")


def test_reset_status_and_force_delete_are_for_admins(api: Api, cloud: Cloud) -> None:
    made = cloud.state.add_backup(cloud.state.add_volume("data").id, status="creating")
    action = f"{BASE}/{made.id}/action"
    assert_fault(api.post(action, json={"os-reset_status": {"status": "error"}}, **cinder()),
                 403, "forbidden", "Policy doesn't allow "
                 "volume_extension:backup_admin_actions:reset_status to be performed.")
    assert_fault(api.post(action, json={"os-reset_status": {"status": "creating"}},
                          **cinder(user="admin")), 400, "badRequest",
                 "Backup status: creating is invalid, valid statuses are: ['available', "
                 "'error'].")
    assert api.post(action, json={"os-reset_status": {"status": "error"}},
                    **cinder(user="admin")).status_code == 202
    assert made.status == "error"
    assert api.post(action, json={"os-force_delete": None},
                    **cinder(user="admin")).status_code == 202
    assert cloud.state.backups == {}


def test_backups_outlive_their_volume(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    made = backup(api, volume.id)
    assert api.delete(f"/volume/v3/volumes/{volume.id}", **cinder()).status_code == 202
    assert volume.id not in cloud.state.volumes
    assert show(api, made["id"])["volume_id"] == volume.id


def test_lists_filter_page_and_count(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    made = [cloud.state.add_backup(volume.id, name=f"b{i}") for i in range(3)]
    for i, item in enumerate(made):
        item.created_at = f"2024-01-0{i + 1}T00:00:00.000000"
    cloud.state.add_backup(cloud.state.add_volume("ops", project="admin").id)
    body = api.get(f"{BASE}?limit=2&with_count=true", **cinder("3.45")).get_json()
    assert [b["name"] for b in body["backups"]] == ["b2", "b1"] and body["count"] == 3
    assert "backups_links" in body
    named = api.get(f"{BASE}/detail?name=b0", **cinder()).get_json()["backups"]
    assert [b["id"] for b in named] == [made[0].id]
    assert len(api.get(f"{BASE}?all_tenants=true", **cinder(user="admin")).get_json()[
        "backups"]) == 4
    assert_fault(api.get(f"{BASE}?project_id=x", **cinder("3.31")), 400, "badRequest",
                 "Invalid filters project_id are found in query options.")
    assert_fault(api.get(f"{BASE}/{MISSING}", **cinder()), 404, "itemNotFound",
                 f"Backup {MISSING} could not be found.")


def test_readers_cannot_create_or_delete(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("data")
    made = cloud.state.add_backup(volume.id)
    reader = as_user(api, cloud, "reader")
    assert api.get(f"{BASE}/{made.id}", **cinder(**reader)).status_code == 200
    assert_fault(api.post(BASE, json={"backup": {"volume_id": volume.id}},
                          **cinder(**reader)), 403, "forbidden",
                 "Policy doesn't allow backup:create to be performed.")
    assert api.delete(f"{BASE}/{made.id}", **cinder(**reader)).status_code == 403


@pytest.mark.parametrize("body", [
    {"backup": {}}, {"backup": {"volume_id": "nope"}},
    {"backup": {"volume_id": MISSING, "incremental": "sometimes"}},
    {"backup": {"volume_id": MISSING, "container": "c" * 256}}, {"backup": None},
])
def test_bodies_the_schema_refuses(api: Api, body: Any) -> None:
    answer = api.post(BASE, json=body, **cinder())
    assert answer.status_code == 400 and list(answer.get_json()) == ["badRequest"]


def test_tempests_backups_client(fakenova: Fakenova) -> None:
    volume = fakenova.add_volume("data")
    client = BackupsClient(provider(fakenova), "volumev3", "RegionOne")
    made = client.create_backup(volume_id=volume.id, name="b")["backup"]
    assert client.show_backup(made["id"])["backup"]["status"] == "available"
    assert [b["id"] for b in client.list_backups(detail=True)["backups"]] == [made["id"]]
    restored = client.restore_backup(made["id"])["restore"]
    assert restored["backup_id"] == made["id"]
    with pytest.raises(lib_exc.Forbidden):
        client.reset_backup_status(made["id"], "error")
    client.delete_backup(made["id"])
    client.wait_for_resource_deletion(made["id"])


def test_export_and_import_a_record(api: Api, cloud: Cloud) -> None:
    """API.export_record and import_record with BackupManager.import_record: an admin's,
    the record base64-encoded JSON; an import keeps the record's id and volume."""
    import base64
    import json

    volume = cloud.state.add_volume("data")
    made = backup(api, volume.id, name="b")
    path = f"{BASE}/{made['id']}/export_record"
    assert_fault(api.get(path, **cinder()), 403, "forbidden",
                 "Policy doesn't allow backup:export-import to be performed.")
    exported = api.get(path, **cinder(user="admin")).get_json()["backup-record"]
    assert exported["backup_service"].startswith("cinder.backup.drivers.")
    record = json.loads(base64.b64decode(exported["backup_url"]))
    assert (record["id"], record["display_name"], record["volume_id"]) == (made["id"], "b",
                                                                             volume.id)
    body = {"backup-record": {"backup_service": exported["backup_service"],
                              "backup_url": exported["backup_url"]}}
    assert_fault(api.post(f"{BASE}/import_record", json=body, **cinder(user="admin")), 400,
                 "badRequest", "Invalid backup: Backup already exists in database.")
    record["id"] = MISSING
    body["backup-record"]["backup_url"] = base64.b64encode(json.dumps(record).encode()).decode()
    answer = api.post(f"{BASE}/import_record", json=body, **cinder(user="admin"))
    assert answer.status_code == 201 and answer.get_json()["backup"]["id"] == MISSING
    imported = show(api, MISSING, user="admin")
    assert (imported["status"], imported["name"], imported["volume_id"]) == ("available", "b",
                                                                             volume.id)
    for url in ("!!!", base64.b64encode(b"[]").decode(), base64.b64encode(b"nope").decode()):
        body["backup-record"]["backup_url"] = url
        answer = api.post(f"{BASE}/import_record", json=body, **cinder(user="admin"))
        assert answer.status_code == 400, url
    busy = cloud.state.add_backup(volume.id, status="creating")
    assert_fault(api.get(f"{BASE}/{busy.id}/export_record", **cinder(user="admin")), 400,
                 "badRequest", "Invalid backup: Backup status must be available and not "
                 "creating.")
