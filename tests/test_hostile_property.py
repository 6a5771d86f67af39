"""Hostile input on every route, as hypothesis properties over the app's whole URL map.

Each route (every method of every rule of ``app.url_map``, the project-id variants with
their route) has a template (``TEMPLATES``): valid requests, with a body, query,
microversion and user the route accepts. A ``GET`` route with none is fuzzed from a plain
request of the demo user (``template``); every other route must have one.
``test_hostile_input`` runs hypothesis once per part of each route (``parts_of``): a path
parameter, the query, each of the headers ``OpenStack-API-Version``,
``X-OpenStack-Nova-API-Version``, ``X-Auth-Token``, ``Content-Type`` and ``Accept`` (and the
others as one part), each key of the valid bodies,
the body's keys, encoding, bytes, size and nesting, the transfer (chunked) and the method.
An example takes one of the route's valid requests and changes that one part: starting from
a valid request gets the change deep into the handler instead of refused at the first check.

Generated values include numbers of any length (5,000 and 10,000 digits, as numeric strings
in queries, as ``compute 2.<10,000 digits>`` in headers and as bare JSON numbers in bodies),
every JSON type at every key of the valid bodies, unicode, lone surrogates and empty values,
UTF-16 and UTF-32 with and without a byte-order mark, latin-1, invalid UTF-8, nesting past
Python's recursion limit, and bodies one byte either side of ``MAX_REQUEST_BODY``. Every
strategy puts its most hostile branch first, as hypothesis tries the simplest example of a
strategy first: every part of every route meets such a value in its first example.

``test_fault_rules_fire_on_hostile_requests`` posts a generated fault rule (times, after,
probability, seed, delay_ms, when, action, message, or a preset) aimed at a generated
request, then sends that request. The control API is called from the test client's address,
127.0.0.1, which ``fakenova.harness.access`` lets through without a control token. The
cloud's ``sleep`` (``Cloud.sleep``) is replaced by one that records the delay, so a rule's
``delay_ms`` never makes an example wait.

For every answer:

(a) it is not a 5xx (unless a fault rule said to answer one: then it has the rule's status);
(b) a refused request (status >= 400) leaves the cloud as it was: ``GET /_fakenova/state``,
    and the control API's view of the fault rules (without their counters), snapshots and
    clock, are the same before and after;
(c) a compute or volume ``POST``/``PUT`` whose body is not JSON in UTF-8 is not accepted:
    upstream reads bodies with ``oslo_serialization.jsonutils.loads`` (strict UTF-8), so
    ``nova.api.openstack.wsgi.Resource`` and ``cinder.api.openstack.wsgi.Resource`` answer
    400 "Malformed request body" to UTF-16, UTF-32, a byte-order mark or invalid UTF-8.

Each example starts from the demo cloud: ``POST /_fakenova/reset`` (the journal aside, a
refused request seen to leave the cloud as the reset did needs none before the next one).
A route with no template fails ``test_every_route_has_a_template``: a new route cannot go
untested by accident.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from fakenova import Cloud, create_app
from fakenova.domain.flavors import FLAVORS
from fakenova.http.pipeline import MAX_REQUEST_BODY

# -- the demo cloud (fixtures/demo.json) ---------------------------------------------------

WEB_1 = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a01"  # ACTIVE, logs-attached on it
STOPPED = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a02"
OFFLOADED = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a03"
LOCKED = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a04"  # shared-multiattach on it
BUILDING = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a05"
BFV = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a06"
OPS_1 = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a07"  # project admin
DATA_1 = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"
DATA_2 = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e02"
LOGS = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e03"
SHARED = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e04"
BFV_ROOT = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e05"
OPS_SCRATCH = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e06"
SERVERS = (WEB_1, STOPPED, OFFLOADED, LOCKED, BUILDING, BFV, OPS_1)
VOLUMES = (DATA_1, DATA_2, LOGS, SHARED, BFV_ROOT, OPS_SCRATCH)
CIRROS = "1f7c3a52-6f0e-4bde-9d66-5d0b8e3f2a10"  # the demo cloud's image (Glance)
IMAGE = CIRROS  # servers boot from an image Glance has
NETWORK = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"

BASE_SNAPSHOT = "hostile-base"
# Fault rule 1 of every example: it never fires, but makes every request be described for
# the rules (its body parsed, its microversion read) and its body searched for "match".
NEVER_FIRES = {"match": {"fakenova-hostile-never": "present"}, "status": 518}

# Placeholders, replaced when a request is sent: tokens and ids known only at run time.
TOKEN = {user: f"@token:{user}" for user in ("demo", "admin", "spare", "revoked")}
PROJECT = {user: f"@project:{user}" for user in ("demo", "admin")}
USER_ID = {user: f"@user:{user}" for user in ("demo", "admin")}
CALLERS_PROJECT = "@project"  # the project of the request's own token

_SERVICES = {"identity": "identity", "compute": "compute", "volume": "volume",
             "image": "image", "_fakenova": "control"}
_PROJECT_SEGMENT = re.compile(r"/<(?:cinder_)?project_id:project_id>")
_VARIABLE = re.compile(r"<(?:([^<>:]+):)?(\w+)>")
_AUTOMATIC = frozenset({"HEAD", "OPTIONS"})
# What a fault rule's path glob is matched against: the path after the service's version
# (README, "Faults, the journal and snapshots").
_SERVICE_PREFIX = re.compile(r"^/(?:compute/v2(?:\.1)?|volume/v3|identity(?:/v3)?)")


def _short(text: str | bytes, keep: int = 60) -> str:
    shown = repr(text)
    if len(shown) <= 2 * keep + 20:
        return shown
    return f"{shown[:keep]}...<{len(text)} in all>...{shown[-keep // 2:]}"


# -- request bodies ------------------------------------------------------------------------


class NoBody:
    """No body at all (not even ``null``)."""

    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY = NoBody()


@dataclass(frozen=True)
class Raw:
    """JSON text sent as it is: numbers of any length, NaN, nesting past any limit."""

    text: str

    def __repr__(self) -> str:
        return f"Raw({_short(self.text)})"


@dataclass(frozen=True)
class Dup:
    """A JSON object that gives a key more than once (the last one wins in ``json.loads``)."""

    pairs: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class BadBytes:
    """A JSON string whose bytes are these, which are not UTF-8."""

    data: bytes


@dataclass(frozen=True)
class Body:
    tree: Any = NO_BODY  # JSON, with Raw, Dup and BadBytes in it
    raw: bytes | None = None  # sent as it is instead of the tree
    encoding: str = "utf-8"
    ascii: bool = True  # \u-escape what is not ASCII (lone surrogates too)
    size: int | None = None  # padded with JSON whitespace to this many bytes

    def __repr__(self) -> str:
        parts = [_short(self.raw) if self.raw is not None else _short(repr(self.tree), 200)]
        if self.encoding != "utf-8" or not self.ascii:
            parts.append(f"encoding={self.encoding!r}, ascii={self.ascii}")
        if self.size is not None:
            parts.append(f"size={self.size}")
        return f"Body({', '.join(parts)})"


def _render(node: Any, resolve: Callable[[str], str], ascii: bool,
            bad: list[bytes]) -> str:
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, BadBytes):
        bad.append(node.data)
        return f'"\ue000{len(bad) - 1}\ue001"'
    if isinstance(node, (dict, Dup)):
        items = node.pairs if isinstance(node, Dup) else node.items()
        return "{" + ", ".join(f"{json.dumps(resolve(k), ensure_ascii=ascii)}: "
                               f"{_render(v, resolve, ascii, bad)}" for k, v in items) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_render(item, resolve, ascii, bad) for item in node) + "]"
    if isinstance(node, str):
        return json.dumps(resolve(node), ensure_ascii=ascii)
    return json.dumps(node)


def _encode(text: str, encoding: str) -> bytes:
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return text.encode(encoding, errors)


def encode_body(body: Body, resolve: Callable[[str], str]) -> bytes | None:
    """The bytes to send, or None for no body."""
    if body.raw is not None:
        data = body.raw
    elif body.tree is NO_BODY:
        data = None
    else:
        bad: list[bytes] = []
        data = _encode(_render(body.tree, resolve, body.ascii, bad), body.encoding)
        for index, chunk in enumerate(bad):
            data = data.replace(_encode(f"\ue000{index}\ue001", body.encoding), chunk)
    if body.size is not None:
        data = data or b""
        data += b" " * max(0, body.size - len(data))
    return data


def upstream_reads(data: bytes) -> bool:
    """Whether ``oslo_serialization.jsonutils.loads`` reads the body: strict UTF-8, then
    ``json.loads``."""
    try:
        json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    return True


# -- requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request, with placeholders for tokens and ids."""

    method: str
    rule: str  # the URL rule, as app.url_map has it
    args: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: Body = field(default_factory=Body)
    user: str | None = "demo"
    chunked: bool = False
    raw_path: bool = False  # path parameters not percent-quoted: "/" and ".." stay as they are
    environ: tuple[tuple[str, str], ...] = ()
    change: str = "none"  # what was changed from the template

    @property
    def service(self) -> str:
        return _SERVICES[self.rule.split("/")[1]]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # hypothesis' report: values of 10,000 digits shortened

    def __repr__(self) -> str:
        args = {name: _short(value) for name, value in self.args}
        query = [(_short(k, 30), _short(v, 30)) for k, v in self.query]
        headers = {name: _short(value, 40) for name, value in self.headers}
        return (f"Call({self.method} {self.rule} args={args} query={query} headers={headers} "
                f"body={self.body!r} user={self.user} chunked={self.chunked} "
                f"raw_path={self.raw_path} environ={self.environ} change={self.change!r})")


def route_key(method: str, rule: str) -> str:
    """A route's key in TEMPLATES: its method and rule, the project-id variants as one."""
    return f"{method} {_PROJECT_SEGMENT.sub('', rule)}"


@dataclass(frozen=True)
class Route:
    method: str
    rule: str

    @property
    def key(self) -> str:
        return route_key(self.method, self.rule)

    @property
    def service(self) -> str | None:
        return _SERVICES.get(self.rule.split("/")[1])

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(name for _, name in _VARIABLE.findall(self.rule))


@dataclass(frozen=True)
class Valid:
    """A request the route accepts (or refuses only for the state the cloud is in)."""

    body: Any = NO_BODY
    query: tuple[tuple[str, str], ...] = ()
    version: str | None = None  # compute 2.x or volume 3.x
    user: str | None = "demo"
    args: tuple[tuple[str, str], ...] = ()  # path parameters this request needs
    headers: tuple[tuple[str, str], ...] = ()
    refused: int | None = None  # the status the demo cloud's state refuses it with


@dataclass(frozen=True)
class Template:
    valid: tuple[Valid, ...]
    query_names: tuple[str, ...] = ()  # the query parameters the route reads
    header_names: tuple[str, ...] = ()  # headers the route reads beyond the common ones


# -- templates: a valid request for each route ---------------------------------------------


def _auth(user: str, by_id: bool = False) -> dict[str, Any]:
    default = {"name": "Default"}
    who: dict[str, Any] = ({"id": USER_ID[user], "password": user} if by_id else
                           {"name": user, "domain": default, "password": user})
    scope: dict[str, Any] = ({"id": PROJECT[user]} if by_id else
                             {"name": user, "domain": {"id": "default"}})
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": who}},
                     "scope": {"project": scope}}}


