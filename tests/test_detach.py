"""DELETE /servers/{server_id}/os-volume_attachments/{volume_id}: upstream Nova's detach.

Upstream: api-ref "Servers with volume attachments", "Detach a volume from an instance";
``nova.api.openstack.compute.volume_attachments.VolumeAttachmentController.delete`` and
``nova.compute.api.API.detach_volume`` (processing order and every refusal; the compute service
being down, ``check_instance_host(check_is_up=True)`` on ``API._detach_volume``, has no trigger
in the fake: README.md "Fidelity notes"); ``API._detach_volume``,
``API._detach_volume_shelved_offloaded`` and ``nova.compute.manager.ComputeManager.detach_volume``
with cinder's ``cinder.volume.api.API.begin_detaching`` and ``cinder.db.api.volume_detached``
(what a detach does, shelved_offloaded, the Cinder status lifecycle).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app

from .conftest import Api, assert_fault, assert_fault_like, attachments_path

MISSING = "0f2bd3c4-84b5-4a9a-9d2e-4b7bd8c4f2a1"
REQ = "<req>"
REQ_PATTERN = r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
BEGIN_DETACHING = ("Invalid volume: Invalid input received: Invalid volume: Unable to detach "
                   "volume. Volume status must be 'in-use' and attach_status must be 'attached' "
                   "to detach. (HTTP 400) (Request-ID: <req>)")
NOT_ATTACHED = "Instance {server} is not attached to volume {vol}"
POLICY = "Policy doesn't allow os_compute_api:os-volumes-attachments:delete to be performed."


def assert_error(answer: TestResponse, status: int, key: str, message: str) -> None:
    """assert_fault, where ``<req>`` in ``message`` stands for Cinder's request id."""
    if REQ in message:
        pattern = re.escape(message).replace(re.escape(REQ), REQ_PATTERN)
        assert_fault_like(answer, status, key, pattern)
    else:
        assert_fault(answer, status, key, message)


def as_user(api: Api, cloud: Cloud, user: str) -> dict[str, Any]:
    """Keyword arguments for ``api`` requests made as ``user`` (demo, admin or reader)."""
    if user != "reader":
        return {"user": user}
    if not any(u.name == "reader" for u in cloud.state.users.values()):
        cloud.state.add_user("reader", "reader", roles={"demo": ["reader"]})
    return {"user": None, "headers": {"X-Auth-Token": api.token("reader", project="demo")}}


def detach(api: Api, server: str, volume: str, version: str = "2.89",
           **kwargs: Any) -> TestResponse:
    return api.delete(attachments_path(server, volume), version=version, **kwargs)


def attach(api: Api, server: str, volume: str, version: str = "2.89") -> TestResponse:
    body = {"volumeAttachment": {"volumeId": volume}}
    return api.post(attachments_path(server), version=version, json=body)


def listed(api: Api, server: str, version: str = "2.89") -> list[dict[str, Any]]:
    answer = api.get(attachments_path(server), version=version)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["volumeAttachments"]


def volume_view(cloud: Cloud, volume_id: str) -> tuple[str, list[tuple[str, str]]] | None:
    """The Cinder volume's status and (server id, status) of each attachment after every due
    transition; None once the volume is deleted."""
    with cloud.state.transaction():
        volume = cloud.state.volumes.get(volume_id)
        if volume is None:
            return None
        return volume.status, [(a.server_id, a.status) for a in volume.attachments]


@pytest.fixture
def manual() -> tuple[Api, Cloud]:
    """An app whose clock only moves when the test advances it (one transition a second)."""
    app = create_app(clock="manual")
    return Api(app), app.extensions["fakenova"]


# -- every refusal: the common steps, then VolumeAttachmentController.delete and
# API.detach_volume in upstream's order (the test ids number these steps; step 7, the
# compute service down, is not modelled) ----------------------------------------------


@dataclass
class Case:
    """One detach request and the cloud it meets; the defaults detach fine."""

    server: str = "own"  # own | foreign | missing | nonuuid
    status: str = "ACTIVE"  # API status or vm_state of the target server
    task_state: str | None = None
    locked: bool = False
    launched: bool | None = None
    volume: str = "attached"  # attached | root | elsewhere | loose | foreign | missing
    volume_status: str | None = None  # forced after seeding
    version: str = "2.89"
    user: str = "demo"


