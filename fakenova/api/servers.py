"""``/servers`` and ``/flavors``: the parts of Nova's servers API clients use around
attachments. Each view parses, validates against ``schemas/compute/``, calls one domain
function and renders the answer as upstream's view builders do at the request's version."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import json
import re
import secrets
import string
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import jsonschema
from flask import Blueprint, Response, g, request
from jsonschema.protocols import Validator

from ..domain import servers
from ..domain.flavors import FLAVORS, Flavor, flavor_for
from ..domain.model import Context, Server
from ..domain.servers import BlockDeviceRequest
from ..errors import BadRequest, NotFound
from ..microversion import MAX_VERSION, APIVersion, v
from ..resources import schemas_dir
from ..validation import _body_message, _query_message, is_uuid_like
from .common import cloud, context
from .faults import json_response

bp = Blueprint("servers", __name__)

Schema = dict[str, Any]

MAX_LIMIT = 1000  # CONF.api.max_limit
_PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")
# Filters a non-admin may use (servers._get_server_search_options); others are dropped.
_USER_FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("2.1", ("reservation_id", "name", "status", "image", "flavor", "ip", "changes-since",
             "all_tenants")),
    ("2.5", ("ip6",)),
    ("2.26", ("tags", "tags-any", "not-tags", "not-tags-any")),
    ("2.66", ("changes-before",)),
    ("2.73", ("locked",)),
    ("2.83", ("availability_zone", "config_drive", "key_name", "created_at", "launched_at",
              "terminated_at", "power_state", "task_state", "vm_state", "progress",
              "user_id")),
    ("2.90", ("hostname",)),
)
# The server actions served: request key -> the domain's name for it.
_ACTIONS = {"os-stop": "stop", "os-start": "start", "reboot": "reboot", "shelve": "shelve",
            "shelveOffload": "shelveOffload", "unshelve": "unshelve", "lock": "lock",
            "unlock": "unlock"}
_TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
_FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")
_PASSWORD_SYMBOLS = ("23456789", "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz")


def _version() -> APIVersion:
    return g.version


# -- request schemas: schemas/compute/*.json --------------------------------------------


class _InvalidName(Exception):
    """A ``name`` format failure; Nova answers with this text instead of jsonschema's."""


def _printable(char: str) -> bool:
    category = unicodedata.category(char)
    return not category.startswith("C") and (not category.startswith("Z") or category == "Zs")


@functools.cache
def _printable_range() -> str:
    """The character class of printable characters below U+FFFF, built as upstream's
    parameter_types._build_regex_range builds it (so pattern errors quote the same regex)."""
    regex, in_range, last, last_added, char = "", False, "", "", ""
    for char in map(chr, range(0xFFFF)):
        if _printable(char):
            if not in_range:
                regex += re.escape(char)
                last_added = char
            in_range = True
        else:
            if in_range and last != last_added:
                regex += "-" + re.escape(last)
            in_range = False
        last = char
    if in_range:
        regex += "-" + re.escape(char)
    return regex


def _check_name(value: object) -> bool:
    """Printable characters (below U+FFFF), not starting or ending with whitespace."""
    if (isinstance(value, str) and all(ord(c) < 0xFFFF and _printable(c) for c in value)
            and not (value and "Zs" in (unicodedata.category(value[0]),
                                        unicodedata.category(value[-1])))):
        return True
    raise _InvalidName("printable characters. Can not start or end with whitespace.")


def _check_base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value)
    except (binascii.Error, ValueError):
        return False
    return True