_SUBJECT = (("X-Subject-Token", TOKEN["spare"]),)
_IDENTITY_DOCS = Template((Valid(user=None), Valid(user="demo")))
_COMPUTE_DOC = Template(tuple(Valid(version=v, user=None) for v in ("2.1", "2.89", "latest")))
_SERVER_QUERY = ("limit", "marker", "status", "name", "all_tenants", "sort_key", "sort_dir",
                 "changes-since", "changes-before", "ip", "ip6", "image", "flavor", "tags",
                 "tags-any", "not-tags", "locked", "deleted", "user_id", "project_id",
                 "availability_zone", "hostname", "launched_at", "power_state", "progress",
                 "reservation_id", "vm_state", "task_state", "config_drive", "key_name")
_SERVER_LISTS = Template((
    Valid(version="2.1"), Valid(version="2.1", query=(("limit", "2"),)),
    Valid(version="2.1", query=(("status", "ACTIVE"), ("name", "web"))),
    Valid(version="2.26", query=(("tags", "a,b"), ("not-tags-any", "c"))),
    Valid(version="2.38", query=(("status", "SHUTOFF"),)),
    Valid(version="2.66", query=(("changes-before", "2999-01-01T00:00:00Z"),)),
    Valid(version="2.73", query=(("locked", "true"),)),
    Valid(version="2.75", query=(("sort_key", "display_name"), ("sort_dir", "asc"))),
    Valid(version="2.83", query=(("power_state", "1"), ("progress", "0"))),
    Valid(version="2.90", query=(("hostname", "web-1"),)),
    Valid(version="latest", query=(("marker", WEB_1), ("limit", "1"))),
    Valid(version="latest", user="admin", query=(("all_tenants", "1"),)),
    Valid(version="2.1", user="admin", query=(("deleted", "false"), ("project_id", "x"))),
), query_names=_SERVER_QUERY)


def _server_body(version: str) -> dict[str, Any]:
    server: dict[str, Any] = {
        "name": "hostile-vm", "imageRef": IMAGE, "flavorRef": "1",
        "metadata": {"role": "fuzz"}, "adminPass": "s3cret", "OS-DCF:diskConfig": "AUTO",
        "availability_zone": "nova", "min_count": 1, "max_count": "1",
        "security_groups": [{"name": "default"}], "config_drive": True,
        "user_data": "aGVsbG8=", "accessIPv4": "192.0.2.1",
    }
    if version == "2.1":
        server["networks"] = [{"uuid": NETWORK, "fixed_ip": "10.0.0.5"}]
        server["personality"] = [{"path": "/etc/motd", "contents": "aGk="}]
    else:
        server["networks"] = "none" if version == "2.37" else "auto"
        server["description"] = "made by a fuzzer"
    if version in ("2.52", "latest"):
        server["tags"] = ["a", "b"]
    if version == "latest":
        server["hostname"] = "fuzz-1"
    return {"server": server}


_BFV_BODY = {"server": {"name": "bfv", "flavorRef": "http://x/flavors/2", "networks": "none",
                        "block_device_mapping_v2": [{
                            "boot_index": "0", "uuid": DATA_2, "source_type": "volume",
                            "destination_type": "volume", "delete_on_termination": False,
                            "tag": "root", "device_name": "vda", "volume_size": 2}]}}
_LEGACY_BDM_BODY = {"server": {"name": "legacy", "flavorRef": 2, "block_device_mapping": [{
    "device_name": "/dev/vda", "volume_id": DATA_2, "volume_size": "1",
    "delete_on_termination": "0"}]}}
_IMAGE_BDM_BODY = {"server": {"name": "img", "imageRef": IMAGE, "flavorRef": "1",
                              "networks": [{"uuid": NETWORK, "port": None}],
                              "block_device_mapping_v2": [
                                  {"boot_index": 0, "uuid": IMAGE, "source_type": "image",
                                   "destination_type": "local"},
                                  {"boot_index": -1, "source_type": "blank",
                                   "destination_type": "volume", "volume_size": 1}]}}
_ACTIONS = (
    ({"os-stop": None}, WEB_1, "2.1"), ({"os-start": None}, STOPPED, "2.1"),
    ({"reboot": {"type": "HARD"}}, WEB_1, "2.1"), ({"shelve": None}, WEB_1, "2.1"),
    ({"shelveOffload": None}, WEB_1, "2.1"), ({"unshelve": None}, OFFLOADED, "2.1"),
    ({"unshelve": {"availability_zone": "nova"}}, OFFLOADED, "2.77"),
    ({"unshelve": {"availability_zone": None, "host": "compute-1"}}, OFFLOADED, "2.91"),
    ({"lock": None}, WEB_1, "2.1"), ({"lock": {"locked_reason": "fuzz"}}, WEB_1, "2.73"),
    ({"unlock": None}, LOCKED, "2.1"),
)
_FLAVOR_QUERY = ("limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir",
                 "name")
_FLAVOR_LISTS = Template((
    Valid(version="2.1"), Valid(version="2.1", query=(("minRam", "512"), ("minDisk", "1"))),
    Valid(version="2.75", query=(("limit", "2"), ("marker", "1"))),
    Valid(version="2.1", user="admin", query=(("is_public", "false"),)),
    Valid(version="2.102", query=(("name", "m1.tiny"), ("sort_key", "flavorid"),
                                  ("sort_dir", "desc"))),
), query_names=_FLAVOR_QUERY)


def _attach(volume: str, version: str) -> dict[str, Any]:
    item: dict[str, Any] = {"volumeId": volume, "device": "/dev/vdb"}
    if version not in ("2.1", "2.48"):
        item["tag"] = "data"
    if version not in ("2.1", "2.48", "2.49", "2.70"):
        item["delete_on_termination"] = True
    return {"volumeAttachment": item}


_ATTACHMENTS = (("server_id", WEB_1),)
_ATTACHMENT = (("server_id", WEB_1), ("volume_id", LOGS))
_VOLUME_QUERY = ("limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count",
                 "all_tenants", "name", "status", "metadata", "bootable", "migration_status",
                 "availability_zone", "group_id", "size", "created_at", "updated_at",
                 "consumes_quota")
_VOLUME_LISTS = Template((
    Valid(version="3.0"), Valid(version="3.0", query=(("limit", "2"), ("offset", "1"))),
    Valid(version="3.31", query=(("sort", "name:asc,size"), ("status", "available"))),
    Valid(version="3.45", query=(("with_count", "true"), ("sort_key", "size"),
                                 ("sort_dir", "asc"))),
    Valid(version="3.71", query=(("marker", DATA_1), ("name", "data-1"))),
    Valid(version="3.71", user="admin", query=(("all_tenants", "1"), ("limit", "3"))),
    Valid(version="3.0", query=(("metadata", "{'k': 'v'}"), ("bootable", "false"))),
), query_names=_VOLUME_QUERY)
_VOLUME_DOCS = Template((Valid(user=None), Valid(version="3.71")))
_SNAPSHOT_LISTS = Template((
    Valid(version="3.0", query=(("limit", "2"), ("offset", "1"), ("name", "s"))),
    Valid(version="3.45", query=(("with_count", "true"), ("sort", "name:asc"),
                                 ("metadata", "{'k': 'v'}"), ("volume_id", DATA_1))),
    Valid(version="3.71", user="admin", query=(("all_tenants", "1"), ("status", "error"))),
), query_names=(*_VOLUME_QUERY[:7], "name", "status", "volume_id", "metadata"))
_BACKUP_LISTS = Template((
    Valid(version="3.37", query=(("limit", "2"), ("sort_key", "name"), ("sort_dir", "asc"))),
    Valid(version="3.45", query=(("with_count", "1"), ("volume_id", DATA_1))),
    Valid(version="3.71", user="admin", query=(("all_tenants", "1"), ("status", "error"))),
), query_names=(*_VOLUME_QUERY[:7], "name", "status", "volume_id"))


def _volume_body(version: str) -> dict[str, Any]:
    volume: dict[str, Any] = {"size": 1, "name": " fuzz ", "description": "d",
                              "metadata": {"k": "v"}, "availability_zone": "nova",
                              "volume_type": "lvmdriver-1", "multiattach": False}
    if version == "3.0":
        volume["imageRef"] = IMAGE
        volume.pop("volume_type")
    return {"volume": volume}


# Cinder's volume actions: (body, version, user, volume, status the demo cloud refuses with)
_VOLUME_ACTIONS: tuple[tuple[Any, str, str, str, int | None], ...] = (
    ({"os-attach": {"instance_uuid": WEB_1, "mountpoint": "/dev/vdc", "mode": "rw"}}, "3.0",
     "demo", DATA_1, None),
    ({"os-attach": {"host_name": "fuzz-host", "mountpoint": "/dev/vdc"}}, "3.71", "demo",
     DATA_2, None),
    ({"os-detach": {"attachment_id": None}}, "3.71", "demo", DATA_1, None),
    ({"os-reserve": None}, "3.71", "demo", DATA_1, None),
    ({"os-begin_detaching": {}}, "3.71", "demo", LOGS, None),
    ({"os-extend": {"new_size": "2"}}, "3.42", "demo", DATA_1, None),
    ({"os-extend": {"new_size": 3}}, "latest", "demo", LOGS, None),
    ({"os-initialize_connection": {"connector": {"initiator": "iqn.fuzz", "ip": "10.0.0.9"}}},
     "3.71", "demo", DATA_1, None),
    ({"os-terminate_connection": {"connector": None}}, "3.71", "demo", DATA_1, None),
    ({"os-set_bootable": {"bootable": "true"}}, "3.71", "demo", DATA_1, None),
    ({"os-update_readonly_flag": {"readonly": False}}, "3.71", "demo", DATA_2, None),
    ({"os-retype": {"new_type": "multiattach", "migration_policy": "never"}}, "3.71", "demo",
     DATA_1, None),
    ({"os-reset_status": {"status": "error", "attach_status": "detached",
                          "migration_status": "none"}}, "3.71", "admin", DATA_2, None),
    ({"os-force_detach": {"attachment_id": None, "connector": None}}, "3.71", "admin", LOGS,
     409),  # Nova's attachment
    ({"os-force_delete": {}}, "3.71", "admin", DATA_2, None),
    ({"os-volume_upload_image": {"image_name": "fuzz", "force": False, "disk_format": "qcow2",
                                 "container_format": "bare", "visibility": "shared",
                                 "protected": "false"}}, "3.71", "demo", DATA_1, None),
    ({"os-volume_upload_image": {"image_name": "fuzz"}}, "3.0", "demo", DATA_2, None),
)

_RULE = {"service": "compute", "method": "POST", "path": "/servers/*/os-volume_attachments",
         "match": {"volumeId": DATA_1}, "project": PROJECT["demo"], "min_version": "2.1",
         "max_version": "2.104", "status": 409, "message": "{server_id} busy: {volumeId}",
         "times": 2, "after": 1, "probability": 0.5, "seed": 7, "delay_ms": 1,
         "when": "before", "action": "respond", "name": "busy"}
