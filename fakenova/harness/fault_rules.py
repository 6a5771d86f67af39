"""Fault rules: which requests to refuse, delay, drop or garble, counted and repeatable.

Rules are evaluated in the order they were added; the first that fires decides. No flask
imports: the HTTP layer describes each request as a ``RequestInfo`` and acts on the rule.
"""

from __future__ import annotations

import random
import re
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from fakenova.domain.model import Record
from fakenova.errors import BadRequest, FakenovaError, NotFound
from fakenova.harness.globs import glob_match
from fakenova.harness.presets import expand
from fakenova.microversion import APIVersion
from fakenova.validation import control

# What webob says for each status when a rule gives no message.
DEFAULT_MESSAGES = {
    400: "The server could not comply with the request since it is either malformed or "
         "otherwise incorrect.",
    401: "This server could not verify that you are authorized to access the document you "
         "requested.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict when trying to complete your request.",
    413: "The body of your request was too large for this server.",
    429: "Too many requests.",
    500: "The server has either erred or is incapable of performing the requested operation.",
    502: "Bad gateway.",
    503: "The server is currently unavailable. Please try again at a later time.",
    504: "The gateway has timed out.",
}
_PATH_PARAMS = re.compile(
    r"/servers/(?P<server_id>[^/]+)(?:/os-volume_attachments(?:/(?P<volume_id>[^/]+))?)?"
    r"|/volumes/(?P<volume>[^/]+)"
)


