"""The records the fake cloud keeps; the rules live in the operations.

A record that changes is a dataclass with slots, compared by identity (two servers are the
same only if they are one record); a value that never changes is a ``NamedTuple``, whose
class costs a cold start a quarter of a frozen dataclass's."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import NamedTuple

MAX_LIMIT = 1000  # CONF.api.max_limit: the longest page of a Nova list
ROLE_IMPLIES = {"admin": "member", "member": "reader"}

# Server vm_states from which attach and detach are allowed (compute API's check_instance_state).
ATTACH_VM_STATES = frozenset(
    {"active", "paused", "stopped", "resized", "soft-delete", "shelved", "shelved_offloaded"}
)
SWAP_VM_STATES = frozenset({"active", "paused", "resized"})
SHELVED_VM_STATES = frozenset({"shelved", "shelved_offloaded"})

# What the compute API shows as ``status`` for each vm_state.
VM_STATE_STATUS = {
    "active": "ACTIVE",
    "building": "BUILD",
    "paused": "PAUSED",
    "suspended": "SUSPENDED",
    "stopped": "SHUTOFF",
    "rescued": "RESCUE",
    "resized": "VERIFY_RESIZE",
    "soft-delete": "SOFT_DELETED",
    "deleted": "DELETED",
    "error": "ERROR",
    "shelved": "SHELVED",
    "shelved_offloaded": "SHELVED_OFFLOADED",
}

_REBOOT_TASKS = ("rebooting", "reboot_pending", "reboot_started")
_HARD_REBOOT_TASKS = ("rebooting_hard", "reboot_pending_hard", "reboot_started_hard")
_REBUILD_TASKS = ("rebuilding", "rebuild_block_device_mapping", "rebuild_spawning")
_RESIZE_TASKS = ("resize_prep", "resize_migrating", "resize_migrated", "resize_finish")
# Nova's API status when a task_state overrides the vm_state's own (common._STATE_MAP).
TASK_STATUS: dict[str, dict[str, str]] = {
    "active": {**dict.fromkeys(_REBOOT_TASKS, "REBOOT"),
               **dict.fromkeys(_HARD_REBOOT_TASKS, "HARD_REBOOT"),
               "updating_password": "PASSWORD", **dict.fromkeys(_REBUILD_TASKS, "REBUILD"),
               "migrating": "MIGRATING", **dict.fromkeys(_RESIZE_TASKS, "RESIZE")},
    "stopped": {**dict.fromkeys(_RESIZE_TASKS, "RESIZE"),
                **dict.fromkeys(_REBUILD_TASKS, "REBUILD")},
    "resized": {"resize_reverting": "REVERT_RESIZE"},
    "paused": {"migrating": "MIGRATING"},
    "error": dict.fromkeys(_REBUILD_TASKS, "REBUILD"),
}


_KEEP = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_VERSION_4 = (4 << 76) | (0x2 << 62)
_ids = random.Random()  # a generator of its own: a test seeding ``random`` changes no id


def uuid4_text(bits: int) -> str:
    """128 random bits as a version-4 UUID's text; ``str(uuid.UUID(int=bits, version=4))``
    gives the same, at three times the cost (ids are made on every request)."""
    digits = f"{bits & _KEEP | _VERSION_4:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class Record:
    """The base of the records that change: one ``repr`` for all, as a dataclass writes it.
    A dataclass generates its own for each class, and that was a quarter of what defining
    the records cost a cold start."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{item.name}={getattr(self, item.name)!r}"
                          for item in fields(self) if item.repr)  # type: ignore[arg-type]
        return f"{type(self).__qualname__}({shown})"


def new_id() -> str:
    return uuid4_text(_ids.getrandbits(128))


def now_iso() -> str:
    """UTC now as Nova and Cinder print it, with microseconds and no offset."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")[:26]


def expand_roles(roles: set[str] | frozenset[str]) -> frozenset[str]:
    """Keystone's implied roles: admin implies member, member implies reader."""
    expanded = set(roles)
    for role in roles:
        implied = ROLE_IMPLIES.get(role)
        while implied:
            expanded.add(implied)
            implied = ROLE_IMPLIES.get(implied)
    return frozenset(expanded)


