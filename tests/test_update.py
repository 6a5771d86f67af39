"""PUT /servers/{server_id}/os-volume_attachments/{volume_id}: swap and update.

Upstream: api-ref "Servers with volume attachments", "Update a volume attachment", and
"Update ("swapping") Server volume attachments";
``nova.api.openstack.compute.volume_attachments.VolumeAttachmentController.update`` with
``_update_volume_regular`` and ``_update_volume_swap``, ``nova.compute.api.API.swap_volume``,
and the ``update`` and ``update_v285`` schemas of
``nova.api.openstack.compute.schemas.volume_attachments``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud
from fakenova.domain.model import Server, Volume

from .conftest import Api, assert_fault, attachments_path

SWAP_POLICY = "Policy doesn't allow os_compute_api:os-volumes-attachments:swap to be performed."
SERVICE_USER = "svc"
# Stands for the attached volume's id in parameter tables (unknown when they are built).
THIS_VOLUME = "<volume id>"
THIS_VOLUME_UPPER = "<VOLUME ID>"


def _put(api: Api, caller: str, path: str, version: str, body: dict[str, Any],
         **kwargs: Any) -> TestResponse:
    """PUT as ``admin``, ``demo``, or ``service`` (a non-admin with the service role on demo)."""
    if caller != "service":
        return api.put(path, user=caller, version=version, json=body, **kwargs)
    token = api.token(SERVICE_USER, project="demo")
    return api.put(path, user=None, version=version, json=body,
                   headers={"X-Auth-Token": token}, **kwargs)


def _put_in_order(api: Api, path: str, version: str, inner: dict[str, Any],
                  user: str = "demo") -> TestResponse:
    """PUT with the keys in this order, since upstream's messages print the body as sent."""
    return api.put(path, user=user, version=version,
                   data=json.dumps({"volumeAttachment": inner}),
                   headers={"Content-Type": "application/json"})


def _add_service_user(cloud: Cloud) -> None:
    cloud.state.add_user(SERVICE_USER, SERVICE_USER,
                         roles={"demo": ["service", "member", "reader"]})


def _show(api: Api, server_id: str, volume_id: str, version: str) -> dict[str, Any]:
    answer = api.get(attachments_path(server_id, volume_id), version=version)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    item: dict[str, Any] = answer.get_json()["volumeAttachment"]
    return item


def _random_id() -> str:
    return str(uuid.uuid4())


# -- swap: policy ----------------------------------------------------------------------


@pytest.mark.parametrize(("version", "same_volume"), [
    ("2.1", True), ("2.1", False), ("2.84", True), ("2.84", False), ("2.85", False),
    ("latest", False),
])
def test_member_cannot_swap(api: Api, cloud: Cloud, version: str, same_volume: bool) -> None:
    """Below 2.85 every PUT is a swap; from 2.85 a different volumeId is. Members get 403."""
    server = cloud.state.add_server("vm")
    old = cloud.state.add_volume("old", migration_status="migrating")
    new = cloud.state.add_volume("new")
    cloud.state.add_attachment(server.id, old.id)
    body = {"volumeAttachment": {"volumeId": old.id if same_volume else new.id}}
    answer = api.put(attachments_path(server.id, old.id), version=version, json=body)
    assert_fault(answer, 403, "forbidden", SWAP_POLICY)


# -- swap: every refusal, in upstream's order ------------------------------------------


@dataclass
class SwapScene:
    server: Server
    old: Volume
    path_volume: str
    body_volume: str


def _seed_swap(cloud: Cloud, broken: set[int]) -> SwapScene:
    """A swap whose rows ``broken`` of SWAP_ROWS fail, and whose other rows pass."""
    state = cloud.state
    server = state.add_server("vm", status="SHUTOFF" if 5 in broken else "ACTIVE",
                              locked=4 in broken)
    other = state.add_server("other")
    third = state.add_server("third")
    old = state.add_volume("old", size=2, multiattach=True,
                           migration_status=None if 2 in broken else "migrating")
    new = state.add_volume("new", size=1 if 8 in broken else 2)
    if 7 in broken:
        state.add_attachment(third.id, new.id)
    if 6 in broken:
        state.add_attachment(other.id, old.id)
    else:
        state.add_attachment(server.id, old.id)
        if 9 in broken:
            state.add_attachment(other.id, old.id)
        if 10 in broken:
            # Cinder still lists the attachment, but Nova lost its BDM.
            bdm = server.volume_bdm(old.id)
            assert bdm is not None
            server.bdms.remove(bdm)
    return SwapScene(server=server, old=old,
                     path_volume=_random_id() if 1 in broken else old.id,
                     body_volume=_random_id() if 3 in broken else new.id)


