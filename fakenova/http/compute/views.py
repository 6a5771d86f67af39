"""How compute answers show servers and flavors, as upstream's view builders do at the
request's microversion: their bodies, their self and bookmark links, and the paging of lists
(limit, marker and the ``next`` link)."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import request

from fakenova.domain.flavors import Flavor, flavor_for
from fakenova.domain.model import MAX_LIMIT, Context, Server
from fakenova.errors import BadRequest
from fakenova.http.exchange import context
from fakenova.microversion import APIVersion, v
from fakenova.strutils import require_int

_PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")


# -- links --------------------------------------------------------------------------------


def id_from_href(href: object) -> str:
    """The id at the end of a link (or the id itself), as Nova reads imageRef and flavorRef."""
    return urlsplit(str(href)).path.split("/")[-1]


def _url(*parts: str) -> str:
    return "/".join(part.strip("/") for part in parts if part)


def _project_segment(ctx: Context) -> str:
    """Links carry the project id when the request's URL did."""
    return ctx.project_id if ctx.project_id in request.url else ""


def _href(collection: str, ident: str, bookmark: bool = False) -> str:
    base = f"{request.host_url}compute" if bookmark else f"{request.host_url}compute/v2.1"
    return _url(base, _project_segment(context()), collection, ident)


def resource_links(collection: str, ident: str) -> list[dict[str, str]]:
    """The ``self`` and ``bookmark`` links of one server or flavor."""
    return [{"rel": "self", "href": _href(collection, ident)},
            {"rel": "bookmark", "href": _href(collection, ident, bookmark=True)}]


# -- paging -------------------------------------------------------------------------------


def _limit(query: Mapping[str, list[str]]) -> int:
    """common.get_limit_and_marker: the limit asked for, at most MAX_LIMIT."""
    if "limit" not in query:
        return MAX_LIMIT
    return min(require_int(query["limit"][-1], "limit"), MAX_LIMIT)


def next_links(collection: str, items: list[Any], query: Mapping[str, list[str]],
               last_id: str) -> list[dict[str, str]]:
    """A ``next`` link when the page is full (common.ViewBuilder._get_collection_links)."""
    limit = _limit(query)
    if not limit or limit != len(items):
        return []
    params = {key: values[-1] for key, values in sorted(query.items())}
    params["marker"] = last_id
    url = _url(f"{request.host_url}compute/v2.1", _project_segment(context()), collection)
    return [{"rel": "next", "href": f"{url}?{urlencode(params)}"}]


def page(items: list[Any], query: Mapping[str, list[str]], ident: Callable[[Any], str],
         ) -> list[Any]:
    """limit and marker (common.get_limit_and_marker): the items after the marker."""
    if "marker" in query:
        marker = query["marker"][-1]
        index = next((i for i, item in enumerate(items) if ident(item) == marker), None)
        if index is None:
            raise BadRequest(f"marker [{marker}] not found")
        items = items[index + 1:]
    limit = _limit(query)
    return items[:limit]


# -- bodies -------------------------------------------------------------------------------


def _isotime(text: str) -> str:
    return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hostname(server: Server) -> str:
    """The hostname asked for, or else utils.sanitize_hostname of the display name, as the
    hostname Nova gives a server."""
    if server.hostname:
        return server.hostname
    name = server.name.encode("latin-1", "ignore").decode("latin-1")[:63]
    name = re.sub(r"[ _\.]", "-", name)
    name = re.sub(r"[^\w.-]+", "", name).lower().strip(".-")
    return name or f"Server-{server.id}"[:63]


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
    image_id = id_from_href(server.image_ref)
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
        "links": resource_links("servers", server.id), "metadata": dict(server.metadata),
        "name": server.name, "status": status, "tenant_id": server.project_id,
        "user_id": server.user_id, "updated": _isotime(server.updated),
        "OS-DCF:diskConfig": "MANUAL",
    }
    if status in _PROGRESS_STATUSES:
        item["progress"] = 0
    item.update({
        "OS-EXT-AZ:availability_zone": _availability_zone(server), "config_drive": "",
        "key_name": server.key_name, "OS-SRV-USG:launched_at": server.launched_at,
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
                "OS-EXT-SRV-ATTR:reservation_id": server.reservation,
                "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda" if server.launched_at else None,
                "OS-EXT-SRV-ATTR:user_data": server.user_data,
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
        item["trusted_image_certificates"] = server.trusted_image_certificates
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
    item["links"] = resource_links("flavors", flavor.id)
    if version >= v("2.55"):
        item["description"] = None
    if detail and version >= v("2.61"):  # os-flavor-extra-specs:index is a reader rule
        item["extra_specs"] = dict(flavor.extra_specs)
    if detail and version >= v("2.102"):
        del item["OS-FLV-DISABLED:disabled"], item["rxtx_factor"]
    return item
