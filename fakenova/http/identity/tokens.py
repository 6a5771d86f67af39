"""Keystone v3, as much as clients need: version documents, password tokens, and checking
and revoking tokens."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from fakenova.domain.identity import PasswordAuth, inspect_token, issue_token, revoke_token
from fakenova.domain.ids import stable_id
from fakenova.domain.model import Project, Token, User
from fakenova.errors import BadRequest
from fakenova.http.error_bodies import json_response
from fakenova.http.exchange import cloud, exchange
from fakenova.openapi.bindings import (
    VERSION_DOCUMENTS,
    Binding,
    Bindings,
    envelope,
    object_schema,
    ref,
)
from fakenova.validation.keystone import validate_token_request

bp = Blueprint("identity", __name__, url_prefix="/identity")

REGION = "RegionOne"
_MALFORMED = ("Expecting to find {} in request body. The server could not comply with the "
              "request since it is either malformed or otherwise incorrect. The client is "
              "assumed to be in error.")


def _v3_doc() -> dict[str, Any]:
    return {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{request.host_url}identity/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}]}


@bp.get("")
@bp.get("/")
def versions() -> Response:
    return json_response({"versions": {"values": [_v3_doc()]}}, 300)


@bp.get("/v3")
@bp.get("/v3/")
def version_v3() -> Response:
    return json_response({"version": _v3_doc()})


def _field(container: Any, key: str, where: str) -> Any:
    if not isinstance(container, dict) or key not in container:
        raise BadRequest(_MALFORMED.format(where))
    return container[key]


def _mapping(container: Any, key: str, where: str) -> dict[str, Any]:
    value = _field(container, key, where)
    if not isinstance(value, dict):
        raise BadRequest(_MALFORMED.format(where))
    return value


def _domain_ref(entity: dict[str, Any]) -> str | None:
    domain = entity.get("domain") or {}
    return domain.get("id") or domain.get("name")


def _require_id_or_name(entity: dict[str, Any] | None, where: str) -> None:
    if entity is not None and "id" not in entity and "name" not in entity:
        raise BadRequest(f"Invalid input for field {where}: id or name must be present.")


def _password_auth(body: Any) -> PasswordAuth:
    """What a token request asks for, checked as Keystone checks it."""
    auth = _mapping(body, "auth", "auth")
    validate_token_request(auth)
    identity = auth["identity"]
    user = identity.get("password", {}).get("user")
    _require_id_or_name(user, "identity/password/user")
    _require_id_or_name((user or {}).get("domain"), "identity/password/user/domain")
    scope = auth.get("scope")
    project = scope.get("project") if isinstance(scope, dict) else None
    _require_id_or_name(project, "scope/project")
    _require_id_or_name((project or {}).get("domain"), "scope/project/domain")
    if "password" not in identity["methods"] or user is None:
        raise BadRequest("Unsupported authentication method; fakenova accepts password.")
    if project is None:
        raise BadRequest(_MALFORMED.format("scope.project"))
    return PasswordAuth(
        password=str(_field(user, "password", "password")),
        user_id=user.get("id"),
        user_name=user.get("name"),
        user_domain=_domain_ref(user),
        project_id=project.get("id"),
        project_name=project.get("name"),
        project_domain=_domain_ref(project),
    )


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def catalog(project_id: str) -> list[dict[str, Any]]:
    """Every service the app serves that has a catalog entry, at each interface."""
    base = request.host_url.rstrip("/")
    entries = current_app.services.catalog()  # type: ignore[attr-defined]
    return [
        {"id": stable_id("service", entry.type), "type": entry.type, "name": entry.name,
         "endpoints": [{"id": stable_id("endpoint", f"{entry.type}:{interface}"),
                        "interface": interface, "region": REGION, "region_id": REGION,
                        "url": f"{base}/{entry.path.format(project_id=project_id)}"}
                       for interface in ("public", "internal", "admin")]}
        for entry in entries
    ]


def _token_body(token: Token, user: User, project: Project,
                include_catalog: bool = True) -> dict[str, Any]:
    domain = {"id": "default", "name": "Default"}
    body: dict[str, Any] = {
        "methods": ["password"],
        "user": {"id": user.id, "name": user.name, "domain": domain,
                 "password_expires_at": None},
        "audit_ids": [stable_id("audit", token.id)[:22]],
        "expires_at": _timestamp(token.expires_at),
        "issued_at": _timestamp(token.issued_at),
        "project": {"id": project.id, "name": project.name, "domain": domain},
        "is_domain": False,
        "roles": [{"id": stable_id("role", role), "name": role}
                  for role in sorted(token.context.roles)],
    }
    if include_catalog:
        body["catalog"] = catalog(project.id)
    return {"token": body}


@bp.post("/v3/auth/tokens")
def create_token() -> Response:
    """Password authentication scoped to a project: 201, the token in X-Subject-Token."""
    try:
        body = json.loads(exchange().body or b"null")
    except (ValueError, RecursionError) as error:
        raise BadRequest(_MALFORMED.format("auth")) from error
    token, user, project = issue_token(cloud().state, _password_auth(body), cloud().token_ttl)
    exchange().context = token.context  # the journal files the request under the project it scoped
    return json_response(_token_body(token, user, project, "nocatalog" not in request.args),
                         201, headers={"X-Subject-Token": token.id})


def _caller_token() -> str | None:
    caller = request.headers.get("X-Auth-Token")
    token = cloud().state.tokens.get(caller or "")
    if token is not None:
        # the journal files the request under the caller's project
        exchange().context = token.context
    return caller


@bp.get("/v3/auth/tokens")  # HEAD too, answered by Flask without the body
def check_token() -> Response:
    """Validate the X-Subject-Token (GET, ``identity:validate_token``) or just check it (HEAD,
    ``identity:check_token``): 200 with the token body, as when it was issued."""
    action = "check_token" if request.method == "HEAD" else "validate_token"
    token, user, project = inspect_token(cloud().state, _caller_token(),
                                         request.headers.get("X-Subject-Token"), action)
    return json_response(_token_body(token, user, project, "nocatalog" not in request.args),
                         headers={"X-Subject-Token": token.id})


@bp.delete("/v3/auth/tokens")
def revoke() -> Response:
    """Revoke the X-Subject-Token: 204, and from then on it is refused everywhere."""
    revoke_token(cloud().state, _caller_token(), request.headers.get("X-Subject-Token"))
    return Response(status=204)


_VERSIONS = object_schema(versions=envelope("values", True))
VERSION_BINDINGS = Bindings("versions", {
    "GET /identity": Binding(300, _VERSIONS),
    "GET /identity/": Binding(300, _VERSIONS),
    "GET /identity/v3": Binding(200, envelope("version")),
    "GET /identity/v3/": Binding(200, envelope("version")),
}, conventions=VERSION_DOCUMENTS)

_TOKENS = "/identity/v3/auth/tokens"
BINDINGS = Bindings("identity", {
    f"POST {_TOKENS}": Binding(201, envelope("token"), body="identity.token_request",
                               params=("nocatalog",), errors=(400, 401, 413),
                               headers=("X-Subject-Token",)),
    f"GET {_TOKENS}": Binding(200, envelope("token"), params=("nocatalog",),
                              errors=(401, 403, 404), headers=("X-Subject-Token",),
                              request_headers=("X-Subject-Token",), token=True),
    f"DELETE {_TOKENS}": Binding(204, errors=(401, 403, 404),
                                 request_headers=("X-Subject-Token",), token=True),
}, components={"identity.token_request": {**object_schema(auth=ref("identity.token_issue")),
                                          "title": "Keystone v3 POST /auth/tokens body"}})
