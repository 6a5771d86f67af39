"""Bad input of every kind: always a 4xx, never a 500, and the state left as it was.

The ``api`` client asserts the unchanged state on every refused request; these tables
throw at it what clients and fuzzers send.
"""

from __future__ import annotations

import pytest

from fakenova import Cloud
from fakenova.errors import BadRequest

from .conftest import Api, assert_fault, attachments_path

LATEST_BODIES = [
    None, [], "x", 1, True, {}, {"volumeAttachment": None}, {"volumeAttachment": []},
    {"volumeAttachment": {}}, {"volumeAttachment": {"volumeId": None}},
    {"volumeAttachment": {"volumeId": ""}}, {"volumeAttachment": {"volumeId": "../etc"}},
    {"volumeAttachment": {"volumeId": {"$ne": 1}}}, {"volumeAttachment": {"volumeId": ["a"]}},
    {"volumeAttachment": {"volumeId": "1" * 10000}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01", "device": 1}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01", "tag": "a/b"}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01",
                          "delete_on_termination": 0}},
    {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"}, "x": 1},
    {"volumeAttachment": {"volumeId": "\u0000"}},
    {"volumeAttachment": {"volumeId": "\ud83d\ude00" * 10}},
]
RAW_BODIES = [b"{", b"\xff\xfe", b"[1,", b'{"volumeAttachment": {"volumeId": "a"}',
              b"\x00", b"null", b"NaN", b'{"a": ' * 500 + b"1" + b"}" * 500,
              b"[" * 100000]


@pytest.fixture
def server_id(cloud: Cloud) -> str:
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("attached")
    cloud.state.add_attachment("vm", "attached")
    cloud.state.add_volume("free", id="7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01")
    assert volume.status == "in-use"
    return server.id


