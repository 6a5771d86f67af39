"""``GET /_fakenova/openapi.json``: a valid OpenAPI 3.1 document of every route fakenova
serves, whose schemas are the project's own."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from schemathesis.specs.openapi.definitions import OPENAPI_31
from werkzeug.exceptions import HTTPException

from fakenova import create_app
from fakenova.http.compute.schemas import versioned_schema
from fakenova.http.control.document import documentation, routes
from fakenova.microversion import MAX_VERSION
from fakenova.openapi import builder
from fakenova.openapi.components import to_2020_12
from fakenova.validation.loader import Validators

PROJECT = Path(__file__).resolve().parents[1]
SCHEMAS = PROJECT / "schemas"
ATTACHMENTS = "/compute/v2.1/servers/{server_id}/os-volume_attachments"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(["demo"])


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    answer = app.test_client().get("/_fakenova/openapi.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    body: dict[str, Any] = answer.json
    return body


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every Schema Object of the document outside components: parameters, bodies, answers."""
    if isinstance(node, dict):
        if isinstance(node.get("schema"), dict):
            yield node["schema"]
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _project_file(*parts: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMAS.joinpath(*parts).read_text(encoding="utf-8"))
    schema.pop("$schema", None)
    return schema


def _validator(document: dict[str, Any], component: str) -> jsonschema.Validator:
    """A validator for one component, its ``$ref``s resolved inside the document."""
    root = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return jsonschema.Draft202012Validator(root)


# -- a valid OpenAPI 3.1 document --------------------------------------------------------


@pytest.mark.slow  # the validator walks the whole document: about 4 s
def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    jsonschema.Draft202012Validator(OPENAPI_31).validate(document)


def test_every_schema_in_it_is_json_schema_2020_12(document: dict[str, Any]) -> None:
    found = [*document["components"]["schemas"].values(), *_schemas(document["paths"])]
    assert len(found) > 100
    for schema in found:
        jsonschema.Draft202012Validator.check_schema(schema)
        assert "$schema" not in schema  # the document's dialect, not draft-04's
    assert "draft-04" not in json.dumps(document)


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])
    for ref in set(_refs(document)):
        name = ref.removeprefix("#/components/schemas/")
        assert ref.startswith("#/components/schemas/") and name in names, ref