# The swap's refusals in upstream's order: VolumeAttachmentController._update_volume_swap
# (1 old volume not in Cinder, 2 not migrating, 3 new volume not in Cinder), then
# API.swap_volume: check_instance_lock (4), check_instance_state (5), its own checks (6-8),
# _count_attachments_for_swap (9) and BlockDeviceMapping.get_by_volume_and_instance (10).
SWAP_ROWS: list[tuple[int, int, str, str]] = [
    (1, 404, "itemNotFound", "Volume {old} could not be found."),
    (2, 409, "conflictingRequest",
     "volume {old} is not migrating; this API should only be called by Cinder"),
    (3, 400, "badRequest", "Volume {new} could not be found."),
    (4, 409, "conflictingRequest", "Instance {server} is locked"),
    (5, 409, "conflictingRequest",
     "Cannot 'swap_volume' instance {server} while it is in vm_state stopped"),
    (6, 400, "badRequest", "Invalid volume: Old volume is attached to a different instance."),
    (7, 400, "badRequest", "Invalid volume: New volume must be detached in order to swap."),
    (8, 400, "badRequest", "Invalid volume: New volume must be the same size or larger."),
    (9, 400, "badRequest", "Swapping multi-attach volumes with more than one read/write "
                           "attachment is not supported."),
    (10, 404, "itemNotFound", "No volume Block Device Mapping with id {old}."),
]


@pytest.mark.parametrize("caller", ["admin", "service"])
@pytest.mark.parametrize("row", [row for row, *_ in SWAP_ROWS])
def test_swap_refusals_in_order(api: Api, cloud: Cloud, caller: str, row: int) -> None:
    """Rows ``row``..10 of SWAP_ROWS all fail; row ``row`` answers. Admin bypasses the lock
    (row 4, check_instance_lock)."""
    _add_service_user(cloud)
    scene = _seed_swap(cloud, broken=set(range(row, 11)))
    expected_row = 5 if (caller, row) == ("admin", 4) else row
    _, status, key, message = SWAP_ROWS[expected_row - 1]
    answer = _put(api, caller, attachments_path(scene.server.id, scene.path_volume), "2.84",
                  {"volumeAttachment": {"volumeId": scene.body_volume}})
    assert_fault(answer, status, key, message.format(
        old=scene.path_volume, new=scene.body_volume, server=scene.server.id))


@pytest.mark.parametrize(("status", "task_state", "launched", "message"), [
    ("PAUSED", None, None, None),
    ("VERIFY_RESIZE", None, None, None),
    ("SHUTOFF", None, None, "Cannot 'swap_volume' instance {id} while it is in vm_state stopped"),
    ("SUSPENDED", None, None,
     "Cannot 'swap_volume' instance {id} while it is in vm_state suspended"),
    ("SOFT_DELETED", None, None,
     "Cannot 'swap_volume' instance {id} while it is in vm_state soft-delete"),
    ("SHELVED", None, None, "Cannot 'swap_volume' instance {id} while it is in vm_state shelved"),
    ("ERROR", None, None, "Cannot 'swap_volume' instance {id} while it is in vm_state error"),
    ("ACTIVE", "rebooting", None,
     "Cannot 'swap_volume' instance {id} while it is in task_state rebooting"),
    ("ACTIVE", None, False, "Instance {id} is in an invalid state for 'swap_volume'"),
])
def test_swap_server_state(api: Api, cloud: Cloud, status: str, task_state: str | None,
                           launched: bool | None, message: str | None) -> None:
    server = cloud.state.add_server("vm", status=status, task_state=task_state,
                                    launched=launched)
    old = cloud.state.add_volume("old", migration_status="migrating")
    new = cloud.state.add_volume("new")
    cloud.state.add_attachment(server.id, old.id)
    answer = api.put(attachments_path(server.id, old.id), user="admin", version="2.1",
                     json={"volumeAttachment": {"volumeId": new.id}})
    if message is None:
        assert answer.status_code == 202, answer.get_data(as_text=True)
    else:
        assert_fault(answer, 409, "conflictingRequest", message.format(id=server.id))


