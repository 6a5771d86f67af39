"""Glance v2 images: who sees them, creating and changing them, their data and tags
(``glance.api.v2.images``, ``image_data``, ``image_actions``, ``image_tags``, with the domain
rules of ``glance.domain.Image`` and the policies of ``glance.policies.image``).

Errors are worded as Glance words them; a refused change leaves the image as it was. Listing
is in ``fakenova.domain.image_listing``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import BadRequest, Conflict, Forbidden, NotFound, RequestEntityTooLarge
from .model import Context, Image, now_iso
from .policy import ADMIN, MEMBER, READER, allows, declare
from .store import State, locked

# glance.policies.image defaults (add_image also needs the owner to be the caller's project)
declare({
    "add_image": MEMBER, "get_image": READER, "get_images": READER, "modify_image": MEMBER,
    "delete_image": MEMBER, "publicize_image": ADMIN, "communitize_image": MEMBER,
    "download_image": MEMBER, "upload_image": MEMBER, "deactivate": MEMBER,
    "reactivate": MEMBER, "set_image_location": MEMBER, "delete_image_location": ADMIN,
})

IMAGE_SIZE_CAP = 64 * 1024 * 1024  # bytes held in memory per image (Glance's image_size_cap)
PROPERTY_QUOTA = 128  # CONF.image_property_quota
TAG_QUOTA = 128  # CONF.image_tag_quota
VISIBILITIES = ("community", "public", "private", "shared")
# What the image record itself has (glance.domain.Image attributes): never extra properties.
ATTRIBUTES = frozenset({
    "id", "name", "status", "visibility", "os_hidden", "min_disk", "min_ram", "protected",
    "locations", "checksum", "os_hash_algo", "os_hash_value", "owner", "disk_format",
    "container_format", "size", "virtual_size", "tags", "created_at", "updated_at", "member"})
# glance.domain.ImageFactory: refused on create as read-only, or as reserved properties
_READONLY_ON_CREATE = ("created_at", "updated_at", "status", "checksum", "os_hash_algo",
                       "os_hash_value", "size", "virtual_size")
_RESERVED_ON_CREATE = ("owner", "locations", "deleted", "deleted_at", "direct_url", "self",
                       "file", "schema")
_CREATE_FIELDS = ("name", "visibility", "min_disk", "min_ram", "protected", "owner",
                  "disk_format", "container_format", "os_hidden")
# glance.domain.Image.valid_state_targets, for the statuses fakenova reaches
_TRANSITIONS = {"queued": ("saving", "active", "deleted"), "saving": ("active", "queued"),
                "active": ("deleted", "deactivated"), "deactivated": ("active", "deleted"),
                "killed": ("deleted",)}


class Change(NamedTuple):
    """One operation of a JSON-patch body, as Glance's deserializer leaves it."""

    op: str  # add, remove, replace
    path: str  # the path's root: an attribute or an extra property
    value: Any = None
    rest: tuple[str, ...] = ()  # what the path has after its root (a location's index)
    draft: int = 10  # 10 for openstack-images-v2.1-json-patch, 4 for v2.0


def not_authorized(action: str) -> Forbidden:
    return Forbidden(f"You are not authorized to complete {action} action.")


def is_visible(ctx: Context, image: Image) -> bool:
    """Whether the image database shows the image to the caller (``_image_get``): admins see
    all; others public and community images and their own project's (fakenova has no image
    members, so a shared image is its owner's alone)."""
    return (ctx.is_admin or image.visibility in ("public", "community")
            or image.owner == ctx.project_id)


def _passes(ctx: Context, rule: str, image: Image) -> bool:
    """The rule on the image as target: get_image and download_image also pass a reader or
    member of any project for a public, community or shared image."""
    if rule in ("get_image", "download_image") and image.visibility != "private":
        return allows(ctx, rule)
    return allows(ctx, rule, image.owner)