def _check_regex(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        re.compile(value)
    except re.error:
        return False
    return bool(value)


def _check_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@functools.cache
def _format_checker() -> jsonschema.FormatChecker:
    """jsonschema's formats, with Nova's own uuid, name, base64, regex and date-time."""
    checker = jsonschema.FormatChecker()
    checker.checks("uuid")(lambda value: not isinstance(value, str) or is_uuid_like(value))
    checker.checks("name", raises=_InvalidName)(_check_name)
    checker.checks("base64")(_check_base64)
    checker.checks("regex")(_check_regex)
    checker.checks("date-time")(_check_date_time)
    return checker


def _number(instance: Any) -> int | float | None:
    for kind in (int, float):
        try:
            number: int | float = kind(instance)
        except (TypeError, ValueError):
            continue
        return number
    return None


def _bound(keyword: str) -> Any:
    """Nova checks minimum and maximum on numbers written as strings too ("10")."""
    original = jsonschema.Draft202012Validator.VALIDATORS[keyword]

    def check(validator: Validator, bound: Any, instance: Any, schema: Schema) -> Iterator[Any]:
        number = _number(instance)
        if number is not None:
            yield from original(validator, bound, number, schema)
    return check


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"minimum": _bound("minimum"), "maximum": _bound("maximum")})


@functools.cache
def _document(name: str) -> Schema:
    """A file of schemas/compute/, with the printable-characters class filled in."""
    text = schemas_dir().joinpath("compute", name).read_text(encoding="utf-8")
    document: Schema = json.loads(text.replace("<printable>",
                                               json.dumps(_printable_range())[1:-1]))
    return document


def _at_version(schema: Schema, version: APIVersion) -> Schema:
    """The schema at ``version``: its x-microversions (JSON Patch operations, each with a
    [min, max] range of versions) applied in order where the range holds ``version``."""
    result = copy.deepcopy({key: value for key, value in schema.items()
                            if not key.startswith("x-")})
    for patch in schema.get("x-microversions", ()):
        if not v(patch.get("min", "2.1")) <= version <= v(patch.get("max", str(MAX_VERSION))):
            continue
        *parents, last = patch["path"].split("/")[1:]
        target = functools.reduce(lambda node, key: node[key], parents, result)
        if patch["op"] == "remove":
            del target[last]
        elif last == "-":
            target.append(copy.deepcopy(patch["value"]))
        else:
            target[last] = copy.deepcopy(patch["value"])
    return result


@functools.cache
def _schema(name: str, version: APIVersion, action: str | None = None) -> Schema:
    document = _document(name)
    return _at_version(document[action] if action else document, version)


@functools.cache
def _validator(name: str, version: APIVersion, action: str | None = None) -> Validator:
    schema = _schema(name, version, action)
    _Validator.check_schema(schema)
    return _Validator(schema, format_checker=_format_checker())


def _first_error(validator: Validator, instance: object) -> jsonschema.ValidationError | None:
    return next(iter(validator.iter_errors(instance)), None)


def _validate_body(name: str, body: object, action: str | None = None) -> None:
    error = _first_error(_validator(name, _version(), action), body)
    if error is None:
        return
    if isinstance(error.cause, _InvalidName):
        raise BadRequest(f"An invalid 'name' value was provided. The name must be: "
                         f"{error.cause}")
    raise BadRequest(_body_message(error))


def _validated_query(name: str) -> dict[str, list[str]]:
    """The query string (name -> values) once upstream's schema accepts it. Where the schema
    tolerates unknown names (before 2.75 for lists) they are dropped, as Nova strips them."""
    query = request.args.to_dict(flat=False)
    error = _first_error(_validator(name, _version()), query)
    if error is not None:
        raise BadRequest(_query_message(error))
    schema = _schema(name, _version())
    if schema.get("additionalProperties", True) is not False:
        patterns = "|".join(schema.get("patternProperties", {}))
        query = {key: values for key, values in query.items()
                 if key in schema["properties"] or (patterns and re.match(patterns, key))}
    return query


# -- small upstream helpers -------------------------------------------------------------


def _bool_from_string(value: object, strict: bool = False) -> bool:
    """oslo's strutils.bool_from_string."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE_STRINGS:
        return True
    if strict and text not in _FALSE_STRINGS:
        acceptable = ", ".join(f"'{s}'" for s in sorted(_TRUE_STRINGS + _FALSE_STRINGS))
        raise BadRequest(f"Invalid input received: Unrecognized value '{value}', acceptable "
                         f"values are: {acceptable}")
    return False


def _id_from_href(href: object) -> str:
    return urlsplit(str(href)).path.split("/")[-1]


def _url(*parts: str) -> str:
    return "/".join(part.strip("/") for part in parts if part)


def _project_segment(ctx: Context) -> str:
    """Links carry the project id when the request's URL did."""
    return ctx.project_id if ctx.project_id in request.url else ""