class InjectedFault(FakenovaError):
    """A fault rule's answer: rendered exactly like the service's own errors."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RequestInfo(NamedTuple):
    """What a rule can match on."""

    service: str | None
    method: str
    path: str  # after the service's version and project prefix, e.g. /servers/x/...
    body: Any = None
    version: APIVersion | None = None
    project: str | None = None


@dataclass(eq=False, repr=False)
class FaultRule(Record):
    """One rule: what requests it matches, what it does to them, and its counters."""

    id: str
    service: str | None = None
    method: str | None = None
    path: str | None = None
    match: dict[str, Any] | None = None
    body_key: str | None = None  # a key the body's top level has: an action's name
    project: str | None = None
    min_version: str | None = None
    max_version: str | None = None
    status: int | None = None
    message: str | None = None
    times: int | None = None
    after: int = 0
    probability: float = 1.0
    seed: int | None = None
    delay_ms: int = 0
    when: Literal["before", "after"] = "before"
    action: Literal["respond", "drop", "truncate"] = "respond"
    name: str | None = None
    stuck: Literal["attaching", "detaching", "error", "volume_error"] | None = None
    volume: str | None = None
    seen: int = 0
    fired: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)
    _registry: FaultRegistry | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()
                if not k.startswith("_") and (v is not None or k in ("status", "when"))}

    def __enter__(self) -> FaultRule:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """As a context manager, the rule is in force only inside the ``with`` block."""
        if self._registry is not None:
            self._registry.remove(self.id, missing_ok=True)

    def applies_to(self, request: RequestInfo) -> bool:
        return (self.stuck is None
                and (self.service is None or self.service == request.service)
                and (self.method is None or self.method.upper() == request.method)
                and (self.path is None or glob_match(self.path, request.path))
                and (self.project is None or self.project == request.project)
                and self._version_matches(request.version)
                and (self.match is None or _contains(request.body, self.match))
                and (self.body_key is None
                     or (isinstance(request.body, dict) and self.body_key in request.body)))

    def _version_matches(self, version: APIVersion | None) -> bool:
        if self.min_version is None and self.max_version is None:
            return True
        if version is None:
            return False
        low = APIVersion.parse(self.min_version) if self.min_version else version
        high = APIVersion.parse(self.max_version) if self.max_version else version
        return low <= version <= high

    def fires(self) -> bool:
        """Count a matching request and decide, by after, times and chance, if it fires."""
        self.seen += 1
        if self.seen <= self.after or (self.times is not None and self.fired >= self.times):
            return False
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def fault(self, request: RequestInfo) -> InjectedFault:
        status = self.status or 500
        template = self.message or DEFAULT_MESSAGES.get(status, "Injected fault.")
        params = _Params(request)
        if "{device}" in template and "device" not in params and self._registry is not None:
            # no device asked for: the one the compute host would have picked
            params["device"] = self._registry.next_device(params.get("server_id", ""))
        return InjectedFault(status, template.format_map(params))


class _Params(dict[str, str]):
    """Placeholders a message may use: {server_id}, {volume_id}, {method}, {path}, and any
    top-level field of the request's inner body object ({volumeId}, {device})."""

    def __init__(self, request: RequestInfo) -> None:
        super().__init__(method=request.method, path=request.path)
        found = _PATH_PARAMS.search(request.path)
        if found:
            self.update({k: v for k, v in found.groupdict().items() if v})
            if found.group("volume"):
                self["volume_id"] = found.group("volume")
        if isinstance(request.body, dict):
            for inner in request.body.values():
                if isinstance(inner, dict):
                    self.update({k: str(v) for k, v in inner.items()})

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _contains(body: Any, wanted: dict[str, Any]) -> bool:
    """Every wanted key has the wanted value somewhere in the JSON body."""
    found: dict[str, list[Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                found.setdefault(key, []).append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return all(value in found.get(key, []) for key, value in wanted.items())


def _check_template(message: str) -> None:
    """A message's placeholders are plain names (``{volume_id}``): no attribute, index,
    conversion or format spec, which would fail (or run long) when the rule fires. Literal
    braces are doubled, as in ``str.format``."""
    try:
        fields = list(string.Formatter().parse(message))
    except ValueError as error:
        raise BadRequest(f"Invalid fault rule field message: {error}") from None
    for _, name, spec, conversion in fields:
        if name is not None and (not name.isidentifier() or spec or conversion):
            raise BadRequest("Invalid fault rule field message: a placeholder is a name in "
                             f"braces, like {{volume_id}}, not {{{name}"
                             f"{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}}")


def check_rule(spec: Any) -> dict[str, Any]:
    """A rule as given by a user, checked; BadRequest says what is wrong."""
    error = control.first_error("fault_rule", spec)
    if error is not None:
        where = "/".join(map(str, error.path))
        raise BadRequest(f"Invalid fault rule{f' field {where}' if where else ''}: "
                         f"{error.message}")
    if ("status" not in spec and spec.get("action", "respond") == "respond"
            and not spec.get("delay_ms") and "stuck" not in spec):
        raise BadRequest("Invalid fault rule: give a status, a delay_ms, or an action of "
                         "drop or truncate")
    if ("stuck" in spec) != ("volume" in spec):
        raise BadRequest("Invalid fault rule: stuck and volume go together")
    if "message" in spec:
        _check_template(spec["message"])
    bounds = {}
    for key in ("min_version", "max_version"):
        if key in spec:
            try:
                bounds[key] = APIVersion.parse(spec[key])
            except ValueError:  # digits past what Python reads as an int
                raise BadRequest(f"Invalid fault rule field {key}: not a version") from None
    probability = spec.get("probability", 1.0)
    if probability != probability:  # NaN passes both of the schema's bounds
        raise BadRequest("Invalid fault rule field probability: NaN is not a number")
    if len(bounds) == 2 and bounds["min_version"] > bounds["max_version"]:
        raise BadRequest("Invalid fault rule: min_version is above max_version, so it could "
                         "never fire")
    return dict(spec)


class FaultRegistry:
    """The rules in force, their counters, and one seeded generator per rule.

    ``stuck_volumes`` is shared with the domain: the volumes whose transitions a ``stuck``
    rule holds back, and how.
    """

    def __init__(self, lock: threading.RLock, stuck_volumes: dict[str, str],
                 seed: int = 0, resolve_volume: Callable[[str], str] = str,
                 next_device: Callable[[str], str] = lambda server_id: "/dev/vdb") -> None:
        self._lock = lock
        self._seed = seed
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._stuck_volumes = stuck_volumes
        self._resolve_volume = resolve_volume  # a volume's name or id -> its id
        self.next_device = next_device  # a server's id -> the disk name it would get next

    def add(self, spec: dict[str, Any] | None = None, /, **keys: Any) -> FaultRule:
        """Add a rule (a dict, or keyword arguments), or a preset: ``{"preset": "flaky"}``."""
        checked = check_rule(expand({**(spec or {}), **keys}))
        with self._lock:
            number = self._next_id
            self._next_id += 1
            rule = FaultRule(id=f"fault-{number}", **checked)
            # Without its own seed a rule draws from the registry's seed and its number, so
            # the same rules added in the same order fire on the same requests in every run.
            rule._random.seed(rule.seed if rule.seed is not None else self._seed * 1_000_003
                              + number)
            rule._registry = self
            if rule.stuck and rule.volume:
                rule.volume = self._resolve_volume(rule.volume)
                self._stuck_volumes[rule.volume] = rule.stuck
            self._rules.append(rule)
            return rule

    def preset(self, name: str, **params: Any) -> FaultRule:
        return self.add({"preset": name, **params})

    def remove(self, rule_id: str, missing_ok: bool = False) -> None:
        with self._lock:
            gone = [r for r in self._rules if r.id == rule_id]
            if not gone and not missing_ok:
                raise NotFound(f"Fault rule {rule_id} could not be found.")
            self._rules = [r for r in self._rules if r.id != rule_id]
            for rule in gone:
                if rule.volume:
                    self._stuck_volumes.pop(rule.volume, None)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._stuck_volumes.clear()
            self._next_id = 1

    def __bool__(self) -> bool:
        """Whether any rule is in force (read without the lock: a list's length is atomic)."""
        return bool(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def match(self, request: RequestInfo) -> FaultRule | None:
        """The first rule that applies to the request and fires, counting every one tried."""
        with self._lock:
            for rule in self._rules:
                if rule.applies_to(request) and rule.fires():
                    return rule
            return None
