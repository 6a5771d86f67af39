"""schemathesis against fakenova's own OpenAPI document.

schemathesis' default phases run over every operation of ``/_fakenova/openapi.json``, their
requests sent to the Flask app over WSGI with a real Keystone token:

- examples and coverage: every case schemathesis derives from the document, valid and
  invalid (each keyword's edge values, missing and unexpected parameters, undeclared
  methods);
- fuzzing: a bounded number of generated requests per operation, valid and invalid
  (schemathesis' positive and negative modes);
- stateful: a bounded number of scenarios chaining operations along the links schemathesis
  infers (a server's id from a listing into its attachments, ...).

Coverage requests have their path parameters pointed at seeded objects (a server with an
attached volume, the token's project, a flavor), bar the parameter a request is about; about
half the fuzzing requests are pointed at them too. Before each request the cloud goes back to
the same snapshot (before each scenario, for stateful ones), and no fault rule is in force. No
answer may be a 5xx, have a status the document does not list, or break the schema given for
its status.

The document describes compute and Cinder at their newest microversions. A request whose
``OpenStack-API-Version`` is missing or names no version of the service is served at the
oldest (2.1, 3.0), as upstream does; such an answer says so in its own
``OpenStack-API-Version`` header, and its attachment bodies are checked against the
project's schemas of the microversion it was served at instead.

A path parameter's schema leaves out the values another rule serves (``GET /servers/detail``
is no server's show), so no coverage case, valid or invalid, is another operation's request.
A generated invalid one can still name such a value (Hypothesis draws constants it finds in
the code): that request is the other rule's, as OpenAPI 3.1 matches a concrete path before a
templated one, and its answer is checked against that operation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, CheckContext, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.generation.drivers import CoverageGenerator, ExamplesGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.meta import CoveragePhaseData
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import HTTPException

from fakenova import Cloud, create_app
from fakenova.domain.flavors import FLAVORS
from fakenova.domain.identity import validate_token
from fakenova.errors import Unauthorized
from fakenova.harness.access import HEADER as CONTROL_HEADER
from fakenova.http.volume.pipeline import MAX_VERSION as VOLUME_VERSION
from fakenova.microversion import MAX_VERSION, APIVersion

CONTROL_TOKEN = "schemathesis-control"
SUBJECT = "<the subject token>"  # replaced, when sent, by a live token of demo's
SUBJECT_HEADER = "X-Subject-Token"
SNAPSHOT = "schemathesis-baseline-4f1c9e"
DOCUMENTED: list[CheckFunction] = [
    not_a_server_error, status_code_conformance, response_schema_conformance,
    content_type_conformance, response_headers_conformance]
_ATTACHMENTS = re.compile(r"/servers/\{server_id\}/os-volume_attachments(/\{volume_id\})?$")
_ATTACHMENT_OPERATIONS = {("GET", False): "list", ("GET", True): "show",
                          ("POST", False): "create", ("PUT", True): "update",
                          ("DELETE", True): "delete"}
_SERVED = re.compile(r"^(compute|volume) (\d+\.\d+)$")
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Finding:
    """One answer that failed a check: the request to reproduce it and what came back."""

    operation: str
    phase: str
    mode: str
    request: str
    status: int
    body: str
    failures: tuple[str, ...]
    served_by: str | None = None  # the rule that served it, when not the operation's own

    def __str__(self) -> str:
        served = f"\n  served by {self.served_by}" if self.served_by else ""
        return (f"{self.operation} ({self.phase}, {self.mode}): {', '.join(self.failures)}"
                f"{served}\n  request:  {self.request}\n"
                f"  response: {self.status} {self.body[:600]}")


@dataclass
class Tally:
    operations: int = 0
    phases: Counter[str] = field(default_factory=Counter)  # requests sent per phase
    elsewhere: int = 0  # generated requests another rule served
    findings: list[Finding] = field(default_factory=list)

    @property
    def examples(self) -> int:
        return sum(self.phases.values())

    @property
    def server_errors(self) -> list[Finding]:
        return [f for f in self.findings if f.status >= 500]

    @property
    def schema_breaks(self) -> list[Finding]:
        return [f for f in self.findings if any("schema" in t.lower() for t in f.failures)]

    def summary(self) -> str:
        phases = ", ".join(f"{count} {name}" for name, count in sorted(self.phases.items()))
        return (f"schemathesis: {self.operations} operations, {self.examples} examples "
                f"({phases}; {self.elsewhere} served by another rule), "
                f"{len(self.findings)} failing answers "
                f"({len(self.server_errors)} 5xx, {len(self.schema_breaks)} schema breaks)")


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


def _varied(case: Case) -> tuple[ParameterLocation | None, str | None]:
    """The parameter a coverage case is about (the one it gives an edge value, makes invalid
    or leaves out), if one."""
    data = case.meta.phase.data if case.meta is not None else None
    if isinstance(data, CoveragePhaseData):
        return data.parameter_location, data.parameter
    return None, None


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
        self.app.services.all()
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

    def _live_tokens(self) -> None:
        for name in ("token", "subject_token"):
            try:
                validate_token(self.cloud.state, getattr(self, name))
            except Unauthorized:  # revoked, or its project removed, by an earlier request
                setattr(self, name, self._login()[0])

    def _fresh(self) -> None:
        """The same starting point: snapshot, no rules, valid tokens."""
        self.cloud.faults.clear()
        self.cloud.journal.clear()
        self.cloud.restore(SNAPSHOT)
        self._live_tokens()

    def _aimed(self, operation: APIOperation) -> dict[str, str]:
        """The seeded objects an operation's path parameters can point at. The control API's
        {project_id} is left to schemathesis: pointing it at the token's project would
        delete it."""
        if operation.path.startswith("/_fakenova"):
            return {}
        names = re.findall(r"{(\w+)}", operation.path)
        return {name: self.fixed[name] for name in names if name in self.fixed}

    def _strategy(self, operation: APIOperation,
                  modes: tuple[GenerationMode, ...]) -> st.SearchStrategy[Case]:
        # The token itself is put in when the request is sent: an earlier request may have
        # revoked the one there was.
        headers = {"X-Auth-Token": "", CONTROL_HEADER: CONTROL_TOKEN}
        fixed = self._aimed(operation)
        aimed = {**headers, SUBJECT_HEADER: SUBJECT}
        strategies = []
        for mode in modes:
            strategies.append(operation.as_strategy(mode, headers=headers))
            if fixed or "/auth/tokens" in operation.path:
                strategies.append(operation.as_strategy(mode, path_parameters=fixed or None,
                                                        headers=aimed))
        return st.one_of(strategies)

    def _aim(self, case: Case) -> None:
        """Point a coverage case at the seeded objects (and a live subject token), bar the
        parameter the case is about."""
        varied = _varied(case)
        fixed = {name: value for name, value in self._aimed(case.operation).items()
                 if varied != (ParameterLocation.PATH, name)}
        if fixed:
            case.path_parameters = {**case.path_parameters, **fixed}
        if "/auth/tokens" in case.operation.path and varied != (ParameterLocation.HEADER,
                                                                 SUBJECT_HEADER):
            case.headers[SUBJECT_HEADER] = SUBJECT

    def _call(self, case: Case) -> Response:
        """Send a case with the live tokens in place of the placeholders, and the control
        token unless the case leaves it out on purpose."""
        case.headers["X-Auth-Token"] = self.token
        if _varied(case) != (ParameterLocation.HEADER, CONTROL_HEADER):
            case.headers[CONTROL_HEADER] = CONTROL_TOKEN
        if case.headers.get(SUBJECT_HEADER) == SUBJECT:
            case.headers[SUBJECT_HEADER] = self.subject_token
        return case.call()

    def _check(self, case: Case, response: Response, tally: Tally) -> None:
        meta = case.meta
        phase = meta.phase.name.value if meta is not None else "?"
        tally.phases[phase] += 1
        # A coverage case is what schemathesis derives from the document itself: it is its
        # operation's, or the document let a path parameter take another rule's segment.
        served = case if phase == "coverage" else self._served_as(case)
        tally.elsewhere += served is not case
        try:
            served.validate_response(response, checks=self._checks(served, response))
        except FailureGroup as group:
            tally.findings.append(self._finding(case, response, group))

    def _send(self, case: Case, tally: Tally) -> None:
        self._fresh()
        self._check(case, self._call(case), tally)

    def _served_as(self, case: Case) -> Case:
        """A generated request as the operation that serves it. An invalid path parameter
        the document leaves out because another rule takes it (a negative case's "detail"
        for a server id) makes that rule's request, which OpenAPI 3.1 matches to the
        concrete path before the templated one, and which is checked as that operation's."""
        try:
            rule, arguments = self.routing.match(unquote(case.formatted_path), case.method,
                                                 return_rule=True)
        except HTTPException:
            return case  # unrouted: webob's 404, which every operation documents
        path = _VARIABLE.sub(r"{\1}", rule.rule)
        if path == case.operation.path:
            return case
        return self.schema[path][case.method.lower()].Case(
            method=case.method, path_parameters={k: str(v) for k, v in arguments.items()},
            headers=case.headers, cookies=case.cookies, query=case.query, body=case.body,
            media_type=case.media_type)

    def _finding(self, case: Case, response: Response, group: FailureGroup) -> Finding:
        meta = case.meta
        served = self._served_as(case)
        return Finding(
            operation=case.operation.label,
            phase=meta.phase.name.value if meta is not None else "?",
            mode=meta.generation.mode.value if meta is not None else "?",
            request=case.as_curl_command(headers=dict(response.request.headers)),
            status=response.status_code, body=response.text,
            failures=tuple(sorted({failure.title for failure in group.exceptions})),
            served_by=None if served is case else served.operation.label)

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
        """schemathesis' examples and coverage phases, then ``positive`` valid and
        ``negative`` invalid generated requests (at most), for each operation."""
        tally = Tally(operations=len(operations))
        for operation in operations:
            self._cover(operation, tally)
            for mode, max_examples in ((GenerationMode.POSITIVE, positive),
                                       (GenerationMode.NEGATIVE, negative)):
                if max_examples:
                    self._fuzz(operation, mode, max_examples, tally)
        return tally

    def _cover(self, operation: APIOperation, tally: Tally) -> None:
        """Every case of the examples and coverage phases, aimed."""
        config = self.schema.config
        coverage = config.generation_for(operation=operation, phase="coverage")
        generators = [
            ExamplesGenerator(operation=operation, override=Override(),
                              feedback=FeedbackSources(),
                              fill_missing=config.phases_for(
                                  operation=operation).examples.fill_missing),
            CoverageGenerator(operation=operation, generation_modes=coverage.modes,
                              generation_config=coverage, auth_storage=None,
                              override=Override(), feedback=FeedbackSources())]
        for generator in generators:
            for case in generator:
                self._aim(case)
                self._send(case, tally)
            assert not generator.controller.deferred_errors, operation.label

    def _fuzz(self, operation: APIOperation, mode: GenerationMode, max_examples: int,
              tally: Tally) -> None:
        @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                  phases=(Phase.explicit, Phase.generate), print_blob=False,
                  suppress_health_check=list(HealthCheck))
        @given(case=self._strategy(operation, (mode,)))
        def send(case: Case) -> None:
            self._send(case, tally)

        try:
            send()
        except Unsatisfiable:
            # Nothing to make invalid: an operation without parameters or a body.
            assert mode is GenerationMode.NEGATIVE, operation.label

    def stateful(self, scenarios: int, steps: int) -> Tally:
        """schemathesis' stateful phase: ``scenarios`` chains of at most ``steps`` requests
        along the links it infers, each from the snapshot and each step without fault
        rules."""
        tally = Tally(operations=len(list(self.operations())))
        fuzzer = self

        class Workflow(self.schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                fuzzer._fresh()

            def call(self, case: Case, **kwargs: Any) -> Response:
                # A fault rule an earlier step added (a two-minute delay, a dropped
                # connection) is the control API at work, not an answer to check.
                fuzzer.cloud.faults.clear()
                fuzzer._live_tokens()
                return fuzzer._call(case)

            def validate_response(self, response: Response, case: Case,
                                  additional_checks: Any = None, **kwargs: Any) -> None:
                fuzzer._check(case, response, tally)

        Workflow.run(settings=settings(
            max_examples=scenarios, stateful_step_count=steps, deadline=None,
            derandomize=True, database=None, phases=(Phase.generate,), print_blob=False,
            suppress_health_check=list(HealthCheck)))
        return tally


def distinct(operations: Iterator[APIOperation]) -> list[APIOperation]:
    """The operations less those routed again with a project id in their path
    (``/compute/v2.1/{project_id}/servers``): the same view, fuzzed once."""
    found = list(operations)
    paths = {operation.path for operation in found}
    return [operation for operation in found if "/{project_id}/" not in operation.path
            or operation.path.replace("/{project_id}", "", 1) not in paths]


def _report(tally: Tally) -> str:
    return "\n\n".join([tally.summary(), *map(str, tally.findings)])


@pytest.fixture(scope="module")
def fuzzer() -> Fuzzer:
    return Fuzzer()


@pytest.mark.slow  # loading the document into schemathesis takes over a second
def test_the_document_loads_into_schemathesis(fuzzer: Fuzzer) -> None:
    labels = {operation.label for operation in fuzzer.operations()}
    assert "POST /compute/v2.1/servers/{server_id}/os-volume_attachments" in labels
    assert "POST /identity/v3/auth/tokens" in labels


@pytest.mark.slow
def test_attachments_and_tokens_take_hostile_input(fuzzer: Fuzzer,
                                                   record_property: Any) -> None:
    """The fast variant: a few operations, all their coverage cases and a few generated
    examples each."""
    attachments = "/compute/v2.1/servers/{server_id}/os-volume_attachments"
    operations = [fuzzer.operation(attachments, "GET"), fuzzer.operation(attachments, "POST"),
                  fuzzer.operation(attachments + "/{volume_id}", "PUT"),
                  fuzzer.operation("/compute/v2.1/servers/{server_id}", "GET"),
                  fuzzer.operation("/identity/v3/auth/tokens", "POST")]
    tally = fuzzer.run(operations, positive=8, negative=4)
    record_property("schemathesis", tally.summary())
    assert tally.phases["coverage"] >= len(operations) * 10
    assert tally.phases["fuzzing"] >= len(operations) * 4
    assert not tally.findings, _report(tally)


@pytest.mark.slow
def test_every_operation_takes_hostile_input(fuzzer: Fuzzer, record_property: Any,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Every documented operation: its examples and coverage cases, 8 valid requests and 4
    invalid ones at most, then 30 stateful scenarios."""
    tally = fuzzer.run(distinct(fuzzer.operations()), positive=8, negative=4)
    stateful = fuzzer.stateful(scenarios=30, steps=10)
    tally.phases.update(stateful.phases)
    tally.elsewhere += stateful.elsewhere
    tally.findings += stateful.findings
    record_property("schemathesis", tally.summary())
    with capsys.disabled():
        print(f"\n{tally.summary()}")
    assert tally.operations >= 100
    assert tally.phases["coverage"] >= tally.operations * 10
    assert tally.phases["stateful"] >= 30
    assert not tally.findings, _report(tally)
