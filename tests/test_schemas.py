"""The generated schemas: drift, upstream samples, and upstream's exact 400 messages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fakenova import schemagen
from fakenova.domain.ids import is_uuid_like
from fakenova.errors import BadRequest
from fakenova.microversion import MAX_VERSION, MIN_VERSION, APIVersion, v
from fakenova.schemagen import patches
from fakenova.validation.catalog import PLACEHOLDERS, Catalog, SchemaLayoutError, read_schema
from fakenova.validation.loader import Validators, default_validators

PROJECT = Path(__file__).resolve().parents[1]
SCHEMAS = PROJECT / "schemas"
SOURCES = SCHEMAS / "sources" / "compute"
COMPUTE = SCHEMAS / "compute"
# Nova's doc/api_samples/os-volume_attachments, as upstream lays them out: the 2.1 samples
# at the top, the others in a folder per microversion (tests/api_samples/README.md).
SAMPLES = Path(__file__).resolve().parent / "api_samples" / "os-volume_attachments"

LIST = "volume_attachments.list"
SHOW = "volume_attachments.show"
CREATE = "volume_attachments.create"
UPDATE = "volume_attachments.update"
DELETE = "volume_attachments.delete"

UUID = "a07f71dc-8151-4e7d-a0cc-cd24a3f11113"
SERVER = "7ebed2ce-85b3-40b5-84ae-8cc725c37ed2"
DEVICE_PATTERN = "(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$"
BOOLEAN_ENUM = [
    True,
    "True",
    "TRUE",
    "true",
    "1",
    "ON",
    "On",
    "on",
    "YES",
    "Yes",
    "yes",
    False,
    "False",
    "FALSE",
    "false",
    "0",
    "OFF",
    "Off",
    "off",
    "NO",
    "No",
    "no",
]


@pytest.fixture(scope="module")
def validators() -> Validators:
    return default_validators()


def attachment(**fields: Any) -> dict[str, Any]:
    return {"volumeAttachment": {"volumeId": UUID, **fields}}


def body_error(validators: Validators, operation: str, version: str, body: object) -> str:
    with pytest.raises(BadRequest) as caught:
        validators.validate_body(operation, v(version), body)
    assert caught.value.status == 400
    return caught.value.message


# ---------------------------------------------------------------------------
# (a) The generator and the files it wrote
# ---------------------------------------------------------------------------


def test_generated_files_match_the_generator(tmp_path: Path) -> None:
    schemagen.write(schemagen.render(SOURCES), tmp_path)
    fresh = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.json")}
    stored = {path.name: path.read_text(encoding="utf-8") for path in COMPUTE.glob("*.json")}
    assert sorted(stored) == sorted(fresh), "run python -m fakenova.schemagen"
    for name, text in fresh.items():
        assert stored[name] == text, f"{name} is stale: run python -m fakenova.schemagen"


def test_check_mode_passes_on_the_project(capsys: pytest.CaptureFixture[str]) -> None:
    assert schemagen.main(["--check"]) == 0
    assert capsys.readouterr().out == ""


def test_check_mode_lists_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in (schemagen.PARAMETERS_FILE, schemagen.OVERLAY_FILE):
        shutil.copy(SOURCES / name, tmp_path / name)
    assert schemagen.main(["--source", str(tmp_path)]) == 0
    capsys.readouterr()
    (tmp_path / "volume_attachments.update.response.2.1-2.104.json").write_text("{}\n")
    (tmp_path / "volume_attachments.list.query.2.75-2.104.json").unlink()
    (tmp_path / "leftover.json").write_text("{}\n")

    assert schemagen.main(["--check", "--source", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "missing: volume_attachments.list.query.2.75-2.104.json",
        "differs: volume_attachments.update.response.2.1-2.104.json",
        "stale: leftover.json",
    ]
    assert schemagen.main(["--source", str(tmp_path)]) == 0
    assert not (tmp_path / "leftover.json").exists()
    assert schemagen.main(["--check", "--source", str(tmp_path)]) == 0


def test_output_is_deterministic_and_ends_with_a_newline() -> None:
    first, second = schemagen.render(SOURCES), schemagen.render(SOURCES)
    assert first == second
    assert all(text.endswith("}\n") for text in first.values())


def test_unquoted_versions_are_refused(tmp_path: Path) -> None:
    shutil.copy(SOURCES / schemagen.OVERLAY_FILE, tmp_path / schemagen.OVERLAY_FILE)
    text = (SOURCES / schemagen.PARAMETERS_FILE).read_text(encoding="utf-8")
    (tmp_path / schemagen.PARAMETERS_FILE).write_text(text.replace('"2.70"', "2.70", 1))
    with pytest.raises(schemagen.SchemaSourceError, match="quoted"):
        schemagen.render(tmp_path)


def _attachment_ranges() -> dict[str, list[dict[str, str]]]:
    """Each attachment key's files, as index.json listed them before the names said it."""
    catalog = Catalog()
    return {key: [{"min": str(entry.low), "max": str(entry.high), "file": entry.file.name}
                  for entry in catalog.entries("compute", key)]
            for key in catalog.keys("compute") if key.startswith("volume_attachments.")}


