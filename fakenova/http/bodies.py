"""Request bodies as Nova's and Cinder's JSON deserializers read them."""

from __future__ import annotations

import json
from typing import Any

from fakenova.errors import BadRequest


def parse_json(raw: bytes) -> Any:
    """oslo.serialization's ``jsonutils.loads``: the bytes decoded as UTF-8 and nothing else
    (``json.loads`` alone would also read UTF-16 and UTF-32, and skip a byte-order mark), and
    every refusal answered as ``MalformedRequestBody``."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadRequest("Malformed request body") from error
