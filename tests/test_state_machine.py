"""A stateful property test: random sequences of attachment operations, against fakenova
(the Flask test client, immediate clock) and against a small model of Nova's rules
(upstream's ``nova.api.openstack.compute.volume_attachments.VolumeAttachmentController`` and
``nova.compute.api.API.attach_volume``, ``detach_volume`` and ``swap_volume``) written here.

Each step is an attach, detach, delete_on_termination update, swap or server action, by
the member or the admin, at a random microversion from 2.1 to 2.104; the status code must
be the model's, and after each step every server's listing must be the model's and
``consistency.check`` must find nothing. The first difference fails the test, and
hypothesis shrinks the sequence to a short one that shows it.

As run here (EXAMPLES x STEPS): about 45 examples and 1,050 steps in 4-5 s, every status
the model knows (200, 202, 400, 403, 404, 409) seen. Longer runs outside the suite, with
50 steps each: 1,641 examples (70,269 steps) and 881 examples (36,423 steps), no difference.
Breaking the fake on purpose (no lock check, /dev/sd names, multiattach allowed at 2.50,
no devices on unshelve) each failed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fakenova.consistency import check

from .conftest import Api, attachments_path

EXAMPLES = 40
STEPS = 30

# Fixed ids, so that a failing sequence replays as printed.
SERVER_IDS = {name: f"00000000-0000-4000-8000-00000000000{n}"
              for n, name in enumerate(("web", "app", "bfv", "cold", "missing"))}
VOLUME_IDS = {name: f"00000000-0000-4000-9000-00000000000{n}"
              for n, name in enumerate(("small", "other", "large", "shared", "broken", "root",
                                        "admins", "missing"))}
USERS = st.sampled_from(("demo", "admin"))
VERSIONS = st.integers(min_value=1, max_value=104)


@dataclass
class Disk:
    """A volume BDM as the model sees it."""

    volume: str
    device: str | None
    tag: str | None = None
    dot: bool = False
    root: bool = False


@dataclass
class Machine:
    vm_state: str = "active"
    locked: bool = False
    disks: list[Disk] = field(default_factory=list)

    def disk(self, volume: str) -> Disk | None:
        return next((d for d in self.disks if d.volume == volume), None)

    def next_device(self) -> str:
        used = {d.device for d in self.disks} | {"/dev/vda"}  # the root, image or volume
        return next(f"/dev/vd{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"
                    if f"/dev/vd{letter}" not in used)


@dataclass
class Vol:
    """A Cinder volume as the model sees it; where it is attached is in the servers."""

    size: int
    multiattach: bool = False
    migrating: bool = False
    error: bool = False
    admins: bool = False  # in the admin project: members cannot see it


def _volumes() -> dict[str, Vol]:
    """Sizes, multiattach and migration_status (what a swap needs) as seeded; ``root`` is
    bfv's root disk, ``broken`` in error, ``admins`` another project's."""
    return {"small": Vol(1, migrating=True), "other": Vol(1), "large": Vol(2, migrating=True),
            "shared": Vol(2, multiattach=True, migrating=True), "broken": Vol(1, error=True),
            "root": Vol(1, migrating=True), "admins": Vol(1, admins=True)}


class AttachmentRules(RuleBasedStateMachine):
    """fakenova and the model side by side."""

    examples: ClassVar[int] = 0
    steps: ClassVar[int] = 0
    statuses: ClassVar[dict[int, int]] = {}

    def __init__(self, api: Api) -> None:
        super().__init__()
        self.api = api
        self.servers: dict[str, Machine] = {}
        self.volumes: dict[str, Vol] = {}

    @initialize()
    def seed(self) -> None:
        type(self).examples += 1
        cloud = self.api.cloud
        cloud.reset()
        state = cloud.state
        self.volumes = _volumes()
        for name, volume in self.volumes.items():
            state.add_volume(name, id=VOLUME_IDS[name], size=volume.size,
                             multiattach=volume.multiattach,
                             status="error" if volume.error else "available",
                             migration_status="migrating" if volume.migrating else None,
                             project="admin" if volume.admins else "demo")
        state.add_server("web", id=SERVER_IDS["web"], project="demo")
        state.add_server("app", id=SERVER_IDS["app"], project="demo", locked=True)
        state.add_server("bfv", id=SERVER_IDS["bfv"], project="demo", boot_volume="root")
        state.add_server("cold", id=SERVER_IDS["cold"], project="demo",
                         status="SHELVED_OFFLOADED")
        self.servers = {"web": Machine(), "app": Machine(locked=True),
                        "cold": Machine("shelved_offloaded"),
                        "bfv": Machine(disks=[Disk("root", "/dev/vda", root=True)])}

    # -- the model's helpers -------------------------------------------------------------

    def holders(self, volume: str) -> list[str]:
        return [name for name, server in self.servers.items() if server.disk(volume)]

    def visible(self, volume: str, user: str) -> bool:
        known = self.volumes.get(volume)
        return known is not None and (user == "admin" or not known.admins)

    def reservable(self, volume: str) -> bool:
        """Cinder's reservation: available, or in-use too for a multiattach volume."""
        known = self.volumes[volume]
        return not known.error and (known.multiattach or not self.holders(volume))

    @staticmethod
    def pick(data: st.DataObject, preferred: list[str], names: dict[str, str] = VOLUME_IDS,
             tenths: int = 7) -> str:
        """Mostly (``tenths`` in ten) one of ``preferred``, what a client that keeps track
        would name; else any of ``names``, unknown ones included."""
        if preferred and data.draw(st.integers(0, 9), label="preferred?") < tenths:
            return data.draw(st.sampled_from(sorted(preferred)))
        return data.draw(st.sampled_from(sorted(names)))

    def pick_server(self, data: st.DataObject) -> str:
        """Mostly a server with a volume attached."""
        return self.pick(data, [name for name in self.servers if self.held(name)], SERVER_IDS)

    def pick_shelved(self, data: st.DataObject) -> str:
        """Often a shelved_offloaded server: what changes there is the rarest to reach."""
        shelved = [name for name, m in self.servers.items() if m.vm_state == "shelved_offloaded"]
        return self.pick(data, shelved, SERVER_IDS, tenths=4)

    def send(self, method: str, server: str, volume: str | None, body: Any, user: str,
             version: int, expected: int, path: str | None = None) -> Any:
        answer = self.api.request(method, path or attachments_path(SERVER_IDS[server], (
            VOLUME_IDS[volume] if volume else None)), json=body, user=user,
            version=f"2.{version}")
        type(self).steps += 1
        type(self).statuses[expected] = type(self).statuses.get(expected, 0) + 1
        assert answer.status_code == expected, (
            f"{method} as {user} at 2.{version}: fakenova {answer.status_code}, model "
            f"{expected}: {answer.get_data(as_text=True)}")
        return answer.get_json(silent=True)

    # -- attach ---------------------------------------------------------------------------

    @rule(data=st.data(), user=USERS, version=VERSIONS,
          tag=st.sampled_from((None, None, "disk")), dot=st.none() | st.booleans(),
          valid=st.integers(0, 9))
    def attach(self, data: st.DataObject, user: str, version: int, tag: str | None,
               dot: bool | None, valid: int) -> None:
        server = self.pick_shelved(data)
        if valid < 8:  # mostly a body this microversion accepts
            tag = tag if version >= 49 else None
            dot = dot if version >= 79 else None
        volume = self.pick(data, [v for v in self.volumes if not self.holders(v)
                                  or self.volumes[v].multiattach])
        body: dict[str, Any] = {"volumeId": VOLUME_IDS[volume]}
        if tag is not None:
            body["tag"] = tag
        if dot is not None:
            body["delete_on_termination"] = dot
        expected, added = self._attach(server, volume, user, version, tag, dot)
        answer = self.send("POST", server, None, {"volumeAttachment": body}, user, version,
                           expected)
        if added is not None:
            self.servers[server].disks.append(added)
            if version <= 100:
                assert answer["volumeAttachment"]["device"] == added.device

    def _attach(self, name: str, volume: str, user: str, version: int, tag: str | None,
                dot: bool | None) -> tuple[int, Disk | None]:
        """The expected status and the disk it adds (VolumeAttachmentController.create,
        API.attach_volume); ``dot`` None when not sent."""
        if (tag is not None and version < 49) or (dot is not None and version < 79):
            return 400, None  # the body's schema at this microversion
        server = self.servers.get(name)
        if server is None:
            return 404, None
        if server.vm_state == "shelved_offloaded" and version < 20:
            return 409, None
        if server.locked and user != "admin":
            return 409, None
        if not self.visible(volume, user):
            return 404, None
        known = self.volumes[volume]
        if (not known.multiattach and self.holders(volume)) or server.disk(volume):
            return 400, None
        ok = 200 if version <= 100 else 202
        if server.vm_state == "shelved_offloaded":
            if tag is not None or known.multiattach or not self.reservable(volume):
                return 400, None
            return ok, Disk(volume, None, None, bool(dot))
        if (known.multiattach and version < 60) or not self.reservable(volume):
            return (202, None) if version >= 101 else (400, None)
        return ok, Disk(volume, server.next_device(), tag, bool(dot))

    # -- detach ---------------------------------------------------------------------------

    def held(self, server: str) -> list[str]:
        machine = self.servers.get(server)
        return [d.volume for d in machine.disks] if machine else []

    @rule(data=st.data(), user=USERS, version=VERSIONS)
    def detach(self, data: st.DataObject, user: str, version: int) -> None:
        server = self.pick_server(data)
        volume = self.pick(data, self.held(server))
        machine = self.servers.get(server)
        disk = machine.disk(volume) if machine else None
        if machine is None:
            expected = 404
        elif machine.vm_state == "shelved_offloaded" and version < 20:
            expected = 409
        elif not self.visible(volume, user) or disk is None:
            expected = 404
        elif disk.root:
            expected = 400
        elif machine.locked and user != "admin":
            expected = 409
        else:
            expected = 202
        self.send("DELETE", server, volume, None, user, version, expected)
        if expected == 202 and machine is not None and disk is not None:
            machine.disks.remove(disk)
            if (machine.vm_state == "shelved_offloaded" and disk.dot
                    and not self.holders(volume)):
                # deleted with it (API._local_cleanup_bdm_volumes), unless attached elsewhere
                del self.volumes[volume]

    # -- update and swap ------------------------------------------------------------------

    @rule(data=st.data(), version=st.integers(min_value=85, max_value=104), dot=st.booleans())
    def update(self, data: st.DataObject, version: int, dot: bool) -> None:
        server = self.pick_server(data)
        volume = self.pick(data, self.held(server))
        machine = self.servers.get(server)
        disk = machine.disk(volume) if machine else None
        expected = 404 if disk is None else 202
        body = {"volumeAttachment": {"volumeId": VOLUME_IDS[volume],
                                     "delete_on_termination": dot}}
        self.send("PUT", server, volume, body, "demo", version, expected)
        if disk is not None:
            disk.dot = dot

    @rule(data=st.data(), user=st.sampled_from(("admin", "admin", "demo")), version=VERSIONS)
    def swap(self, data: st.DataObject, user: str, version: int) -> None:
        server = self.pick_server(data)
        old = self.pick(data, self.held(server))
        new = self.pick(data, [v for v in self.volumes if not self.holders(v)])
        if version >= 85 and new == old:
            return  # that is an update
        expected = self._swap(server, old, new, user, version)
        self.send("PUT", server, old, {"volumeAttachment": {"volumeId": VOLUME_IDS[new]}},
                  user, version, expected)
        if expected == 202:
            disk = self.servers[server].disk(old)
            assert disk is not None
            disk.volume = new  # the old volume's migration_status is now "success": still set

    def _swap(self, name: str, old: str, new: str, user: str, version: int) -> int:
        """The expected status (VolumeAttachmentController.update and _update_volume_swap,
        API.swap_volume)."""
        server = self.servers.get(name)
        if server is None:
            return 404
        if user != "admin":
            return 403
        if version >= 85 and server.disk(old) is None:
            return 404
        if old not in self.volumes:
            return 404
        if not self.volumes[old].migrating:
            return 409
        if new not in self.volumes:
            return 400
        if server.vm_state != "active":
            return 409
        if server.disk(old) is None or self.holders(new):
            return 400
        if self.volumes[new].size < self.volumes[old].size:
            return 400
        if len(self.holders(old)) > 1 or not self.reservable(new):
            return 400
        return 202

    # -- server actions -------------------------------------------------------------------

    @rule(data=st.data(), user=USERS,
          action=st.sampled_from(("unshelve", "shelve", "lock", "unlock", "os-stop",
                                  "os-start", "reboot")))
    def act(self, data: st.DataObject, action: str, user: str) -> None:
        self._act(self.pick_shelved(data), action, user)

    def _newly_attached(self) -> list[str]:
        return [name for name, machine in self.servers.items()
                if any(disk.device is None for disk in machine.disks)]

    @precondition(lambda self: bool(self._newly_attached()))
    @rule(data=st.data(), user=USERS)
    def unshelve_new_disks(self, data: st.DataObject, user: str) -> None:
        """Volumes attached while offloaded get their devices: rare enough to need a rule."""
        self._act(data.draw(st.sampled_from(self._newly_attached())), "unshelve", user)

    def _act(self, server: str, action: str, user: str) -> None:
        machine = self.servers.get(server)
        allowed = {"os-stop": ("active",), "os-start": ("stopped",),
                   "shelve": ("active", "stopped"), "unshelve": ("shelved_offloaded",),
                   "reboot": ("active",)}
        if machine is None:
            expected = 404
        elif action in ("lock", "unlock"):
            expected = 202
        elif machine.locked and user != "admin":
            expected = 409
        else:
            expected = 202 if machine.vm_state in allowed[action] else 409
        body = {"reboot": {"type": "SOFT"}} if action == "reboot" else {action: None}
        self.send("POST", server, None, body, user, 21, expected,
                  path=f"/compute/v2.1/servers/{SERVER_IDS[server]}/action")
        if expected == 202 and machine is not None:
            self._acted(machine, action)

    def _acted(self, machine: Machine, action: str) -> None:
        if action in ("lock", "unlock"):
            machine.locked = action == "lock"
        else:
            after = {"os-stop": "stopped", "os-start": "active", "shelve": "shelved_offloaded",
                     "unshelve": "active", "reboot": "active"}
            machine.vm_state = after[action]
        if action == "unshelve":
            for disk in machine.disks:
                if disk.device is None:
                    disk.device = machine.next_device()

    # -- after every step -----------------------------------------------------------------

    @invariant()
    def listings_agree(self) -> None:
        if not self.servers:
            return
        for name, machine in self.servers.items():
            answer = self.api.client.get(attachments_path(SERVER_IDS[name]), headers={
                "X-Auth-Token": self.api.token("admin"), "OpenStack-API-Version": "compute 2.79"})
            assert answer.status_code == 200
            listed = [(a["volumeId"], a.get("device"), a["tag"], a["delete_on_termination"])
                      for a in answer.get_json()["volumeAttachments"]]
            assert listed == [(VOLUME_IDS[d.volume], d.device, d.tag, d.dot)
                              for d in machine.disks], name
        assert check(self.api.cloud.state) == []


@pytest.mark.slow  # 40 sequences of up to 30 steps: seconds
def test_fakenova_follows_the_model(app: Flask) -> None:
    api = Api(app)
    AttachmentRules.examples = AttachmentRules.steps = 0
    AttachmentRules.statuses = {}
    run_state_machine_as_test(
        lambda: AttachmentRules(api),
        settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
                          database=None, suppress_health_check=[HealthCheck.too_slow]))
    print(f"\n{AttachmentRules.examples} examples, {AttachmentRules.steps} steps, "
          f"statuses {dict(sorted(AttachmentRules.statuses.items()))}")
    assert AttachmentRules.examples >= EXAMPLES // 2
    assert {200, 202, 400, 403, 404, 409} <= set(AttachmentRules.statuses)