def _ranges(index: dict[str, list[dict[str, str]]], key: str) -> list[tuple[str, str]]:
    return [(item["min"], item["max"]) for item in index[key]]


def test_index_ranges() -> None:
    index = _attachment_ranges()
    last = str(MAX_VERSION)
    assert _ranges(index, f"{CREATE}.request") == [
        ("2.1", "2.48"),
        ("2.49", "2.78"),
        ("2.79", last),
    ]
    assert _ranges(index, f"{CREATE}.response") == [
        ("2.1", "2.69"),
        ("2.70", "2.78"),
        ("2.79", "2.100"),
        ("2.101", last),
    ]
    assert _ranges(index, f"{UPDATE}.request") == [("2.1", "2.84"), ("2.85", last)]
    assert _ranges(index, f"{LIST}.query") == [("2.1", "2.74"), ("2.75", last)]
    assert _ranges(index, f"{SHOW}.query") == [("2.1", last)]
    for operation in (LIST, SHOW):
        assert _ranges(index, f"{operation}.response") == [
            ("2.1", "2.69"),
            ("2.70", "2.78"),
            ("2.79", "2.88"),
            ("2.89", last),
        ]
    for operation in (UPDATE, DELETE):
        assert _ranges(index, f"{operation}.response") == [("2.1", last)]
    assert not {f"{LIST}.request", f"{SHOW}.request", f"{DELETE}.request"} & set(index)
    for key, items in index.items():
        assert items[0]["min"] == str(MIN_VERSION)
        assert items[-1]["max"] == last
        assert all(item["file"] == f"{key}.{item['min']}-{item['max']}.json" for item in items)


def test_key_order_follows_upstream() -> None:
    index = _attachment_ranges()
    schema = json.loads((COMPUTE / index[f"{UPDATE}.request"][1]["file"]).read_text())
    assert [key for key in schema if key != "title"] == [
        "$schema",
        "type",
        "properties",
        "required",
        "additionalProperties",
    ]
    inner = schema["properties"]["volumeAttachment"]
    assert list(inner) == ["type", "properties", "required", "additionalProperties"]
    assert list(inner["properties"]) == [
        "volumeId",
        "device",
        "tag",
        "delete_on_termination",
        "serverId",
        "id",
    ]
    assert inner["properties"]["delete_on_termination"]["enum"] == BOOLEAN_ENUM
    assert inner["properties"]["device"]["pattern"] == DEVICE_PATTERN
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


# ---------------------------------------------------------------------------
# (b) Upstream samples
# ---------------------------------------------------------------------------

_SAMPLE_OPERATIONS = {
    "attach-volume-to-server": CREATE,
    "update-volume": UPDATE,
    "list-volume-attachments": LIST,
    "volume-attachment-detail": SHOW,
}


