"""schemathesis against fakenova's own OpenAPI document (issue 6, "Hostile input").

Every operation of ``/_fakenova/openapi.json`` gets a bounded number of generated requests,
valid and invalid (schemathesis' positive and negative modes), sent to the Flask app over
WSGI with a real Keystone token; about half of them have their path parameters pointed at
seeded objects (a server with an attached volume, the token's project, a flavor). Before
each request the cloud goes back to the same snapshot, with no fault rules. No answer may be
a 5xx, have a status the document does not list, or break the schema given for its status.

The document describes compute and Cinder at their newest microversions. A request whose
``OpenStack-API-Version`` is missing or names no version of the service is served at the
oldest (2.1, 3.0), as upstream does; such an answer says so in its own
``OpenStack-API-Version`` header, and its attachment bodies are checked against the
project's schemas of the microversion it was served at instead. An invalid path parameter
that makes another operation's path (``GET /servers/detail``) is not sent: it is that
operation's request, fuzzed as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, CheckContext, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import HTTPException

from fakenova import Cloud, create_app
from fakenova.api.control_auth import HEADER as CONTROL_HEADER
from fakenova.api.volume import MAX_VERSION as VOLUME_VERSION
from fakenova.domain.flavors import FLAVORS
from fakenova.domain.identity import validate_token
from fakenova.errors import Unauthorized
from fakenova.microversion import MAX_VERSION, APIVersion

CONTROL_TOKEN = "schemathesis-control"
SUBJECT = "<the subject token>"  # replaced, when sent, by a live token of demo's
SNAPSHOT = "schemathesis-baseline-4f1c9e"
DOCUMENTED: list[CheckFunction] = [
    not_a_server_error, status_code_conformance, response_schema_conformance,
    content_type_conformance, response_headers_conformance]
_ATTACHMENTS = re.compile(r"/servers/\{server_id\}/os-volume_attachments(/\{volume_id\})?$")
_ATTACHMENT_OPERATIONS = {("GET", False): "list", ("GET", True): "show",
                          ("POST", False): "create", ("PUT", True): "update",
                          ("DELETE", True): "delete"}
_SERVED = re.compile(r"^(compute|volume) (\d+\.\d+)$")


@dataclass(frozen=True)
class Finding:
    """One answer that failed a check: the request to reproduce it and what came back."""

    operation: str
    mode: str
    request: str
    status: int
    body: str
    failures: tuple[str, ...]

    def __str__(self) -> str:
        return (f"{self.operation} ({self.mode}): {', '.join(self.failures)}\n"
                f"  request:  {self.request}\n  response: {self.status} {self.body[:600]}")


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def server_errors(self) -> list[Finding]:
        return [f for f in self.findings if f.status >= 500]

    @property
    def schema_breaks(self) -> list[Finding]:
        return [f for f in self.findings if any("schema" in t.lower() for t in f.failures)]

    def summary(self) -> str:
        return (f"schemathesis: {self.operations} operations, {self.examples} examples, "
                f"{len(self.findings)} failing answers ({len(self.server_errors)} 5xx, "
                f"{len(self.schema_breaks)} schema breaks)")


def _attachment_operation(case: Case) -> str | None:
    found = _ATTACHMENTS.search(case.operation.path)
    if found is None:
        return None
    return _ATTACHMENT_OPERATIONS.get((case.method.upper(), found[1] is not None))


def _served_version(response: Response) -> tuple[str, APIVersion] | None:
    """The service and microversion an answer says it was served at."""
    for value in response.headers.get("openstack-api-version", []):
        if found := _SERVED.match(value):
            return found[1], APIVersion.parse(found[2])
    return None


class Fuzzer:
    """The demo cloud with a server, an attached volume and a free one, a token, and the
    document loaded by schemathesis from the app itself."""

    def __init__(self) -> None:
        self.app = create_app(["demo"], control_token=CONTROL_TOKEN)
        self.cloud: Cloud = self.app.extensions["fakenova"]
        self.client = self.app.test_client()
        self.token, self.project_id = self._login()
        self.subject_token, _ = self._login()  # for GET and DELETE /identity/v3/auth/tokens
        state = self.cloud.state
        server = state.add_server("fuzz-server", project="demo")
        attached = state.add_volume("fuzz-attached", project="demo", size=2)
        state.add_volume("fuzz-free", project="demo")
        state.add_attachment(server=server.id, volume=attached.id)
        self.cloud.snapshot(SNAPSHOT)
        self.fixed = {"server_id": server.id, "volume_id": attached.id,
                      "project_id": self.project_id, "flavor_id": next(iter(FLAVORS))}
        self.routing = self.app.url_map.bind("localhost")
        self.schema = schemathesis.openapi.from_wsgi(
            "/_fakenova/openapi.json", self.app, headers={CONTROL_HEADER: CONTROL_TOKEN})

    def _login(self) -> tuple[str, str]:
        answer = self.client.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},
            "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}})
        assert answer.status_code == 201, answer.get_data(as_text=True)
        return answer.headers["X-Subject-Token"], answer.json["token"]["project"]["id"]

    def operations(self) -> Iterator[APIOperation]:
        for result in self.schema.get_all_operations():
            yield result.ok()

    def operation(self, path: str, method: str) -> APIOperation:
        return self.schema[path][method]

    def _fresh(self) -> None:
        """The same starting point for every request: snapshot, no rules, valid tokens."""
        self.cloud.faults.clear()
        self.cloud.journal.clear()
        self.cloud.restore(SNAPSHOT)
        for name in ("token", "subject_token"):
            try:
                validate_token(self.cloud.state, getattr(self, name))
            except Unauthorized:  # revoked, or its project removed, by an earlier request
                setattr(self, name, self._login()[0])

    def _strategy(self, operation: APIOperation,
                  modes: tuple[GenerationMode, ...]) -> st.SearchStrategy[Case]:
        # The token itself is put in when the request is sent: an earlier request may have
        # revoked the one there was.
        headers = {"X-Auth-Token": "", CONTROL_HEADER: CONTROL_TOKEN}
        # The control API's {project_id} is left to schemathesis: pointing it at the
        # token's project would delete it.
        names = re.findall(r"{(\w+)}", operation.path)
        fixed = {} if operation.path.startswith("/_fakenova") else {
            name: self.fixed[name] for name in names if name in self.fixed}
        aimed = {**headers, "X-Subject-Token": SUBJECT}
        strategies = []
        for mode in modes:
            strategies.append(operation.as_strategy(mode, headers=headers))
            if fixed or "/auth/tokens" in operation.path:
                strategies.append(operation.as_strategy(mode, path_parameters=fixed or None,
                                                        headers=aimed))
        return st.one_of(strategies)

    def _routed_elsewhere(self, case: Case) -> bool:
        """Whether the request is another operation's: an invalid path parameter can make a
        path another rule serves (GET /servers/detail is not a server's show)."""
        try:
            rule, _ = self.routing.match(case.formatted_path, case.method, return_rule=True)
        except HTTPException:
            return False  # unrouted: webob's 404, which this operation documents
        return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule) != case.operation.path

    def _checks(self, case: Case, response: Response) -> list[CheckFunction]:
        served = _served_version(response)
        if served in (None, ("compute", MAX_VERSION), ("volume", VOLUME_VERSION)):
            return DOCUMENTED
        return [not_a_server_error, self.served_microversion_conformance]

    def served_microversion_conformance(self, ctx: CheckContext, response: Response,
                                        case: Case) -> bool | None:
        """An answer served at a microversion the document does not describe: an
        attachment's success against the project's schema of that microversion, anything
        else (errors, servers, flavors, volumes: their documented shapes hold at every
        microversion) against the document, bar the version headers."""
        operation = _attachment_operation(case)
        if operation is None or response.status_code >= 400:
            for check in (status_code_conformance, response_schema_conformance):
                check(ctx, response, case)
            return None
        served = _served_version(response)
        assert served is not None
        _, version = served
        body = response.json() if response.content else None
        self.cloud.validators.validate_response(f"volume_attachments.{operation}", version,
                                                body)
        return None

    def run(self, operations: list[APIOperation], positive: int, negative: int) -> Tally:
        """``positive`` valid and ``negative`` invalid requests (at most) per operation."""
        tally = Tally(operations=len(operations))
        for operation in operations:
            for mode, max_examples in ((GenerationMode.POSITIVE, positive),
                                       (GenerationMode.NEGATIVE, negative)):
                if max_examples:
                    self._run_one(operation, mode, max_examples, tally)
        return tally

    def _run_one(self, operation: APIOperation, mode: GenerationMode, max_examples: int,
                 tally: Tally) -> None:
        @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                  phases=(Phase.explicit, Phase.generate), print_blob=False,
                  suppress_health_check=list(HealthCheck))
        @given(case=self._strategy(operation, (mode,)))
        def send(case: Case) -> None:
            if self._routed_elsewhere(case):
                reject()  # fuzzed as that operation instead
            self._fresh()
            tally.examples += 1
            case.headers["X-Auth-Token"] = self.token
            if case.headers.get("X-Subject-Token") == SUBJECT:
                case.headers["X-Subject-Token"] = self.subject_token
            response = case.call()
            try:
                case.validate_response(response, checks=self._checks(case, response))
            except FailureGroup as group:
                tally.findings.append(_finding(case, response, group))

        try:
            send()
        except Unsatisfiable:
            # Nothing to make invalid: an operation without parameters or a body.
            assert mode is GenerationMode.NEGATIVE, operation.label


