"""POST /servers/{server_id}/os-volume_attachments: upstream Nova's attach, through HTTP.

Upstream: api-ref "Servers with volume attachments", "Attach a volume to an instance";
``nova.api.openstack.compute.volume_attachments.VolumeAttachmentController.create`` (the answer
per microversion); ``create``, ``nova.compute.api.API.attach_volume`` and
``nova.compute.utils.check_attach_and_reserve_volume`` with cinder's
``cinder.volume.api.API.attachment_create`` (processing order and every refusal a libvirt cloud
can give); ``nova.conductor.manager.ComputeTaskManager.attach_volume``,
``nova.compute.manager.ComputeManager.attach_volume`` and
``nova.virt.libvirt.driver.LibvirtDriver.get_device_name_for_instance`` (side effects, device
names, the Cinder status lifecycle).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app

from .conftest import Api, assert_fault, assert_fault_like, attachments_path

MISSING = "0f2bd3c4-84b5-4a9a-9d2e-4b7bd8c4f2a1"
REQ = "<req>"
REQ_PATTERN = r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
RESERVE = ("Invalid input received: Invalid volume: Volume {vol} status must be {allowed} to "
           "reserve, but the current status is {status}. (HTTP 400) (Request-ID: <req>)")
ERROR_STATE = ("Invalid input received: Invalid volume: Volume attachments can not be created "
               "if the volume is in an error state. The Volume {vol} currently has a status "
               "of: {status}  (HTTP 400) (Request-ID: <req>)")
NOT_ON_2_59 = "Multiattach volumes are only supported starting with compute API version 2.60."
OFFLOADED_TAG = "Tagged volume attachment is not supported for shelved-offloaded instances."
OFFLOADED_MULTI = ("Attaching multiattach volumes is not supported for shelved-offloaded "
                   "instances.")
POLICY = "Policy doesn't allow os_compute_api:os-volumes-attachments:create to be performed."
_DEFAULT: Any = object()


def assert_error(answer: TestResponse, status: int, key: str, message: str) -> None:
    """assert_fault, where ``<req>`` in ``message`` stands for Cinder's request id."""
    if REQ in message:
        pattern = re.escape(message).replace(re.escape(REQ), REQ_PATTERN)
        assert_fault_like(answer, status, key, pattern)
    else:
        assert_fault(answer, status, key, message)


def reader_token(api: Api, cloud: Cloud) -> dict[str, str]:
    """Headers for a user holding only the reader role in project demo."""
    if not any(u.name == "reader" for u in cloud.state.users.values()):
        cloud.state.add_user("reader", "reader", roles={"demo": ["reader"]})
    return {"X-Auth-Token": api.token("reader", project="demo")}


def as_user(api: Api, cloud: Cloud, user: str) -> dict[str, Any]:
    """Keyword arguments for ``api`` requests made as ``user`` (demo, admin or reader)."""
    if user == "reader":
        return {"user": None, "headers": reader_token(api, cloud)}
    return {"user": user}


def attach(api: Api, server: str, volume: str, version: str = "2.89",
           **fields: Any) -> TestResponse:
    body = {"volumeAttachment": {"volumeId": volume, **fields}}
    return api.post(attachments_path(server), version=version, json=body)


def listed(api: Api, server: str, version: str = "2.89") -> list[dict[str, Any]]:
    answer = api.get(attachments_path(server), version=version)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["volumeAttachments"]


def volume_view(cloud: Cloud, volume_id: str) -> tuple[str, list[tuple[str, str, str | None]]]:
    """The Cinder volume's status and (attachment id, status, device) for each attachment,
    after every due transition."""
    with cloud.state.transaction():
        volume = cloud.state.volumes[volume_id]
        return volume.status, [(a.id, a.status, a.device) for a in volume.attachments]


# -- every refusal: the common steps, then VolumeAttachmentController.create,
# API.attach_volume and check_attach_and_reserve_volume in upstream's order (the test ids
# number these steps; 11-16, the virt driver's tag and multiattach support, the race in
# ComputeManager.reserve_block_device_name, a device path in use, max_disk_devices_to_attach
# and cross_az_attach, have no trigger in the fake: README.md "Fidelity notes") ----------


