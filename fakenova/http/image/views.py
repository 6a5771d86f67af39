"""An image as Glance's ``ResponseSerializer._format_image`` shows it."""

from __future__ import annotations

from typing import Any

from fakenova.domain.model import Image

_ATTRIBUTES = ("name", "disk_format", "container_format", "visibility", "size",
               "virtual_size", "status", "checksum", "protected", "min_ram", "min_disk",
               "owner", "os_hidden", "os_hash_algo", "os_hash_value")
_HIDDEN = ("os_glance_stage_host", "os_glance_hash_op_host")


def isotime(stamp: str) -> str:
    """oslo's ``timeutils.isotime``: to the second, with a ``Z``."""
    return f"{stamp[:19]}Z"


def href(image_id: str, sub: str = "") -> str:
    return f"/v2/images/{image_id}" + (f"/{sub}" if sub else "")


def render_image(image: Image) -> dict[str, Any]:
    view: dict[str, Any] = {key: "" if value is None else value
                            for key, value in image.properties.items() if key not in _HIDDEN}
    for key in _ATTRIBUTES:
        view[key] = getattr(image, key)
    view.update(id=image.id, created_at=isotime(image.created_at),
                updated_at=isotime(image.updated_at), tags=list(image.tags),
                self=href(image.id), file=href(image.id, "file"), schema="/v2/schemas/image")
    return view