_PRESETS = (
    {"preset": "flaky", "times": 2, "status": 503, "operation": "attach"},
    {"preset": "lost_response", "operation": "detach"},
    {"preset": "lost_response", "status": 502},
    {"preset": "slow", "delay_ms": 5, "operation": "list", "probability": 0.25, "seed": 3},
    {"preset": "drop", "operation": "show", "after": 2},
    {"preset": "detach_race_404"},
    {"preset": "task_state_409", "task_state": "rebooting", "operation": "update"},
    {"preset": "instance_locked_409", "operation": "detach"},
    {"preset": "device_in_use_409", "times": 1},
    {"preset": "malformed_body", "operation": "list"},
    {"preset": "keystone_503", "times": 1},
    {"preset": "stuck", "volume": "data-1", "state": "attaching"},
    {"preset": "stuck", "volume": DATA_2, "state": "volume_error"},
)
# rescue, rebuild, resize and createImage (server, and the status the state refuses with)
_MORE_ACTIONS = tuple(
    Valid(body=body, version=version, args=(("server_id", server),), refused=refused)
    for body, server, version, refused in (
        ({"rescue": {"adminPass": "pw", "rescue_image_ref": CIRROS}}, WEB_1, "2.87", None),
        ({"rescue": None}, BFV, "2.1", 400), ({"unrescue": None}, WEB_1, "2.1", 409),
        ({"rebuild": {"imageRef": CIRROS, "name": "r", "metadata": {"k": "v"},
                      "adminPass": "pw", "preserve_ephemeral": "false"}}, WEB_1, "2.1", None),
        ({"rebuild": {"imageRef": CIRROS, "description": "d", "key_name": None,
                      "user_data": "aGk=", "trusted_image_certificates": None,
                      "hostname": "h-1"}}, STOPPED, "latest", None),
        ({"rebuild": {"imageRef": CIRROS}}, BFV, "2.93", None),
        ({"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "AUTO"}}, WEB_1, "2.1", None),
        ({"confirmResize": None}, WEB_1, "2.1", 409),
        ({"revertResize": None}, WEB_1, "2.1", 409),
        ({"createImage": {"name": "snap", "metadata": {"k": "v"}}}, WEB_1, "2.45", None),
        ({"createImage": {"name": "bfv-snap"}}, BFV, "2.1", None)))
_FIXTURE = {
    "projects": [{"name": "fuzz-team"}],
    "users": [{"name": "fuzzer", "password": "pw", "roles": {"fuzz-team": ["member"]}}],
    "volumes": [{"name": "fuzz-data", "project": "fuzz-team", "size": 2, "multiattach": True,
                 "status": "available", "bootable": False, "migration_status": None}],
    "servers": [{"name": "fuzz-vm", "project": "fuzz-team", "status": "ACTIVE",
                 "locked": False, "task_state": None, "launched": True, "image": IMAGE,
                 "metadata": {"k": "v"}}],
    "attachments": [{"server": "fuzz-vm", "volume": "fuzz-data", "device": "/dev/vdb",
                     "tag": "t", "delete_on_termination": True}],
}
_OS_VOLUME_LISTS = Template((
    Valid(version="2.1"), Valid(version="2.35", query=(("limit", "1"), ("offset", "1"))),
    Valid(version="2.1", user="admin"),
), query_names=("limit", "offset"))
_JOURNAL_QUERY = ("method", "path", "service", "project", "status")

TEMPLATES: dict[str, Template] = {
    # Keystone
    "GET /identity": _IDENTITY_DOCS,
    "GET /identity/": _IDENTITY_DOCS,
    "GET /identity/v3": _IDENTITY_DOCS,
    "GET /identity/v3/": _IDENTITY_DOCS,
    "POST /identity/v3/auth/tokens": Template((
        Valid(body=_auth("demo"), user=None), Valid(body=_auth("admin", by_id=True), user=None),
        Valid(body=_auth("demo"), user=None, query=(("nocatalog", ""),)),
    ), query_names=("nocatalog",)),
    "GET /identity/v3/auth/tokens": Template((
        Valid(headers=_SUBJECT), Valid(user="admin", headers=_SUBJECT),
        Valid(headers=_SUBJECT, query=(("nocatalog", "1"),)),
    ), query_names=("nocatalog",), header_names=("X-Subject-Token",)),
    "DELETE /identity/v3/auth/tokens": Template((
        Valid(headers=_SUBJECT), Valid(user="admin", headers=_SUBJECT),
    ), header_names=("X-Subject-Token",)),
    # Nova: version documents
    "GET /compute": _COMPUTE_DOC,
    "GET /compute/": _COMPUTE_DOC,
    "GET /compute/v2": _COMPUTE_DOC,
    "GET /compute/v2/": _COMPUTE_DOC,
    "GET /compute/v2.1": _COMPUTE_DOC,
    "GET /compute/v2.1/": _COMPUTE_DOC,
    "GET /compute/<path:rest>": Template((
        *(Valid(user=None, args=(("rest", rest),))
          for rest in ("servers", "v3/servers", "flavors/detail")),
        Valid(args=(("rest", "v2.1/nothing-here"),), refused=404))),
    # Nova: servers
    "GET /compute/v2.1/servers": _SERVER_LISTS,
    "GET /compute/v2.1/servers/detail": _SERVER_LISTS,
    "GET /compute/v2.1/servers/<server_id>": Template((*(
        Valid(version=v, args=(("server_id", s),))
        for v, s in (("2.1", WEB_1), ("2.47", BFV), ("2.73", LOCKED), ("2.96", OFFLOADED),
                     ("2.100", BUILDING), ("latest", WEB_1))),
        Valid(version="2.98", user="admin", args=(("server_id", OPS_1),)),)),
    "POST /compute/v2.1/servers": Template((*(
        Valid(body=_server_body(v), version=v) for v in ("2.1", "2.37", "2.52", "latest")),
        Valid(body=_BFV_BODY, version="2.42"), Valid(body=_LEGACY_BDM_BODY, version="2.1"),
           Valid(body=_IMAGE_BDM_BODY, version="2.1"),
           Valid(body={"server": {"name": "r", "imageRef": IMAGE, "flavorRef": "42",
                                  "networks": "auto", "return_reservation_id": "True",
                                  "min_count": "2"}}, version="2.67"))),
    "DELETE /compute/v2.1/servers/<server_id>": Template((*(
        Valid(version="2.1", args=(("server_id", s),)) for s in (WEB_1, BFV, LOCKED)),
        Valid(version="latest", user="admin", args=(("server_id", LOCKED),)),)),
    "POST /compute/v2.1/servers/<server_id>/action": Template((*(
        Valid(body=body, version=version, args=(("server_id", server),))
        for body, server, version in _ACTIONS),
        Valid(body={"shelveOffload": None}, user="admin", version="2.1",
                 args=(("server_id", OPS_1),)),
           Valid(body={"unlock": None}, user="admin", version="latest",
                 args=(("server_id", LOCKED),)),
           *_MORE_ACTIONS)),
    # Nova: the image proxy (until 2.35)
    "GET /compute/v2.1/images/<image_id>": Template((
        Valid(version="2.1", args=(("image_id", CIRROS),)),
        Valid(version="2.36", args=(("image_id", CIRROS),), refused=404))),
    "DELETE /compute/v2.1/images/<image_id>": Template((
        Valid(version="2.1", user="admin", args=(("image_id", CIRROS),)),)),
    # Nova: flavors
    "GET /compute/v2.1/flavors": _FLAVOR_LISTS,
    "GET /compute/v2.1/flavors/detail": _FLAVOR_LISTS,
    "GET /compute/v2.1/flavors/<flavor_id>": Template(tuple(
        Valid(version=v, args=(("flavor_id", f),))
        for v, f in (("2.1", "1"), ("2.55", "42"), ("2.61", "84"), ("2.102", "3")))),
    # Nova: volume attachments
    "GET /compute/v2.1/servers/<server_id>/os-volume_attachments": Template((
        Valid(version="2.1", args=_ATTACHMENTS),
        Valid(version="2.1", args=_ATTACHMENTS, query=(("limit", "1"), ("offset", "0"))),
        Valid(version="2.75", args=_ATTACHMENTS, query=(("limit", "5"),)),
        Valid(version="2.89", args=(("server_id", BFV),), query=(("offset", "1"),)),
        Valid(version="latest", user="admin", args=(("server_id", LOCKED),)),
    ), query_names=("limit", "offset")),
    "GET /compute/v2.1/servers/<server_id>/os-volume_attachments/<volume_id>": Template((*(
        Valid(version=v, args=_ATTACHMENT) for v in ("2.1", "2.70", "2.79", "2.89", "latest")),
        Valid(version="2.89", args=(("server_id", BFV), ("volume_id", BFV_ROOT))),)),
    "POST /compute/v2.1/servers/<server_id>/os-volume_attachments": Template((*(
        Valid(body=_attach(vol, v), version=v, args=_ATTACHMENTS)
        for vol, v in ((DATA_1, "2.1"), (DATA_2, "2.49"), (SHARED, "2.79"),
                       (DATA_1, "2.89"), (DATA_1, "2.101"), (DATA_2, "latest"))),
        Valid(body=_attach(DATA_1, "2.79"), version="2.79", args=(("server_id", STOPPED),)),
           Valid(body=_attach(OPS_SCRATCH, "2.1"), version="2.1", user="admin",
                 args=(("server_id", OPS_1),)))),
    "PUT /compute/v2.1/servers/<server_id>/os-volume_attachments/<volume_id>": Template((
        Valid(body={"volumeAttachment": {"volumeId": LOGS, "delete_on_termination": True}},
              version="2.85", args=_ATTACHMENT),
        Valid(body={"volumeAttachment": {"volumeId": LOGS, "serverId": WEB_1, "id": LOGS,
                                         "tag": "logs", "device": "/dev/vdb",
                                         "delete_on_termination": "false"}},
              version="latest", args=_ATTACHMENT),
        Valid(body={"volumeAttachment": {"volumeId": DATA_1}}, version="2.1", user="admin",
              args=_ATTACHMENT),
        Valid(body={"volumeAttachment": {"volumeId": DATA_2}}, version="2.89", user="admin",
              args=_ATTACHMENT),
    )),
    "DELETE /compute/v2.1/servers/<server_id>/os-volume_attachments/<volume_id>": Template((
        Valid(version="2.1", args=_ATTACHMENT), Valid(version="2.89", args=_ATTACHMENT),
        Valid(version="latest", user="admin", args=(("server_id", LOCKED),
                                                    ("volume_id", SHARED))),
        Valid(version="2.1", args=(("server_id", BFV), ("volume_id", BFV_ROOT)), refused=400),
    )),
    # Nova: a server's security groups
    "GET /compute/v2.1/servers/<server_id>/os-security-groups": Template(tuple(
        Valid(version=v, args=(("server_id", WEB_1),)) for v in ("2.1", "2.36", "latest"))),
    # Nova: the os-volumes proxy (to 2.35)
    "GET /compute/v2.1/os-volumes": _OS_VOLUME_LISTS,
    "GET /compute/v2.1/os-volumes/detail": _OS_VOLUME_LISTS,
    "GET /compute/v2.1/os-volumes/<volume_id>": Template(tuple(
        Valid(version=v, args=(("volume_id", vol),))
        for v, vol in (("2.1", DATA_1), ("2.35", LOGS)))),
    "POST /compute/v2.1/os-volumes": Template((
        Valid(body={"volume": {"size": 1}}, version="2.1"),
        Valid(body={"volume": {"size": "2", "display_name": "fuzz", "display_description": "d",
                               "volume_type": "lvmdriver-1", "metadata": {"k": "v"},
                               "availability_zone": "nova"}}, version="2.35"),
    )),
    "DELETE /compute/v2.1/os-volumes/<volume_id>": Template((
        Valid(version="2.1", args=(("volume_id", DATA_1),)),
        Valid(version="2.35", user="admin", args=(("volume_id", OPS_SCRATCH),)),
        Valid(version="2.1", args=(("volume_id", LOGS),), refused=400),
    )),
    # Cinder
    "GET /volume": _VOLUME_DOCS,
    "GET /volume/": _VOLUME_DOCS,
    "GET /volume/v3": _VOLUME_DOCS,
    "GET /volume/v3/": _VOLUME_DOCS,
    "GET /volume/v3/volumes": _VOLUME_LISTS,
    "GET /volume/v3/volumes/detail": _VOLUME_LISTS,
    "GET /volume/v3/volumes/<volume_id>": Template((*(
        Valid(version=v, args=(("volume_id", vol),))
        for v, vol in (("3.0", DATA_1), ("3.48", LOGS), ("3.63", SHARED), ("latest", BFV_ROOT))),
        Valid(version="3.71", user="admin", args=(("volume_id", OPS_SCRATCH),)),)),
    "POST /volume/v3/volumes": Template((*(
        Valid(body=_volume_body(v), version=v) for v in ("3.0", "3.13", "3.47", "3.71")),
        Valid(body={"volume": {"source_volid": DATA_1, "size": "2",
                                  "display_name": "copy", "display_description": None}},
                 version="3.0"),
           Valid(body={"volume": {"size": 1, "consistencygroup_id": None, "snapshot_id": None,
                                  "backup_id": None}}, version="3.53"))),
    "PUT /volume/v3/volumes/<volume_id>": Template((*(
        Valid(body={"volume": {"name": "renamed", "description": "d",
                               "metadata": {"a": "b"}}}, version=v,
              args=(("volume_id", DATA_1),))
        for v in ("3.0", "3.53", "latest")),
        Valid(body={"volume": {"display_name": "x"}}, version="3.0",
                 args=(("volume_id", LOGS),)),)),
    "DELETE /volume/v3/volumes/<volume_id>": Template((
        Valid(version="3.0", args=(("volume_id", DATA_2),)),
        Valid(version="latest", args=(("volume_id", DATA_1),)),
        Valid(version="3.71", args=(("volume_id", LOGS),), refused=400),  # in-use
    )),
    "POST /volume/v3/volumes/<volume_id>/action": Template(tuple(
        Valid(body=body, version=version, user=user, args=(("volume_id", vol),),
              refused=refused)
        for body, version, user, vol, refused in _VOLUME_ACTIONS)),
    # Cinder snapshots and backups: the demo cloud has none, so those that name one are
    # refused with 404 (each create makes one of a demo volume)
    "GET /volume/v3/snapshots": _SNAPSHOT_LISTS,
    "GET /volume/v3/snapshots/detail": _SNAPSHOT_LISTS,
    "POST /volume/v3/snapshots": Template((
        Valid(body={"snapshot": {"volume_id": DATA_1, "name": " s ", "description": "d",
                                 "metadata": {"k": "v"}, "force": "false"}}, version="3.0"),
        Valid(body={"snapshot": {"volume_id": LOGS, "force": True}}, version="3.0"),
        Valid(body={"snapshot": {"volume_id": LOGS, "display_name": None}}, version="3.66"),
        Valid(body={"snapshot": {"volume_id": LOGS}}, version="3.0", refused=400),
    )),
    **{f"{method} /volume/v3/snapshots/<snapshot_id>{rest}": Template((
        Valid(body=body, version="3.0", refused=404, args=(
            ("snapshot_id", DATA_1), *((("key", "k"),) if "<key>" in rest else ()))),))
       for method, rest, body in (
           ("PUT", "", {"snapshot": {"name": "n", "description": "d"}}),
           ("DELETE", "", NO_BODY),
           ("POST", "/action", {"os-reset_status": {"status": "error"}}),
           ("POST", "/metadata", {"metadata": {"k": "v"}}),
           ("PUT", "/metadata", {"metadata": {"k": "v"}}),
           ("PUT", "/metadata/<key>", {"meta": {"k": "v"}}),
           ("DELETE", "/metadata/<key>", NO_BODY))},
    "POST /volume/v3/os-snapshot-manage": Template((
        Valid(body={"snapshot": {"volume_id": DATA_1, "ref": {"source-name": "lv"},
                                 "name": "m", "description": None, "metadata": {"k": "v"}}},
              version="3.0", user="admin"),)),
    "POST /volume/v3/manageable_snapshots": Template((
        Valid(body={"snapshot": {"volume_id": DATA_1, "ref": "lv"}}, version="3.8",
              user="admin"),)),
    "GET /volume/v3/backups": _BACKUP_LISTS,
    "GET /volume/v3/backups/detail": _BACKUP_LISTS,
    "POST /volume/v3/backups": Template((
        Valid(body={"backup": {"volume_id": DATA_1, "name": " b ", "description": "d",
                               "container": "c", "incremental": False, "force": "no",
                               "snapshot_id": None}}, version="3.0"),
        Valid(body={"backup": {"volume_id": LOGS, "force": True, "metadata": {"k": "v"},
                               "availability_zone": "nova"}}, version="3.51"),
        Valid(body={"backup": {"volume_id": DATA_1, "incremental": True}}, version="3.0",
              refused=400),
    )),
    **{f"{method} /volume/v3/backups/<backup_id>{rest}": Template((
        Valid(body=body, version=version, args=(("backup_id", DATA_1),), refused=404),))
       for method, rest, body, version in (
           ("PUT", "", {"backup": {"name": "n", "description": "d", "metadata": {}}}, "3.43"),
           ("DELETE", "", NO_BODY, "3.0"),
           ("POST", "/restore", {"restore": {"volume_id": DATA_2, "name": "r"}}, "3.0"),
           ("POST", "/action", {"os-reset_status": {"status": "error"}}, "3.0"))},
    "GET /volume/v3/backups/<backup_id>/export_record": Template((
        Valid(version="3.0", user="admin", args=(("backup_id", DATA_1),), refused=404),)),
    "POST /volume/v3/backups/import_record": Template((
        Valid(body={"backup-record": {
            "backup_service": "cinder.backup.drivers.swift.SwiftBackupDriver",
            "backup_url": "eyJpZCI6ICI1YjNmMWMyYS05ZDhlLTRmN2EtYjZjNS0wZTFkMmMzYjRhNTkiLCAic2l6"
                          "ZSI6IDF9"}}, version="3.0", user="admin"),)),
    "POST /compute/v2.1/os-assisted-volume-snapshots": Template((
        Valid(body={"snapshot": {"volume_id": LOGS, "create_info": {
            "snapshot_id": DATA_1, "type": "qcow2", "new_file": "f", "id": "i"}}},
              version="2.1", user="admin"),)),
    "DELETE /compute/v2.1/os-assisted-volume-snapshots/<snapshot_id>": Template((
        Valid(version="2.75", user="admin", args=(("snapshot_id", DATA_1),),
              query=(("delete_info", f'{{"volume_id": "{LOGS}"}}'),)),
    ), query_names=("delete_info",)),
    # Glance
    "GET /image/v2/images": Template((
        Valid(), Valid(query=(("limit", "1"), ("sort", "name:asc"), ("visibility", "all"))),
        Valid(user="admin", query=(("name", "in:a,b"), ("tag", "t"), ("os_hidden", "false"),
                                   ("sort_key", "size"), ("sort_dir", "asc"),
                                   ("created_at", "gt:2000-01-01T00:00:00Z"))),
        Valid(query=(("marker", CIRROS), ("size_min", "1"), ("member_status", "all"))),
    ), query_names=("limit", "marker", "name", "visibility", "status", "owner", "tag",
                    "member_status", "os_hidden", "sort", "sort_key", "sort_dir",
                    "created_at", "size_min", "size_max")),
    "POST /image/v2/images": Template((
        Valid(body={"name": "fuzz", "disk_format": "raw", "container_format": "bare",
                    "tags": ["a"], "os_distro": "cirros", "min_ram": 1, "protected": False}),
        Valid(body={"id": "5b3f1c2a-9d8e-4f7a-b6c5-0e1d2c3b4a59", "name": None,
                    "visibility": "public", "owner": PROJECT["demo"]}, user="admin"),
    )),
    "PATCH /image/v2/images/<image_id>": Template((
        Valid(body=[{"op": "replace", "path": "/name", "value": "renamed"},
                    {"op": "add", "path": "/os_distro", "value": "cirros"},
                    {"op": "replace", "path": "/tags", "value": ["x"]}], user="admin",
              headers=(("Content-Type", "application/openstack-images-v2.1-json-patch"),)),
        Valid(body=[{"replace": "/min_disk", "value": 1}, {"remove": "/hw_rng_model"}],
              user="admin",
              headers=(("Content-Type", "application/openstack-images-v2.0-json-patch"),)),
        Valid(body=[{"op": "replace", "path": "/name", "value": "x"}], refused=403,
              headers=(("Content-Type", "application/openstack-images-v2.1-json-patch"),)),
    )),
    "DELETE /image/v2/images/<image_id>": Template((Valid(user="admin"),
                                                    Valid(refused=403))),
    "PUT /image/v2/images/<image_id>/file": Template((  # cirros is active already
        Valid(body=Raw("image bytes"), user="admin", refused=409,
              headers=(("Content-Type", "application/octet-stream"),)),)),
    "POST /image/v2/images/<image_id>/actions/deactivate": Template((Valid(user="admin"),)),
    "POST /image/v2/images/<image_id>/actions/reactivate": Template((Valid(user="admin"),)),
    "PUT /image/v2/images/<image_id>/tags/<tag>": Template((Valid(user="admin"),
                                                            Valid(refused=403))),
    "DELETE /image/v2/images/<image_id>/tags/<tag>": Template((
        Valid(user="admin", refused=404),)),
    # the control API
    "POST /_fakenova/reset": Template((Valid(user=None),)),
    "GET /_fakenova/state": Template((Valid(user=None), Valid(user=None,
                                                               query=(("check", "1"),))),
                                     query_names=("check",)),
    "GET /_fakenova/clock": Template((Valid(user=None),)),
    # The demo app's clock is immediate: only a manual clock can be advanced (400).
    "POST /_fakenova/clock": Template((Valid(body={"advance": 1}, user=None, refused=400),
                                       Valid(body={"advance": 0.5}, user=None, refused=400))),
    "POST /_fakenova/faults": Template((*(
        Valid(body=rule, user=None) for rule in (_RULE, *_PRESETS)),
        Valid(body={"service": "volume", "path": "/volumes/**", "action": "truncate",
                       "when": "after"}, user=None),
           Valid(body={"service": "identity", "method": "post", "delay_ms": 600000},
                 user=None),
           Valid(body={"stuck": "detaching", "volume": LOGS}, user=None))),
    "GET /_fakenova/faults": Template((Valid(user=None),)),
    "DELETE /_fakenova/faults": Template((Valid(user=None),)),
    "DELETE /_fakenova/faults/<rule_id>": Template((Valid(user=None,
                                                          args=(("rule_id", "fault-1"),)),)),
    "GET /_fakenova/requests": Template(tuple(
        Valid(user=None, query=query) for query in (
            (), (("status", "201"),), (("method", "POST"), ("path", "/auth/tokens")),
            (("service", "identity"), ("project", PROJECT["demo"])),
            (("path", "/identity/**"), ("status", "200")))),
        query_names=_JOURNAL_QUERY),
    "DELETE /_fakenova/requests": Template((
        Valid(user=None), Valid(user=None, query=(("project", PROJECT["demo"]),))),
        query_names=("project",)),
    "POST /_fakenova/snapshots": Template((Valid(body={"name": "fuzz-snap"}, user=None),)),
    "GET /_fakenova/snapshots": Template((Valid(user=None),)),
    "POST /_fakenova/snapshots/<name>/restore": Template((
        Valid(user=None, args=(("name", BASE_SNAPSHOT),)),)),
    "DELETE /_fakenova/snapshots/<name>": Template((
        Valid(user=None, args=(("name", BASE_SNAPSHOT),)),)),
    "POST /_fakenova/seed": Template((
        Valid(body=_FIXTURE, user=None),
        Valid(body={"volumes": [{"name": "one-more", "project": "demo"}],
                    "attachments": [{"server": "web-1", "volume": "one-more",
                                     "legacy": True}]}, user=None),
        Valid(body={"servers": [{"name": "bfv-2", "project": "demo", "status": "stopped",
                                 "boot_volume": "data-2"}]}, user=None))),
    "DELETE /_fakenova/projects/<project_id>": Template((
        Valid(user=None, args=(("project_id", PROJECT["demo"]),)),
        Valid(user=None, args=(("project_id", PROJECT["admin"]),)))),
    "GET /_fakenova/openapi.json": Template((Valid(user=None),)),
}

# A GET route without a template of its own: a plain request of the demo user.
PLAIN_GET = Template((Valid(),))


def template(key: str) -> Template:
    """The route's template; a GET route needs none to be fuzzed."""
    if key in TEMPLATES or not key.startswith("GET "):
        return TEMPLATES[key]
    return PLAIN_GET


# Where a path parameter's valid values come from when the template does not fix it (a name
# not listed here takes ANY_SEGMENT's).
ANY_SEGMENT = ("private",)
PATH_VALUES: dict[str, tuple[str, ...]] = {
    "server_id": SERVERS,
    "volume_id": VOLUMES,
    "project_id": (CALLERS_PROJECT,),
    "flavor_id": tuple(FLAVORS),
    "rest": ("servers", "v3"),
    "rule_id": ("fault-1", "fault-2"),
    "name": (BASE_SNAPSHOT,),
    "image_id": (CIRROS,),
    "tag": ("fuzz",),
    "snapshot_id": (DATA_1,),  # the demo cloud has no snapshot or backup
    "backup_id": (DATA_1,),
    "key": ("k",),
}


# -- hostile values ------------------------------------------------------------------------
# Each strategy lists its most hostile branch first: hypothesis tries the simplest example of
# a strategy first, so every part of every route meets a number of thousands of digits (or
# the like) in its first example, and random ones after.

DIGIT_LENGTHS = (5000, 10000, 4301, 4300, 1, 2, 9, 10, 11, 19, 20, 39, 309, 310, 4299)
# Long text for queries, paths and headers; bodies go up to MAX_REQUEST_BODY (body-size).
LONG_SIZES = (10000, 60, 61, 255, 256, 4096)
NEST_DEPTHS = (990, 2, 64, 500, 900, 950, 1000, 1001, 5000, 19000, 57343, 57345, 100000)
SPECIAL_TEXT = (
    "\ud800", "", " ", "  padded  ", "\t", "\x00", "\x7f", "\x1b[31m", "null", "None", "true",
    "false", "True", "0", "-0", "-1", "+1", "1.5", "1e3", "1E400", "NaN", "nan", "inf",
    "-Infinity", "0x1F", "0o17", "1_000", " 12 ", "\u0661\u0662", "\uff12", "\u00b2",
    "\u00bd", "\u00e9t\u00e9", "\U0001f600", "\u202e", "\ufeff", "\u2028", "\u0301",
    "\udcff", "../../etc/passwd", "..", ".", "%2e%2e%2f", "%00", "%ff", "a/b", "a,b", "a b",
    "a;b", "a&b=c", "a=b", "#", "*", "**", "?", "[", "]", "{", "}", "{0}", "{}",
    "{server_id}", "{volumeId}", "{a.b}", "{x[0]}", "{path:>99999999999999999999}", "%s",
    "%(x)s", "' OR 1=1 --", "<script>alert(1)</script>", "${jndi:ldap://x}", "\\", "/", "//",
    "~", "demo", "admin", "Default", "default", "ACTIVE", "active", "available", "in-use",
    "deleted", "fault-1", "hostile-base", "web-1", "data-1", "/dev/vda", "/dev/vdz1",
    "m1.tiny", "latest", "compute 2.1", WEB_1, DATA_1, WEB_1.upper(), WEB_1.replace("-", ""),
    "{" + WEB_1 + "}", "urn:uuid:" + WEB_1, WEB_1 + "\n", WEB_1 + "\x00", WEB_1[:-1],
    "2019-01-01T00:00:00Z", "2019-13-45T99:99:99Z", "0001-01-01", "9999-12-31T23:59:59+14:00",
)
JSON_CONSTANTS = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "-0", "0.0",
                  "1E+2", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
                  "18446744073709551616", "1.0", "0.5e1")
BAD_BYTES = (b"\xff", b"\xfe\xff", b"\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80",
             b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82",
             b"\xc3", b"caf\xe9")
RAW_BODIES = (
    b"", b" ", b"{", b"}", b"[", b"null", b"NaN", b"-Infinity", b'""', b"0", b"\x00",
    b"\xff\xfe", b"\xef\xbb\xbf", b"\xef\xbb\xbf{}", b"{}", b"[]", b'{"a": 1,}', b"{'a': 1}",
    b"[1,", b"1 2", b'{"a" 1}', b"tru", b"\x00" * 16, b"{}\x00", b"{}{}", b"[" * 100000,
    b'{"a":' * 20000, '{"a": 1}'.encode("utf-16"), '{"a": 1}'.encode("utf-32-be"),
    b"volumeAttachment=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n1\r\n--x--",
)
# Python's codecs: "utf-16" and "utf-32" write a byte-order mark, the -le/-be ones do not.
ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
             "utf-8-sig", "latin-1", "cp1252", "utf-7")
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND")
QUERY_NAMES = ("limit", "offset", "marker", "sort", "sort_key", "sort_dir", "all_tenants",
               "status", "name", "with_count", "check", "nocatalog", "project", "method",
               "path", "service", "is_public", "minRam", "changes-since", "deleted", "fields")
