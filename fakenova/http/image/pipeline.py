"""What Glance does around each request: the version negotiation filter (any path that names
no version it serves gets the version list, without a token), the body as
``JSONRequestDeserializer`` reads it, and the request id the context middleware adds."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request, Response

from fakenova.domain.images import IMAGE_SIZE_CAP
from fakenova.errors import BadRequest, RequestEntityTooLarge
from fakenova.http.exchange import Exchange, exchange

API_PREFIX = re.compile(r"^/image/v2")
_BODY_METHODS = ("POST", "PUT", "PATCH")
_CHUNKED = frozenset({"chunked", "compress", "deflate", "gzip", "identity"})
NO_BODY: Any = object()
UNREAD: Any = object()
TOO_LARGE: Any = object()


def needs_token(path: str) -> bool:
    return path == "/image/v2" or path.startswith("/image/v2/")


def _read(req: Request) -> bytes | None:
    """The body, up to ``IMAGE_SIZE_CAP`` bytes; None when there is more."""
    declared = req.content_length
    terminated = "wsgi.input_terminated" in req.environ
    if not declared and not terminated:
        return b""
    if declared is not None and not terminated:
        if declared > IMAGE_SIZE_CAP:
            return None
        return req.environ["wsgi.input"].read(declared)  # type: ignore[no-any-return]
    body = req.stream.read(IMAGE_SIZE_CAP + 1)
    return None if len(body) > IMAGE_SIZE_CAP else body


def _has_body(req: Request) -> bool:
    """JSONRequestDeserializer.has_body."""
    chunked = req.headers.get("Transfer-Encoding", "").lower() in _CHUNKED
    return (chunked and req.method in _BODY_METHODS) or bool(req.content_length)


def parse_json(raw: bytes) -> Any:
    """JSONRequestDeserializer.from_json: UTF-8 JSON that is an object or an array."""
    try:
        found = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadRequest("Malformed JSON in request body.") from None
    if not isinstance(found, (dict, list)):
        raise BadRequest("Unexpected body type. Expected list/dict.")
    return found


def json_body() -> Any:
    """The request's JSON (``NO_BODY`` when it has none), parsed when a view asks for it."""
    ex = exchange()
    if ex.json_body is UNREAD:
        ex.json_body = parse_json(ex.body)
    return ex.json_body


def data_too_large() -> bool:
    """Whether the request's data was more than ``IMAGE_SIZE_CAP`` bytes (and was not kept)."""
    return exchange().json_body is TOO_LARGE


def read_body(ex: Exchange, req: Request) -> None:
    """Read a routed request's body (the image data of PUT /file included), up to
    ``IMAGE_SIZE_CAP`` bytes, before fault rules look at it."""
    ex.json_body = NO_BODY
    if req.url_rule is None or req.method not in _BODY_METHODS or not _has_body(req):
        return
    body = _read(req)
    if body is None:
        ex.json_body = TOO_LARGE  # not kept: image data is refused by the domain, below
        return
    ex.body, ex.json_body = body, UNREAD


def prepare(ex: Exchange, req: Request) -> None:
    """Past keystonemiddleware, Glance's deserializer refuses a body over the cap; image
    data over it goes on to the view, which asks the domain, which refuses it as Glance
    does."""
    if ex.json_body is TOO_LARGE and req.endpoint != "image.upload":
        raise RequestEntityTooLarge(f"Request is too large. Larger than {IMAGE_SIZE_CAP}.")


def add_headers(ex: Exchange, req: Request, response: Response) -> None:
    """The context middleware's request id, on what went past keystonemiddleware."""
    if ex.context is not None:
        response.headers["x-openstack-request-id"] = ex.request_id