def _sample_files() -> list[Any]:
    return [pytest.param(path, id=path.relative_to(SAMPLES).as_posix())
            for path in sorted(SAMPLES.rglob("*.json"))]


def _classify(path: Path) -> tuple[APIVersion, str, str]:
    folder = path.parent.name
    version = v(folder[1:]) if folder != SAMPLES.name else MIN_VERSION
    match = re.fullmatch(r"(.+)-(req|resp)\.json", path.name)
    assert match, f"unexpected sample name {path.name}"
    stem = match[1]
    operations = [op for prefix, op in _SAMPLE_OPERATIONS.items() if stem.startswith(prefix)]
    assert len(operations) == 1, f"no operation for sample {path.name}"
    return version, operations[0], "request" if match[2] == "req" else "response"


def test_samples_are_found() -> None:
    assert len(_sample_files()) >= 30


@pytest.mark.parametrize("path", _sample_files())
def test_upstream_sample_validates(validators: Validators, path: Path) -> None:
    version, operation, kind = _classify(path)
    body = json.loads(path.read_text(encoding="utf-8"))
    if kind == "request":
        validators.validate_body(operation, version, body)
    else:
        validators.validate_response(operation, version, body)


# ---------------------------------------------------------------------------
# (c) Exact messages (as nova.api.validation.validators words them) and the per-version rules
# ---------------------------------------------------------------------------

_LONG_TAG = "x" * 61
_BOOLEANS = ", ".join(repr(value) for value in BOOLEAN_ENUM)

BODY_MESSAGES = [
    (CREATE, "2.1", None, "None is not of type 'object'"),
    (UPDATE, "2.1", None, "None is not of type 'object'"),
    (CREATE, "2.104", None, "None is not of type 'object'"),
    (CREATE, "2.1", {}, "'volumeAttachment' is a required property"),
    (UPDATE, "2.85", {}, "'volumeAttachment' is a required property"),
    (
        CREATE,
        "2.1",
        {"volumeAttachment": "x"},
        "Invalid input for field/attribute volumeAttachment. Value: x. 'x' is not of type 'object'",
    ),
    (
        CREATE,
        "2.1",
        {"volumeAttachment": {"device": None}},
        "Invalid input for field/attribute volumeAttachment. Value: {'device': None}. "
        "'volumeId' is a required property",
    ),
    (
        CREATE,
        "2.1",
        {"volumeAttachment": {"volumeId": "TESTVOLUME"}},
        "Invalid input for field/attribute volumeId. Value: TESTVOLUME. "
        "'TESTVOLUME' is not a 'uuid'",
    ),
    (
        UPDATE,
        "2.1",
        {"volumeAttachment": {"volumeId": "TESTVOLUME"}},
        "Invalid input for field/attribute volumeId. Value: TESTVOLUME. "
        "'TESTVOLUME' is not a 'uuid'",
    ),
    (
        CREATE,
        "2.1",
        {"volumeAttachment": {"volumeId": 123}},
        "Invalid input for field/attribute volumeId. Value: 123. 123 is not of type 'string'",
    ),
    (
        CREATE,
        "2.1",
        attachment(device="/dev/0"),
        "Invalid input for field/attribute device. Value: /dev/0. "
        f"'/dev/0' does not match '{DEVICE_PATTERN}'",
    ),
    (
        CREATE,
        "2.1",
        attachment(extra="x"),
        f"Invalid input for field/attribute volumeAttachment. Value: {{'volumeId': '{UUID}', "
        "'extra': 'x'}. Additional properties are not allowed ('extra' was unexpected)",
    ),
    (
        CREATE,
        "2.1",
        {**attachment(), "foo": 1},
        "Additional properties are not allowed ('foo' was unexpected)",
    ),
    (
        CREATE,
        "2.49",
        attachment(tag=","),
        "Invalid input for field/attribute tag. Value: ,. ',' does not match '^[^,/]*$'",
    ),
    (
        CREATE,
        "2.49",
        attachment(tag="a/b"),
        "Invalid input for field/attribute tag. Value: a/b. 'a/b' does not match '^[^,/]*$'",
    ),
    (
        CREATE,
        "2.49",
        attachment(tag=_LONG_TAG),
        f"Invalid input for field/attribute tag. Value: {_LONG_TAG}. '{_LONG_TAG}' is too long",
    ),
    (
        CREATE,
        "2.49",
        attachment(tag=""),
        "Invalid input for field/attribute tag. Value: . '' should be non-empty",
    ),
    (
        CREATE,
        "2.79",
        attachment(delete_on_termination=None),
        "Invalid input for field/attribute delete_on_termination. Value: None. "
        "None is not of type 'boolean', 'string'",
    ),
    (
        CREATE,
        "2.79",
        attachment(delete_on_termination="foo"),
        "Invalid input for field/attribute delete_on_termination. Value: foo. "
        f"'foo' is not one of [{_BOOLEANS}]",
    ),
    (
        UPDATE,
        "2.85",
        attachment(delete_on_termination="foo"),
        "Invalid input for field/attribute delete_on_termination. Value: foo. "
        f"'foo' is not one of [{_BOOLEANS}]",
    ),
    # Properties are checked (in schema order) before "required".
    (
        CREATE,
        "2.49",
        {"volumeAttachment": {"tag": ",", "device": "vdb"}},
        f"Invalid input for field/attribute device. Value: vdb. 'vdb' does not match "
        f"'{DEVICE_PATTERN}'",
    ),
]