CONTENT_TYPES = (
    "application/json; charset=utf-16", "application/json", "application/json; charset=latin-1",
    "application/json; charset=" + "x" * 8000, "application/vnd.openstack.compute+json",
    "application/vnd.openstack.volume+json", "application/vnd.openstack.identity-v3+json",
    "text/plain", "text/html", "image/png", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "multipart/form-data", "", ";", "application/JSON",
    "application/json;;", "application/json; q=" + "9" * 5000, "*/*", "application/",
    "/json", "application/json\x00", "application/json, text/plain")
ACCEPTS = ("application/json;q=" + "9" * 5000, "application/json", "text/html", "text/plain",
           "*/*", "", "application/json;q=0", "text/html;q=1e400", "a/b;q=NaN", ",,,",
           "text/*;q=-1", "application/json;q=0.5, text/html;q=0.5", "x" * 10000,
           "application/vnd.openstack.compute+json;version=2.1")
# The headers every route gets a part of its own for; OTHER_HEADERS share one part.
HEADER_PARTS = ("OpenStack-API-Version", "X-OpenStack-Nova-API-Version", "X-Auth-Token",
                "Content-Type", "Accept")
OTHER_HEADERS = ("Content-Length", "X-Subject-Token", "Host", "X-Fakenova-Control-Token",
                 "X-Forwarded-For", "Transfer-Encoding", "Accept-Encoding", "Expect",
                 "Authorization", "X-Openstack-Request-Id", "Cookie")


