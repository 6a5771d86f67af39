"""``/types``: Cinder's volume types, read-only (list, show, extra specs)."""

from __future__ import annotations

from typing import Any

from flask import Response

from fakenova.domain import volume_types
from fakenova.domain.model import Context
from fakenova.domain.policy import allows
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import context
from fakenova.http.volume.routing import api_route
from fakenova.openapi.bindings import READ, Binding, Bindings, envelope, object_schema


def _render(volume_type: volume_types.VolumeType, ctx: Context) -> dict[str, Any]:
    """cinder.api.v3.views.types.ViewBuilder.show."""
    item: dict[str, Any] = {"id": volume_type.id, "name": volume_type.name,
                            "is_public": volume_type.is_public,
                            "description": volume_type.description}
    if allows(ctx, "volume_extension:access_types_extra_specs"):
        item["extra_specs"] = volume_types.visible_extra_specs(ctx, volume_type)
    if allows(ctx, "volume_extension:access_types_qos_specs_id"):
        item["qos_specs_id"] = volume_type.qos_specs_id
    return item


@api_route("/types", "GET")
def list_volume_types() -> Response:
    """The public types (every type, for an admin)."""
    ctx = context()
    return json_response({"volume_types": [_render(t, ctx)
                                           for t in volume_types.list_types(ctx)]})


@api_route("/types/<type_id>", "GET")
def show_volume_type(type_id: str) -> Response:
    """One type by id; ``default`` is the default type."""
    ctx = context()
    return json_response({"volume_type": _render(volume_types.get_type(ctx, type_id), ctx)})


@api_route("/types/<type_id>/extra_specs", "GET")
def list_type_extra_specs(type_id: str) -> Response:
    return json_response({"extra_specs": volume_types.list_extra_specs(context(), type_id)})


@api_route("/types/<type_id>/extra_specs/<key>", "GET")
def show_type_extra_spec(type_id: str, key: str) -> Response:
    return json_response(volume_types.show_extra_spec(context(), type_id, key))


_PATH = "/volume/v3/types"
BINDINGS = Bindings("volume types", {
    f"GET {_PATH}": Binding(200, envelope("volume_types", True), errors=READ),
    f"GET {_PATH}/{{type_id}}": Binding(200, envelope("volume_type"), errors=READ),
    f"GET {_PATH}/{{type_id}}/extra_specs": Binding(200, object_schema(
        extra_specs={"type": "object", "additionalProperties": {"type": "string"}}),
        errors=READ),
    f"GET {_PATH}/{{type_id}}/extra_specs/{{key}}": Binding(200, {
        "type": "object", "additionalProperties": {"type": "string"}}, errors=READ),
})
