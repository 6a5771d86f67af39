"""Seeding: putting projects, users, servers, volumes and attachments straight into the
state, as fixtures and tests describe them (no policy, no API checks, no transitions)."""

from __future__ import annotations

from abc import abstractmethod
from contextlib import AbstractContextManager
from typing import Any

from ..errors import BadRequest
from .devices import next_device_name
from .ids import stable_id
from .model import (
    VM_STATE_STATUS,
    Backup,
    BlockDeviceMapping,
    Image,
    Project,
    Server,
    Snapshot,
    User,
    Volume,
    VolumeAttachment,
    now_iso,
)
from .undo import UndoLog

_STATUS_VM_STATE = {status: vm_state for vm_state, status in VM_STATE_STATUS.items()}
# Cinder's volume statuses (cinder.objects.fields.VolumeStatus).
VOLUME_STATUSES = frozenset({
    "creating", "available", "deleting", "error", "error_deleting", "error_managing",
    "managing", "attaching", "in-use", "detaching", "maintenance", "restoring-backup",
    "error_restoring", "reserved", "awaiting-transfer", "backing-up", "error_backing-up",
    "error_extending", "downloading", "uploading", "retyping", "extending"})
_POWER_STATES = {"building": 0, "stopped": 4, "shelved": 4, "shelved_offloaded": 4,
                 "paused": 3, "suspended": 7, "error": 0}


class Seeding(UndoLog):
    """Base of ``State``: its ``add_*`` methods."""

    # What ``State`` provides.
    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def new_id(self) -> str: ...

    @abstractmethod
    def find_project(self, ref: str) -> Project: ...

    @abstractmethod
    def find_server(self, ref: str) -> Server: ...

    @abstractmethod
    def find_volume(self, ref: str) -> Volume: ...

    @abstractmethod
    def find_image(self, ref: str) -> Image: ...

    # -- identity -----------------------------------------------------------------------

    def add_project(self, name: str, id: str | None = None, domain_id: str = "default") -> Project:
        with self.lock:
            project = Project(id=id or stable_id("project", name), name=name, domain_id=domain_id)
            return self._put(self.projects, project)

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
            return self._put(self.users, user)

    def _put(self, table: dict[str, Any], record: Any) -> Any:
        """Store a seeded record; one it replaces is restored by a reset."""
        self.touch(table.get(record.id))
        table[record.id] = record
        return record

    def _owner(self, project: str | None) -> tuple[str, str]:
        """The project id and a user id of that project, for seeded resources."""
        project_obj = self.find_project(project or "demo")
        user = next(
            (u for u in self.users.values() if project_obj.id in u.roles),
            None,
        )
        return project_obj.id, user.id if user else stable_id("user", "seed")

    # -- compute and volumes ------------------------------------------------------------

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
            if vm_state not in VM_STATE_STATUS:
                raise BadRequest(f"unknown server status {status!r}: give an API status "
                                 f"({', '.join(sorted(_STATUS_VM_STATE))}) or a vm_state")
            project_id, user_id = self._owner(project)
            server = Server(
                id=id or self.new_id(),
                name=name,
                project_id=project_id,
                user_id=user_id,
                vm_state=vm_state,
                task_state=task_state,
                locked=locked,
                image_ref="" if boot_volume else self._image_ref(image),
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
            return self._put(self.servers, server)

    def _image_ref(self, image: str | None) -> str:
        """A seeded image's id when ``image`` names one (by name or id), else ``image``."""
        found = next((i for i in self.images.values() if image in (i.id, i.name)), None)
        return found.id if found else (image or "")

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
        if status not in VOLUME_STATUSES:
            raise BadRequest(f"unknown volume status {status!r}: one of "
                             f"{', '.join(sorted(VOLUME_STATUSES))}")
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
            return self._put(self.volumes, volume)

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

    # -- images, snapshots and backups ------------------------------------------------

    def add_image(
        self,
        name: str,
        id: str | None = None,
        project: str | None = None,
        visibility: str = "public",
        status: str = "active",
        disk_format: str = "qcow2",
        container_format: str = "bare",
        size: int = 0,
        min_disk: int = 0,
        min_ram: int = 0,
        protected: bool = False,
        properties: dict[str, object] | None = None,
        tags: list[str] | None = None,
    ) -> Image:
        """Seed a Glance image (public and active unless told otherwise; owned by ``project``,
        the admin project by default, as devstack uploads its images)."""
        with self.transaction():
            owner = self.find_project(project or "admin").id
            image = Image(
                id=id or stable_id("image", name), name=name, owner=owner, status=status,
                visibility=visibility, protected=protected, disk_format=disk_format,
                container_format=container_format, size=size, virtual_size=size or None,
                min_disk=min_disk, min_ram=min_ram, properties=dict(properties or {}),
                tags=list(tags or []),
            )
            return self._put(self.images, image)

    def add_snapshot(
        self,
        volume: str,
        name: str | None = None,
        id: str | None = None,
        status: str = "available",
        description: str | None = None,
    ) -> Snapshot:
        """Seed a snapshot of a volume (name or id), in the volume's project."""
        with self.transaction():
            volume_obj = self.find_volume(volume)
            snapshot = Snapshot(
                id=id or self.new_id(), volume_id=volume_obj.id,
                project_id=volume_obj.project_id, user_id=volume_obj.user_id, name=name,
                description=description, size=volume_obj.size, status=status,
                progress="100%" if status == "available" else "0%",
            )
            return self._put(self.snapshots, snapshot)

    def add_backup(
        self,
        volume: str,
        name: str | None = None,
        id: str | None = None,
        status: str = "available",
        description: str | None = None,
        incremental: bool = False,
    ) -> Backup:
        """Seed a backup of a volume (name or id), in the volume's project."""
        with self.transaction():
            volume_obj = self.find_volume(volume)
            backup = Backup(
                id=id or self.new_id(), volume_id=volume_obj.id,
                project_id=volume_obj.project_id, user_id=volume_obj.user_id, name=name,
                description=description, size=volume_obj.size, status=status,
                is_incremental=incremental,
            )
            return self._put(self.backups, backup)