def _repeat(seed: str, length: int) -> str:
    return (seed * (length // len(seed) + 1))[:length]


@functools.cache
def digit_strings() -> st.SearchStrategy[str]:
    """Decimal numbers of any length, thousands of digits first."""
    return st.builds(lambda length, first, seed: (first + _repeat(seed, length))[:length],
                     st.sampled_from(DIGIT_LENGTHS), st.sampled_from("123456789"),
                     st.text("0123456789", min_size=1, max_size=4))


@functools.cache
def numeric_strings() -> st.SearchStrategy[str]:
    """Numbers written as text, of any length and in any form Python or a schema may read."""
    digits = digit_strings()
    return st.one_of(
        digits, digits.map(lambda d: "-" + d), digits.map(lambda d: "0" + d),
        digits.map(lambda d: f"{d}.{d}"), digits.map(lambda d: f"1e{d}"),
        digits.map(lambda d: f"2.{d}"), digits.map(lambda d: f"{d}.1"),
        digits.map(lambda d: f" {d} "), digits.map(lambda d: "\u0661" * min(len(d), 5000)),
        st.integers().map(str), st.sampled_from(JSON_CONSTANTS))


@functools.cache
def long_text() -> st.SearchStrategy[str]:
    return st.builds(_repeat, st.sampled_from(("a", "\u00e9", "9", " ", "\U0001f600", "/",
                                               "%", "{}", "\x00")),
                     st.sampled_from(LONG_SIZES))


@functools.cache
def hostile_text() -> st.SearchStrategy[str]:
    """Text for a query, a path or a header: numbers first, then the rest."""
    return st.one_of(numeric_strings(), st.sampled_from(SPECIAL_TEXT), long_text(),
                     st.text(max_size=24))


@functools.cache
def nesting() -> st.SearchStrategy[Raw]:
    def nest(depth: int, kind: str) -> Raw:
        if kind == "list":
            return Raw("[" * depth + "]" * depth)
        return Raw('{"a": ' * depth + "1" + "}" * depth)

    return st.builds(nest, st.sampled_from(NEST_DEPTHS), st.sampled_from(("list", "dict")))


@functools.cache
def raw_numbers() -> st.SearchStrategy[Raw]:
    """Bare JSON numbers (and Python's NaN and Infinity), of any length."""
    digits = digit_strings()
    return st.one_of(digits.map(Raw), digits.map(lambda d: Raw("-" + d)),
                     digits.map(lambda d: Raw(f"{d}.{d}")), digits.map(lambda d: Raw(f"1e{d}")),
                     digits.map(lambda d: Raw(f"0.{d}e-{d}")),
                     st.sampled_from(JSON_CONSTANTS).map(Raw))


@functools.cache
def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(raw_numbers(), hostile_text(), st.none(), st.booleans(),
                        st.integers(-(2**70), 2**70),
                        st.floats(allow_nan=False, allow_infinity=False))
    keys = st.one_of(st.sampled_from(SPECIAL_TEXT), st.text(max_size=8))
    containers = st.recursive(scalars, lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=3)),
        max_leaves=6)
    return st.one_of(scalars, nesting(), containers)


def grown(text: str) -> st.SearchStrategy[str]:
    """``text`` with every run of digits in it grown to any length: "compute 2.89" becomes
    "compute 2.<5,000 digits>", "fault-1" "fault-<10,000 digits>"."""
    return digit_strings().map(lambda digits: re.sub(r"[0-9]+", digits, text))


def body_values(original: Any) -> st.SearchStrategy[Any]:
    """What replaces one value of a valid body: its numbers grown, every other JSON type,
    and any JSON at all."""
    first: st.SearchStrategy[Any] = raw_numbers()
    if isinstance(original, str) and re.search(r"[0-9]", original):
        first = grown(original)
    return st.one_of(first, wrong_types(original), raw_numbers(), json_values())


def wrong_types(original: Any) -> st.SearchStrategy[Any]:
    """Values of every other JSON type than ``original`` (and its text as a string)."""
    others: list[Any] = [None, True, False, 0, 1, -1, 2**31, 2**63, 1.5, -0.0, "", "x", "1",
                         "true", [], {}, [None], {"": None}, [original], {"x": original}]
    if isinstance(original, (int, float)) and not isinstance(original, bool):
        others.append(str(original))
    if isinstance(original, str) and original.isdigit():
        others.append(int(original))
    return st.sampled_from(others)


@functools.cache
def version_headers(service: str, legacy: bool = False) -> st.SearchStrategy[str]:
    """``OpenStack-API-Version`` values, the route's own service first (with a version of
    thousands of digits); ``legacy``: the bare versions of ``X-OpenStack-Nova-API-Version``."""
    digits = digit_strings()
    major = "3." if service == "volume" else "2."
    numbers = st.one_of(
        digits.map(lambda d: major + d), digits.map(lambda d: d + ".1"),
        digits.map(lambda d: "3." + d if major == "2." else "2." + d),
        digits.map(lambda d: f"{d}.{d}"),
        st.sampled_from(("2.1", "2.104", "2.105", "2.0", "1.0", "3.0", "3.71", "3.72",
                         "latest", "LATEST", "2", "2.", ".1", "2.1.1", "02.1", "2.01", "2.-1",
                         "-2.1", "2.1 ", " 2.1", "2 .1", "\uff12.\uff11", "\u0662.\u0661",
                         "2.1e0", "", "2.1,2.2", "2.\u0661\u0660")),
        hostile_text())
    own = "volume" if service == "volume" else "compute"
    services = st.sampled_from((own, "compute", "volume", "COMPUTE", "Volume", "identity", "",
                                "compute,", "volume compute"))
    entry = st.builds(lambda service, sep, number: f"{service}{sep}{number}", services,
                      st.sampled_from((" ", "  ", "\t", "")), numbers)
    both = st.builds(lambda a, b: f"{a}, {b}", entry, entry)
    return st.one_of(numbers, entry, both) if legacy else st.one_of(entry, numbers, both)