@dataclass
class Case:
    """One attach request and the cloud it meets; the defaults attach fine."""

    server: str = "own"  # own | foreign | missing | nonuuid
    status: str = "ACTIVE"  # API status or vm_state of the target server
    task_state: str | None = None
    locked: bool = False
    launched: bool | None = None
    volume: str = "own"  # own | foreign | missing
    volume_status: str | None = None  # forced after seeding; None keeps what seeding left
    multiattach: bool = False
    held_by: tuple[str, ...] = ()  # servers already holding the volume: self, other, third
    version: str = "2.89"
    fields: dict[str, Any] = field(default_factory=dict)  # more volumeAttachment keys
    body: Any = _DEFAULT  # the whole JSON body instead of the usual one
    data: str | None = None  # a raw body instead of JSON
    user: str = "demo"


def _send(api: Api, cloud: Cloud, case: Case) -> tuple[TestResponse, dict[str, str]]:
    state = cloud.state
    target = state.add_server("target", status=case.status, task_state=case.task_state,
                              locked=case.locked, launched=case.launched)
    names = {"server": target.id, "other": state.add_server("other").id,
             "third": state.add_server("third").id}
    if case.server == "foreign":
        names["server"] = state.add_server("theirs", project="admin").id
    elif case.server == "missing":
        names["server"] = MISSING
    elif case.server == "nonuuid":
        names["server"] = "nonexistent"
    if case.volume == "missing":
        names["vol"] = MISSING
    else:
        volume = state.add_volume("vol", project="admin" if case.volume == "foreign" else "demo",
                                  multiattach=case.multiattach)
        for holder in case.held_by:
            state.add_attachment(target.id if holder == "self" else names[holder], volume.id)
        if case.volume_status is not None:
            volume.status = case.volume_status
        names["vol"] = volume.id
    names["status"] = case.volume_status or ""
    kwargs = as_user(api, cloud, case.user)
    path = attachments_path(names["server"])
    body = case.body if case.body is not _DEFAULT else {
        "volumeAttachment": {"volumeId": names["vol"], **case.fields}}
    # Sent as text so that the keys keep their order (Flask's json= sorts them), which
    # shows in "Value: {...}" messages.
    data = case.data if case.data is not None else json.dumps(body)
    headers = {**kwargs.pop("headers", {}), "Content-Type": "application/json"}
    return api.post(path, version=case.version, data=data, headers=headers, **kwargs), names


def _vm_state_message(action: str, vm_state: str) -> str:
    return f"Cannot '{action}' instance {{server}} while it is in vm_state {vm_state}"