def _finding(case: Case, response: Response, group: FailureGroup) -> Finding:
    mode = case.meta.generation.mode.value if case.meta is not None else "?"
    return Finding(operation=case.operation.label, mode=mode,
                   request=case.as_curl_command(headers=dict(response.request.headers)),
                   status=response.status_code, body=response.text,
                   failures=tuple(sorted({failure.title for failure in group.exceptions})))


def _report(tally: Tally) -> str:
    return "\n\n".join([tally.summary(), *map(str, tally.findings)])


@pytest.fixture(scope="module")
def fuzzer() -> Fuzzer:
    return Fuzzer()


def test_the_document_loads_into_schemathesis(fuzzer: Fuzzer) -> None:
    labels = {operation.label for operation in fuzzer.operations()}
    assert "POST /compute/v2.1/servers/{server_id}/os-volume_attachments" in labels
    assert "POST /identity/v3/auth/tokens" in labels


def test_attachments_and_tokens_take_hostile_input(fuzzer: Fuzzer,
                                                   record_property: Any) -> None:
    """The fast variant: a few operations, a few examples each."""
    attachments = "/compute/v2.1/servers/{server_id}/os-volume_attachments"
    operations = [fuzzer.operation(attachments, "GET"), fuzzer.operation(attachments, "POST"),
                  fuzzer.operation(attachments + "/{volume_id}", "PUT"),
                  fuzzer.operation("/identity/v3/auth/tokens", "POST")]
    tally = fuzzer.run(operations, positive=8, negative=4)
    record_property("schemathesis", tally.summary())
    assert tally.examples >= len(operations) * 4
    assert not tally.findings, _report(tally)


@pytest.mark.slow
def test_every_operation_takes_hostile_input(fuzzer: Fuzzer, record_property: Any,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Every documented operation: 25 valid requests and 10 invalid ones at most (about
    20 s)."""
    tally = fuzzer.run(list(fuzzer.operations()), positive=25, negative=10)
    record_property("schemathesis", tally.summary())
    with capsys.disabled():
        print(f"\n{tally.summary()}")
    assert tally.operations >= 70
    assert not tally.findings, _report(tally)