@functools.cache
def header_values(name: str, service: str) -> st.SearchStrategy[str]:
    lowered = name.lower()
    if "api-version" in lowered:
        return version_headers(service, legacy=lowered.startswith("x-"))
    if lowered in ("x-auth-token", "x-subject-token"):
        return st.one_of(digit_strings().map(lambda d: "gAAAAA" + d),
                         st.sampled_from(tuple(TOKEN.values())), hostile_text())
    if lowered == "content-type":
        return st.one_of(st.sampled_from(CONTENT_TYPES), hostile_text())
    if lowered == "accept":
        return st.one_of(st.sampled_from(ACCEPTS), hostile_text())
    if lowered == "content-length":
        return st.one_of(numeric_strings(), st.sampled_from(("-1", "abc", "", "0", "1e3")))
    if lowered == "host":
        return st.one_of(st.sampled_from(("localhost:99999999999999999999", "", "[::1]",
                                          "a:b:c", "x" * 300, "evil.example")), hostile_text())
    return hostile_text()


@functools.cache
def path_values(name: str) -> st.SearchStrategy[str]:
    every_id = SERVERS + VOLUMES + tuple(PATH_VALUES.get(name, ()))
    return st.one_of(hostile_text(), st.sampled_from(every_id),
                     st.sampled_from((PROJECT["demo"], PROJECT["admin"], "detail", "action",
                                      "os-volume_attachments", "v2.1", "..", "servers")))


# -- building and changing requests --------------------------------------------------------


def _base_call(route: Route, valid: Valid, legacy_header: bool) -> Call:
    headers: list[tuple[str, str]] = []
    if valid.user is not None:
        headers.append(("X-Auth-Token", TOKEN[valid.user]))
    if valid.version is not None:
        if route.service == "volume":
            headers.append(("OpenStack-API-Version", f"volume {valid.version}"))
        elif legacy_header:
            headers.append(("X-OpenStack-Nova-API-Version", valid.version))
        else:
            headers.append(("OpenStack-API-Version", f"compute {valid.version}"))
    if valid.body is not NO_BODY and not any(n == "Content-Type" for n, _ in valid.headers):
        headers.append(("Content-Type", "application/json"))
    headers.extend(valid.headers)
    fixed = dict(valid.args)
    args = tuple((name, fixed.get(name, PATH_VALUES.get(name, ANY_SEGMENT)[0]))
                 for name in route.params)
    return Call(method=route.method, rule=route.rule, args=args, query=valid.query,
                headers=tuple(headers), body=Body(valid.body), user=valid.user)


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _paths(value, (*prefix, index))


def _has(tree: Any, path: tuple[Any, ...]) -> bool:
    return path in set(_paths(tree)) if tree is not NO_BODY else False


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        tree = tree[step]
    return tree


_REMOVE: Any = object()