ROWS = [
    # 1. VolumeAttachmentController.create, _check_request_version: shelved below 2.20
    *(pytest.param(Case(status=status.upper(), version=version), 409, "conflictingRequest",
                   _vm_state_message("attach_volume", status), id=f"1-{status}-{version}")
      for status, version in [("shelved", "2.19"), ("shelved_offloaded", "2.19"),
                              ("shelved_offloaded", "2.1")]),
    # 2. API.attach_volume, check_instance_lock: a locked server
    *(pytest.param(Case(locked=True, version=version), 409, "conflictingRequest",
                   "Instance {server} is locked", id=f"2-locked-{version}")
      for version in ("2.1", "2.89", "latest")),
    # 3. API.attach_volume, check_instance_state: vm_state outside the attach set
    *(pytest.param(Case(status=status), 409, "conflictingRequest",
                   _vm_state_message("attach_volume", vm_state), id=f"3-{vm_state}")
      for status, vm_state in [("BUILD", "building"), ("SUSPENDED", "suspended"),
                               ("RESCUE", "rescued"), ("ERROR", "error")]),
    # 4. check_instance_state: a task in progress
    *(pytest.param(Case(task_state=task), 409, "conflictingRequest",
                   f"Cannot 'attach_volume' instance {{server}} while it is in task_state {task}",
                   id=f"4-{task}")
      for task in ("rebooting", "rebuilding", "migrating", "resize_prep")),
    # 5. check_instance_state (must_have_launched): never launched
    pytest.param(Case(launched=False), 409, "conflictingRequest",
                 "Instance {server} is in an invalid state for 'attach_volume'", id="5-unlaunched"),
    # 6. API.attach_volume: volume_api.get finds no volume, or one in another project
    *(pytest.param(Case(volume=volume, version=version), 404, "itemNotFound",
                   "Volume {vol} could not be found.", id=f"6-{volume}-{version}")
      for volume, version in [("missing", "2.89"), ("foreign", "2.89"), ("missing", "latest")]),
    # 7. API._check_volume_already_attached: a single-attach volume some server already has
    pytest.param(Case(held_by=("other",)), 400, "badRequest",
                 "Invalid volume: volume {vol} is already attached to instances: {other}",
                 id="7-other-server"),
    pytest.param(Case(held_by=("self",)), 400, "badRequest",
                 "Invalid volume: volume {vol} is already attached to instances: {server}",
                 id="7-this-server"),
    pytest.param(Case(held_by=("other", "third"), version="latest"), 400, "badRequest",
                 "Invalid volume: volume {vol} is already attached to instances: {other} {third}",
                 id="7-two-servers-latest"),
    pytest.param(Case(status="SHELVED_OFFLOADED", held_by=("other",)), 400, "badRequest",
                 "Invalid volume: volume {vol} is already attached to instances: {other}",
                 id="7-offloaded"),
    # 8. API._check_volume_already_attached: a multiattach volume this server already has
    *(pytest.param(Case(multiattach=True, held_by=held_by, version=version), 400,
                   "badRequest", "Invalid volume: volume {vol} already attached",
                   id=f"8-{'-'.join(held_by)}-{version}")
      for held_by, version in [(("self",), "2.60"), (("other", "self"), "2.89"),
                               (("self",), "latest")]),
    # 9. API.attach_volume: tag on a shelved_offloaded server
    pytest.param(Case(status="SHELVED_OFFLOADED", version="2.49", fields={"tag": "foo"}), 400,
                 "badRequest", OFFLOADED_TAG, id="9-offloaded-tag"),
    # 10. API.attach_volume: multiattach volume on a shelved_offloaded server
    pytest.param(Case(status="SHELVED_OFFLOADED", multiattach=True, version="2.60"), 400,
                 "badRequest", OFFLOADED_MULTI, id="10-offloaded-multiattach"),
    # 17. check_attach_and_reserve_volume: multiattach volume below 2.60, even for its first
    # attachment
    *(pytest.param(Case(multiattach=True, version=version), 400, "badRequest", NOT_ON_2_59,
                   id=f"17-first-attachment-{version}")
      for version in ("2.1", "2.59")),
    pytest.param(Case(multiattach=True, held_by=("other",), version="2.59"), 400, "badRequest",
                 NOT_ON_2_59, id="17-second-attachment"),
    # 18. cinder's API._attachment_reserve refuses to reserve
    *(pytest.param(Case(volume_status=status), 400, "badRequest",
                   RESERVE.replace("{allowed}", "available or downloading"), id=f"18-{status}")
      for status in ("in-use", "reserved", "attaching", "detaching", "creating", "maintenance")),
    *(pytest.param(Case(multiattach=True, volume_status=status, version="2.60"), 400,
                   "badRequest", RESERVE.replace("{allowed}", "available or in-use or downloading"),
                   id=f"18-multiattach-{status}")
      for status in ("reserved", "detaching")),
    *(pytest.param(Case(status="SHELVED_OFFLOADED", volume_status="reserved", version=version),
                   400, "badRequest", RESERVE.replace("{allowed}", "available or downloading"),
                   id=f"18-offloaded-{version}")
      for version in ("2.20", "latest")),
    # 18b. cinder's API.attachment_create refuses a volume in an error state
    *(pytest.param(Case(volume_status=status, multiattach=multiattach, version="2.89"), 400,
                   "badRequest", ERROR_STATE, id=f"18b-{status}-{multiattach}")
      for status, multiattach in [("error", False), ("error_restoring", False),
                                  ("error_extending", True)]),
    pytest.param(Case(status="SHELVED_OFFLOADED", volume_status="error", version="latest"), 400,
                 "badRequest", ERROR_STATE, id="18b-offloaded-latest"),
]