def _send(api: Api, cloud: Cloud, case: Case) -> tuple[TestResponse, dict[str, str]]:
    state = cloud.state
    root = state.add_volume("root", size=10) if case.volume == "root" else None
    target = state.add_server("target", status=case.status, task_state=case.task_state,
                              locked=case.locked, launched=case.launched,
                              boot_volume=root.id if root else None)
    other = state.add_server("other")
    names = {"server": target.id, "other": other.id}
    if case.server == "foreign":
        names["server"] = state.add_server("theirs", project="admin").id
    elif case.server == "missing":
        names["server"] = MISSING
    elif case.server == "nonuuid":
        names["server"] = "nonexistent"
    if case.volume == "missing":
        names["vol"] = MISSING
    elif root is not None:
        names["vol"] = root.id
    else:
        volume = state.add_volume("vol", project="admin" if case.volume == "foreign" else "demo")
        holder = {"attached": target.id, "elsewhere": other.id}.get(case.volume)
        if holder is not None:
            state.add_attachment(holder, volume.id)
        names["vol"] = volume.id
    if case.volume_status is not None:
        state.volumes[names["vol"]].status = case.volume_status
    answer = detach(api, names["server"], names["vol"], version=case.version,
                    **as_user(api, cloud, case.user))
    return answer, names


def _refused(action_state: str) -> str:
    return f"Cannot 'detach_volume' instance {{server}} while it is in {action_state}"


ROWS = [
    # 1. VolumeAttachmentController.delete, _check_request_version: shelved below 2.20
    *(pytest.param(Case(status=vm_state, version=version), 409, "conflictingRequest",
                   _refused(f"vm_state {vm_state}"), id=f"1-{vm_state}-{version}")
      for vm_state, version in [("shelved", "2.19"), ("shelved_offloaded", "2.19"),
                                ("shelved_offloaded", "2.1")]),
    # 2. delete: volume_api.get finds no volume (or another project's), before the BDM
    *(pytest.param(Case(volume=volume), 404, "itemNotFound", "Volume {vol} could not be found.",
                   id=f"2-{volume}")
      for volume in ("missing", "foreign")),
    # 3. delete: BlockDeviceMapping.get_by_volume_and_instance finds no BDM on this server
    *(pytest.param(Case(volume=volume), 404, "itemNotFound", NOT_ATTACHED, id=f"3-{volume}")
      for volume in ("loose", "elsewhere")),
    # 4. delete: bdm.is_root, the root disk of a boot-from-volume server
    *(pytest.param(Case(volume="root", version=version), 400, "badRequest",
                   "Cannot detach a root device volume", id=f"4-root-{version}")
      for version in ("2.1", "latest")),
    # 5. API.detach_volume, check_instance_lock: a locked server
    pytest.param(Case(locked=True), 409, "conflictingRequest", "Instance {server} is locked",
                 id="5-locked"),
    # 6. API.detach_volume, check_instance_state: vm_state, task_state, never launched
    *(pytest.param(Case(status=status), 409, "conflictingRequest",
                   _refused(f"vm_state {vm_state}"), id=f"6-{vm_state}")
      for status, vm_state in [("BUILD", "building"), ("SUSPENDED", "suspended"),
                               ("RESCUE", "rescued"), ("ERROR", "error")]),
    *(pytest.param(Case(task_state=task), 409, "conflictingRequest",
                   _refused(f"task_state {task}"), id=f"6-{task}")
      for task in ("rebooting", "resize_migrating", "image_snapshot")),
    pytest.param(Case(launched=False), 409, "conflictingRequest",
                 "Instance {server} is in an invalid state for 'detach_volume'",
                 id="6-unlaunched"),
    # 8. API._detach_volume: cinder's API.begin_detaching refuses a volume not in-use
    *(pytest.param(Case(volume_status=status), 400, "badRequest", BEGIN_DETACHING,
                   id=f"8-{status}")
      for status in ("detaching", "reserved", "attaching", "available", "error",
                     "maintenance")),
]