def _href(collection: str, ident: str, bookmark: bool = False) -> str:
    base = f"{request.host_url}compute" if bookmark else f"{request.host_url}compute/v2.1"
    return _url(base, _project_segment(context()), collection, ident)


def _links(collection: str, ident: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": _href(collection, ident)},
            {"rel": "bookmark", "href": _href(collection, ident, bookmark=True)}]


def _next_links(collection: str, items: list[Any], query: Mapping[str, list[str]],
                last_id: str) -> list[dict[str, str]]:
    """A ``next`` link when the page is full (common.ViewBuilder._get_collection_links)."""
    limit = min(int(query["limit"][-1]) if "limit" in query else MAX_LIMIT, MAX_LIMIT)
    if not limit or limit != len(items):
        return []
    params = {key: values[-1] for key, values in sorted(query.items())}
    params["marker"] = last_id
    url = _url(f"{request.host_url}compute/v2.1", _project_segment(context()), collection)
    return [{"rel": "next", "href": f"{url}?{urlencode(params)}"}]


def _page(items: list[Any], query: Mapping[str, list[str]], ident: Any) -> list[Any]:
    """limit and marker (common.get_limit_and_marker): the items after the marker."""
    if "marker" in query:
        marker = query["marker"][-1]
        index = next((i for i, item in enumerate(items) if ident(item) == marker), None)
        if index is None:
            raise BadRequest(f"marker [{marker}] not found")
        items = items[index + 1:]
    limit = min(int(query["limit"][-1]) if "limit" in query else MAX_LIMIT, MAX_LIMIT)
    return items[:limit]


def _isotime(text: str) -> str:
    return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hostname(server: Server) -> str:
    """utils.sanitize_hostname of the display name, as the hostname Nova gives a server."""
    name = server.name.encode("latin-1", "ignore").decode("latin-1")[:63]
    name = re.sub(r"[ _\.]", "-", name)
    name = re.sub(r"[^\w.-]+", "", name).lower().strip(".-")
    return name or f"Server-{server.id}"[:63]


def _accepted(status: int = 202) -> Response:
    return Response(b"", status=status, content_type="application/json")


# -- rendering ---------------------------------------------------------------------------


def render_flavor_of(server: Server, version: APIVersion) -> dict[str, Any]:
    """A server's flavor: a link before 2.47, the flavor's figures from 2.47."""
    flavor = flavor_for(server.flavor_ref)
    if version < v("2.47"):
        return {"id": flavor.id,
                "links": [{"rel": "bookmark",
                          "href": _href("flavors", flavor.id, bookmark=True)}]}
    # show:flavor-extra-specs is a reader rule, so everyone who can see the server sees them
    return {"vcpus": flavor.vcpus, "ram": flavor.ram, "disk": flavor.disk,
            "ephemeral": flavor.ephemeral, "swap": flavor.swap, "original_name": flavor.name,
            "extra_specs": dict(flavor.extra_specs)}


def render_image_of(server: Server, version: APIVersion) -> dict[str, Any] | str:
    """The image a server booted from; "" when it boots from a volume."""
    if not server.image_ref:
        return ""
    image_id = _id_from_href(server.image_ref)
    image: dict[str, Any] = {
        "id": image_id,
        "links": [{"rel": "bookmark", "href": _href("images", image_id, bookmark=True)}]}
    if version >= v("2.98"):
        image["properties"] = {}
    return image


def _availability_zone(server: Server) -> str:
    """The host's zone once scheduled; a server never scheduled has none yet."""
    return "nova" if server.host or server.launched_at else ""