@pytest.mark.parametrize(("caller", "locked", "version"), [
    ("admin", False, "2.1"),
    ("admin", True, "2.84"),  # admin bypasses the lock
    ("service", False, "2.84"),
    ("admin", False, "2.89"),  # 2.85+: a different volumeId swaps
])
def test_swap_succeeds(api: Api, cloud: Cloud, caller: str, locked: bool, version: str) -> None:
    _add_service_user(cloud)
    server = cloud.state.add_server("vm", locked=locked)
    old = cloud.state.add_volume("old", migration_status="migrating")
    new = cloud.state.add_volume("new", size=2)
    cloud.state.add_attachment(server.id, old.id, tag="data")
    answer = _put(api, caller, attachments_path(server.id, old.id), version,
                  {"volumeAttachment": {"volumeId": new.id}})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_data() == b""

    listed = api.get(attachments_path(server.id), version="2.89").get_json()
    assert [(a["volumeId"], a["device"], a["tag"]) for a in listed["volumeAttachments"]] == [
        (new.id, "/dev/vdb", "data")]
    assert listed["volumeAttachments"][0]["attachment_id"] in {
        a.id for a in new.attachments}
    assert (new.status, old.status) == ("in-use", "available")
    assert old.attachments == []
    assert_fault(api.get(attachments_path(server.id, old.id)), 404, "itemNotFound",
                 f"Instance {server.id} is not attached to volume {old.id}")


# -- update (2.85+) --------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "expected"), [
    ("False", False), ("0", False), ("off", False), ("NO", False), (False, False),
    ("1", True), ("True", True), ("yes", True), ("On", True), (True, True),
])
def test_update_delete_on_termination(api: Api, cloud: Cloud, sent: bool | str,
                                      expected: bool) -> None:
    """Strings are parsed strictly (unlike POST); the member's own project is enough."""
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id, delete_on_termination=not expected)
    answer = api.put(attachments_path(server.id, volume.id), version="2.85",
                     json={"volumeAttachment": {"volumeId": volume.id,
                                                "delete_on_termination": sent}})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_data() == b""
    for version in ("2.85", "2.89"):
        assert _show(api, server.id, volume.id, version)["delete_on_termination"] is expected


def test_update_without_the_flag_changes_nothing(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id, delete_on_termination=True)
    before = cloud.state.dump()
    answer = api.put(attachments_path(server.id, volume.id), version="2.89",
                     json={"volumeAttachment": {"volumeId": volume.id}})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert cloud.state.dump() == before


@pytest.mark.parametrize("server_kwargs", [
    {"locked": True},
    {"status": "ERROR"},
    {"status": "SHUTOFF", "task_state": "rebooting"},
    {"status": "SHELVED_OFFLOADED"},
    {"status": "BUILD", "launched": False},
], ids=["locked", "error", "task-state", "shelved-offloaded", "never-launched"])
def test_update_skips_lock_and_state_checks(api: Api, cloud: Cloud,
                                            server_kwargs: dict[str, Any]) -> None:
    server = cloud.state.add_server("vm", **server_kwargs)
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id)
    answer = api.put(attachments_path(server.id, volume.id), version="2.85",
                     json={"volumeAttachment": {"volumeId": volume.id,
                                                "delete_on_termination": True}})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert _show(api, server.id, volume.id, "2.85")["delete_on_termination"] is True


@pytest.mark.parametrize("where", ["unknown", "detached", "elsewhere"])
def test_update_of_an_unattached_volume(api: Api, cloud: Cloud, where: str) -> None:
    """The PUT's own 404 text, unlike show's and delete's."""
    server = cloud.state.add_server("vm")
    other = cloud.state.add_server("other")
    volume_id = _random_id()
    if where != "unknown":
        volume_id = cloud.state.add_volume("data").id
    if where == "elsewhere":
        cloud.state.add_attachment(other.id, volume_id)
    answer = api.put(attachments_path(server.id, volume_id), version="2.85",
                     json={"volumeAttachment": {"volumeId": volume_id,
                                                "delete_on_termination": True}})
    assert_fault(answer, 404, "itemNotFound",
                 f"No volume Block Device Mapping with id {volume_id}.")


OTHER_UUID = "7ebed2ce-85b3-40b5-84ae-8cc725c37ed2"