PRECEDENCE = [
    pytest.param(Case(status="shelved_offloaded", version="2.19", volume="missing",
                      locked=True), 409, "conflictingRequest",
                 _refused("vm_state shelved_offloaded"), id="shelved-before-volume"),
    pytest.param(Case(volume="missing", locked=True, status="ERROR"), 404, "itemNotFound",
                 "Volume {vol} could not be found.", id="volume-before-lock"),
    pytest.param(Case(volume="elsewhere", locked=True, status="ERROR"), 404, "itemNotFound",
                 NOT_ATTACHED, id="attachment-before-lock"),
    pytest.param(Case(volume="root", locked=True, status="ERROR"), 400, "badRequest",
                 "Cannot detach a root device volume", id="root-before-lock"),
    pytest.param(Case(locked=True, status="ERROR", volume_status="detaching"), 409,
                 "conflictingRequest", "Instance {server} is locked", id="lock-before-state"),
    pytest.param(Case(status="ERROR", task_state="rebooting", launched=False), 409,
                 "conflictingRequest", _refused("vm_state error"),
                 id="vm_state-before-task_state"),
    pytest.param(Case(task_state="rebooting", launched=False), 409, "conflictingRequest",
                 _refused("task_state rebooting"), id="task_state-before-launched"),
    pytest.param(Case(launched=False, volume_status="detaching"), 409, "conflictingRequest",
                 "Instance {server} is in an invalid state for 'detach_volume'",
                 id="state-before-cinder"),
]

FRONT_DOOR = [
    pytest.param(Case(server="missing", user="reader"), 404, "itemNotFound",
                 "Instance {server} could not be found.", id="missing-server-before-policy"),
    pytest.param(Case(server="nonuuid"), 404, "itemNotFound",
                 "Instance nonexistent could not be found.", id="non-uuid-server"),
    pytest.param(Case(status="deleted"), 404, "itemNotFound",
                 "Instance {server} could not be found.", id="deleted-server"),
    pytest.param(Case(server="foreign"), 404, "itemNotFound",
                 "Instance {server} could not be found.", id="other-projects-server"),
    pytest.param(Case(user="reader"), 403, "forbidden", POLICY, id="reader"),
    pytest.param(Case(user="reader", volume="missing", status="shelved", version="2.19"), 403,
                 "forbidden", POLICY, id="policy-before-everything-else"),
]


@pytest.mark.parametrize(("case", "status", "key", "message"), ROWS + PRECEDENCE + FRONT_DOOR)
def test_detach_refused(api: Api, cloud: Cloud, case: Case, status: int, key: str,
                        message: str) -> None:
    answer, names = _send(api, cloud, case)
    assert_error(answer, status, key, message.format(**names))


# -- what succeeds ---------------------------------------------------------------------


@pytest.mark.parametrize(("status", "locked", "user", "version", "delete_on_termination"), [
    ("ACTIVE", False, "demo", "2.1", False),
    ("ACTIVE", False, "demo", "latest", True),
    ("PAUSED", False, "demo", "2.89", False),
    ("SHUTOFF", False, "demo", "2.89", False),
    ("VERIFY_RESIZE", False, "demo", "2.89", False),
    ("soft-delete", False, "demo", "2.89", False),
    ("SHELVED", False, "demo", "2.20", True),
    ("ACTIVE", True, "admin", "2.89", False),
    ("ACTIVE", False, "admin", "2.89", False),
], ids=str)
def test_detach_accepted(api: Api, cloud: Cloud, status: str, locked: bool, user: str,
                         version: str, delete_on_termination: bool) -> None:
    """202 with no body; a detach from a compute host (API._detach_volume) never deletes
    the volume."""
    server = cloud.state.add_server("vm", status=status, locked=locked)
    volume = cloud.state.add_volume("vol")
    cloud.state.add_attachment(server.id, volume.id,
                               delete_on_termination=delete_on_termination)
    answer = detach(api, server.id, volume.id, version=version, user=user)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_data() == b""
    assert listed(api, server.id) == []
    assert volume_view(cloud, volume.id) == ("available", [])