def _put(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``tree`` with ``value`` at ``path`` (``_REMOVE`` takes the key away)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy: Any = dict(tree) if isinstance(tree, dict) else list(tree)
    new = _put(tree[head], rest, value)
    if new is _REMOVE:
        del copy[head]
    else:
        copy[head] = new
    return copy


def _string_paths(tree: Any) -> list[tuple[Any, ...]]:
    return [path for path in _paths(tree) if isinstance(_get(tree, path), str)]


def _body_tree(draw: st.DrawFn, call: Call) -> Any:
    """The call's JSON body; a GET or DELETE gets one to change."""
    if call.body.tree is not NO_BODY:
        return call.body.tree
    return draw(st.sampled_from(({"fakenova": "hostile"}, {}, [], None)))


def _with_body(call: Call, body: Body, change: str) -> Call:
    headers = call.headers
    if not any(name == "Content-Type" for name, _ in headers):
        headers = (*headers, ("Content-Type", "application/json"))
    return replace(call, body=body, headers=headers, change=change)


def _change_path(draw: st.DrawFn, call: Call, template: Template) -> Call:
    index = draw(st.integers(0, len(call.args) - 1)) if len(call.args) > 1 else 0
    name = call.args[index][0]
    value = draw(path_values(name), label=f"path {name}")
    args = (*call.args[:index], (name, value), *call.args[index + 1:])
    return replace(call, args=args, raw_path=draw(st.booleans()), change=f"path {name}")


def _change_query(draw: st.DrawFn, call: Call, template: Template) -> Call:
    """One query parameter: the route's own first, then any name; its valid value with its
    numbers grown first, then anything."""
    names = st.sampled_from(template.query_names) if template.query_names else st.nothing()
    name = draw(st.one_of(names, st.sampled_from(QUERY_NAMES), hostile_text()),
                label="query name")
    given = [value for key, value in call.query if key == name and re.search("[0-9]", value)]
    value = draw(st.one_of(grown(given[-1]), hostile_text()) if given else hostile_text(),
                 label="query value")
    how = draw(st.sampled_from(("set", "add", "remove")))
    kept = tuple(pair for pair in call.query if pair[0] != name or how == "add")
    query = kept if how == "remove" else (*kept, (name, value))
    return replace(call, query=query, change=f"query {how} {_short(name, 30)}")


def _change_header(draw: st.DrawFn, call: Call, name: str) -> Call:
    if name == "other":
        name = draw(st.sampled_from(OTHER_HEADERS), label="header")
    kept = tuple(pair for pair in call.headers if pair[0].lower() != name.lower())
    if name == "X-OpenStack-Nova-API-Version" and not draw(st.booleans()):
        # Nova reads the legacy header only when OpenStack-API-Version names no compute
        # version (microversion_parse.get_version): take that one away (in the first
        # example, and half the others).
        kept = tuple(pair for pair in kept if pair[0] != "OpenStack-API-Version")
    if name == "Content-Length":  # as a server hands it on, whatever the body's length
        value = draw(header_values(name, call.service), label="Content-Length")
        return replace(call, environ=(("CONTENT_LENGTH", value),), change="header " + name)
    if draw(st.integers(0, 5)) == 5:
        return replace(call, headers=kept, change=f"header {name} removed")
    value = draw(header_values(name, call.service), label=f"header {name}")
    return replace(call, headers=(*kept, (name, value)), change=f"header {name}")


def _change_value(draw: st.DrawFn, call: Call, path: tuple[Any, ...]) -> Call:
    tree = _body_tree(draw, call)
    value = draw(body_values(_get(tree, path)), label="body value")
    return _with_body(call, replace(call.body, tree=_put(tree, path, value)),
                      f"body value at {list(path)}")


def _change_key(draw: st.DrawFn, call: Call) -> Call:
    tree = _body_tree(draw, call)
    objects = [path for path in _paths(tree) if isinstance(_get(tree, path), dict)]
    if not objects:
        return _change_value(draw, call, ())
    path = draw(st.sampled_from(objects), label="object path")
    target: dict[str, Any] = _get(tree, path)
    how = draw(st.sampled_from(("twice", "remove", "add")))
    if how == "remove" and target:
        key = draw(st.sampled_from(sorted(target)))
        return _with_body(call, replace(call.body, tree=_put(tree, (*path, key), _REMOVE)),
                          f"body key {key!r} removed at {list(path)}")
    if how == "twice" and target:
        key = draw(st.sampled_from(sorted(target)))
        value = draw(st.one_of(wrong_types(target[key]), json_values()), label="second value")
        pairs = list(target.items())
        pairs.insert(draw(st.integers(0, len(pairs))), (key, value))
        return _with_body(call, replace(call.body, tree=_put(tree, path, Dup(tuple(pairs)))),
                          f"body key {key!r} given twice at {list(path)}")
    key = draw(st.one_of(st.sampled_from(SPECIAL_TEXT), st.text(max_size=12)), label="new key")
    value = draw(json_values(), label="new value")
    return _with_body(call, replace(call.body, tree=_put(tree, path, {**target, key: value})),
                      f"body key added at {list(path)}")


def _change_encoding(draw: st.DrawFn, call: Call) -> Call:
    tree = _body_tree(draw, call)
    encoding = draw(st.sampled_from(ENCODINGS), label="encoding")
    strings = _string_paths(tree)
    if strings and draw(st.booleans()):  # characters beyond ASCII, which codecs differ on
        path = draw(st.sampled_from(strings))
        tree = _put(tree, path, draw(st.sampled_from(("caf\u00e9", "\u00fcber \u00e9t\u00e9",
                                                      "\u20ac", "\U0001f600", "\ud800"))))
    return _with_body(call, Body(tree, encoding=encoding, ascii=draw(st.booleans())),
                      f"body in {encoding}")


def _change_bytes(draw: st.DrawFn, call: Call) -> Call:
    tree = _body_tree(draw, call)
    strings = _string_paths(tree)
    if strings and draw(st.integers(0, 2)) != 2:
        path = draw(st.sampled_from(strings))
        bad = draw(st.sampled_from(BAD_BYTES), label="bad bytes")
        return _with_body(call, Body(_put(tree, path, BadBytes(bad))),
                          f"invalid UTF-8 at {list(path)}")
    raw = draw(st.one_of(st.sampled_from(RAW_BODIES),
                         digit_strings().map(lambda d: d.encode())), label="raw body")
    return _with_body(call, Body(raw=raw), "raw body")


def _change_size(draw: st.DrawFn, call: Call) -> Call:
    tree = _body_tree(draw, call)
    size = draw(st.sampled_from((MAX_REQUEST_BODY, MAX_REQUEST_BODY + 1, MAX_REQUEST_BODY - 1,
                                 MAX_REQUEST_BODY + 4096, 4 * MAX_REQUEST_BODY)), label="size")
    strings = _string_paths(tree)
    if strings and draw(st.booleans()):  # one long string instead of whitespace
        path = draw(st.sampled_from(strings))
        # its placeholders resolved, the body may grow a little: the rest is whitespace
        room = size - len(json.dumps(tree)) + len(json.dumps(_get(tree, path))) - 2 - 64
        tree = _put(tree, path, Raw('"' + "a" * max(0, room) + '"'))
    return replace(_with_body(call, Body(tree, size=size), f"body of {size} bytes"),
                   chunked=draw(st.booleans()))


def _change_nesting(draw: st.DrawFn, call: Call) -> Call:
    tree = _body_tree(draw, call)
    path = draw(st.sampled_from(list(_paths(tree))), label="nested at")
    return _with_body(call, Body(_put(tree, path, draw(nesting(), label="nesting"))),
                      f"nesting at {list(path)}")


def _change_method(draw: st.DrawFn, call: Call) -> Call:
    method = draw(st.sampled_from([m for m in METHODS if m != call.method]), label="method")
    return replace(call, method=method, change=f"method {method}")


_BODY_CHANGES: dict[str, Callable[[st.DrawFn, Call], Call]] = {
    "body-key": _change_key, "body-encoding": _change_encoding, "body-bytes": _change_bytes,
    "body-size": _change_size, "body-nesting": _change_nesting,
}


@dataclass(frozen=True)
class Part:
    """What one hypothesis run changes in a route's valid requests."""

    key: str  # the route, as in TEMPLATES
    kind: str  # path, query, header <name>, body-value, body-..., body, chunked, method
    target: tuple[Any, ...] = ()  # the body path of a body-value part

    def __str__(self) -> str:
        where = ""
        if self.kind == "body-value":
            where = " " + ("/".join(map(str, self.target)) or "(the whole body)")
        return f"{self.key} | {self.kind}{where}"

    def valid(self) -> tuple[Valid, ...]:
        """The template's requests that have what this part changes."""
        valid = template(self.key).valid
        if self.kind == "body-value":
            return tuple(v for v in valid if _has(v.body, self.target))
        return valid


def parts_of(key: str) -> list[Part]:
    """One part per path parameter set, the query, each header of HEADER_PARTS (and the
    route's own), the other headers, each key of the valid bodies (``body-value``), the
    body's keys, encoding, bytes, size and nesting, the transfer and the method. A route
    without a body gets one part where each of those body changes may bring one."""
    template_ = template(key)
    parts = [Part(key, "query"), Part(key, "method")]
    if _VARIABLE.search(key):
        parts.append(Part(key, "path"))
    parts += [Part(key, f"header {name}")
              for name in (*HEADER_PARTS, *template_.header_names, "other")]
    bodies = [valid.body for valid in template_.valid if valid.body is not NO_BODY]
    if not bodies:
        return [*parts, Part(key, "body")]
    paths = sorted({path for body in bodies for path in _paths(body)}, key=repr)
    parts += [Part(key, "body-value", path) for path in paths]
    return [*parts, *(Part(key, kind) for kind in _BODY_CHANGES), Part(key, "chunked")]


def change(draw: st.DrawFn, call: Call, part: Part) -> Call:
    """``call`` with the part ``part`` names changed, everything else as the template has it."""
    template_ = template(part.key)
    kind = part.kind
    if kind == "path":
        return _change_path(draw, call, template_)
    if kind == "query":
        return _change_query(draw, call, template_)
    if kind.startswith("header "):
        return _change_header(draw, call, kind.removeprefix("header "))
    if kind == "body-value":
        return _change_value(draw, call, part.target)
    if kind in _BODY_CHANGES:
        return _BODY_CHANGES[kind](draw, call)
    if kind == "body":
        which = draw(st.sampled_from(("body-value", *_BODY_CHANGES)), label="body change")
        if which == "body-value":
            return _change_value(draw, call, ())
        return _BODY_CHANGES[which](draw, call)
    if kind == "chunked":
        return replace(call, chunked=True, change="chunked")
    if kind == "method":
        return _change_method(draw, call)
    assert kind == "none", kind
    return call


@st.composite
def calls(draw: st.DrawFn, routes: Sequence[Route], part: Part | None = None) -> Call:
    """A valid request for one of ``routes`` (all of one key when ``part`` is given) with
    ``part`` changed, or a part drawn at random (or none)."""
    route = draw(st.sampled_from(routes), label="route")
    if part is None:
        part = draw(st.sampled_from([Part(route.key, "none"), *parts_of(route.key)]),
                    label="part")
    valid = draw(st.sampled_from(part.valid()), label="template")
    call = _base_call(route, valid, legacy_header=draw(st.integers(0, 4)) == 4)
    return change(draw, call, part)


# -- fault rules aimed at a request --------------------------------------------------------

# Messages are format templates ({server_id}, {device}): the broken ones first.
RULE_MESSAGES = ("{0}", "{", "}", "{a.b}", "{volumeAttachment[x]}", "{server_id!z}",
                 "{path:>99999999999999999999}", "{server_id:d}", "{}", "{path:>20}",
                 "{server_id} broke", "Instance {server_id} is not attached to volume "
                 "{volume_id}", "{device} in use", "{volumeId}", "{method} {path}", "%s", "",
                 "\ud800", "\x00")
RULE_MATCHERS = ("service", "method", "path", "match", "project", "min_version",
                 "max_version")
RULE_BEHAVIOUR = ("times", "after", "probability", "seed", "delay_ms", "when", "action", "name")


@st.composite
def aimed_rules(draw: st.DrawFn, call: Call) -> dict[str, Any]:
    """A fault rule (or a preset) that may apply to ``call``, its keys drawn one by one: at
    its simplest, a status and a broken message and nothing to narrow it."""
    if draw(st.integers(0, 3)) == 3:
        preset = dict(draw(st.sampled_from(_PRESETS), label="preset"))
        for key in draw(st.lists(st.sampled_from(("times", "after", "probability", "seed",
                                                  "delay_ms", "status")), max_size=3)):
            preset[key] = draw(_rule_values(key, call), label=key)
        return preset
    rule: dict[str, Any] = {}
    for key in RULE_MATCHERS:
        if draw(st.integers(0, 3)) == 3:
            rule[key] = draw(_rule_values(key, call), label=key)
    for key in ("status", "message"):
        if draw(st.integers(0, 3)) != 3:
            rule[key] = draw(_rule_values(key, call), label=key)
    for key in RULE_BEHAVIOUR:
        if draw(st.booleans()):
            rule[key] = draw(_rule_values(key, call), label=key)
    return rule


def _rule_values(key: str, call: Call) -> st.SearchStrategy[Any]:
    spath = _SERVICE_PREFIX.sub("", _PROJECT_SEGMENT.sub("", call.rule)) or "/"
    concrete = _VARIABLE.sub(lambda m: dict(call.args).get(m[2], "x"), spath)
    leaves = [(path[-1], _get(call.body.tree, path)) for path in _paths(call.body.tree)
              if path and isinstance(path[-1], str)] if call.body.tree is not NO_BODY else []
    short = st.text(max_size=8)
    return {
        "service": st.sampled_from((call.service, "compute", "volume", "identity")),
        "method": st.sampled_from((call.method, call.method.lower(), "GET", "POST")),
        "path": st.one_of(st.sampled_from((concrete, _VARIABLE.sub("*", spath), "**", "/**",
                                           concrete + "/**", "/servers/*", "*/*")), short),
        "match": st.one_of(st.sampled_from(leaves).map(lambda kv: {kv[0]: kv[1]})
                           if leaves else st.just({}), st.dictionaries(short, json_values(),
                                                                       max_size=2)),
        "project": st.sampled_from((PROJECT["demo"], PROJECT["admin"], "nope")),
        "min_version": st.one_of(st.sampled_from(("2.1", "2.89", "3.0", "3.71", "1.0")),
                                 digit_strings().map(lambda d: "2." + d)),
        "max_version": st.one_of(st.sampled_from(("2.104", "2.88", "3.71", "9.9")),
                                 digit_strings().map(lambda d: "2." + d)),
        "status": st.sampled_from((400, 401, 403, 404, 409, 413, 418, 429, 500, 502, 503, 504,
                                   599)),
        "message": st.one_of(st.sampled_from(RULE_MESSAGES), hostile_text()),
        "times": st.integers(1, 3),
        "after": st.integers(0, 2),
        "probability": st.one_of(st.sampled_from((1, 0.5, 1e-300, 0)), st.floats(0, 1)),
        "seed": st.one_of(st.integers(), st.integers(-(2**200), 2**200)),
        "delay_ms": st.sampled_from((0, 1, 5, 2000, 600000)),
        "when": st.sampled_from(("before", "after")),
        "action": st.sampled_from(("respond", "drop", "truncate")),
        "name": hostile_text(),
    }[key]


# -- the cloud under test ------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """What the control API shows of the cloud: the part a refused request must not change,
    and each fault rule's counters."""

    state: Any
    rules: tuple[str, ...]
    snapshots: tuple[str, ...]
    clock: tuple[Any, ...]
    fired: dict[str, int]

    @property
    def comparable(self) -> tuple[Any, ...]:
        return self.state, self.rules, self.snapshots, self.clock


class Harness:
    """The demo cloud behind the Flask test client, with tokens for demo and admin."""

    def __init__(self) -> None:
        self.app = create_app(["demo"])
        self.cloud: Cloud = self.app.extensions["fakenova"]
        self.delays: list[float] = []
        self.cloud.sleep = self.delays.append  # delay_ms is recorded, never slept
        self.client: FlaskClient = self.app.test_client()
        self.values: dict[str, str] = {}
        self.tokens_at_risk = True
        self.rules_by_id: dict[str, dict[str, Any]] = {}
        self.baseline: Observation | None = None  # what fresh() gives, observed
        self.clean = False  # nothing sent since fresh()
        self.pristine = False  # the cloud is seen to be as fresh() leaves it
        self.resets = 0
        self._check_tokens()
        spent = self.values[TOKEN["spare"]]
        self._login("spare", "demo")
        self._ok(self.client.delete("/identity/v3/auth/tokens", headers={
            "X-Auth-Token": self.values[TOKEN["admin"]], "X-Subject-Token": spent}), 204)
        self.values[TOKEN["revoked"]] = spent
        self._ok(self.client.post("/_fakenova/snapshots", json={"name": BASE_SNAPSHOT}), 201)
        self._check_delays_are_recorded()
        self.app.services.all()
        self.routes = [Route(method, rule.rule) for rule in self.app.url_map.iter_rules()
                       for method in sorted((rule.methods or set()) - _AUTOMATIC)]

    def _check_delays_are_recorded(self) -> None:
        """A rule's delay_ms reaches Cloud.sleep, which records it here: generated rules may
        ask for up to 600 s without the test ever waiting."""
        self._ok(self.client.post("/_fakenova/faults", json={"path": "/", "delay_ms": 20}), 201)
        self.client.get("/identity/")
        self._ok(self.client.delete("/_fakenova/faults"), 204)
        assert self.delays == [0.02], "fakenova no longer waits through Cloud.sleep"
        self.delays.clear()

    @staticmethod
    def _ok(answer: TestResponse, status: int) -> TestResponse:
        assert answer.status_code == status, answer.get_data(as_text=True)
        return answer

    def _login(self, name: str, user: str) -> None:
        answer = self._ok(self.client.post("/identity/v3/auth/tokens", json=_auth(user)), 201)
        token = answer.get_json()["token"]
        self.values[TOKEN[name]] = answer.headers["X-Subject-Token"]
        if name == user:
            self.values[PROJECT[user]] = token["project"]["id"]
            self.values[USER_ID[user]] = token["user"]["id"]

    def _check_tokens(self) -> None:
        """Log in again whoever a request revoked (or whose project it removed)."""
        for name, user in (("demo", "demo"), ("admin", "admin"), ("spare", "demo")):
            token = self.values.get(TOKEN[name])
            if token is None or self.client.head("/identity/v3/auth/tokens", headers={
                    "X-Auth-Token": token, "X-Subject-Token": token}).status_code != 200:
                self._login(name, user)
        self.tokens_at_risk = False

    def routes_of(self, *services: str) -> list[Route]:
        return [route for route in self.routes if route.service in services]

    def fresh(self) -> None:
        """The demo cloud as it starts, rule 1 (which never fires), and the base snapshot."""
        self.delays.clear()
        if self.pristine:  # a refused request left it so: nothing to put back
            self.pristine, self.clean = False, True
            return
        self._ok(self.client.post("/_fakenova/reset"), 204)
        if self.tokens_at_risk:
            self._check_tokens()
        self._ok(self.client.post("/_fakenova/faults", json=NEVER_FIRES), 201)
        snapshots = self.client.get("/_fakenova/snapshots").get_json()["snapshots"]
        for name in snapshots:
            if name != BASE_SNAPSHOT and self.client.delete(
                    f"/_fakenova/snapshots/{quote(_bytes(name), safe='')}").status_code != 204:
                # A name no URL can carry ("a/b", a lone surrogate): gone the direct way.
                self.cloud.delete_snapshot(name)
        if BASE_SNAPSHOT not in snapshots:
            self._ok(self.client.post("/_fakenova/snapshots", json={"name": BASE_SNAPSHOT}),
                     201)
        self.resets += 1
        if self.baseline is None or self.resets % 50 == 0:  # observed once, checked now and then
            seen = self.observe()
            assert self.baseline is None or seen.comparable == self.baseline.comparable, (
                "POST /_fakenova/reset did not bring the demo cloud back:\n"
                + _difference(self.baseline, seen))
            self.baseline = seen
        self.clean = True

    def resolve(self, text: str, user: str | None = None) -> str:
        if text == CALLERS_PROJECT:
            return self.values[PROJECT[user or "demo"]]
        return self.values.get(text, text)

    def observe(self) -> Observation:
        state = self._ok(self.client.get("/_fakenova/state"), 200).get_json()
        rules = self._ok(self.client.get("/_fakenova/faults"), 200).get_json()["faults"]
        snapshots = self._ok(self.client.get("/_fakenova/snapshots"), 200).get_json()
        clock = self._ok(self.client.get("/_fakenova/clock"), 200).get_json()
        self.rules_by_id = {rule["id"]: rule for rule in rules}
        return Observation(
            state=state,
            rules=tuple(json.dumps({k: v for k, v in rule.items() if k not in ("seen", "fired")},
                                   sort_keys=True) for rule in rules),
            snapshots=tuple(snapshots["snapshots"]), clock=(clock["mode"], clock["pending"]),
            fired={rule["id"]: rule["fired"] for rule in rules})

    def url(self, call: Call) -> str:
        args = dict(call.args)
        safe = "/" if call.raw_path else ""

        def segment(match: re.Match[str]) -> str:
            value = self.resolve(args[match[2]], call.user)
            return quote(_bytes(value), safe="/" if match[1] == "path" else safe)

        return _VARIABLE.sub(segment, call.rule)

    def query_string(self, call: Call) -> bytes:
        return "&".join(quote(_bytes(self.resolve(name)), safe="") + "="
                        + quote(_bytes(self.resolve(value, call.user)), safe="")
                        for name, value in call.query).encode()

    def send(self, call: Call) -> tuple[TestResponse | None, bytes | None]:
        """The answer (None when a fault rule dropped the connection) and the body sent."""
        headers = [(name, _wire(self.resolve(value, call.user)))
                   for name, value in call.headers]
        data = encode_body(call.body, lambda text: self.resolve(text, call.user))
        options: dict[str, Any] = {"method": call.method, "headers": headers,
                                   "query_string": self.query_string(call).decode(),
                                   "environ_overrides": dict(call.environ)}
        if call.chunked:
            options["input_stream"] = io.BytesIO(data or b"")
            options["headers"] = [*headers, ("Transfer-Encoding", "chunked")]
            options["environ_overrides"]["wsgi.input_terminated"] = True
        elif data is not None:
            options["data"] = data
        if call.service in ("identity", "control") and call.method == "DELETE":
            self.tokens_at_risk = True  # a token revoked, or a project removed
        self.clean = False
        try:
            return self.client.open(self.url(call), **options), data
        except ConnectionAbortedError:
            return None, data

    def check(self, call: Call) -> TestResponse | None:
        """Send ``call`` and assert (a), (b) and (c) of the module's docstring."""
        # Right after fresh() the cloud is the baseline; a service request served there (no
        # rule but the one that never fires) needs no second look unless it was refused.
        plain = self.clean and call.service != "control"
        before = self.baseline if self.clean and self.baseline else self.observe()
        answer, data = self.send(call)
        refused = answer is None or answer.status_code >= 400
        after = self.observe() if refused or not plain else before
        report = self.describe(call, answer, data)
        fired = [rule_id for rule_id, count in after.fired.items()
                 if count > before.fired.get(rule_id, 0)]
        rule = self.rules_by_id[fired[0]] if fired else {}
        assert all(0 <= delay <= 600 for delay in self.delays), self.delays
        self.delays.clear()
        refused_before = rule.get("when", "before") == "before"  # so nothing was applied
        if rule.get("action") == "drop":
            assert answer is None, f"rule {rule} fired but did not drop:\n{report}"
            if refused_before:
                assert after.comparable == before.comparable, (
                    f"a dropped request changed the state:\n{report}\n"
                    f"{_difference(before, after)}")
            return None
        assert answer is not None, f"the connection was dropped with no rule firing:\n{report}"
        status = answer.status_code
        if rule.get("status") is not None and rule.get("action", "respond") == "respond":
            assert status == rule["status"], f"rule {rule} fired, but:\n{report}"
            if refused_before:
                assert after.comparable == before.comparable, (
                    f"a request a rule refused changed the state:\n{report}\n"
                    f"{_difference(before, after)}")
            return answer
        assert status < 500, f"a 5xx answer:\n{report}"
        if status >= 400:
            assert after.comparable == before.comparable, (
                f"a refused request changed the state:\n{report}\n{_difference(before, after)}")
            self.pristine = (call.service != "control" and self.baseline is not None
                             and after.comparable == self.baseline.comparable)
        if (call.service in ("compute", "volume") and call.method in ("POST", "PUT")
                and data and not upstream_reads(data)):
            assert not 200 <= status < 300, (
                f"a body upstream cannot read as JSON (UTF-8 only) was accepted:\n{report}")
        return answer

    def describe(self, call: Call, answer: TestResponse | None, data: bytes | None) -> str:
        query = self.query_string(call).decode()
        lines = [f"{call.method} {_short(self.url(call) + ('?' + query if query else ''), 150)}"
                 f"  (changed: {call.change})"]
        for name, value in call.headers:
            lines.append(f"  {name}: {_short(_wire(self.resolve(value, call.user)), 80)}")
        if call.chunked:
            lines.append("  Transfer-Encoding: chunked (no Content-Length)")
        for name, value in call.environ:
            lines.append(f"  environ {name}={_short(value, 40)}")
        if data is not None:
            lines.append(f"  body ({len(data)} bytes): {_short(data, 150)}")
        if answer is None:
            lines.append("-> connection dropped")
        else:
            lines.append(f"-> {answer.status_code} "
                         f"{_short(answer.get_data(as_text=True), 300)}")
        return "\n".join(lines)


def _bytes(text: str) -> bytes:
    """UTF-8, where U+DC80..U+DCFF stand for the bytes 0x80..0xFF that are not UTF-8 (and
    other lone surrogates are written as CESU-8 would)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _wire(value: str) -> str:
    """A header as a WSGI server hands it on: its UTF-8 bytes read as latin-1, on one line."""
    text = value.encode("utf-8", "surrogatepass").decode("latin-1")
    return text.replace("\r", "").replace("\n", "")


def _difference(before: Observation, after: Observation) -> str:
    """Where two observations differ, briefly."""
    lines = []
    for section in ("servers", "volumes"):
        old = {item["id"]: item for item in before.state.get(section, [])}
        new = {item["id"]: item for item in after.state.get(section, [])}
        for ident in sorted(old.keys() | new.keys()):
            if ident not in old or ident not in new:
                lines.append(f"{section} {ident}: {'added' if ident in new else 'removed'}")
            elif old[ident] != new[ident]:
                keys = [k for k in old[ident] if old[ident][k] != new[ident].get(k)]
                lines.append(f"{section} {ident}: " + ", ".join(
                    f"{k} {_short(repr(old[ident][k]), 40)} -> "
                    f"{_short(repr(new[ident].get(k)), 40)}" for k in keys))
    for name in ("rules", "snapshots", "clock"):
        if getattr(before, name) != getattr(after, name):
            lines.append(f"{name}: {getattr(before, name)} -> {getattr(after, name)}")
    return "\n".join(lines)


# -- the tests -----------------------------------------------------------------------------


def budget(examples: int) -> settings:
    """A fixed seed (derandomize), no deadline, no example database."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink), print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def harness() -> Harness:
    return Harness()


def test_every_route_has_a_template(harness: Harness) -> None:
    """Every method of every rule of the URL map has a template here, and every path
    parameter a source of valid values: a new route is fuzzed from the day it is added."""
    missing = sorted({route.key for route in harness.routes if route.key not in TEMPLATES
                      and route.method != "GET"})
    assert not missing, f"routes with no template in TEMPLATES: {missing}"
    stale = sorted(set(TEMPLATES) - {route.key for route in harness.routes})
    assert not stale, f"templates of routes the app no longer has: {stale}"
    unserved = sorted({route.rule for route in harness.routes if route.service is None})
    assert not unserved, f"routes outside identity, compute, volume and _fakenova: {unserved}"
    params = {name for route in harness.routes if route.key in TEMPLATES
              for name in route.params}
    unknown = sorted(params - set(PATH_VALUES))
    assert not unknown, f"path parameters with no values in PATH_VALUES: {unknown}"
    assert {route.service for route in harness.routes} == set(_SERVICES.values())


def test_templates_are_valid_requests(harness: Harness) -> None:
    """Each template, unchanged, is served (not refused for its form): the hostile changes
    start from a request that reaches the handler's end. Those that the demo cloud's state
    refuses (a locked server, a shelved one) may answer 403, 404 or 409."""
    refused = []
    for route in harness.routes:
        for valid in template(route.key).valid:
            harness.fresh()
            call = _base_call(route, valid, legacy_header=False)
            answer = harness.check(call)
            if answer is None or (answer.status_code in (400, 401, 405, 406, 415)
                                  and answer.status_code != valid.refused):
                refused.append(harness.describe(
                    call, answer, encode_body(call.body, lambda text: harness.resolve(text))))
    assert not refused, "\n\n".join(refused)


def _every_rule() -> list[Rule]:
    app = create_app()
    app.services.all()
    return list(app.url_map.iter_rules())


ROUTE_KEYS = sorted({route_key(method, rule.rule) for rule in _every_rule()
                     for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}})
