"""What fakenova notes about one request on its way through: one object a request, found
with one lookup, where the pipeline, the views and the journal read and write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import g

if TYPE_CHECKING:
    from fakenova.cloud import Cloud
    from fakenova.domain.model import Context
    from fakenova.harness.fault_rules import FaultRule, RequestInfo
    from fakenova.microversion import APIVersion


@dataclass(slots=True, eq=False)
class Exchange:
    cloud: Cloud
    service: str | None           # identity, compute, volume, control; None outside them
    request_id: str
    body: bytes = b""
    json_body: Any = None
    context: Context | None = None    # whom the token names, once it has been checked
    version: APIVersion | None = None  # compute's negotiated microversion
    version_text: str | None = None    # what the answer's microversion headers say
    volume_version: APIVersion | None = None
    cinder_request_id: bool = False    # whether Cinder's answer carries x-compute-request-id
    fault_request: RequestInfo | None = None
    fault_rule: FaultRule | None = None
    unrouted: bool = False             # no route implements the path or method

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
