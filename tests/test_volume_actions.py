"""Cinder's volume actions through ``POST /volume/v3/{project_id}/volumes/{id}/action``.

Upstream: ``cinder.api.contrib.volume_actions.VolumeActionsController`` and
``cinder.api.contrib.admin_actions.VolumeAdminController`` (the actions and their codes),
``cinder.api.schemas.volume_actions`` and ``admin_actions`` (the bodies),
``cinder.api.openstack.wsgi.Resource._process_stack`` and ``action_peek_json`` (bodies that
name no action), ``cinder.volume.api.API`` (reserve_volume, begin_detaching, attach, detach,
attachment_deletion_allowed, _extend, update_readonly_flag, retype, delete),
``cinder.volume.manager.VolumeManager`` (attach_volume, detach_volume,
initialize_connection), ``cinder.objects.volume.Volume.finish_detach``,
``cinder.api.api_utils.add_visible_admin_metadata`` and cinder/policies/volume_actions.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app
from fakenova.consistency import check

from .conftest import Api, as_user, assert_fault, attachments_path

MISSING = "0f2bd3c4-84b5-4a9a-9d2e-4b7bd8c4f2a1"
INSTANCE = "5b2d8c1e-3f4a-4b6c-8d9e-0a1b2c3d4e5f"
ADMIN_ACTIONS = "volume_extension:volume_admin_actions:"
CONNECTOR = {"initiator": "iqn.1993-08.org.debian:01:abc", "ip": "10.0.0.2", "host": "cmp-1"}


def action(api: Api, cloud: Cloud, volume_id: str, body: Any, user: str = "demo",
           version: str = "3.71", **kwargs: Any) -> TestResponse:
    """POST the action as ``user`` (demo, admin, or a demo-project user of one role)."""
    who = as_user(api, cloud, user)
    project = cloud.state.find_project("admin" if user == "admin" else "demo").id
    headers = {**who.pop("headers", {}), "OpenStack-API-Version": f"volume {version}"}
    return api.post(f"/volume/v3/{project}/volumes/{volume_id}/action", json=body,
                    headers=headers, **who, **kwargs)


def show(api: Api, cloud: Cloud, volume_id: str, user: str = "demo") -> dict[str, Any]:
    project = cloud.state.find_project("admin" if user == "admin" else "demo").id
    answer = api.get(f"/volume/v3/{project}/volumes/{volume_id}", user=user,
                     headers={"OpenStack-API-Version": "volume 3.71"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["volume"]


def attach(api: Api, cloud: Cloud, volume_id: str, **args: Any) -> TestResponse:
    body = {"mountpoint": "/dev/vdb", **args}
    if "host_name" not in args:
        body.setdefault("instance_uuid", INSTANCE)
    return action(api, cloud, volume_id, {"os-attach": body})


def assert_accepted(answer: TestResponse, status: int = 202) -> None:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.get_data() == b""
    assert answer.headers["Content-Type"] == "application/json"


def invalid(reason: str) -> str:
    return f"Invalid volume: {reason}"


# -- os-attach and os-detach -----------------------------------------------------------


def test_attach_to_an_instance_shows_the_attachment(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_accepted(attach(api, cloud, volume.id))
    seen = show(api, cloud, volume.id)
    assert seen["status"] == "in-use"
    [entry] = seen["attachments"]
    assert (entry["server_id"], entry["device"], entry["volume_id"], entry["id"]) == (
        INSTANCE, "/dev/vdb", volume.id, volume.id)
    # the visible admin metadata: readonly added by attach, attached_mode by begin_attach
    assert seen["metadata"] == {"readonly": "False", "attached_mode": "rw"}
    assert check(cloud.state) == []


def test_attach_to_a_host_sanitizes_its_name(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_accepted(attach(api, cloud, volume.id, host_name="Glance_Host 1", mode="ro"))
    [entry] = show(api, cloud, volume.id, user="admin")["attachments"]
    assert (entry["server_id"], entry["host_name"]) == (None, "glance-host-1")
    assert show(api, cloud, volume.id)["metadata"]["attached_mode"] == "ro"
    assert check(cloud.state) == []


def test_an_attachment_through_cinder_is_in_use_to_nova(api: Api, cloud: Cloud) -> None:
    server = cloud.state.add_server("web", project="demo")
    volume = cloud.state.add_volume("v", project="demo")
    assert_accepted(attach(api, cloud, volume.id))
    answer = api.post(attachments_path(server.id), version="2.79",
                      json={"volumeAttachment": {"volumeId": volume.id}})
    assert answer.status_code == 400
    assert "status must be available or downloading to reserve, but the current status is " \
           "in-use" in answer.get_json()["badRequest"]["message"]


def test_attaching_again_reuses_the_attachment(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    attach(api, cloud, volume.id)
    assert_accepted(attach(api, cloud, volume.id))
    assert len(show(api, cloud, volume.id)["attachments"]) == 1


def test_a_second_attachment_needs_multiattach(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    attach(api, cloud, volume.id)
    assert_fault(attach(api, cloud, volume.id, instance_uuid=MISSING), 400, "badRequest",
                 invalid("volume is already attached and multiple attachments are not "
                         "enabled"))
    shared = cloud.state.add_volume("s", project="demo", multiattach=True)
    attach(api, cloud, shared.id)
    assert_accepted(attach(api, cloud, shared.id, instance_uuid=MISSING))
    assert len(show(api, cloud, shared.id)["attachments"]) == 2


def test_attach_refusals(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", status="maintenance")
    assert_fault(attach(api, cloud, volume.id), 400, "badRequest",
                 invalid("The volume cannot be attached in maintenance mode."))
    readonly = cloud.state.add_volume("r", project="demo")
    action(api, cloud, readonly.id, {"os-update_readonly_flag": {"readonly": True}})
    assert_fault(attach(api, cloud, readonly.id), 400, "badRequest",
                 f"Invalid attaching mode 'rw' for volume {readonly.id}.")
    assert_accepted(attach(api, cloud, readonly.id, mode="ro"))


def test_detach_the_only_attachment(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    attach(api, cloud, volume.id)
    assert_accepted(action(api, cloud, volume.id, {"os-detach": {}}))
    seen = show(api, cloud, volume.id)
    assert (seen["status"], seen["attachments"], seen["metadata"]) == (
        "available", [], {"readonly": "False"})


def test_detach_by_attachment_id(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", multiattach=True)
    attach(api, cloud, volume.id)
    attach(api, cloud, volume.id, instance_uuid=MISSING)
    first = volume.attachments[0].id
    # with two attachments and no id, the deletion check finds no attachment to allow
    assert_fault(action(api, cloud, volume.id, {"os-detach": None}), 409, "conflictingRequest",
                 "Detach volume from instance  using the Compute API")
    assert_accepted(action(api, cloud, volume.id, {"os-detach": {"attachment_id": first}}))
    [left] = show(api, cloud, volume.id)["attachments"]
    assert left["server_id"] == MISSING


def test_nova_attachments_are_detached_through_nova(api: Api, cloud: Cloud) -> None:
    """attachment_deletion_allowed: a user may not delete what Nova uses."""
    cloud.state.add_server("web", project="demo")
    volume = cloud.state.add_volume("v", project="demo")
    bdm = cloud.state.add_attachment("web", "v")
    message = f"Detach volume from instance {bdm.server_id} using the Compute API"
    assert_fault(action(api, cloud, volume.id, {"os-detach": {}}), 409, "conflictingRequest",
                 message)
    assert_fault(action(api, cloud, volume.id, {"os-terminate_connection": {
        "connector": CONNECTOR}}), 409, "conflictingRequest", message)
    other = cloud.state.add_volume("w", project="demo")
    assert_fault(action(api, cloud, other.id, {"os-detach": {
        "attachment_id": bdm.attachment_id}}), 400, "badRequest",
        "Invalid input received: Mismatched volume and attachment")


# -- reserve, begin and roll back detaching ----------------------------------------------


def test_reserve_and_unreserve(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_accepted(action(api, cloud, volume.id, {"os-reserve": None}))
    assert show(api, cloud, volume.id)["status"] == "attaching"
    assert check(cloud.state) == []
    assert_fault(action(api, cloud, volume.id, {"os-reserve": {}}), 400, "badRequest",
                 invalid("Volume status must be available to reserve, but the status is "
                         "attaching."))
    assert_accepted(action(api, cloud, volume.id, {"os-unreserve": {}}))
    assert show(api, cloud, volume.id)["status"] == "available"
    assert_accepted(action(api, cloud, volume.id, {"os-unreserve": {}}))  # nothing to do


def test_reserve_an_in_use_multiattach_volume(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", multiattach=True)
    attach(api, cloud, volume.id)
    assert_accepted(action(api, cloud, volume.id, {"os-reserve": {}}))
    assert_accepted(action(api, cloud, volume.id, {"os-unreserve": {}}))
    assert show(api, cloud, volume.id)["status"] == "in-use"


def test_begin_and_roll_back_detaching(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_fault(action(api, cloud, volume.id, {"os-begin_detaching": {}}), 400, "badRequest",
                 invalid("Unable to detach volume. Volume status must be 'in-use' and "
                         "attach_status must be 'attached' to detach."))
    attach(api, cloud, volume.id)
    assert_accepted(action(api, cloud, volume.id, {"os-begin_detaching": {}}))
    assert show(api, cloud, volume.id)["status"] == "detaching"
    assert_accepted(action(api, cloud, volume.id, {"os-roll_detaching": {}}))
    assert show(api, cloud, volume.id)["status"] == "in-use"


# -- connections -----------------------------------------------------------------------


def test_initialize_connection_answers_the_iscsi_target(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    answer = action(api, cloud, volume.id, {"os-initialize_connection": {
        "connector": CONNECTOR}})
    assert answer.status_code == 200
    info = answer.get_json()["connection_info"]
    assert info["driver_volume_type"] == "iscsi"
    assert info["enforce_multipath"] is False
    data = info["data"]
    assert data["target_iqn"] == f"iqn.2010-10.org.openstack:volume-{volume.id}"
    assert (data["volume_id"], data["access_mode"], data["auth_method"]) == (
        volume.id, "rw", "CHAP")
    again = action(api, cloud, volume.id, {"os-initialize_connection": {
        "connector": CONNECTOR}})
    assert again.get_json() == answer.get_json()
    assert show(api, cloud, volume.id)["status"] == "available"


@pytest.mark.parametrize("connector", [{"ip": "10.0.0.2"}, "host-1"])
def test_a_connector_without_initiator(api: Api, cloud: Cloud, connector: Any) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_fault(action(api, cloud, volume.id, {"os-initialize_connection": {
        "connector": connector}}), 400, "badRequest",
        "Invalid input received: Connector doesn't have required information: initiator")


def test_terminate_connection_unreserves(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    action(api, cloud, volume.id, {"os-reserve": {}})
    assert_accepted(action(api, cloud, volume.id, {"os-terminate_connection": {
        "connector": CONNECTOR}}))
    assert show(api, cloud, volume.id)["status"] == "available"


# -- extend, readonly, bootable, retype --------------------------------------------------


def test_extend_an_available_volume() -> None:
    app = create_app(clock="manual")
    api, cloud = Api(app), app.extensions["fakenova"]
    volume = cloud.state.add_volume("v", project="demo", size=1)
    assert_accepted(action(api, cloud, volume.id, {"os-extend": {"new_size": "2"}},
                           version="3.0"))
    assert (show(api, cloud, volume.id)["status"], volume.size) == ("extending", 1)
    cloud.advance(1)
    seen = show(api, cloud, volume.id)
    assert (seen["status"], seen["size"]) == ("available", 2)


def test_extend_an_in_use_volume_from_3_42(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", size=1)
    attach(api, cloud, volume.id)
    assert_fault(action(api, cloud, volume.id, {"os-extend": {"new_size": 2}}, version="3.41"),
                 400, "badRequest",
                 invalid(f"Volume {volume.id} status must be '{{'status': 'available'}}' to "
                         "extend, currently in-use."))
    assert_accepted(action(api, cloud, volume.id, {"os-extend": {"new_size": 2}},
                           version="3.42"))
    seen = show(api, cloud, volume.id)
    assert (seen["status"], seen["size"]) == ("in-use", 2)


def test_extend_must_grow(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", size=2)
    assert_fault(action(api, cloud, volume.id, {"os-extend": {"new_size": 2}}), 400,
                 "badRequest", "Invalid input received: New size for extend must be greater "
                 "than current size. (current: 2, extended: 2).")


def test_readonly_flag_shows_in_metadata(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    for flag, shown in ((True, "True"), ("false", "False")):
        assert_accepted(action(api, cloud, volume.id,
                               {"os-update_readonly_flag": {"readonly": flag}}))
        assert show(api, cloud, volume.id)["metadata"]["readonly"] == shown
    attach(api, cloud, volume.id)
    assert_fault(action(api, cloud, volume.id, {"os-update_readonly_flag": {"readonly": 1 > 0}}),
                 400, "badRequest",
                 invalid(f"Volume {volume.id} status must be available to update readonly "
                         "flag, but current status is: in-use."))


def test_set_bootable_answers_200(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    for flag, shown in ((True, "true"), ("0", "false")):
        assert_accepted(action(api, cloud, volume.id, {"os-set_bootable": {"bootable": flag}}),
                        status=200)
        assert show(api, cloud, volume.id)["bootable"] == shown


def test_retype(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_accepted(action(api, cloud, volume.id, {"os-retype": {"new_type": "multiattach"}}))
    seen = show(api, cloud, volume.id)
    assert (seen["volume_type"], seen["multiattach"], seen["status"]) == (
        "multiattach", True, "available")
    assert_fault(action(api, cloud, volume.id, {"os-retype": {"new_type": "multiattach"}}),
                 400, "badRequest", invalid(
                     "Retype needs volume to be in available or in-use state, not be part of an "
                     "active migration or a consistency group, requested type has to be "
                     "different that the one from the volume, and for in-use volumes front-end "
                     "qos specs cannot change."))
    assert_fault(action(api, cloud, volume.id, {"os-retype": {"new_type": "gold"}}), 404,
                 "itemNotFound", "Volume type with name gold could not be found.")


# -- admin actions ---------------------------------------------------------------------


def test_reset_status(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    for status in ("error", "available", "MAINTENANCE"):
        assert_accepted(action(api, cloud, volume.id, {"os-reset_status": {"status": status}},
                               user="admin"))
        assert show(api, cloud, volume.id)["status"] == status.lower()
    assert_accepted(action(api, cloud, volume.id, {"os-reset_status": {
        "migration_status": "migrating"}}, user="admin"))
    assert show(api, cloud, volume.id, user="admin")["migration_status"] == "migrating"


@pytest.mark.parametrize(("body", "message"), [
    ({}, "Must specify 'status', 'attach_status' or 'migration_status' for update."),
    ({"status": "gone"}, "Volume status: gone is invalid, valid statuses are: ('creating', "
     "'available', 'deleting', 'error', 'error_deleting', 'error_managing', 'managing', "
     "'attaching', 'in-use', 'detaching', 'maintenance', 'restoring-backup', "
     "'error_restoring', 'reserved', 'awaiting-transfer', 'backing-up', 'error_backing-up', "
     "'error_extending', 'downloading', 'uploading', 'retyping', 'extending')."),
    ({"attach_status": "half"},
     "Volume attach status: half is invalid, valid statuses are: ['attached', 'detached']."),
    ({"status": "deleting"}, "Cannot reset-state to deleting"),
    ({"status": "in-use"},
     "Cannot reset-state to in-use because volume does not have any attachments."),
    ({"status": "error", "zone": 3},
     "Invalid input for field/attribute os-reset_status. Value: {'status': 'error', 'zone': 3}."
     " Additional properties are not allowed ('zone' was unexpected)"),
])
def test_reset_status_refusals(api: Api, cloud: Cloud, body: dict[str, Any],
                               message: str) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_fault(action(api, cloud, volume.id, {"os-reset_status": body}, user="admin"), 400,
                 "badRequest", message)


def test_reset_attach_status_detached_drops_the_attachments(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    attach(api, cloud, volume.id)
    assert_accepted(action(api, cloud, volume.id, {"os-reset_status": {
        "status": "error", "attach_status": "detached"}}, user="admin"))
    seen = show(api, cloud, volume.id)
    # db.volume_detached settles the status from the attachments left: none
    assert (seen["status"], seen["attachments"]) == ("available", [])


def test_force_detach_after_reset_to_error(api: Api, cloud: Cloud) -> None:
    """tempest's test_force_detach_volume, step by step."""
    volume = cloud.state.add_volume("v", project="demo")
    attach(api, cloud, volume.id)
    attachment_id = show(api, cloud, volume.id)["attachments"][0]["attachment_id"]
    action(api, cloud, volume.id, {"os-reset_status": {"status": "error"}}, user="admin")
    assert_accepted(action(api, cloud, volume.id, {"os-force_detach": {
        "connector": None, "attachment_id": attachment_id}}, user="admin"))
    seen = show(api, cloud, volume.id)
    assert (seen["status"], seen["attachments"]) == ("available", [])