def render_server(server: Server, version: APIVersion, ctx: Context,
                  show: bool = False) -> dict[str, Any]:
    """One server as GET /servers/{id} (``show``) or an item of /servers/detail gives it."""
    status = server.status
    item: dict[str, Any] = {
        "accessIPv4": "", "accessIPv6": "", "addresses": {},
        "created": _isotime(server.created), "flavor": render_flavor_of(server, version),
        "hostId": (hashlib.sha224((server.project_id + server.host).encode()).hexdigest()
                   if server.host else ""),
        "id": server.id, "image": render_image_of(server, version),
        "links": _links("servers", server.id), "metadata": dict(server.metadata),
        "name": server.name, "status": status, "tenant_id": server.project_id,
        "user_id": server.user_id, "updated": _isotime(server.updated),
        "OS-DCF:diskConfig": "MANUAL",
    }
    if status in _PROGRESS_STATUSES:
        item["progress"] = 0
    item.update({
        "OS-EXT-AZ:availability_zone": _availability_zone(server), "config_drive": "",
        "key_name": None, "OS-SRV-USG:launched_at": server.launched_at,
        "OS-SRV-USG:terminated_at": None,
    })
    if ctx.is_admin:  # os_compute_api:os-extended-server-attributes
        item.update({"OS-EXT-SRV-ATTR:host": server.host,
                     "OS-EXT-SRV-ATTR:instance_name":
                         f"instance-{zlib.crc32(server.id.encode()):08x}",
                     "OS-EXT-SRV-ATTR:hypervisor_hostname": server.host})
        if version >= v("2.3"):
            item.update({
                "OS-EXT-SRV-ATTR:hostname": _hostname(server),
                "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:launch_index": 0,
                "OS-EXT-SRV-ATTR:ramdisk_id": "",
                "OS-EXT-SRV-ATTR:reservation_id":
                    f"r-{hashlib.sha1(server.id.encode()).hexdigest()[:8]}",
                "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda" if server.launched_at else None,
                "OS-EXT-SRV-ATTR:user_data": None,
            })
    item.update({"OS-EXT-STS:task_state": server.task_state,
                 "OS-EXT-STS:vm_state": server.vm_state,
                 "OS-EXT-STS:power_state": server.power_state})
    volumes = []
    for bdm in server.bdms:
        if bdm.volume_id:
            volumes.append({"id": bdm.volume_id} if version < v("2.3") else
                           {"id": bdm.volume_id,
                            "delete_on_termination": bdm.delete_on_termination})
    item["os-extended-volumes:volumes_attached"] = volumes
    if version >= v("2.9"):
        item["locked"] = server.locked
    if version >= v("2.16") and ctx.is_admin:  # show:host_status is admin only
        item["host_status"] = "UP" if server.host else ""
    if version >= v("2.19"):
        item["description"] = server.description
    if version >= v("2.26"):
        item["tags"] = []
    if version >= v("2.63"):
        item["trusted_image_certificates"] = None
    if show and version >= v("2.71"):
        item["server_groups"] = []
    if version >= v("2.73"):
        item["locked_reason"] = None
    if version >= v("2.90") and not ctx.is_admin:
        item["OS-EXT-SRV-ATTR:hostname"] = _hostname(server)
    if version >= v("2.96"):
        item["pinned_availability_zone"] = None
    if version >= v("2.100"):
        item["scheduler_hints"] = {}
    return item


def render_flavor(flavor: Flavor, version: APIVersion, detail: bool = True) -> dict[str, Any]:
    """A flavor as /flavors (``detail`` False), /flavors/detail and /flavors/{id} give it."""
    item: dict[str, Any] = {"id": flavor.id, "name": flavor.name}
    if detail:
        item.update({"ram": flavor.ram, "disk": flavor.disk,
                     "swap": flavor.swap or (0 if version >= v("2.75") else ""),
                     "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
                     "OS-FLV-DISABLED:disabled": False, "vcpus": flavor.vcpus,
                     "os-flavor-access:is_public": True, "rxtx_factor": 1.0})
    item["links"] = _links("flavors", flavor.id)
    if version >= v("2.55"):
        item["description"] = None
    if detail and version >= v("2.61"):  # os-flavor-extra-specs:index is a reader rule
        item["extra_specs"] = dict(flavor.extra_specs)
    if detail and version >= v("2.102"):
        del item["OS-FLV-DISABLED:disabled"], item["rxtx_factor"]
    return item


