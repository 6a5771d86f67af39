"""Request bodies and queries (the attachment API's, Keystone's token request) are checked
by a schema compiled to Python code, and only what it refuses goes on to jsonschema. That
shortcut must never accept what jsonschema refuses: for every request and query schema,
random documents built from the schema's own names and awkward values are judged by both,
and must be judged alike."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakenova.errors import BadRequest
from fakenova.microversion import APIVersion
from fakenova.validation.catalog import Catalog
from fakenova.validation.keystone import validate_token_request
from fakenova.validation.loader import ATTACHMENTS, Validators, format_checker

# Every attachment request and query schema: (key, {"min", "max", "file"}).
CATALOG = Catalog()
CHECKED = [(key, {"min": str(entry.low), "max": str(entry.high), "file": entry.file.name})
           for key in CATALOG.keys("compute")
           if key.startswith(ATTACHMENTS) and key.endswith((".request", ".query"))
           for entry in CATALOG.entries("compute", key)]
AWKWARD: list[Any] = [
    None, True, False, 0, 1, -1, 1.0, 1.5, 2**40, "", " ", "0", "1", "true", "True", "no",
    "10000000-0000-4000-8000-000000000001", "10000000000040008000000000000001",
    "{10000000-0000-4000-8000-000000000001}", "not-a-uuid", "/dev/vdb", "/dev/sda1",
    "vdb", "a,b", "a/b", "x" * 61, "é", "\x00", [], {}, ["1"], ["1", "2"], ["-1"], ["abc"],
]


def _names(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set(node.get("properties", {})) if isinstance(node.get("properties"), dict) \
            else set()
        return found.union(*(_names(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_names(item) for item in node))
    return set()


def documents(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    names = [*sorted(_names(schema)), "other"]
    leaves = st.sampled_from(AWKWARD)
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(names), inner, max_size=4)), max_leaves=8)


def _judged_alike(validators: Validators, key: str, item: dict[str, str],
                  reference: jsonschema.protocols.Validator, document: Any) -> None:
    operation, kind = key.rsplit(".", 1)
    version = APIVersion.parse(item["min"])
    refused_by_reference = next(iter(reference.iter_errors(document)), None) is not None
    try:
        if kind == "request":
            validators.validate_body(operation, version, document)
        else:
            validators.validate_query(operation, version, document)
        refused = False
    except BadRequest:
        refused = True
    assert refused == refused_by_reference, (key, document)


@pytest.mark.parametrize(("key", "item"), CHECKED, ids=[i["file"] for _, i in CHECKED])
def test_the_compiled_schema_judges_as_jsonschema_does(key: str, item: dict[str, str]) -> None:
    schema = json.loads(CATALOG.root.joinpath("compute", item["file"]).read_text())
    reference = jsonschema.Draft4Validator(schema, format_checker=format_checker())
    validators = Validators()
    kind = key.rsplit(".", 1)[1]
    shapes = documents(schema) if kind == "request" else st.dictionaries(
        st.sampled_from([*sorted(_names(schema)), "other"]),
        st.lists(st.sampled_from([a for a in AWKWARD if isinstance(a, str)]), min_size=1,
                 max_size=2), max_size=3)

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(shapes)
    def judged_alike(document: Any) -> None:
        _judged_alike(validators, key, item, reference, document)

    judged_alike()


def test_keystones_compiled_token_schema_judges_as_jsonschema_does() -> None:
    schema = json.loads(CATALOG.root.joinpath("identity", "token_issue.json").read_text())
    reference = jsonschema.Draft4Validator(schema)

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(documents(schema))
    def judged_alike(document: Any) -> None:
        refused_by_reference = next(iter(reference.iter_errors(document)), None) is not None
        try:
            validate_token_request(document)
            refused = False
        except BadRequest:
            refused = True
        assert refused == refused_by_reference, document

    judged_alike()


def test_a_valid_attach_body_is_accepted_and_an_invalid_one_named_as_jsonschema_names_it(
) -> None:
    validators = Validators()
    good = {"volumeAttachment": {"volumeId": "10000000-0000-4000-8000-000000000001"}}
    validators.validate_body("volume_attachments.create", APIVersion(2, 89), good)
    with pytest.raises(BadRequest) as refused:
        validators.validate_body("volume_attachments.create", APIVersion(2, 89),
                                 {"volumeAttachment": {"volumeId": "nope"}})
    assert refused.value.message == ("Invalid input for field/attribute volumeId. Value: nope. "
                                     "'nope' is not a 'uuid'")
