"""What fakenova notes about one request on its way through: one object a request, found
with one lookup, where the pipeline, the views and the journal read and write."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import g

from fakenova.domain.model import Record

if TYPE_CHECKING:
    from fakenova.cloud import Cloud
    from fakenova.domain.model import Context
    from fakenova.harness.fault_rules import FaultRule, RequestInfo
    from fakenova.http.service import Service
    from fakenova.microversion import APIVersion


@dataclass(slots=True, eq=False, repr=False)
class Exchange(Record):
    """What the pipeline notes of one request, from before its view to the journal."""

    cloud: Cloud
    service: Service              # whose path it is (``OUTSIDE`` when no service's)
    request_id: str
    body: bytes = b""
    json_body: Any = None
    context: Context | None = None    # whom the token names, once it has been checked
    version: APIVersion | None = None  # the microversion negotiated with the service
    version_text: str | None = None    # the one the answer's headers name (and the journal)
    compute_request_id: bool = False   # whether the answer carries x-compute-request-id
    fault_request: RequestInfo | None = None
    fault_rule: FaultRule | None = None
    unrouted: bool = False             # no route implements the path or method
    refusal: str | None = None         # why the token was refused (a 401), for the journal
    started: float = field(default_factory=time.perf_counter)

    @property
    def caller(self) -> Context:
        """Whom the request's token names; only for requests whose token was checked."""
        if self.context is None:
            raise RuntimeError("this request carries no checked token")
        return self.context


def exchange() -> Exchange:
    return g.fakenova_exchange  # type: ignore[no-any-return]


def exchange_or_none() -> Exchange | None:
    """The request's exchange, or None when it failed before one was made."""
    return g.get("fakenova_exchange")


def start(exchange: Exchange) -> None:
    g.fakenova_exchange = exchange


def cloud() -> Cloud:
    return exchange().cloud


def context() -> Context:
    return exchange().caller