# -- servers: list, show ----------------------------------------------------------------


def _listed_servers(detail: bool) -> tuple[list[Server], dict[str, list[str]]]:
    """GET /servers[/detail]: filters as Nova's _get_servers reads them, newest first."""
    version, ctx = _version(), context()
    query = _validated_query("servers.index.query.json")
    filters = dict(query)
    if not ctx.is_admin:  # without allow_all_filters, other filters are silently dropped
        allowed = {name for low, names in _USER_FILTERS if version >= v(low) for name in names}
        filters = {key: values for key, values in filters.items() if key in allowed}
    joined = _document("servers.index.query.json")["x-joined-table"]
    for key in filters:
        if key in joined or key.startswith("_"):
            raise BadRequest(f"Invalid filter field: {key}.")
    statuses = query.get("status")
    if statuses and not servers.states_for_statuses(statuses)[0]:
        if version >= v("2.38"):
            raise BadRequest("Invalid status value")
        return [], query
    all_tenants = "all_tenants" in filters and (
        not filters["all_tenants"][-1] or _bool_from_string(filters["all_tenants"][-1], True))
    name = filters["name"][-1] if "name" in filters else None
    found = servers.list_servers(cloud().state, ctx, all_projects=all_tenants, name=name,
                                 status=statuses, detail=detail)
    # Nova sorts on created_at desc, then newest row first.
    newest_first = list(reversed(sorted(found, key=lambda s: s.created)))
    return _page(newest_first, query, lambda s: s.id), query


@bp.get("/servers")
def index() -> Response:
    """List servers: id, name and links of each."""
    found, query = _listed_servers(detail=False)
    body: dict[str, Any] = {"servers": [{"id": s.id, "links": _links("servers", s.id),
                                         "name": s.name} for s in found]}
    if links := _next_links("servers", found, query, found[-1].id if found else ""):
        body["servers_links"] = links
    return json_response(body)


@bp.get("/servers/detail")
def detail() -> Response:
    """List servers with every detail show gives, except server_groups."""
    found, query = _listed_servers(detail=True)
    body: dict[str, Any] = {"servers": [render_server(s, _version(), context())
                                        for s in found]}
    if links := _next_links("servers/detail", found, query, found[-1].id if found else ""):
        body["servers_links"] = links
    return json_response(body)


@bp.get("/servers/<server_id>")
def show(server_id: str) -> Response:
    """One server; from 2.102 any query parameter is refused."""
    _validated_query("show.query.json")
    server = servers.get_server(cloud().state, context(), server_id)
    return json_response({"server": render_server(server, _version(), context(), show=True)})


# -- servers: create, delete ------------------------------------------------------------


def _check_networks(networks: object) -> None:
    """What the API itself checks of a list of networks (_get_requested_networks)."""
    if not isinstance(networks, list):
        return
    ports: list[str] = []
    for network in networks:
        port = network.get("port")
        if port:
            if port in ports:
                raise BadRequest(f"Port ID '{port}' was specified twice: you cannot attach a "
                                 "port multiple times.")
            if network.get("fixed_ip") is not None:
                raise BadRequest(f"Specified Fixed IP '{network['fixed_ip']}' cannot be used "
                                 f"with port '{port}': the two cannot be specified together.")
            ports.append(port)
        elif "uuid" not in network:
            raise BadRequest("Bad network format: missing 'uuid'")
        elif not is_uuid_like(network["uuid"]):
            raise BadRequest("Bad networks format: network uuid is not in proper format "
                             f"({network['uuid']})")