@dataclass(slots=True, eq=False, repr=False)
class Project(Record):
    """Keystone's project: what servers, volumes and images belong to."""

    id: str
    name: str
    domain_id: str = "default"


@dataclass(slots=True, eq=False, repr=False)
class User(Record):
    """Keystone's user, with the roles assigned to it in each project."""

    id: str
    name: str
    password: str
    domain_id: str = "default"
    # project id -> role names as assigned (implied roles are added when a token is issued)
    roles: dict[str, set[str]] = field(default_factory=dict)


class Context(NamedTuple):
    """Who is asking: what a validated token stands for."""

    user_id: str
    project_id: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(slots=True, eq=False, repr=False)
class Token(Record):
    """A Keystone token: who it stands for and how long it is valid."""

    id: str
    context: Context
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False


@dataclass(slots=True, eq=False, repr=False)
class BlockDeviceMapping(Record):
    """Nova's record of one disk of a server; a volume attachment is one with a volume_id."""

    uuid: str
    server_id: str
    volume_id: str | None
    device_name: str | None
    boot_index: int | None = None
    attachment_id: str | None = None
    tag: str | None = None
    delete_on_termination: bool = False
    source_type: str = "volume"
    destination_type: str = "volume"

    @property
    def is_root(self) -> bool:
        return self.boot_index == 0


@dataclass(slots=True, eq=False, repr=False)
class InstanceActionEvent(Record):
    """One step of an instance action (Nova's InstanceActionEvent)."""

    event: str
    start_time: str
    finish_time: str | None = None
    result: str | None = None  # Success, Error
    traceback: str | None = None
    host: str | None = None
    details: str | None = None


@dataclass(slots=True, eq=False, repr=False)
class InstanceAction(Record):
    """Nova's record of one action on a server, by the request that started it."""

    request_id: str
    action: str
    instance_uuid: str
    user_id: str | None
    project_id: str | None
    start_time: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    message: str | None = None
    events: list[InstanceActionEvent] = field(default_factory=list)


@dataclass(slots=True, eq=False, repr=False)
class Server(Record):
    """Nova's instance: its states, its disks (``bdms``) and its actions."""

    id: str
    name: str
    project_id: str
    user_id: str
    vm_state: str = "active"
    task_state: str | None = None
    locked: bool = False
    launched_at: str | None = None
    image_ref: str = ""
    flavor_ref: str = "1"
    host: str | None = "compute-0"
    power_state: int = 1  # 0 no state, 1 running, 4 shutdown
    description: str | None = None
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    metadata: dict[str, str] = field(default_factory=dict)
    bdms: list[BlockDeviceMapping] = field(default_factory=list)
    hostname: str | None = None  # None: the one Nova derives from the name
    key_name: str | None = None
    user_data: str | None = None
    trusted_image_certificates: list[str] | None = None
    reservation_id: str = ""  # the create request's ("": a seeded server, see reservation)
    old_flavor_ref: str | None = None  # while a resize awaits its confirmation
    old_vm_state: str | None = None  # what a resize or rescue returns the server to
    rescue_image_ref: str | None = None  # the image a rescued server runs from
    shelved_image_id: str | None = None  # the snapshot shelving made (image-backed servers)
    # Nova's instance actions, oldest first (only those fakenova records)
    actions: list[InstanceAction] = field(default_factory=list)

    @property
    def reservation(self) -> str:
        """The reservation id of the request that made the server (a seeded one's is
        derived from its id)."""
        return self.reservation_id or f"r-{hashlib.sha1(self.id.encode()).hexdigest()[:8]}"

    @property
    def status(self) -> str:
        """The API's status: the vm_state's, unless the running task_state changes it."""
        by_task = TASK_STATUS.get(self.vm_state, {})
        return by_task.get(self.task_state or "", VM_STATE_STATUS.get(self.vm_state, "UNKNOWN"))

    @property
    def boots_from_volume(self) -> bool:
        return not self.image_ref

    def volume_bdm(self, volume_id: str) -> BlockDeviceMapping | None:
        return next((b for b in self.bdms if b.volume_id == volume_id), None)


