"""Cinder's volume types, read-only (``cinder.api.v3.types`` and
``cinder.api.contrib.types_extra_specs``): devstack's types and one with multiattach on."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NotFound
from .model import Context
from .policy import ADMIN, READER, allows, authorize, declare
from .volumes import MULTIATTACH_TYPE, VOLUME_TYPES

# cinder/policies/volume_type.py and type_extra_specs.py
declare({
    "volume_extension:type_get": READER,
    "volume_extension:type_get_all": READER,
    "volume_extension:access_types_extra_specs": READER,
    "volume_extension:access_types_qos_specs_id": ADMIN,
    "volume_extension:types_extra_specs:index": READER,
    "volume_extension:types_extra_specs:show": READER,
    "volume_extension:types_extra_specs:read_sensitive": ADMIN,
})
# What a user without read_sensitive sees of a type's extra specs.
USER_VISIBLE_EXTRA_SPECS = ("RESKEY:availability_zones", "multiattach", "replication_enabled")
DEFAULT_TYPE = "__DEFAULT__"


@dataclass(frozen=True)
class VolumeType:
    id: str
    name: str
    description: str | None = None
    is_public: bool = True
    extra_specs: dict[str, str] = field(default_factory=dict)
    qos_specs_id: str | None = None


_EXTRA_SPECS = {"lvmdriver-1": {"volume_backend_name": "lvmdriver-1"},
                MULTIATTACH_TYPE: {"multiattach": "<is> True",
                                   "volume_backend_name": "lvmdriver-1"}}
_DESCRIPTIONS = {DEFAULT_TYPE: "Default Volume Type"}
TYPES = tuple(VolumeType(id=type_id, name=name, description=_DESCRIPTIONS.get(name),
                         extra_specs=dict(_EXTRA_SPECS.get(name, {})))
              for name, type_id in VOLUME_TYPES.items())


def visible_extra_specs(ctx: Context, volume_type: VolumeType) -> dict[str, str]:
    """All of them for admins; otherwise only the user-visible keys."""
    if allows(ctx, "volume_extension:types_extra_specs:read_sensitive"):
        return dict(volume_type.extra_specs)
    return {k: val for k, val in volume_type.extra_specs.items()
            if k in USER_VISIBLE_EXTRA_SPECS}


def list_types(ctx: Context) -> list[VolumeType]:
    authorize(ctx, "volume_extension:type_get_all")
    return [t for t in TYPES if t.is_public or ctx.is_admin]


def _by_id(type_id: str) -> VolumeType:
    """volume_types.get_volume_type: by id only."""
    found = next((t for t in TYPES if t.id == type_id), None)
    if found is None:
        raise NotFound(f"Volume type {type_id} could not be found.")
    return found


def get_type(ctx: Context, type_id: str) -> VolumeType:
    """A type by id, or ``default`` for the default type."""
    found = _by_id(VOLUME_TYPES[DEFAULT_TYPE] if type_id == "default" else type_id)
    authorize(ctx, "volume_extension:type_get")
    return found


def list_extra_specs(ctx: Context, type_id: str) -> dict[str, str]:
    authorize(ctx, "volume_extension:types_extra_specs:index")
    return visible_extra_specs(ctx, _by_id(type_id))


def show_extra_spec(ctx: Context, type_id: str, key: str) -> dict[str, str]:
    authorize(ctx, "volume_extension:types_extra_specs:show")
    specs = visible_extra_specs(ctx, _by_id(type_id))
    if key not in specs:
        raise NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
    return {key: specs[key]}