def _block_device(item: dict[str, Any], image_given: bool) -> BlockDeviceRequest | None:
    """One block_device_mapping_v2 entry, checked as BlockDeviceDict.from_api checks it."""
    if item.get("no_device"):
        return None
    source, uuid, destination = (item.get("source_type"), item.get("uuid"),
                                 item.get("destination_type"))
    invalid = "Block Device Mapping is Invalid: "
    if source == "blank" and uuid:
        raise BadRequest(invalid + "Invalid device UUID.")
    if source != "blank" and not uuid:
        raise BadRequest(invalid + "Missing device UUID.")
    boot_index = item.get("boot_index")
    if source == "image" and destination == "local" and not (
            image_given and int(boot_index if boot_index is not None else -1) == 0):
        raise BadRequest(invalid + "Mapping image to local is not supported.")
    if item.get("volume_type") and (destination == "local" or source == "volume"):
        raise BadRequest(invalid + ("Specifying a volume_type with destination_type=local is "
                                    "not supported." if destination == "local" else
                                    "Specifying volume type to existing volume is not "
                                    "supported."))
    if source is None:  # from_api has stored the uuid under "None_id" by now
        raise BadRequest(invalid + "Following fields are invalid: None_id")
    return BlockDeviceRequest(
        boot_index=int(boot_index) if boot_index is not None else None,
        source_type=source, uuid=uuid,
        destination_type=destination or ("volume" if source == "volume" else "local"),
        volume_size=int(item["volume_size"]) if item.get("volume_size") else None,
        delete_on_termination=_bool_from_string(item.get("delete_on_termination", False)),
        device_name=item.get("device_name"), tag=item.get("tag"))


def _legacy_block_device(item: dict[str, Any]) -> BlockDeviceRequest | None:
    """A legacy block_device_mapping entry: a volume (or snapshot) on a device name."""
    if item.get("no_device") or not (item.get("volume_id") or item.get("snapshot_id")):
        return None
    device = (item.get("device_name") or "").removeprefix("/dev/")
    return BlockDeviceRequest(
        boot_index=0 if device in ("vda", "sda", "xvda", "hda") else None,
        source_type="volume" if item.get("volume_id") else "snapshot",
        destination_type="volume", uuid=item.get("volume_id") or item.get("snapshot_id"),
        volume_size=int(item["volume_size"]) if item.get("volume_size") else None,
        delete_on_termination=_bool_from_string(item.get("delete_on_termination", False)),
        device_name=item.get("device_name"))


def _block_devices(body: dict[str, Any]) -> list[BlockDeviceRequest]:
    legacy, current = body.get("block_device_mapping", []), body.get("block_device_mapping_v2",
                                                                     [])
    if legacy and current:
        raise BadRequest("Using different block_device_mapping syntaxes is not allowed in the "
                         "same request.")
    image_given = body.get("imageRef") not in (None, "")
    requests = ([_block_device(item, image_given) for item in current] if current else
                [_legacy_block_device(item) for item in legacy])
    return [r for r in requests if r is not None]


def _password() -> str:
    """utils.generate_password: 12 characters, at least one of each group."""
    chosen = [secrets.choice(group) for group in _PASSWORD_SYMBOLS]
    chosen += [secrets.choice("".join(_PASSWORD_SYMBOLS)) for _ in range(12 - len(chosen))]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)


@bp.post("/servers")
def create() -> Response:
    """Create a server: 202 with its id, links and admin password; it builds on the clock."""
    _validate_body("servers.create.json", g.json_body)
    body: dict[str, Any] = g.json_body["server"]
    min_count = int(body.get("min_count", 1))
    if min_count > int(body.get("max_count", min_count)):
        raise BadRequest("min_count must be <= max_count")
    block_devices = _block_devices(body)
    if not body.get("imageRef") and not block_devices:
        raise BadRequest("Missing imageRef attribute")
    _check_networks(body.get("networks"))
    name = body["name"].strip()
    server = servers.create_server(
        cloud().state, context(), name=name, image_ref=body.get("imageRef"),
        flavor_ref=_id_from_href(body["flavorRef"]), block_devices=block_devices,
        metadata=body.get("metadata"),
        # Before 2.19 Nova stores the name as the description.
        description=body.get("description") if _version() >= v("2.19") else name)
    if _bool_from_string(body.get("return_reservation_id", False)):
        reservation = "".join(secrets.choice(string.ascii_lowercase + string.digits)
                              for _ in range(8))
        return json_response({"reservation_id": f"r-{reservation}"}, 202)
    links = _links("servers", server.id)
    answer = {"id": server.id, "links": links,
              "OS-DCF:diskConfig": "AUTO" if body.get("OS-DCF:diskConfig") == "AUTO"
              else "MANUAL",
              "security_groups": body.get("security_groups", [{"name": "default"}]),
              "adminPass": body.get("adminPass", _password())}
    return json_response({"server": answer}, 202, headers={"Location": links[0]["href"]})