PRECEDENCE = [
    # Each case breaks several rules; the earliest step decides (VolumeAttachmentController
    # .create, then API.attach_volume's check_instance_lock and check_instance_state, then
    # its body and check_attach_and_reserve_volume).
    pytest.param(Case(status="SHELVED", version="2.19", locked=True, volume="missing"), 409,
                 "conflictingRequest", _vm_state_message("attach_volume", "shelved"),
                 id="shelved-before-lock"),
    pytest.param(Case(locked=True, status="ERROR", volume="missing"), 409, "conflictingRequest",
                 "Instance {server} is locked", id="lock-before-vm_state"),
    pytest.param(Case(status="ERROR", task_state="rebooting", launched=False), 409,
                 "conflictingRequest", _vm_state_message("attach_volume", "error"),
                 id="vm_state-before-task_state"),
    pytest.param(Case(task_state="rebooting", launched=False, volume="missing"), 409,
                 "conflictingRequest",
                 "Cannot 'attach_volume' instance {server} while it is in task_state rebooting",
                 id="task_state-before-launched"),
    pytest.param(Case(launched=False, volume="missing"), 409, "conflictingRequest",
                 "Instance {server} is in an invalid state for 'attach_volume'",
                 id="launched-before-volume"),
    pytest.param(Case(held_by=("other",), volume_status="error"), 400, "badRequest",
                 "Invalid volume: volume {vol} is already attached to instances: {other}",
                 id="attached-before-reservation"),
    pytest.param(Case(multiattach=True, held_by=("self",), version="2.59"), 400, "badRequest",
                 "Invalid volume: volume {vol} already attached", id="row8-before-row17"),
    pytest.param(Case(status="SHELVED_OFFLOADED", multiattach=True, fields={"tag": "foo"},
                      volume_status="error"), 400, "badRequest", OFFLOADED_TAG,
                 id="row9-before-row10"),
    pytest.param(Case(status="SHELVED_OFFLOADED", multiattach=True, version="2.59"), 400,
                 "badRequest", OFFLOADED_MULTI, id="row10-before-row17"),
    pytest.param(Case(status="SHELVED_OFFLOADED", multiattach=True, volume_status="error"), 400,
                 "badRequest", OFFLOADED_MULTI, id="row10-before-row18b"),
    pytest.param(Case(multiattach=True, volume_status="error", version="2.59"), 400,
                 "badRequest", NOT_ON_2_59, id="row17-before-row18b"),
]

FRONT_DOOR = [
    # nova.api.openstack.wsgi.Resource and validation.schema check the body, then create's
    # common.get_instance looks the server up, then context.can checks the policy.
    pytest.param(Case(server="missing", body={}), 400, "badRequest",
                 "'volumeAttachment' is a required property", id="bad-body-missing-server"),
    pytest.param(Case(server="missing", body=None), 400, "badRequest",
                 "None is not of type 'object'", id="null-body-missing-server"),
    pytest.param(Case(server="missing", data="{"), 400, "badRequest", "Malformed request body",
                 id="malformed-json-missing-server"),
    pytest.param(Case(server="foreign", body={"volumeAttachment": {"volumeId": "TESTVOLUME"}}),
                 400, "badRequest",
                 "Invalid input for field/attribute volumeId. Value: TESTVOLUME. 'TESTVOLUME' "
                 "is not a 'uuid'", id="bad-volume-id-foreign-server"),
    pytest.param(Case(user="reader", version="2.48", fields={"tag": "foo"}), 400, "badRequest",
                 "Invalid input for field/attribute volumeAttachment. Value: {{'volumeId': "
                 "'{vol}', 'tag': 'foo'}}. Additional properties are not allowed ('tag' was "
                 "unexpected)", id="tag-before-2.49-reader"),
    pytest.param(Case(version="2.78", fields={"delete_on_termination": True}), 400,
                 "badRequest",
                 "Invalid input for field/attribute volumeAttachment. Value: {{'volumeId': "
                 "'{vol}', 'delete_on_termination': True}}. Additional properties are not "
                 "allowed ('delete_on_termination' was unexpected)",
                 id="delete_on_termination-before-2.79"),
    pytest.param(Case(server="missing", user="reader"), 404, "itemNotFound",
                 "Instance {server} could not be found.", id="missing-server-before-policy"),
    pytest.param(Case(server="nonuuid"), 404, "itemNotFound",
                 "Instance nonexistent could not be found.", id="non-uuid-server"),
    pytest.param(Case(status="deleted"), 404, "itemNotFound",
                 "Instance {server} could not be found.", id="deleted-server"),
    pytest.param(Case(server="foreign"), 404, "itemNotFound",
                 "Instance {server} could not be found.", id="other-projects-server"),
    pytest.param(Case(server="foreign", user="reader"), 404, "itemNotFound",
                 "Instance {server} could not be found.", id="other-projects-server-reader"),
    pytest.param(Case(user="reader"), 403, "forbidden", POLICY, id="reader"),
    pytest.param(Case(user="reader", status="SHELVED", version="2.19", locked=True,
                      volume="missing"), 403, "forbidden", POLICY, id="policy-before-shelved"),
]


