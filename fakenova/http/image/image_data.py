"""An image's data (``glance.api.v2.image_data``), its deactivate and reactivate actions
(``image_actions``) and its tags (``image_tags``)."""

from __future__ import annotations

from flask import Response, request

from fakenova.domain import images
from fakenova.errors import BadRequest
from fakenova.http.exchange import cloud, context, exchange
from fakenova.http.image import schemas
from fakenova.http.image.faults import MediaTypeRefused
from fakenova.http.image.pipeline import data_too_large
from fakenova.http.image.routing import bp
from fakenova.openapi.bindings import Binding, Bindings


def _no_content() -> Response:
    return Response(b"", 204, content_type="text/html; charset=UTF-8")


def _declared_size() -> int | None:
    """RequestDeserializer._get_image_size: ``x-openstack-image-size``, else the length."""
    size = request.headers.get("x-openstack-image-size")
    if size is None:
        return request.content_length or None
    try:
        return int(size)
    except ValueError:
        raise BadRequest("Invalid or missing image size in request headers.") from None


@bp.put("/v2/images/<image_id>/file")
def upload(image_id: str) -> Response:
    """The image's bytes, as ``application/octet-stream``: 204, and the image is active."""
    if "Content-Type" not in request.headers:
        raise MediaTypeRefused("Invalid content type None")
    if request.mimetype != "application/octet-stream":
        raise MediaTypeRefused(f"Invalid content type {request.mimetype}")
    size = _declared_size()
    data = None if data_too_large() else exchange().body
    images.upload_image(cloud().state, context(), image_id, data, size)
    return _no_content()


@bp.get("/v2/images/<image_id>/file")
def download(image_id: str) -> Response:
    """The bytes with their MD5 (``Content-MD5``); 204 for an image without data."""
    image, data = images.image_data(cloud().state, context(), image_id)
    if data is None:
        return _no_content()
    headers = {"Content-MD5": image.checksum} if image.checksum else {}
    return Response(data, 200, content_type="application/octet-stream", headers=headers)


@bp.post("/v2/images/<image_id>/actions/deactivate")
def deactivate(image_id: str) -> Response:
    images.set_active(cloud().state, context(), image_id, active=False)
    return _no_content()


@bp.post("/v2/images/<image_id>/actions/reactivate")
def reactivate(image_id: str) -> Response:
    images.set_active(cloud().state, context(), image_id, active=True)
    return _no_content()


@bp.put("/v2/images/<image_id>/tags/<tag>")
def add_tag(image_id: str, tag: str) -> Response:
    schemas.validate({"tags": [tag]})
    images.add_tag(cloud().state, context(), image_id, tag)
    return _no_content()


@bp.delete("/v2/images/<image_id>/tags/<tag>")
def remove_tag(image_id: str, tag: str) -> Response:
    images.remove_tag(cloud().state, context(), image_id, tag)
    return _no_content()


_PATH = "/image/v2/images/{image_id}"
_ERRORS = (400, 401, 403, 404, 409, 413, 415)
BINDINGS = Bindings("image data", {
    f"PUT {_PATH}/file": Binding(204, errors=_ERRORS),
    f"GET {_PATH}/file": Binding(200, {"type": "string"}, errors=(401, 403, 404),
                                 successes=((204, None),),
                                 media_type="application/octet-stream"),
    f"POST {_PATH}/actions/deactivate": Binding(204, errors=(401, 403, 404)),
    f"POST {_PATH}/actions/reactivate": Binding(204, errors=(401, 403, 404)),
    f"PUT {_PATH}/tags/{{tag}}": Binding(204, errors=(400, 401, 403, 404, 413)),
    f"DELETE {_PATH}/tags/{{tag}}": Binding(204, errors=(401, 403, 404)),
})