@bp.delete("/servers/<server_id>")
def delete(server_id: str) -> Response:
    """Delete a server: 204; its volumes are freed (or deleted) when it is gone."""
    servers.delete_server(cloud().state, context(), server_id)
    return _accepted(204)


# -- servers: actions -------------------------------------------------------------------


def _action_name(body: object) -> str:
    """wsgi.action_peek: a body with exactly one key names the action."""
    if not g.body or (isinstance(body, (str, list, dict)) and len(body) != 1):
        raise BadRequest("Malformed request body")
    if not isinstance(body, dict):
        raise NotFound("The resource could not be found.")
    name: str = next(iter(body))
    return name


@bp.post("/servers/<server_id>/action")
def action(server_id: str) -> Response:
    """os-stop, os-start, reboot, shelve, shelveOffload, unshelve, lock, unlock: 202."""
    name = _action_name(g.json_body)
    if name not in _ACTIONS:
        raise BadRequest(f"There is no such action: {name}")
    _validate_body("servers.action.json", g.json_body, action=name)
    reboot_type = g.json_body["reboot"]["type"].upper() if name == "reboot" else "SOFT"
    servers.server_action(cloud().state, context(), server_id, _ACTIONS[name],
                          reboot_type=reboot_type)
    return _accepted()


# -- flavors ----------------------------------------------------------------------------


def _listed_flavors() -> tuple[list[Flavor], dict[str, list[str]]]:
    """GET /flavors[/detail]: public flavors by id, with Nova's minRam/minDisk/is_public."""
    query = _validated_query("flavors.index.query.json")
    flavors = sorted(FLAVORS.values(), key=lambda f: f.id)
    is_public = query["is_public"][-1] if "is_public" in query else None
    if context().is_admin and is_public is not None and is_public.lower() != "none":
        try:
            public = _bool_from_string(is_public, strict=True)
        except BadRequest:
            raise BadRequest(f"Invalid is_public filter [{is_public}]") from None
        flavors = flavors if public else []
    for key, attribute in (("minRam", "ram"), ("minDisk", "disk")):
        if key in query:
            try:
                least = int(query[key][-1])
            except ValueError:
                raise BadRequest(f"Invalid {key} filter [{query[key][-1]}]") from None
            flavors = [f for f in flavors if getattr(f, attribute) >= least]
    if "name" in query:
        flavors = [f for f in flavors if f.name == query["name"][-1]]
    return _page(flavors, query, lambda f: f.id), query


@bp.get("/flavors")
def flavor_index() -> Response:
    """List flavors: id, name, links (and description from 2.55)."""
    flavors, query = _listed_flavors()
    body: dict[str, Any] = {"flavors": [render_flavor(f, _version(), detail=False)
                                        for f in flavors]}
    if links := _next_links("flavors", flavors, query, flavors[-1].id if flavors else ""):
        body["flavors_links"] = links
    return json_response(body)


@bp.get("/flavors/detail")
def flavor_detail() -> Response:
    """List flavors with their figures."""
    flavors, query = _listed_flavors()
    body: dict[str, Any] = {"flavors": [render_flavor(f, _version()) for f in flavors]}
    if links := _next_links("flavors/detail", flavors, query,
                            flavors[-1].id if flavors else ""):
        body["flavors_links"] = links
    return json_response(body)


@bp.get("/flavors/<flavor_id>")
def flavor_show(flavor_id: str) -> Response:
    """One flavor; 404 for an id the cloud does not offer."""
    _validated_query("show.query.json")
    flavor = FLAVORS.get(flavor_id)
    if flavor is None:
        raise NotFound(f"Flavor {flavor_id} could not be found.")
    return json_response({"flavor": render_flavor(flavor, _version())})