@pytest.mark.parametrize(("operation", "version", "body", "message"), BODY_MESSAGES)
def test_body_message(
    validators: Validators, operation: str, version: str, body: object, message: str
) -> None:
    assert body_error(validators, operation, version, body) == message


QUERY_MESSAGES = [
    (
        "2.1",
        {"limit": ["-9"]},
        "Invalid input for query parameters limit. Value: -9. '-9' does not match '^[0-9]*$'",
    ),
    (
        "2.1",
        {"limit": ["1", "abc"]},
        "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'",
    ),
    (
        "2.75",
        {"offset": ["abc"]},
        "Invalid input for query parameters offset. Value: abc. 'abc' does not match '^[0-9]*$'",
    ),
    (
        "2.1",
        {"offset": [""]},
        "Invalid input for query parameters offset. Value: . '' should be non-empty",
    ),
    ("2.75", {"foo": ["1"]}, "Additional properties are not allowed ('foo' was unexpected)"),
    (
        "2.104",
        {"limit": ["1"], "foo": ["1"]},
        "Additional properties are not allowed ('foo' was unexpected)",
    ),
]


@pytest.mark.parametrize(("version", "args", "message"), QUERY_MESSAGES)
def test_query_message(
    validators: Validators, version: str, args: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        validators.validate_query(LIST, v(version), args)
    assert caught.value.message == message


@pytest.mark.parametrize("value", ["yes", "0", "1", "No", "OFF", True, False])
@pytest.mark.parametrize(("operation", "version"), [(CREATE, "2.79"), (UPDATE, "2.85")])
def test_boolean_spellings_accepted(
    validators: Validators, operation: str, version: str, value: object
) -> None:
    validators.validate_body(operation, v(version), attachment(delete_on_termination=value))


@pytest.mark.parametrize(
    ("value", "shown", "reason"),
    [
        (1, "1", "1 is not of type 'boolean', 'string'"),
        (None, "None", "None is not of type 'boolean', 'string'"),
        ("y", "y", f"'y' is not one of [{_BOOLEANS}]"),
    ],
)
def test_boolean_rejections(validators: Validators, value: object, shown: str, reason: str) -> None:
    message = body_error(validators, CREATE, "2.79", attachment(delete_on_termination=value))
    assert message == (
        f"Invalid input for field/attribute delete_on_termination. Value: {shown}. {reason}"
    )


@pytest.mark.parametrize(
    "volume_id",
    [
        UUID,
        UUID.upper(),
        "{" + UUID + "}",
        "urn:uuid:" + UUID,
        UUID.replace("-", ""),
        UUID.replace("-", "").upper(),
    ],
)
def test_uuid_forms_accepted(validators: Validators, volume_id: str) -> None:
    assert is_uuid_like(volume_id)
    validators.validate_body(CREATE, v("2.1"), {"volumeAttachment": {"volumeId": volume_id}})


@pytest.mark.parametrize(
    "volume_id",
    ["", "TESTVOLUME", UUID[:-1], UUID + "0", UUID + "x", "urn:" + UUID + ":x", " " + UUID],
)
def test_uuid_forms_rejected(validators: Validators, volume_id: str) -> None:
    assert not is_uuid_like(volume_id)
    message = body_error(validators, CREATE, "2.1", {"volumeAttachment": {"volumeId": volume_id}})
    assert message.endswith(f"{volume_id!r} is not a 'uuid'")


@pytest.mark.parametrize("device", ["/dev/vdb", "/dev/sdc", "/dev/xvdaa", "/dev/vdb1", None])
def test_device_accepted(validators: Validators, device: str | None) -> None:
    validators.validate_body(CREATE, v("2.1"), attachment(device=device))


@pytest.mark.parametrize("device", ["vdb", "/dev/0", ""])
def test_device_rejected(validators: Validators, device: str) -> None:
    message = body_error(validators, CREATE, "2.1", attachment(device=device))
    assert message.endswith(f"{device!r} does not match '{DEVICE_PATTERN}'")


def _additional(field: str, value: object, **others: Any) -> str:
    shown = {"volumeId": UUID, **others, field: value}
    return (
        f"Invalid input for field/attribute volumeAttachment. Value: {shown}. "
        f"Additional properties are not allowed ({field!r} was unexpected)"
    )


@pytest.mark.parametrize(
    ("version", "field", "value"),
    [
        ("2.1", "tag", "foo"),
        ("2.48", "tag", "foo"),
        ("2.48", "delete_on_termination", True),
        ("2.78", "delete_on_termination", True),
    ],
)
def test_create_fields_before_their_microversion(
    validators: Validators, version: str, field: str, value: object
) -> None:
    message = body_error(validators, CREATE, version, attachment(**{field: value}))
    assert message == _additional(field, value)


def test_create_fields_from_their_microversion(validators: Validators) -> None:
    validators.validate_body(CREATE, v("2.49"), attachment(tag="foo", device=None))
    validators.validate_body(CREATE, v("2.79"), attachment(tag="foo", delete_on_termination=True))
    validators.validate_body(CREATE, MAX_VERSION, attachment(device="/dev/vdb", tag="a"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("device", "/dev/vdb"),
        ("device", None),
        ("tag", "foo"),
        ("delete_on_termination", True),
        ("id", UUID),
        ("serverId", SERVER),
    ],
)
def test_update_before_2_85_takes_only_volume_id(
    validators: Validators, field: str, value: object
) -> None:
    validators.validate_body(UPDATE, v("2.84"), attachment())
    message = body_error(validators, UPDATE, "2.84", attachment(**{field: value}))
    assert message == _additional(field, value)


def test_update_from_2_85_takes_the_get_fields(validators: Validators) -> None:
    full = attachment(
        id=UUID, serverId=SERVER, device="/dev/sdb", tag="foo", delete_on_termination="False"
    )
    validators.validate_body(UPDATE, v("2.85"), full)
    validators.validate_body(UPDATE, MAX_VERSION, full)
    validators.validate_body(UPDATE, v("2.85"), attachment(device=None))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("attachment_id", UUID),
        ("bdm_uuid", UUID),
    ],
)
def test_update_refuses_the_2_89_response_fields(
    validators: Validators, field: str, value: object
) -> None:
    message = body_error(validators, UPDATE, "2.89", attachment(**{field: value}))
    assert message == _additional(field, value)