def test_force_delete(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", status="attaching")
    assert_accepted(action(api, cloud, volume.id, {"os-force_delete": {}}, user="admin"))
    assert volume.id not in cloud.state.volumes
    attached = cloud.state.add_volume("w", project="demo")
    attach(api, cloud, attached.id)
    assert_fault(action(api, cloud, attached.id, {"os-force_delete": {}}, user="admin"), 400,
                 "badRequest", invalid(
                     "Volume  must not be migrating, attached, belong to a group, have "
                     "snapshots, awaiting a transfer, or be disassociated from snapshots after "
                     "volume transfer."))


@pytest.mark.parametrize(("body", "rule"), [
    ({"os-reset_status": {"status": "error"}}, ADMIN_ACTIONS + "reset_status"),
    ({"os-force_detach": {}}, ADMIN_ACTIONS + "force_detach"),
    ({"os-force_delete": {}}, ADMIN_ACTIONS + "force_delete"),
])
def test_admin_actions_are_for_admins(api: Api, cloud: Cloud, body: Any, rule: str) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_fault(action(api, cloud, volume.id, body), 403, "forbidden",
                 f"Policy doesn't allow {rule} to be performed.")


# -- who may, and which volume -----------------------------------------------------------


@pytest.mark.parametrize(("body", "rule"), [
    ({"os-reserve": {}}, "volume_extension:volume_actions:reserve"),
    ({"os-attach": {"mountpoint": "/dev/vdb", "host_name": "h"}},
     "volume_extension:volume_actions:attach"),
    ({"os-initialize_connection": {"connector": CONNECTOR}},
     "volume_extension:volume_actions:initialize_connection"),
    ({"os-extend": {"new_size": 5}}, "volume:extend"),
    ({"os-set_bootable": {"bootable": True}}, "volume:update"),
])
def test_readers_may_not_act(api: Api, cloud: Cloud, body: Any, rule: str) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    assert_fault(action(api, cloud, volume.id, body, user="reader"), 403, "forbidden",
                 f"Policy doesn't allow {rule} to be performed.")


def test_unknown_and_foreign_volumes(api: Api, cloud: Cloud) -> None:
    assert_fault(action(api, cloud, MISSING, {"os-reserve": {}}), 404, "itemNotFound",
                 f"Volume {MISSING} could not be found.")
    theirs = cloud.state.add_volume("t", project="admin")
    assert_fault(action(api, cloud, theirs.id, {"os-reserve": {}}), 404, "itemNotFound",
                 f"Volume {theirs.id} could not be found.")


# -- bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"os-frobnicate": {}}, 400, "There is no such action: os-frobnicate. Verify the request "
     "body and Content-Type header and try again."),
    ({"os-reserve": {}, "os-unreserve": {}}, 400, "Malformed request body"),
    ({}, 400, "Malformed request body"),
    ([1], 404, "The resource could not be found."),
    (7, 404, "The resource could not be found."),
    ({"os-attach": {"mountpoint": "/dev/vdb"}}, 400,
     "Invalid input for field/attribute os-attach. Value: {'mountpoint': '/dev/vdb'}. "
     "{'mountpoint': '/dev/vdb'} is not valid under any of the given schemas"),
    ({"os-attach": {"mountpoint": "/dev/vdb", "host_name": "h", "mode": "rx"}}, 400,
     "Invalid input for field/attribute mode. Value: rx. 'rx' is not one of ['rw', 'ro']"),
    ({"os-attach": {"mountpoint": "/dev/vdb", "instance_uuid": "nope"}}, 400,
     "Invalid input for field/attribute instance_uuid. Value: nope. 'nope' is not a 'uuid'"),
    ({"os-extend": {"new_size": "big"}}, 400,
     "Invalid input for field/attribute new_size. Value: big. 'big' does not match "
     "'^[0-9]+$'"),
    ({"os-extend": {"new_size": 0}}, 400,
     "Invalid input for field/attribute new_size. Value: 0. 0 is less than the minimum of 1"),
    ({"os-set_bootable": {"bootable": "maybe"}}, 400,
     "Invalid input for field/attribute bootable. Value: maybe. 'maybe' is not one of "
     "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', 'y', 't', "
     "False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'n', 'f']"),
    ({"os-initialize_connection": {}}, 400,
     "Invalid input for field/attribute os-initialize_connection. Value: {}. 'connector' is a "
     "required property"),
])
def test_malformed_bodies(api: Api, cloud: Cloud, body: Any, status: int,
                          message: str) -> None:
    volume = cloud.state.add_volume("v", project="demo")
    key = "badRequest" if status == 400 else "itemNotFound"
    assert_fault(action(api, cloud, volume.id, body), status, key, message)


