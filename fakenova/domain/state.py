"""The whole cloud's state, its one lock, seeding, and lookups shared by the operations."""

from __future__ import annotations

import copy
import functools
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..errors import NotFound
from .clock import Clock, ClockMode
from .model import (
    VM_STATE_STATUS,
    BlockDeviceMapping,
    Context,
    Project,
    Server,
    Token,
    User,
    Volume,
    VolumeAttachment,
    new_id,
    now_iso,
    uuid4_text,
)

_ID_NAMESPACE = uuid.UUID("5b6f3a52-3f1e-4c5e-9a57-6e6f76610000")
_STATUS_VM_STATE = {status: vm_state for vm_state, status in VM_STATE_STATUS.items()}
_POWER_STATES = {"building": 0, "stopped": 4, "shelved": 4, "shelved_offloaded": 4,
                 "paused": 3, "suspended": 7, "error": 0}

P = ParamSpec("P")
R = TypeVar("R")


_TABLE_OF = {Project: 0, User: 1, Server: 2, Volume: 3}


def stable_id(kind: str, name: str) -> str:
    """Keystone-style id (32 hex digits) that stays the same across resets and restarts."""
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}").hex


class State:
    """Everything the fake cloud knows, guarded by one re-entrant lock."""

    def __init__(self, clock: Clock | None = None, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        # With a seed, the ids of servers, volumes and attachments repeat from run to run.
        self._seed = seed
        self._ids = random.Random(seed) if seed is not None else None
        self.clock = clock or Clock()
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.servers: dict[str, Server] = {}
        self.volumes: dict[str, Volume] = {}
        # volume id -> "attaching" | "detaching" | "error": transitions a fault holds back
        self.stuck_volumes: dict[str, str] = {}
        # What reset returns to, and which of its objects may have changed since: a reset
        # then restores only those and drops what was added, however large the state.
        self._baseline: tuple[dict[str, Any], ...] | None = None
        self._touched: set[tuple[int, str]] = set()
        # Inside a savepoint: the objects as they were when first touched.
        self._saved: dict[tuple[int, str], Any] | None = None

    def new_id(self) -> str:
        if self._ids is None:
            return new_id()
        return uuid4_text(self._ids.getrandbits(128))

    @contextmanager
    def transaction(self) -> Iterator[State]:
        """Hold the lock, with every due transition applied before and after."""
        with self.lock:
            self.clock.run_due()
            yield self
            self.clock.run_due()

    def clear(self, everything: bool = False) -> None:
        """Forget pending transitions (and with ``everything``, servers, volumes, projects
        and users); tokens stay. Seeded ids start again from the seed."""
        with self.lock:
            if self._seed is not None:
                self._ids = random.Random(self._seed)
            self.clock.clear()
            self.stuck_volumes.clear()
            if everything:
                for rows in self._tables():
                    rows.clear()

    def _tables(self) -> tuple[dict[str, Any], ...]:
        return self.projects, self.users, self.servers, self.volumes

    def touch(self, *objects: Project | User | Server | Volume | None) -> None:
        """Note that these objects may change: a reset restores them from the baseline."""
        for obj in objects:
            if obj is not None:
                key = (_TABLE_OF[type(obj)], obj.id)
                self._touched.add(key)
                if self._saved is not None and key not in self._saved:
                    self._saved[key] = copy.deepcopy(obj)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """What happens inside applies whole or not at all: on an exception, the objects
        touched are put back as they were and those added are removed."""
        with self.lock:
            outer, self._saved = self._saved, {}
            sizes = [len(rows) for rows in self._tables()]
            try:
                yield
            except BaseException:
                for rows, size in zip(self._tables(), sizes, strict=True):
                    while len(rows) > size:  # dicts keep insertion order: the newest last
                        rows.popitem()
                for (table, key), original in self._saved.items():
                    if key in self._tables()[table]:
                        self._tables()[table][key] = original
                raise
            finally:
                self._saved = outer

    def touch_everything(self) -> None:
        self._touched.update((table, key) for table, rows in enumerate(self._tables())
                             for key in rows)

    def mark_baseline(self) -> None:
        """What the state is now is what ``restore_baseline`` goes back to."""
        with self.lock:
            self._baseline = copy.deepcopy(self._tables())
            self._touched.clear()

    def restore_baseline(self) -> bool:
        """Back to the baseline in time proportional to what changed; False if none is set."""
        with self.lock:
            if self._baseline is None:
                return False
            self.clear()
            for table, (rows, saved) in enumerate(zip(self._tables(), self._baseline,
                                                      strict=True)):
                self._drop_added(table, rows, saved)
            reordered = set()
            for table, key in self._touched:
                saved = self._baseline[table].get(key)
                if saved is not None:
                    rows = self._tables()[table]
                    if key not in rows:
                        reordered.add(table)  # it goes back in where it was, not at the end
                    rows[key] = copy.deepcopy(saved)
            for table in reordered:
                rows = self._tables()[table]
                ordered = {key: rows[key] for key in self._baseline[table]}
                rows.clear()
                rows.update(ordered)
            self._touched.clear()
            return True

    def _drop_added(self, table: int, rows: dict[str, Any], saved: dict[str, Any]) -> None:
        """Remove what was added since the baseline. Dicts keep insertion order, so what
        was added is usually at the end; when the count says otherwise, compare keys."""
        while rows and next(reversed(rows)) not in saved:
            rows.popitem()
        missing = sum(1 for t, key in self._touched
                      if t == table and key in saved and key not in rows)
        if len(rows) + missing != len(saved):
            for key in rows.keys() - saved.keys():
                del rows[key]

    def set_clock_mode(self, mode: ClockMode) -> None:
        with self.lock:
            self.clock.mode = mode

    # -- identity seeding -------------------------------------------------------------

    def add_project(self, name: str, id: str | None = None, domain_id: str = "default") -> Project:
        with self.lock:
            project = Project(id=id or stable_id("project", name), name=name, domain_id=domain_id)
            self.touch(self.projects.get(project.id))
            self.projects[project.id] = project
            return project

    def add_user(
        self,
        name: str,
        password: str,
        roles: dict[str, list[str]] | None = None,
        id: str | None = None,
        domain_id: str = "default",
    ) -> User:
        """Add a user; ``roles`` maps a project (name or id) to the role names it holds there."""
        with self.lock:
            user = User(id=id or stable_id("user", name), name=name, password=password,
                        domain_id=domain_id)
            for project_ref, role_names in (roles or {}).items():
                user.roles[self.find_project(project_ref).id] = set(role_names)
            self.touch(self.users.get(user.id))
            self.users[user.id] = user
            return user

    def find_project(self, ref: str) -> Project:
        project = self.projects.get(ref) or next(
            (p for p in self.projects.values() if p.name == ref), None
        )
        if project is None:
            raise NotFound(f"Could not find project: {ref}.")
        return project

    def find_user(self, ref: str) -> User:
        user = self.users.get(ref) or next((u for u in self.users.values() if u.name == ref), None)
        if user is None:
            raise NotFound(f"Could not find user: {ref}.")
        return user

    def _owner(self, project: str | None) -> tuple[str, str]:
        """The project id and a user id of that project, for seeded resources."""
        project_obj = self.find_project(project or "demo")
        user = next(
            (u for u in self.users.values() if project_obj.id in u.roles),
            None,
        )
        return project_obj.id, user.id if user else stable_id("user", "seed")

    # -- compute and volume seeding ---------------------------------------------------

    def add_server(
        self,
        name: str,
        project: str | None = None,
        id: str | None = None,
        status: str = "ACTIVE",
        task_state: str | None = None,
        locked: bool = False,
        launched: bool | None = None,
        image: str | None = "cirros-0.6.3-x86_64-disk",
        boot_volume: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Server:
        """Seed a server; ``status`` is an API status (``SHUTOFF``) or a vm_state (``stopped``).

        With ``boot_volume`` (a volume name or id) the server boots from that volume, which is
        attached as its root disk ``/dev/vda``.
        """
        with self.transaction():
            vm_state = _STATUS_VM_STATE.get(status.upper(), status.lower())
            project_id, user_id = self._owner(project)
            server = Server(
                id=id or self.new_id(),
                name=name,
                project_id=project_id,
                user_id=user_id,
                vm_state=vm_state,
                task_state=task_state,
                locked=locked,
                image_ref="" if boot_volume else (image or ""),
                metadata=dict(metadata or {}),
            )
            if launched if launched is not None else vm_state not in ("building", "error"):
                server.launched_at = now_iso()
            server.power_state = _POWER_STATES.get(vm_state, 1)
            if vm_state == "shelved_offloaded":
                server.host = None
            if boot_volume:
                volume = self.find_volume(boot_volume)
                self._bind(server, volume, "/dev/vda", boot_index=0,
                           delete_on_termination=False, legacy=False)
            else:
                server.bdms.append(
                    BlockDeviceMapping(uuid=self.new_id(), server_id=server.id, volume_id=None,
                                       device_name="/dev/vda", boot_index=0,
                                       source_type="image", destination_type="local")
                )
            self.touch(self.servers.get(server.id))
            self.servers[server.id] = server
            return server

    def add_volume(
        self,
        name: str | None = None,
        project: str | None = None,
        id: str | None = None,
        size: int = 1,
        status: str = "available",
        multiattach: bool = False,
        bootable: bool = False,
        migration_status: str | None = None,
    ) -> Volume:
        with self.transaction():
            project_id, user_id = self._owner(project)
            volume = Volume(
                id=id or self.new_id(),
                name=name,
                project_id=project_id,
                user_id=user_id,
                size=size,
                status=status,
                multiattach=multiattach,
                bootable=bootable,
                migration_status=migration_status,
            )
            self.touch(self.volumes.get(volume.id))
            self.volumes[volume.id] = volume
            return volume

    def add_attachment(
        self,
        server: str,
        volume: str,
        device: str | None = None,
        tag: str | None = None,
        delete_on_termination: bool = False,
        legacy: bool = False,
    ) -> BlockDeviceMapping:
        """Seed a completed attachment; ``legacy`` leaves out the Cinder attachment id.

        Without ``device`` the next free libvirt name is given (none on a shelved_offloaded
        server, as upstream).
        """
        with self.transaction():
            server_obj = self.find_server(server)
            volume_obj = self.find_volume(volume)
            if device is None and server_obj.vm_state != "shelved_offloaded":
                device = next_device_name(server_obj)
            return self._bind(server_obj, volume_obj, device, boot_index=None,
                              delete_on_termination=delete_on_termination, legacy=legacy, tag=tag)

    def _bind(
        self,
        server: Server,
        volume: Volume,
        device: str | None,
        *,
        boot_index: int | None,
        delete_on_termination: bool,
        legacy: bool,
        tag: str | None = None,
    ) -> BlockDeviceMapping:
        self.touch(server, volume)
        attachment = VolumeAttachment(
            id=self.new_id(), volume_id=volume.id, server_id=server.id, status="attached",
            device=device, host_name=server.host if device else None, attached_at=now_iso(),
        )
        volume.attachments.append(attachment)
        volume.status = "in-use"
        if boot_index == 0:
            volume.bootable = True
        bdm = BlockDeviceMapping(
            uuid=self.new_id(), server_id=server.id, volume_id=volume.id, device_name=device,
            boot_index=boot_index, attachment_id=None if legacy else attachment.id, tag=tag,
            delete_on_termination=delete_on_termination,
        )
        server.bdms.append(bdm)
        return bdm

    # -- lookups ---------------------------------------------------------------------

    def find_server(self, ref: str) -> Server:
        """A server by id or name, for seeding (no visibility rules)."""
        server = self.servers.get(ref) or next(
            (s for s in self.servers.values() if s.name == ref), None
        )
        if server is None:
            raise NotFound(f"Instance {ref} could not be found.")
        return server

    def find_volume(self, ref: str) -> Volume:
        """A volume by id or name, for seeding (no visibility rules)."""
        volume = self.volumes.get(ref) or next(
            (v for v in self.volumes.values() if v.name == ref), None
        )
        if volume is None:
            raise NotFound(f"Volume {ref} could not be found.")
        return volume

    def visible_server(self, ctx: Context, server_id: str) -> Server:
        """Nova's instance lookup: project-scoped unless admin; a miss is a 404."""
        server = self.servers.get(server_id)
        if (server is None or server.vm_state == "deleted"
                or (not ctx.is_admin and server.project_id != ctx.project_id)):
            raise NotFound(f"Instance {server_id} could not be found.")
        return server

    def visible_volume(self, ctx: Context, volume_id: str) -> Volume | None:
        """Cinder's volume lookup as the caller: project-scoped unless admin."""
        volume = self.volumes.get(volume_id)
        if volume is None or (not ctx.is_admin and volume.project_id != ctx.project_id):
            return None
        return volume

    def snapshot(self) -> dict[str, Any]:
        """A deep, JSON-ready copy of servers, volumes and attachments."""
        with self.transaction():
            return {
                "servers": [
                    {**asdict(s), "status": s.status} for s in self.servers.values()
                ],
                "volumes": [
                    {**asdict(v), "attach_status": v.attach_status} for v in self.volumes.values()
                ],
            }


def locked(
    operation: Callable[Concatenate[State, P], R],
) -> Callable[Concatenate[State, P], R]:
    """Run a state operation as ``State.transaction()`` would (spelt out: it runs on every
    request)."""

    @functools.wraps(operation)
    def wrapper(state: State, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with state.lock:
            state.clock.run_due()
            result = operation(state, *args, **kwargs)
            state.clock.run_due()
            return result

    return wrapper


def device_letters(index: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, as block device names count."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def next_device_name(server: Server, prefix: str = "/dev/vd") -> str:
    """The next free disk name on the virtio bus, as a libvirt compute host picks it."""
    used = {b.device_name[len(prefix):] for b in server.bdms
            if b.device_name and b.device_name.startswith(prefix)}
    index = 0
    while device_letters(index) in used:
        index += 1
    return prefix + device_letters(index)