def test_update_refuses_null_tag(validators: Validators) -> None:
    assert body_error(validators, UPDATE, "2.85", attachment(tag=None)) == (
        "Invalid input for field/attribute tag. Value: None. None is not of type 'string'"
    )


def test_update_checks_ids_as_uuids(validators: Validators) -> None:
    assert body_error(validators, UPDATE, "2.85", attachment(serverId="srv")) == (
        "Invalid input for field/attribute serverId. Value: srv. 'srv' is not a 'uuid'"
    )


@pytest.mark.parametrize("operation", [LIST, SHOW, DELETE])
def test_operations_without_a_body_schema_ignore_the_body(
    validators: Validators, operation: str
) -> None:
    validators.validate_body(operation, v("2.1"), {"anything": 1})
    validators.validate_body(operation, MAX_VERSION, None)


# --- query strings ---------------------------------------------------------


def test_list_query_drops_unknown_parameters_before_2_75(validators: Validators) -> None:
    args = {"limit": ["2"], "foo": ["1"], "marker": ["x"]}
    assert validators.validate_query(LIST, v("2.74"), args) == {"limit": ["2"]}
    assert validators.validate_query(LIST, v("2.1"), args) == {"limit": ["2"]}
    assert args == {"limit": ["2"], "foo": ["1"], "marker": ["x"]}, "input must not change"