# -- the fake's own features -----------------------------------------------------------


def test_a_reset_undoes_an_attach() -> None:
    app = create_app(["demo"])
    api, cloud = Api(app), app.extensions["fakenova"]
    baseline = cloud.state.dump()
    data = cloud.state.find_volume("data-1")
    assert_accepted(attach(api, cloud, data.id, host_name="backup-host"))
    assert_accepted(action(api, cloud, cloud.state.find_volume("data-2").id,
                           {"os-update_readonly_flag": {"readonly": True}}))
    assert cloud.state.dump() != baseline
    cloud.reset()
    assert cloud.state.dump() == baseline
    assert show(api, cloud, data.id)["status"] == "available"


def test_an_admin_reset_can_break_what_the_check_reports(api: Api, cloud: Cloud) -> None:
    """Upstream lets an admin set any status: the consistency check names the result."""
    volume = cloud.state.add_volume("v", project="demo")
    attach(api, cloud, volume.id)
    action(api, cloud, volume.id, {"os-reset_status": {"status": "available"}}, user="admin")
    [problem] = check(cloud.state)
    assert problem.startswith(f"volume {volume.id} is available but still has attachments")


# -- volume types, read-only -------------------------------------------------------------


def types_path(cloud: Cloud, rest: str = "") -> str:
    return f"/volume/v3/{cloud.state.find_project('demo').id}/types{rest}"


