"""What Cinder's snapshot and backup APIs share (their list queries are the volumes',
``queries``, and their bodies are checked by ``schemas``): their next links, action bodies
(wsgi.Resource's action dispatch) and schema checks of whole bodies."""

from __future__ import annotations

import ast
from collections.abc import Collection
from typing import Any
from urllib.parse import urlencode

from flask import request

from fakenova.domain.model import Context
from fakenova.errors import BadRequest
from fakenova.http.exchange import exchange
from fakenova.http.volume import queries
from fakenova.http.volume.schemas import check


def list_body(collection: str, items: list[dict[str, Any]], page: list[Any],
              query: queries.ListQuery, total: int, ctx: Context, detail: bool) -> dict[str, Any]:
    """``{collection: items}``, the next link when the page is full, and the count."""
    body: dict[str, Any] = {collection: items}
    count = total if query.with_count else None
    if page and query.limit <= (count or len(page)):
        params = [(k, val) for k, val in request.args.items(multi=True) if k != "marker"]
        in_url = ctx.project_id if f"/v3/{ctx.project_id}" in request.url else ""
        path = "/".join(p for p in (in_url, collection + ("/detail" if detail else "")) if p)
        body[f"{collection}_links"] = [{
            "rel": "next", "href": f"{request.host_url}volume/v3/{path}?"
                                   f"{urlencode([*params, ('marker', page[-1].id)])}"}]
    if count is not None:
        body["count"] = count
    return body


def literal(text: str) -> object:
    """The snapshot list's metadata filter: a Python literal, else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def action_name(body: object, actions: Collection[str]) -> str:
    """wsgi.action_peek and the dispatch: exactly one key, naming an action served here."""
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("Malformed request body")
    name = next(iter(body))
    if name not in actions:
        raise BadRequest(f"There is no such action: {name}. Verify the request body and "
                         "Content-Type header and try again.")
    return str(name)


def validated(key: str) -> dict[str, Any]:
    """The whole body, checked against ``schemas/volume/<key>`` at the request's version
    (a key with no schema there accepts anything, as an unvalidated method does)."""
    body = exchange().json_body
    check(key, body)
    if not isinstance(body, dict):
        raise BadRequest("Malformed request body")
    return body