@pytest.mark.parametrize(("case", "status", "key", "message"), ROWS + PRECEDENCE + FRONT_DOOR)
def test_attach_refused(api: Api, cloud: Cloud, case: Case, status: int, key: str,
                        message: str) -> None:
    answer, names = _send(api, cloud, case)
    assert_error(answer, status, key, message.format(**names))


# -- what succeeds ---------------------------------------------------------------------


@pytest.mark.parametrize(("status", "locked", "user", "version", "volume_status", "device"), [
    ("ACTIVE", False, "demo", "2.1", None, "/dev/vdb"),
    ("PAUSED", False, "demo", "2.89", None, "/dev/vdb"),
    ("SHUTOFF", False, "demo", "2.89", None, "/dev/vdb"),
    ("VERIFY_RESIZE", False, "demo", "2.89", None, "/dev/vdb"),
    ("soft-delete", False, "demo", "2.89", None, "/dev/vdb"),
    ("SHELVED", False, "demo", "2.20", None, "/dev/vdb"),
    ("SHELVED_OFFLOADED", False, "demo", "2.20", None, None),
    ("SHELVED_OFFLOADED", False, "demo", "2.100", None, None),
    ("ACTIVE", True, "admin", "2.89", None, "/dev/vdb"),
    ("SHELVED_OFFLOADED", True, "admin", "2.89", None, None),
    ("ACTIVE", False, "admin", "2.89", None, "/dev/vdb"),
    ("ACTIVE", False, "demo", "2.89", "downloading", "/dev/vdb"),
], ids=lambda value: str(value))
def test_attach_accepted(api: Api, cloud: Cloud, status: str, locked: bool, user: str,
                         version: str, volume_status: str | None, device: str | None) -> None:
    server = cloud.state.add_server("vm", status=status, locked=locked)
    volume = cloud.state.add_volume("vol", status=volume_status or "available")
    body = {"volumeAttachment": {"volumeId": volume.id}}
    answer = api.post(attachments_path(server.id), user=user, version=version, json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["volumeAttachment"]["device"] == device
    assert [item["volumeId"] for item in listed(api, server.id)] == [volume.id]


@pytest.mark.parametrize("requested", [None, "/dev/vdz", "/dev/sdb", "/dev/xvdc", "/dev/vdb1"])
def test_libvirt_ignores_the_requested_device(api: Api, cloud: Cloud,
                                               requested: str | None) -> None:
    """LibvirtDriver.get_device_name_for_instance ignores the request and
    blockinfo.find_disk_dev_for_disk_bus takes the next free virtio letter after the root
    /dev/vda; ...y, z, aa, ab."""
    server = cloud.state.add_server("vm")
    fields = {} if requested is None else {"device": requested}
    devices = []
    for index in range(27):
        volume = cloud.state.add_volume(f"vol{index}")
        answer = attach(api, server.id, volume.id, **fields)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        devices.append(answer.get_json()["volumeAttachment"]["device"])
    expected = [f"/dev/vd{chr(letter)}" for letter in range(ord("b"), ord("z") + 1)]
    assert devices == [*expected, "/dev/vdaa", "/dev/vdab"]
    assert [item["device"] for item in listed(api, server.id)] == devices


def test_boot_from_volume_root_takes_vda(api: Api, cloud: Cloud) -> None:
    root = cloud.state.add_volume("root", size=10)
    server = cloud.state.add_server("vm", boot_volume=root.id)
    volume = cloud.state.add_volume("data")
    answer = attach(api, server.id, volume.id, device="/dev/vda")
    assert answer.get_json()["volumeAttachment"]["device"] == "/dev/vdb"


@pytest.mark.parametrize("version", ["2.60", "2.89", "latest"])
def test_multiattach_volume_from_2_60(api: Api, cloud: Cloud, version: str) -> None:
    """Multiattach from 2.60 (check_attach_and_reserve_volume, step 17): first and second
    server fine, the same server twice not (_check_volume_already_attached, step 8)."""
    first, second = cloud.state.add_server("one"), cloud.state.add_server("two")
    volume = cloud.state.add_volume("shared", multiattach=True)
    expected = 202 if version == "latest" else 200
    assert attach(api, first.id, volume.id, version=version).status_code == expected
    assert attach(api, second.id, volume.id, version=version).status_code == expected
    status, records = volume_view(cloud, volume.id)
    assert status == "in-use"
    assert [(state, device) for _, state, device in records] == [
        ("attached", "/dev/vdb"), ("attached", "/dev/vdb")]
    assert_fault(attach(api, first.id, volume.id, version=version), 400, "badRequest",
                 f"Invalid volume: volume {volume.id} already attached")


# -- the answer per microversion: VolumeAttachmentController.create ----------------------

BASE_KEYS = {"id", "serverId", "volumeId", "device"}


@pytest.mark.parametrize(("version", "status", "keys"), [
    (None, 200, BASE_KEYS),
    ("2.1", 200, BASE_KEYS),
    ("2.69", 200, BASE_KEYS),
    ("2.70", 200, BASE_KEYS | {"tag"}),
    ("2.78", 200, BASE_KEYS | {"tag"}),
    ("2.79", 200, BASE_KEYS | {"tag", "delete_on_termination"}),
    ("2.89", 200, BASE_KEYS | {"tag", "delete_on_termination"}),
    ("2.100", 200, BASE_KEYS | {"tag", "delete_on_termination"}),
    ("2.101", 202, None),
    ("2.104", 202, None),
    ("latest", 202, None),
])
def test_attach_answer_per_microversion(api: Api, cloud: Cloud, version: str | None,
                                        status: int, keys: set[str] | None) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    body = {"volumeAttachment": {"volumeId": volume.id}}
    answer = api.post(attachments_path(server.id), version=version, json=body)
    assert answer.status_code == status, answer.get_data(as_text=True)
    if keys is None:
        assert answer.get_data() == b""
        assert answer.headers.get("Content-Length") == "0"
    else:
        item = answer.get_json()["volumeAttachment"]
        assert set(item) == keys
        assert item["id"] == item["volumeId"] == volume.id
        assert item["serverId"] == server.id
        assert item["device"] == "/dev/vdb"
        assert item.get("tag", None) is None
        assert item.get("delete_on_termination", False) is False
    # Whatever the answer, the attachment was made.
    assert [item["volumeId"] for item in listed(api, server.id)] == [volume.id]


@pytest.mark.parametrize(("fields", "tag"), [
    ({}, None),
    ({"tag": "foo"}, "foo"),
    ({"tag": "x" * 60, "device": None}, "x" * 60),
])
def test_attach_echoes_the_tag(api: Api, cloud: Cloud, fields: dict[str, Any],
                               tag: str | None) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    item = attach(api, server.id, volume.id, version="2.70", **fields).get_json()
    assert item["volumeAttachment"]["tag"] == tag
    assert listed(api, server.id, version="2.70")[0]["tag"] == tag


@pytest.mark.parametrize(("sent", "echoed", "stored"), [
    (_DEFAULT, False, False),
    (True, True, True),
    (False, False, False),
    ("yes", "yes", True),
    ("True", "True", True),
    ("1", "1", True),
    # Upstream bug: VolumeAttachmentController.create never parses a string, and the BDM's
    # BooleanField stores bool("false"), which is True (README.md "Fidelity notes").
    ("false", "false", True),
    ("0", "0", True),
    ("no", "no", True),
    ("OFF", "OFF", True),
], ids=lambda value: "absent" if value is _DEFAULT else repr(value))
def test_attach_delete_on_termination(api: Api, cloud: Cloud, sent: Any, echoed: Any,
                                      stored: bool) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    fields = {} if sent is _DEFAULT else {"delete_on_termination": sent}
    item = attach(api, server.id, volume.id, version="2.79", **fields).get_json()
    assert item["volumeAttachment"]["delete_on_termination"] == echoed
    assert type(item["volumeAttachment"]["delete_on_termination"]) is type(echoed)
    for version in ("2.79", "2.89"):
        assert listed(api, server.id, version=version)[0]["delete_on_termination"] is stored


# -- side effects: ComputeTaskManager.attach_volume, ComputeManager.attach_volume, and
# cinder's API.attachment_create, API.attachment_update and AttachmentsController.complete --


def test_attach_leaves_the_volume_in_use(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    assert attach(api, server.id, volume.id).status_code == 200
    [item] = listed(api, server.id)
    status, records = volume_view(cloud, volume.id)
    assert status == "in-use"
    assert records == [(item["attachment_id"], "attached", "/dev/vdb")]
    assert cloud.state.volumes[volume.id].attach_status == "attached"
    assert item["bdm_uuid"] not in (item["attachment_id"], volume.id)


@pytest.fixture
def manual() -> tuple[Api, Cloud]:
    """An app whose clock only moves when the test advances it (one transition a second)."""
    app = create_app(clock="manual")
    return Api(app), app.extensions["fakenova"]


@pytest.mark.parametrize("version", ["2.1", "2.89", "2.100"])
def test_attach_goes_reserved_attaching_in_use(manual: tuple[Api, Cloud], version: str) -> None:
    """Up to 2.100 the conductor is called, not cast to (ComputeTaskAPI.attach_volume): the
    BDM and the reservation exist when the answer comes."""
    api, cloud = manual
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    assert attach(api, server.id, volume.id, version=version).status_code == 200
    seen = []
    for _ in range(3):
        status, records = volume_view(cloud, volume.id)
        seen.append((status, [state for _, state, _ in records]))
        cloud.state.clock.advance(cloud.state.clock.step)
    assert seen == [("reserved", ["reserved"]), ("attaching", ["attaching"]),
                    ("in-use", ["attached"])]
    [(attachment_id, _, _)] = volume_view(cloud, volume.id)[1]
    assert [item["attachment_id"] for item in listed(api, server.id)] == [attachment_id]


@pytest.mark.parametrize("version", ["2.20", "2.89"])
def test_attach_to_shelved_offloaded_is_synchronous(manual: tuple[Api, Cloud],
                                                    version: str) -> None:
    """API._attach_volume_shelved_offloaded: no device, volume in-use at once through
    attachment_complete (even with the clock standing still)."""
    api, cloud = manual
    server = cloud.state.add_server("vm", status="SHELVED_OFFLOADED")
    volume = cloud.state.add_volume("vol")
    answer = attach(api, server.id, volume.id, version=version, device="/dev/vdb")
    assert answer.status_code == 200
    assert answer.get_json()["volumeAttachment"]["device"] is None
    status, records = volume_view(cloud, volume.id)
    assert status == "in-use"
    assert [(state, device) for _, state, device in records] == [("attached", None)]
    for shown in ("2.1", "2.89"):
        [item] = listed(api, server.id, version=shown)
        assert "device" not in item
        assert item["volumeId"] == volume.id


@pytest.mark.parametrize(("volume_status", "multiattach", "version"), [
    ("error", False, "2.101"),
    ("error", False, "latest"),
    ("reserved", False, "latest"),
    ("in-use", False, "latest"),
    ("detaching", True, "2.101"),
])
def test_refused_reservation_after_the_2_101_answer(api: Api, cloud: Cloud, volume_status: str,
                                                    multiattach: bool, version: str) -> None:
    """From 2.101 API.attach_volume casts to ComputeTaskManager.attach_volume
    (needs_device_returned False): its failure leaves no trace."""
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol", status=volume_status, multiattach=multiattach)
    before = cloud.state.dump()
    answer = attach(api, server.id, volume.id, version=version)
    assert answer.status_code == 202
    assert answer.get_data() == b""
    assert cloud.state.dump() == before
    assert listed(api, server.id, version="2.88") == []