def test_list_query_rejects_unknown_parameters_from_2_75(validators: Validators) -> None:
    with pytest.raises(BadRequest, match=r"\('foo' was unexpected\)"):
        validators.validate_query(LIST, v("2.75"), {"limit": ["2"], "foo": ["1"]})


@pytest.mark.parametrize("version", ["2.1", "2.74", "2.75", "2.104"])
def test_list_query_repeated_valid_values(validators: Validators, version: str) -> None:
    args = {"limit": ["1", "5"], "offset": ["0", "0"]}
    assert validators.validate_query(LIST, v(version), args) == args
    assert validators.validate_query(LIST, v(version), {}) == {}


@pytest.mark.parametrize("version", ["2.1", "2.75", "2.101", "2.102", "2.104"])
def test_show_query_is_never_validated(validators: Validators, version: str) -> None:
    assert validators.validate_query(SHOW, v(version), {"limit": ["abc"], "foo": ["1"]}) == {}


@pytest.mark.parametrize("operation", [CREATE, UPDATE, DELETE])
def test_operations_without_a_query_schema_keep_everything(
    validators: Validators, operation: str
) -> None:
    args = {"foo": ["1", "2"], "limit": ["abc"]}
    assert validators.validate_query(operation, MAX_VERSION, args) == args


def test_unknown_operation(validators: Validators) -> None:
    with pytest.raises(KeyError):
        validators.validate_body("volume_attachments.patch", v("2.1"), {})


# --- responses -------------------------------------------------------------


_DROP = object()  # marks a key _view() should leave out


