"""The vocabulary a service uses to describe its operations in the OpenAPI document.

A route module declares ``Bindings``: for each ``METHOD path`` of its routes, a ``Binding``
(its success answer, request body, query and errors). A service's ``Conventions`` say what
all of its operations share: the ``OpenStack-API-Version`` it requires and answers with, its
request-id headers, its error bodies per status and how callers authenticate. A service
hands both to the document as its ``Documentation``. No flask imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from fakenova.microversion import APIVersion

Schema = dict[str, Any]
_NONE: Mapping[Any, Any] = MappingProxyType({})

REF = "#/components/schemas/"
VERSION_HEADER = "OpenStack-API-Version"


def ref(name: str) -> Schema:
    """A reference to the component ``name``."""
    return {"$ref": REF + name}


def object_schema(**properties: Schema) -> Schema:
    """An object with these properties, all required."""
    return {"type": "object", "properties": properties, "required": sorted(properties)}


def envelope(key: str, array: bool = False) -> Schema:
    """``{key: {...}}`` (or ``{key: [{...}]}``): an answer whose content is left open."""
    inner: Schema = {"type": "object"}
    return object_schema(**{key: {"type": "array", "items": inner} if array else inner})


READ = (400, 401, 403, 404, 406)  # what a read of Nova's or Cinder's may answer
WRITE = (*READ, 409, 413, 415)  # ... and a write


class Binding(NamedTuple):
    """How one operation is documented: its success answer, body, query and errors."""

    status: int
    response: Schema | None = None  # None: the answer has no body
    body: str | None = None  # component name of the request body
    query: str | None = None  # component whose properties are the query parameters
    params: tuple[str, ...] = ()  # free-form string query parameters
    errors: tuple[int, ...] = ()
    # other success answers an operation gives (one route, several actions): status, body
    successes: tuple[tuple[int, Schema | None], ...] = ()
    headers: tuple[str, ...] = ()  # response headers of the success answer
    request_headers: tuple[str, ...] = ()  # required request headers (strings)
    token: bool = False  # needs X-Auth-Token, whatever the service's conventions say
    media_type: str = "application/json"  # of the success answer's body


class VersionHeader(NamedTuple):
    """The ``OpenStack-API-Version`` every call of a microversioned service sends and every
    answer names; the document describes ``version`` (the newest)."""

    service: str  # as the header names it: "compute" in "compute 2.104"
    version: APIVersion

    def parameter(self) -> Schema:
        return {"name": VERSION_HEADER, "in": "header", "required": True,
                "description": f"The microversion; this document describes {self.service} "
                               f"{self.version}.",
                "schema": {"type": "string", "enum": [f"{self.service} {self.version}",
                                                      f"{self.service} latest"]}}

    def answered(self) -> Schema:
        return {"required": True, "schema": {"type": "string",
                                             "const": f"{self.service} {self.version}"}}


def json_content(schema: Schema) -> Schema:
    """A JSON body of ``schema``, as a request body's or an answer's ``content``."""
    return {"application/json": {"schema": schema}}


_WEBOB_TYPES = ("text/plain", "text/html")
_WEBOB_TEXT = {media: {"schema": {"type": "string"}} for media in _WEBOB_TYPES}
KEYSTONE_ERROR = json_content(ref("keystone.error"))  # keystonemiddleware's 401 too
WEBOB_ERROR = {**json_content(ref("webob.error")), **_WEBOB_TEXT}  # unrouted, too large
# Nova's 404 fault, or webob's for an unrouted path (a path parameter with a slash).
FAULT_OR_WEBOB_404 = {**json_content({"anyOf": [ref("fault.404"), ref("webob.error")]}),
                      **_WEBOB_TEXT}


class ErrorBodies(NamedTuple):
    """What a service answers an error with: ``by_status`` (media type -> schema) for those
    statuses, else a JSON body of the component ``default`` names (``{status}`` filled in).
    ``components`` are the schemas these bodies name that only this service answers with."""

    default: str = "fault.{status}"  # Nova's (and Cinder's) fault of that status
    by_status: Mapping[int, Schema] = _NONE
    components: Mapping[str, Schema] = _NONE

    def content(self, status: int) -> Schema:
        if status in self.by_status:
            return self.by_status[status]
        return json_content(ref(self.default.format(status=status)))


# Nova's and Cinder's: the token is keystonemiddleware's, unrouted and too large are webob's.
OPENSTACK_FAULTS = ErrorBodies(by_status={401: KEYSTONE_ERROR, 404: FAULT_OR_WEBOB_404,
                                          413: WEBOB_ERROR})


class Scheme(NamedTuple):
    """A security scheme of the document, by its name there."""

    name: str
    definition: Schema


KEYSTONE_TOKEN = Scheme("keystone", {
    "type": "apiKey", "in": "header", "name": "X-Auth-Token",
    "description": "A Keystone token, from POST /identity/v3/auth/tokens (X-Subject-Token)."})


class Conventions(NamedTuple):
    """What every operation of a service shares in the document."""

    version: VersionHeader | None = None
    request_ids: tuple[str, ...] = ()  # answer headers carrying "req-..." ids
    errors: ErrorBodies = ErrorBodies()
    common_errors: tuple[int, ...] = ()  # statuses any operation may answer (a guard's)
    # The ways to authenticate, any one sufficing; None: no credentials at all.
    security: tuple[Scheme | None, ...] = ()


# The version documents of every service: no token, no microversion, webob's 404.
VERSION_DOCUMENTS = Conventions(errors=ErrorBodies(by_status={
    401: KEYSTONE_ERROR, 404: WEBOB_ERROR, 413: WEBOB_ERROR}))


class Bindings(NamedTuple):
    """The documented operations of one route module, under one tag: ``operations`` by
    ``METHOD path`` (the path without the optional project id segment), ``components`` the
    schemas only they name, ``conventions`` where they are not their service's."""

    tag: str
    operations: Mapping[str, Binding]
    components: Mapping[str, Schema] = _NONE
    conventions: Conventions | None = None


class Documentation(NamedTuple):
    """How a service is documented: its conventions and its route modules' bindings."""

    conventions: Conventions = Conventions()
    bindings: tuple[Bindings, ...] = ()