def test_types_list_and_show(api: Api, cloud: Cloud) -> None:
    listed = api.get(types_path(cloud)).get_json()["volume_types"]
    by_name = {t["name"]: t for t in listed}
    assert set(by_name) == {"__DEFAULT__", "lvmdriver-1", "multiattach"}
    # a member sees only the user-visible extra specs, and no qos_specs_id
    assert by_name["multiattach"]["extra_specs"] == {"multiattach": "<is> True"}
    assert by_name["lvmdriver-1"] == {"id": by_name["lvmdriver-1"]["id"], "name": "lvmdriver-1",
                                      "is_public": True, "description": None, "extra_specs": {}}
    shown = api.get(types_path(cloud, "/default")).get_json()["volume_type"]
    assert (shown["name"], shown["description"]) == ("__DEFAULT__", "Default Volume Type")
    type_id = by_name["multiattach"]["id"]
    admin_path = f"/volume/v3/{cloud.state.find_project('admin').id}/types/{type_id}"
    seen = api.get(admin_path, user="admin").get_json()["volume_type"]
    assert seen["extra_specs"] == {"multiattach": "<is> True",
                                   "volume_backend_name": "lvmdriver-1"}
    assert seen["qos_specs_id"] is None


def test_type_extra_specs(api: Api, cloud: Cloud) -> None:
    type_id = api.get(types_path(cloud)).get_json()["volume_types"][2]["id"]
    assert api.get(types_path(cloud, f"/{type_id}/extra_specs")).get_json() == {
        "extra_specs": {"multiattach": "<is> True"}}
    assert api.get(types_path(cloud, f"/{type_id}/extra_specs/multiattach")).get_json() == {
        "multiattach": "<is> True"}
    assert_fault(api.get(types_path(cloud, f"/{type_id}/extra_specs/volume_backend_name")),
                 404, "itemNotFound",
                 f"Volume Type {type_id} has no extra specs with key volume_backend_name.")
    assert_fault(api.get(types_path(cloud, "/multiattach")), 404, "itemNotFound",
                 "Volume type multiattach could not be found.")