def _view(version: str, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": UUID, "device": "/dev/vdb", "serverId": SERVER, "volumeId": UUID}
    if v(version) >= v("2.70"):
        item["tag"] = None
    if v(version) >= v("2.79"):
        item["delete_on_termination"] = False
    item.update(overrides)
    return {key: value for key, value in item.items() if value is not _DROP}


@pytest.mark.parametrize("version", ["2.1", "2.69", "2.70", "2.78", "2.79", "2.88"])
def test_list_and_show_before_2_89(validators: Validators, version: str) -> None:
    item = _view(version)
    validators.validate_response(LIST, v(version), {"volumeAttachments": [item, item]})
    validators.validate_response(SHOW, v(version), {"volumeAttachment": item})
    validators.validate_response(
        SHOW, v(version), {"volumeAttachment": _view(version, device=_DROP)}
    )
    with pytest.raises(jsonschema.ValidationError):
        validators.validate_response(
            SHOW, v(version), {"volumeAttachment": _view(version, attachment_id=UUID)}
        )


@pytest.mark.parametrize("version", ["2.89", "2.100", "2.101", "2.104"])
def test_list_and_show_from_2_89(validators: Validators, version: str) -> None:
    item = _view(version, id=_DROP, attachment_id=UUID, bdm_uuid=UUID, tag="foo")
    validators.validate_response(LIST, v(version), {"volumeAttachments": [item]})
    validators.validate_response(SHOW, v(version), {"volumeAttachment": item})
    for broken in (
        {**item, "id": UUID},
        {**item, "device": None},
        {**item, "delete_on_termination": "yes"},
        {key: value for key, value in item.items() if key != "bdm_uuid"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validators.validate_response(SHOW, v(version), {"volumeAttachment": broken})


@pytest.mark.parametrize("version", ["2.1", "2.70", "2.79", "2.89", "2.100"])
def test_create_response_keeps_its_pre_2_89_shape(validators: Validators, version: str) -> None:
    validators.validate_response(CREATE, v(version), {"volumeAttachment": _view(version)})
    validators.validate_response(
        CREATE, v(version), {"volumeAttachment": _view(version, device=None)}
    )
    for broken in (
        _view(version, device=_DROP),
        _view(version, attachment_id=UUID),
        _view(version, id=_DROP),
    ):
        with pytest.raises(jsonschema.ValidationError):
            validators.validate_response(CREATE, v(version), {"volumeAttachment": broken})


def test_create_response_echoes_string_booleans(validators: Validators) -> None:
    body = {"volumeAttachment": _view("2.79", delete_on_termination="yes")}
    validators.validate_response(CREATE, v("2.79"), body)


@pytest.mark.parametrize(
    ("operation", "version"),
    [
        (CREATE, "2.101"),
        (CREATE, "2.104"),
        (UPDATE, "2.1"),
        (UPDATE, "2.104"),
        (DELETE, "2.1"),
        (DELETE, "2.104"),
    ],
)
def test_bodyless_answers(validators: Validators, operation: str, version: str) -> None:
    assert validators.response_schema(operation, v(version)) == {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": f"{operation} response, microversions "
        f"{'2.101' if operation == CREATE else '2.1'} to {MAX_VERSION}",
        "type": "null",
    }
    validators.validate_response(operation, v(version), None)
    with pytest.raises(jsonschema.ValidationError):
        validators.validate_response(operation, v(version), {})


def test_response_schema_is_a_copy(validators: Validators) -> None:
    schema = validators.response_schema(SHOW, v("2.89"))
    assert schema is not None
    schema["properties"].clear()
    assert validators.response_schema(SHOW, v("2.89"))["properties"]


def test_loaded_once() -> None:
    assert default_validators() is default_validators()


@pytest.mark.parametrize("path", sorted(p.relative_to(SCHEMAS).as_posix()
                                        for p in SCHEMAS.rglob("*.json")
                                        if SCHEMAS / "sources" not in p.parents))
def test_every_packaged_schema_is_a_valid_schema(path: str) -> None:
    """fakenova trusts its packaged schemas at run time (checking them costs every start
    30 ms), so they are checked here, as they are used: compute's hand-written ones (those
    without a $schema too) as 2020-12, with the printable-characters class filled in."""
    schema = read_schema(SCHEMAS / path)
    default = jsonschema.Draft202012Validator if path.startswith("compute/") else \
        jsonschema.Draft4Validator
    jsonschema.validators.validator_for(schema, default=default).check_schema(schema)


def _filled(schema: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(schema, ensure_ascii=False)
    for placeholder, fill in PLACEHOLDERS.items():
        text = text.replace(placeholder, json.dumps(fill())[1:-1])
    filled: dict[str, Any] = json.loads(text)
    return filled


@pytest.mark.parametrize("source", sorted(p.name for p in SOURCES.glob("*.json")))
def test_each_range_holds_the_patched_source_at_every_version(source: str) -> None:
    """The generated ranges of a JSON source are its x-microversions applied at each version
    they cover, and together they cover 2.1 to the newest version."""
    document = json.loads((SOURCES / source).read_text(encoding="utf-8"))
    catalog, key = Catalog(), source.removesuffix(".json")
    for minor in range(MIN_VERSION.minor, MAX_VERSION.minor + 1):
        version = APIVersion(2, minor)
        expected = _filled(patches.at_version(document, version))
        assert catalog.entry("compute", key, version).schema == expected, (key, version)


# ---------------------------------------------------------------------------
# (e) The one loader: names, ranges, a new API's schema
# ---------------------------------------------------------------------------


def _schema_file(folder: Path, name: str, schema: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(schema), encoding="utf-8")


def test_the_loader_reads_keys_and_ranges_from_file_names(tmp_path: Path) -> None:
    _schema_file(tmp_path / "compute", "servers.show.query.2.1-2.9.json", {"title": "old"})
    _schema_file(tmp_path / "compute", "servers.show.query.2.10-2.20.json", {"title": "new"})
    _schema_file(tmp_path / "control", "fault_rule.json", {"title": "any"})
    (tmp_path / "compute" / "README.md").write_text("not a schema")
    catalog = Catalog(tmp_path)
    assert catalog.keys("compute") == ["servers.show.query"]
    assert catalog.schema("compute", "servers.show.query", v("2.9")) == {"title": "old"}
    assert catalog.schema("compute", "servers.show.query", v("2.10")) == {"title": "new"}
    assert catalog.newest("compute", "servers.show.query") == {"title": "new"}
    assert catalog.find("compute", "servers.show.query", v("2.21")) is None
    with pytest.raises(KeyError):
        catalog.entry("compute", "servers.show.query", v("2.21"))
    with pytest.raises(KeyError):
        catalog.newest("compute", "servers.list.query")
    assert catalog.schema("control", "fault_rule") == {"title": "any"}
    assert catalog.schema("control", "fault_rule", v("2.50")) == {"title": "any"}
    assert catalog.keys("nothing") == []


@pytest.mark.parametrize("names", [
    ["k.2.1-2.10.json", "k.2.10-2.20.json"],
    ["k.json", "k.2.1-2.10.json"],
    ["k.2.9-2.1.json"],
])
def test_the_loader_refuses_ranges_that_overlap_or_are_none(tmp_path: Path,
                                                            names: list[str]) -> None:
    for name in names:
        _schema_file(tmp_path / "compute", name, {})
    with pytest.raises(SchemaLayoutError):
        Catalog(tmp_path).keys("compute")


def test_a_new_api_is_one_source_file(tmp_path: Path) -> None:
    """The README's example: GET /servers/{server_id}/ips takes any query until 2.101."""
    source, output = tmp_path / "sources" / "compute", tmp_path / "schemas" / "compute"
    _schema_file(source, "servers.ips.query.json", {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "properties": {}, "additionalProperties": True, "x-microversions": [
            {"op": "replace", "path": "/additionalProperties", "value": False,
             "min": "2.102"}]})
    assert schemagen.main(["--source", str(source), "--output", str(output)]) == 0
    assert sorted(p.name for p in output.iterdir()) == [
        "servers.ips.query.2.1-2.101.json", f"servers.ips.query.2.102-{MAX_VERSION}.json"]
    catalog = Catalog(tmp_path / "schemas")
    assert catalog.schema("compute", "servers.ips.query", v("2.101"))["additionalProperties"]
    assert not catalog.newest("compute", "servers.ips.query")["additionalProperties"]


@pytest.mark.parametrize(("source", "message"), [
    ({"x-microversions": [{"op": "move", "path": "/a"}]}, "op must be"),
    ({"x-microversions": [{"op": "add", "path": "/a"}]}, "take a value"),
    ({"x-microversions": [{"op": "remove", "path": "/a", "min": 2.7}]}, "quoted"),
    ({"x-microversions": [{"op": "remove", "path": "/a", "min": "2.9", "max": "2.8"}]},
     "above max"),
    ({"x-microversions": [{"op": "remove", "path": "/a/b", "min": "2.9"}]}, "no such place"),
])
def test_bad_patches_are_refused(tmp_path: Path, source: dict[str, Any], message: str) -> None:
    _schema_file(tmp_path, "k.json", source)
    with pytest.raises(schemagen.SchemaSourceError, match=message):
        schemagen.render(tmp_path)