@dataclass(slots=True, eq=False, repr=False)
class VolumeAttachment(Record):
    """Cinder's record of one attachment of a volume to a server."""

    id: str
    volume_id: str
    server_id: str | None  # None: attached to a host by Cinder's os-attach, no instance
    status: str = "reserved"  # reserved -> attaching -> attached
    device: str | None = None
    host_name: str | None = None
    attached_at: str | None = None
    mode: str = "rw"  # attach_mode: rw or ro
    # False for Cinder's os-attach: no connection_info, and no Nova block device mapping
    nova_managed: bool = True


@dataclass(slots=True, eq=False, repr=False)
class Volume(Record):
    """Cinder's volume, with its attachments."""

    id: str
    name: str | None
    project_id: str
    user_id: str
    size: int = 1
    status: str = "available"
    multiattach: bool = False
    bootable: bool = False
    migration_status: str | None = None
    availability_zone: str = "nova"
    volume_type: str = "lvmdriver-1"
    description: str | None = None
    created_at: str = field(default_factory=now_iso)
    updated_at: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    attachments: list[VolumeAttachment] = field(default_factory=list)
    image_id: str | None = None  # the image it was made from (volume_image_metadata)
    # Cinder's admin metadata (readonly, attached_mode, ...); show and detail merge in
    # the keys api_utils.add_visible_admin_metadata makes visible
    admin_metadata: dict[str, str] = field(default_factory=dict)
    snapshot_id: str | None = None  # the snapshot it was created from
    # LVM snapshots of it that Cinder unmanaged (their logical volume names, and sizes)
    unmanaged_snapshots: dict[str, int] = field(default_factory=dict)

    @property
    def attach_status(self) -> str:
        statuses = {a.status for a in self.attachments}
        if "attached" in statuses:
            return "attached"
        if "attaching" in statuses:
            return "attaching"
        if "reserved" in statuses:
            return "reserved"
        return "detached"

    def attachment_for(self, server_id: str) -> VolumeAttachment | None:
        return next((a for a in self.attachments if a.server_id == server_id), None)


@dataclass(slots=True, eq=False, repr=False)
class Image(Record):
    """Glance's record of an image: its fields, its free-form properties and its bytes."""

    id: str
    name: str | None
    owner: str
    status: str = "queued"  # queued -> saving -> active; deactivated, killed, deleted
    visibility: str = "shared"
    protected: bool = False
    os_hidden: bool = False
    disk_format: str | None = None
    container_format: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    tags: list[str] = field(default_factory=list)
    properties: dict[str, object] = field(default_factory=dict)
    data: bytes | None = None


@dataclass(slots=True, eq=False, repr=False)
class Snapshot(Record):
    """Cinder's record of a volume snapshot."""

    id: str
    volume_id: str
    project_id: str
    user_id: str
    name: str | None = None
    description: str | None = None
    size: int = 1
    status: str = "creating"  # creating -> available; deleting, error, error_deleting
    progress: str = "0%"
    created_at: str = field(default_factory=now_iso)
    updated_at: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, eq=False, repr=False)
class Backup(Record):
    """Cinder's record of a volume backup."""

    id: str
    volume_id: str
    project_id: str
    user_id: str
    name: str | None = None
    description: str | None = None
    size: int = 1
    status: str = "creating"  # creating -> available; deleting, restoring, error
    is_incremental: bool = False
    snapshot_id: str | None = None
    container: str | None = None
    availability_zone: str | None = "nova"
    fail_reason: str | None = None
    object_count: int = 0
    created_at: str = field(default_factory=now_iso)
    updated_at: str | None = None
    data_timestamp: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    parent_id: str | None = None  # the backup an incremental one builds on
    # what the backup holds of its volume, for a restore: metadata, bootable
    volume_metadata: dict[str, str] = field(default_factory=dict)
    volume_bootable: bool = False
    previous_status: str | None = None  # the volume's status before ``backing-up``