@pytest.mark.parametrize(("seeded_device", "changes", "immutable"), [
    ("/dev/vdb", {"id": OTHER_UUID, "serverId": OTHER_UUID, "device": "/dev/vdc", "tag": "x"},
     "id"),
    ("/dev/vdb", {"serverId": OTHER_UUID, "device": "/dev/vdc", "tag": "x"}, "serverId"),
    ("/dev/vdb", {"device": "/dev/vdc", "tag": "x"}, "device"),
    ("/dev/vdb", {"device": None}, "device"),
    (None, {"device": "/dev/vdb"}, "device"),
    ("/dev/vdb", {"tag": "x"}, "tag"),
    ("/dev/vdb", {"id": THIS_VOLUME_UPPER}, "id"),
])
def test_update_immutable_properties(api: Api, cloud: Cloud, seeded_device: str | None,
                                     changes: dict[str, Any], immutable: str) -> None:
    """Checked in the order id, serverId, device, tag; null and a set device differ."""
    status = "ACTIVE" if seeded_device else "SHELVED_OFFLOADED"
    server = cloud.state.add_server("vm", status=status)
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id, device=seeded_device, tag="t")
    body = {key: volume.id.upper() if value == THIS_VOLUME_UPPER else value
            for key, value in changes.items()}
    answer = api.put(attachments_path(server.id, volume.id), version="2.85",
                     json={"volumeAttachment": {"volumeId": volume.id, **body,
                                                "delete_on_termination": True}})
    assert_fault(answer, 400, "badRequest", f"The {immutable} property is not mutable")


@pytest.mark.parametrize(("seeded_device", "tag"), [("/dev/vdb", "t"), (None, None)])
def test_update_accepts_equal_immutables(api: Api, cloud: Cloud, seeded_device: str | None,
                                         tag: str | None) -> None:
    status = "ACTIVE" if seeded_device else "SHELVED_OFFLOADED"
    server = cloud.state.add_server("vm", status=status)
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id, device=seeded_device, tag=tag)
    body: dict[str, Any] = {"volumeId": volume.id, "id": volume.id, "serverId": server.id,
                            "device": seeded_device, "delete_on_termination": True}
    if tag is not None:
        body["tag"] = tag
    answer = api.put(attachments_path(server.id, volume.id), version="2.85",
                     json={"volumeAttachment": body})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert _show(api, server.id, volume.id, "2.89")["delete_on_termination"] is True


@pytest.mark.parametrize(("migrating", "new_exists", "status", "key", "message"), [
    (False, True, 409, "conflictingRequest",
     "volume {old} is not migrating; this API should only be called by Cinder"),
    (True, False, 400, "badRequest", "Volume {new} could not be found."),
])
def test_update_is_kept_when_the_swap_fails(api: Api, cloud: Cloud, migrating: bool,
                                            new_exists: bool, status: int, key: str,
                                            message: str) -> None:
    """At 2.85+ the BDM update is saved first, and a failing swap does not undo it."""
    server = cloud.state.add_server("vm")
    old = cloud.state.add_volume("old", migration_status="migrating" if migrating else None)
    new_id = cloud.state.add_volume("new").id if new_exists else _random_id()
    cloud.state.add_attachment(server.id, old.id)
    answer = api.put(attachments_path(server.id, old.id), user="admin", version="2.85",
                     json={"volumeAttachment": {"volumeId": new_id,
                                                "delete_on_termination": True}},
                     state_may_change=True)
    assert_fault(answer, status, key, message.format(old=old.id, new=new_id))
    shown = _show(api, server.id, old.id, "2.85")
    assert (shown["volumeId"], shown["delete_on_termination"]) == (old.id, True)


def test_swap_update_refused_by_an_immutable_changes_nothing(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    old = cloud.state.add_volume("old", migration_status="migrating")
    new = cloud.state.add_volume("new")
    cloud.state.add_attachment(server.id, old.id, tag="t")
    answer = api.put(attachments_path(server.id, old.id), user="admin", version="2.85",
                     json={"volumeAttachment": {"volumeId": new.id, "tag": "other",
                                                "delete_on_termination": True}})
    assert_fault(answer, 400, "badRequest", "The tag property is not mutable")


# -- body validation -------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "value"), [
    ("device", "/dev/vdb"), ("tag", "t"), ("delete_on_termination", True), ("id", OTHER_UUID),
    ("serverId", OTHER_UUID),
])
def test_swap_body_takes_only_volume_id_below_2_85(api: Api, cloud: Cloud, extra: str,
                                                   value: object) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data", migration_status="migrating")
    cloud.state.add_attachment(server.id, volume.id, tag="t")
    inner = {"volumeId": volume.id, extra: value}
    answer = _put_in_order(api, attachments_path(server.id, volume.id), "2.84", inner,
                           user="admin")
    assert_fault(answer, 400, "badRequest",
                 f"Invalid input for field/attribute volumeAttachment. Value: {inner}. "
                 f"Additional properties are not allowed ('{extra}' was unexpected)")