# -- os-volume_upload_image --------------------------------------------------------------


def test_upload_to_image(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", size=2)
    answer = action(api, cloud, volume.id, {"os-volume_upload_image": {
        "image_name": "from-volume", "disk_format": "qcow2"}})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    found = answer.get_json()["os-volume_upload_image"]
    assert (found["id"], found["status"], found["size"], found["image_name"]) == (
        volume.id, "uploading", 2, "from-volume")
    assert (found["disk_format"], found["container_format"], found["visibility"],
            found["protected"]) == ("qcow2", "bare", "private", False)
    assert found["volume_type"]["name"] == "lvmdriver-1"
    image = api.get(f"/image/v2/images/{found['image_id']}").get_json()
    assert (image["name"], image["status"], image["disk_format"]) == (
        "from-volume", "active", "qcow2")
    assert show(api, cloud, volume.id)["status"] == "available"


def test_upload_refusals(api: Api, cloud: Cloud) -> None:
    volume = cloud.state.add_volume("v", project="demo", status="in-use")
    assert_fault(action(api, cloud, volume.id, {"os-volume_upload_image": {
        "image_name": "x", "force": True}}), 400, "badRequest",
        invalid(f"Volume {volume.id} status must be available"))
    assert_fault(action(api, cloud, volume.id, {"os-volume_upload_image": {
        "image_name": "x", "visibility": "public"}}), 403, "forbidden",
        "Policy doesn't allow volume_extension:volume_actions:upload_public to be performed.")
    assert_fault(action(api, cloud, volume.id, {"os-volume_upload_image": {
        "image_name": "x", "visibility": "public"}}, version="3.0"), 400, "badRequest",
        "Invalid input for field/attribute os-volume_upload_image. Value: "
        "{'image_name': 'x', 'visibility': 'public'}. Additional properties are not allowed "
        "('visibility' was unexpected)")