def _enforce(ctx: Context, rule: str, image: Image) -> None:
    """ImageAPIPolicy._enforce: a refusal is a 403, or a bare 404 to one who may not even
    see the image."""
    if _passes(ctx, rule, image):
        return
    if rule == "get_image" or not _passes(ctx, "get_image", image):
        raise NotFound("The resource could not be found.")
    raise not_authorized(rule)


def _lookup(state: State, ctx: Context, image_id: str, missing: str | None = None) -> Image:
    image = state.images.get(image_id)
    if image is None or not is_visible(ctx, image):
        raise NotFound(missing or f"No image found with ID {image_id}")
    return image


@locked
def get_image(state: State, ctx: Context, image_id: str) -> Image:
    """The image as ``GET /v2/images/{id}`` shows it; NotFound as Glance words it."""
    image = _lookup(state, ctx, image_id)
    _enforce(ctx, "get_image", image)
    return image


def _visibility_rules(ctx: Context, visibility: str, target: Image) -> None:
    if visibility == "public" and not _passes(ctx, "publicize_image", target):
        raise not_authorized("publicize_image")
    if visibility == "community" and not _passes(ctx, "communitize_image", target):
        raise not_authorized("communitize_image")


def glance_property(value: object) -> str:
    """A property value as Nova's image API sends it to Glance v2: lists and dicts as JSON,
    anything else as its text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value if isinstance(value, str) else str(value)


@locked
def create_image(state: State, ctx: Context, name: str | None,
                 properties: Mapping[str, object] | None = None, *,
                 image_id: str | None = None, tags: Sequence[str] = (),
                 active: bool = False, **fields: Any) -> Image:
    """A new image owned by the caller's project (or ``owner``, for an admin): ``queued``,
    or with ``active`` (Nova's snapshot of a volume-backed server) ``active`` with no data,
    size 0 and raw/bare unless given. ``fields`` are Glance's create fields (visibility,
    min_disk, min_ram, protected, owner, disk_format, container_format, os_hidden);
    ``properties`` the extra ones (values that are not strings become JSON or text, as
    Nova's image API sends them). Refusals are Glance's."""
    owner = fields.get("owner") or ctx.project_id
    visibility = fields.get("visibility") or "shared"
    draft = Image(id="", name=name, owner=owner, visibility=visibility)
    if not allows(ctx, "add_image", owner):
        if owner != ctx.project_id:
            raise Forbidden(f"You are not permitted to create images owned by '{owner}'")
        raise not_authorized("add_image")
    _visibility_rules(ctx, visibility, draft)
    for key in fields:
        if key in _READONLY_ON_CREATE:
            raise Forbidden(f"Attribute '{key}' is read-only.")
        if key not in _CREATE_FIELDS:
            raise TypeError(f"create_image() got an unexpected keyword argument '{key}'")
    extra = {key: glance_property(value) for key, value in (properties or {}).items()
             if value is not None}
    for key in _RESERVED_ON_CREATE:
        if key in extra:
            raise Forbidden(f"Attribute '{key}' is reserved.")
    if visibility not in VISIBILITIES:
        raise BadRequest('Visibility must be one of "community", "public", "private", or '
                         '"shared"')
    for key in ("min_disk", "min_ram"):
        _check_minimum(key, fields.get(key))
    if image_id is not None and image_id in state.images:
        raise Conflict(f"Image ID {image_id} already exists!")
    if len(extra) > PROPERTY_QUOTA:
        raise _property_limit(len(extra))
    _check_tag_quota(len(set(tags)))
    image = Image(id=image_id or state.new_id(), name=name, owner=owner, visibility=visibility,
                  protected=bool(fields.get("protected", False)),
                  os_hidden=bool(fields.get("os_hidden", False)),
                  disk_format=fields.get("disk_format"),
                  container_format=fields.get("container_format"),
                  min_disk=fields.get("min_disk") or 0, min_ram=fields.get("min_ram") or 0,
                  properties=extra, tags=_unique(tags))
    if active:
        image.disk_format = image.disk_format or "raw"
        image.container_format = image.container_format or "bare"
        _store(image, b"")
    state.images[image.id] = image
    return image


def _unique(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def _check_minimum(key: str, value: object) -> None:
    if isinstance(value, int) and value < 0:
        raise BadRequest(f"Invalid value '{value}' for parameter '{key}': Cannot be a "
                         "negative value")


def _property_limit(attempted: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        "The limit has been exceeded on the number of allowed image properties. Attempted: "
        f"{attempted}, Maximum: {PROPERTY_QUOTA}")


def _check_tag_quota(count: int) -> None:
    if count > TAG_QUOTA:
        raise RequestEntityTooLarge(
            "The limit has been exceeded on the number of allowed image tags. Attempted: "
            f"{count}, Maximum: {TAG_QUOTA}")


def _set_attribute(image: Image, key: str, value: Any) -> None:
    """setattr on glance.domain.Image, with its setters' rules."""
    if key in ("container_format", "disk_format") and image.status not in ("queued",):
        raise Forbidden(f"Attribute {key} can be only replaced for a queued image.")
    if key in ("min_disk", "min_ram"):
        _check_minimum(key, value)
    if key == "tags":
        image.tags = _unique(value)
    elif key == "id":
        raise Forbidden("Attribute 'id' is read-only.")
    elif key not in ("locations", "member"):
        setattr(image, key, value)


def _locations(ctx: Context, image: Image, change: Change) -> None:
    """Locations are not shown (show_multiple_locations is off), so none may change."""
    if change.op == "replace" and not change.value:
        raise Forbidden("Cannot set locations to empty list.")
    rule = "delete_image_location" if change.op == "remove" else "set_image_location"
    _enforce(ctx, rule, image)
    verb = {"add": "add", "remove": "remove", "replace": "update"}[change.op]
    raise Forbidden(f"It's not allowed to {verb} locations if locations are invisible.")


def _apply(ctx: Context, image: Image, change: Change) -> None:
    """ImagesController._do_add, _do_replace and _do_remove on one change."""
    key, value = change.path, change.value
    if key == "locations":
        _locations(ctx, image, change)
    if change.op == "replace" and key == "owner" and not ctx.is_admin:
        raise Forbidden("Owner can't be updated by non admin.")
    if change.op != "remove" and key == "visibility":
        _visibility_rules(ctx, value, image)
    _enforce(ctx, "modify_image", image)
    present = key in ATTRIBUTES or key in image.properties
    if change.op == "remove":
        if key in ATTRIBUTES:
            raise Forbidden(f"Property {key} may not be removed.")
        if key not in image.properties:
            raise Conflict(f"Property {key} does not exist.")
        del image.properties[key]
    elif change.op == "replace" and not present:
        raise Conflict(f"Property {key} does not exist.")
    elif change.op == "add" and present and change.draft == 4:
        raise Conflict(f"Property {key} already present.")
    elif key in ATTRIBUTES:
        _set_attribute(image, key, value)
    else:
        image.properties[key] = value


@locked
def update_image(state: State, ctx: Context, image_id: str,
                 changes: Sequence[Change]) -> Image:
    """Apply a PATCH's changes in order, all of them or none."""
    image = _lookup(state, ctx, image_id)
    if not changes:
        return image
    with state.savepoint():
        state.touch(image)
        for change in changes:
            _apply(ctx, image, change)
        if len(image.properties) > PROPERTY_QUOTA:
            raise _property_limit(len(image.properties))
        _check_tag_quota(len(image.tags))
        image.updated_at = now_iso()
    return image


@locked
def delete_image(state: State, ctx: Context, image_id: str) -> None:
    image = _lookup(state, ctx, image_id, f"Failed to find image {image_id} to delete")
    _enforce(ctx, "delete_image", image)
    if image.protected:
        raise Forbidden(f"Image {image_id} is protected and cannot be deleted.")
    state.touch(image)
    del state.images[image_id]


def _store(image: Image, data: bytes) -> None:
    image.data = data
    image.size = len(data)
    image.virtual_size = len(data) if image.disk_format in ("raw", "iso") else None
    image.checksum = hashlib.md5(data, usedforsecurity=False).hexdigest()
    image.os_hash_algo = "sha512"
    image.os_hash_value = hashlib.sha512(data).hexdigest()
    image.status = "active"
    image.updated_at = now_iso()


def _transition(image: Image, status: str) -> None:
    if status not in _TRANSITIONS.get(image.status, ()):
        raise Conflict(f"Image status transition from {image.status} to {status} is not "
                       "allowed")


@locked
def upload_image(state: State, ctx: Context, image_id: str, data: bytes | None,
                 size: int | None = None) -> Image:
    """``PUT /file``: queued to active with the bytes, their size and hashes. ``data`` None:
    more than ``IMAGE_SIZE_CAP`` bytes came (or ``size`` says they would)."""
    image = _lookup(state, ctx, image_id)
    _enforce(ctx, "upload_image", image)
    _transition(image, "saving")
    missing = [key for key in ("disk_format", "container_format") if not getattr(image, key)]
    if missing:
        noun = "Property" if len(missing) == 1 else "Properties"
        raise BadRequest(f"{noun} {', '.join(missing)} must be set prior to saving data.")
    if data is None or (size is not None and size > IMAGE_SIZE_CAP):
        raise RequestEntityTooLarge("The incoming image is too large: The provided image is "
                                    "too large.")
    state.touch(image)
    _store(image, data)
    return image


@locked
def image_data(state: State, ctx: Context, image_id: str) -> tuple[Image, bytes | None]:
    """``GET /file``: the image and its bytes (None: it has none)."""
    image = _lookup(state, ctx, image_id)
    if image.status == "deactivated" and not ctx.is_admin:
        raise Forbidden("The requested image has been deactivated. Image data download is "
                        "forbidden.")
    _enforce(ctx, "download_image", image)
    return image, image.data


@locked
def set_active(state: State, ctx: Context, image_id: str, active: bool) -> None:
    """The deactivate and reactivate actions: active <-> deactivated (again: no change)."""
    image = _lookup(state, ctx, image_id)
    rule = "reactivate" if active else "deactivate"
    _enforce(ctx, rule, image)
    wanted, source = ("active", "deactivated") if active else ("deactivated", "active")
    if image.status == wanted:
        return
    if image.status != source:
        raise Forbidden(f"Not allowed to {rule} image in status '{image.status}'")
    state.touch(image)
    image.status, image.updated_at = wanted, now_iso()


@locked
def add_tag(state: State, ctx: Context, image_id: str, tag: str) -> None:
    image = _lookup(state, ctx, image_id, f"Image {image_id} not found.")
    _enforce(ctx, "modify_image", image)
    if tag in image.tags:
        return
    _check_tag_quota(len(image.tags) + 1)
    state.touch(image)
    image.tags.append(tag)
    image.updated_at = now_iso()


@locked
def remove_tag(state: State, ctx: Context, image_id: str, tag: str) -> None:
    image = _lookup(state, ctx, image_id, f"Image {image_id} not found.")
    _enforce(ctx, "modify_image", image)
    if tag not in image.tags:
        raise NotFound("The resource could not be found.")
    state.touch(image)
    image.tags.remove(tag)
    image.updated_at = now_iso()


def snapshot_references(image: Image) -> list[str]:
    """The volume snapshots the image's ``block_device_mapping`` property names (Nova's
    snapshot of a volume-backed server: JSON text, or a list as fixtures give it)."""
    mappings = image.properties.get("block_device_mapping")
    if isinstance(mappings, str):
        try:
            mappings = json.loads(mappings)
        except ValueError:
            return []
    if not isinstance(mappings, list):
        return []
    return [str(m["snapshot_id"]) for m in mappings
            if isinstance(m, dict) and m.get("snapshot_id")]