@pytest.mark.parametrize("version", ["2.1", "2.85", "2.104"])
@pytest.mark.parametrize("body", LATEST_BODIES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_bad_bodies_are_400(api: Api, server_id: str, method: str, body: object,
                            version: str) -> None:
    volume = api.cloud.state.find_volume("attached").id
    path = attachments_path(server_id, volume if method == "PUT" else None)
    answer = api.request(method, path, json=body, version=version, user="admin")
    assert answer.status_code == 400
    assert answer.get_json()["badRequest"]["code"] == 400


@pytest.mark.parametrize("raw", RAW_BODIES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_raw_bodies_that_are_not_json_objects_are_400(api: Api, server_id: str, method: str,
                                                      raw: bytes) -> None:
    volume = api.cloud.state.find_volume("attached").id
    path = attachments_path(server_id, volume if method == "PUT" else None)
    answer = api.request(method, path, data=raw, version="2.89", user="admin",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "badRequest" in answer.get_json()


@pytest.mark.parametrize("suffix", [
    "/../../servers", "/%2e%2e/%2e%2e", "/..%2F..%2Fetc", "/%00", "/a%2Fb", "/" + "x" * 5000,
    "/%ff%fe", "/\u00e9t\u00e9", "/%20", "/7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01%00",
])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_strange_volume_ids_are_4xx(api: Api, server_id: str, method: str, suffix: str) -> None:
    body = {"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"}}
    answer = api.request(method, attachments_path(server_id) + suffix, version="2.89",
                         json=body if method == "PUT" else None, user="admin")
    assert 400 <= answer.status_code < 500


@pytest.mark.parametrize("server_ref", [
    "nope", "..", "%2e%2e", "%00", "x" * 5000, "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a01",
    "%F0%9F%98%80", "vm",
])
def test_unknown_or_strange_server_ids_are_404(api: Api, server_id: str, server_ref: str) -> None:
    answer = api.get(f"/compute/v2.1/servers/{server_ref}/os-volume_attachments")
    assert answer.status_code == 404


@pytest.mark.parametrize("query", [
    "limit=-1", "limit=abc", "offset=%00", "limit=" + "9" * 400, "limit=1&limit=x",
    "offset=1e3", "limit=%20", "limit=", "a" * 3000 + "=1", "limit[]=1",
])
@pytest.mark.parametrize("version", ["2.1", "2.75", "2.104"])
def test_query_strings_never_break_the_list(api: Api, server_id: str, query: str,
                                            version: str) -> None:
    answer = api.get(f"{attachments_path(server_id)}?{query}", version=version)
    assert answer.status_code in (200, 400)


@pytest.mark.parametrize("headers", [
    {"OpenStack-API-Version": "compute " + "9" * 500},
    {"OpenStack-API-Version": "compute 2.\u00e9"},
    {"X-OpenStack-Nova-API-Version": "2.1" + "0" * 1000},
    {"OpenStack-API-Version": ","},
    {"Content-Type": "application/json; charset=latin-1; " + "x" * 8000},
    {"Content-Type": "image/png"},
    {"X-Auth-Token": "x" * 10000},
    {"X-Auth-Token": "\u00e9"},
])
def test_strange_headers_are_4xx_or_ignored(api: Api, server_id: str,
                                            headers: dict[str, str]) -> None:
    answer = api.get(attachments_path(server_id), headers=headers)
    assert answer.status_code in (200, 400, 401, 406, 415)


# -- numbers longer than Python reads, and bodies in other encodings -------------------------

DIGITS = "9" * 5000  # past sys.get_int_max_str_digits (4,300): int() raises ValueError


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_a_page_parameter_of_thousands_of_digits_is_400(api: Api, server_id: str,
                                                        name: str) -> None:
    """common.limited reads limit and offset with utils.validate_integer, whose ValueError
    becomes 400 "<name> must be an integer"."""
    answer = api.get(f"{attachments_path(server_id)}?{name}={DIGITS}", version="2.89")
    assert_fault(answer, 400, "badRequest", f"{name} must be an integer")


def test_a_server_list_limit_of_thousands_of_digits_is_400(api: Api, server_id: str) -> None:
    answer = api.get(f"/compute/v2.1/servers?limit={DIGITS}")
    assert_fault(answer, 400, "badRequest", "limit must be an integer")


def test_a_cinder_page_parameter_of_thousands_of_digits_is_400(api: Api,
                                                               server_id: str) -> None:
    """cinder.api.common._get_limit_param and _get_offset_param."""
    project = api.cloud.state.find_user("demo").roles
    base = f"/volume/v3/{next(iter(project))}/volumes"
    assert_fault(api.get(f"{base}?limit={DIGITS}"), 400, "badRequest",
                 "limit param must be an integer")
    assert_fault(api.get(f"{base}?offset={DIGITS}"), 400, "badRequest",
                 "offset must be an integer")


@pytest.mark.parametrize(("header", "value"), [
    ("OpenStack-API-Version", "compute 2." + "1" * 10000),
    ("X-OpenStack-Nova-API-Version", "2." + "1" * 10000),
    ("OpenStack-API-Version", "compute " + "2" * 5000 + ".1"),
])
def test_a_microversion_of_thousands_of_digits_is_400(api: Api, server_id: str, header: str,
                                                      value: str) -> None:
    """APIVersionRequest cannot read it as a version: 400, as for any other bad format."""
    answer = api.get(attachments_path(server_id), headers={header: value})
    text = value.split()[-1]
    assert_fault(answer, 400, "badRequest", f"API Version String {text} is of invalid format. "
                 "Must be of format MajorNum.MinorNum.")


def test_a_cinder_microversion_of_thousands_of_digits_is_400(api: Api) -> None:
    project = next(iter(api.cloud.state.find_user("demo").roles))
    text = "3." + "1" * 10000
    answer = api.get(f"/volume/v3/{project}/volumes",
                     headers={"OpenStack-API-Version": f"volume {text}"})
    assert_fault(answer, 400, "badRequest", f"API Version String {text} is of invalid format. "
                 "Must be of format MajorNum.MinorNum.")


@pytest.mark.parametrize("body", [
    f'{{"volumeAttachment": {{"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01", '
    f'"x": {DIGITS}}}}}',
    f'{{"volumeAttachment": {{"volumeId": {DIGITS}}}}}',
])
def test_a_json_number_of_thousands_of_digits_is_a_malformed_body(api: Api, server_id: str,
                                                                  body: str) -> None:
    """jsonutils.loads raises ValueError; the deserializer answers MalformedRequestBody."""
    answer = api.post(attachments_path(server_id), data=body, version="2.89",
                      headers={"Content-Type": "application/json"})
    assert_fault(answer, 400, "badRequest", "Malformed request body")


@pytest.mark.parametrize("field", ["min_count", "max_count"])
def test_a_count_string_of_thousands_of_digits_is_400(api: Api, field: str) -> None:
    body = {"server": {"name": "many", "flavorRef": "1",
                       "imageRef": "70a599e0-31e7-49b7-b260-868f441e862b", field: DIGITS}}
    answer = api.post("/compute/v2.1/servers", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["badRequest"]["message"] == f"{field} must be an integer"


def test_a_cinder_size_string_of_thousands_of_digits_is_400(api: Api) -> None:
    project = next(iter(api.cloud.state.find_user("demo").roles))
    answer = api.post(f"/volume/v3/{project}/volumes", json={"volume": {"size": DIGITS}})
    assert answer.status_code == 400
    assert "badRequest" in answer.get_json()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_a_body_not_in_plain_utf8_is_a_malformed_body(api: Api, server_id: str,
                                                      encoding: str) -> None:
    """Nova's JSONDeserializer decodes with oslo's jsonutils.loads, UTF-8 only: a UTF-16 or
    UTF-32 body, or one that starts with a byte-order mark, is 400 and attaches nothing."""
    body = '{"volumeAttachment": {"volumeId": "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"}}'
    answer = api.post(attachments_path(server_id), data=body.encode(encoding), version="2.89",
                      headers={"Content-Type": "application/json"})
    assert_fault(answer, 400, "badRequest", "Malformed request body")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_cinder_reads_bodies_as_utf8_only(api: Api, encoding: str) -> None:
    project = next(iter(api.cloud.state.find_user("demo").roles))
    body = '{"volume": {"size": 1}}'.encode(encoding)
    answer = api.post(f"/volume/v3/{project}/volumes", data=body,
                      headers={"Content-Type": "application/json"})
    assert_fault(answer, 400, "badRequest", "Malformed request body")


def test_keystone_reads_a_utf16_body_as_flask_does(api: Api) -> None:
    """Keystone's json_body_before_request uses flask's request.get_json, which reads
    UTF-16 and UTF-32 as well (json.loads detects the encoding of bytes)."""
    body = ('{"auth": {"identity": {"methods": ["password"], "password": {"user": {'
            '"name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},'
            '"scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}')
    answer = api.post("/identity/v3/auth/tokens", data=body.encode("utf-16"), user=None,
                      headers={"Content-Type": "application/json"}, state_may_change=True)
    assert answer.status_code == 201


@pytest.mark.parametrize(("path", "raw"), [
    ("/_fakenova/faults", b"[" * 100000),
    ("/_fakenova/seed", b"[" * 100000),
    ("/_fakenova/faults", b'{"status": 409, "probability": NaN}'),
    ("/_fakenova/faults", b'{"status": 409, "times": ' + DIGITS.encode() + b"}"),
    ("/_fakenova/clock", b'{"advance": Infinity}'),
])
def test_the_control_api_refuses_what_json_cannot_say(api: Api, path: str, raw: bytes) -> None:
    before = api.cloud.state.dump()
    answer = api.client.post(path, data=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.get_json() == {"error": {"code": 400, "message": "Expected a JSON object"}}
    assert api.cloud.state.dump() == before and api.cloud.faults.rules() == []


@pytest.mark.parametrize(("rule", "message"), [
    ({"status": 409, "min_version": "2." + "1" * 5000},
     "Invalid fault rule field min_version: not a version"),
    ({"status": 409, "probability": float("nan")},
     "Invalid fault rule field probability: NaN is not a number"),
])
def test_fault_rules_python_cannot_compare_are_refused(api: Api, rule: dict[str, object],
                                                      message: str) -> None:
    with pytest.raises(BadRequest) as refused:
        api.cloud.faults.add(rule)
    assert refused.value.message == message
    assert api.cloud.faults.rules() == []


def test_a_manual_clock_advances_by_finite_seconds_only() -> None:
    cloud = Cloud(clock="manual")
    with pytest.raises(ValueError, match="finite"):
        cloud.advance(float("nan"))
    assert cloud.advance(1) == 1


@pytest.mark.parametrize("password", ["\u00e9", "\ud800", "\U0001f600" * 40])
def test_a_password_in_any_script_is_checked_not_a_500(api: Api, password: str) -> None:
    """Keystone answers a wrong password 401, whatever characters it holds."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "demo", "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}
    answer = api.post("/identity/v3/auth/tokens", json=body, user=None)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == 401


@pytest.mark.parametrize("message", [
    "{0}", "{", "}", "{}", "{a.b}", "{volumeAttachment[x]}", "{server_id!z}",
    "{server_id:d}", "{path:>99999999999999999999}",
])
def test_a_fault_message_that_is_no_template_is_refused(api: Api, message: str) -> None:
    answer = api.client.post("/_fakenova/faults", json={"status": 400, "message": message})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"].startswith(
        "Invalid fault rule field message: ")
    assert api.cloud.faults.rules() == []


def test_a_fault_message_names_request_values_and_keeps_doubled_braces(
        api: Api, server_id: str) -> None:
    api.token("demo")
    api.cloud.faults.add(status=409, message="{method} {server_id} {{literal}}")
    answer = api.get(attachments_path(server_id), state_may_change=True)
    assert_fault(answer, 409, "conflictingRequest", f"GET {server_id} {{literal}}")


def test_a_glob_of_many_stars_matches_as_few_would(api: Api, server_id: str) -> None:
    """Each star is tried once per path position: many of them on a path they do not match
    answer as quickly as one (a backtracking regular expression would take minutes)."""
    api.get(attachments_path(server_id))
    stars = "/compute/v2.1/servers/" + "*x" * 30
    answer = api.client.get(f"/_fakenova/requests?path={stars}")
    assert answer.status_code == 200 and answer.get_json()["requests"] == []
    matched = api.client.get("/_fakenova/requests?path=/servers/**/os-volume_*")
    assert len(matched.get_json()["requests"]) == 1


@pytest.mark.parametrize("name", ["a/b", "\ud800", "tab\there", ""])
def test_a_snapshot_name_that_no_url_can_name_is_refused(api: Api, name: str) -> None:
    answer = api.client.post("/_fakenova/snapshots", json={"name": name})
    assert answer.status_code == 400
    assert api.cloud.snapshots() == []