PARTS = [part for key in ROUTE_KEYS for part in parts_of(key)]


def examples(part: Part) -> int:
    """Examples per part (the first the most hostile): 3 for one key of a body, which has a
    dozen neighbours; 4 for a header or the method; 6 for the rest."""
    if part.kind == "body-value":
        return 3
    return 4 if part.kind.startswith("header") or part.kind == "method" else 6


@pytest.mark.slow  # some 800 hypothesis runs: the whole suite has them, the fast subset not
@pytest.mark.parametrize("part", PARTS, ids=str)
def test_hostile_input(harness: Harness, part: Part) -> None:
    """A route's valid requests with ``part`` changed to generated values: (a), (b) and (c)
    of the module's docstring hold for every answer."""
    routes = [route for route in harness.routes if route.key == part.key]
    assert routes, f"the app has no route {part.key}"

    @budget(examples(part))
    @given(call=calls(routes, part))
    def send(call: Call) -> None:
        harness.fresh()
        harness.check(call)

    send()


@pytest.mark.slow
@pytest.mark.parametrize("service", ["identity", "compute", "volume"])
def test_fault_rules_fire_on_hostile_requests(harness: Harness, service: str) -> None:
    """A rule posted to /_fakenova/faults (status, message, times, after, probability, seed,
    delay_ms, when, action, or a preset), aimed at a request to ``service``, then that
    request a few times: an answer a rule gives has the rule's status, one it drops is
    dropped, and everything else holds (a), (b) and (c)."""
    routes = harness.routes_of(service)

    @budget(120)
    @given(data=st.data())
    def send(data: st.DataObject) -> None:
        call = data.draw(calls(routes), label="request")
        rule = data.draw(aimed_rules(call), label="rule")
        harness.fresh()
        posted = harness.check(Call("POST", "/_fakenova/faults", headers=(
            ("Content-Type", "application/json"),), body=Body(rule), user=None, change="rule"))
        note(f"the rule was answered {posted.status_code if posted else None}")
        for _ in range(data.draw(st.integers(1, 3), label="times sent")):
            harness.check(call)

    send()