@pytest.mark.parametrize(("version", "tag", "error"), [
    ("2.85", "t", None),
    ("2.88", "t", None),
    ("2.89", "t", "Invalid input for field/attribute volumeAttachment. Value: {item}. "
                  "Additional properties are not allowed ('attachment_id', 'bdm_uuid' were "
                  "unexpected)"),
    ("2.85", None, "Invalid input for field/attribute tag. Value: None. "
                   "None is not of type 'string'"),
])
def test_put_back_what_get_returned(api: Api, cloud: Cloud, version: str, tag: str | None,
                                    error: str | None) -> None:
    """A GET body round-trips before 2.89; from 2.89 its new keys, and a null tag, do not."""
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id, tag=tag)
    item = _show(api, server.id, volume.id, version)
    answer = _put_in_order(api, attachments_path(server.id, volume.id), version, item)
    if error is None:
        assert answer.status_code == 202, answer.get_data(as_text=True)
    else:
        assert_fault(answer, 400, "badRequest", error.format(item=item))


@pytest.mark.parametrize(("version", "inner", "message"), [
    ("2.85", {"volumeId": THIS_VOLUME, "delete_on_termination": None},
     "Invalid input for field/attribute delete_on_termination. Value: None. "
     "None is not of type 'boolean', 'string'"),
    ("2.85", {"volumeId": THIS_VOLUME, "delete_on_termination": 1},
     "Invalid input for field/attribute delete_on_termination. Value: 1. "
     "1 is not of type 'boolean', 'string'"),
    ("2.85", {"volumeId": THIS_VOLUME, "delete_on_termination": "foo"},
     "Invalid input for field/attribute delete_on_termination. Value: foo. 'foo' is not one "
     "of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
     "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"),
    ("2.85", {"delete_on_termination": True},
     "Invalid input for field/attribute volumeAttachment. Value: "
     "{'delete_on_termination': True}. 'volumeId' is a required property"),
    ("2.1", {"volumeId": "TESTVOLUME"},
     "Invalid input for field/attribute volumeId. Value: TESTVOLUME. "
     "'TESTVOLUME' is not a 'uuid'"),
    ("2.85", {"volumeId": THIS_VOLUME, "serverId": "x"},
     "Invalid input for field/attribute serverId. Value: x. 'x' is not a 'uuid'"),
])
def test_update_body_validation(api: Api, cloud: Cloud, version: str, inner: dict[str, Any],
                                message: str) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    cloud.state.add_attachment(server.id, volume.id)
    inner = {k: volume.id if v == THIS_VOLUME else v for k, v in inner.items()}
    answer = _put_in_order(api, attachments_path(server.id, volume.id), version, inner)
    assert_fault(answer, 400, "badRequest", message)


@pytest.mark.parametrize(("version", "inner", "status", "key", "message"), [
    ("2.1", {"volumeId": OTHER_UUID}, 404, "itemNotFound",
     "Instance {server} could not be found."),
    ("2.85", {"volumeId": OTHER_UUID}, 404, "itemNotFound",
     "Instance {server} could not be found."),
    ("2.85", {"volumeId": OTHER_UUID, "tag": None}, 400, "badRequest",
     "Invalid input for field/attribute tag. Value: None. None is not of type 'string'"),
])
def test_body_before_server_before_policy(api: Api, version: str, inner: dict[str, Any],
                                          status: int, key: str, message: str) -> None:
    """An unknown server is 404 (not the swap 403); a bad body is 400 even so."""
    server_id = _random_id()
    answer = api.put(attachments_path(server_id, OTHER_UUID), version=version,
                     json={"volumeAttachment": inner})
    assert_fault(answer, status, key, message.format(server=server_id))