def test_operation_ids_are_unique_and_operations_say_what_they_do(
        document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    for _, _, operation in _operations(document):
        assert operation["summary"] and operation["responses"]


# -- every route, documented ---------------------------------------------------------------


def _routed(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every rule of the app's URL map whose view is fakenova's."""
    found = set()
    app.services.all()  # type: ignore[attr-defined]
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found |= {(method.lower(), path) for method in rule.methods or ()
                  if method not in ("HEAD", "OPTIONS")}
    return found


def test_every_routed_operation_is_documented(app: Flask, document: dict[str, Any]) -> None:
    documented = {(method, path) for method, path, _ in _operations(document)}
    assert documented == _routed(app)
    for service in ("/compute/v2.1/servers", "/volume/v3/volumes", "/identity/v3/auth/tokens",
                    "/_fakenova/faults", ATTACHMENTS):
        assert any(path.startswith(service) for _, path in documented), service


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{([^}]+)}", lambda found: values[found[1]], path)


def test_a_path_parameter_admits_no_value_another_rule_serves(
        app: Flask, document: dict[str, Any]) -> None:
    """A value a path parameter's schema admits reaches its operation, and one it rejects
    does not (werkzeug, like OpenAPI 3.1, matches a literal segment before a variable one):
    GET /servers/{server_id} admits no "detail", GET /compute/{rest} no "v2.1/servers"."""
    app.services.all()  # type: ignore[attr-defined]
    router = app.url_map.bind("localhost")
    literals = {segment for rule in app.url_map.iter_rules()
                for segment in rule.rule.split("/") if segment and "<" not in segment}
    checked = 0
    for method, path, operation in _operations(document):
        schemas = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "path"}
        validators = {name: jsonschema.Draft202012Validator(schema)
                      for name, schema in schemas.items()}
        usual = {name: next(value for value in ("0", "x") if validator.is_valid(value))
                 for name, validator in validators.items()}
        for name, validator in validators.items():
            prefix = path[:path.index(f"{{{name}}}")]
            candidates = literals | {"0", "x"} | {
                re.sub(r"{[^}]+}", "0", other)[len(prefix):]
                for _, other, _ in _operations(document)
                if other.startswith(prefix) and other != path}
            spans = "pattern" in schemas[name] and validator.is_valid("a/b")
            for value in sorted(candidates):
                if not value or ("/" in value and not spans):
                    continue  # a slash in a one-segment parameter is sent as %2F
                try:
                    rule, _ = router.match(_fill(path, {**usual, name: value}),
                                           method.upper(), return_rule=True)
                except HTTPException:
                    reached = False
                else:
                    reached = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule) == path
                assert validator.is_valid(value) == reached, (method, path, name, value)
                checked += 1
    assert checked > 1000


def test_every_route_has_its_own_binding(app: Flask) -> None:
    """A new route needs a line in its module's BINDINGS: its statuses and schemas."""
    services = documentation(app)
    assert [builder.route_key(route) for route in builder.unbound(routes(app), services)] == []
    keys = {builder.route_key(route) for route in routes(app)}
    assert set(builder.bindings(services)) - keys == set()  # and no binding outlives its route


def test_compute_and_cinder_calls_need_a_token_and_a_microversion(
        document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["keystone"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Auth-Token"}
    for _, path, operation in _operations(document):
        service = re.match(r"^/(compute/v2\.1|volume/v3)/.", path)
        if service is None:
            continue
        assert operation["security"] == [{"keystone": []}], path
        header = next(p for p in operation["parameters"] if p["name"] == "OpenStack-API-Version")
        newest = f"compute {MAX_VERSION}" if path.startswith("/compute") else "volume 3.71"
        assert header["in"] == "header" and header["required"], path
        assert newest in header["schema"]["enum"], path


# -- the project's own schemas -------------------------------------------------------------


def test_the_attach_request_is_the_generated_2_79_to_2_104_schema(
        document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    attach = document["paths"][ATTACHMENTS]["post"]
    assert attach["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/volume_attachments.create.request"}
    assert components["volume_attachments.create.request"] == _project_file(
        "compute", "volume_attachments.create.request.2.79-2.104.json")
    assert components["volume_attachments.update.request"] == _project_file(
        "compute", "volume_attachments.update.request.2.85-2.104.json")


def test_attachment_answers_are_the_generated_newest_schemas(
        document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    validators = Validators()
    for operation in ("list", "show"):
        expected = validators.response_schema(f"volume_attachments.{operation}", MAX_VERSION)
        assert expected is not None
        expected.pop("$schema")
        assert components[f"volume_attachments.{operation}.response"] == expected
    listing = document["paths"][ATTACHMENTS]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/volume_attachments.list.response"}
    # From 2.101 an attach answers 202 with no body; update and detach always did.
    for method in ("post",):
        assert "content" not in document["paths"][ATTACHMENTS][method]["responses"]["202"]
    for method in ("put", "delete"):
        item = document["paths"][ATTACHMENTS + "/{volume_id}"][method]
        assert "content" not in item["responses"]["202"]


def test_the_list_query_is_the_generated_2_75_to_2_104_schema(
        document: dict[str, Any]) -> None:
    query = _project_file("compute", "volume_attachments.list.query.2.75-2.104.json")
    listing = document["paths"][ATTACHMENTS]["get"]
    parameters = {p["name"]: p["schema"] for p in listing["parameters"] if p["in"] == "query"}
    assert parameters == query["properties"]


def test_servers_schemas_are_the_newest_microversions(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    expected = json.loads(json.dumps(versioned_schema("servers.create.request", MAX_VERSION))
                          .replace('"#/$defs/', '"#/components/schemas/servers.create.request.'))
    definitions = expected.pop("$defs")
    expected.pop("$schema")
    assert components["servers.create.request"] == expected
    for name, definition in definitions.items():
        assert components[f"servers.create.request.{name}"] == definition
    assert components["servers.create.request"]["required"] == ["server"]
    unshelve = components["servers.action.unshelve"]["properties"]["unshelve"]
    assert "host" in unshelve["properties"]  # the 2.91+ form
    actions = [ref["$ref"].rsplit(".", 1)[-1]
               for ref in components["servers.action.request"]["oneOf"]]
    assert set(actions) == {path.name.split(".")[2]
                            for path in (SCHEMAS / "compute").glob("servers.action.*.json")}


def test_cinder_keystone_and_fault_rule_schemas_are_the_projects_files(
        document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    assert components["volumes.create.request"] == _project_file(
        "volume", "volumes.create.request.3.53-3.71.json")
    assert components["volumes.update.request"] == _project_file(
        "volume", "volumes.update.request.3.53-3.71.json")
    assert components["identity.token_issue"] == _project_file("identity", "token_issue.json")
    assert components["control.fault_rule"] == _project_file("control", "fault_rule.json")
    token = document["paths"]["/identity/v3/auth/tokens"]["post"]
    assert token["responses"]["201"]["headers"]["X-Subject-Token"]["required"]


# -- the error bodies each service really answers with -------------------------------------


def test_documented_errors_match_real_answers(app: Flask, document: dict[str, Any]) -> None:
    client = app.test_client()
    token = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}},
    ).headers["X-Subject-Token"]
    nova = {"X-Auth-Token": token, "OpenStack-API-Version": f"compute {MAX_VERSION}"}
    missing = "/compute/v2.1/servers/00000000-0000-0000-0000-000000000000"
    cases = [
        (client.get(missing + "/os-volume_attachments", headers=nova), 404, "fault.404"),
        (client.post(missing + "/os-volume_attachments", headers=nova, json={}), 400,
         "fault.400"),
        (client.post(missing + "/os-volume_attachments", headers=nova, data="{}",
                     content_type="application/xml"), 415, "fault.415"),
        (client.get("/compute/v2.1/servers"), 401, "keystone.error"),
        (client.get("/compute/v2.1/servers", headers={**nova, "OpenStack-API-Version":
                                                     "compute 2.999"}), 406, "fault.406"),
        (client.post("/identity/v3/auth/tokens", json={}), 400, "keystone.error"),
        (client.delete("/_fakenova/snapshots/none"), 404, "control.error"),
        (client.post("/_fakenova/faults", json={"status": 1}), 400, "control.error"),
    ]
    for answer, status, component in cases:
        assert answer.status_code == status, answer.get_data(as_text=True)
        _validator(document, component).validate(answer.json)


def test_an_attachment_list_matches_its_documented_answer(app: Flask,
                                                         document: dict[str, Any]) -> None:
    client = app.test_client()
    token = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}},
    ).headers["X-Subject-Token"]
    cloud = app.extensions["fakenova"]
    server = cloud.state.add_server("openapi-web")
    volume = cloud.state.add_volume("openapi-data")
    cloud.state.add_attachment(server=server.id, volume=volume.id, tag="db")
    answer = client.get(ATTACHMENTS.format(server_id=server.id), headers={
        "X-Auth-Token": token, "OpenStack-API-Version": "compute latest"})
    assert answer.status_code == 200
    _validator(document, "volume_attachments.list.response").validate(answer.json)
    assert answer.json["volumeAttachments"][0]["tag"] == "db"


# -- the builder ---------------------------------------------------------------------------


def test_the_document_is_built_once_per_app(app: Flask) -> None:
    first = app.test_client().get("/_fakenova/openapi.json").get_data()
    assert app.test_client().get("/_fakenova/openapi.json").get_data() == first
    assert create_app().test_client().get("/_fakenova/openapi.json").json == json.loads(first)


def test_the_builder_has_no_flask_imports() -> None:
    imported: set[str] = set()
    for module in Path(builder.__file__).parent.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if "flask" in name or "werkzeug" in name}
    assert not {name for name in imported if name.startswith(("api", ".api"))}


def test_draft_04_becomes_2020_12() -> None:
    draft_04 = {
        "$schema": "http://json-schema.org/draft-04/schema#", "title": "kept",
        "type": "object",
        "properties": {
            "definitions": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            "$schema": {"type": "number", "maximum": 5, "exclusiveMaximum": False},
            "pair": {"type": "array", "items": [{"type": "string"}, {"$ref": "#/definitions/n"}]},
            "id": {"type": "string", "format": "uuid", "enum": ["a", "b"]},
        },
        "definitions": {"n": {"type": "integer"}},
        "x-microversions": [],
    }
    assert to_2020_12(draft_04, lambda ref: ref.replace("definitions", "$defs")) == {
        "title": "kept", "type": "object",
        "properties": {
            "definitions": {"type": "integer", "exclusiveMinimum": 0},
            "$schema": {"type": "number", "maximum": 5},
            "pair": {"type": "array", "prefixItems": [{"type": "string"},
                                                      {"$ref": "#/$defs/n"}]},
            "id": {"type": "string", "format": "uuid", "enum": ["a", "b"]},
        },
        "$defs": {"n": {"type": "integer"}},
    }