@pytest.mark.parametrize(("multiattach", "after"), [
    (False, ("available", [])),
    (True, ("in-use", [("other", "attached")])),
])
def test_detach_is_asynchronous(manual: tuple[Api, Cloud], multiattach: bool,
                                after: tuple[str, list[tuple[str, str]]]) -> None:
    """API._detach_volume: begin_detaching leaves the volume detaching and the BDM listed,
    so a second DELETE is refused; ComputeManager.detach_volume then removes it."""
    api, cloud = manual
    server, other = cloud.state.add_server("vm"), cloud.state.add_server("other")
    volume = cloud.state.add_volume("vol", multiattach=multiattach)
    cloud.state.add_attachment(server.id, volume.id)
    if multiattach:
        cloud.state.add_attachment(other.id, volume.id)
    assert detach(api, server.id, volume.id).status_code == 202
    assert [item["volumeId"] for item in listed(api, server.id)] == [volume.id]
    status, records = volume_view(cloud, volume.id) or ("deleted", [])
    assert status == "detaching"
    assert (server.id, "attached") in records
    assert_error(detach(api, server.id, volume.id), 400, "badRequest", BEGIN_DETACHING)
    cloud.state.clock.advance(cloud.state.clock.step)
    assert listed(api, server.id) == []
    names = {server.id: "vm", other.id: "other"}
    status, records = volume_view(cloud, volume.id) or ("deleted", [])
    assert (status, [(names[sid], state) for sid, state in records]) == after


@pytest.mark.parametrize(("steps", "status"), [(0, 400), (1, 400), (2, 202)])
def test_detach_while_attaching(manual: tuple[Api, Cloud], steps: int, status: int) -> None:
    """Cinder's API.begin_detaching (step 8): a volume still reserved or attaching cannot be
    detached."""
    api, cloud = manual
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("vol")
    assert attach(api, server.id, volume.id).status_code == 200
    cloud.state.clock.advance(steps * cloud.state.clock.step)
    answer = detach(api, server.id, volume.id)
    if status == 400:
        assert_error(answer, 400, "badRequest", BEGIN_DETACHING)
    else:
        assert answer.status_code == 202


@pytest.mark.parametrize(("version", "delete_on_termination"), [
    ("2.20", False), ("2.20", True), ("latest", False), ("latest", True),
])
def test_detach_from_shelved_offloaded(manual: tuple[Api, Cloud], version: str,
                                       delete_on_termination: bool) -> None:
    """API._detach_volume_shelved_offloaded: synchronous (no clock needed);
    _local_cleanup_bdm_volumes deletes a delete_on_termination volume."""
    api, cloud = manual
    server = cloud.state.add_server("vm", status="SHELVED_OFFLOADED")
    volume = cloud.state.add_volume("vol")
    cloud.state.add_attachment(server.id, volume.id,
                               delete_on_termination=delete_on_termination)
    answer = detach(api, server.id, volume.id, version=version)
    assert answer.status_code == 202
    assert answer.get_data() == b""
    assert listed(api, server.id) == []
    expected = None if delete_on_termination else ("available", [])
    assert volume_view(cloud, volume.id) == expected


def test_freed_device_letter_is_reused(api: Api, cloud: Cloud) -> None:
    """nova.virt.libvirt.blockinfo.find_disk_dev_for_disk_bus: the next attach takes the
    first free letter again."""
    server = cloud.state.add_server("vm")
    first, second, third = (cloud.state.add_volume(name) for name in ("a", "b", "c"))
    devices = [attach(api, server.id, v.id).get_json()["volumeAttachment"]["device"]
               for v in (first, second)]
    assert devices == ["/dev/vdb", "/dev/vdc"]
    assert detach(api, server.id, first.id).status_code == 202
    assert attach(api, server.id, third.id).get_json()["volumeAttachment"]["device"] == "/dev/vdb"
    assert {item["volumeId"]: item["device"] for item in listed(api, server.id)} == {
        second.id: "/dev/vdc", third.id: "/dev/vdb"}
